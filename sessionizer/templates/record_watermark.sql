UPDATE {{ rel.state }} SET pending_watermark = (
{% include "pending_watermark.sql" %}
)
