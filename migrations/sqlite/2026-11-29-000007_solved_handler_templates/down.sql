DROP TABLE reply_templates;
DROP INDEX issues_handler;
ALTER TABLE issues DROP COLUMN handler_id;
ALTER TABLE issue_ratings DROP COLUMN solved;
