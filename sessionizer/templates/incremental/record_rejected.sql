INSERT INTO {{ rel.rejected }} ({{ source_columns | join(', ') }}, reject_reason)
{% include "stages/rejected.sql" %}
