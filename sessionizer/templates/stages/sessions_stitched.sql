{% from "_macros.sql" import pending_visitors, recomputed_since, replaced_sessions with context %}
WITH
{%- if incremental %} pending AS (
  {{ pending_visitors() }}
), sessions AS (
  {#- Recomputed sessions, and every session of a visitor whose blended user changed. #}
  {{ replaced_sessions(rel.sessions_initial, 'sessions.*') }}
)
{%- else %} sessions AS (
  SELECT * FROM {{ rel.sessions_initial }}
)
{%- endif %}
SELECT
  {% for column in columns.sessions_initial[:(-1 if listed else none)] %}sessions.{{ column }},
  {% endfor -%}
  COALESCE(user_stitching.user_id, sessions.anonymous_id) AS blended_user_id
  {%- if listed %},
  sessions.source_name{% endif %}
FROM sessions
LEFT JOIN {{ rel.user_stitching }} AS user_stitching
  ON user_stitching.anonymous_id = sessions.anonymous_id
