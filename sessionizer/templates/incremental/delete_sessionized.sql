{% from "_macros.sql" import recomputed_since with context %}
{#- Only the tail: page views from where each affected visitor's recomputation starts. One scan of
    the table's newest blocks; its columns are qualified by its own name, as Redshift's DELETE
    takes no alias. #}
DELETE FROM {{ rel.sessionized }}
USING {{ rel.pending_anonymous_ids }} AS pending
WHERE {{ own.sessionized }}.anonymous_id = pending.anonymous_id
  AND {{ own.sessionized }}.tstamp >= pending.session_from_tstamp
  AND {{ recomputed_since(own.sessionized ~ '.tstamp') }}
