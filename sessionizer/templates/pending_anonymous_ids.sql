{#- Visitors a batch touches: its own, and those whose stored page view it replaces. #}
SELECT anonymous_id FROM {{ rel.batch }}
UNION
SELECT anonymous_id FROM {{ rel.page_views }}
WHERE page_view_id IN (SELECT page_view_id FROM {{ rel.batch }})
