{#- The figures a run reports: what the tables hold now. Every blended user has exactly one
    session numbered 1, so counting those counts users without a DISTINCT over a text column. #}
SELECT
  (SELECT COUNT(*) FROM {{ rel.page_views }}) AS page_views,
  (SELECT COUNT(*) FROM {{ rel.sessions }}) AS sessions,
  (SELECT COUNT(*) FROM {{ rel.sessions }} WHERE session_number = 1) AS users,
  (SELECT COUNT(*) FROM {{ rel.rejected }}) AS rejected
