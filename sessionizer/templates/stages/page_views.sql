{% from "_macros.sql" import url_host, referrer_host, gclid, device, device_category, screen_device_category, is_valid, in_window, dedupe_order, replacing, segment_columns, entry_columns, bot_row with context %}
{#- NOT MATERIALIZED: each reader below scans the source itself, reading only the columns it
    needs, instead of writing every wide row to a temporary copy first (half of this stage at 10M
    rows). Warehouses without the hint drop it (see Dialect.CTE_HINTS). #}
WITH source AS NOT MATERIALIZED (
{%- if listed %}
  {#- A source list: its pages and screens entries in one shape (a screen has no URL parts). #}
{%- for entry in viewed_entries %}
  {% if not loop.first %}UNION ALL
  {% endif -%}
  SELECT
    {{ entry_columns(entry) }},
    {%- if entry.kind == 'pages' %}
    url, path, title, search, referrer,
    {%- else %}
    CAST(NULL AS VARCHAR) AS url, CAST(NULL AS VARCHAR) AS path, CAST(name AS VARCHAR) AS title,
    CAST(NULL AS VARCHAR) AS search, CAST(NULL AS VARCHAR) AS referrer,
    {%- endif %}
    context_campaign_source, context_campaign_medium, context_campaign_name,
    context_campaign_term, context_campaign_content, context_ip, context_user_agent,
    {%- if entry.kind == 'pages' %}
    CAST(NULL AS VARCHAR) AS context_device_model, CAST(NULL AS VARCHAR) AS context_os_name
    {%- else %}
    context_device_model, context_os_name
    {%- endif %}
    {%- for column in pass_through %}, {{ column }}{% endfor %}
  FROM {{ entry.relation }} AS source
  WHERE {{ is_valid() }}{% if bot_patterns is not none %} AND NOT {{ bot_row(entry.relation, entry) }}{% endif %}{% if incremental %} AND {{ in_window(entry) }}{% endif %}
{%- endfor %}
), ranked AS (
  {#- Ids are unique per source_name: a pages and a screens entry of one name dedupe together. #}
  SELECT
    source.*,
    ROW_NUMBER() OVER (PARTITION BY source.source_name, source.id ORDER BY {{ dedupe_order('source.received_at', 'source.sent_at', 'source.timestamp') }}) AS __sz_dedupe_rank
  FROM source
{%- else %}
  SELECT
    {{ segment_columns() }},
    url, path, title, search, referrer,
    context_campaign_source, context_campaign_medium, context_campaign_name,
    context_campaign_term, context_campaign_content, context_ip, context_user_agent
    {%- for column in pass_through %}, {{ column }}{% endfor %}
  FROM {{ source }} AS source
  WHERE {{ is_valid() }}{% if bot_patterns is not none %} AND NOT {{ bot_row(source) }}{% endif %}{% if incremental %} AND {{ in_window() }}{% endif %}
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
{%- endif %}
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
    {%- if listed %}
    CASE WHEN kind = 'screens' THEN context_device_model ELSE {{ device('context_user_agent') }} END AS device
    {%- else %}
    {{ device('context_user_agent') }} AS device
    {%- endif %}
    {%- for column in pass_through %},
    {{ column }}{% endfor %}
    {%- if listed %},
    kind, context_device_model, context_os_name, source_name
    {%- endif %}
  FROM ranked
  WHERE __sz_dedupe_rank = 1
), page_views AS (
  SELECT
    {{ columns.page_views[:(-2 if listed else -1)] | join(', ') }},
    {%- if listed %}
    CASE
      WHEN kind = 'screens' THEN {{ screen_device_category('context_device_model', 'context_os_name') }}
      ELSE {{ device_category('device') }}
    END AS device_category,
    source_name
    {%- else %}
    {{ device_category('device') }} AS device_category
    {%- endif %}
  FROM parsed
)
{%- if incremental %}, {{ replacing('page_views', rel.page_views if listed else rel.history, page_view_key, columns.page_views, 'received_at_tstamp', 'sent_at_tstamp') }}
{%- else %}
SELECT {{ columns.page_views | join(', ') }} FROM page_views
{%- endif %}
