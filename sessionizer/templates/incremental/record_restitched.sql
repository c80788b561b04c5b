{#- Visitors whose blended user changed: all their sessions move to the new user. Both tables
    are narrowed to the affected visitors before they meet. #}
INSERT INTO {{ rel.pending_anonymous_ids }} (anonymous_id, restitched)
WITH affected AS (
  SELECT DISTINCT anonymous_id FROM {{ rel.pending_anonymous_ids }}
), stored AS (
  SELECT DISTINCT stitched.anonymous_id, stitched.blended_user_id
  FROM {{ rel.sessions_stitched }} AS stitched
  JOIN affected ON affected.anonymous_id = stitched.anonymous_id
), stitching AS (
  SELECT user_stitching.anonymous_id, user_stitching.user_id
  FROM {{ rel.user_stitching }} AS user_stitching
  JOIN affected ON affected.anonymous_id = user_stitching.anonymous_id
)
SELECT DISTINCT stored.anonymous_id, 1
FROM stored
LEFT JOIN stitching ON stitching.anonymous_id = stored.anonymous_id
WHERE stored.blended_user_id <> COALESCE(stitching.user_id, stored.anonymous_id)
