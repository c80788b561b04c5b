{% from "_macros.sql" import delete_replaced %}
{#- Only stored rows an earlier copy in the batch replaces (most batches replace none). #}
{%- if listed %}
{{ delete_replaced(rel.page_views, own.page_views, rel.batch, page_view_key) }}
{%- else %}
DELETE FROM {{ rel.page_views }}
WHERE page_view_id IN (SELECT page_view_id FROM {{ rel.batch }} WHERE __sz_replaced_tstamp IS NOT NULL)
{%- endif %}
