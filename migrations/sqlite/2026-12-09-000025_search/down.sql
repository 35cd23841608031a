DROP TABLE issue_search;
