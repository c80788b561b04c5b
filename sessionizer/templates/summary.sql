{#- The figures a run reports: what the tables hold now. #}
SELECT
  (SELECT COUNT(*) FROM {{ rel.page_views }}) AS page_views,
  (SELECT COUNT(*) FROM {{ rel.sessions }}) AS sessions,
  (SELECT COUNT(DISTINCT blended_user_id) FROM {{ rel.sessions }}) AS users,
  (SELECT COUNT(*) FROM {{ rel.rejected }}) AS rejected
