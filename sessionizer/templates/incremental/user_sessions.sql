{#- Each blended user's count of sessions (a full refresh's, from the finished sessions): the
    number an incremental run continues a user's sessions from, and a run's users' count. #}
SELECT blended_user_id, COUNT(*) AS sessions
FROM {{ rel.sessions }}
GROUP BY blended_user_id
