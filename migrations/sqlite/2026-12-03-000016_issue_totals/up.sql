-- The all-time sums beside the sums by day: one row per region, lead department (0 before
-- assignment), category and channel, the sums of `issue_rollup` over every day. A dashboard
-- with no period (the default) reads these few rows; a period reads the rows by day. Kept in
-- the same statement as the row by day; the service fills it from the issues at its next
-- start.
CREATE TABLE issue_totals (
    region_id BIGINT NOT NULL,
    lead_department_id BIGINT NOT NULL,
    category TEXT NOT NULL,
    channel TEXT NOT NULL,
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
    PRIMARY KEY (region_id, lead_department_id, category, channel)
);
