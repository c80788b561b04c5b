{% from "_macros.sql" import recomputed_since with context %}
{#- Each pending user's sessions before the earliest changed one: the user's count less its stored
    sessions from that one on (the rows the write replaces, in the table's newest blocks), so the
    numbering continues without reading the user's earlier sessions. #}
WITH pending AS (
  SELECT blended_user_id, MIN(from_tstamp) AS from_tstamp
  FROM {{ rel.pending_users }}
  GROUP BY blended_user_id
), replaced AS (
  SELECT stored.blended_user_id, COUNT(*) AS sessions
  FROM {{ rel.sessions }} AS stored
  JOIN pending
    ON pending.blended_user_id = stored.blended_user_id AND stored.session_start_tstamp >= pending.from_tstamp
  WHERE {{ recomputed_since('stored.session_start_tstamp', 'from_tstamp', rel.pending_users) }}
  GROUP BY stored.blended_user_id
)
SELECT
  pending.blended_user_id,
  pending.from_tstamp,
  COALESCE(users.sessions, 0) - COALESCE(replaced.sessions, 0) AS sessions_before
FROM pending
LEFT JOIN {{ rel.users }} AS users ON users.blended_user_id = pending.blended_user_id
LEFT JOIN replaced ON replaced.blended_user_id = pending.blended_user_id
