DROP TABLE issue_search_vocab;
CREATE VIRTUAL TABLE issue_search_unplaced USING fts5(
    title, description, answer, enterprise,
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO issue_search_unplaced (rowid, title, description, answer, enterprise)
SELECT rowid, title, description, answer, enterprise FROM issue_search;
DROP TABLE issue_search;
ALTER TABLE issue_search_unplaced RENAME TO issue_search;
INSERT INTO issue_search (issue_search, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0, 1.0)');
