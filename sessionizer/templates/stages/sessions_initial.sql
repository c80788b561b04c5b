{% from "_macros.sql" import seconds_between, pending_visitors, recomputed_since, activity_stream, channel with context %}
WITH
{%- if incremental %} pending AS (
  {{ pending_visitors() }}
), page_views AS (
  {#- Whole sessions, from where each visitor's recomputation starts (the newest blocks only). #}
  SELECT sessionized.*
  FROM {{ rel.sessionized }} AS sessionized
  JOIN pending
    ON pending.anonymous_id = sessionized.anonymous_id AND sessionized.tstamp >= pending.session_from_tstamp
  WHERE {{ recomputed_since('sessionized.tstamp') }}
),
{%- else %} page_views AS NOT MATERIALIZED (
  {#- Read three times, each reader taking only its columns: scanned, never copied. #}
  SELECT * FROM {{ rel.sessionized }}
),
{%- endif %}
{%- set partition = ['source_name', 'anonymous_id'] if listed else ['anonymous_id'] %}
{%- if listed or cuts_sessions %}
{#- A source list: a session ends with the latest of its page views and kept activity (the
    activity after a page view of its piece). With a session rule of "Beyond dbt-segment" on,
    the stream also says why each session began (a single source's: of page views only). #}
{{ activity_stream('page_views', ' AND anonymous_id IN (SELECT anonymous_id FROM pending)' if incremental else '', ['session_id'], partition, listed) }},
{%- endif %}
{%- if listed %} ends AS (
  SELECT MAX(session_id) AS session_id, MAX(tstamp) AS session_end_tstamp
  FROM stream
  WHERE __sz_item_kind = 0 OR __sz_views_so_far > 0
  GROUP BY source_name, anonymous_id, __sz_piece
),
{%- endif %}
{%- if cuts_sessions %} starts AS (
  SELECT session_id, __sz_reason
  FROM stream
  WHERE __sz_item_kind = 0 AND __sz_views_so_far = 1
),
{%- endif %} bounds AS (
  SELECT
    session_id,
    anonymous_id,{% if listed %}
    source_name,{% endif %}
    MIN(tstamp) AS session_start_tstamp,
    MAX(tstamp) AS session_end_tstamp,
    COUNT(*) AS page_views,
    MIN(page_view_number) AS __sz_first_number,
    MAX(page_view_number) AS __sz_last_number
  FROM page_views
  GROUP BY session_id, anonymous_id{% if listed %}, source_name{% endif %}
), referrer_mapping AS (
{%- if referrer_mapping %}
  SELECT * FROM (VALUES
  {%- for medium, source, host in referrer_mapping %}
    ({{ medium | lit }}, {{ source | lit }}, {{ host | lit }}){% if not loop.last %},{% endif %}
  {%- endfor %}
  ) AS mapping(medium, source, host)
{%- else %}
  SELECT CAST(NULL AS VARCHAR) AS medium, CAST(NULL AS VARCHAR) AS source, CAST(NULL AS VARCHAR) AS host
  WHERE 1 = 0
{%- endif %}
), sessions AS (
  SELECT
    bounds.session_id,
    bounds.anonymous_id,
    bounds.session_start_tstamp,
    {{ 'ends' if listed else 'bounds' }}.session_end_tstamp,
    bounds.page_views,
    {%- for name, column in first_columns %}
    first_view.{{ column }} AS {{ name }},
    {%- endfor %}
    {%- for name, column in last_columns %}
    last_view.{{ column }} AS {{ name }},
    {%- endfor %}
    {%- for column in pass_through %}
    first_view.{{ column }} AS first_{{ column }},
    last_view.{{ column }} AS last_{{ column }},
    {%- endfor %}
    {{ seconds_between('bounds.session_start_tstamp', ('ends' if listed else 'bounds') ~ '.session_end_tstamp') }} AS duration_in_s
    {%- if listed %},
    bounds.source_name
    {%- endif %}
    {%- if cuts_sessions %},
    {#- The first session of its (source_name,) anonymous_id holds its page view number 1. #}
    CASE WHEN bounds.__sz_first_number = 1 THEN 'first' ELSE starts.__sz_reason END AS session_start_reason
    {%- endif %}
  FROM bounds
  {%- if cuts_sessions %}
  JOIN starts ON starts.session_id = bounds.session_id
  {%- endif %}
  {%- if listed %}
  JOIN ends ON ends.session_id = bounds.session_id
  {%- endif %}
  JOIN page_views AS first_view
    ON first_view.anonymous_id = bounds.anonymous_id AND first_view.page_view_number = bounds.__sz_first_number
    {%- if listed %} AND first_view.source_name = bounds.source_name{% endif %}
  JOIN page_views AS last_view
    ON last_view.anonymous_id = bounds.anonymous_id AND last_view.page_view_number = bounds.__sz_last_number
    {%- if listed %} AND last_view.source_name = bounds.source_name{% endif %}
)
SELECT
  {% for column in core_columns.sessions_initial[:-3] %}sessions.{{ column }},
  {% endfor -%}
  CASE
    WHEN sessions.duration_in_s BETWEEN 0 AND 9 THEN '0s to 9s'
    WHEN sessions.duration_in_s BETWEEN 10 AND 29 THEN '10s to 29s'
    WHEN sessions.duration_in_s BETWEEN 30 AND 59 THEN '30s to 59s'
    WHEN sessions.duration_in_s > 59 THEN '60s or more'
  END AS duration_in_s_tier,
  referrer_mapping.medium AS referrer_medium,
  referrer_mapping.source AS referrer_source
  {%- if listed %},
  sessions.source_name
  {%- endif %}
  {%- if cuts_sessions %},
  sessions.session_start_reason
  {%- endif %}
  {%- if channel_grouping %},
  {{ channel('sessions', 'referrer_mapping.medium') }} AS channel
  {%- endif %}
  {%- if engaged_session_seconds is not none %},
  sessions.duration_in_s >= {{ engaged_session_seconds }} OR sessions.page_views >= 2 AS is_engaged
  {%- endif %}
FROM sessions
LEFT JOIN referrer_mapping
  ON referrer_mapping.host = sessions.referrer_host
