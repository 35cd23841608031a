-- 超期 is the one figure counted from the issues themselves (it moves with the date): the
-- index it reads carries the columns the figures group and scope it by, so counting the
-- overdue issues of a period, a region, a department or a category reads the index alone.
-- The category is part of the key: a list filtered by status and category finds its rows
-- (and its total) in the index.
DROP INDEX issues_status_due;
CREATE INDEX issues_status_due ON issues (status, category, due_on)
    INCLUDE (filed_on, region_id, lead_department_id, channel);
