{% from "_macros.sql" import delete_replaced %}
{#- A source list's new tracks and identifies rows: stored ones an earlier copy replaces go, the
    batch's rows come in (one transaction). #}
{{ delete_replaced(rel.events, own.events, rel.events_batch, event_key) }};
INSERT INTO {{ rel.events }} ({{ event_columns | join(", ") }})
SELECT {{ event_columns | join(", ") }} FROM {{ rel.events_batch }}
