{#- The figures a run reports: what the tables hold now. Counting users takes a pass over the
    sessions, so the count before a run (for "this run" deltas) leaves it out. #}
SELECT
  (SELECT COUNT(*) FROM {{ rel.page_views }}) AS page_views,
  (SELECT COUNT(*) FROM {{ rel.sessions }}) AS sessions,
  {% if users %}(SELECT COUNT(DISTINCT blended_user_id) FROM {{ rel.sessions }}){% else %}0{% endif %} AS users,
  (SELECT COUNT(*) FROM {{ rel.rejected }}) AS rejected
