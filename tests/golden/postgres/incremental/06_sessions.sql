DROP TABLE IF EXISTS sessionizer_user_sessions;

CREATE TEMPORARY TABLE sessionizer_user_sessions AS
WITH pending AS (
  SELECT
    blended_user_id,
    MIN(from_tstamp) AS from_tstamp
  FROM "analytics".sessionizer_pending_users
  GROUP BY
    blended_user_id
), replaced AS (
  SELECT
    stored.blended_user_id,
    COUNT(*) AS sessions
  FROM "analytics".segment_web_sessions AS stored
  JOIN pending
    ON pending.blended_user_id = stored.blended_user_id
    AND stored.session_start_tstamp >= pending.from_tstamp
  WHERE
    stored.session_start_tstamp >= (
      SELECT
        MIN(from_tstamp)
      FROM "analytics".sessionizer_pending_users
    )
  GROUP BY
    stored.blended_user_id
)
SELECT
  pending.blended_user_id,
  pending.from_tstamp,
  COALESCE(users.sessions, 0) - COALESCE(replaced.sessions, 0) AS sessions_before
FROM pending
LEFT JOIN "analytics".sessionizer_users AS users
  ON users.blended_user_id = pending.blended_user_id
LEFT JOIN replaced
  ON replaced.blended_user_id = pending.blended_user_id;

DROP TABLE IF EXISTS sessionizer_sessions_batch;

CREATE TEMPORARY TABLE sessionizer_sessions_batch AS
SELECT
  stitched.session_id,
  stitched.anonymous_id,
  stitched.session_start_tstamp,
  stitched.session_end_tstamp,
  stitched.page_views,
  stitched.utm_source,
  stitched.utm_content,
  stitched.utm_medium,
  stitched.utm_campaign,
  stitched.utm_term,
  stitched.gclid,
  stitched.first_page_url,
  stitched.first_page_url_host,
  stitched.first_page_url_path,
  stitched.first_page_url_query,
  stitched.referrer,
  stitched.referrer_host,
  stitched.device,
  stitched.device_category,
  stitched.last_page_url,
  stitched.last_page_url_host,
  stitched.last_page_url_path,
  stitched.last_page_url_query,
  stitched.first_context_locale,
  stitched.last_context_locale,
  stitched.duration_in_s,
  stitched.duration_in_s_tier,
  stitched.referrer_medium,
  stitched.referrer_source,
  stitched.blended_user_id,
  pending.sessions_before + ROW_NUMBER() OVER (
    PARTITION BY stitched.blended_user_id
    ORDER BY stitched.session_start_tstamp, stitched.session_id
  ) AS session_number
FROM "analytics".segment_web_sessions__stitched AS stitched
JOIN sessionizer_user_sessions AS pending
  ON pending.blended_user_id = stitched.blended_user_id
  AND stitched.session_start_tstamp >= pending.from_tstamp
WHERE
  stitched.session_start_tstamp >= (
    SELECT
      MIN(from_tstamp)
    FROM sessionizer_user_sessions
  );

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
  session_number
FROM sessionizer_sessions_batch;

DELETE FROM "analytics".sessionizer_users
WHERE
  blended_user_id IN (
    SELECT
      blended_user_id
    FROM sessionizer_user_sessions
  );

INSERT INTO "analytics".sessionizer_users (
  blended_user_id,
  sessions
)
SELECT
  pending.blended_user_id,
  pending.sessions_before + COUNT(batch.session_id) AS sessions
FROM sessionizer_user_sessions AS pending
LEFT JOIN sessionizer_sessions_batch AS batch
  ON batch.blended_user_id = pending.blended_user_id
GROUP BY
  pending.blended_user_id,
  pending.sessions_before
HAVING
  pending.sessions_before + COUNT(batch.session_id) > 0;

COMMIT;
