BEGIN;

DELETE FROM "ANALYTICS".sessionizer_pending_anonymous_ids;

DELETE FROM "ANALYTICS".sessionizer_pending_users;

UPDATE "ANALYTICS".sessionizer_state SET watermark = COALESCE(pending_watermark, watermark), pending_watermark = NULL;

COMMIT;
