{% from "_macros.sql" import recomputed_since, session_numbering %}
{#- Each affected user's sessions from the earliest changed one on, numbered on from the user's
    sessions before it (sessionizer_user_sessions, from the users' counts): only the table's
    newest blocks are read, never a user's earlier sessions. #}
SELECT
  {% for column in core_columns.sessions_stitched %}stitched.{{ column }},
  {% endfor -%}
  pending.sessions_before + {{ session_numbering('stitched') }} AS session_number
  {%- if listed %},
  stitched.source_name{% endif %}
  {%- for column in added_columns %},
  stitched.{{ column }}{% endfor %}
FROM {{ rel.sessions_stitched }} AS stitched
JOIN {{ rel.user_sessions }} AS pending
  ON pending.blended_user_id = stitched.blended_user_id AND stitched.session_start_tstamp >= pending.from_tstamp
WHERE {{ recomputed_since('stitched.session_start_tstamp', 'from_tstamp', rel.user_sessions) }}
