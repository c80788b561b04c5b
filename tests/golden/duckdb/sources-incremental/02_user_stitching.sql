CREATE OR REPLACE TEMPORARY TABLE sessionizer_stitching_batch AS
WITH page_views AS (
  SELECT
    anonymous_id,
    user_id,
    tstamp,
    page_view_id,
    source_name
  FROM "analytics".segment_web_page_views
  WHERE
    anonymous_id IN (
      SELECT
        anonymous_id
      FROM "analytics".sessionizer_pending_anonymous_ids
    )
), seen AS (
  SELECT
    anonymous_id,
    MIN(tstamp) AS first_seen_at,
    MAX(tstamp) AS last_seen_at
  FROM page_views
  GROUP BY
    anonymous_id
), __sz_items AS (
  SELECT
    source_name,
    anonymous_id,
    tstamp,
    0 AS __sz_item_kind,
    page_view_id AS __sz_item_id,
    user_id
  FROM page_views
  UNION ALL
  SELECT
    source_name,
    anonymous_id,
    tstamp,
    1,
    id,
    user_id
  FROM "analytics".sessionizer_events AS activity
  WHERE
    kind = 'tracks'
    AND anonymous_id IN (
      SELECT
        anonymous_id
      FROM "analytics".sessionizer_pending_anonymous_ids
    )
), __sz_gaps AS (
  SELECT
    __sz_items.*,
    DATE_DIFF(
      'SECOND',
      LAG(tstamp) OVER (
        PARTITION BY source_name, anonymous_id
        ORDER BY tstamp, __sz_item_kind, __sz_item_id
      ),
      tstamp
    ) AS __sz_gap
  FROM __sz_items
), __sz_pieces AS (
  SELECT
    __sz_gaps.*,
    COUNT(CASE WHEN __sz_gap IS NULL OR __sz_gap > 1200 THEN 1 END) OVER (
      PARTITION BY source_name, anonymous_id
      ORDER BY tstamp, __sz_item_kind, __sz_item_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS __sz_piece
  FROM __sz_gaps
), stream AS (
  SELECT
    __sz_pieces.*,
    COUNT(CASE WHEN __sz_item_kind = 0 THEN 1 END) OVER (
      PARTITION BY source_name, anonymous_id, __sz_piece
      ORDER BY tstamp, __sz_item_kind, __sz_item_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS __sz_views_so_far
  FROM __sz_pieces
), identified AS (
  SELECT
    anonymous_id,
    user_id,
    ROW_NUMBER() OVER (
      PARTITION BY anonymous_id
      ORDER BY tstamp DESC, __sz_id DESC, __sz_item_kind DESC, source_name DESC
    ) AS __sz_recency
  FROM (
    SELECT
      anonymous_id,
      user_id,
      tstamp,
      __sz_item_id AS __sz_id,
      __sz_item_kind,
      source_name
    FROM stream
    WHERE
      __sz_item_kind = 0 OR __sz_views_so_far > 0
    UNION ALL
    SELECT
      anonymous_id,
      user_id,
      tstamp,
      id,
      2,
      source_name
    FROM "analytics".sessionizer_events
    WHERE
      kind = 'identifies'
      AND anonymous_id IN (
        SELECT
          anonymous_id
        FROM "analytics".sessionizer_pending_anonymous_ids
      )
  ) AS stitched
  WHERE
    NOT user_id IS NULL
)
SELECT
  seen.anonymous_id,
  identified.user_id,
  seen.first_seen_at,
  seen.last_seen_at,
  NOT stored.anonymous_id IS NULL AS __sz_was_stored,
  stored.user_id AS __sz_stored_user_id,
  stored.first_seen_at AS __sz_stored_first_seen_at
FROM seen
LEFT JOIN identified
  ON identified.anonymous_id = seen.anonymous_id AND identified.__sz_recency = 1
LEFT JOIN "analytics".segment_web_user_stitching AS stored
  ON stored.anonymous_id = seen.anonymous_id;

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
