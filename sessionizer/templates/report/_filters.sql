{#- The sessions a report covers: from `since` on (none: all of them) up to `until` (the run's "now"
    or --until), of one source_name when asked. -#}
{% macro in_report(windowed=True) -%}
1 = 1
{%- if windowed and since is not none %} AND session_start_tstamp >= {{ since }}{% endif %}
{%- if windowed %} AND session_start_tstamp <= {{ until }}{% endif %}
{%- if source_name is not none %} AND source_name = {{ source_name | lit }}{% endif %}
{%- endmacro %}

{#- Counts every report shows for a group of sessions: users are distinct blended users; a
    bounce is a session of one page view; a new session is a user's first. -#}
{% macro session_counts() -%}
COUNT(*) AS sessions,
COUNT(DISTINCT blended_user_id) AS users,
SUM(page_views) AS page_views,
COUNT(CASE WHEN session_number = 1 THEN 1 END) AS new_sessions,
COUNT(CASE WHEN page_views = 1 THEN 1 END) AS bounces
{%- endmacro %}
