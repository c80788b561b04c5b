BEGIN;

INSERT INTO "ANALYTICS".sessionizer_pending_anonymous_ids (
  anonymous_id,
  restitched
)
WITH affected AS (
  SELECT DISTINCT
    anonymous_id
  FROM "ANALYTICS".sessionizer_pending_anonymous_ids
), stored AS (
  SELECT DISTINCT
    stitched.anonymous_id,
    stitched.blended_user_id
  FROM "ANALYTICS".segment_web_sessions__stitched AS stitched
  JOIN affected
    ON affected.anonymous_id = stitched.anonymous_id
), stitching AS (
  SELECT
    user_stitching.anonymous_id,
    user_stitching.user_id
  FROM "ANALYTICS".segment_web_user_stitching AS user_stitching
  JOIN affected
    ON affected.anonymous_id = user_stitching.anonymous_id
)
SELECT DISTINCT
  stored.anonymous_id,
  1
FROM stored
LEFT JOIN stitching
  ON stitching.anonymous_id = stored.anonymous_id
WHERE
  stored.blended_user_id <> COALESCE(stitching.user_id, stored.anonymous_id);

INSERT INTO "ANALYTICS".sessionizer_pending_users (
  blended_user_id,
  from_tstamp
)
WITH pending AS (
  SELECT
    anonymous_id,
    MIN(from_tstamp) AS from_tstamp,
    MIN(session_from_tstamp) AS session_from_tstamp,
    MAX(restitched) AS restitched
  FROM "ANALYTICS".sessionizer_pending_anonymous_ids
  GROUP BY
    anonymous_id
), changed AS (
  SELECT
    stored.blended_user_id,
    stored.session_start_tstamp
  FROM "ANALYTICS".segment_web_sessions__stitched AS stored
  JOIN pending
    ON pending.anonymous_id = stored.anonymous_id
    AND (
      stored.session_start_tstamp >= pending.session_from_tstamp
      OR pending.restitched = 1
    )
  UNION ALL
  SELECT
    COALESCE(user_stitching.user_id, initial.anonymous_id),
    initial.session_start_tstamp
  FROM "ANALYTICS".segment_web_sessions__initial AS initial
  JOIN pending
    ON pending.anonymous_id = initial.anonymous_id
    AND (
      initial.session_start_tstamp >= pending.session_from_tstamp
      OR pending.restitched = 1
    )
  LEFT JOIN "ANALYTICS".segment_web_user_stitching AS user_stitching
    ON user_stitching.anonymous_id = initial.anonymous_id
)
SELECT
  blended_user_id,
  MIN(session_start_tstamp) AS from_tstamp
FROM changed
GROUP BY
  blended_user_id;

DELETE FROM "ANALYTICS".segment_web_sessions__stitched USING   "ANALYTICS".sessionizer_pending_anonymous_ids AS pending
WHERE
  segment_web_sessions__stitched.anonymous_id = pending.anonymous_id
  AND (
    segment_web_sessions__stitched.session_start_tstamp >= pending.session_from_tstamp
    OR pending.restitched = 1
  );

INSERT INTO "ANALYTICS".segment_web_sessions__stitched (
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
  source_name
)
WITH pending AS (
  SELECT
    anonymous_id,
    MIN(from_tstamp) AS from_tstamp,
    MIN(session_from_tstamp) AS session_from_tstamp,
    MAX(restitched) AS restitched
  FROM "ANALYTICS".sessionizer_pending_anonymous_ids
  GROUP BY
    anonymous_id
), sessions AS (
  SELECT
    initial.*
  FROM "ANALYTICS".segment_web_sessions__initial AS initial
  JOIN pending
    ON pending.anonymous_id = initial.anonymous_id
    AND (
      initial.session_start_tstamp >= pending.session_from_tstamp
      OR pending.restitched = 1
    )
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
  COALESCE(user_stitching.user_id, sessions.anonymous_id) AS blended_user_id,
  sessions.source_name
FROM sessions
LEFT JOIN "ANALYTICS".segment_web_user_stitching AS user_stitching
  ON user_stitching.anonymous_id = sessions.anonymous_id;

COMMIT;
