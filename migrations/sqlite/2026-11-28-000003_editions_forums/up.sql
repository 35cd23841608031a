-- Editions (期) of the weekly forum: numbered, held on a Wednesday unless rescheduled.
CREATE TABLE editions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number INTEGER NOT NULL UNIQUE CHECK (number > 0),
    held_on DATE NOT NULL,
    theme TEXT NOT NULL,
    reschedule_reason TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX editions_held_on ON editions (held_on);

-- Linked forums (场) of an edition, each hosted by a region.
CREATE TABLE forums (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    edition_id BIGINT NOT NULL REFERENCES editions (id),
    region_id BIGINT NOT NULL REFERENCES regions (id),
    -- Venue and chair may be settled after planning; a forum is held only with both.
    venue TEXT,
    theme TEXT NOT NULL,
    chair_name TEXT,
    chair_title TEXT,
    status TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'held', 'cancelled')),
    minutes TEXT,
    cancel_reason TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (status <> 'cancelled' OR cancel_reason IS NOT NULL),
    CHECK (status <> 'held' OR (venue IS NOT NULL AND chair_name IS NOT NULL))
);
CREATE INDEX forums_edition ON forums (edition_id);
CREATE INDEX forums_region ON forums (region_id, status);

-- Departments attending a forum.
CREATE TABLE forum_departments (
    forum_id BIGINT NOT NULL REFERENCES forums (id),
    department_id BIGINT NOT NULL REFERENCES departments (id),
    PRIMARY KEY (forum_id, department_id)
);
CREATE INDEX forum_departments_department ON forum_departments (department_id);

-- Entrepreneurs at a forum (参会企业家): one row per person per forum (人次).
CREATE TABLE attendances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    forum_id BIGINT NOT NULL REFERENCES forums (id),
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    person_name TEXT NOT NULL,
    title TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (forum_id, enterprise_id, person_name)
);
CREATE INDEX attendances_enterprise ON attendances (enterprise_id);
