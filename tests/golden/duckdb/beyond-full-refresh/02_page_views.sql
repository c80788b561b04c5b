CREATE OR REPLACE TABLE "analytics".segment_web_page_views AS
WITH source AS NOT MATERIALIZED (
  SELECT
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
    context_locale
  FROM "segment"."pages" AS source
  WHERE
    NOT id IS NULL
    AND NOT anonymous_id IS NULL
    AND NOT timestamp IS NULL
    AND NOT received_at IS NULL
    AND NOT (
      NOT context_user_agent IS NULL
      AND context_user_agent IN (
        SELECT
          context_user_agent
        FROM (
          SELECT DISTINCT
            context_user_agent
          FROM "segment"."pages" AS source
        ) AS agents
        WHERE
          CASE
            WHEN STRPOS(LOWER(context_user_agent), 'googlebot') > 0
            OR STRPOS(LOWER(context_user_agent), 'bingbot') > 0
            OR STRPOS(LOWER(context_user_agent), '50%_off') > 0
            THEN 1
            ELSE 0
          END = 1
      )
    )
), duplicated AS (
  SELECT
    id
  FROM source
  GROUP BY
    id
  HAVING
    COUNT(*) > 1
), ranked AS (
  SELECT
    source.*,
    1 AS __sz_dedupe_rank
  FROM source
  WHERE
    NOT id IN (
      SELECT
        id
      FROM duplicated
    )
  UNION ALL
  SELECT
    source.*,
    ROW_NUMBER() OVER (
      PARTITION BY source.id
      ORDER BY source.received_at ASC, source.sent_at ASC, source.timestamp ASC
    ) AS __sz_dedupe_rank
  FROM source
  WHERE
    id IN (
      SELECT
        id
      FROM duplicated
    )
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
      WHEN LOWER(context_user_agent) LIKE '%android%'
      THEN 'Android'
      ELSE REPLACE(SPLIT_PART(SPLIT_PART(context_user_agent, '(', 2), ' ', 1), ';', '')
    END AS device,
    context_locale
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
      WHEN device = 'iPhone'
      THEN 'iPhone'
      WHEN device = 'Android'
      THEN 'Android'
      WHEN device IN ('iPad', 'iPod')
      THEN 'Tablet'
      WHEN device IN ('Windows', 'Macintosh', 'X11')
      THEN 'Desktop'
      ELSE 'Uncategorized'
    END AS device_category
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
  device_category
FROM page_views;

CREATE OR REPLACE TABLE "analytics".segment_web_page_views__rejected AS
SELECT
  id,
  anonymous_id,
  user_id,
  received_at,
  sent_at,
  timestamp,
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
  context_locale,
  CASE
    WHEN id IS NULL
    THEN 'id is null'
    WHEN anonymous_id IS NULL
    THEN 'anonymous_id is null'
    WHEN timestamp IS NULL
    THEN 'timestamp is null'
    WHEN received_at IS NULL
    THEN 'received_at is null'
    ELSE 'bot'
  END AS reject_reason
FROM "segment"."pages" AS source
WHERE
  (
    NOT (
      NOT id IS NULL
      AND NOT anonymous_id IS NULL
      AND NOT timestamp IS NULL
      AND NOT received_at IS NULL
    )
    OR (
      NOT context_user_agent IS NULL
      AND context_user_agent IN (
        SELECT
          context_user_agent
        FROM (
          SELECT DISTINCT
            context_user_agent
          FROM "segment"."pages" AS source
        ) AS agents
        WHERE
          CASE
            WHEN STRPOS(LOWER(context_user_agent), 'googlebot') > 0
            OR STRPOS(LOWER(context_user_agent), 'bingbot') > 0
            OR STRPOS(LOWER(context_user_agent), '50%_off') > 0
            THEN 1
            ELSE 0
          END = 1
      )
    )
  );
