{% from "_macros.sql" import is_valid, in_window with context %}
{#- Rows the rules cannot sessionize, kept with the reason (SPEC.md "Input"). #}
SELECT
  {{ source_columns | join(', ') }},
  CASE
    WHEN id IS NULL THEN 'id is null'
    WHEN anonymous_id IS NULL THEN 'anonymous_id is null'
    WHEN timestamp IS NULL THEN 'timestamp is null'
    ELSE '{{ key_name }} is null'
  END AS reject_reason
FROM {{ source }} AS source
WHERE NOT ({{ is_valid() }}){% if incremental %} AND {{ in_window() }}{% endif %}
{%- if incremental %}
EXCEPT
SELECT {{ source_columns | join(', ') }}, reject_reason FROM {{ rel.rejected }}
{%- endif %}
