CREATE OR REPLACE TEMPORARY TABLE sessionizer_stitching_batch AS
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
      ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY session_from_tstamp ASC) AS __sz_first
    FROM "analytics".sessionizer_pending_anonymous_ids AS recorded
  ) AS recorded
  GROUP BY
    anonymous_id
), page_views AS (
  SELECT
    page_views.anonymous_id,
    page_views.user_id,
    page_views.tstamp,
    page_views.page_view_id
  FROM "analytics".segment_web_page_views AS page_views
  JOIN pending
    ON pending.anonymous_id = page_views.anonymous_id
    AND page_views.tstamp >= pending.session_from_tstamp
    AND pending.replaced = 0
  WHERE
    page_views.tstamp >= (
      SELECT
        MIN(session_from_tstamp)
      FROM "analytics".sessionizer_pending_anonymous_ids
    )
  UNION ALL
  SELECT
    page_views.anonymous_id,
    page_views.user_id,
    page_views.tstamp,
    page_views.page_view_id
  FROM "analytics".segment_web_page_views AS page_views
  JOIN pending
    ON pending.anonymous_id = page_views.anonymous_id AND pending.replaced = 1
), seen AS (
  SELECT
    anonymous_id,
    MIN(tstamp) AS first_seen_at,
    MAX(tstamp) AS last_seen_at
  FROM page_views
  GROUP BY
    anonymous_id
), identified AS (
  SELECT
    anonymous_id,
    user_id,
    ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY tstamp DESC, page_view_id DESC) AS __sz_recency
  FROM page_views
  WHERE
    NOT user_id IS NULL
    AND NOT LOWER(TRIM(user_id, ' ')) IN ('', 'null', 'undefined')
)
SELECT
  pending.anonymous_id,
  CASE
    WHEN pending.replaced = 1
    THEN identified.user_id
    ELSE COALESCE(identified.user_id, stored.user_id)
  END AS user_id,
  CASE
    WHEN pending.replaced = 1
    THEN seen.first_seen_at
    WHEN stored.first_seen_at < pending.session_from_tstamp
    THEN stored.first_seen_at
    ELSE seen.first_seen_at
  END AS first_seen_at,
  COALESCE(seen.last_seen_at, CASE WHEN pending.replaced = 0 THEN pending.previous_tstamp END) AS last_seen_at,
  NOT stored.anonymous_id IS NULL AS __sz_was_stored,
  stored.user_id AS __sz_stored_user_id,
  stored.first_seen_at AS __sz_stored_first_seen_at
FROM pending
LEFT JOIN seen
  ON seen.anonymous_id = pending.anonymous_id
LEFT JOIN identified
  ON identified.anonymous_id = pending.anonymous_id AND identified.__sz_recency = 1
LEFT JOIN "analytics".segment_web_user_stitching AS stored
  ON stored.anonymous_id = pending.anonymous_id
WHERE
  NOT seen.anonymous_id IS NULL
  OR (
    pending.replaced = 0 AND stored.first_seen_at < pending.session_from_tstamp
  );

DELETE FROM "analytics".sessionizer_pending_anonymous_ids
WHERE
  NOT blended_after IS NULL;

INSERT INTO "analytics".sessionizer_pending_anonymous_ids (
  anonymous_id,
  blended_after
)
SELECT
  anonymous_id,
  COALESCE(user_id, anonymous_id)
FROM sessionizer_stitching_batch;

INSERT INTO "analytics".sessionizer_pending_anonymous_ids (
  anonymous_id,
  restitched,
  restitched_from,
  blended_before
)
SELECT
  anonymous_id,
  1,
  __sz_stored_first_seen_at,
  COALESCE(__sz_stored_user_id, anonymous_id)
FROM sessionizer_stitching_batch
WHERE
  __sz_was_stored
  AND COALESCE(__sz_stored_user_id, anonymous_id) <> COALESCE(user_id, anonymous_id);

DELETE FROM "analytics".segment_web_user_stitching
WHERE
  anonymous_id IN (
    SELECT
      anonymous_id
    FROM "analytics".sessionizer_pending_anonymous_ids
  );

INSERT INTO "analytics".segment_web_user_stitching (
  anonymous_id,
  user_id,
  first_seen_at,
  last_seen_at
)
SELECT
  anonymous_id,
  user_id,
  first_seen_at,
  last_seen_at
FROM sessionizer_stitching_batch;
