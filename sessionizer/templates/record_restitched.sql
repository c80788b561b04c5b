{#- Visitors whose blended user changed: all their sessions move to the new user. #}
INSERT INTO {{ rel.pending_anonymous_ids }} (anonymous_id, restitched)
SELECT DISTINCT stitched.anonymous_id, 1
FROM {{ rel.sessions_stitched }} AS stitched
JOIN {{ rel.user_stitching }} AS user_stitching
  ON user_stitching.anonymous_id = stitched.anonymous_id
WHERE stitched.anonymous_id IN (SELECT anonymous_id FROM {{ rel.pending_anonymous_ids }})
  AND stitched.blended_user_id <> COALESCE(user_stitching.user_id, stitched.anonymous_id)
