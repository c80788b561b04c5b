CREATE OR REPLACE TABLE `analytics`.sessionizer_pending_anonymous_ids AS
SELECT
  CAST(NULL AS STRING) AS anonymous_id,
  CAST(NULL AS DATETIME) AS from_tstamp,
  CAST(NULL AS DATETIME) AS session_from_tstamp,
  CAST(NULL AS INT64) AS restitched,
  CAST(NULL AS INT64) AS replaced,
  CAST(NULL AS INT64) AS numbered_before,
  CAST(NULL AS INT64) AS sessions_before,
  CAST(NULL AS DATETIME) AS previous_tstamp,
  CAST(NULL AS DATETIME) AS restitched_from,
  CAST(NULL AS STRING) AS blended_before,
  CAST(NULL AS STRING) AS blended_after
FROM UNNEST([1])
WHERE
  1 = 0;

CREATE OR REPLACE TABLE `analytics`.sessionizer_pending_users AS
SELECT
  CAST(NULL AS STRING) AS blended_user_id,
  CAST(NULL AS DATETIME) AS from_tstamp
FROM UNNEST([1])
WHERE
  1 = 0;

CREATE OR REPLACE TABLE `analytics`.sessionizer_state AS
SELECT
  '{"inactivity_cutoff": 1200, "incremental_key": "received_at", "pass_through_columns": ["context_locale"], "referrer_mapping": "9d20259975aa8e14", "source": "segment.pages"}' AS settings,
  CASE
    WHEN MAX(CAST(received_at AS DATETIME)) > CURRENT_DATETIME('UTC')
    THEN CURRENT_DATETIME('UTC')
    ELSE MAX(CAST(received_at AS DATETIME))
  END AS watermark,
  CAST(NULL AS DATETIME) AS pending_watermark,
  CURRENT_DATETIME('UTC') AS built_at,
  CAST(NULL AS DATETIME) AS last_run_at,
  CAST(NULL AS STRING) AS last_run_mode,
  CAST(NULL AS FLOAT64) AS last_run_seconds,
  CAST(NULL AS INT64) AS last_run_rows_written
FROM `segment`.`pages` AS source
WHERE
  NOT id IS NULL
  AND NOT anonymous_id IS NULL
  AND NOT timestamp IS NULL
  AND NOT received_at IS NULL;

DROP TABLE IF EXISTS `analytics`.sessionizer_refreshing;
