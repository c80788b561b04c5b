{#- Visitors the batch touches: its own and those whose stored page view it replaces, each with
    the earliest changed timestamp. Page views before it keep their numbers and sessions; the
    session holding the last of them may grow, so sessions are recomputed from its start. #}
INSERT INTO {{ rel.pending_anonymous_ids }} (anonymous_id, from_tstamp, session_from_tstamp, restitched)
WITH changed AS (
  SELECT anonymous_id, tstamp FROM {{ rel.batch }}
  UNION ALL
  SELECT __sz_replaced_anonymous_id, __sz_replaced_tstamp FROM {{ rel.batch }} WHERE __sz_replaced_tstamp IS NOT NULL
{%- if listed %}
  UNION ALL
  SELECT anonymous_id, tstamp FROM {{ rel.events_batch }}
  UNION ALL
  SELECT __sz_replaced_anonymous_id, __sz_replaced_tstamp FROM {{ rel.events_batch }} WHERE __sz_replaced_tstamp IS NOT NULL
), whole AS (
  {#- A source list recomputes each touched visitor whole, from its first stored page view: the
      cut rule reads activity on both sides of any change. #}
  SELECT anonymous_id, tstamp FROM changed
  UNION ALL
  SELECT page_views.anonymous_id, page_views.tstamp
  FROM {{ rel.page_views }} AS page_views
  WHERE page_views.anonymous_id IN (SELECT anonymous_id FROM changed)
{%- endif %}
), earliest AS (
  SELECT anonymous_id, MIN(tstamp) AS from_tstamp FROM {{ 'whole' if listed else 'changed' }} GROUP BY anonymous_id
)
SELECT
  earliest.anonymous_id,
  earliest.from_tstamp,
  COALESCE(MAX(sessions.session_start_tstamp), earliest.from_tstamp) AS session_from_tstamp,
  0 AS restitched
FROM earliest
LEFT JOIN {{ rel.sessions_initial }} AS sessions
  ON sessions.anonymous_id = earliest.anonymous_id AND sessions.session_start_tstamp < earliest.from_tstamp
GROUP BY earliest.anonymous_id, earliest.from_tstamp
