-- A file belongs to an issue or to a forum (its sign-in sheet, its minutes); the files a
-- department sent with its answer (the 答复函) are marked; a wrong file is withdrawn with a
-- reason and stays in the record; a file kept in a directory or bucket (`--file-store`)
-- names its object there (`storage_key`) instead of having a row of bytes.
ALTER TABLE attachments ALTER COLUMN issue_id DROP NOT NULL;
ALTER TABLE attachments ADD COLUMN forum_id BIGINT REFERENCES forums (id);
ALTER TABLE attachments ADD COLUMN with_answer BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE attachments ADD COLUMN withdrawn_at TIMESTAMP;
ALTER TABLE attachments ADD COLUMN withdrawn_by BIGINT REFERENCES users (id);
ALTER TABLE attachments ADD COLUMN withdrawn_reason TEXT;
ALTER TABLE attachments ADD COLUMN storage_key TEXT;
ALTER TABLE attachments ADD CONSTRAINT attachments_one_place
    CHECK ((issue_id IS NULL) <> (forum_id IS NULL));
CREATE INDEX attachments_forum ON attachments (forum_id);
