{% from "_macros.sql" import only_affected, activity_stream with context %}
{#- Read twice. A full refresh scans the table for each reader rather than copying every page
    view first (a third faster at 10M); an increment's few rows are worth keeping. #}
WITH page_views AS {% if not incremental %}NOT MATERIALIZED {% endif %}(
  SELECT anonymous_id, user_id, tstamp, page_view_id{% if listed %}, source_name{% endif %}
  FROM {{ rel.page_views }}
  {{ only_affected('anonymous_id', rel.pending_anonymous_ids) }}
), seen AS (
  SELECT anonymous_id, MIN(tstamp) AS first_seen_at, MAX(tstamp) AS last_seen_at
  FROM page_views
  GROUP BY anonymous_id
{%- if listed %}
{%- set affected = ' AND anonymous_id IN (SELECT anonymous_id FROM ' ~ rel.pending_anonymous_ids ~ ')' if incremental else '' %}
), {{ activity_stream('page_views', affected, ['user_id']) }}, identified AS (
  {#- A source list: the last non-NULL user_id of the visitor's page views, kept activity and
      identifies, across its sources; ties by id, then page view, activity, identify. #}
  SELECT
    anonymous_id,
    user_id,
    ROW_NUMBER() OVER (
      PARTITION BY anonymous_id ORDER BY tstamp DESC, __sz_id DESC, __sz_item_kind DESC, source_name DESC
    ) AS __sz_recency
  FROM (
    SELECT anonymous_id, user_id, tstamp, __sz_item_id AS __sz_id, __sz_item_kind, source_name
    FROM stream
    WHERE __sz_item_kind = 0 OR __sz_views_so_far > 0
    UNION ALL
    SELECT anonymous_id, user_id, tstamp, id, 2, source_name
    FROM {{ rel.events }}
    WHERE kind = 'identifies'{{ affected }}
  ) AS stitched
  WHERE user_id IS NOT NULL
{%- else %}
), identified AS (
  {#- The last non-NULL user_id; a ranked subquery instead of LAST_VALUE(... IGNORE NULLS),
      which sqlglot drops silently for PostgreSQL and fakesnow frames differently. #}
  SELECT
    anonymous_id,
    user_id,
    ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY tstamp DESC, page_view_id DESC) AS __sz_recency
  FROM page_views
  WHERE user_id IS NOT NULL
{%- endif %}
)
SELECT seen.anonymous_id, identified.user_id, seen.first_seen_at, seen.last_seen_at
FROM seen
LEFT JOIN identified
  ON identified.anonymous_id = seen.anonymous_id AND identified.__sz_recency = 1
