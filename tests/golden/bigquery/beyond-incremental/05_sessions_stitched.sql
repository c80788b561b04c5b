BEGIN TRANSACTION;

INSERT INTO `analytics`.sessionizer_pending_users (
  blended_user_id,
  from_tstamp
)
WITH pending AS (
  SELECT
    anonymous_id,
    MIN(from_tstamp) AS from_tstamp,
    MIN(session_from_tstamp) AS session_from_tstamp,
    MAX(restitched) AS restitched,
    MAX(replaced) AS replaced,
    MAX(CASE WHEN __sz_first = 1 THEN numbered_before END) AS numbered_before,
    MAX(CASE WHEN __sz_first = 1 THEN sessions_before END) AS sessions_before,
    MAX(CASE WHEN __sz_first = 1 THEN previous_tstamp END) AS previous_tstamp,
    MIN(restitched_from) AS restitched_from,
    MAX(blended_after) AS blended_after
  FROM (
    SELECT
      recorded.*,
      ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY session_from_tstamp ASC NULLS LAST) AS __sz_first
    FROM `analytics`.sessionizer_pending_anonymous_ids AS recorded
  ) AS recorded
  GROUP BY
    anonymous_id
), changed AS (
  SELECT
    blended_after AS blended_user_id,
    session_from_tstamp AS from_tstamp
  FROM pending
  UNION ALL
  SELECT
    blended_after,
    restitched_from
  FROM pending
  WHERE
    restitched = 1
  UNION ALL
  SELECT
    blended_before,
    restitched_from
  FROM `analytics`.sessionizer_pending_anonymous_ids
  WHERE
    restitched = 1
  UNION ALL
  SELECT
    stored.blended_user_id,
    stored.session_start_tstamp
  FROM `analytics`.segment_web_sessions__stitched AS stored
  JOIN pending
    ON pending.anonymous_id = stored.anonymous_id
    AND pending.replaced = 1
    AND stored.session_start_tstamp >= pending.session_from_tstamp
)
SELECT
  blended_user_id,
  MIN(from_tstamp) AS from_tstamp
FROM changed
WHERE
  NOT blended_user_id IS NULL
GROUP BY
  blended_user_id;

DELETE FROM `analytics`.segment_web_sessions__stitched
WHERE
  EXISTS(
    SELECT
      1
    FROM `analytics`.sessionizer_pending_anonymous_ids AS pending
    WHERE
      segment_web_sessions__stitched.anonymous_id = pending.anonymous_id
      AND segment_web_sessions__stitched.session_start_tstamp >= pending.session_from_tstamp
      AND segment_web_sessions__stitched.session_start_tstamp >= (
        SELECT
          MIN(session_from_tstamp)
        FROM `analytics`.sessionizer_pending_anonymous_ids
      )
  );

UPDATE `analytics`.segment_web_sessions__stitched SET blended_user_id = restitched.blended_after
FROM (
  SELECT
    anonymous_id,
    MIN(from_tstamp) AS from_tstamp,
    MIN(session_from_tstamp) AS session_from_tstamp,
    MAX(restitched) AS restitched,
    MAX(replaced) AS replaced,
    MAX(CASE WHEN __sz_first = 1 THEN numbered_before END) AS numbered_before,
    MAX(CASE WHEN __sz_first = 1 THEN sessions_before END) AS sessions_before,
    MAX(CASE WHEN __sz_first = 1 THEN previous_tstamp END) AS previous_tstamp,
    MIN(restitched_from) AS restitched_from,
    MAX(blended_after) AS blended_after
  FROM (
    SELECT
      recorded.*,
      ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY session_from_tstamp ASC NULLS LAST) AS __sz_first
    FROM `analytics`.sessionizer_pending_anonymous_ids AS recorded
  ) AS recorded
  GROUP BY
    anonymous_id
) AS restitched
WHERE
  segment_web_sessions__stitched.anonymous_id = restitched.anonymous_id
  AND restitched.restitched = 1
  AND segment_web_sessions__stitched.session_start_tstamp < restitched.session_from_tstamp
  AND segment_web_sessions__stitched.session_start_tstamp >= restitched.restitched_from
  AND segment_web_sessions__stitched.session_start_tstamp >= (
    SELECT
      MIN(restitched_from)
    FROM `analytics`.sessionizer_pending_anonymous_ids
  );

INSERT INTO `analytics`.segment_web_sessions__stitched (
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
  session_start_reason,
  channel,
  is_engaged
)
WITH pending AS (
  SELECT
    anonymous_id,
    MIN(from_tstamp) AS from_tstamp,
    MIN(session_from_tstamp) AS session_from_tstamp,
    MAX(restitched) AS restitched,
    MAX(replaced) AS replaced,
    MAX(CASE WHEN __sz_first = 1 THEN numbered_before END) AS numbered_before,
    MAX(CASE WHEN __sz_first = 1 THEN sessions_before END) AS sessions_before,
    MAX(CASE WHEN __sz_first = 1 THEN previous_tstamp END) AS previous_tstamp,
    MIN(restitched_from) AS restitched_from,
    MAX(blended_after) AS blended_after
  FROM (
    SELECT
      recorded.*,
      ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY session_from_tstamp ASC NULLS LAST) AS __sz_first
    FROM `analytics`.sessionizer_pending_anonymous_ids AS recorded
  ) AS recorded
  GROUP BY
    anonymous_id
), sessions AS (
  SELECT
    sessions.*
  FROM `analytics`.segment_web_sessions__initial AS sessions
  JOIN pending
    ON pending.anonymous_id = sessions.anonymous_id
    AND sessions.session_start_tstamp >= pending.session_from_tstamp
  WHERE
    sessions.session_start_tstamp >= (
      SELECT
        MIN(session_from_tstamp)
      FROM `analytics`.sessionizer_pending_anonymous_ids
    )
), unrecorded AS (
  SELECT
    user_stitching.anonymous_id,
    user_stitching.user_id
  FROM `analytics`.segment_web_user_stitching AS user_stitching
  JOIN pending
    ON pending.anonymous_id = user_stitching.anonymous_id
    AND pending.blended_after IS NULL
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
  COALESCE(pending.blended_after, user_stitching.user_id, sessions.anonymous_id) AS blended_user_id,
  sessions.session_start_reason,
  sessions.channel,
  sessions.is_engaged
FROM sessions
JOIN pending
  ON pending.anonymous_id = sessions.anonymous_id
LEFT JOIN unrecorded AS user_stitching
  ON user_stitching.anonymous_id = sessions.anonymous_id;

COMMIT TRANSACTION;
