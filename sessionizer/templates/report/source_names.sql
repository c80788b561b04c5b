{#- The source_name values the sessions carry: what --source-name may be. #}
SELECT DISTINCT source_name
FROM {{ rel.sessions }}
WHERE source_name IS NOT NULL
ORDER BY source_name
