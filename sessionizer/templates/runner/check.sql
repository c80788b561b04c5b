{% from "_macros.sql" import is_valid, tracked, bot_row with context %}
{#- Valid source rows whose page view is not stored: what the trailing window missed. With a
    source list, per entry (in its order): its rows missing from the page views or the events.
    A bot row (exclude_bots) is set aside, not missed. #}
{%- for entry in (entries or [none]) %}
{% if not loop.first %}UNION ALL
{% endif -%}
SELECT
  {%- if entry is not none %}
  {{ entry.index }} AS entry,
  {%- endif %}
  COUNT(*) AS missing, MIN(CAST({{ key }} AS TIMESTAMP)) AS oldest_key, MIN(CAST(timestamp AS TIMESTAMP)) AS oldest_tstamp
FROM {{ source if entry is none else entry.relation }} AS source
WHERE {{ is_valid() }}{{ tracked(entry) }}
  {%- if bot_patterns is not none and (entry is none or entry.page_views) %} AND NOT {{ bot_row(source if entry is none else entry.relation) }}{% endif %}
  AND NOT EXISTS (
  {%- if entry is none %}
    SELECT 1 FROM {{ rel.page_views }} AS page_views
    WHERE page_views.page_view_id = CAST(source.id AS VARCHAR)
  {%- elif entry.page_views %}
    SELECT 1 FROM {{ rel.page_views }} AS page_views
    WHERE page_views.page_view_id = CAST(source.id AS VARCHAR) AND page_views.source_name = {{ entry.name }}
  {%- else %}
    SELECT 1 FROM {{ rel.events }} AS events
    WHERE events.id = CAST(source.id AS VARCHAR) AND events.source_name = {{ entry.name }}
      AND events.kind = {{ entry.kind_literal }}
  {%- endif %}
  )
{%- endfor %}
{%- if entries %}
ORDER BY entry
{%- endif %}
