-- 操作日志: every administrative change (accounts, passwords, departments, enterprises,
-- regions, the calendar, channels, editions), who made it, when, and the object before and
-- after (JSON; null when it did not exist before or no longer does). Append-only like the
-- timeline.
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
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
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
