CREATE TEMPORARY TABLE issue_rollup_folded AS
    SELECT region_id, lead_department_id, category, channel, filed_on, SUM(collected) AS collected, SUM(resolved_on_site) AS resolved_on_site, SUM(assigned_issues) AS assigned_issues, SUM(concluded) AS concluded, SUM(answered_issues) AS answered_issues, SUM(on_time) AS on_time, SUM(reopened) AS reopened, SUM(returned_issues) AS returned_issues, SUM(rated) AS rated, SUM(satisfied) AS satisfied, SUM(dissatisfied_ratings) AS dissatisfied_ratings, SUM(working_days_sum) AS working_days_sum, SUM(working_days_n) AS working_days_n, SUM(urges) AS urges, SUM(supervisions) AS supervisions, SUM(under_supervision) AS under_supervision, SUM(rated_answered) AS rated_answered, SUM(first_time) AS first_time, SUM(solved) AS solved FROM issue_rollup GROUP BY region_id, lead_department_id, category, channel, filed_on;
DROP INDEX issue_rollup_fresh;
ALTER TABLE issue_rollup DROP COLUMN fresh;
DELETE FROM issue_rollup;
INSERT INTO issue_rollup SELECT * FROM issue_rollup_folded;
DROP TABLE issue_rollup_folded;
ALTER TABLE issue_rollup ADD PRIMARY KEY (region_id, lead_department_id, category, channel, filed_on);
CREATE TEMPORARY TABLE issue_totals_folded AS
    SELECT region_id, lead_department_id, category, channel, SUM(collected) AS collected, SUM(resolved_on_site) AS resolved_on_site, SUM(assigned_issues) AS assigned_issues, SUM(concluded) AS concluded, SUM(answered_issues) AS answered_issues, SUM(on_time) AS on_time, SUM(reopened) AS reopened, SUM(returned_issues) AS returned_issues, SUM(rated) AS rated, SUM(satisfied) AS satisfied, SUM(dissatisfied_ratings) AS dissatisfied_ratings, SUM(working_days_sum) AS working_days_sum, SUM(working_days_n) AS working_days_n, SUM(urges) AS urges, SUM(supervisions) AS supervisions, SUM(under_supervision) AS under_supervision, SUM(rated_answered) AS rated_answered, SUM(first_time) AS first_time, SUM(solved) AS solved FROM issue_totals GROUP BY region_id, lead_department_id, category, channel;
DROP INDEX issue_totals_fresh;
ALTER TABLE issue_totals DROP COLUMN fresh;
DELETE FROM issue_totals;
INSERT INTO issue_totals SELECT * FROM issue_totals_folded;
DROP TABLE issue_totals_folded;
ALTER TABLE issue_totals ADD PRIMARY KEY (region_id, lead_department_id, category, channel);
CREATE TEMPORARY TABLE assignment_rollup_folded AS
    SELECT department_id, region_id, category, channel, filed_on, SUM(assignments) AS assignments, SUM(signed_on_time) AS signed_on_time, SUM(returns) AS returns FROM assignment_rollup GROUP BY department_id, region_id, category, channel, filed_on;
DROP INDEX assignment_rollup_fresh;
ALTER TABLE assignment_rollup DROP COLUMN fresh;
DELETE FROM assignment_rollup;
INSERT INTO assignment_rollup SELECT * FROM assignment_rollup_folded;
DROP TABLE assignment_rollup_folded;
ALTER TABLE assignment_rollup ADD PRIMARY KEY (department_id, region_id, category, channel, filed_on);
