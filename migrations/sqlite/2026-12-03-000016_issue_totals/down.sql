DROP TABLE issue_totals;
