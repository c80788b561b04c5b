{% from "_macros.sql" import replaced_in_stitched with context %}
DELETE FROM {{ rel.sessions_stitched }}
USING {{ rel.pending_anonymous_ids }} AS pending
WHERE {{ own.sessions_stitched }}.anonymous_id = pending.anonymous_id
  AND {{ replaced_in_stitched(own.sessions_stitched) }}
