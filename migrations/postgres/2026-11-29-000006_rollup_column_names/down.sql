ALTER TABLE issue_rollup RENAME COLUMN assigned_issues TO assigned;
ALTER TABLE issue_rollup RENAME COLUMN answered_issues TO answered;
ALTER TABLE issue_rollup RENAME COLUMN returned_issues TO returned;
