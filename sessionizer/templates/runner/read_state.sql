{#- The state row (with a source list, one per entry): each column, then whether it is NULL (asked
    apart: fakesnow hands a NULL timestamp back as 1970-01-01), then the entry it belongs to. #}
SELECT
  {% for column in state_columns %}{{ column }}, {% endfor %}
  {%- for column in state_columns %}
  {{ column }} IS NULL AS {{ column }}_is_null,
  {%- endfor %}
  {{ "entry" if listed else "CAST(NULL AS INTEGER) AS entry" }}
FROM {{ rel.state }}
