-- Word-aware search: each issue's title (weight A), description (B), answer (C) and
-- enterprise name (D), already cut into words by the service (jieba) and written here as a
-- tsvector in the issue's own transaction; a GIN index finds the matches.
-- Issues filed before this migration are indexed when the service next starts.
CREATE TABLE issue_search_terms (
    issue_id BIGINT PRIMARY KEY REFERENCES issues (id) ON DELETE CASCADE,
    terms TSVECTOR NOT NULL
);
CREATE INDEX issue_search_terms_words ON issue_search_terms USING gin (terms);

-- The same call as SQLite's FTS5 table: `SELECT rowid, rank FROM issue_search('"贷款" AND
-- "土地"')`, the lowest rank the best match. The service's query syntax (quoted words joined
-- by AND or OR) becomes a tsquery; being one SQL SELECT, the planner inlines it.
CREATE FUNCTION issue_search(q TEXT) RETURNS TABLE (rowid BIGINT, rank DOUBLE PRECISION)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT s.issue_id,
           -CAST(ts_rank(s.terms, CAST(replace(replace(replace(q, '"', ''''), ' AND ', ' & '), ' OR ', ' | ') AS tsquery)) AS DOUBLE PRECISION)
    FROM issue_search_terms s
    WHERE s.terms @@ CAST(replace(replace(replace(q, '"', ''''), ' AND ', ' & '), ' OR ', ' | ') AS tsquery)
$$;

-- The word index replaces the trigram indexes `q` used to read (LIKE over title and
-- description): nothing reads them now, and every filing paid for both.
DROP INDEX issues_title_trgm;
DROP INDEX issues_description_trgm;
