{% from "_macros.sql" import session_numbering %}
{#- Each affected user's sessions from the earliest changed one on, numbered among all the user's
    sessions. The earlier ones are unchanged, but counting them means reading them by user (no
    time bound can find a user's first session), so one read numbers them all and only the
    changed ones are kept: one scan of the table instead of two. #}
WITH pending AS (
  SELECT blended_user_id, MIN(from_tstamp) AS from_tstamp
  FROM {{ rel.pending_users }}
  GROUP BY blended_user_id
), sessions AS (
  SELECT
    stitched.*,
    pending.from_tstamp AS __sz_from_tstamp,
    {{ session_numbering('stitched') }} AS session_number
  FROM {{ rel.sessions_stitched }} AS stitched
  JOIN pending ON pending.blended_user_id = stitched.blended_user_id
)
SELECT
  {{ core_columns.sessions_stitched | join(', ') }},
  session_number
  {%- if listed %},
  source_name{% endif %}
  {%- for column in added_columns %},
  {{ column }}{% endfor %}
FROM sessions
WHERE session_start_tstamp >= __sz_from_tstamp
