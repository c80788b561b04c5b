{#- Whole sessions, from the one holding each visitor's last unchanged page view. #}
DELETE FROM {{ rel.sessions_initial }}
WHERE session_id IN (
  SELECT sessions.session_id
  FROM {{ rel.sessions_initial }} AS sessions
  JOIN {{ rel.pending_anonymous_ids }} AS pending
    ON pending.anonymous_id = sessions.anonymous_id AND sessions.session_start_tstamp >= pending.session_from_tstamp
)
