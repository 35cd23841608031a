-- 答复模板 of a department: kept by its own handlers and read by them beside the
-- Federation's (department_id NULL). A title is unique per category among one keeper's
-- templates.
ALTER TABLE reply_templates DROP CONSTRAINT reply_templates_category_title_key;
ALTER TABLE reply_templates ADD COLUMN department_id BIGINT REFERENCES departments (id);
ALTER TABLE reply_templates ADD COLUMN updated_at TIMESTAMP;
CREATE UNIQUE INDEX reply_templates_title ON reply_templates (category, title, COALESCE(department_id, 0));
CREATE INDEX reply_templates_department ON reply_templates (department_id);

-- 操作日志 keeps the corrections of a forum (an attendee removed, a held forum's record
-- corrected): the object `forum`.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_object_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_object_check CHECK (object IN ('user',
    'department', 'enterprise', 'region', 'calendar', 'channel', 'import', 'edition', 'forum'));

-- The figures of a period on the activity basis read only the issues with an event in it.
CREATE INDEX issue_events_at ON issue_events (at, issue_id);
CREATE INDEX issue_history_due ON issue_history (due_on, issue_id);
CREATE INDEX issue_history_supervised ON issue_history (issue_id) WHERE supervision;
-- The issues as they are, under a name a figure's "as at" reading (a CTE named issues) does
-- not hide: the dates that never change once set, by which a period's candidates are found.
CREATE VIEW issues_now AS SELECT id, filed_on, assigned_at, first_answered_at FROM issues;
CREATE INDEX issues_first_answered ON issues (first_answered_at) WHERE first_answered_at IS NOT NULL;
CREATE INDEX issue_ratings_rated ON issue_ratings (rated_at);
