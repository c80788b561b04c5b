DROP TABLE IF EXISTS "analytics".segment_web_sessions__initial__sessionizer_new;

CREATE TABLE "analytics".segment_web_sessions__initial__sessionizer_new
DISTKEY(anonymous_id)
SORTKEY(session_start_tstamp) AS
WITH page_views AS (
  SELECT
    *
  FROM "analytics".segment_web_page_views__sessionized
), __sz_items AS (
  SELECT
    anonymous_id,
    tstamp,
    0 AS __sz_item_kind,
    page_view_id AS __sz_item_id,
    session_id,
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
), starts AS (
  SELECT
    session_id,
    __sz_reason
  FROM stream
  WHERE
    __sz_item_kind = 0 AND __sz_views_so_far = 1
), bounds AS (
  SELECT
    session_id,
    anonymous_id,
    MIN(tstamp) AS session_start_tstamp,
    MAX(tstamp) AS session_end_tstamp,
    COUNT(*) AS page_views,
    MIN(page_view_number) AS __sz_first_number,
    MAX(page_view_number) AS __sz_last_number
  FROM page_views
  GROUP BY
    session_id,
    anonymous_id
), referrer_mapping AS (
  SELECT
    *
  FROM (
    SELECT
      'search' AS medium,
      'Google' AS source,
      'google.com' AS host
    UNION ALL
    SELECT
      'email',
      'Gmail',
      'mail.google.com'
    UNION ALL
    SELECT
      'social',
      'Twitter',
      't.co'
  ) AS mapping
), sessions AS (
  SELECT
    bounds.session_id,
    bounds.anonymous_id,
    bounds.session_start_tstamp,
    bounds.session_end_tstamp,
    bounds.page_views,
    first_view.utm_source AS utm_source,
    first_view.utm_content AS utm_content,
    first_view.utm_medium AS utm_medium,
    first_view.utm_campaign AS utm_campaign,
    first_view.utm_term AS utm_term,
    first_view.gclid AS gclid,
    first_view.page_url AS first_page_url,
    first_view.page_url_host AS first_page_url_host,
    first_view.page_url_path AS first_page_url_path,
    first_view.page_url_query AS first_page_url_query,
    first_view.referrer AS referrer,
    first_view.referrer_host AS referrer_host,
    first_view.device AS device,
    first_view.device_category AS device_category,
    last_view.page_url AS last_page_url,
    last_view.page_url_host AS last_page_url_host,
    last_view.page_url_path AS last_page_url_path,
    last_view.page_url_query AS last_page_url_query,
    first_view.context_locale AS first_context_locale,
    last_view.context_locale AS last_context_locale,
    DATEDIFF(SECOND, bounds.session_start_tstamp, bounds.session_end_tstamp) AS duration_in_s,
    CASE WHEN bounds.__sz_first_number = 1 THEN 'first' ELSE starts.__sz_reason END AS session_start_reason
  FROM bounds
  JOIN starts
    ON starts.session_id = bounds.session_id
  JOIN page_views AS first_view
    ON first_view.anonymous_id = bounds.anonymous_id
    AND first_view.page_view_number = bounds.__sz_first_number
  JOIN page_views AS last_view
    ON last_view.anonymous_id = bounds.anonymous_id
    AND last_view.page_view_number = bounds.__sz_last_number
)
SELECT
  sessions.session_id,
  sessions.anonymous_id,
  sessions.session_start_tstamp,
  sessions.session_end_tstamp,
  sessions.page_views,
  sessions.utm_source,
  sessions.utm_content,
  sessions.utm_medium,
  sessions.utm_campaign,
  sessions.utm_term,
  sessions.gclid,
  sessions.first_page_url,
  sessions.first_page_url_host,
  sessions.first_page_url_path,
  sessions.first_page_url_query,
  sessions.referrer,
  sessions.referrer_host,
  sessions.device,
  sessions.device_category,
  sessions.last_page_url,
  sessions.last_page_url_host,
  sessions.last_page_url_path,
  sessions.last_page_url_query,
  sessions.first_context_locale,
  sessions.last_context_locale,
  sessions.duration_in_s,
  CASE
    WHEN sessions.duration_in_s BETWEEN 0 AND 9
    THEN '0s to 9s'
    WHEN sessions.duration_in_s BETWEEN 10 AND 29
    THEN '10s to 29s'
    WHEN sessions.duration_in_s BETWEEN 30 AND 59
    THEN '30s to 59s'
    WHEN sessions.duration_in_s > 59
    THEN '60s or more'
  END AS duration_in_s_tier,
  referrer_mapping.medium AS referrer_medium,
  referrer_mapping.source AS referrer_source,
  sessions.session_start_reason,
  CASE
    WHEN NOT sessions.gclid IS NULL
    OR (
      (
        LOWER(sessions.utm_medium) LIKE '%cp%'
        OR LOWER(sessions.utm_medium) IN ('ppc', 'retargeting')
        OR LOWER(sessions.utm_medium) LIKE 'paid%'
      )
      AND (
        referrer_mapping.medium = 'search'
        OR LOWER(sessions.utm_source) IN ('google', 'google.com')
      )
    )
    THEN 'Paid Search'
    WHEN (
      LOWER(sessions.utm_medium) LIKE '%cp%'
      OR LOWER(sessions.utm_medium) IN ('ppc', 'retargeting')
      OR LOWER(sessions.utm_medium) LIKE 'paid%'
    )
    AND (
      referrer_mapping.medium = 'social'
      OR LOWER(sessions.utm_source) IN ('t.co', 'twitter')
    )
    THEN 'Paid Social'
    WHEN LOWER(sessions.utm_medium) IN ('display', 'banner', 'expandable', 'interstitial', 'cpm')
    THEN 'Display'
    WHEN (
      LOWER(sessions.utm_medium) LIKE '%cp%'
      OR LOWER(sessions.utm_medium) IN ('ppc', 'retargeting')
      OR LOWER(sessions.utm_medium) LIKE 'paid%'
    )
    THEN 'Paid Other'
    WHEN LOWER(sessions.utm_medium) IN ('email', 'e-mail', 'e_mail', 'e mail')
    OR LOWER(sessions.utm_source) IN ('email', 'e-mail', 'e_mail', 'e mail')
    OR (
      referrer_mapping.medium = 'email'
      OR LOWER(sessions.utm_source) IN ('gmail', 'mail.google.com')
    )
    THEN 'Email'
    WHEN LOWER(sessions.utm_medium) = 'affiliate'
    THEN 'Affiliates'
    WHEN LOWER(sessions.utm_medium) = 'organic'
    OR (
      referrer_mapping.medium = 'search'
      OR LOWER(sessions.utm_source) IN ('google', 'google.com')
    )
    THEN 'Organic Search'
    WHEN LOWER(sessions.utm_medium) IN (
      'social',
      'social-network',
      'social-media',
      'sm',
      'social network',
      'social media'
    )
    OR (
      referrer_mapping.medium = 'social'
      OR LOWER(sessions.utm_source) IN ('t.co', 'twitter')
    )
    THEN 'Organic Social'
    WHEN LOWER(sessions.utm_medium) = 'referral'
    OR (
      sessions.utm_source IS NULL
      AND sessions.utm_medium IS NULL
      AND sessions.utm_campaign IS NULL
      AND sessions.gclid IS NULL
      AND sessions.referrer_host <> ''
      AND CASE
        WHEN sessions.referrer_host = REPLACE(sessions.first_page_url_host, 'www.', '')
        OR (
          sessions.referrer_host IS NULL
          AND REPLACE(sessions.first_page_url_host, 'www.', '') IS NULL
        )
        THEN 0
        ELSE 1
      END = 1
    )
    THEN 'Referral'
    WHEN sessions.utm_source IS NULL
    AND sessions.utm_medium IS NULL
    AND sessions.utm_campaign IS NULL
    AND sessions.gclid IS NULL
    THEN 'Direct'
    ELSE 'Unassigned'
  END AS channel,
  sessions.duration_in_s >= 10 OR sessions.page_views >= 2 AS is_engaged
FROM sessions
LEFT JOIN referrer_mapping
  ON referrer_mapping.host = sessions.referrer_host;

BEGIN;

DROP TABLE IF EXISTS "analytics".segment_web_sessions__initial;

ALTER TABLE "analytics".segment_web_sessions__initial__sessionizer_new
RENAME TO segment_web_sessions__initial;

COMMIT;
