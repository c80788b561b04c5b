{% from "_macros.sql" import pending_visitors, replaced_in_stitched with context %}
{#- Blended users whose sessions change, and the earliest start among those changes: their stored
    sessions (before) leaving and their recomputed ones (after, already in sessions_initial)
    arriving. Sessions starting earlier keep their number. #}
INSERT INTO {{ rel.pending_users }} (blended_user_id, from_tstamp)
WITH pending AS (
  {{ pending_visitors() }}
), changed AS (
  SELECT stored.blended_user_id, stored.session_start_tstamp
  FROM {{ rel.sessions_stitched }} AS stored
  JOIN pending
    ON pending.anonymous_id = stored.anonymous_id
    AND {{ replaced_in_stitched('stored') }}
  UNION ALL
  SELECT COALESCE(user_stitching.user_id, initial.anonymous_id), initial.session_start_tstamp
  FROM {{ rel.sessions_initial }} AS initial
  JOIN pending
    ON pending.anonymous_id = initial.anonymous_id
    AND {{ replaced_in_stitched('initial') }}
  LEFT JOIN {{ rel.user_stitching }} AS user_stitching
    ON user_stitching.anonymous_id = initial.anonymous_id
)
SELECT blended_user_id, MIN(session_start_tstamp) AS from_tstamp
FROM changed
GROUP BY blended_user_id
