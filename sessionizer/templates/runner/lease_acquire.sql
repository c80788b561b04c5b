{#- A lease row keeps a second run out where the warehouse has no lock of its own: expired leases
    go, then this run claims the table if it is free (two runs claiming together both insert; the
    smallest holder wins, see lease_holder.sql). #}
CREATE TABLE IF NOT EXISTS {{ lock }} (holder VARCHAR(128), expires_at TIMESTAMP);
DELETE FROM {{ lock }} WHERE expires_at < CURRENT_TIMESTAMP;
INSERT INTO {{ lock }} (holder, expires_at)
SELECT {{ holder }} AS holder, CURRENT_TIMESTAMP + INTERVAL '{{ minutes }}' MINUTE AS expires_at
WHERE NOT EXISTS (SELECT 1 FROM {{ lock }})
