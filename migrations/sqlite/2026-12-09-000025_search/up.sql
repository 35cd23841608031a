-- Word-aware search: each issue's title, description, answer and enterprise name, already
-- cut into words by the service (jieba) and written here in the issue's own transaction.
-- The rowid is the issue's id. unicode61 splits the stored text at the spaces and folds
-- case, so the index holds exactly the service's words. A match ranks by BM25 with the
-- title counting most: `SELECT rowid, rank FROM issue_search('"贷款" AND "土地"')`.
-- Issues filed before this migration are indexed when the service next starts.
CREATE VIRTUAL TABLE issue_search USING fts5(
    title, description, answer, enterprise,
    tokenize = 'unicode61 remove_diacritics 0'
);
INSERT INTO issue_search (issue_search, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0, 1.0)');
