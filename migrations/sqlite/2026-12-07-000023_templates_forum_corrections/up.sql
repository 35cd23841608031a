-- 答复模板 of a department: kept by its own handlers and read by them beside the
-- Federation's (department_id NULL). A title is unique per category among one keeper's
-- templates. SQLite cannot drop the table's UNIQUE constraint: the table is rebuilt.
CREATE TABLE reply_templates_next (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category TEXT NOT NULL CHECK (category IN ('financing', 'land', 'approval', 'talent', 'policy',
        'legal', 'tax', 'infrastructure', 'market_access', 'other')),
    outcome TEXT NOT NULL CHECK (outcome IN ('resolved', 'explained', 'planned')),
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    department_id BIGINT REFERENCES departments (id),
    updated_at TIMESTAMP
);
INSERT INTO reply_templates_next (id, category, outcome, title, text, created_by, created_at)
    SELECT id, category, outcome, title, text, created_by, created_at FROM reply_templates;
DROP TABLE reply_templates;
ALTER TABLE reply_templates_next RENAME TO reply_templates;
CREATE UNIQUE INDEX reply_templates_title ON reply_templates (category, title, COALESCE(department_id, 0));
CREATE INDEX reply_templates_department ON reply_templates (department_id);

-- 操作日志 keeps the corrections of a forum (an attendee removed, a held forum's record
-- corrected): the object `forum`. SQLite cannot change a CHECK: the table is rebuilt, its
-- append-only triggers with it.
CREATE TABLE audit_log_next (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL,
    object TEXT NOT NULL CHECK (object IN ('user', 'department', 'enterprise', 'region',
        'calendar', 'channel', 'import', 'edition', 'forum')),
    object_id BIGINT,
    before TEXT,
    after TEXT
);
INSERT INTO audit_log_next (id, at, actor_id, action, object, object_id, before, after)
    SELECT id, at, actor_id, action, object, object_id, before, after FROM audit_log;
DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;
DROP TABLE audit_log;
ALTER TABLE audit_log_next RENAME TO audit_log;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_object ON audit_log (object, object_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused');
END;

-- The figures of a period on the activity basis read only the issues with an event in it.
CREATE INDEX issue_events_at ON issue_events (at, issue_id);
CREATE INDEX issue_history_due ON issue_history (due_on, issue_id);
CREATE INDEX issue_history_supervised ON issue_history (issue_id) WHERE supervision;
-- The issues as they are, under a name a figure's "as at" reading (a CTE named issues) does
-- not hide: the dates that never change once set, by which a period's candidates are found.
CREATE VIEW issues_now AS SELECT id, filed_on, assigned_at, first_answered_at FROM issues;
CREATE INDEX issues_first_answered ON issues (first_answered_at) WHERE first_answered_at IS NOT NULL;
CREATE INDEX issue_ratings_rated ON issue_ratings (rated_at);
