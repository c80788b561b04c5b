CREATE SCHEMA IF NOT EXISTS `analytics`;

DROP TABLE IF EXISTS `analytics`.sessionizer_state;
