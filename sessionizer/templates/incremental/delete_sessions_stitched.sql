{% from "_macros.sql" import recomputed_since with context %}
{#- Two deletes, so the first reads only the newest blocks: the recomputed sessions, then the
    earlier ones of visitors whose blended user changed (no rows read when there are none). #}
DELETE FROM {{ rel.sessions_stitched }}
USING {{ rel.pending_anonymous_ids }} AS pending
WHERE {{ own.sessions_stitched }}.anonymous_id = pending.anonymous_id
  AND {{ own.sessions_stitched }}.session_start_tstamp >= pending.session_from_tstamp
  AND {{ recomputed_since(own.sessions_stitched ~ '.session_start_tstamp') }};
DELETE FROM {{ rel.sessions_stitched }}
USING {{ rel.pending_anonymous_ids }} AS pending
WHERE {{ own.sessions_stitched }}.anonymous_id = pending.anonymous_id
  AND pending.restitched = 1
  AND {{ own.sessions_stitched }}.session_start_tstamp >= pending.restitched_from
  AND {{ recomputed_since(own.sessions_stitched ~ '.session_start_tstamp', 'restitched_from') }}
