CREATE TABLE attachments_prev (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE attachment_data_prev (
    attachment_id BIGINT PRIMARY KEY REFERENCES attachments_prev (id),
    data BLOB NOT NULL
);
INSERT INTO attachments_prev SELECT id, issue_id, name, content_type, size, sha256, uploaded_by, created_at
    FROM attachments WHERE issue_id IS NOT NULL;
INSERT INTO attachment_data_prev SELECT attachment_id, data FROM attachment_data
    WHERE attachment_id IN (SELECT id FROM attachments_prev);
DROP TABLE attachment_data;
DROP TABLE attachments;
ALTER TABLE attachments_prev RENAME TO attachments;
ALTER TABLE attachment_data_prev RENAME TO attachment_data;
CREATE INDEX attachments_issue ON attachments (issue_id);
