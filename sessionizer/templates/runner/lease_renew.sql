UPDATE {{ lock }} SET expires_at = CURRENT_TIMESTAMP + INTERVAL '{{ minutes }}' MINUTE WHERE holder = {{ holder }}
