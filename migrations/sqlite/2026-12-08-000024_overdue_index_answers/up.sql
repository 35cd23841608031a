-- 超期 is counted with whether the issue has had its first answer (an overdue issue answered
-- late still counts, apart): the covering index carries the columns that judgement reads,
-- so counting the overdue issues reads the index alone again, as migration 000015 meant.
DROP INDEX issues_status_due;
CREATE INDEX issues_status_due ON issues
    (status, category, due_on, filed_on, region_id, lead_department_id, channel,
     first_answered_at, assigned_at, resolved_on_site);
