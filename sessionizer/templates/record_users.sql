{#- Blended users an affected visitor belongs to, before (stored sessions) and after (stitching):
    their session numbers are recomputed. #}
INSERT INTO {{ rel.pending_users }} (blended_user_id)
SELECT blended_user_id FROM {{ rel.sessions_stitched }}
WHERE anonymous_id IN (SELECT anonymous_id FROM {{ rel.pending_anonymous_ids }})
UNION
SELECT COALESCE(user_stitching.user_id, pending.anonymous_id) AS blended_user_id
FROM {{ rel.pending_anonymous_ids }} AS pending
LEFT JOIN {{ rel.user_stitching }} AS user_stitching
  ON user_stitching.anonymous_id = pending.anonymous_id
