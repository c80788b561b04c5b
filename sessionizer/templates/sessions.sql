{% from "_macros.sql" import only_affected with context %}
{%- set numbering = 'ROW_NUMBER() OVER (PARTITION BY blended_user_id ORDER BY session_start_tstamp, session_id)' %}
{%- if incremental %}
{#- The affected users' sessions are few: numbered as they are read. #}
SELECT
  {{ columns.sessions_stitched | join(', ') }},
  {{ numbering }} AS session_number
FROM {{ rel.sessions_stitched }}
{{ only_affected('blended_user_id', rel.pending_users) }}
{%- else %}
{#- Every session: the window sorts only the columns it needs and the wide rows join back by key
    (a third faster at 10M page views than sorting whole rows; slower on an increment's few). #}
WITH numbered AS (
  SELECT session_id, {{ numbering }} AS session_number
  FROM {{ rel.sessions_stitched }}
)
SELECT
  {% for column in columns.sessions_stitched %}sessions.{{ column }},
  {% endfor -%}
  numbered.session_number
FROM {{ rel.sessions_stitched }} AS sessions
JOIN numbered ON numbered.session_id = sessions.session_id
{%- endif %}
