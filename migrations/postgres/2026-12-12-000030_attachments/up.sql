-- Files on issues (filed with it, with a comment, with an answer: the 答复函) and, later, on
-- forums. A file is added, never changed; its bytes are kept in the database by default, in
-- a table of their own so that a list of files never reads them, and a backup holds them.
CREATE TABLE attachments (
    id BIGSERIAL PRIMARY KEY,
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_issue ON attachments (issue_id);
CREATE TABLE attachment_data (
    attachment_id BIGINT PRIMARY KEY REFERENCES attachments (id),
    data BYTEA NOT NULL
);
