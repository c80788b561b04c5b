{#- Only the tail: page views from each affected visitor's earliest change on. One scan of the
    table; its columns are qualified by its own name, as Redshift's DELETE takes no alias. #}
DELETE FROM {{ rel.sessionized }}
USING {{ rel.pending_anonymous_ids }} AS pending
WHERE {{ own.sessionized }}.anonymous_id = pending.anonymous_id
  AND {{ own.sessionized }}.tstamp >= pending.from_tstamp
