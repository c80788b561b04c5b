{#- Fails when the source column cannot be read as a timestamp. #}
SELECT CAST({{ column }} AS TIMESTAMP) FROM {{ source }} AS source LIMIT 1
