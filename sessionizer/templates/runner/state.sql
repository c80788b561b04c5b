{% from "_macros.sql" import is_valid, capped_at_now with context %}
{#- The settings the tables are built with, and the newest load key consumed. #}
SELECT
  {{ settings | lit }} AS settings,
  {{ capped_at_now('MAX(CAST(' ~ key ~ ' AS TIMESTAMP))') }} AS watermark,
  CAST(NULL AS TIMESTAMP) AS pending_watermark,
  CURRENT_TIMESTAMP AS built_at
FROM {{ source }} AS source
WHERE {{ is_valid() }}
