{% from "report/_filters.sql" import in_report, session_counts with context %}
SELECT
  CAST(session_start_tstamp AS DATE) AS day,
  {{ session_counts() }}
FROM {{ rel.sessions }}
WHERE {{ in_report() }}
GROUP BY CAST(session_start_tstamp AS DATE)
ORDER BY day
