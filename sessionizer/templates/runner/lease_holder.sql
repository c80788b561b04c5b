{#- Who holds the lease: the smallest holder of the rows there. #}
SELECT holder, expires_at FROM {{ lock }} ORDER BY holder LIMIT 1
