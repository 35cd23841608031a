-- 政策问答: an answered issue published by a coordinator as a question and its answer,
-- without the enterprise's name; every user searches them. One per issue. The words of
-- both are indexed like the issues' (migration 000025), the question counting most.
CREATE TABLE knowledge (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id BIGINT NOT NULL UNIQUE REFERENCES issues (id),
    category TEXT NOT NULL CHECK (category IN ('financing', 'land', 'approval', 'talent', 'policy',
        'legal', 'tax', 'infrastructure', 'market_access', 'other')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    published_by BIGINT NOT NULL REFERENCES users (id),
    published_at TIMESTAMP NOT NULL
);
CREATE VIRTUAL TABLE knowledge_search USING fts5(
    question, answer,
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO knowledge_search (knowledge_search, rank) VALUES ('rank', 'bm25(4.0, 1.0)');
