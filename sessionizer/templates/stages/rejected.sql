{% from "_macros.sql" import is_valid, in_window, tracked, entry_columns, bot_row, reject_reason with context %}
{#- Rows the rules cannot sessionize, kept with the reason (docs/reference.md "Input"); with a source list,
    those of every entry, in the columns the entries share (a tracks row outside the entry's
    events is not read at all). A bot row (docs/reference.md "Bots", pages and screens only) is one
    that passes every check before it. #}
{%- macro reason(unreadable, bots) %}
  {{ reject_reason(unreadable, bots) }} AS reject_reason
{%- endmacro %}
{%- macro rejected_rows(bots, relation, entry=none) -%}
{% if bots %}(NOT ({{ is_valid() }}) OR {{ bot_row(relation, entry) }}){% else %}NOT ({{ is_valid() }}){% endif %}
{%- endmacro %}
{%- if listed %}
SELECT * FROM (
{%- for entry in entries %}
  {% if not loop.first %}UNION ALL
  {% endif -%}
  SELECT
    {%- set bots = bot_patterns is not none and entry.page_views %}
    {{ entry_columns(entry) }},
    {{- reason(entry.unreadable, bots) }}
  FROM {{ entry.relation }} AS source
  WHERE {{ rejected_rows(bots, entry.relation, entry) }}{{ tracked(entry) }}{% if incremental %} AND {{ in_window(entry) }}{% endif %}
{%- endfor %}
) AS rejected
{%- else %}
SELECT
  {{ rejected_columns | join(', ') }},
  {{- reason(unreadable, bot_patterns is not none) }}
FROM {{ source }} AS source
WHERE {{ rejected_rows(bot_patterns is not none, source) }}{% if incremental %} AND {{ in_window() }}{% endif %}
{%- endif %}
{%- if incremental %}
EXCEPT
SELECT {{ rejected_columns | join(', ') }}, reject_reason FROM {{ rel.rejected }}
{%- endif %}
