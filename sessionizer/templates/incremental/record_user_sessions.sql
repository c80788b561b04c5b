{#- The pending users' counts of sessions, in the transaction that rewrites their sessions: those
    before the earliest changed one and the renumbered ones; a user left without any has none. #}
DELETE FROM {{ rel.users }} WHERE blended_user_id IN (SELECT blended_user_id FROM {{ rel.user_sessions }});
INSERT INTO {{ rel.users }} (blended_user_id, sessions)
SELECT pending.blended_user_id, pending.sessions_before + COUNT(batch.session_id) AS sessions
FROM {{ rel.user_sessions }} AS pending
LEFT JOIN {{ rel.sessions_batch }} AS batch ON batch.blended_user_id = pending.blended_user_id
GROUP BY pending.blended_user_id, pending.sessions_before
HAVING pending.sessions_before + COUNT(batch.session_id) > 0
