-- Empty tables for the naive incremental; its first run over them is its full refresh.
CREATE TABLE naive_page_views__sessionized AS
SELECT id AS page_view_id, anonymous_id, user_id, received_at AS received_at_tstamp, sent_at AS sent_at_tstamp,
       timestamp AS tstamp, url AS page_url, path AS page_url_path, title AS page_title, search AS page_url_query,
       referrer, context_campaign_source AS utm_source, context_campaign_medium AS utm_medium,
       context_campaign_name AS utm_campaign, context_campaign_term AS utm_term,
       context_campaign_content AS utm_content, context_ip AS ip, context_user_agent AS user_agent,
       CAST(0 AS BIGINT) AS page_view_number, CAST(NULL AS VARCHAR) AS session_id
FROM pages WHERE 1 = 0;
CREATE TABLE naive_sessions (
  session_id VARCHAR, anonymous_id VARCHAR, session_start_tstamp TIMESTAMP, session_end_tstamp TIMESTAMP,
  page_views BIGINT, first_page_url VARCHAR, referrer VARCHAR, utm_source VARCHAR, utm_medium VARCHAR,
  utm_campaign VARCHAR, utm_term VARCHAR, utm_content VARCHAR, user_agent VARCHAR, last_page_url VARCHAR
);
