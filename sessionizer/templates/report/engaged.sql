{% from "report/_filters.sql" import in_report with context %}
{#- docs/reference.md "Engagement": the sessions of the report that are engaged, of all of them. -#}
SELECT COUNT(CASE WHEN is_engaged THEN 1 END) AS engaged, COUNT(*) AS sessions
FROM {{ rel.sessions }}
WHERE {{ in_report() }}
