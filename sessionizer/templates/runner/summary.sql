{#- The figures a run reports: what the tables hold now. Every blended user has exactly one
    session numbered 1, so counting those counts users without a DISTINCT over a text column.
    Before an incremental run only the plain counts are taken (table metadata, no scan): the
    users' count reads a column of the sessions table, and only its figure after is reported. #}
SELECT
  (SELECT COUNT(*) FROM {{ rel.page_views }}) AS page_views,
  (SELECT COUNT(*) FROM {{ rel.sessions }}) AS sessions,
  {% if users | default(true) %}(SELECT COUNT(*) FROM {{ rel.sessions }} WHERE session_number = 1){% else %}CAST(NULL AS BIGINT){% endif %} AS users,
  (SELECT COUNT(*) FROM {{ rel.rejected }}) AS rejected
  {%- if bot_patterns is not none %},
  (SELECT COUNT(*) FROM {{ rel.rejected }} WHERE reject_reason = 'bot') AS bots
  {%- endif %}
