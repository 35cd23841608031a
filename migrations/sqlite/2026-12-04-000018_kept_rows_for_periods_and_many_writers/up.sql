-- The kept rows by day are stored in the order of their day (a table clustered by its
-- key, SQLite's WITHOUT ROWID): a period's figures read one range of the table, and a
-- trend adds up its days in order, with no sort of the rows. The index on the day is then
-- the table itself.
CREATE TABLE issue_rollup_by_day (
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
    PRIMARY KEY (filed_on, region_id, lead_department_id, category, channel)
) WITHOUT ROWID;
INSERT INTO issue_rollup_by_day SELECT * FROM issue_rollup;
DROP TABLE issue_rollup;
ALTER TABLE issue_rollup_by_day RENAME TO issue_rollup;
CREATE TABLE assignment_rollup_by_day (
    department_id BIGINT NOT NULL,
    region_id BIGINT NOT NULL,
    category TEXT NOT NULL,
    channel TEXT NOT NULL,
    filed_on DATE NOT NULL,
    assignments BIGINT NOT NULL,
    signed_on_time BIGINT NOT NULL,
    returns BIGINT NOT NULL,
    PRIMARY KEY (filed_on, department_id, region_id, category, channel)
) WITHOUT ROWID;
INSERT INTO assignment_rollup_by_day SELECT * FROM assignment_rollup;
DROP TABLE assignment_rollup;
ALTER TABLE assignment_rollup_by_day RENAME TO assignment_rollup;
