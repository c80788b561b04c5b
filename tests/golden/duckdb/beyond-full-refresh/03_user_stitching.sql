CREATE OR REPLACE TABLE "analytics".segment_web_user_stitching AS
WITH page_views AS NOT MATERIALIZED (
  SELECT
    anonymous_id,
    user_id,
    tstamp,
    page_view_id
  FROM "analytics".segment_web_page_views
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
  seen.anonymous_id,
  identified.user_id,
  seen.first_seen_at,
  seen.last_seen_at
FROM seen
LEFT JOIN identified
  ON identified.anonymous_id = seen.anonymous_id AND identified.__sz_recency = 1;
