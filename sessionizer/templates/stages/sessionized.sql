{% from "_macros.sql" import seconds_between, surrogate_key, pending_visitors, recomputed_since, activity_stream, sessions_opened with context %}
{%- if listed or cuts_sessions %}
{#- A source list (docs/reference.md "Several sources"): each affected visitor is renumbered whole, its page
    views cut together with its activity in one stream per (source_name, anonymous_id). So is a
    single source's visitor when a session rule of "Beyond dbt-segment" is on (its cuts read what
    came before: the latest campaign, the piece's first page view), in a stream of page views only. #}
{%- set partition = ['source_name', 'anonymous_id'] if listed else ['anonymous_id'] %}
{%- set order = 'PARTITION BY ' ~ (partition | join(', ')) ~ ' ORDER BY tstamp, __sz_item_kind, __sz_item_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW' %}
WITH
{%- if incremental %} pending AS (
  {{ pending_visitors() }}
),
{%- endif %} page_views AS (
  SELECT page_views.*
  FROM {{ rel.page_views }} AS page_views
  {%- if incremental %}
  JOIN pending ON pending.anonymous_id = page_views.anonymous_id
  {%- endif %}
), {{ activity_stream('page_views', ' AND anonymous_id IN (SELECT anonymous_id FROM pending)' if incremental else '', [], partition, listed) }}, sessions AS (
  SELECT
    __sz_item_id AS page_view_id,
    {{ partition | join(', ') }},
    __sz_item_kind,
    COUNT(CASE WHEN __sz_item_kind = 0 THEN 1 END) OVER ({{ order }}) AS page_view_number,
    {#- A page view that is the first of its piece starts a session. #}
    COUNT(CASE WHEN __sz_item_kind = 0 AND __sz_views_so_far = 1 THEN 1 END) OVER ({{ order }}) AS session_number
  FROM stream
)
SELECT
  {% for column in core_columns.page_views %}page_views.{{ column }},
  {% endfor -%}
  sessions.page_view_number,
  {{ surrogate_key(['sessions.anonymous_id', 'sessions.session_number'] + (['sessions.source_name'] if listed else [])) }} AS session_id
  {%- if listed %},
  page_views.source_name
  {%- endif %}
FROM sessions
JOIN page_views ON page_views.page_view_id = sessions.page_view_id
  {%- if listed %} AND page_views.source_name = sessions.source_name{% endif %}
WHERE sessions.__sz_item_kind = 0
{%- else %}
WITH
{%- if incremental %} pending AS (
  {{ pending_visitors() }}
), page_views AS (
  {#- Each affected visitor's page views from where its recomputation starts; what comes before
      (numbered page views, sessions, the last page view's time) was recorded with the change. #}
  SELECT
    {% for column in columns.page_views %}page_views.{{ column }},
    {% endfor -%}
    pending.numbered_before AS __sz_numbered_before,
    pending.previous_tstamp AS __sz_previous_tstamp,
    pending.sessions_before AS __sz_sessions_before
  FROM {{ rel.page_views }} AS page_views
  JOIN pending ON pending.anonymous_id = page_views.anonymous_id AND page_views.tstamp >= pending.session_from_tstamp
  WHERE {{ recomputed_since('page_views.tstamp') }}
),
{%- else %} page_views AS NOT MATERIALIZED (
  {#- Read twice, narrow by the windows and whole by the join back: scanned, never copied. #}
  SELECT
    {{ columns.page_views | join(', ') }},
    0 AS __sz_numbered_before,
    CAST(NULL AS TIMESTAMP) AS __sz_previous_tstamp,
    0 AS __sz_sessions_before
  FROM {{ rel.page_views }}
),
{%- endif %} numbered AS (
  {#- The windows sort only the columns they need and the wide rows join back by key: sorting
      whole rows twice cost 40% more at 10M page views, and a fifth more in incremental runs. #}
  SELECT
    page_view_id, anonymous_id, __sz_sessions_before,
    __sz_numbered_before + ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY tstamp, page_view_id) AS page_view_number,
    {{ seconds_between('COALESCE(LAG(tstamp) OVER (PARTITION BY anonymous_id ORDER BY tstamp, page_view_id), __sz_previous_tstamp)', 'tstamp') }} AS __sz_inactivity_s
  FROM page_views
), sessions AS (
  SELECT
    page_view_id, anonymous_id, page_view_number,
    {#- COUNT, not SUM: an integer in every warehouse, so its text is '2', never '2.0'. #}
    __sz_sessions_before + {{ sessions_opened('__sz_inactivity_s') }} OVER (
      PARTITION BY anonymous_id ORDER BY page_view_number ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS session_number
  FROM numbered
)
SELECT
  {% for column in columns.page_views %}page_views.{{ column }},
  {% endfor -%}
  sessions.page_view_number,
  {{ surrogate_key(['sessions.anonymous_id', 'sessions.session_number']) }} AS session_id
{#- Page views lead the join: the rows come out in their order, the source's load order, close to
    time order, so DuckDB's zone maps skip old blocks for the incremental runs' time bounds without
    a sort (sorting every wide row cost a third of a full refresh at 10M page views). #}
FROM page_views
JOIN sessions ON sessions.page_view_id = page_views.page_view_id
{%- endif %}
