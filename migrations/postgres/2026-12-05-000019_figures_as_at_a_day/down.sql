DROP TABLE issue_history;
ALTER TABLE issue_totals DROP COLUMN first_time_own;
ALTER TABLE issue_totals DROP COLUMN actionable;
ALTER TABLE issue_rollup DROP COLUMN first_time_own;
ALTER TABLE issue_rollup DROP COLUMN actionable;
ALTER TABLE issues DROP COLUMN charged_setback;
ALTER TABLE issues DROP COLUMN not_actionable;
