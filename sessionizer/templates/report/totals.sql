{% from "report/_filters.sql" import in_report, session_counts with context %}
SELECT
  {{ session_counts() }},
  AVG(CAST(duration_in_s AS DOUBLE)) AS mean_duration_s
FROM {{ rel.sessions }}
WHERE {{ in_report() }}
