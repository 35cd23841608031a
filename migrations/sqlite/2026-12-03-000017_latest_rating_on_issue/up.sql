-- The issue keeps its latest rating whole, beside `rating` and `solved` which it already
-- kept: who gave it (the enterprise, or a follow-up call), the comment and when. Reading an
-- issue then needs no subquery into the ratings. Filled from the ratings already given.
ALTER TABLE issues ADD COLUMN rating_source TEXT;
ALTER TABLE issues ADD COLUMN rating_comment TEXT;
ALTER TABLE issues ADD COLUMN rated_at TIMESTAMP;
UPDATE issues SET
    rating_source = (SELECT r.source FROM issue_ratings r WHERE r.issue_id = issues.id
                     ORDER BY r.answer_number DESC LIMIT 1),
    rating_comment = (SELECT r.comment FROM issue_ratings r WHERE r.issue_id = issues.id
                      ORDER BY r.answer_number DESC LIMIT 1),
    rated_at = (SELECT r.rated_at FROM issue_ratings r WHERE r.issue_id = issues.id
                ORDER BY r.answer_number DESC LIMIT 1)
WHERE rating IS NOT NULL;
