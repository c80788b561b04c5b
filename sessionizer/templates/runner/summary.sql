{#- The figures a run reports: what the tables hold now. The users are the rows of the users'
    counts (sessionizer_users), one per blended user with a session. Every figure is a plain
    count, which table metadata answers without a scan; before an incremental run the users'
    figure is not taken, as only its figure after is reported. #}
SELECT
  (SELECT COUNT(*) FROM {{ rel.page_views }}) AS page_views,
  (SELECT COUNT(*) FROM {{ rel.sessions }}) AS sessions,
  {% if users | default(true) %}(SELECT COUNT(*) FROM {{ rel.users }}){% else %}CAST(NULL AS BIGINT){% endif %} AS users,
  (SELECT COUNT(*) FROM {{ rel.rejected }}) AS rejected
  {%- if bot_patterns is not none %},
  (SELECT COUNT(*) FROM {{ rel.rejected }} WHERE reject_reason = 'bot') AS bots
  {%- endif %}
