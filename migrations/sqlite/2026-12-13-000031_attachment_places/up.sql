-- A file belongs to an issue or to a forum (its sign-in sheet, its minutes); the files a
-- department sent with its answer (the 答复函) are marked; a wrong file is withdrawn with a
-- reason and stays in the record; a file kept in a directory or bucket (`--file-store`)
-- names its object there (`storage_key`) instead of having a row of bytes. SQLite cannot
-- loosen a NOT NULL column in place, so both tables are built anew and their rows copied.
CREATE TABLE attachments_next (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id BIGINT REFERENCES issues (id),
    forum_id BIGINT REFERENCES forums (id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    with_answer BOOLEAN NOT NULL DEFAULT 0,
    withdrawn_at TIMESTAMP,
    withdrawn_by BIGINT REFERENCES users (id),
    withdrawn_reason TEXT,
    storage_key TEXT,
    CHECK ((issue_id IS NULL) <> (forum_id IS NULL))
);
CREATE TABLE attachment_data_next (
    attachment_id BIGINT PRIMARY KEY REFERENCES attachments_next (id),
    data BLOB NOT NULL
);
INSERT INTO attachments_next (id, issue_id, name, content_type, size, sha256, uploaded_by, created_at)
    SELECT id, issue_id, name, content_type, size, sha256, uploaded_by, created_at FROM attachments;
INSERT INTO attachment_data_next (attachment_id, data) SELECT attachment_id, data FROM attachment_data;
DROP TABLE attachment_data;
DROP TABLE attachments;
ALTER TABLE attachments_next RENAME TO attachments;
ALTER TABLE attachment_data_next RENAME TO attachment_data;
CREATE INDEX attachments_issue ON attachments (issue_id);
CREATE INDEX attachments_forum ON attachments (forum_id);
