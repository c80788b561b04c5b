{#- The parsing rules of docs/reference.md, written once in DuckDB SQL; sqlglot renders them per dialect. -#}

{% macro url_host(column) -%}
SPLIT_PART(SPLIT_PART(REPLACE(REPLACE(REPLACE({{ column }}, 'android-app://', ''), 'http://', ''), 'https://', ''), '/', 1), '?', 1)
{%- endmacro %}

{% macro referrer_host(column) -%}
REPLACE({{ url_host(column) }}, 'www.', '')
{%- endmacro %}

{% macro gclid(column) -%}
NULLIF(SPLIT_PART(SPLIT_PART({{ column }}, 'gclid=', 2), '&', 1), '')
{%- endmacro %}

{% macro device(column) -%}
CASE
  WHEN LOWER({{ column }}) LIKE '%android%' THEN 'Android'
  ELSE REPLACE(SPLIT_PART(SPLIT_PART({{ column }}, '(', 2), ' ', 1), ';', '')
END
{%- endmacro %}

{% macro device_category(column) -%}
CASE
  WHEN {{ column }} = 'iPhone' THEN 'iPhone'
  WHEN {{ column }} = 'Android' THEN 'Android'
  WHEN {{ column }} IN ('iPad', 'iPod') THEN 'Tablet'
  WHEN {{ column }} IN ('Windows', 'Macintosh', 'X11') THEN 'Desktop'
  ELSE 'Uncategorized'
END
{%- endmacro %}

{#- dbt_utils.generate_surrogate_key, so session ids equal the dbt package's. -#}
{% macro surrogate_key(columns) -%}
MD5(
{%- for column in columns -%}
COALESCE(CAST({{ column }} AS VARCHAR), '_dbt_utils_surrogate_key_null_'){% if not loop.last %} || '-' || {% endif %}
{%- endfor -%}
)
{%- endmacro %}

{#- Seconds between two timestamps, counted as second boundaries crossed (docs/reference.md "Time"). -#}
{% macro seconds_between(start, end) -%}
DATE_DIFF('second', {{ start }}, {{ end }})
{%- endmacro %}

{#- Rows of the source the rules can sessionize (docs/reference.md "Input"). -#}
{% macro is_valid() -%}
id IS NOT NULL AND anonymous_id IS NOT NULL AND timestamp IS NOT NULL AND {{ key }} IS NOT NULL
{%- endmacro %}

{#- Why a row the rules cannot sessionize is rejected: the first check it fails, in this order
    (docs/reference.md "Input"). ``unreadable``: the columns the reader holds as text, whose
    text that is not a time rejects the row too (the reader names the first in __sz_not_a_time). -#}
{#- ``bots``: a row that passes every check is a bot row (docs/reference.md "Bots"), after them. -#}
{% macro reject_reason(unreadable=(), bots=false) -%}
CASE
    WHEN id IS NULL THEN 'id is null'
    WHEN anonymous_id IS NULL THEN 'anonymous_id is null'
    WHEN timestamp IS NULL THEN {{ time_reason('timestamp', unreadable) }}
    {%- if bots %}
    WHEN {{ key }} IS NULL THEN {{ time_reason(key_name, unreadable) }}
    ELSE 'bot'
    {%- else %}
    ELSE {{ time_reason(key_name, unreadable) }}
    {%- endif %}
  END
{%- endmacro %}

{% macro time_reason(column, unreadable) -%}
{%- if column in unreadable -%}
CASE WHEN __sz_not_a_time = {{ column | lit }} THEN {{ (column ~ ' is not a timestamp') | lit }} ELSE {{ (column ~ ' is null') | lit }} END
{%- else -%}
{{ (column ~ ' is null') | lit }}
{%- endif %}
{%- endmacro %}

{#- The trailing window: rows loaded after the stored watermark minus trailing_window hours. -#}
{#- A run that has read the watermark (sessionizer/state.py) passes it as a literal, so the warehouse can prune the
    source by it (zone maps, micro-partitions); compiled SQL for elsewhere reads the state table. -#}
{% macro in_window(entry=none) -%}
{%- set mark = watermark if entry is none else watermarks[entry.index] -%}
{%- set stored = '(SELECT watermark FROM ' ~ rel.state ~ ('' if entry is none else ' WHERE entry = ' ~ entry.index) ~ ')' -%}
{% if mark is none -%}
(
  {{ stored }} IS NULL
  OR CAST({{ key }} AS TIMESTAMP) > {{ stored }} - INTERVAL '{{ trailing_window }}' HOUR
)
{%- elif mark == "NULL" -%}
1 = 1
{%- else -%}
CAST({{ key }} AS TIMESTAMP) > {{ mark }} - INTERVAL '{{ trailing_window }}' HOUR
{%- endif %}
{%- endmacro %}

{% macro only_affected(column, pending) -%}
{% if incremental %}WHERE {{ column }} IN (SELECT {{ column }} FROM {{ pending }}){% endif %}
{%- endmacro %}

{#- The dedupe order of docs/reference.md, table 1: earliest received_at, then sent_at, then timestamp. -#}
{% macro dedupe_order(received_at, sent_at, tstamp) -%}
{{ received_at }} ASC NULLS LAST, {{ sent_at }} ASC NULLS LAST, {{ tstamp }} ASC NULLS LAST
{%- endmacro %}

{#- Never later than the run's start: a skewed clock must not stall later runs (CASE, because
    LEAST skips NULLs in some warehouses and not in others). -#}
{% macro capped_at_now(value) -%}
CASE WHEN {{ value }} > CURRENT_TIMESTAMP THEN CURRENT_TIMESTAMP ELSE {{ value }} END
{%- endmacro %}

{#- The affected visitors of this run (and of any run that stopped before finishing): where each
    one's page views may have changed (from_tstamp), where its recomputation starts
    (session_from_tstamp) with what comes before it (numbered_before, sessions_before,
    previous_tstamp: from the row that starts earliest, as each row describes the unchanged
    history before its own start), whether a stored page view of it was replaced, whether its
    blended user changed, and its blended user now (see record_stitching.sql). -#}
{% macro pending_visitors() -%}
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
    ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY session_from_tstamp ASC NULLS LAST) AS __sz_first
  FROM {{ rel.pending_anonymous_ids }} AS recorded
) AS recorded
GROUP BY anonymous_id
{%- endmacro %}

{#- The lowest start of the pending visitors' recomputations: a bound every read of a time-ordered
    table carries beside its per-visitor condition, so old blocks are skipped. -#}
{% macro recomputed_since(column, bound='session_from_tstamp', work_list=none) -%}
{{ column }} >= (SELECT MIN({{ bound }}) FROM {{ work_list or rel.pending_anonymous_ids }})
{%- endmacro %}

{#- The earlier sessions of a visitor whose blended user changed (from its first page view to where
    its recomputation starts): those that only change hands. Moving them in place and deleting
    and rebuilding them must mean the same rows. -#}
{% macro restitched_earlier(sessions, pending) -%}
{{ pending }}.restitched = 1
    AND {{ sessions }}.session_start_tstamp < {{ pending }}.session_from_tstamp
    AND {{ sessions }}.session_start_tstamp >= {{ pending }}.restitched_from
{%- endmacro %}

{#- Counted over a visitor's stream in time order (COUNT … OVER), the sessions begun so far: an item
    opens one when it is the first or its inactivity ``gap`` exceeds the cutoff (docs/reference.md). -#}
{% macro sessions_opened(gap) -%}
COUNT(CASE WHEN {{ gap }} IS NULL OR {{ gap }} > {{ inactivity_cutoff }} THEN 1 END)
{%- endmacro %}

{#- A session's number among its blended user's sessions, oldest first (docs/reference.md, segment_web_sessions). -#}
{% macro session_numbering(table='') -%}
{%- set of = table ~ '.' if table else '' -%}
ROW_NUMBER() OVER (PARTITION BY {{ of }}blended_user_id ORDER BY {{ of }}session_start_tstamp, {{ of }}session_id)
{%- endmacro %}

{#- A tracks entry reads only the rows whose event or event_text is one of its events (exact,
    case-sensitive; none for events: []); rows outside them are not read at all. -#}
{% macro tracked(entry) -%}
{%- if entry is not none and entry.events is not none %} AND {% if entry.events -%}
(event IN ({{ entry.events | join(', ') }}) OR event_text IN ({{ entry.events | join(', ') }}))
{%- else %}1 = 0{% endif %}{% endif %}
{%- endmacro %}

{#- A screen's device category: by model (an 'iPad' prefix, case-sensitive), then by OS name. -#}
{% macro screen_device_category(model, os_name) -%}
CASE
  WHEN {{ model }} LIKE 'iPad%' THEN 'Tablet'
  WHEN LOWER({{ os_name }}) = 'ios' THEN 'iPhone'
  WHEN LOWER({{ os_name }}) = 'android' THEN 'Android'
  ELSE 'Uncategorized'
END
{%- endmacro %}

{#- docs/reference.md "Several sources": the page views of ``page_views`` and the tracks of the same
    (source_name, anonymous_id) in one stream, ordered by (tstamp, page views first, id) and cut
    wherever the gap to the previous item exceeds the cutoff. Each item gets its piece and the
    count of its piece's page views up to it: a page view counting 1 starts a session, and
    activity counting 0 (before its piece's first page view) is dropped. ``carry``: columns of
    the page views kept on each item (NULL for activity, except user_id, which activity has).
    ``partition``: whose stream (a single source's: anonymous_id, and no activity). With a session
    rule of "Beyond dbt-segment" on, the pieces are cut by those rules too, and each item gets
    __sz_reason: why its piece began. -#}
{% macro activity_stream(page_views, activity_filter, carry=[], partition=['source_name', 'anonymous_id'], activity=true) -%}
{%- set by = 'PARTITION BY ' ~ (partition | join(', ')) %}
{%- set order = by ~ ' ORDER BY tstamp, __sz_item_kind, __sz_item_id' %}
{%- set campaign = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'gclid'] if split_on_campaign else [] %}
__sz_items AS (
  SELECT {{ partition | join(', ') }}, tstamp, 0 AS __sz_item_kind, page_view_id AS __sz_item_id
    {%- for column in carry + campaign %}, {{ column }}{% endfor %}
  FROM {{ page_views }}
  {%- if activity %}
  UNION ALL
  SELECT {{ partition | join(', ') }}, tstamp, 1, id
    {%- for column in carry %}, {{ 'user_id' if column == 'user_id' else 'CAST(NULL AS VARCHAR)' }}{% endfor %}
    {%- for column in campaign %}, CAST(NULL AS VARCHAR){% endfor %}
  FROM {{ rel.events }} AS activity
  WHERE kind = 'tracks'{{ activity_filter }}
  {%- endif %}
), __sz_gaps AS (
  SELECT
    __sz_items.*,
    {{ seconds_between('LAG(tstamp) OVER (' ~ order ~ ')', 'tstamp') }} AS __sz_gap
    {%- if day_boundary_time_zone is not none %},
    {#- The local calendar date, daylight saving included: each dialect converts its own way. #}
    CASE
      WHEN CAST(CONVERT_TIMEZONE('UTC', {{ day_boundary_time_zone }}, LAG(tstamp) OVER ({{ order }})) AS DATE)
        <> CAST(CONVERT_TIMEZONE('UTC', {{ day_boundary_time_zone }}, tstamp) AS DATE) THEN 1
    END AS __sz_day_cut
    {%- endif %}
  FROM __sz_items
{%- if not cuts_sessions %}
), __sz_pieces AS (
  SELECT
    __sz_gaps.*,
    {{ sessions_opened('__sz_gap') }} OVER (
      {{ order }} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS __sz_piece
  FROM __sz_gaps
{%- else %}
{%- if campaign %}
), __sz_campaigns AS (
  {#- Each page view with a campaign against the visitor's latest earlier one (none: it cuts). #}
  SELECT
    {{ partition | join(', ') }}, __sz_item_id,
    CASE
      WHEN LAG(__sz_item_id) OVER ({{ order }}) IS NULL
      {%- for column in campaign %}
        OR {{ differs('LAG(' ~ column ~ ') OVER (' ~ order ~ ')', column) }}
      {%- endfor %} THEN 1
    END AS __sz_campaign_cut
  FROM __sz_items
  WHERE __sz_item_kind = 0 AND NOT ({% for column in campaign %}{{ column }} IS NULL{% if not loop.last %} AND {% endif %}{% endfor %})
{%- endif %}
), __sz_cuts AS (
  SELECT
    __sz_gaps.*,
    CASE
      WHEN __sz_gap IS NULL OR __sz_gap > {{ inactivity_cutoff }} THEN 'inactivity'
      {%- if day_boundary_time_zone is not none %}
      WHEN __sz_day_cut = 1 THEN 'day_boundary'
      {%- endif %}
      {%- if campaign %}
      WHEN __sz_campaigns.__sz_campaign_cut = 1 THEN 'campaign'
      {%- endif %}
    END AS __sz_cut
  FROM __sz_gaps
  {%- if campaign %}
  LEFT JOIN __sz_campaigns
    ON {% for column in partition %}__sz_campaigns.{{ column }} = __sz_gaps.{{ column }} AND {% endfor -%}
    __sz_campaigns.__sz_item_id = __sz_gaps.__sz_item_id AND __sz_gaps.__sz_item_kind = 0
  {%- endif %}
{%- if max_session_seconds is not none %}
), __sz_rough AS (
  SELECT __sz_cuts.*, COUNT(__sz_cut) OVER ({{ order }} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS __sz_rough_piece
  FROM __sz_cuts
), __sz_subs AS (
  {#- Every max_session_seconds from the piece's first page view a sub-piece begins; what
      precedes that page view stays in the first (and is dropped). #}
  SELECT
    __sz_rough.*,
    COALESCE(CASE WHEN __sz_since_first >= 0 THEN FLOOR(__sz_since_first / {{ max_session_seconds }}.0) END, 0) AS __sz_sub
  FROM (
    SELECT
      __sz_rough.*,
      {{ seconds_between('MIN(CASE WHEN __sz_item_kind = 0 THEN tstamp END) OVER (' ~ by ~ ', __sz_rough_piece)', 'tstamp') }} AS __sz_since_first
    FROM __sz_rough
  ) AS __sz_rough
), __sz_starts AS (
  SELECT
    __sz_subs.*,
    CASE
      WHEN __sz_cut IS NOT NULL THEN __sz_cut
      WHEN __sz_sub <> LAG(__sz_sub) OVER ({{ order }}) THEN 'max_duration'
    END AS __sz_start
  FROM __sz_subs
{%- else %}
), __sz_starts AS (
  SELECT __sz_cuts.*, __sz_cut AS __sz_start
  FROM __sz_cuts
{%- endif %}
), __sz_pieces AS (
  SELECT
    __sz_starts.*,
    COUNT(__sz_start) OVER ({{ order }} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS __sz_piece
  FROM __sz_starts
{%- endif %}
), stream AS (
  SELECT
    __sz_pieces.*,
    COUNT(CASE WHEN __sz_item_kind = 0 THEN 1 END) OVER (
      {{ by }}, __sz_piece ORDER BY tstamp, __sz_item_kind, __sz_item_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS __sz_views_so_far
    {%- if cuts_sessions %},
    MAX(__sz_start) OVER ({{ by }}, __sz_piece) AS __sz_reason
    {%- endif %}
  FROM __sz_pieces
)
{%- endmacro %}

{#- The new rows of ``new`` against those stored in ``stored_rel`` under the same ``key``: a row
    already stored changes nothing unless it sorts before the stored one (the dedupe order). The
    winners are selected with ``columns``, and the stored row each replaces rides along, so later
    steps need not look it up again. Stored rows are narrowed by the key's first column. -#}
{% macro replacing(new, stored_rel, key, columns, received_at, sent_at) -%}
stored AS (
  SELECT {{ key | join(', ') }}, anonymous_id, {{ received_at }}, {{ sent_at }}, tstamp, 1 AS __sz_is_stored
  FROM {{ stored_rel }}
  WHERE {{ key[0] }} IN (SELECT {{ key[0] }} FROM {{ new }})
), contenders AS (
  SELECT
    {{ key | join(', ') }}, {{ received_at }}, {{ sent_at }}, tstamp, 0 AS __sz_is_stored,
    CAST(NULL AS VARCHAR) AS __sz_stored_anonymous_id, CAST(NULL AS TIMESTAMP) AS __sz_stored_tstamp
  FROM {{ new }}
  UNION ALL
  SELECT {{ key | join(', ') }}, {{ received_at }}, {{ sent_at }}, tstamp, __sz_is_stored, anonymous_id, tstamp FROM stored
), winners AS (
  SELECT
    {{ key | join(', ') }},
    __sz_is_stored,
    ROW_NUMBER() OVER (
      PARTITION BY {{ key | join(', ') }}
      ORDER BY {{ dedupe_order(received_at, sent_at, 'tstamp') }}, __sz_is_stored DESC
    ) AS __sz_contender_rank,
    MAX(__sz_stored_anonymous_id) OVER (PARTITION BY {{ key | join(', ') }}) AS __sz_replaced_anonymous_id,
    MAX(__sz_stored_tstamp) OVER (PARTITION BY {{ key | join(', ') }}) AS __sz_replaced_tstamp
  FROM contenders
)
SELECT
  {% for column in columns %}{{ new }}.{{ column }},
  {% endfor -%}
  winners.__sz_replaced_anonymous_id,
  winners.__sz_replaced_tstamp
FROM {{ new }}
JOIN winners
  ON {% for column in key %}winners.{{ column }} = {{ new }}.{{ column }} AND {% endfor %}winners.__sz_contender_rank = 1 AND winners.__sz_is_stored = 0
{%- endmacro %}

{#- Stored rows an earlier copy in ``batch`` replaces (most batches replace none), matched on
    the whole key; a DELETE target's columns are qualified by its own name (Redshift). -#}
{% macro delete_replaced(table, own_name, batch, key) -%}
DELETE FROM {{ table }}
USING {{ batch }} AS batch
WHERE {% for column in key %}{{ own_name }}.{{ column }} = batch.{{ column }} AND {% endfor %}batch.__sz_replaced_tstamp IS NOT NULL
{%- endmacro %}

{#- The columns every Segment table has, typed as the rules read them; with a source list, led
    by the entry's source_name and kind. -#}
{% macro segment_columns(tstamp='timestamp') -%}
CAST(id AS VARCHAR) AS id,
    CAST(anonymous_id AS VARCHAR) AS anonymous_id,
    CAST(user_id AS VARCHAR) AS user_id,
    CAST(received_at AS TIMESTAMP) AS received_at,
    CAST(sent_at AS TIMESTAMP) AS sent_at,
    CAST(timestamp AS TIMESTAMP) AS {{ tstamp }}
{%- endmacro %}

{% macro entry_columns(entry, tstamp='timestamp') -%}
{{ entry.name }} AS source_name,
    {{ entry.kind_literal }} AS kind,
    {{ segment_columns(tstamp) }}
{%- endmacro %}

{#- NULL-safe inequality, written so every warehouse reads it (Redshift has no IS DISTINCT FROM). -#}
{% macro differs(a, b) -%}
CASE WHEN {{ a }} = {{ b }} OR ({{ a }} IS NULL AND {{ b }} IS NULL) THEN 0 ELSE 1 END = 1
{%- endmacro %}

{#- ``value`` IN the literals ``items``; none holds for an empty list. -#}
{% macro one_of(value, items) -%}
{% if items %}{{ value }} IN ({{ items | join(', ') }}){% else %}1 = 0{% endif %}
{%- endmacro %}

{#- docs/reference.md "Channel": the first of the eleven rules that holds for a session's first
    page view (``s``: its table; ``rm``: its referrer_medium). -#}
{% macro channel(s, rm) -%}
{%- set src = 'LOWER(' ~ s ~ '.utm_source)' -%}
{%- set med = 'LOWER(' ~ s ~ '.utm_medium)' -%}
{%- set paid = '(' ~ med ~ " LIKE '%cp%' OR " ~ med ~ " IN ('ppc', 'retargeting') OR " ~ med ~ " LIKE 'paid%')" -%}
{%- set untagged = s ~ '.utm_source IS NULL AND ' ~ s ~ '.utm_medium IS NULL AND ' ~ s ~ '.utm_campaign IS NULL AND ' ~ s ~ '.gclid IS NULL' -%}
{%- set email_words = "('email', 'e-mail', 'e_mail', 'e mail')" -%}
{%- macro source_of(medium) -%}
({{ rm }} = '{{ medium }}' OR {{ one_of(src, channel_sources[medium]) }})
{%- endmacro -%}
CASE
  WHEN {{ s }}.gclid IS NOT NULL OR ({{ paid }} AND {{ source_of('search') }}) THEN 'Paid Search'
  WHEN {{ paid }} AND {{ source_of('social') }} THEN 'Paid Social'
  WHEN {{ med }} IN ('display', 'banner', 'expandable', 'interstitial', 'cpm') THEN 'Display'
  WHEN {{ paid }} THEN 'Paid Other'
  WHEN {{ med }} IN {{ email_words }} OR {{ src }} IN {{ email_words }} OR {{ source_of('email') }} THEN 'Email'
  WHEN {{ med }} = 'affiliate' THEN 'Affiliates'
  WHEN {{ med }} = 'organic' OR {{ source_of('search') }} THEN 'Organic Search'
  WHEN {{ med }} IN ('social', 'social-network', 'social-media', 'sm', 'social network', 'social media')
    OR {{ source_of('social') }} THEN 'Organic Social'
  WHEN {{ med }} = 'referral' OR ({{ untagged }} AND {{ s }}.referrer_host <> ''
    AND {{ differs(s ~ '.referrer_host', "REPLACE(" ~ s ~ ".first_page_url_host, 'www.', '')") }}) THEN 'Referral'
  WHEN {{ untagged }} THEN 'Direct'
  ELSE 'Unassigned'
END
{%- endmacro %}

{#- docs/reference.md "Ignored user ids": a user_id stitching reads as NULL. -#}
{% macro identity_ignored(column) -%}
{{ one_of('LOWER(TRIM(' ~ column ~ ", ' '))", ignored_user_ids) }}
{%- endmacro %}

{#- docs/reference.md "Bots": a row whose user agent, lower-cased, contains a pattern (a plain
    substring: STRPOS, so a % or _ in a pattern is no wildcard). -#}
{#- A bot row of ``relation`` (read as in_window reads it, on an incremental run): the patterns are
    matched once per distinct user agent, not once per row (a few thousand agents, millions of rows). -#}
{% macro bot_row(relation, entry=none) -%}
(context_user_agent IS NOT NULL AND context_user_agent IN (
  SELECT context_user_agent
  FROM (
    SELECT DISTINCT context_user_agent FROM {{ relation }} AS source
    {%- if incremental | default(false) %} WHERE {{ in_window(entry) }}{% endif %}
  ) AS agents
  WHERE {{ is_bot() }}
))
{%- endmacro %}

{% macro is_bot(column='context_user_agent') -%}
{% if bot_patterns %}CASE WHEN {% for pattern in bot_patterns %}STRPOS(LOWER({{ column }}), {{ pattern }}) > 0{% if not loop.last %} OR {% endif %}{% endfor %} THEN 1 ELSE 0 END = 1{% else %}1 = 0{% endif %}
{%- endmacro %}
