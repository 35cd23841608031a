-- 共性问题: issues raised at many forums and places, grouped by a coordinator under one lead
-- department, which answers the group once as policy (each issue keeps its own life and
-- rating). An issue is in at most one group; the group belongs to its coordinator's region.
CREATE TABLE common_issues (
    id BIGSERIAL PRIMARY KEY,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    lead_department_id BIGINT NOT NULL REFERENCES departments (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    answer_text TEXT,
    answered_by BIGINT REFERENCES users (id),
    answered_at TIMESTAMP
);
CREATE INDEX common_issues_lead ON common_issues (lead_department_id);
ALTER TABLE issues ADD COLUMN common_issue_id BIGINT REFERENCES common_issues (id);
CREATE INDEX issues_common_issue ON issues (common_issue_id) WHERE common_issue_id IS NOT NULL;
