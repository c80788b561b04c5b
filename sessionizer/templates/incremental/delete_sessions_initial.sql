{% from "_macros.sql" import recomputed_since with context %}
{#- Whole sessions, from where each visitor's recomputation starts (the newest blocks only). #}
DELETE FROM {{ rel.sessions_initial }}
USING {{ rel.pending_anonymous_ids }} AS pending
WHERE {{ own.sessions_initial }}.anonymous_id = pending.anonymous_id
  AND {{ own.sessions_initial }}.session_start_tstamp >= pending.session_from_tstamp
  AND {{ recomputed_since(own.sessions_initial ~ '.session_start_tstamp') }}
