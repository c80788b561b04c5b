{#- The columns of some of our tables in one schema, from the warehouse's catalog; names in lower
    case, as Snowflake upper-cases unquoted ones. #}
SELECT LOWER(table_name), LOWER(column_name)
FROM {{ catalog }}
WHERE LOWER(table_schema) = {{ schema }} AND LOWER(table_name) IN ({{ names | join(", ") }})
