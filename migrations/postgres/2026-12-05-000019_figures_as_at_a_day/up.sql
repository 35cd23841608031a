-- 办结率 leaves out the issues closed as not actionable (closed after a return, with no
-- answer): the issue says so itself, filled from the timeline for those already closed.
ALTER TABLE issues ADD COLUMN not_actionable BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE issues SET not_actionable = TRUE
WHERE status = 'closed' AND EXISTS (
    SELECT 1 FROM issue_events e
    WHERE e.issue_id = issues.id AND e.action = 'closed' AND e.details LIKE '%not_actionable%');
-- A department's 一次办结率 is charged only for its own setbacks: the lead department has
-- returned the issue, or the issue was reopened since its latest assignment.
ALTER TABLE issues ADD COLUMN charged_setback BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE issues SET charged_setback = TRUE
WHERE lead_department_id IS NOT NULL AND (
    EXISTS (SELECT 1 FROM issue_assignments a
            WHERE a.issue_id = issues.id AND a.department_id = issues.lead_department_id
              AND a.returned_at IS NOT NULL)
    OR EXISTS (SELECT 1 FROM issue_ratings r
               WHERE r.issue_id = issues.id AND r.rating = 'dissatisfied'
                 AND r.rated_at > (SELECT MAX(a.assigned_at) FROM issue_assignments a
                                   WHERE a.issue_id = issues.id
                                     AND a.department_id = issues.lead_department_id)));
ALTER TABLE issue_rollup ADD COLUMN actionable BIGINT NOT NULL DEFAULT 0;
ALTER TABLE issue_rollup ADD COLUMN first_time_own BIGINT NOT NULL DEFAULT 0;
ALTER TABLE issue_totals ADD COLUMN actionable BIGINT NOT NULL DEFAULT 0;
ALTER TABLE issue_totals ADD COLUMN first_time_own BIGINT NOT NULL DEFAULT 0;
-- Every version of every issue's state, from the moment it was written until the next one
-- (`valid_to` null: the current one). A period's activity figures are read over the
-- versions in force at the end of its last day, so that a period once over reads the same
-- whenever it is asked. Issues written before this table existed get their current state
-- from their filing on.
CREATE TABLE issue_history (
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    version BIGINT NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    valid_to TIMESTAMP,
    status TEXT NOT NULL,
    category TEXT NOT NULL,
    channel TEXT NOT NULL,
    enterprise_id BIGINT NOT NULL,
    region_id BIGINT NOT NULL,
    forum_id BIGINT,
    lead_department_id BIGINT,
    due_on DATE,
    resolved_on_site BOOLEAN NOT NULL,
    supervision BOOLEAN NOT NULL,
    reopen_count INTEGER NOT NULL,
    return_count INTEGER NOT NULL,
    dissatisfied_count INTEGER NOT NULL,
    urge_count INTEGER NOT NULL,
    supervise_count INTEGER NOT NULL,
    answered_at TIMESTAMP,
    first_answered_at TIMESTAMP,
    answered_on_time BOOLEAN,
    working_days_to_answer INTEGER,
    rating TEXT,
    solved BOOLEAN,
    rated_at TIMESTAMP,
    assigned_at TIMESTAMP,
    filed_on DATE NOT NULL,
    handler_id BIGINT,
    not_actionable BOOLEAN NOT NULL,
    charged_setback BOOLEAN NOT NULL,
    PRIMARY KEY (issue_id, version)
);
CREATE INDEX issue_history_in_force ON issue_history (valid_from, valid_to);
INSERT INTO issue_history
SELECT id, version, created_at, NULL, status, category, channel, enterprise_id, region_id,
       forum_id, lead_department_id, due_on, resolved_on_site, supervision, reopen_count,
       return_count, dissatisfied_count, urge_count, supervise_count, answered_at,
       first_answered_at, answered_on_time, working_days_to_answer, rating, solved, rated_at,
       assigned_at, filed_on, handler_id, not_actionable, charged_setback
FROM issues;
