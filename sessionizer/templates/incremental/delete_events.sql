{% from "_macros.sql" import delete_replaced %}
{{ delete_replaced(rel.events, own.events, rel.events_batch, event_key) }}
