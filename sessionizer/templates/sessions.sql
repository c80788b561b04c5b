{% from "_macros.sql" import only_affected with context %}
{#- The window sorts only the columns it needs and the wide rows join back by session_id. #}
WITH sessions AS {% if not incremental %}NOT MATERIALIZED {% endif %}(
  SELECT {{ columns.sessions_stitched | join(', ') }}
  FROM {{ rel.sessions_stitched }}
  {{ only_affected('blended_user_id', rel.pending_users) }}
), numbered AS (
  SELECT
    session_id,
    ROW_NUMBER() OVER (PARTITION BY blended_user_id ORDER BY session_start_tstamp, session_id) AS session_number
  FROM sessions
)
SELECT
  {% for column in columns.sessions_stitched %}sessions.{{ column }},
  {% endfor -%}
  numbered.session_number
FROM sessions
JOIN numbered ON numbered.session_id = sessions.session_id
