{#- Only stored rows an earlier copy in the batch replaces (most batches replace none). #}
DELETE FROM {{ rel.page_views }}
WHERE page_view_id IN (SELECT page_view_id FROM {{ rel.batch }} WHERE __sz_replaced_tstamp IS NOT NULL)
