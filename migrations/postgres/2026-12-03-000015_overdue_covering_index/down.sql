DROP INDEX issues_status_due;
CREATE INDEX issues_status_due ON issues (status, due_on);
