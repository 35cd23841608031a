-- The kept sums gain the day of filing, so that the figures of any period on the filed
-- basis (a year's report, a month, a trend by week or month) add up kept rows instead of
-- reading every issue: one row per region, lead department (0 before assignment),
-- category, channel and day of filing. The assignment counts (交办次数, 及时签收, 退回) are
-- kept the same way, one row per department assigned and the issue's region, category,
-- channel and day of filing. The service fills both from the issues at its next start.
DROP TABLE issue_rollup;
CREATE TABLE issue_rollup (
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
CREATE INDEX issue_rollup_filed_on ON issue_rollup (filed_on);
CREATE TABLE assignment_rollup (
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
CREATE INDEX assignment_rollup_filed_on ON assignment_rollup (filed_on);
