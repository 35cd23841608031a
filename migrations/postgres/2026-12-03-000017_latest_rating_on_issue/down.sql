ALTER TABLE issues DROP COLUMN rated_at;
ALTER TABLE issues DROP COLUMN rating_comment;
ALTER TABLE issues DROP COLUMN rating_source;
