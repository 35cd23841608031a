DROP TABLE issue_assignments;
