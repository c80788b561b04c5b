CREATE SCHEMA IF NOT EXISTS `analytics`;

DROP TABLE IF EXISTS `analytics`.sessionizer_refreshing;

CREATE TABLE `analytics`.sessionizer_refreshing AS
SELECT
  CURRENT_DATETIME('UTC') AS started_at;
