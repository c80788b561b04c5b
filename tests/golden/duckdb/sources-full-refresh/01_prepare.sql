CREATE SCHEMA IF NOT EXISTS "analytics";

DROP TABLE IF EXISTS "analytics".sessionizer_refreshing;

CREATE TABLE "analytics".sessionizer_refreshing AS
SELECT
  CAST(TIMEZONE('UTC', NOW()) AS TIMESTAMP) AS started_at;
