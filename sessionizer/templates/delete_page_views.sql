DELETE FROM {{ rel.page_views }} WHERE page_view_id IN (SELECT page_view_id FROM {{ rel.batch }})
