CREATE OR REPLACE TABLE "analytics".sessionizer_pending_anonymous_ids AS
SELECT
  CAST(NULL AS TEXT) AS anonymous_id,
  CAST(NULL AS TIMESTAMP) AS from_tstamp,
  CAST(NULL AS TIMESTAMP) AS session_from_tstamp,
  CAST(NULL AS INT) AS restitched,
  CAST(NULL AS INT) AS replaced,
  CAST(NULL AS BIGINT) AS numbered_before,
  CAST(NULL AS BIGINT) AS sessions_before,
  CAST(NULL AS TIMESTAMP) AS previous_tstamp,
  CAST(NULL AS TIMESTAMP) AS restitched_from,
  CAST(NULL AS TEXT) AS blended_before,
  CAST(NULL AS TEXT) AS blended_after
WHERE
  1 = 0;

CREATE OR REPLACE TABLE "analytics".sessionizer_pending_users AS
SELECT
  CAST(NULL AS TEXT) AS blended_user_id,
  CAST(NULL AS TIMESTAMP) AS from_tstamp
WHERE
  1 = 0;

CREATE OR REPLACE TABLE "analytics".sessionizer_state AS
SELECT
  '{"bot_patterns": "b4bd40ea05d19d4a", "channel_grouping": true, "day_boundary_time_zone": "America/New_York", "engaged_session_seconds": 10, "ignored_user_ids": ["", "null", "undefined"], "inactivity_cutoff": 1200, "incremental_key": "received_at", "max_session_seconds": 14400, "pass_through_columns": ["context_locale"], "referrer_mapping": "9d20259975aa8e14", "source": "segment.pages", "split_on_campaign": true}' AS settings,
  CASE
    WHEN MAX(CAST(received_at AS TIMESTAMP)) > CAST(TIMEZONE('UTC', NOW()) AS TIMESTAMP)
    THEN CAST(TIMEZONE('UTC', NOW()) AS TIMESTAMP)
    ELSE MAX(CAST(received_at AS TIMESTAMP))
  END AS watermark,
  CAST(NULL AS TIMESTAMP) AS pending_watermark,
  CAST(TIMEZONE('UTC', NOW()) AS TIMESTAMP) AS built_at,
  CAST(NULL AS TIMESTAMP) AS last_run_at,
  CAST(NULL AS TEXT) AS last_run_mode,
  CAST(NULL AS DOUBLE) AS last_run_seconds,
  CAST(NULL AS BIGINT) AS last_run_rows_written
FROM "segment"."pages" AS source
WHERE
  NOT id IS NULL
  AND NOT anonymous_id IS NULL
  AND NOT timestamp IS NULL
  AND NOT received_at IS NULL;

DROP TABLE IF EXISTS "analytics".sessionizer_refreshing;
