-- Issues (问题): what enterprises raise, and everything the figures are computed from.
CREATE TABLE issues (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('financing', 'land', 'approval', 'talent', 'policy',
        'legal', 'tax', 'infrastructure', 'market_access', 'other')),
    channel TEXT NOT NULL CHECK (channel IN ('forum', 'online', 'visit', 'health_check', 'hotline')),
    status TEXT NOT NULL CHECK (status IN ('submitted', 'assigned', 'in_progress', 'returned',
        'answered', 'closed', 'withdrawn')),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    -- The region the issue belongs to: the forum's host region for issues raised at a forum,
    -- else the enterprise's region at filing.
    region_id BIGINT NOT NULL REFERENCES regions (id),
    forum_id BIGINT REFERENCES forums (id),
    lead_department_id BIGINT REFERENCES departments (id),
    due_on DATE,
    resolved_on_site BOOLEAN NOT NULL DEFAULT 0,
    -- 共性 (true) or 个性 (false); null until marked.
    common BOOLEAN,
    supervision BOOLEAN NOT NULL DEFAULT 0,
    reopen_count INTEGER NOT NULL DEFAULT 0,
    return_count INTEGER NOT NULL DEFAULT 0,
    -- Counts kept with the issue so that the figures need no join: dissatisfied ratings,
    -- urges (催办) and supervisions (督办) received.
    dissatisfied_count INTEGER NOT NULL DEFAULT 0,
    urge_count INTEGER NOT NULL DEFAULT 0,
    supervise_count INTEGER NOT NULL DEFAULT 0,
    -- The latest answer.
    answer_outcome TEXT CHECK (answer_outcome IN ('resolved', 'explained', 'planned')),
    answer_text TEXT,
    answer_planned_on DATE,
    answered_at TIMESTAMP,
    answer_count INTEGER NOT NULL DEFAULT 0,
    -- The first answer, for the on-time rate and the time to answer.
    first_answered_at TIMESTAMP,
    answered_on_time BOOLEAN,
    working_days_to_answer INTEGER,
    -- The latest rating (the whole of each rating is in issue_ratings).
    rating TEXT CHECK (rating IN ('satisfied', 'basically_satisfied', 'dissatisfied')),
    assigned_at TIMESTAMP,
    filed_on DATE NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX issues_filed_on ON issues (filed_on);
CREATE INDEX issues_region ON issues (region_id, filed_on);
CREATE INDEX issues_enterprise ON issues (enterprise_id);
CREATE INDEX issues_lead ON issues (lead_department_id, filed_on);
CREATE INDEX issues_forum ON issues (forum_id);
CREATE INDEX issues_status_due ON issues (status, due_on);
CREATE INDEX issues_created ON issues (created_at);

-- Text search: SQLite scans with LIKE (no index serves a substring match there).

-- Co-handling departments (协办).
CREATE TABLE issue_co_departments (
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    department_id BIGINT NOT NULL REFERENCES departments (id),
    PRIMARY KEY (issue_id, department_id)
);
CREATE INDEX issue_co_departments_department ON issue_co_departments (department_id);

-- The timeline: every change, never updated or deleted.
CREATE TABLE issue_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    action TEXT NOT NULL,
    actor_id BIGINT NOT NULL REFERENCES users (id),
    actor_role TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX issue_events_issue ON issue_events (issue_id, id);
CREATE INDEX issue_events_action ON issue_events (action, issue_id);

-- Ratings (评价), one per answer.
CREATE TABLE issue_ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    answer_number INTEGER NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('satisfied', 'basically_satisfied', 'dissatisfied')),
    source TEXT NOT NULL CHECK (source IN ('enterprise', 'follow_up')),
    comment TEXT,
    rated_by BIGINT NOT NULL REFERENCES users (id),
    rated_at TIMESTAMP NOT NULL,
    UNIQUE (issue_id, answer_number)
);
CREATE INDEX issue_ratings_issue ON issue_ratings (issue_id, answer_number);

-- Extension requests (延期).
CREATE TABLE issue_extensions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    department_id BIGINT NOT NULL REFERENCES departments (id),
    new_due_on DATE NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'granted', 'refused')),
    requested_by BIGINT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    note TEXT
);
CREATE INDEX issue_extensions_issue ON issue_extensions (issue_id);

-- Idempotent filing: the first answer to a (user, key) is kept and given again.
CREATE TABLE idempotency_keys (
    user_id BIGINT NOT NULL REFERENCES users (id),
    key TEXT NOT NULL,
    request TEXT NOT NULL,
    response TEXT NOT NULL,
    issue_id BIGINT NOT NULL REFERENCES issues (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, key)
);
