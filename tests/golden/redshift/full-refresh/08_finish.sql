DROP TABLE IF EXISTS "analytics".sessionizer_pending_anonymous_ids__sessionizer_new;

CREATE TABLE "analytics".sessionizer_pending_anonymous_ids__sessionizer_new AS
SELECT
  CAST(NULL AS VARCHAR(MAX)) AS anonymous_id,
  CAST(NULL AS TIMESTAMP) AS from_tstamp,
  CAST(NULL AS TIMESTAMP) AS session_from_tstamp,
  CAST(NULL AS INTEGER) AS restitched,
  CAST(NULL AS INTEGER) AS replaced,
  CAST(NULL AS BIGINT) AS numbered_before,
  CAST(NULL AS BIGINT) AS sessions_before,
  CAST(NULL AS TIMESTAMP) AS previous_tstamp,
  CAST(NULL AS TIMESTAMP) AS restitched_from,
  CAST(NULL AS VARCHAR(MAX)) AS blended_before,
  CAST(NULL AS VARCHAR(MAX)) AS blended_after
WHERE
  1 = 0;

BEGIN;

DROP TABLE IF EXISTS "analytics".sessionizer_pending_anonymous_ids;

ALTER TABLE "analytics".sessionizer_pending_anonymous_ids__sessionizer_new
RENAME TO sessionizer_pending_anonymous_ids;

COMMIT;

DROP TABLE IF EXISTS "analytics".sessionizer_pending_users__sessionizer_new;

CREATE TABLE "analytics".sessionizer_pending_users__sessionizer_new AS
SELECT
  CAST(NULL AS VARCHAR(MAX)) AS blended_user_id,
  CAST(NULL AS TIMESTAMP) AS from_tstamp
WHERE
  1 = 0;

BEGIN;

DROP TABLE IF EXISTS "analytics".sessionizer_pending_users;

ALTER TABLE "analytics".sessionizer_pending_users__sessionizer_new
RENAME TO sessionizer_pending_users;

COMMIT;

DROP TABLE IF EXISTS "analytics".sessionizer_state__sessionizer_new;

CREATE TABLE "analytics".sessionizer_state__sessionizer_new AS
SELECT
  '{"inactivity_cutoff": 1200, "incremental_key": "received_at", "pass_through_columns": ["context_locale"], "referrer_mapping": "9d20259975aa8e14", "source": "segment.pages"}' AS settings,
  CASE
    WHEN MAX(CAST(received_at AS TIMESTAMP)) > GETDATE()
    THEN GETDATE()
    ELSE MAX(CAST(received_at AS TIMESTAMP))
  END AS watermark,
  CAST(NULL AS TIMESTAMP) AS pending_watermark,
  GETDATE() AS built_at,
  CAST(NULL AS TIMESTAMP) AS last_run_at,
  CAST(NULL AS VARCHAR(MAX)) AS last_run_mode,
  CAST(NULL AS DOUBLE PRECISION) AS last_run_seconds,
  CAST(NULL AS BIGINT) AS last_run_rows_written
FROM "segment"."pages" AS source
WHERE
  NOT id IS NULL
  AND NOT anonymous_id IS NULL
  AND NOT "timestamp" IS NULL
  AND NOT received_at IS NULL;

BEGIN;

DROP TABLE IF EXISTS "analytics".sessionizer_state;

ALTER TABLE "analytics".sessionizer_state__sessionizer_new
RENAME TO sessionizer_state;

COMMIT;

DROP TABLE IF EXISTS "analytics".sessionizer_refreshing;
