{#- The state row learns when the whole run that just finished ended, its mode, time and rows
    (`sessionizer status` shows them). #}
UPDATE {{ rel.state }}
SET last_run_at = CURRENT_TIMESTAMP, last_run_mode = {{ mode }}, last_run_seconds = {{ seconds }},
  last_run_rows_written = {{ rows }}
