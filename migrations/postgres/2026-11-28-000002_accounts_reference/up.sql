-- Regions (行政区划): a tree. `path` lists the ids from the root down ('/1/4/'), so that a
-- region's scope (itself and every descendant) is one prefix match.
CREATE TABLE regions (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES regions (id),
    path TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX regions_parent ON regions (parent_id);
CREATE INDEX regions_path ON regions (path text_pattern_ops);

-- Departments (部门), with at most one catch-all office (兜底) per region.
CREATE TABLE departments (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    catch_all BOOLEAN NOT NULL DEFAULT FALSE,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (region_id, name)
);
CREATE UNIQUE INDEX departments_one_catch_all ON departments (region_id) WHERE catch_all;

-- Enterprises (企业), identified by the unified social credit code (统一社会信用代码).
CREATE TABLE enterprises (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,
    region_id BIGINT NOT NULL REFERENCES regions (id),
    industry TEXT NOT NULL,
    size TEXT NOT NULL CHECK (size IN ('large', 'medium', 'small', 'micro')),
    contact_name TEXT,
    contact_phone TEXT,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX enterprises_region ON enterprises (region_id);

-- Users. Each role carries exactly the link that scopes it.
CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'leader', 'department', 'enterprise')),
    region_id BIGINT REFERENCES regions (id),
    department_id BIGINT REFERENCES departments (id),
    enterprise_id BIGINT REFERENCES enterprises (id),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    -- Raised by logout, deactivation, a password or role change: older tokens stop working.
    token_version BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (role <> 'department' OR department_id IS NOT NULL),
    CHECK (role <> 'enterprise' OR enterprise_id IS NOT NULL),
    CHECK (role NOT IN ('coordinator', 'leader') OR region_id IS NOT NULL)
);

-- The working-day calendar: statutory holidays and adjusted working days (调休) per year.
CREATE TABLE calendar_years (
    year INTEGER PRIMARY KEY,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE calendar_days (
    day DATE PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday'))
);

-- Failed logins per username and per client address, for throttling.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL,
    blocked_until TIMESTAMP
);

-- Huzhou (湖州市) and its districts and counties. 南太湖新区 is a functional area with no
-- GB/T 2260 code of its own, so it carries a local one.
INSERT INTO regions (id, code, name, parent_id, path) VALUES
    (1, '330500', '湖州市', NULL, '/1/'),
    (2, '330502', '吴兴区', 1, '/1/2/'),
    (3, '330503', '南浔区', 1, '/1/3/'),
    (4, '330521', '德清县', 1, '/1/4/'),
    (5, '330522', '长兴县', 1, '/1/5/'),
    (6, '330523', '安吉县', 1, '/1/6/'),
    (7, '330500-NTH', '南太湖新区', 1, '/1/7/');
SELECT setval(pg_get_serial_sequence('regions', 'id'), 7);
