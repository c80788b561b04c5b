{% from "_macros.sql" import is_valid with context %}
{#- Valid source rows whose page view is not stored: what the trailing window missed. #}
SELECT COUNT(*) AS missing, MIN(CAST({{ key }} AS TIMESTAMP)) AS oldest_key, MIN(CAST(timestamp AS TIMESTAMP)) AS oldest_tstamp
FROM {{ source }} AS source
WHERE {{ is_valid() }}
  AND NOT EXISTS (
    SELECT 1 FROM {{ rel.page_views }} AS page_views
    WHERE page_views.page_view_id = CAST(source.id AS VARCHAR)
  )
