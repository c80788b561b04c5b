CREATE OR REPLACE TABLE "ANALYTICS".segment_web_sessions
CLUSTER BY (session_start_tstamp) AS
WITH numbered AS (
  SELECT
    session_id,
    ROW_NUMBER() OVER (PARTITION BY blended_user_id ORDER BY session_start_tstamp, session_id) AS session_number
  FROM "ANALYTICS".segment_web_sessions__stitched
)
SELECT
  sessions.session_id,
  sessions.anonymous_id,
  sessions.session_start_tstamp,
  sessions.session_end_tstamp,
  sessions.page_views,
  sessions.utm_source,
  sessions.utm_content,
  sessions.utm_medium,
  sessions.utm_campaign,
  sessions.utm_term,
  sessions.gclid,
  sessions.first_page_url,
  sessions.first_page_url_host,
  sessions.first_page_url_path,
  sessions.first_page_url_query,
  sessions.referrer,
  sessions.referrer_host,
  sessions.device,
  sessions.device_category,
  sessions.last_page_url,
  sessions.last_page_url_host,
  sessions.last_page_url_path,
  sessions.last_page_url_query,
  sessions.first_context_locale,
  sessions.last_context_locale,
  sessions.duration_in_s,
  sessions.duration_in_s_tier,
  sessions.referrer_medium,
  sessions.referrer_source,
  sessions.blended_user_id,
  numbered.session_number,
  sessions.source_name
FROM "ANALYTICS".segment_web_sessions__stitched AS sessions
JOIN numbered
  ON numbered.session_id = sessions.session_id;

CREATE OR REPLACE TABLE "ANALYTICS".sessionizer_users AS
SELECT
  blended_user_id,
  COUNT(*) AS sessions
FROM "ANALYTICS".segment_web_sessions
GROUP BY
  blended_user_id;
