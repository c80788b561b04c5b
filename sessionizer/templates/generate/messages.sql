{#- The generated pages, screens, tracks and identifies as Segment's raw messages, one object per
    row, as its S3 destination stores them: camelCase keys, times as ISO-8601 text in UTC,
    context and properties (an identify's traits) nested, every type mixed in load order. #}
{%- macro time(column) -%}
strftime({{ column }}, '%Y-%m-%dT%H:%M:%S.%gZ')
{%- endmacro %}
{%- macro common(kind) -%}
  {{ kind | lit }} AS "type", id AS "messageId", anonymous_id AS "anonymousId", user_id AS "userId",
  {{ time('received_at') }} AS "receivedAt", {{ time('sent_at') }} AS "sentAt", {{ time('timestamp') }} AS "timestamp",
  received_at AS __sz_order
{%- endmacro %}
{%- macro campaign() -%}
"campaign" := struct_pack("source" := context_campaign_source, "medium" := context_campaign_medium,
  "name" := context_campaign_name, "term" := context_campaign_term, "content" := context_campaign_content)
{%- endmacro %}
SELECT * EXCLUDE (__sz_order) FROM (
  SELECT {{ common('page') }}, NULL AS "name", NULL AS "event",
    struct_pack("ip" := context_ip, "userAgent" := context_user_agent, {{ campaign() }},
                "page" := struct_pack("path" := path, "referrer" := referrer, "search" := search, "title" := title,
                                      "url" := url)) AS "context",
    struct_pack("url" := url, "path" := path, "title" := title, "search" := search, "referrer" := referrer) AS "properties",
    NULL AS "traits"
  FROM ({{ pages }})
  UNION ALL BY NAME
  SELECT {{ common('screen') }}, name AS "name", NULL AS "event",
    struct_pack("ip" := context_ip, {{ campaign() }},
                "device" := struct_pack("model" := context_device_model),
                "os" := struct_pack("name" := context_os_name)) AS "context",
    NULL AS "properties", NULL AS "traits"
  FROM ({{ screens }})
  UNION ALL BY NAME
  SELECT {{ common('track') }}, NULL AS "name", event_text AS "event", NULL AS "context",
    struct_pack("plan" := 'free') AS "properties", NULL AS "traits"
  FROM ({{ tracks }})
  UNION ALL BY NAME
  SELECT {{ common('identify') }}, NULL AS "name", NULL AS "event", NULL AS "context", NULL AS "properties",
    struct_pack("plan" := 'free') AS "traits"
  FROM ({{ identifies }})
) AS messages
ORDER BY __sz_order NULLS FIRST, "messageId"
