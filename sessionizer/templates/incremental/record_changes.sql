{% from "_macros.sql" import seconds_between, sessions_opened with context %}
{#- Visitors the batch touches: its own and those whose stored page view it replaces, each with
    the earliest changed timestamp (from_tstamp) and where its recomputation starts
    (session_from_tstamp). Everything before that is unchanged, so its numbering is carried over
    instead of being read again by the stages: numbered_before page views, sessions_before
    sessions, the last page view before at previous_tstamp. The last stored session starting
    before the change is recomputed only if the change can extend it (no more than the cutoff
    after its end). A single source's stored sessions are told from the visitors' stored page
    views the history holds; a visitor only a replacement touches is added to it first (its own
    scan of the table, which reads nothing when nothing is replaced, as in most batches). #}
{%- set whole = listed or cuts_sessions %}
{%- if not listed %}
INSERT INTO {{ rel.history }} (page_view_id, anonymous_id, received_at_tstamp, sent_at_tstamp, tstamp)
SELECT page_view_id, anonymous_id, received_at_tstamp, sent_at_tstamp, tstamp
FROM {{ rel.page_views }}
WHERE anonymous_id IN (SELECT __sz_replaced_anonymous_id FROM {{ rel.batch }} WHERE __sz_replaced_tstamp IS NOT NULL)
  AND page_view_id NOT IN (SELECT page_view_id FROM {{ rel.history }});
{%- endif %}
INSERT INTO {{ rel.pending_anonymous_ids }} (
  anonymous_id, from_tstamp, session_from_tstamp, restitched, replaced, numbered_before, sessions_before, previous_tstamp
)
WITH changed AS (
  SELECT anonymous_id, tstamp, 0 AS __sz_replaced FROM {{ rel.batch }}
  UNION ALL
  SELECT __sz_replaced_anonymous_id, __sz_replaced_tstamp, 1 FROM {{ rel.batch }} WHERE __sz_replaced_tstamp IS NOT NULL
{%- if listed %}
  UNION ALL
  SELECT anonymous_id, tstamp, 0 FROM {{ rel.events_batch }}
  UNION ALL
  SELECT __sz_replaced_anonymous_id, __sz_replaced_tstamp, 1 FROM {{ rel.events_batch }} WHERE __sz_replaced_tstamp IS NOT NULL
{%- endif %}
{%- if whole %}
), whole AS (
  {#- A source list recomputes each touched visitor whole, from its first stored page view: the
      cut rule reads activity on both sides of any change. So does a single source with a session
      rule of "Beyond dbt-segment" on (the latest campaign, a piece's first page view, may lie
      anywhere before a change); its stored page views are those the history holds. #}
  SELECT anonymous_id, tstamp, __sz_replaced FROM changed
  UNION ALL
  SELECT page_views.anonymous_id, page_views.tstamp, 0
  FROM {{ rel.page_views if listed else rel.history }} AS page_views
  WHERE page_views.anonymous_id IN (SELECT anonymous_id FROM changed)
{%- endif %}
), earliest AS (
  SELECT anonymous_id, MIN(tstamp) AS from_tstamp, MAX(__sz_replaced) AS replaced
  FROM {{ 'whole' if whole else 'changed' }}
  GROUP BY anonymous_id
{%- if whole %}
)
SELECT anonymous_id, from_tstamp, from_tstamp, 0, replaced, 0, 0, CAST(NULL AS TIMESTAMP)
FROM earliest
{%- else %}
), stored AS (
  {#- The affected visitors' stored page views, numbered into their sessions as sessionized does. #}
  SELECT
    history.anonymous_id,
    history.tstamp,
    {{ sessions_opened('__sz_inactivity_s') }} OVER (
      PARTITION BY history.anonymous_id ORDER BY history.tstamp, history.page_view_id
      ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    ) AS __sz_session
  FROM (
    SELECT
      history.*,
      {{ seconds_between('LAG(history.tstamp) OVER (PARTITION BY history.anonymous_id ORDER BY history.tstamp, history.page_view_id)', 'history.tstamp') }} AS __sz_inactivity_s
    FROM {{ rel.history }} AS history
    JOIN earliest ON earliest.anonymous_id = history.anonymous_id
  ) AS history
), stored_sessions AS (
  SELECT anonymous_id, MIN(tstamp) AS session_start_tstamp, MAX(tstamp) AS session_end_tstamp, COUNT(*) AS page_views
  FROM stored
  GROUP BY anonymous_id, __sz_session
), before AS (
  {#- The stored sessions starting before the change, latest first, with running totals. #}
  SELECT
    sessions.anonymous_id,
    sessions.session_start_tstamp,
    sessions.session_end_tstamp,
    sessions.page_views,
    ROW_NUMBER() OVER (PARTITION BY sessions.anonymous_id ORDER BY sessions.session_start_tstamp DESC) AS __sz_recency,
    COUNT(*) OVER (PARTITION BY sessions.anonymous_id) AS __sz_sessions,
    SUM(sessions.page_views) OVER (PARTITION BY sessions.anonymous_id) AS __sz_views_total
  FROM stored_sessions AS sessions
  JOIN earliest
    ON earliest.anonymous_id = sessions.anonymous_id AND sessions.session_start_tstamp < earliest.from_tstamp
), latest AS (
  {#- The last session before the change, whether the change can reach it, and the one before it. #}
  SELECT
    last_session.*,
    earlier.session_end_tstamp AS __sz_earlier_end,
    {{ seconds_between('last_session.session_end_tstamp', 'earliest.from_tstamp') }} > {{ inactivity_cutoff }} AS __sz_closed
  FROM before AS last_session
  JOIN earliest ON earliest.anonymous_id = last_session.anonymous_id
  LEFT JOIN before AS earlier
    ON earlier.anonymous_id = last_session.anonymous_id AND earlier.__sz_recency = 2
  WHERE last_session.__sz_recency = 1
)
SELECT
  earliest.anonymous_id,
  earliest.from_tstamp,
  CASE WHEN latest.__sz_closed OR latest.anonymous_id IS NULL THEN earliest.from_tstamp ELSE latest.session_start_tstamp END,
  0,
  earliest.replaced,
  CASE WHEN latest.__sz_closed THEN latest.__sz_views_total ELSE COALESCE(latest.__sz_views_total - latest.page_views, 0) END,
  CASE WHEN latest.__sz_closed THEN latest.__sz_sessions ELSE COALESCE(latest.__sz_sessions - 1, 0) END,
  CASE WHEN latest.__sz_closed THEN latest.session_end_tstamp ELSE latest.__sz_earlier_end END
FROM earliest
LEFT JOIN latest ON latest.anonymous_id = earliest.anonymous_id
{%- endif %}
