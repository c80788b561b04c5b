DROP TABLE IF EXISTS analytics.segment_web_page_views__sessionized__sessionizer_new;

CREATE TABLE analytics.segment_web_page_views__sessionized__sessionizer_new
DISTKEY(anonymous_id)
SORTKEY(tstamp) AS
WITH page_views AS (
  SELECT
    page_view_id,
    anonymous_id,
    user_id,
    received_at_tstamp,
    sent_at_tstamp,
    tstamp,
    page_url,
    page_url_host,
    page_url_path,
    page_title,
    page_url_query,
    referrer,
    referrer_host,
    utm_source,
    utm_medium,
    utm_campaign,
    utm_term,
    utm_content,
    gclid,
    ip,
    user_agent,
    device,
    context_locale,
    device_category,
    0 AS numbered_before,
    CAST(NULL AS TIMESTAMP) AS previous_tstamp,
    0 AS sessions_before
  FROM analytics.segment_web_page_views
), numbered AS (
  SELECT
    *,
    numbered_before + ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY tstamp, page_view_id) AS page_view_number,
    DATEDIFF(
      SECOND,
      COALESCE(
        LAG(tstamp) OVER (PARTITION BY anonymous_id ORDER BY tstamp, page_view_id),
        previous_tstamp
      ),
      tstamp
    ) AS inactivity_s
  FROM page_views
), sessions AS (
  SELECT
    *,
    sessions_before + COUNT(CASE WHEN inactivity_s IS NULL OR inactivity_s > 1200 THEN 1 END) OVER (
      PARTITION BY anonymous_id
      ORDER BY page_view_number
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS session_number
  FROM numbered
)
SELECT
  sessions.page_view_id,
  sessions.anonymous_id,
  sessions.user_id,
  sessions.received_at_tstamp,
  sessions.sent_at_tstamp,
  sessions.tstamp,
  sessions.page_url,
  sessions.page_url_host,
  sessions.page_url_path,
  sessions.page_title,
  sessions.page_url_query,
  sessions.referrer,
  sessions.referrer_host,
  sessions.utm_source,
  sessions.utm_medium,
  sessions.utm_campaign,
  sessions.utm_term,
  sessions.utm_content,
  sessions.gclid,
  sessions.ip,
  sessions.user_agent,
  sessions.device,
  sessions.context_locale,
  sessions.device_category,
  sessions.page_view_number,
  MD5(
    COALESCE(CAST(sessions.anonymous_id AS VARCHAR(MAX)), '_dbt_utils_surrogate_key_null_') || '-' || COALESCE(CAST(sessions.session_number AS VARCHAR(MAX)), '_dbt_utils_surrogate_key_null_')
  ) AS session_id
FROM sessions;

BEGIN;

DROP TABLE IF EXISTS analytics.segment_web_page_views__sessionized;

ALTER TABLE analytics.segment_web_page_views__sessionized__sessionizer_new
RENAME TO segment_web_page_views__sessionized;

COMMIT;
