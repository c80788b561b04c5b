{% from "_macros.sql" import only_affected, pending_visitors, recomputed_since, activity_stream, identity_ignored with context %}
{%- set carried = incremental and not listed %}
{#- docs/reference.md "Ignored user ids": such a user_id is no identity. -#}
{%- set identified_only = 'user_id IS NOT NULL' ~ ((' AND NOT ' ~ identity_ignored('user_id')) if ignored_user_ids else '') %}
{#- An increment's rows also say what the stored row they replace said (user_stitching's
    records compare the two). -#}
{%- macro stored_row() -%}
stored.anonymous_id IS NOT NULL AS __sz_was_stored,
  stored.user_id AS __sz_stored_user_id,
  stored.first_seen_at AS __sz_stored_first_seen_at
{%- endmacro %}
{#- Read twice. A full refresh scans the table for each reader rather than copying every page
    view first (a third faster at 10M); an increment's few rows are worth keeping. An increment of
    a single source reads only each affected visitor's page views from where its recomputation
    starts, and carries over what its stored row says of the unchanged ones before (the whole
    history only of a visitor a stored page view of which was replaced, as the stored row may
    describe that page view). #}
WITH {% if carried %}pending AS (
  {{ pending_visitors() }}
), {% endif %}page_views AS {% if not incremental %}NOT MATERIALIZED {% endif %}(
{%- if carried %}
  SELECT page_views.anonymous_id, page_views.user_id, page_views.tstamp, page_views.page_view_id
  FROM {{ rel.page_views }} AS page_views
  JOIN pending
    ON pending.anonymous_id = page_views.anonymous_id AND page_views.tstamp >= pending.session_from_tstamp
    AND pending.replaced = 0
  WHERE {{ recomputed_since('page_views.tstamp') }}
  UNION ALL
  SELECT page_views.anonymous_id, page_views.user_id, page_views.tstamp, page_views.page_view_id
  FROM {{ rel.page_views }} AS page_views
  JOIN pending ON pending.anonymous_id = page_views.anonymous_id AND pending.replaced = 1
{%- else %}
  SELECT anonymous_id, user_id, tstamp, page_view_id{% if listed %}, source_name{% endif %}
    {%- if listed and split_on_campaign %}, utm_source, utm_medium, utm_campaign, utm_term, utm_content, gclid{% endif %}
  FROM {{ rel.page_views }}
  {{ only_affected('anonymous_id', rel.pending_anonymous_ids) }}
{%- endif %}
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
  WHERE {{ identified_only }}
{%- else %}
), identified AS (
  {#- The last non-NULL user_id; a ranked subquery instead of LAST_VALUE(... IGNORE NULLS),
      which sqlglot drops silently for PostgreSQL and fakesnow frames differently. #}
  SELECT
    anonymous_id,
    user_id,
    ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY tstamp DESC, page_view_id DESC) AS __sz_recency
  FROM page_views
  WHERE {{ identified_only }}
{%- endif %}
)
{%- if carried %}
SELECT
  pending.anonymous_id,
  CASE WHEN pending.replaced = 1 THEN identified.user_id ELSE COALESCE(identified.user_id, stored.user_id) END AS user_id,
  CASE
    WHEN pending.replaced = 1 THEN seen.first_seen_at
    WHEN stored.first_seen_at < pending.session_from_tstamp THEN stored.first_seen_at
    ELSE seen.first_seen_at
  END AS first_seen_at,
  COALESCE(seen.last_seen_at, CASE WHEN pending.replaced = 0 THEN pending.previous_tstamp END) AS last_seen_at,
  {{ stored_row() }}
FROM pending
LEFT JOIN seen ON seen.anonymous_id = pending.anonymous_id
LEFT JOIN identified ON identified.anonymous_id = pending.anonymous_id AND identified.__sz_recency = 1
LEFT JOIN {{ rel.user_stitching }} AS stored ON stored.anonymous_id = pending.anonymous_id
WHERE seen.anonymous_id IS NOT NULL OR (pending.replaced = 0 AND stored.first_seen_at < pending.session_from_tstamp)
{%- else %}
SELECT
  seen.anonymous_id, identified.user_id, seen.first_seen_at, seen.last_seen_at
  {%- if incremental %},
  {{ stored_row() }}{% endif %}
FROM seen
LEFT JOIN identified
  ON identified.anonymous_id = seen.anonymous_id AND identified.__sz_recency = 1
{%- if incremental %}
LEFT JOIN {{ rel.user_stitching }} AS stored ON stored.anonymous_id = seen.anonymous_id
{%- endif %}
{%- endif %}
