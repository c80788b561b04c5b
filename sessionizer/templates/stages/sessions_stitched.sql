{% from "_macros.sql" import pending_visitors, recomputed_since, restitched_earlier with context %}
WITH
{%- if incremental %} pending AS (
  {{ pending_visitors() }}
), sessions AS (
  {#- The recomputed sessions, and, unless they were moved in place (see
      delete_sessions_stitched.sql), the earlier ones of a visitor whose blended user changed. #}
  SELECT sessions.*
  FROM {{ rel.sessions_initial }} AS sessions
  JOIN pending
    ON pending.anonymous_id = sessions.anonymous_id AND sessions.session_start_tstamp >= pending.session_from_tstamp
  WHERE {{ recomputed_since('sessions.session_start_tstamp') }}
  {%- if not restitch_in_place %}
  UNION ALL
  SELECT sessions.*
  FROM {{ rel.sessions_initial }} AS sessions
  JOIN pending
    ON pending.anonymous_id = sessions.anonymous_id AND {{ restitched_earlier('sessions', 'pending') }}
  WHERE {{ recomputed_since('sessions.session_start_tstamp', 'restitched_from') }}
  {%- endif %}
), unrecorded AS (
  SELECT user_stitching.anonymous_id, user_stitching.user_id
  FROM {{ rel.user_stitching }} AS user_stitching
  JOIN pending ON pending.anonymous_id = user_stitching.anonymous_id AND pending.blended_after IS NULL
)
{%- else %} sessions AS (
  SELECT * FROM {{ rel.sessions_initial }}
)
{%- endif %}
SELECT
  {% for column in core_columns.sessions_initial %}sessions.{{ column }},
  {% endfor -%}
  {%- if incremental %}
  COALESCE(pending.blended_after, user_stitching.user_id, sessions.anonymous_id) AS blended_user_id
  {%- else %}
  COALESCE(user_stitching.user_id, sessions.anonymous_id) AS blended_user_id
  {%- endif %}
  {%- if listed %},
  sessions.source_name{% endif %}
  {%- for column in added_columns %},
  sessions.{{ column }}{% endfor %}
FROM sessions
{%- if incremental %}
{#- The blended user recorded with the visitor's stitching; looked up only for a visitor whose
    stitching this run did not recompute (a run of selected stages). #}
JOIN pending ON pending.anonymous_id = sessions.anonymous_id
LEFT JOIN unrecorded AS user_stitching ON user_stitching.anonymous_id = sessions.anonymous_id
{%- else %}
LEFT JOIN {{ rel.user_stitching }} AS user_stitching
  ON user_stitching.anonymous_id = sessions.anonymous_id
{%- endif %}
