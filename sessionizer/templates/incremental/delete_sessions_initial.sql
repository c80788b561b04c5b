{#- Whole sessions, from the one holding each visitor's last unchanged page view. #}
DELETE FROM {{ rel.sessions_initial }}
USING {{ rel.pending_anonymous_ids }} AS pending
WHERE {{ own.sessions_initial }}.anonymous_id = pending.anonymous_id
  AND {{ own.sessions_initial }}.session_start_tstamp >= pending.session_from_tstamp
