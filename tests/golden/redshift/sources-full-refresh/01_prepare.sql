CREATE SCHEMA IF NOT EXISTS "analytics";

DROP TABLE IF EXISTS "analytics".sessionizer_refreshing;

CREATE TABLE "analytics".sessionizer_refreshing AS
SELECT
  GETDATE() AS started_at;
