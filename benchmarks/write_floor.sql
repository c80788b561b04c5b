-- What writing a full refresh's output costs by itself: the six finished tables (and the
-- rejected rows and the users' counts) copied as they are into new tables, no computing at all. Any full refresh that
-- must leave these tables behind pays at least this on top of reading and computing them.
CREATE TABLE copy_page_views AS SELECT * FROM segment_web_page_views;
CREATE TABLE copy_rejected AS SELECT * FROM segment_web_page_views__rejected;
CREATE TABLE copy_user_stitching AS SELECT * FROM segment_web_user_stitching;
CREATE TABLE copy_sessionized AS SELECT * FROM segment_web_page_views__sessionized;
CREATE TABLE copy_sessions_initial AS SELECT * FROM segment_web_sessions__initial;
CREATE TABLE copy_sessions_stitched AS SELECT * FROM segment_web_sessions__stitched;
CREATE TABLE copy_sessions AS SELECT * FROM segment_web_sessions;
CREATE TABLE copy_users AS SELECT * FROM sessionizer_users;
