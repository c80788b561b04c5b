{#- Work done: clear the work lists and advance the watermark, together (one transaction). #}
DELETE FROM {{ rel.pending_anonymous_ids }};
DELETE FROM {{ rel.pending_users }};
UPDATE {{ rel.state }} SET watermark = COALESCE(pending_watermark, watermark), pending_watermark = NULL
