{#- Only the tail: page views from each affected visitor's earliest change on. By unique key,
    because Redshift's DELETE takes no alias on its target. #}
DELETE FROM {{ rel.sessionized }}
WHERE page_view_id IN (
  SELECT sessionized.page_view_id
  FROM {{ rel.sessionized }} AS sessionized
  JOIN {{ rel.pending_anonymous_ids }} AS pending
    ON pending.anonymous_id = sessionized.anonymous_id AND sessionized.tstamp >= pending.from_tstamp
)
