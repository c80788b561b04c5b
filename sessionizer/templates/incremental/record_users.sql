{% from "_macros.sql" import pending_visitors, recomputed_since, replaced_sessions with context %}
{#- Blended users whose sessions change, and the earliest start among those changes: their stored
    sessions (before) leaving and their recomputed ones (after, already in sessions_initial)
    arriving. Sessions starting earlier keep their number. #}
INSERT INTO {{ rel.pending_users }} (blended_user_id, from_tstamp)
WITH pending AS (
  {{ pending_visitors() }}
), initial AS (
  {{ replaced_sessions(rel.sessions_initial, 'sessions.anonymous_id, sessions.session_start_tstamp') }}
), changed AS (
  {{ replaced_sessions(rel.sessions_stitched, 'sessions.blended_user_id, sessions.session_start_tstamp') }}
  UNION ALL
  SELECT COALESCE(user_stitching.user_id, initial.anonymous_id), initial.session_start_tstamp
  FROM initial
  LEFT JOIN {{ rel.user_stitching }} AS user_stitching
    ON user_stitching.anonymous_id = initial.anonymous_id
)
SELECT blended_user_id, MIN(session_start_tstamp) AS from_tstamp
FROM changed
GROUP BY blended_user_id
