{#- The parsing rules of SPEC.md, written once in DuckDB SQL; sqlglot renders them per dialect. -#}

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

{#- Seconds between two timestamps, counted as second boundaries crossed (SPEC.md "Time"). -#}
{% macro seconds_between(start, end) -%}
DATE_DIFF('second', {{ start }}, {{ end }})
{%- endmacro %}

{#- Rows of the source the rules can sessionize (SPEC.md "Input"). -#}
{% macro is_valid() -%}
id IS NOT NULL AND anonymous_id IS NOT NULL AND timestamp IS NOT NULL AND {{ key }} IS NOT NULL
{%- endmacro %}

{#- The trailing window: rows loaded after the stored watermark minus trailing_window hours. -#}
{#- A runner that has read the watermark passes it as a literal, so the warehouse can prune the
    source by it (zone maps, micro-partitions); compiled SQL for elsewhere reads the state table. -#}
{% macro in_window() -%}
{% if watermark is none -%}
(
  (SELECT watermark FROM {{ rel.state }}) IS NULL
  OR CAST({{ key }} AS TIMESTAMP) > (SELECT watermark FROM {{ rel.state }}) - INTERVAL '{{ trailing_window }}' HOUR
)
{%- elif watermark == "NULL" -%}
1 = 1
{%- else -%}
CAST({{ key }} AS TIMESTAMP) > {{ watermark }} - INTERVAL '{{ trailing_window }}' HOUR
{%- endif %}
{%- endmacro %}

{% macro only_affected(column, pending) -%}
{% if incremental %}WHERE {{ column }} IN (SELECT {{ column }} FROM {{ pending }}){% endif %}
{%- endmacro %}

{#- The dedupe order of SPEC.md (1): earliest received_at, then sent_at, then timestamp. -#}
{% macro dedupe_order(received_at, sent_at, tstamp) -%}
{{ received_at }} ASC NULLS LAST, {{ sent_at }} ASC NULLS LAST, {{ tstamp }} ASC NULLS LAST
{%- endmacro %}

{#- Never later than the run's start: a skewed clock must not stall later runs (CASE, because
    LEAST skips NULLs in some warehouses and not in others). -#}
{% macro capped_at_now(value) -%}
CASE WHEN {{ value }} > CURRENT_TIMESTAMP THEN CURRENT_TIMESTAMP ELSE {{ value }} END
{%- endmacro %}

{#- The affected visitors of this run (and of any run that stopped before finishing): where each
    one's page views may have changed (from_tstamp), the start of the session that holds the last
    unchanged page view (session_from_tstamp), and whether its blended user changed. -#}
{% macro pending_visitors() -%}
SELECT
  anonymous_id,
  MIN(from_tstamp) AS from_tstamp,
  MIN(session_from_tstamp) AS session_from_tstamp,
  MAX(restitched) AS restitched
FROM {{ rel.pending_anonymous_ids }}
GROUP BY anonymous_id
{%- endmacro %}

{#- The sessions of a pending visitor that sessions_stitched replaces: those recomputed (from the
    one holding its last unchanged page view on), and all of them when its blended user changed.
    Deleting, rebuilding and renumbering must all mean the same rows. -#}
{% macro replaced_in_stitched(sessions) -%}
({{ sessions }}.session_start_tstamp >= pending.session_from_tstamp OR pending.restitched = 1)
{%- endmacro %}

{#- A session's number among its blended user's sessions, oldest first (SPEC.md, segment_web_sessions). -#}
{% macro session_numbering() -%}
ROW_NUMBER() OVER (PARTITION BY blended_user_id ORDER BY session_start_tstamp, session_id)
{%- endmacro %}
