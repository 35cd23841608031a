-- Each issue's search entry also holds its places: a word for its region and for every
-- region above it, a private-use character (U+E000) and the region's id, which no text a
-- user writes can give (the service keeps letters and digits only). A search in a
-- district's scope asks for the district's word too, so the index alone finds the
-- district's matches instead of the issues being read for their region.
-- FTS5 cannot add a column: the table is made again, with the entries it holds.
CREATE VIRTUAL TABLE issue_search_placed USING fts5(
    title, description, answer, enterprise, place,
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO issue_search_placed (rowid, title, description, answer, enterprise, place)
SELECT s.rowid, s.title, s.description, s.answer, s.enterprise,
       char(57344) || replace(substr(r.path, 2, length(r.path) - 2), '/', ' ' || char(57344))
FROM issue_search s
JOIN issues i ON i.id = s.rowid
JOIN regions r ON r.id = i.region_id;
DROP TABLE issue_search;
ALTER TABLE issue_search_placed RENAME TO issue_search;
INSERT INTO issue_search (issue_search, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0, 1.0, 0.0)');
-- How many issues say each word (the `doc` column): similar issues are looked for by their
-- rarer keywords.
CREATE VIRTUAL TABLE issue_search_vocab USING fts5vocab(issue_search, row);
