DROP VIEW issues_now;
DROP INDEX issues_first_answered;
DROP INDEX issue_ratings_rated;
DROP INDEX issue_history_supervised;
DROP INDEX issue_history_due;
DROP INDEX issue_events_at;
CREATE TABLE reply_templates_before (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    category TEXT NOT NULL CHECK (category IN ('financing', 'land', 'approval', 'talent', 'policy',
        'legal', 'tax', 'infrastructure', 'market_access', 'other')),
    outcome TEXT NOT NULL CHECK (outcome IN ('resolved', 'explained', 'planned')),
    title TEXT NOT NULL,
    text TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    UNIQUE (category, title)
);
INSERT INTO reply_templates_before (id, category, outcome, title, text, created_by, created_at)
    SELECT id, category, outcome, title, text, created_by, created_at FROM reply_templates
    WHERE department_id IS NULL;
DROP TABLE reply_templates;
ALTER TABLE reply_templates_before RENAME TO reply_templates;

-- The forum's lines go with the object they name (the log is rebuilt without them).
CREATE TABLE audit_log_before (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TIMESTAMP NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    action TEXT NOT NULL,
    object TEXT NOT NULL CHECK (object IN ('user', 'department', 'enterprise', 'region',
        'calendar', 'channel', 'import', 'edition')),
    object_id BIGINT,
    before TEXT,
    after TEXT
);
INSERT INTO audit_log_before (id, at, actor_id, action, object, object_id, before, after)
    SELECT id, at, actor_id, action, object, object_id, before, after FROM audit_log
    WHERE object <> 'forum';
DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;
DROP TABLE audit_log;
ALTER TABLE audit_log_before RENAME TO audit_log;
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
