{% from "_macros.sql" import is_valid, in_window with context %}
{#- The stored page views an increment looks up, in one scan of the table: those whose ids arrive
    again (the dedupe decides between them and the new copies) and every page view of the
    visitors that arrive (their stored sessions: where each one's recomputation starts, and the
    numbering carried over to it). The arriving rows are the source's trailing window, read as
    the batch reads it. #}
WITH arrived AS (
  SELECT CAST(id AS VARCHAR) AS id, CAST(anonymous_id AS VARCHAR) AS anonymous_id
  FROM {{ source }} AS source
  WHERE {{ is_valid() }} AND {{ in_window() }}
)
SELECT page_view_id, anonymous_id, received_at_tstamp, sent_at_tstamp, tstamp
FROM {{ rel.page_views }}
WHERE page_view_id IN (SELECT id FROM arrived) OR anonymous_id IN (SELECT anonymous_id FROM arrived)
