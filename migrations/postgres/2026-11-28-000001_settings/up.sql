-- Service-wide settings kept in the database so that every instance shares them
-- (for example the token signing secret when none is configured).
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
