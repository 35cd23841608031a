-- Every write of an issue adds its measures to kept rows, and on a busy day many writers
-- (a forum's filings, the instances of a province) add to the same few rows: a row updated
-- in place is locked until its transaction commits, so they queued one behind the other.
-- On PostgreSQL each write now appends its own row of differences (`fresh`), which locks
-- nothing others need; the figures add up every row of a group as before, and the service
-- folds the fresh rows of each group into one row now and then (store::stats::fold_kept).
ALTER TABLE issue_rollup DROP CONSTRAINT issue_rollup_pkey;
ALTER TABLE issue_rollup ADD COLUMN fresh BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX issue_rollup_fresh ON issue_rollup (region_id, lead_department_id, category, channel, filed_on) WHERE fresh;
ALTER TABLE issue_totals DROP CONSTRAINT issue_totals_pkey;
ALTER TABLE issue_totals ADD COLUMN fresh BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX issue_totals_fresh ON issue_totals (region_id, lead_department_id, category, channel) WHERE fresh;
ALTER TABLE assignment_rollup DROP CONSTRAINT assignment_rollup_pkey;
ALTER TABLE assignment_rollup ADD COLUMN fresh BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX assignment_rollup_fresh ON assignment_rollup (department_id, region_id, category, channel, filed_on) WHERE fresh;
