BEGIN TRANSACTION;

DELETE FROM `analytics`.sessionizer_pending_anonymous_ids
WHERE
  TRUE;

DELETE FROM `analytics`.sessionizer_pending_users
WHERE
  TRUE;

UPDATE `analytics`.sessionizer_state SET watermark = COALESCE(pending_watermark, watermark), pending_watermark = NULL
WHERE
  TRUE;

COMMIT TRANSACTION;
