{% from "_macros.sql" import is_valid, in_window, dedupe_order, tracked, replacing, entry_columns with context %}
{#- A source list's tracks and identifies rows (docs/reference.md "Several sources"), deduped per (kind,
    source_name, id) in the order of page views: tracks are activity that keeps sessions open,
    identifies feed user stitching. A run's new rows replace stored ones as page views do. #}
WITH source AS (
{%- for entry in event_entries %}
  {% if not loop.first %}UNION ALL
  {% endif -%}
  SELECT
    {{ entry_columns(entry, 'tstamp') }}
  FROM {{ entry.relation }} AS source
  WHERE {{ is_valid() }}{{ tracked(entry) }}{% if incremental %} AND {{ in_window(entry) }}{% endif %}
{%- else %}
  SELECT
    CAST(NULL AS VARCHAR) AS source_name, CAST(NULL AS VARCHAR) AS kind, CAST(NULL AS VARCHAR) AS id,
    CAST(NULL AS VARCHAR) AS anonymous_id, CAST(NULL AS VARCHAR) AS user_id, CAST(NULL AS TIMESTAMP) AS received_at,
    CAST(NULL AS TIMESTAMP) AS sent_at, CAST(NULL AS TIMESTAMP) AS tstamp
  WHERE 1 = 0
{%- endfor %}
), ranked AS (
  SELECT
    source.*,
    ROW_NUMBER() OVER (PARTITION BY source.id, source.source_name, source.kind ORDER BY {{ dedupe_order('source.received_at', 'source.sent_at', 'source.tstamp') }}) AS __sz_dedupe_rank
  FROM source
), events AS (
  SELECT {{ event_columns | join(', ') }} FROM ranked WHERE __sz_dedupe_rank = 1
)
{%- if incremental %}, {{ replacing('events', rel.events, event_key, event_columns, 'received_at', 'sent_at') }}
{%- else %}
SELECT {{ event_columns | join(', ') }} FROM events
{%- endif %}
