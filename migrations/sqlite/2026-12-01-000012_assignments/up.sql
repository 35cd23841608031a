-- 交办记录: one row per assignment of an issue to a lead department, so that 及时签收率 and
-- 退回率 are charged to the department assigned (the one that signed or returned), never to
-- the department that holds the issue afterwards. The deadline to sign for it is fixed when
-- it is made (the sign-for limit in working days, by the calendar then in force). The
-- service fills the table from the timeline at start when issues were assigned before it.
CREATE TABLE issue_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    department_id BIGINT NOT NULL REFERENCES departments (id),
    assigned_at TIMESTAMP NOT NULL,
    sign_deadline TIMESTAMP NOT NULL,
    signed_at TIMESTAMP,
    returned_at TIMESTAMP
);
CREATE INDEX issue_assignments_issue ON issue_assignments (issue_id, id);
CREATE INDEX issue_assignments_department ON issue_assignments (department_id, assigned_at);
CREATE INDEX issue_assignments_assigned ON issue_assignments (assigned_at);
CREATE INDEX issue_assignments_returned ON issue_assignments (returned_at) WHERE returned_at IS NOT NULL;
