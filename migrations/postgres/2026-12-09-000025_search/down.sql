DROP FUNCTION issue_search(TEXT);
DROP TABLE issue_search_terms;
