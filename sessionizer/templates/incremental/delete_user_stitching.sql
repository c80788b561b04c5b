DELETE FROM {{ rel.user_stitching }}
WHERE anonymous_id IN (SELECT anonymous_id FROM {{ rel.pending_anonymous_ids }})
