DROP TABLE idempotency_keys;
DROP TABLE issue_extensions;
DROP TABLE issue_ratings;
DROP TABLE issue_events;
DROP TABLE issue_co_departments;
DROP TABLE issues;
