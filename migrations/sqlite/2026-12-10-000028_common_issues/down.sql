DROP INDEX issues_common_issue;
ALTER TABLE issues DROP COLUMN common_issue_id;
DROP TABLE common_issues;
