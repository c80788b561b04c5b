{#- The recomputed sessions, and every session of a visitor whose blended user changed. #}
DELETE FROM {{ rel.sessions_stitched }}
USING {{ rel.pending_anonymous_ids }} AS pending
WHERE {{ own.sessions_stitched }}.anonymous_id = pending.anonymous_id
  AND ({{ own.sessions_stitched }}.session_start_tstamp >= pending.session_from_tstamp OR pending.restitched = 1)
