-- 已发布文件: a 月度通报 or 年度报告 as the Federation published it, stored whole (its
-- figures, ranking and text, as JSON) so that it reads the same whenever it is opened.
-- Publishing the same kind, period and region again adds the next version beside it.
-- The 文号 is numbered per issuing region and year of publication.
CREATE TABLE reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('monthly', 'yearly')),
    year INTEGER NOT NULL,
    -- 0 for a 年度报告.
    month INTEGER NOT NULL CHECK (month BETWEEN 0 AND 12),
    region_id BIGINT NOT NULL REFERENCES regions (id),
    version INTEGER NOT NULL,
    number_year INTEGER NOT NULL,
    number_seq INTEGER NOT NULL,
    number TEXT NOT NULL,
    basis TEXT NOT NULL CHECK (basis IN ('filed', 'activity')),
    document TEXT NOT NULL,
    published_by BIGINT NOT NULL REFERENCES users (id),
    published_at TIMESTAMP NOT NULL,
    UNIQUE (kind, year, month, region_id, version),
    UNIQUE (region_id, number_year, number_seq)
);
CREATE INDEX reports_newest ON reports (published_at);
