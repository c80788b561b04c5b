{#- The recomputed sessions, and every session of a visitor whose blended user changed. #}
DELETE FROM {{ rel.sessions_stitched }}
WHERE session_id IN (
  SELECT sessions.session_id
  FROM {{ rel.sessions_stitched }} AS sessions
  JOIN {{ rel.pending_anonymous_ids }} AS pending
    ON pending.anonymous_id = sessions.anonymous_id
    AND (sessions.session_start_tstamp >= pending.session_from_tstamp OR pending.restitched = 1)
)
