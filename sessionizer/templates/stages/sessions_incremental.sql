{% from "_macros.sql" import session_numbering %}
{#- Each affected user's sessions from the earliest changed one on, numbered after those before it
    (which are unchanged, so counting them gives the number to go on from). #}
WITH pending AS (
  SELECT blended_user_id, MIN(from_tstamp) AS from_tstamp
  FROM {{ rel.pending_users }}
  GROUP BY blended_user_id
), earlier AS (
  SELECT stitched.blended_user_id, COUNT(*) AS __sz_sessions
  FROM {{ rel.sessions_stitched }} AS stitched
  JOIN pending
    ON pending.blended_user_id = stitched.blended_user_id AND stitched.session_start_tstamp < pending.from_tstamp
  GROUP BY stitched.blended_user_id
), sessions AS (
  SELECT stitched.*, COALESCE(earlier.__sz_sessions, 0) AS __sz_sessions_before
  FROM {{ rel.sessions_stitched }} AS stitched
  JOIN pending
    ON pending.blended_user_id = stitched.blended_user_id AND stitched.session_start_tstamp >= pending.from_tstamp
  LEFT JOIN earlier ON earlier.blended_user_id = stitched.blended_user_id
)
SELECT
  {{ columns.sessions_stitched[:(-1 if listed else none)] | join(', ') }},
  __sz_sessions_before + {{ session_numbering() }} AS session_number
  {%- if listed %},
  source_name{% endif %}
FROM sessions
