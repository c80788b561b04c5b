{% from "report/_filters.sql" import in_report with context %}
{#- The newest session: a report's window is the N days that end on its day. #}
SELECT MIN(session_start_tstamp) AS first_start, MAX(session_start_tstamp) AS last_start
FROM {{ rel.sessions }}
WHERE {{ in_report(windowed=False) }}
