{% from "_macros.sql" import only_affected with context %}
WITH sessions AS (
  SELECT *
  FROM {{ rel.sessions_initial }}
  {{ only_affected('anonymous_id', rel.pending_anonymous_ids) }}
)
SELECT
  {% for column in columns.sessions_initial %}sessions.{{ column }},
  {% endfor -%}
  COALESCE(user_stitching.user_id, sessions.anonymous_id) AS blended_user_id
FROM sessions
LEFT JOIN {{ rel.user_stitching }} AS user_stitching
  ON user_stitching.anonymous_id = sessions.anonymous_id
