{#- The rows of one of our tables. #}
SELECT COUNT(*) FROM {{ table }}
