CREATE OR REPLACE TABLE "ANALYTICS".sessionizer_pending_anonymous_ids AS
SELECT
  CAST(NULL AS VARCHAR) AS anonymous_id,
  CAST(NULL AS TIMESTAMPNTZ) AS from_tstamp,
  CAST(NULL AS TIMESTAMPNTZ) AS session_from_tstamp,
  CAST(NULL AS INT) AS restitched,
  CAST(NULL AS INT) AS replaced,
  CAST(NULL AS BIGINT) AS numbered_before,
  CAST(NULL AS BIGINT) AS sessions_before,
  CAST(NULL AS TIMESTAMPNTZ) AS previous_tstamp,
  CAST(NULL AS TIMESTAMPNTZ) AS restitched_from,
  CAST(NULL AS VARCHAR) AS blended_before,
  CAST(NULL AS VARCHAR) AS blended_after
WHERE
  1 = 0;

CREATE OR REPLACE TABLE "ANALYTICS".sessionizer_pending_users AS
SELECT
  CAST(NULL AS VARCHAR) AS blended_user_id,
  CAST(NULL AS TIMESTAMPNTZ) AS from_tstamp
WHERE
  1 = 0;

CREATE OR REPLACE TABLE "ANALYTICS".sessionizer_state AS
SELECT
  '{"inactivity_cutoff": 1200, "incremental_key": "received_at", "pass_through_columns": ["context_locale"], "referrer_mapping": "9d20259975aa8e14", "sources": [{"events": null, "kind": "pages", "name": "web", "table": "website.pages"}, {"events": null, "kind": "screens", "name": "ios", "table": "ios.screens"}, {"events": ["heartbeat"], "kind": "tracks", "name": "web", "table": "website.tracks"}, {"events": null, "kind": "identifies", "name": "web", "table": "website.identifies"}]}' AS settings,
  CASE
    WHEN MAX(CAST(received_at AS TIMESTAMPNTZ)) > SYSDATE()
    THEN SYSDATE()
    ELSE MAX(CAST(received_at AS TIMESTAMPNTZ))
  END AS watermark,
  CAST(NULL AS TIMESTAMPNTZ) AS pending_watermark,
  SYSDATE() AS built_at,
  CAST(NULL AS TIMESTAMPNTZ) AS last_run_at,
  CAST(NULL AS VARCHAR) AS last_run_mode,
  CAST(NULL AS DOUBLE) AS last_run_seconds,
  CAST(NULL AS BIGINT) AS last_run_rows_written,
  0 AS entry
FROM "WEBSITE"."PAGES" AS source
WHERE
  NOT id IS NULL
  AND NOT anonymous_id IS NULL
  AND NOT timestamp IS NULL
  AND NOT received_at IS NULL
UNION ALL
SELECT
  '{"inactivity_cutoff": 1200, "incremental_key": "received_at", "pass_through_columns": ["context_locale"], "referrer_mapping": "9d20259975aa8e14", "sources": [{"events": null, "kind": "pages", "name": "web", "table": "website.pages"}, {"events": null, "kind": "screens", "name": "ios", "table": "ios.screens"}, {"events": ["heartbeat"], "kind": "tracks", "name": "web", "table": "website.tracks"}, {"events": null, "kind": "identifies", "name": "web", "table": "website.identifies"}]}' AS settings,
  CASE
    WHEN MAX(CAST(received_at AS TIMESTAMPNTZ)) > SYSDATE()
    THEN SYSDATE()
    ELSE MAX(CAST(received_at AS TIMESTAMPNTZ))
  END AS watermark,
  CAST(NULL AS TIMESTAMPNTZ) AS pending_watermark,
  SYSDATE() AS built_at,
  CAST(NULL AS TIMESTAMPNTZ) AS last_run_at,
  CAST(NULL AS VARCHAR) AS last_run_mode,
  CAST(NULL AS DOUBLE) AS last_run_seconds,
  CAST(NULL AS BIGINT) AS last_run_rows_written,
  1 AS entry
FROM "IOS"."SCREENS" AS source
WHERE
  NOT id IS NULL
  AND NOT anonymous_id IS NULL
  AND NOT timestamp IS NULL
  AND NOT received_at IS NULL
UNION ALL
SELECT
  '{"inactivity_cutoff": 1200, "incremental_key": "received_at", "pass_through_columns": ["context_locale"], "referrer_mapping": "9d20259975aa8e14", "sources": [{"events": null, "kind": "pages", "name": "web", "table": "website.pages"}, {"events": null, "kind": "screens", "name": "ios", "table": "ios.screens"}, {"events": ["heartbeat"], "kind": "tracks", "name": "web", "table": "website.tracks"}, {"events": null, "kind": "identifies", "name": "web", "table": "website.identifies"}]}' AS settings,
  CASE
    WHEN MAX(CAST(received_at AS TIMESTAMPNTZ)) > SYSDATE()
    THEN SYSDATE()
    ELSE MAX(CAST(received_at AS TIMESTAMPNTZ))
  END AS watermark,
  CAST(NULL AS TIMESTAMPNTZ) AS pending_watermark,
  SYSDATE() AS built_at,
  CAST(NULL AS TIMESTAMPNTZ) AS last_run_at,
  CAST(NULL AS VARCHAR) AS last_run_mode,
  CAST(NULL AS DOUBLE) AS last_run_seconds,
  CAST(NULL AS BIGINT) AS last_run_rows_written,
  2 AS entry
FROM "WEBSITE"."TRACKS" AS source
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
    WHEN MAX(CAST(received_at AS TIMESTAMPNTZ)) > SYSDATE()
    THEN SYSDATE()
    ELSE MAX(CAST(received_at AS TIMESTAMPNTZ))
  END AS watermark,
  CAST(NULL AS TIMESTAMPNTZ) AS pending_watermark,
  SYSDATE() AS built_at,
  CAST(NULL AS TIMESTAMPNTZ) AS last_run_at,
  CAST(NULL AS VARCHAR) AS last_run_mode,
  CAST(NULL AS DOUBLE) AS last_run_seconds,
  CAST(NULL AS BIGINT) AS last_run_rows_written,
  3 AS entry
FROM "WEBSITE"."IDENTIFIES" AS source
WHERE
  NOT id IS NULL
  AND NOT anonymous_id IS NULL
  AND NOT timestamp IS NULL
  AND NOT received_at IS NULL;

DROP TABLE IF EXISTS "ANALYTICS".sessionizer_refreshing;
