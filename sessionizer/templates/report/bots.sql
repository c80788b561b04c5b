{#- docs/reference.md "Bots": the page views set aside as crawlers' (every one the tables hold). -#}
SELECT COUNT(*) AS bots
FROM {{ rel.rejected }}
WHERE reject_reason = 'bot'
