DROP TABLE IF EXISTS "analytics".sessionizer_pending_anonymous_ids__sessionizer_new;

CREATE TABLE "analytics".sessionizer_pending_anonymous_ids__sessionizer_new AS
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

BEGIN;

DROP TABLE IF EXISTS "analytics".sessionizer_pending_anonymous_ids;

ALTER TABLE "analytics".sessionizer_pending_anonymous_ids__sessionizer_new
RENAME TO sessionizer_pending_anonymous_ids;

COMMIT;

DROP TABLE IF EXISTS "analytics".sessionizer_pending_users__sessionizer_new;

CREATE TABLE "analytics".sessionizer_pending_users__sessionizer_new AS
SELECT
  CAST(NULL AS TEXT) AS blended_user_id,
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
  '{"inactivity_cutoff": 1200, "incremental_key": "received_at", "pass_through_columns": ["context_locale"], "referrer_mapping": "9d20259975aa8e14", "sources": [{"events": null, "kind": "pages", "name": "web", "table": "website.pages"}, {"events": null, "kind": "screens", "name": "ios", "table": "ios.screens"}, {"events": ["heartbeat"], "kind": "tracks", "name": "web", "table": "website.tracks"}, {"events": null, "kind": "identifies", "name": "web", "table": "website.identifies"}]}' AS settings,
  CASE
    WHEN MAX(CAST(received_at AS TIMESTAMP)) > CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP)
    THEN CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP)
    ELSE MAX(CAST(received_at AS TIMESTAMP))
  END AS watermark,
  CAST(NULL AS TIMESTAMP) AS pending_watermark,
  CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP) AS built_at,
  CAST(NULL AS TIMESTAMP) AS last_run_at,
  CAST(NULL AS TEXT) AS last_run_mode,
  CAST(NULL AS DOUBLE PRECISION) AS last_run_seconds,
  CAST(NULL AS BIGINT) AS last_run_rows_written,
  0 AS entry
FROM "website"."pages" AS source
WHERE
  NOT id IS NULL
  AND NOT anonymous_id IS NULL
  AND NOT timestamp IS NULL
  AND NOT received_at IS NULL
UNION ALL
SELECT
  '{"inactivity_cutoff": 1200, "incremental_key": "received_at", "pass_through_columns": ["context_locale"], "referrer_mapping": "9d20259975aa8e14", "sources": [{"events": null, "kind": "pages", "name": "web", "table": "website.pages"}, {"events": null, "kind": "screens", "name": "ios", "table": "ios.screens"}, {"events": ["heartbeat"], "kind": "tracks", "name": "web", "table": "website.tracks"}, {"events": null, "kind": "identifies", "name": "web", "table": "website.identifies"}]}' AS settings,
  CASE
    WHEN MAX(CAST(received_at AS TIMESTAMP)) > CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP)
    THEN CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP)
    ELSE MAX(CAST(received_at AS TIMESTAMP))
  END AS watermark,
  CAST(NULL AS TIMESTAMP) AS pending_watermark,
  CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP) AS built_at,
  CAST(NULL AS TIMESTAMP) AS last_run_at,
  CAST(NULL AS TEXT) AS last_run_mode,
  CAST(NULL AS DOUBLE PRECISION) AS last_run_seconds,
  CAST(NULL AS BIGINT) AS last_run_rows_written,
  1 AS entry
FROM "ios"."screens" AS source
WHERE
  NOT id IS NULL
  AND NOT anonymous_id IS NULL
  AND NOT timestamp IS NULL
  AND NOT received_at IS NULL
UNION ALL
SELECT
  '{"inactivity_cutoff": 1200, "incremental_key": "received_at", "pass_through_columns": ["context_locale"], "referrer_mapping": "9d20259975aa8e14", "sources": [{"events": null, "kind": "pages", "name": "web", "table": "website.pages"}, {"events": null, "kind": "screens", "name": "ios", "table": "ios.screens"}, {"events": ["heartbeat"], "kind": "tracks", "name": "web", "table": "website.tracks"}, {"events": null, "kind": "identifies", "name": "web", "table": "website.identifies"}]}' AS settings,
  CASE
    WHEN MAX(CAST(received_at AS TIMESTAMP)) > CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP)
    THEN CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP)
    ELSE MAX(CAST(received_at AS TIMESTAMP))
  END AS watermark,
  CAST(NULL AS TIMESTAMP) AS pending_watermark,
  CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP) AS built_at,
  CAST(NULL AS TIMESTAMP) AS last_run_at,
  CAST(NULL AS TEXT) AS last_run_mode,
  CAST(NULL AS DOUBLE PRECISION) AS last_run_seconds,
  CAST(NULL AS BIGINT) AS last_run_rows_written,
  2 AS entry
FROM "website"."tracks" AS source
WHERE
  NOT id IS NULL
  AND NOT anonymous_id IS NULL
  AND NOT timestamp IS NULL
  AND NOT received_at IS NULL
  AND (
    event IN ('heartbeat') OR event_text IN ('heartbeat')
  )
UNION ALL
SELECT
  '{"inactivity_cutoff": 1200, "incremental_key": "received_at", "pass_through_columns": ["context_locale"], "referrer_mapping": "9d20259975aa8e14", "sources": [{"events": null, "kind": "pages", "name": "web", "table": "website.pages"}, {"events": null, "kind": "screens", "name": "ios", "table": "ios.screens"}, {"events": ["heartbeat"], "kind": "tracks", "name": "web", "table": "website.tracks"}, {"events": null, "kind": "identifies", "name": "web", "table": "website.identifies"}]}' AS settings,
  CASE
    WHEN MAX(CAST(received_at AS TIMESTAMP)) > CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP)
    THEN CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP)
    ELSE MAX(CAST(received_at AS TIMESTAMP))
  END AS watermark,
  CAST(NULL AS TIMESTAMP) AS pending_watermark,
  CAST(CURRENT_TIMESTAMP AT TIME ZONE 'UTC' AS TIMESTAMP) AS built_at,
  CAST(NULL AS TIMESTAMP) AS last_run_at,
  CAST(NULL AS TEXT) AS last_run_mode,
  CAST(NULL AS DOUBLE PRECISION) AS last_run_seconds,
  CAST(NULL AS BIGINT) AS last_run_rows_written,
  3 AS entry
FROM "website"."identifies" AS source
WHERE
  NOT id IS NULL
  AND NOT anonymous_id IS NULL
  AND NOT timestamp IS NULL
  AND NOT received_at IS NULL;

BEGIN;

DROP TABLE IF EXISTS "analytics".sessionizer_state;

ALTER TABLE "analytics".sessionizer_state__sessionizer_new
RENAME TO sessionizer_state;

COMMIT;

DROP TABLE IF EXISTS "analytics".sessionizer_refreshing;
