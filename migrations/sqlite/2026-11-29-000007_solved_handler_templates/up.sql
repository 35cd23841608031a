-- 是否解决: the rating's first question. Ratings given before it was asked have none.
ALTER TABLE issue_ratings ADD COLUMN solved BOOLEAN;
-- 经办人: the department's handler who signed for the issue (or took it over); notices go to them.
-- (No REFERENCES here: SQLite cannot drop a column that has one; the service sets it.)
ALTER TABLE issues ADD COLUMN handler_id BIGINT;
CREATE INDEX issues_handler ON issues (handler_id);
-- 答复模板: reply texts per category, kept by coordinators, that prefill an answer.
CREATE TABLE reply_templates (
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
