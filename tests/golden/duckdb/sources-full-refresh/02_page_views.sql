CREATE OR REPLACE TABLE "analytics".segment_web_page_views AS
WITH source AS NOT MATERIALIZED (
  SELECT
    'web' AS source_name,
    'pages' AS kind,
    CAST(id AS TEXT) AS id,
    CAST(anonymous_id AS TEXT) AS anonymous_id,
    CAST(user_id AS TEXT) AS user_id,
    CAST(received_at AS TIMESTAMP) AS received_at,
    CAST(sent_at AS TIMESTAMP) AS sent_at,
    CAST(timestamp AS TIMESTAMP) AS timestamp,
    url,
    path,
    title,
    search,
    referrer,
    context_campaign_source,
    context_campaign_medium,
    context_campaign_name,
    context_campaign_term,
    context_campaign_content,
    context_ip,
    context_user_agent,
    CAST(NULL AS TEXT) AS context_device_model,
    CAST(NULL AS TEXT) AS context_os_name,
    context_locale
  FROM "website"."pages" AS source
  WHERE
    NOT id IS NULL
    AND NOT anonymous_id IS NULL
    AND NOT timestamp IS NULL
    AND NOT received_at IS NULL
  UNION ALL
  SELECT
    'ios' AS source_name,
    'screens' AS kind,
    CAST(id AS TEXT) AS id,
    CAST(anonymous_id AS TEXT) AS anonymous_id,
    CAST(user_id AS TEXT) AS user_id,
    CAST(received_at AS TIMESTAMP) AS received_at,
    CAST(sent_at AS TIMESTAMP) AS sent_at,
    CAST(timestamp AS TIMESTAMP) AS timestamp,
    CAST(NULL AS TEXT) AS url,
    CAST(NULL AS TEXT) AS path,
    CAST(name AS TEXT) AS title,
    CAST(NULL AS TEXT) AS search,
    CAST(NULL AS TEXT) AS referrer,
    context_campaign_source,
    context_campaign_medium,
    context_campaign_name,
    context_campaign_term,
    context_campaign_content,
    context_ip,
    context_user_agent,
    context_device_model,
    context_os_name,
    context_locale
  FROM "ios"."screens" AS source
  WHERE
    NOT id IS NULL
    AND NOT anonymous_id IS NULL
    AND NOT timestamp IS NULL
    AND NOT received_at IS NULL
), ranked AS (
  SELECT
    source.*,
    ROW_NUMBER() OVER (
      PARTITION BY source.source_name, source.id
      ORDER BY source.received_at ASC, source.sent_at ASC, source.timestamp ASC
    ) AS __sz_dedupe_rank
  FROM source
), parsed AS (
  SELECT
    id AS page_view_id,
    anonymous_id,
    user_id,
    received_at AS received_at_tstamp,
    sent_at AS sent_at_tstamp,
    timestamp AS tstamp,
    url AS page_url,
    SPLIT_PART(
      SPLIT_PART(
        REPLACE(REPLACE(REPLACE(url, 'android-app://', ''), 'http://', ''), 'https://', ''),
        '/',
        1
      ),
      '?',
      1
    ) AS page_url_host,
    path AS page_url_path,
    title AS page_title,
    search AS page_url_query,
    referrer,
    REPLACE(
      SPLIT_PART(
        SPLIT_PART(
          REPLACE(REPLACE(REPLACE(referrer, 'android-app://', ''), 'http://', ''), 'https://', ''),
          '/',
          1
        ),
        '?',
        1
      ),
      'www.',
      ''
    ) AS referrer_host,
    context_campaign_source AS utm_source,
    context_campaign_medium AS utm_medium,
    context_campaign_name AS utm_campaign,
    context_campaign_term AS utm_term,
    context_campaign_content AS utm_content,
    NULLIF(SPLIT_PART(SPLIT_PART(url, 'gclid=', 2), '&', 1), '') AS gclid,
    context_ip AS ip,
    context_user_agent AS user_agent,
    CASE
      WHEN kind = 'screens'
      THEN context_device_model
      ELSE CASE
        WHEN LOWER(context_user_agent) LIKE '%android%'
        THEN 'Android'
        ELSE REPLACE(SPLIT_PART(SPLIT_PART(context_user_agent, '(', 2), ' ', 1), ';', '')
      END
    END AS device,
    context_locale,
    kind,
    context_device_model,
    context_os_name,
    source_name
  FROM ranked
  WHERE
    __sz_dedupe_rank = 1
), page_views AS (
  SELECT
    page_view_id,
    anonymous_id,
    user_id,
    received_at_tstamp,
    sent_at_tstamp,
    tstamp,
    page_url,
    page_url_host,
    page_url_path,
    page_title,
    page_url_query,
    referrer,
    referrer_host,
    utm_source,
    utm_medium,
    utm_campaign,
    utm_term,
    utm_content,
    gclid,
    ip,
    user_agent,
    device,
    context_locale,
    CASE
      WHEN kind = 'screens'
      THEN CASE
        WHEN context_device_model LIKE 'iPad%'
        THEN 'Tablet'
        WHEN LOWER(context_os_name) = 'ios'
        THEN 'iPhone'
        WHEN LOWER(context_os_name) = 'android'
        THEN 'Android'
        ELSE 'Uncategorized'
      END
      ELSE CASE
        WHEN device = 'iPhone'
        THEN 'iPhone'
        WHEN device = 'Android'
        THEN 'Android'
        WHEN device IN ('iPad', 'iPod')
        THEN 'Tablet'
        WHEN device IN ('Windows', 'Macintosh', 'X11')
        THEN 'Desktop'
        ELSE 'Uncategorized'
      END
    END AS device_category,
    source_name
  FROM parsed
)
SELECT
  page_view_id,
  anonymous_id,
  user_id,
  received_at_tstamp,
  sent_at_tstamp,
  tstamp,
  page_url,
  page_url_host,
  page_url_path,
  page_title,
  page_url_query,
  referrer,
  referrer_host,
  utm_source,
  utm_medium,
  utm_campaign,
  utm_term,
  utm_content,
  gclid,
  ip,
  user_agent,
  device,
  context_locale,
  device_category,
  source_name
FROM page_views;

CREATE OR REPLACE TABLE "analytics".sessionizer_events AS
WITH source AS (
  SELECT
    'web' AS source_name,
    'tracks' AS kind,
    CAST(id AS TEXT) AS id,
    CAST(anonymous_id AS TEXT) AS anonymous_id,
    CAST(user_id AS TEXT) AS user_id,
    CAST(received_at AS TIMESTAMP) AS received_at,
    CAST(sent_at AS TIMESTAMP) AS sent_at,
    CAST(timestamp AS TIMESTAMP) AS tstamp
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
    'web' AS source_name,
    'identifies' AS kind,
    CAST(id AS TEXT) AS id,
    CAST(anonymous_id AS TEXT) AS anonymous_id,
    CAST(user_id AS TEXT) AS user_id,
    CAST(received_at AS TIMESTAMP) AS received_at,
    CAST(sent_at AS TIMESTAMP) AS sent_at,
    CAST(timestamp AS TIMESTAMP) AS tstamp
  FROM "website"."identifies" AS source
  WHERE
    NOT id IS NULL
    AND NOT anonymous_id IS NULL
    AND NOT timestamp IS NULL
    AND NOT received_at IS NULL
), ranked AS (
  SELECT
    source.*,
    ROW_NUMBER() OVER (
      PARTITION BY source.id, source.source_name, source.kind
      ORDER BY source.received_at ASC, source.sent_at ASC, source.tstamp ASC
    ) AS __sz_dedupe_rank
  FROM source
), events AS (
  SELECT
    source_name,
    kind,
    id,
    anonymous_id,
    user_id,
    received_at,
    sent_at,
    tstamp
  FROM ranked
  WHERE
    __sz_dedupe_rank = 1
)
SELECT
  source_name,
  kind,
  id,
  anonymous_id,
  user_id,
  received_at,
  sent_at,
  tstamp
FROM events;

CREATE OR REPLACE TABLE "analytics".segment_web_page_views__rejected AS
SELECT
  *
FROM (
  SELECT
    'web' AS source_name,
    'pages' AS kind,
    CAST(id AS TEXT) AS id,
    CAST(anonymous_id AS TEXT) AS anonymous_id,
    CAST(user_id AS TEXT) AS user_id,
    CAST(received_at AS TIMESTAMP) AS received_at,
    CAST(sent_at AS TIMESTAMP) AS sent_at,
    CAST(timestamp AS TIMESTAMP) AS timestamp,
    CASE
      WHEN id IS NULL
      THEN 'id is null'
      WHEN anonymous_id IS NULL
      THEN 'anonymous_id is null'
      WHEN timestamp IS NULL
      THEN 'timestamp is null'
      ELSE 'received_at is null'
    END AS reject_reason
  FROM "website"."pages" AS source
  WHERE
    NOT (
      NOT id IS NULL
      AND NOT anonymous_id IS NULL
      AND NOT timestamp IS NULL
      AND NOT received_at IS NULL
    )
  UNION ALL
  SELECT
    'ios' AS source_name,
    'screens' AS kind,
    CAST(id AS TEXT) AS id,
    CAST(anonymous_id AS TEXT) AS anonymous_id,
    CAST(user_id AS TEXT) AS user_id,
    CAST(received_at AS TIMESTAMP) AS received_at,
    CAST(sent_at AS TIMESTAMP) AS sent_at,
    CAST(timestamp AS TIMESTAMP) AS timestamp,
    CASE
      WHEN id IS NULL
      THEN 'id is null'
      WHEN anonymous_id IS NULL
      THEN 'anonymous_id is null'
      WHEN timestamp IS NULL
      THEN 'timestamp is null'
      ELSE 'received_at is null'
    END AS reject_reason
  FROM "ios"."screens" AS source
  WHERE
    NOT (
      NOT id IS NULL
      AND NOT anonymous_id IS NULL
      AND NOT timestamp IS NULL
      AND NOT received_at IS NULL
    )
  UNION ALL
  SELECT
    'web' AS source_name,
    'tracks' AS kind,
    CAST(id AS TEXT) AS id,
    CAST(anonymous_id AS TEXT) AS anonymous_id,
    CAST(user_id AS TEXT) AS user_id,
    CAST(received_at AS TIMESTAMP) AS received_at,
    CAST(sent_at AS TIMESTAMP) AS sent_at,
    CAST(timestamp AS TIMESTAMP) AS timestamp,
    CASE
      WHEN id IS NULL
      THEN 'id is null'
      WHEN anonymous_id IS NULL
      THEN 'anonymous_id is null'
      WHEN timestamp IS NULL
      THEN 'timestamp is null'
      ELSE 'received_at is null'
    END AS reject_reason
  FROM "website"."tracks" AS source
  WHERE
    NOT (
      NOT id IS NULL
      AND NOT anonymous_id IS NULL
      AND NOT timestamp IS NULL
      AND NOT received_at IS NULL
    )
    AND (
      event IN ('heartbeat') OR event_text IN ('heartbeat')
    )
  UNION ALL
  SELECT
    'web' AS source_name,
    'identifies' AS kind,
    CAST(id AS TEXT) AS id,
    CAST(anonymous_id AS TEXT) AS anonymous_id,
    CAST(user_id AS TEXT) AS user_id,
    CAST(received_at AS TIMESTAMP) AS received_at,
    CAST(sent_at AS TIMESTAMP) AS sent_at,
    CAST(timestamp AS TIMESTAMP) AS timestamp,
    CASE
      WHEN id IS NULL
      THEN 'id is null'
      WHEN anonymous_id IS NULL
      THEN 'anonymous_id is null'
      WHEN timestamp IS NULL
      THEN 'timestamp is null'
      ELSE 'received_at is null'
    END AS reject_reason
  FROM "website"."identifies" AS source
  WHERE
    NOT (
      NOT id IS NULL
      AND NOT anonymous_id IS NULL
      AND NOT timestamp IS NULL
      AND NOT received_at IS NULL
    )
) AS rejected;
