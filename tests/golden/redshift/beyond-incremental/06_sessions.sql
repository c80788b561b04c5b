BEGIN;

DELETE FROM "analytics".segment_web_sessions USING   "analytics".sessionizer_pending_users AS pending
WHERE
  segment_web_sessions.blended_user_id = pending.blended_user_id
  AND segment_web_sessions.session_start_tstamp >= pending.from_tstamp
  AND segment_web_sessions.session_start_tstamp >= (
    SELECT
      MIN(from_tstamp)
    FROM "analytics".sessionizer_pending_users
  );

INSERT INTO "analytics".segment_web_sessions (
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
  session_number,
  session_start_reason,
  channel,
  is_engaged
)
WITH pending AS (
  SELECT
    blended_user_id,
    MIN(from_tstamp) AS from_tstamp
  FROM "analytics".sessionizer_pending_users
  GROUP BY
    blended_user_id
), sessions AS (
  SELECT
    stitched.*,
    pending.from_tstamp AS __sz_from_tstamp,
    ROW_NUMBER() OVER (
      PARTITION BY stitched.blended_user_id
      ORDER BY stitched.session_start_tstamp, stitched.session_id
    ) AS session_number
  FROM "analytics".segment_web_sessions__stitched AS stitched
  JOIN pending
    ON pending.blended_user_id = stitched.blended_user_id
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
  session_number,
  session_start_reason,
  channel,
  is_engaged
FROM sessions
WHERE
  session_start_tstamp >= __sz_from_tstamp;

COMMIT;
