{% from "_macros.sql" import pending_visitors with context %}
{#- Blended users whose sessions change, and the earliest start among those changes, from the
    visitors' work list alone: each visitor's sessions from where its recomputation starts (under
    its blended user now, which held them before too unless the visitor was restitched), and all
    sessions of a restitched visitor (under the user before and the user now). Only a visitor a
    stored page view of which was replaced may have lost every page view, and with it its blended
    user now: its stored sessions say who held them. Sessions starting earlier keep their number. #}
INSERT INTO {{ rel.pending_users }} (blended_user_id, from_tstamp)
WITH pending AS (
  {{ pending_visitors() }}
), changed AS (
  SELECT blended_after AS blended_user_id, session_from_tstamp AS from_tstamp FROM pending
  UNION ALL
  SELECT blended_after, restitched_from FROM pending WHERE restitched = 1
  UNION ALL
  SELECT blended_before, restitched_from FROM {{ rel.pending_anonymous_ids }} WHERE restitched = 1
  UNION ALL
  SELECT stored.blended_user_id, stored.session_start_tstamp
  FROM {{ rel.sessions_stitched }} AS stored
  JOIN pending
    ON pending.anonymous_id = stored.anonymous_id AND pending.replaced = 1
    AND stored.session_start_tstamp >= pending.session_from_tstamp
)
SELECT blended_user_id, MIN(from_tstamp) AS from_tstamp
FROM changed
WHERE blended_user_id IS NOT NULL
GROUP BY blended_user_id
