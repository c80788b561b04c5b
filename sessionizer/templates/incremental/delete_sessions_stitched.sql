{% from "_macros.sql" import pending_visitors, recomputed_since, restitched_earlier with context %}
{#- The recomputed sessions go (the newest blocks only). A visitor whose blended user changed
    keeps its earlier sessions, which only change hands: where the dialect says so they are moved
    to the user now in place, one column rewritten, instead of being deleted here and written
    whole again from sessions_initial (see sessions_stitched.sql). Either reads nothing when no
    blended user changed. #}
DELETE FROM {{ rel.sessions_stitched }}
USING {{ rel.pending_anonymous_ids }} AS pending
WHERE {{ own.sessions_stitched }}.anonymous_id = pending.anonymous_id
  AND {{ own.sessions_stitched }}.session_start_tstamp >= pending.session_from_tstamp
  AND {{ recomputed_since(own.sessions_stitched ~ '.session_start_tstamp') }};
{%- if restitch_in_place %}
UPDATE {{ rel.sessions_stitched }}
SET blended_user_id = restitched.blended_after
FROM (
  {{ pending_visitors() }}
) AS restitched
WHERE {{ own.sessions_stitched }}.anonymous_id = restitched.anonymous_id
  AND {{ restitched_earlier(own.sessions_stitched, 'restitched') }}
  AND {{ recomputed_since(own.sessions_stitched ~ '.session_start_tstamp', 'restitched_from') }}
{%- else %}
DELETE FROM {{ rel.sessions_stitched }}
USING {{ rel.pending_anonymous_ids }} AS pending
WHERE {{ own.sessions_stitched }}.anonymous_id = pending.anonymous_id
  AND pending.restitched = 1
  AND {{ own.sessions_stitched }}.session_start_tstamp >= pending.restitched_from
  AND {{ recomputed_since(own.sessions_stitched ~ '.session_start_tstamp', 'restitched_from') }}
{%- endif %}
