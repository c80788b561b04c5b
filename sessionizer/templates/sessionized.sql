{% from "_macros.sql" import only_affected, seconds_between, surrogate_key with context %}
WITH numbered AS (
  SELECT
    {{ columns.page_views | join(', ') }},
    ROW_NUMBER() OVER (PARTITION BY anonymous_id ORDER BY tstamp, page_view_id) AS page_view_number,
    {{ seconds_between('LAG(tstamp) OVER (PARTITION BY anonymous_id ORDER BY tstamp, page_view_id)', 'tstamp') }} AS inactivity_s
  FROM {{ rel.page_views }}
  {{ only_affected('anonymous_id', rel.pending_anonymous_ids) }}
), sessions AS (
  SELECT
    *,
    {#- COUNT, not SUM: an integer in every warehouse, so its text is '2', never '2.0'. #}
    COUNT(CASE WHEN inactivity_s IS NULL OR inactivity_s > {{ inactivity_cutoff }} THEN 1 END) OVER (
      PARTITION BY anonymous_id ORDER BY page_view_number ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS session_number
  FROM numbered
)
SELECT
  {{ columns.page_views | join(', ') }},
  page_view_number,
  {{ surrogate_key(['anonymous_id', 'session_number']) }} AS session_id
FROM sessions
