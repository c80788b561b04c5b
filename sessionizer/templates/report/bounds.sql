{% from "report/_filters.sql" import in_report with context %}
{#- Whether there are sessions up to the window's end, and how many start after it (a clock that
    ran ahead, a row dated 2099): those are counted apart, never the end of the window. #}
SELECT
  MIN(CASE WHEN session_start_tstamp <= {{ until }} THEN session_start_tstamp END) AS first_start,
  MAX(CASE WHEN session_start_tstamp <= {{ until }} THEN session_start_tstamp END) AS last_start,
  COUNT(CASE WHEN session_start_tstamp > {{ until }} THEN 1 END) AS later
FROM {{ rel.sessions }}
WHERE {{ in_report(windowed=False) }}
