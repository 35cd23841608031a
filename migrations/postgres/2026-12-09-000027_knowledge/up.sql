-- 政策问答: an answered issue published by a coordinator as a question and its answer,
-- without the enterprise's name; every user searches them. One per issue. The words of
-- both are indexed like the issues' (migration 000025), the question (A) counting most.
CREATE TABLE knowledge (
    id BIGSERIAL PRIMARY KEY,
    issue_id BIGINT NOT NULL UNIQUE REFERENCES issues (id),
    category TEXT NOT NULL CHECK (category IN ('financing', 'land', 'approval', 'talent', 'policy',
        'legal', 'tax', 'infrastructure', 'market_access', 'other')),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    published_by BIGINT NOT NULL REFERENCES users (id),
    published_at TIMESTAMP NOT NULL
);
CREATE TABLE knowledge_search_terms (
    knowledge_id BIGINT PRIMARY KEY REFERENCES knowledge (id) ON DELETE CASCADE,
    terms TSVECTOR NOT NULL
);
CREATE INDEX knowledge_search_terms_words ON knowledge_search_terms USING gin (terms);
CREATE FUNCTION knowledge_search(q TEXT) RETURNS TABLE (rowid BIGINT, rank DOUBLE PRECISION)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s.knowledge_id,
           -CAST(ts_rank(s.terms, CAST(replace(replace(replace(q, '"', ''''), ' AND ', ' & '), ' OR ', ' | ') AS tsquery)) AS DOUBLE PRECISION)
    FROM knowledge_search_terms s
    WHERE s.terms @@ CAST(replace(replace(replace(q, '"', ''''), ' AND ', ' & '), ' OR ', ' | ') AS tsquery)
$$;
