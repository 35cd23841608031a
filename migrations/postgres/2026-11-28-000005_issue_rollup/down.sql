DROP TABLE issue_rollup;
