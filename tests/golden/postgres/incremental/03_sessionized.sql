BEGIN;

DELETE FROM "analytics".segment_web_page_views__sessionized USING   "analytics".sessionizer_pending_anonymous_ids AS pending
WHERE
  segment_web_page_views__sessionized.anonymous_id = pending.anonymous_id
  AND segment_web_page_views__sessionized.tstamp >= pending.session_from_tstamp
  AND segment_web_page_views__sessionized.tstamp >= (
    SELECT
      MIN(session_from_tstamp)
    FROM "analytics".sessionizer_pending_anonymous_ids
  );

INSERT INTO "analytics".segment_web_page_views__sessionized (
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
  page_view_number,
  session_id
)
WITH pending AS (
  SELECT
    anonymous_id,
    MIN(from_tstamp) AS from_tstamp,
    MIN(session_from_tstamp) AS session_from_tstamp,
    MAX(restitched) AS restitched,
    MAX(replaced) AS replaced,
    MAX(CASE WHEN __sz_first = 1 THEN numbered_before END) AS numbered_before,
    MAX(CASE WHEN __sz_first = 1 THEN sessions_before END) AS sessions_before,
    MAX(CASE WHEN __sz_first = 1 THEN previous_tstamp END) AS previous_tstamp,
    MIN(restitched_from) AS restitched_from,
    MAX(blended_after) AS blended_after
  FROM (
    SELECT
      recorded.*,
      ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY session_from_tstamp ASC) AS __sz_first
    FROM "analytics".sessionizer_pending_anonymous_ids AS recorded
  ) AS recorded
  GROUP BY
    anonymous_id
), page_views AS (
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
    pending.numbered_before AS __sz_numbered_before,
    pending.previous_tstamp AS __sz_previous_tstamp,
    pending.sessions_before AS __sz_sessions_before
  FROM "analytics".segment_web_page_views AS page_views
  JOIN pending
    ON pending.anonymous_id = page_views.anonymous_id
    AND page_views.tstamp >= pending.session_from_tstamp
  WHERE
    page_views.tstamp >= (
      SELECT
        MIN(session_from_tstamp)
      FROM "analytics".sessionizer_pending_anonymous_ids
    )
), numbered AS (
  SELECT
    page_view_id,
    anonymous_id,
    __sz_sessions_before,
    __sz_numbered_before + ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY tstamp, page_view_id) AS page_view_number,
    CAST(EXTRACT(epoch FROM CAST(DATE_TRUNC('SECOND', tstamp) AS TIMESTAMP) - CAST(DATE_TRUNC(
      'SECOND',
      COALESCE(
        LAG(tstamp) OVER (PARTITION BY anonymous_id ORDER BY tstamp, page_view_id),
        __sz_previous_tstamp
      )
    ) AS TIMESTAMP)) AS BIGINT) AS __sz_inactivity_s
  FROM page_views
), sessions AS (
  SELECT
    page_view_id,
    anonymous_id,
    page_view_number,
    __sz_sessions_before + COUNT(CASE WHEN __sz_inactivity_s IS NULL OR __sz_inactivity_s > 1200 THEN 1 END) OVER (
      PARTITION BY anonymous_id
      ORDER BY page_view_number
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS session_number
  FROM numbered
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
    COALESCE(CAST(sessions.anonymous_id AS TEXT), '_dbt_utils_surrogate_key_null_') || '-' || COALESCE(CAST(sessions.session_number AS TEXT), '_dbt_utils_surrogate_key_null_')
  ) AS session_id
FROM page_views
JOIN sessions
  ON sessions.page_view_id = page_views.page_view_id;

COMMIT;
