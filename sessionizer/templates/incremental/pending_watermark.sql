{% from "_macros.sql" import is_valid, in_window, capped_at_now with context %}
{#- The newest load key this batch read; the finish step makes it the watermark. #}
SELECT
  CASE
    WHEN state.watermark IS NULL OR batch.__sz_newest > state.watermark THEN batch.__sz_newest
    ELSE state.watermark
  END
FROM (
  SELECT {{ capped_at_now('MAX(CAST(' ~ key ~ ' AS TIMESTAMP))') }} AS __sz_newest
  FROM {{ source }} AS source
  WHERE {{ is_valid() }} AND {{ in_window() }}
) AS batch
CROSS JOIN {{ rel.state }} AS state
