{#- Screens, tracks and identifies of the generated visitors, made from their page views
    (``pages``: the generated pages query), so a source list can be tried without data: a fifth of
    the visitors also use the app (its screens), every page view sends a heartbeat 20 seconds
    later and a cart page an 'Add To Cart', and each visitor that logs in sends one identify. #}
WITH pages AS ({{ pages }})
{%- if kind == 'screens' %}
SELECT
  's-' || id AS id, anonymous_id, user_id, received_at, sent_at, timestamp,
  COALESCE(title, path) AS name,
  CASE WHEN hash(anonymous_id) % 3 = 0 THEN 'iPad13,1' WHEN hash(anonymous_id) % 3 = 1 THEN 'iPhone14,2' ELSE 'Pixel 7' END
    AS context_device_model,
  CASE WHEN hash(anonymous_id) % 3 = 2 THEN 'Android' ELSE 'iOS' END AS context_os_name,
  context_campaign_source, context_campaign_medium, context_campaign_name, context_campaign_term,
  context_campaign_content, context_ip
FROM pages
WHERE hash(anonymous_id) % 5 = 0
{%- elif kind == 'tracks' %}
SELECT
  't-' || id AS id, anonymous_id, user_id, received_at + INTERVAL 20 SECOND AS received_at,
  sent_at + INTERVAL 20 SECOND AS sent_at, timestamp + INTERVAL 20 SECOND AS timestamp,
  'heartbeat' AS event, 'heartbeat' AS event_text
FROM pages
UNION ALL
SELECT
  'c-' || id, anonymous_id, user_id, received_at + INTERVAL 5 SECOND, sent_at + INTERVAL 5 SECOND,
  timestamp + INTERVAL 5 SECOND, 'add_to_cart', 'Add To Cart'
FROM pages
WHERE path LIKE '%cart%'
{%- else %}
SELECT
  'i-' || MIN(id) AS id, anonymous_id, user_id, MIN(received_at) AS received_at, MIN(sent_at) AS sent_at,
  MIN(timestamp) AS timestamp
FROM pages
WHERE user_id IS NOT NULL AND anonymous_id IS NOT NULL
GROUP BY anonymous_id, user_id
{%- endif %}
