CREATE OR REPLACE TABLE "analytics".segment_web_sessions__initial AS
WITH page_views AS NOT MATERIALIZED (
  SELECT
    *
  FROM "analytics".segment_web_page_views__sessionized
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
  FROM (VALUES
    ('search', 'Google', 'google.com'),
    ('email', 'Gmail', 'mail.google.com'),
    ('social', 'Twitter', 't.co')) AS mapping(medium, source, host)
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
    DATE_DIFF('SECOND', bounds.session_start_tstamp, bounds.session_end_tstamp) AS duration_in_s
  FROM bounds
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
  referrer_mapping.source AS referrer_source
FROM sessions
LEFT JOIN referrer_mapping
  ON referrer_mapping.host = sessions.referrer_host;
