DROP TABLE IF EXISTS "analytics".segment_web_page_views__sessionized__sessionizer_new;

CREATE TABLE "analytics".segment_web_page_views__sessionized__sessionizer_new
DISTKEY(anonymous_id)
SORTKEY(tstamp) AS
WITH page_views AS (
  SELECT
    page_views.*
  FROM "analytics".segment_web_page_views AS page_views
), __sz_items AS (
  SELECT
    anonymous_id,
    tstamp,
    0 AS __sz_item_kind,
    page_view_id AS __sz_item_id,
    utm_source,
    utm_medium,
    utm_campaign,
    utm_term,
    utm_content,
    gclid
  FROM page_views
), __sz_gaps AS (
  SELECT
    __sz_items.*,
    DATEDIFF(
      SECOND,
      LAG(tstamp) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id),
      tstamp
    ) AS __sz_gap,
    CASE
      WHEN CAST(CONVERT_TIMEZONE(
        'UTC',
        'America/New_York',
        LAG(tstamp) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id)
      ) AS DATE) <> CAST(CONVERT_TIMEZONE('UTC', 'America/New_York', tstamp) AS DATE)
      THEN 1
    END AS __sz_day_cut
  FROM __sz_items
), __sz_campaigns AS (
  SELECT
    anonymous_id,
    __sz_item_id,
    CASE
      WHEN LAG(__sz_item_id) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id) IS NULL
      OR CASE
        WHEN LAG(utm_source) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id) = utm_source
        OR (
          LAG(utm_source) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id) IS NULL
          AND utm_source IS NULL
        )
        THEN 0
        ELSE 1
      END = 1
      OR CASE
        WHEN LAG(utm_medium) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id) = utm_medium
        OR (
          LAG(utm_medium) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id) IS NULL
          AND utm_medium IS NULL
        )
        THEN 0
        ELSE 1
      END = 1
      OR CASE
        WHEN LAG(utm_campaign) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id) = utm_campaign
        OR (
          LAG(utm_campaign) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id) IS NULL
          AND utm_campaign IS NULL
        )
        THEN 0
        ELSE 1
      END = 1
      OR CASE
        WHEN LAG(utm_term) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id) = utm_term
        OR (
          LAG(utm_term) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id) IS NULL
          AND utm_term IS NULL
        )
        THEN 0
        ELSE 1
      END = 1
      OR CASE
        WHEN LAG(utm_content) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id) = utm_content
        OR (
          LAG(utm_content) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id) IS NULL
          AND utm_content IS NULL
        )
        THEN 0
        ELSE 1
      END = 1
      OR CASE
        WHEN LAG(gclid) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id) = gclid
        OR (
          LAG(gclid) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id) IS NULL
          AND gclid IS NULL
        )
        THEN 0
        ELSE 1
      END = 1
      THEN 1
    END AS __sz_campaign_cut
  FROM __sz_items
  WHERE
    __sz_item_kind = 0
    AND NOT (
      utm_source IS NULL
      AND utm_medium IS NULL
      AND utm_campaign IS NULL
      AND utm_term IS NULL
      AND utm_content IS NULL
      AND gclid IS NULL
    )
), __sz_cuts AS (
  SELECT
    __sz_gaps.*,
    CASE
      WHEN __sz_gap IS NULL OR __sz_gap > 1200
      THEN 'inactivity'
      WHEN __sz_day_cut = 1
      THEN 'day_boundary'
      WHEN __sz_campaigns.__sz_campaign_cut = 1
      THEN 'campaign'
    END AS __sz_cut
  FROM __sz_gaps
  LEFT JOIN __sz_campaigns
    ON __sz_campaigns.anonymous_id = __sz_gaps.anonymous_id
    AND __sz_campaigns.__sz_item_id = __sz_gaps.__sz_item_id
    AND __sz_gaps.__sz_item_kind = 0
), __sz_rough AS (
  SELECT
    __sz_cuts.*,
    COUNT(__sz_cut) OVER (
      PARTITION BY anonymous_id
      ORDER BY tstamp, __sz_item_kind, __sz_item_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS __sz_rough_piece
  FROM __sz_cuts
), __sz_subs AS (
  SELECT
    __sz_rough.*,
    COALESCE(
      CASE
        WHEN __sz_since_first >= 0
        THEN FLOOR(CAST(__sz_since_first AS DOUBLE PRECISION) / 14400.0)
      END,
      0
    ) AS __sz_sub
  FROM (
    SELECT
      __sz_rough.*,
      DATEDIFF(
        SECOND,
        MIN(CASE WHEN __sz_item_kind = 0 THEN tstamp END) OVER (PARTITION BY anonymous_id, __sz_rough_piece),
        tstamp
      ) AS __sz_since_first
    FROM __sz_rough
  ) AS __sz_rough
), __sz_starts AS (
  SELECT
    __sz_subs.*,
    CASE
      WHEN NOT __sz_cut IS NULL
      THEN __sz_cut
      WHEN __sz_sub <> LAG(__sz_sub) OVER (PARTITION BY anonymous_id ORDER BY tstamp, __sz_item_kind, __sz_item_id)
      THEN 'max_duration'
    END AS __sz_start
  FROM __sz_subs
), __sz_pieces AS (
  SELECT
    __sz_starts.*,
    COUNT(__sz_start) OVER (
      PARTITION BY anonymous_id
      ORDER BY tstamp, __sz_item_kind, __sz_item_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS __sz_piece
  FROM __sz_starts
), stream AS (
  SELECT
    __sz_pieces.*,
    COUNT(CASE WHEN __sz_item_kind = 0 THEN 1 END) OVER (
      PARTITION BY anonymous_id, __sz_piece
      ORDER BY tstamp, __sz_item_kind, __sz_item_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS __sz_views_so_far,
    MAX(__sz_start) OVER (PARTITION BY anonymous_id, __sz_piece) AS __sz_reason
  FROM __sz_pieces
), sessions AS (
  SELECT
    __sz_item_id AS page_view_id,
    anonymous_id,
    __sz_item_kind,
    COUNT(CASE WHEN __sz_item_kind = 0 THEN 1 END) OVER (
      PARTITION BY anonymous_id
      ORDER BY tstamp, __sz_item_kind, __sz_item_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS page_view_number,
    COUNT(CASE WHEN __sz_item_kind = 0 AND __sz_views_so_far = 1 THEN 1 END) OVER (
      PARTITION BY anonymous_id
      ORDER BY tstamp, __sz_item_kind, __sz_item_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS session_number
  FROM stream
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
  sessions.page_view_number,
  MD5(
    COALESCE(CAST(sessions.anonymous_id AS VARCHAR(MAX)), '_dbt_utils_surrogate_key_null_') || '-' || COALESCE(CAST(sessions.session_number AS VARCHAR(MAX)), '_dbt_utils_surrogate_key_null_')
  ) AS session_id
FROM sessions
JOIN page_views
  ON page_views.page_view_id = sessions.page_view_id
WHERE
  sessions.__sz_item_kind = 0;

BEGIN;

DROP TABLE IF EXISTS "analytics".segment_web_page_views__sessionized;

ALTER TABLE "analytics".segment_web_page_views__sessionized__sessionizer_new
RENAME TO segment_web_page_views__sessionized;

COMMIT;
