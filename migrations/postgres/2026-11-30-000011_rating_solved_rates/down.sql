ALTER TABLE issue_rollup DROP COLUMN solved;
ALTER TABLE issue_rollup DROP COLUMN first_time;
ALTER TABLE issue_rollup DROP COLUMN rated_answered;
ALTER TABLE issues DROP COLUMN solved;
