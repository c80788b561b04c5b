INSERT INTO {{ rel.rejected }} ({{ rejected_columns | join(', ') }}, reject_reason)
{% include "stages/rejected.sql" %}
