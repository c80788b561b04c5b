{% from "_macros.sql" import is_valid, in_window, tracked, entry_columns, reject_reason with context %}
{#- Rows the rules cannot sessionize, kept with the reason (docs/reference.md "Input"); with a source list,
    those of every entry, in the columns the entries share (a tracks row outside the entry's
    events is not read at all). #}
{%- macro reason(unreadable) %}
  {{ reject_reason(unreadable) }} AS reject_reason
{%- endmacro %}
{%- if listed %}
SELECT * FROM (
{%- for entry in entries %}
  {% if not loop.first %}UNION ALL
  {% endif -%}
  SELECT
    {{ entry_columns(entry) }},
    {{- reason(entry.unreadable) }}
  FROM {{ entry.relation }} AS source
  WHERE NOT ({{ is_valid() }}){{ tracked(entry) }}{% if incremental %} AND {{ in_window(entry) }}{% endif %}
{%- endfor %}
) AS rejected
{%- else %}
SELECT
  {{ rejected_columns | join(', ') }},
  {{- reason(unreadable) }}
FROM {{ source }} AS source
WHERE NOT ({{ is_valid() }}){% if incremental %} AND {{ in_window() }}{% endif %}
{%- endif %}
{%- if incremental %}
EXCEPT
SELECT {{ rejected_columns | join(', ') }}, reject_reason FROM {{ rel.rejected }}
{%- endif %}
