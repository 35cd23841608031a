-- The all-time figures, kept current with every change of an issue: one row per region,
-- lead department (0 before assignment), category and channel, holding the same sums the
-- figures compute from the issues. A dashboard then reads a few thousand rows, not every
-- issue. The service fills it from the issues at start when it does not match them.
CREATE TABLE issue_rollup (
    region_id BIGINT NOT NULL,
    lead_department_id BIGINT NOT NULL,
    category TEXT NOT NULL,
    channel TEXT NOT NULL,
    collected BIGINT NOT NULL,
    resolved_on_site BIGINT NOT NULL,
    assigned BIGINT NOT NULL,
    concluded BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    reopened BIGINT NOT NULL,
    returned BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    dissatisfied_ratings BIGINT NOT NULL,
    working_days_sum BIGINT NOT NULL,
    working_days_n BIGINT NOT NULL,
    urges BIGINT NOT NULL,
    supervisions BIGINT NOT NULL,
    under_supervision BIGINT NOT NULL,
    PRIMARY KEY (region_id, lead_department_id, category, channel)
);
