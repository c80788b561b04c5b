UPDATE {{ rel.state }} SET pending_watermark = (
{% include "incremental/pending_watermark.sql" %}
)
{%- if entry is defined %}
WHERE entry = {{ entry.index }}
{%- endif %}
