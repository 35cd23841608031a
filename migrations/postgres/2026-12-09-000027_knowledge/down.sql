DROP FUNCTION knowledge_search(TEXT);
DROP TABLE knowledge_search_terms;
DROP TABLE knowledge;
