{% from "_macros.sql" import is_valid, in_window, capped_at_now, tracked with context %}
{%- set entry = entry if entry is defined else none %}
{#- The newest load key this batch read; the finish step makes it the watermark. A source list
    keeps one per entry. #}
SELECT
  CASE
    WHEN state.watermark IS NULL OR batch.__sz_newest > state.watermark THEN batch.__sz_newest
    ELSE state.watermark
  END
FROM (
  SELECT {{ capped_at_now('MAX(CAST(' ~ key ~ ' AS TIMESTAMP))') }} AS __sz_newest
  FROM {{ source if entry is none else entry.relation }} AS source
  WHERE {{ is_valid() }}{{ tracked(entry) }} AND {{ in_window(entry) }}
) AS batch
CROSS JOIN {{ rel.state }} AS state
{%- if entry is not none %}
WHERE state.entry = {{ entry.index }}
{%- endif %}
