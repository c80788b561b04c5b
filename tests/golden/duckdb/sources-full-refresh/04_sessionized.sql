CREATE OR REPLACE TABLE "analytics".segment_web_page_views__sessionized AS
WITH page_views AS (
  SELECT
    page_views.*
  FROM "analytics".segment_web_page_views AS page_views
), __sz_items AS (
  SELECT
    source_name,
    anonymous_id,
    tstamp,
    0 AS __sz_item_kind,
    page_view_id AS __sz_item_id
  FROM page_views
  UNION ALL
  SELECT
    source_name,
    anonymous_id,
    tstamp,
    1,
    id
  FROM "analytics".sessionizer_events AS activity
  WHERE
    kind = 'tracks'
), __sz_gaps AS (
  SELECT
    __sz_items.*,
    DATE_DIFF(
      'SECOND',
      LAG(tstamp) OVER (
        PARTITION BY source_name, anonymous_id
        ORDER BY tstamp, __sz_item_kind, __sz_item_id
      ),
      tstamp
    ) AS __sz_gap
  FROM __sz_items
), __sz_pieces AS (
  SELECT
    __sz_gaps.*,
    COUNT(CASE WHEN __sz_gap IS NULL OR __sz_gap > 1200 THEN 1 END) OVER (
      PARTITION BY source_name, anonymous_id
      ORDER BY tstamp, __sz_item_kind, __sz_item_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS __sz_piece
  FROM __sz_gaps
), stream AS (
  SELECT
    __sz_pieces.*,
    COUNT(CASE WHEN __sz_item_kind = 0 THEN 1 END) OVER (
      PARTITION BY source_name, anonymous_id, __sz_piece
      ORDER BY tstamp, __sz_item_kind, __sz_item_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS __sz_views_so_far
  FROM __sz_pieces
), sessions AS (
  SELECT
    __sz_item_id AS page_view_id,
    source_name,
    anonymous_id,
    __sz_item_kind,
    COUNT(CASE WHEN __sz_item_kind = 0 THEN 1 END) OVER (
      PARTITION BY source_name, anonymous_id
      ORDER BY tstamp, __sz_item_kind, __sz_item_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS page_view_number,
    COUNT(CASE WHEN __sz_item_kind = 0 AND __sz_views_so_far = 1 THEN 1 END) OVER (
      PARTITION BY source_name, anonymous_id
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
    COALESCE(CAST(sessions.anonymous_id AS TEXT), '_dbt_utils_surrogate_key_null_') || '-' || COALESCE(CAST(sessions.session_number AS TEXT), '_dbt_utils_surrogate_key_null_') || '-' || COALESCE(CAST(sessions.source_name AS TEXT), '_dbt_utils_surrogate_key_null_')
  ) AS session_id,
  page_views.source_name
FROM sessions
JOIN page_views
  ON page_views.page_view_id = sessions.page_view_id
  AND page_views.source_name = sessions.source_name
WHERE
  sessions.__sz_item_kind = 0;
