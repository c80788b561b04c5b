{#- No rows: the source's column names and types, from the cursor's description. #}
SELECT * FROM {{ source }} LIMIT 0
