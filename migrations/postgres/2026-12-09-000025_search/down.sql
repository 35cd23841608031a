CREATE INDEX issues_title_trgm ON issues USING gin (title gin_trgm_ops);
CREATE INDEX issues_description_trgm ON issues USING gin (description gin_trgm_ops);
DROP FUNCTION issue_search(TEXT);
DROP TABLE issue_search_terms;
