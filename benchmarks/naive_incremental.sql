-- The naive incremental, as dbt-segment does it: every visitor with a row loaded since the
-- newest one processed (minus the same 3-hour trailing window) is recomputed from ALL of their
-- page views in the source, and their sessionized page views and sessions are replaced.
CREATE OR REPLACE TEMP TABLE naive_active AS
SELECT DISTINCT anonymous_id
FROM pages
WHERE id IS NOT NULL AND anonymous_id IS NOT NULL AND timestamp IS NOT NULL AND received_at IS NOT NULL
  AND (
    (SELECT MAX(received_at_tstamp) FROM naive_page_views__sessionized) IS NULL
    OR received_at > (SELECT MAX(received_at_tstamp) FROM naive_page_views__sessionized) - INTERVAL 3 HOUR
  );
CREATE OR REPLACE TEMP TABLE naive_recomputed AS
WITH history AS (
  SELECT *
  FROM pages
  WHERE id IS NOT NULL AND anonymous_id IS NOT NULL AND timestamp IS NOT NULL AND received_at IS NOT NULL
    AND anonymous_id IN (SELECT anonymous_id FROM naive_active)
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY id ORDER BY received_at ASC NULLS LAST, sent_at ASC NULLS LAST, timestamp ASC NULLS LAST
  ) = 1
), numbered AS (
  SELECT *,
    ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY timestamp, id) AS page_view_number,
    DATE_DIFF('second', LAG(timestamp) OVER (PARTITION BY anonymous_id ORDER BY timestamp, id), timestamp) AS gap
  FROM history
)
SELECT id AS page_view_id, anonymous_id, user_id, received_at AS received_at_tstamp, sent_at AS sent_at_tstamp,
       timestamp AS tstamp, url AS page_url, path AS page_url_path, title AS page_title, search AS page_url_query,
       referrer, context_campaign_source AS utm_source, context_campaign_medium AS utm_medium,
       context_campaign_name AS utm_campaign, context_campaign_term AS utm_term,
       context_campaign_content AS utm_content, context_ip AS ip, context_user_agent AS user_agent,
       page_view_number,
       MD5(anonymous_id || '-' || COUNT(*) FILTER (WHERE gap IS NULL OR gap > 1800) OVER (
         PARTITION BY anonymous_id ORDER BY page_view_number ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
       )) AS session_id
FROM numbered;
BEGIN;
DELETE FROM naive_page_views__sessionized WHERE anonymous_id IN (SELECT anonymous_id FROM naive_active);
INSERT INTO naive_page_views__sessionized SELECT * FROM naive_recomputed;
DELETE FROM naive_sessions WHERE anonymous_id IN (SELECT anonymous_id FROM naive_active);
INSERT INTO naive_sessions
SELECT
  session_id,
  anonymous_id,
  MIN(tstamp),
  MAX(tstamp),
  COUNT(*),
  ARG_MIN(page_url, page_view_number),
  ARG_MIN(referrer, page_view_number),
  ARG_MIN(utm_source, page_view_number),
  ARG_MIN(utm_medium, page_view_number),
  ARG_MIN(utm_campaign, page_view_number),
  ARG_MIN(utm_term, page_view_number),
  ARG_MIN(utm_content, page_view_number),
  ARG_MIN(user_agent, page_view_number),
  ARG_MAX(page_url, page_view_number)
FROM naive_recomputed
GROUP BY session_id, anonymous_id;
COMMIT;
