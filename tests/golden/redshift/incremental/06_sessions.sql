BEGIN;

DELETE FROM analytics.segment_web_sessions
WHERE
  blended_user_id IN (
    SELECT
      blended_user_id
    FROM analytics.sessionizer_pending_users
  );

INSERT INTO analytics.segment_web_sessions (
  session_id,
  anonymous_id,
  session_start_tstamp,
  session_end_tstamp,
  page_views,
  utm_source,
  utm_content,
  utm_medium,
  utm_campaign,
  utm_term,
  gclid,
  first_page_url,
  first_page_url_host,
  first_page_url_path,
  first_page_url_query,
  referrer,
  referrer_host,
  device,
  device_category,
  last_page_url,
  last_page_url_host,
  last_page_url_path,
  last_page_url_query,
  first_context_locale,
  last_context_locale,
  duration_in_s,
  duration_in_s_tier,
  referrer_medium,
  referrer_source,
  blended_user_id,
  session_number
)
SELECT
  session_id,
  anonymous_id,
  session_start_tstamp,
  session_end_tstamp,
  page_views,
  utm_source,
  utm_content,
  utm_medium,
  utm_campaign,
  utm_term,
  gclid,
  first_page_url,
  first_page_url_host,
  first_page_url_path,
  first_page_url_query,
  referrer,
  referrer_host,
  device,
  device_category,
  last_page_url,
  last_page_url_host,
  last_page_url_path,
  last_page_url_query,
  first_context_locale,
  last_context_locale,
  duration_in_s,
  duration_in_s_tier,
  referrer_medium,
  referrer_source,
  blended_user_id,
  ROW_NUMBER() OVER (PARTITION BY blended_user_id ORDER BY session_start_tstamp, session_id) AS session_number
FROM analytics.segment_web_sessions__stitched
WHERE
  blended_user_id IN (
    SELECT
      blended_user_id
    FROM analytics.sessionizer_pending_users
  );

COMMIT;
