{% from "_macros.sql" import url_host, referrer_host, gclid, device, device_category, is_valid, in_window, dedupe_order with context %}
{#- NOT MATERIALIZED: each reader below scans the source itself, reading only the columns it
    needs, instead of writing every wide row to a temporary copy first (half of this stage at 10M
    rows). Warehouses without the hint drop it (see Dialect.CTE_HINTS). #}
WITH source AS NOT MATERIALIZED (
  SELECT
    CAST(id AS VARCHAR) AS id,
    CAST(anonymous_id AS VARCHAR) AS anonymous_id,
    CAST(user_id AS VARCHAR) AS user_id,
    CAST(received_at AS TIMESTAMP) AS received_at,
    CAST(sent_at AS TIMESTAMP) AS sent_at,
    CAST(timestamp AS TIMESTAMP) AS timestamp,
    url, path, title, search, referrer,
    context_campaign_source, context_campaign_medium, context_campaign_name,
    context_campaign_term, context_campaign_content, context_ip, context_user_agent
    {%- for column in pass_through %}, {{ column }}{% endfor %}
  FROM {{ source }} AS source
  WHERE {{ is_valid() }}{% if incremental %} AND {{ in_window() }}{% endif %}
), duplicated AS (
  {#- Only ids sent more than once need the dedupe sort; most rows pass straight through, tested
      against this short list rather than against a count for every id. #}
  SELECT id FROM source GROUP BY id HAVING COUNT(*) > 1
), ranked AS (
  SELECT source.*, 1 AS __sz_dedupe_rank
  FROM source
  WHERE id NOT IN (SELECT id FROM duplicated)
  UNION ALL
  SELECT
    source.*,
    ROW_NUMBER() OVER (PARTITION BY source.id ORDER BY {{ dedupe_order('source.received_at', 'source.sent_at', 'source.timestamp') }}) AS __sz_dedupe_rank
  FROM source
  WHERE id IN (SELECT id FROM duplicated)
), parsed AS (
  SELECT
    id AS page_view_id,
    anonymous_id,
    user_id,
    received_at AS received_at_tstamp,
    sent_at AS sent_at_tstamp,
    timestamp AS tstamp,
    url AS page_url,
    {{ url_host('url') }} AS page_url_host,
    path AS page_url_path,
    title AS page_title,
    search AS page_url_query,
    referrer,
    {{ referrer_host('referrer') }} AS referrer_host,
    context_campaign_source AS utm_source,
    context_campaign_medium AS utm_medium,
    context_campaign_name AS utm_campaign,
    context_campaign_term AS utm_term,
    context_campaign_content AS utm_content,
    {{ gclid('url') }} AS gclid,
    context_ip AS ip,
    context_user_agent AS user_agent,
    {{ device('context_user_agent') }} AS device
    {%- for column in pass_through %},
    {{ column }}{% endfor %}
  FROM ranked
  WHERE __sz_dedupe_rank = 1
), page_views AS (
  SELECT
    {{ columns.page_views[:-1] | join(', ') }},
    {{ device_category('device') }} AS device_category
  FROM parsed
)
{%- if incremental %}, stored AS (
  {#- A row already stored changes nothing unless it sorts before the stored one. #}
  SELECT page_view_id, anonymous_id, received_at_tstamp, sent_at_tstamp, tstamp, 1 AS __sz_is_stored
  FROM {{ rel.page_views }}
  WHERE page_view_id IN (SELECT page_view_id FROM page_views)
), contenders AS (
  SELECT
    page_view_id, received_at_tstamp, sent_at_tstamp, tstamp, 0 AS __sz_is_stored,
    CAST(NULL AS VARCHAR) AS __sz_stored_anonymous_id, CAST(NULL AS TIMESTAMP) AS __sz_stored_tstamp
  FROM page_views
  UNION ALL
  SELECT page_view_id, received_at_tstamp, sent_at_tstamp, tstamp, __sz_is_stored, anonymous_id, tstamp FROM stored
), winners AS (
  {#- The stored row a winner replaces rides along, so later steps need not look it up again. #}
  SELECT
    page_view_id,
    __sz_is_stored,
    ROW_NUMBER() OVER (
      PARTITION BY page_view_id
      ORDER BY {{ dedupe_order('received_at_tstamp', 'sent_at_tstamp', 'tstamp') }}, __sz_is_stored DESC
    ) AS __sz_contender_rank,
    MAX(__sz_stored_anonymous_id) OVER (PARTITION BY page_view_id) AS __sz_replaced_anonymous_id,
    MAX(__sz_stored_tstamp) OVER (PARTITION BY page_view_id) AS __sz_replaced_tstamp
  FROM contenders
)
SELECT
  {% for column in columns.page_views %}page_views.{{ column }},
  {% endfor -%}
  winners.__sz_replaced_anonymous_id,
  winners.__sz_replaced_tstamp
FROM page_views
JOIN winners
  ON winners.page_view_id = page_views.page_view_id AND winners.__sz_contender_rank = 1 AND winners.__sz_is_stored = 0
{%- else %}
SELECT {{ columns.page_views | join(', ') }} FROM page_views
{%- endif %}
