BEGIN;

MERGE INTO analytics.segment_web_page_views__sessionized AS target
USING (
  WITH numbered AS (
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
      ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY tstamp, page_view_id) AS page_view_number,
      DATEDIFF(
        SECOND,
        LAG(tstamp) OVER (PARTITION BY anonymous_id ORDER BY tstamp, page_view_id),
        tstamp
      ) AS inactivity_s
    FROM analytics.segment_web_page_views
    WHERE
      anonymous_id IN (
        SELECT
          anonymous_id
        FROM analytics.sessionizer_pending_anonymous_ids
      )
  ), sessions AS (
    SELECT
      *,
      COUNT(CASE WHEN inactivity_s IS NULL OR inactivity_s > 1200 THEN 1 END) OVER (
        PARTITION BY anonymous_id
        ORDER BY page_view_number
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      ) AS session_number
    FROM numbered
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
    page_view_number,
    MD5(
      COALESCE(CAST(anonymous_id AS VARCHAR), '_dbt_utils_surrogate_key_null_') || '-' || COALESCE(CAST(session_number AS VARCHAR), '_dbt_utils_surrogate_key_null_')
    ) AS session_id
  FROM sessions
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
  device_category = source.device_category,
  page_view_number = source.page_view_number,
  session_id = source.session_id
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
  device_category,
  page_view_number,
  session_id
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
  source.device_category,
  source.page_view_number,
  source.session_id
);

COMMIT;
