{% from "_macros.sql" import is_valid with context %}
{#- The newest load key of the source's valid rows: `sessionizer status` compares it with the
    watermark to tell how far behind the tables are. #}
SELECT MAX(CAST({{ key }} AS TIMESTAMP)) AS newest, COUNT(*) AS valid_rows
FROM {{ source }}
WHERE {{ is_valid() }}
