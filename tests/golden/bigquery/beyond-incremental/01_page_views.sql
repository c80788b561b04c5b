CREATE OR REPLACE TEMPORARY TABLE sessionizer_history AS
WITH arrived AS (
  SELECT
    CAST(id AS STRING) AS id,
    CAST(anonymous_id AS STRING) AS anonymous_id
  FROM `segment`.`pages` AS source
  WHERE
    NOT id IS NULL
    AND NOT anonymous_id IS NULL
    AND NOT timestamp IS NULL
    AND NOT received_at IS NULL
    AND (
      (
        SELECT
          watermark
        FROM `analytics`.sessionizer_state
      ) IS NULL
      OR CAST(received_at AS DATETIME) > (
        SELECT
          watermark
        FROM `analytics`.sessionizer_state
      ) - INTERVAL 6 HOUR
    )
)
SELECT
  page_view_id,
  anonymous_id,
  received_at_tstamp,
  sent_at_tstamp,
  tstamp
FROM `analytics`.segment_web_page_views
WHERE
  page_view_id IN (
    SELECT
      id
    FROM arrived
  )
  OR anonymous_id IN (
    SELECT
      anonymous_id
    FROM arrived
  );

CREATE OR REPLACE TEMPORARY TABLE sessionizer_batch AS
WITH source AS (
  SELECT
    CAST(id AS STRING) AS id,
    CAST(anonymous_id AS STRING) AS anonymous_id,
    CAST(user_id AS STRING) AS user_id,
    CAST(received_at AS DATETIME) AS received_at,
    CAST(sent_at AS DATETIME) AS sent_at,
    CAST(timestamp AS DATETIME) AS timestamp,
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
  FROM `segment`.`pages` AS source
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
          FROM `segment`.`pages` AS source
          WHERE
            (
              (
                SELECT
                  watermark
                FROM `analytics`.sessionizer_state
              ) IS NULL
              OR CAST(received_at AS DATETIME) > (
                SELECT
                  watermark
                FROM `analytics`.sessionizer_state
              ) - INTERVAL 6 HOUR
            )
        ) AS agents
        WHERE
          CASE
            WHEN INSTR(LOWER(context_user_agent), 'googlebot') > 0
            OR INSTR(LOWER(context_user_agent), 'bingbot') > 0
            OR INSTR(LOWER(context_user_agent), '50%_off') > 0
            THEN 1
            ELSE 0
          END = 1
      )
    )
    AND (
      (
        SELECT
          watermark
        FROM `analytics`.sessionizer_state
      ) IS NULL
      OR CAST(received_at AS DATETIME) > (
        SELECT
          watermark
        FROM `analytics`.sessionizer_state
      ) - INTERVAL 6 HOUR
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
      ORDER BY source.received_at ASC NULLS LAST, source.sent_at ASC NULLS LAST, source.timestamp ASC NULLS LAST
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
    SPLIT(
      SPLIT(
        REPLACE(REPLACE(REPLACE(url, 'android-app://', ''), 'http://', ''), 'https://', ''),
        '/'
      )[OFFSET(0)],
      '?'
    )[OFFSET(0)] AS page_url_host,
    path AS page_url_path,
    title AS page_title,
    search AS page_url_query,
    referrer,
    REPLACE(
      SPLIT(
        SPLIT(
          REPLACE(REPLACE(REPLACE(referrer, 'android-app://', ''), 'http://', ''), 'https://', ''),
          '/'
        )[OFFSET(0)],
        '?'
      )[OFFSET(0)],
      'www.',
      ''
    ) AS referrer_host,
    context_campaign_source AS utm_source,
    context_campaign_medium AS utm_medium,
    context_campaign_name AS utm_campaign,
    context_campaign_term AS utm_term,
    context_campaign_content AS utm_content,
    NULLIF(SPLIT(SPLIT(CONCAT(url, 'gclid='), 'gclid=')[OFFSET(1)], '&')[OFFSET(0)], '') AS gclid,
    context_ip AS ip,
    context_user_agent AS user_agent,
    CASE
      WHEN LOWER(context_user_agent) LIKE '%android%'
      THEN 'Android'
      ELSE REPLACE(
        SPLIT(SPLIT(CONCAT(context_user_agent, '('), '(')[OFFSET(1)], ' ')[OFFSET(0)],
        ';',
        ''
      )
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
), stored AS (
  SELECT
    page_view_id,
    anonymous_id,
    received_at_tstamp,
    sent_at_tstamp,
    tstamp,
    1 AS __sz_is_stored
  FROM sessionizer_history
  WHERE
    page_view_id IN (
      SELECT
        page_view_id
      FROM page_views
    )
), contenders AS (
  SELECT
    page_view_id,
    received_at_tstamp,
    sent_at_tstamp,
    tstamp,
    0 AS __sz_is_stored,
    CAST(NULL AS STRING) AS __sz_stored_anonymous_id,
    CAST(NULL AS DATETIME) AS __sz_stored_tstamp
  FROM page_views
  UNION ALL
  SELECT
    page_view_id,
    received_at_tstamp,
    sent_at_tstamp,
    tstamp,
    __sz_is_stored,
    anonymous_id,
    tstamp
  FROM stored
), winners AS (
  SELECT
    page_view_id,
    __sz_is_stored,
    ROW_NUMBER() OVER (
      PARTITION BY page_view_id
      ORDER BY received_at_tstamp ASC NULLS LAST, sent_at_tstamp ASC NULLS LAST, tstamp ASC NULLS LAST, __sz_is_stored DESC
    ) AS __sz_contender_rank,
    MAX(__sz_stored_anonymous_id) OVER (PARTITION BY page_view_id) AS __sz_replaced_anonymous_id,
    MAX(__sz_stored_tstamp) OVER (PARTITION BY page_view_id) AS __sz_replaced_tstamp
  FROM contenders
)
SELECT
  page_views.page_view_id,
  page_views.anonymous_id,
  page_views.user_id,
  page_views.received_at_tstamp,
  page_views.sent_at_tstamp,
  page_views.tstamp,
  page_views.page_url,
  page_views.page_url_host,
  page_views.page_url_path,
  page_views.page_title,
  page_views.page_url_query,
  page_views.referrer,
  page_views.referrer_host,
  page_views.utm_source,
  page_views.utm_medium,
  page_views.utm_campaign,
  page_views.utm_term,
  page_views.utm_content,
  page_views.gclid,
  page_views.ip,
  page_views.user_agent,
  page_views.device,
  page_views.context_locale,
  page_views.device_category,
  winners.__sz_replaced_anonymous_id,
  winners.__sz_replaced_tstamp
FROM page_views
JOIN winners
  ON winners.page_view_id = page_views.page_view_id
  AND winners.__sz_contender_rank = 1
  AND winners.__sz_is_stored = 0;

INSERT INTO sessionizer_history (
  page_view_id,
  anonymous_id,
  received_at_tstamp,
  sent_at_tstamp,
  tstamp
)
SELECT
  page_view_id,
  anonymous_id,
  received_at_tstamp,
  sent_at_tstamp,
  tstamp
FROM `analytics`.segment_web_page_views
WHERE
  anonymous_id IN (
    SELECT
      __sz_replaced_anonymous_id
    FROM sessionizer_batch
    WHERE
      NOT __sz_replaced_tstamp IS NULL
  )
  AND NOT page_view_id IN (
    SELECT
      page_view_id
    FROM sessionizer_history
  );

INSERT INTO `analytics`.sessionizer_pending_anonymous_ids (
  anonymous_id,
  from_tstamp,
  session_from_tstamp,
  restitched,
  replaced,
  numbered_before,
  sessions_before,
  previous_tstamp
)
WITH changed AS (
  SELECT
    anonymous_id,
    tstamp,
    0 AS __sz_replaced
  FROM sessionizer_batch
  UNION ALL
  SELECT
    __sz_replaced_anonymous_id,
    __sz_replaced_tstamp,
    1
  FROM sessionizer_batch
  WHERE
    NOT __sz_replaced_tstamp IS NULL
), whole AS (
  SELECT
    anonymous_id,
    tstamp,
    __sz_replaced
  FROM changed
  UNION ALL
  SELECT
    page_views.anonymous_id,
    page_views.tstamp,
    0
  FROM sessionizer_history AS page_views
  WHERE
    page_views.anonymous_id IN (
      SELECT
        anonymous_id
      FROM changed
    )
), earliest AS (
  SELECT
    anonymous_id,
    MIN(tstamp) AS from_tstamp,
    MAX(__sz_replaced) AS replaced
  FROM whole
  GROUP BY
    anonymous_id
)
SELECT
  anonymous_id,
  from_tstamp,
  from_tstamp,
  0,
  replaced,
  0,
  0,
  CAST(NULL AS DATETIME)
FROM earliest;

MERGE INTO `analytics`.segment_web_page_views AS target
USING (
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
  FROM sessionizer_batch
) AS source
ON target.page_view_id = source.page_view_id
WHEN MATCHED THEN UPDATE SET
  anonymous_id = source.anonymous_id,
  user_id = source.user_id,
  received_at_tstamp = source.received_at_tstamp,
  sent_at_tstamp = source.sent_at_tstamp,
  tstamp = source.tstamp,
  page_url = source.page_url,
  page_url_host = source.page_url_host,
  page_url_path = source.page_url_path,
  page_title = source.page_title,
  page_url_query = source.page_url_query,
  referrer = source.referrer,
  referrer_host = source.referrer_host,
  utm_source = source.utm_source,
  utm_medium = source.utm_medium,
  utm_campaign = source.utm_campaign,
  utm_term = source.utm_term,
  utm_content = source.utm_content,
  gclid = source.gclid,
  ip = source.ip,
  user_agent = source.user_agent,
  device = source.device,
  context_locale = source.context_locale,
  device_category = source.device_category
WHEN NOT MATCHED THEN INSERT (
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
) VALUES (
  source.page_view_id,
  source.anonymous_id,
  source.user_id,
  source.received_at_tstamp,
  source.sent_at_tstamp,
  source.tstamp,
  source.page_url,
  source.page_url_host,
  source.page_url_path,
  source.page_title,
  source.page_url_query,
  source.referrer,
  source.referrer_host,
  source.utm_source,
  source.utm_medium,
  source.utm_campaign,
  source.utm_term,
  source.utm_content,
  source.gclid,
  source.ip,
  source.user_agent,
  source.device,
  source.context_locale,
  source.device_category
);

INSERT INTO `analytics`.segment_web_page_views__rejected (
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
  reject_reason
)
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
FROM `segment`.`pages` AS source
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
          FROM `segment`.`pages` AS source
          WHERE
            (
              (
                SELECT
                  watermark
                FROM `analytics`.sessionizer_state
              ) IS NULL
              OR CAST(received_at AS DATETIME) > (
                SELECT
                  watermark
                FROM `analytics`.sessionizer_state
              ) - INTERVAL 6 HOUR
            )
        ) AS agents
        WHERE
          CASE
            WHEN INSTR(LOWER(context_user_agent), 'googlebot') > 0
            OR INSTR(LOWER(context_user_agent), 'bingbot') > 0
            OR INSTR(LOWER(context_user_agent), '50%_off') > 0
            THEN 1
            ELSE 0
          END = 1
      )
    )
  )
  AND (
    (
      SELECT
        watermark
      FROM `analytics`.sessionizer_state
    ) IS NULL
    OR CAST(received_at AS DATETIME) > (
      SELECT
        watermark
      FROM `analytics`.sessionizer_state
    ) - INTERVAL 6 HOUR
  )
EXCEPT DISTINCT
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
  reject_reason
FROM `analytics`.segment_web_page_views__rejected;

UPDATE `analytics`.sessionizer_state SET pending_watermark = (
  SELECT
    CASE
      WHEN state.watermark IS NULL OR batch.__sz_newest > state.watermark
      THEN batch.__sz_newest
      ELSE state.watermark
    END
  FROM (
    SELECT
      CASE
        WHEN MAX(CAST(received_at AS DATETIME)) > CURRENT_DATETIME('UTC')
        THEN CURRENT_DATETIME('UTC')
        ELSE MAX(CAST(received_at AS DATETIME))
      END AS __sz_newest
    FROM `segment`.`pages` AS source
    WHERE
      NOT id IS NULL
      AND NOT anonymous_id IS NULL
      AND NOT timestamp IS NULL
      AND NOT received_at IS NULL
      AND (
        (
          SELECT
            watermark
          FROM `analytics`.sessionizer_state
        ) IS NULL
        OR CAST(received_at AS DATETIME) > (
          SELECT
            watermark
          FROM `analytics`.sessionizer_state
        ) - INTERVAL 6 HOUR
      )
  ) AS batch
  CROSS JOIN `analytics`.sessionizer_state AS state
)
WHERE
  TRUE;
