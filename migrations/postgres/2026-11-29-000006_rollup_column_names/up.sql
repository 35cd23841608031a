-- The kept sums are counts of issues; their names say so, apart from the issue states
-- some of them share a word with.
ALTER TABLE issue_rollup RENAME COLUMN assigned TO assigned_issues;
ALTER TABLE issue_rollup RENAME COLUMN answered TO answered_issues;
ALTER TABLE issue_rollup RENAME COLUMN returned TO returned_issues;
