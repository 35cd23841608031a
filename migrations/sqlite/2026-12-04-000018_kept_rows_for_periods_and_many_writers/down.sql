CREATE TABLE issue_rollup_by_key (
    region_id BIGINT NOT NULL,
    lead_department_id BIGINT NOT NULL,
    category TEXT NOT NULL,
    channel TEXT NOT NULL,
    filed_on DATE NOT NULL,
    collected BIGINT NOT NULL,
    resolved_on_site BIGINT NOT NULL,
    assigned_issues BIGINT NOT NULL,
    concluded BIGINT NOT NULL,
    answered_issues BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    reopened BIGINT NOT NULL,
    returned_issues BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    dissatisfied_ratings BIGINT NOT NULL,
    working_days_sum BIGINT NOT NULL,
    working_days_n BIGINT NOT NULL,
    urges BIGINT NOT NULL,
    supervisions BIGINT NOT NULL,
    under_supervision BIGINT NOT NULL,
    rated_answered BIGINT NOT NULL,
    first_time BIGINT NOT NULL,
    solved BIGINT NOT NULL,
    PRIMARY KEY (region_id, lead_department_id, category, channel, filed_on)
);
INSERT INTO issue_rollup_by_key SELECT * FROM issue_rollup;
DROP TABLE issue_rollup;
ALTER TABLE issue_rollup_by_key RENAME TO issue_rollup;
CREATE INDEX issue_rollup_filed_on ON issue_rollup (filed_on);
CREATE TABLE assignment_rollup_by_key (
    department_id BIGINT NOT NULL,
    region_id BIGINT NOT NULL,
    category TEXT NOT NULL,
    channel TEXT NOT NULL,
    filed_on DATE NOT NULL,
    assignments BIGINT NOT NULL,
    signed_on_time BIGINT NOT NULL,
    returns BIGINT NOT NULL,
    PRIMARY KEY (department_id, region_id, category, channel, filed_on)
);
INSERT INTO assignment_rollup_by_key SELECT * FROM assignment_rollup;
DROP TABLE assignment_rollup;
ALTER TABLE assignment_rollup_by_key RENAME TO assignment_rollup;
CREATE INDEX assignment_rollup_filed_on ON assignment_rollup (filed_on);
