DROP INDEX issues_merged_into;
ALTER TABLE issues DROP COLUMN merged_into;
