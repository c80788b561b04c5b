{% from "_macros.sql" import only_affected with context %}
SELECT
  {{ columns.sessions_stitched | join(', ') }},
  ROW_NUMBER() OVER (PARTITION BY blended_user_id ORDER BY session_start_tstamp, session_id) AS session_number
FROM {{ rel.sessions_stitched }}
{{ only_affected('blended_user_id', rel.pending_users) }}
