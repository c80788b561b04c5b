{% from "_macros.sql" import recomputed_since with context %}
{#- Each affected user's sessions from the earliest changed one on; earlier ones keep their number.
    The earliest of those starts bounds the scan (the newest blocks, unless a visitor whose
    blended user changed goes back further). #}
DELETE FROM {{ rel.sessions }}
USING {{ rel.pending_users }} AS pending
WHERE {{ own.sessions }}.blended_user_id = pending.blended_user_id
  AND {{ own.sessions }}.session_start_tstamp >= pending.from_tstamp
  AND {{ recomputed_since(own.sessions ~ '.session_start_tstamp', 'from_tstamp', rel.pending_users) }}
