DROP INDEX issues_status_due;
CREATE INDEX issues_status_due ON issues
    (status, category, due_on, filed_on, region_id, lead_department_id, channel);
