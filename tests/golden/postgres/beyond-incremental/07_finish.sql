BEGIN;

DELETE FROM "analytics".sessionizer_pending_anonymous_ids;

DELETE FROM "analytics".sessionizer_pending_users;

UPDATE "analytics".sessionizer_state SET watermark = COALESCE(pending_watermark, watermark), pending_watermark = NULL;

COMMIT;
