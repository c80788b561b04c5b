{% from "_macros.sql" import is_valid, tracked with context %}
{#- The newest load key of the source's valid rows (with a source list, of one entry's table):
    `sessionizer status` compares it with the watermark to tell how far behind the tables are. #}
SELECT MAX(CAST({{ key }} AS TIMESTAMP)) AS newest, COUNT(*) AS valid_rows
FROM {{ source if entry is none else entry.relation }} AS source
WHERE {{ is_valid() }}{{ tracked(entry) }}
