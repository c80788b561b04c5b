{#- Each affected user's sessions from the earliest changed one on; earlier ones keep their number.
    The earliest of those starts bounds the scan (the newest blocks, unless a visitor whose
    blended user changed goes back further). #}
DELETE FROM {{ rel.sessions }}
USING {{ rel.pending_users }} AS pending
WHERE {{ own.sessions }}.blended_user_id = pending.blended_user_id
  AND {{ own.sessions }}.session_start_tstamp >= pending.from_tstamp
  AND {{ own.sessions }}.session_start_tstamp >= (SELECT MIN(from_tstamp) FROM {{ rel.pending_users }})
