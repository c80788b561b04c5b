{% from "report/_filters.sql" import in_report, session_counts with context %}
{#- Sessions by one of a few fixed dimensions (the report names it, never the user), most first. -#}
{% set dimensions = {
  "duration_tier": "duration_in_s_tier",
  "device_category": "COALESCE(device_category, 'Uncategorized')",
  "medium": "COALESCE(referrer_medium, CASE WHEN COALESCE(referrer_host, '') = '' THEN '(direct)' ELSE '(unmapped)' END)",
  "referrer_source": "COALESCE(referrer_source, NULLIF(referrer_host, ''), '(direct)')",
  "landing_page": "COALESCE(NULLIF(first_page_url_path, ''), '(none)')",
  "exit_page": "COALESCE(NULLIF(last_page_url_path, ''), '(none)')",
  "source_name": "source_name",
  "channel": "channel",
} -%}
SELECT
  {{ dimensions[dimension] }} AS label,
  {{ session_counts() }}
FROM {{ rel.sessions }}
WHERE {{ in_report() }}
GROUP BY {{ dimensions[dimension] }}
ORDER BY sessions DESC, label
{%- if limit %}
LIMIT {{ limit | int }}
{%- endif %}
