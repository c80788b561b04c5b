UPDATE {{ rel.state }} SET pending_watermark = (
{% include "incremental/pending_watermark.sql" %}
)
