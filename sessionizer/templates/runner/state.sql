{% from "_macros.sql" import is_valid, capped_at_now, tracked with context %}
{#- The settings the tables are built with, the newest load key consumed (with a source list, one
    row per entry, each with its own table's newest key), and what the last whole run did (filled
    in by the runner once the run is done; `sessionizer status` reads it). #}
{%- for entry in (entries or [none]) %}
{% if not loop.first %}UNION ALL
{% endif -%}
SELECT
  {{ settings | lit }} AS settings,
  {{ capped_at_now('MAX(CAST(' ~ key ~ ' AS TIMESTAMP))') }} AS watermark,
  CAST(NULL AS TIMESTAMP) AS pending_watermark,
  CURRENT_TIMESTAMP AS built_at,
  CAST(NULL AS TIMESTAMP) AS last_run_at,
  CAST(NULL AS VARCHAR) AS last_run_mode,
  CAST(NULL AS DOUBLE) AS last_run_seconds,
  CAST(NULL AS BIGINT) AS last_run_rows_written
  {%- if entry is not none %},
  {{ entry.index }} AS entry
  {%- endif %}
FROM {{ source if entry is none else entry.relation }} AS source
WHERE {{ is_valid() }}{{ tracked(entry) }}
{%- endfor %}
