-- The practical floor for a full refresh: ONE statement that dedupes page views by id, finds
-- sessions with a window pass per anonymous_id and aggregates them, carrying the first page
-- view's attribution columns and the last page view's URL, as segment_web_sessions__initial
-- needs them. No URL parsing, no stitching, no session numbering per user, no second table.
-- Written as fast as we could make it on DuckDB 2.0 at 1M and 10M rows: the fastest of a whole-row
-- QUALIFY dedupe (2.4 s / 41 s), key-only windows joined back (2.0-2.8 s / 33-53 s) and this.
CREATE OR REPLACE TABLE lower_bound_sessions AS
WITH valid AS NOT MATERIALIZED (
  SELECT id, anonymous_id, received_at, sent_at, timestamp AS tstamp, url, referrer,
         context_campaign_source, context_campaign_medium, context_campaign_name,
         context_campaign_term, context_campaign_content, context_user_agent
  FROM pages
  WHERE id IS NOT NULL AND anonymous_id IS NOT NULL AND timestamp IS NOT NULL AND received_at IS NOT NULL
), duplicated AS (
  SELECT id FROM valid GROUP BY id HAVING COUNT(*) > 1
), deduped AS (
  -- Only ids sent more than once are sorted to pick their first copy.
  SELECT * EXCLUDE (received_at, sent_at) FROM valid WHERE id NOT IN (SELECT id FROM duplicated)
  UNION ALL
  SELECT * EXCLUDE (received_at, sent_at) FROM valid WHERE id IN (SELECT id FROM duplicated)
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY id ORDER BY received_at ASC NULLS LAST, sent_at ASC NULLS LAST, tstamp ASC NULLS LAST
  ) = 1
), numbered AS (
  SELECT *,
    COUNT(*) FILTER (WHERE gap IS NULL OR gap > 1800) OVER (
      PARTITION BY anonymous_id ORDER BY tstamp, id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS session_number
  FROM (
    SELECT *, DATE_DIFF('second', LAG(tstamp) OVER (PARTITION BY anonymous_id ORDER BY tstamp, id), tstamp) AS gap
    FROM deduped
  )
)
SELECT
  MD5(anonymous_id || '-' || session_number) AS session_id,
  anonymous_id,
  MIN(tstamp) AS session_start_tstamp,
  MAX(tstamp) AS session_end_tstamp,
  COUNT(*) AS page_views,
  ARG_MIN(url, (tstamp, id)) AS first_page_url,
  ARG_MIN(referrer, (tstamp, id)) AS referrer,
  ARG_MIN(context_campaign_source, (tstamp, id)) AS utm_source,
  ARG_MIN(context_campaign_medium, (tstamp, id)) AS utm_medium,
  ARG_MIN(context_campaign_name, (tstamp, id)) AS utm_campaign,
  ARG_MIN(context_campaign_term, (tstamp, id)) AS utm_term,
  ARG_MIN(context_campaign_content, (tstamp, id)) AS utm_content,
  ARG_MIN(context_user_agent, (tstamp, id)) AS user_agent,
  ARG_MAX(url, (tstamp, id)) AS last_page_url
FROM numbered
GROUP BY anonymous_id, session_number
