DELETE FROM {{ rel.sessions }}
WHERE blended_user_id IN (SELECT blended_user_id FROM {{ rel.pending_users }})
