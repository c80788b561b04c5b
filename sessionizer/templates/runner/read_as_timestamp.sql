{#- Fails when one of the source columns cannot be read as a timestamp (all in one query; one at
    a time to name the one that fails). #}
SELECT {% for column in columns %}CAST({{ column }} AS TIMESTAMP){{ ", " if not loop.last }}{% endfor %} FROM {{ source }} AS source LIMIT 1
