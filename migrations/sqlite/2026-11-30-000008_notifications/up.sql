-- 提醒: one notice per occurrence (an assignment, a reminder, a digest), recorded in the
-- same transaction as the change that causes it. A reminder carries a key naming what it
-- reminds of and when, so that however many instances run the scheduler it exists once.
CREATE TABLE notices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    issue_id BIGINT REFERENCES issues (id),
    text TEXT NOT NULL,
    link TEXT NOT NULL,
    -- Who it is addressed to, for outside delivery: the handlers of a department, or the
    -- Federation's people (coordinators, leaders) of a region.
    department_id BIGINT REFERENCES departments (id),
    region_id BIGINT REFERENCES regions (id),
    dedupe_key TEXT UNIQUE,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX notices_issue ON notices (issue_id);

-- Each person's copy of a notice, read or not.
CREATE TABLE notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id BIGINT NOT NULL REFERENCES notices (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    read_at TIMESTAMP,
    UNIQUE (notice_id, user_id)
);
CREATE INDEX notifications_user ON notifications (user_id, id);
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- Outside delivery configured by the administrator, for a department or a region.
CREATE TABLE channels (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('webhook', 'dingtalk', 'wecom', 'email')),
    target TEXT NOT NULL,
    secret TEXT,
    department_id BIGINT REFERENCES departments (id),
    region_id BIGINT REFERENCES regions (id),
    -- Comma-separated notice kinds; NULL: every kind.
    kinds TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK ((department_id IS NULL) <> (region_id IS NULL))
);

-- One notice to one channel: delivered at least once, retried with back-off. A worker
-- claims a row by setting lease_until; a worker killed mid-delivery leaves the lease to
-- run out and the row is tried again.
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id BIGINT NOT NULL REFERENCES notices (id),
    channel_id BIGINT NOT NULL REFERENCES channels (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    last_error TEXT,
    delivered_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (notice_id, channel_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_channel ON deliveries (channel_id, status);
