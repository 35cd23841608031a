-- 操作日志: every administrative change (accounts, passwords, departments, enterprises,
-- regions, the calendar, channels, editions), who made it, when, and the object before and
-- after (JSON; null when it did not exist before or no longer does). Append-only like the
-- timeline.
CREATE TABLE audit_log (
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
