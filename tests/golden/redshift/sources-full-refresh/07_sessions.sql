DROP TABLE IF EXISTS "analytics".segment_web_sessions__sessionizer_new;

CREATE TABLE "analytics".segment_web_sessions__sessionizer_new
DISTKEY(blended_user_id)
SORTKEY(session_start_tstamp) AS
WITH numbered AS (
  SELECT
    session_id,
    ROW_NUMBER() OVER (PARTITION BY blended_user_id ORDER BY session_start_tstamp, session_id) AS session_number
  FROM "analytics".segment_web_sessions__stitched
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
FROM "analytics".segment_web_sessions__stitched AS sessions
JOIN numbered
  ON numbered.session_id = sessions.session_id;

BEGIN;

DROP TABLE IF EXISTS "analytics".segment_web_sessions;

ALTER TABLE "analytics".segment_web_sessions__sessionizer_new
RENAME TO segment_web_sessions;

COMMIT;

DROP TABLE IF EXISTS "analytics".sessionizer_users__sessionizer_new;

CREATE TABLE "analytics".sessionizer_users__sessionizer_new AS
SELECT
  blended_user_id,
  COUNT(*) AS sessions
FROM "analytics".segment_web_sessions
GROUP BY
  blended_user_id;

BEGIN;

DROP TABLE IF EXISTS "analytics".sessionizer_users;

ALTER TABLE "analytics".sessionizer_users__sessionizer_new
RENAME TO sessionizer_users;

COMMIT;
