-- 解决率, 参评率 and 一次办结率: the issue keeps whether its latest rating says the problem was
-- solved (filled from the ratings already given), and the kept sums gain the three measures
-- (the service refills them from the issues at the next start).
ALTER TABLE issues ADD COLUMN solved BOOLEAN;
UPDATE issues SET solved = (
    SELECT r.solved FROM issue_ratings r WHERE r.issue_id = issues.id ORDER BY r.id DESC LIMIT 1
);
ALTER TABLE issue_rollup ADD COLUMN rated_answered BIGINT NOT NULL DEFAULT 0;
ALTER TABLE issue_rollup ADD COLUMN first_time BIGINT NOT NULL DEFAULT 0;
ALTER TABLE issue_rollup ADD COLUMN solved BIGINT NOT NULL DEFAULT 0;
