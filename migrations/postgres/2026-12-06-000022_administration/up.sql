-- A password an administrator reset is a one-time password: the account must choose its
-- own before anything else.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
-- The categories a department leads (负责类别): offered first when assigning an issue of one.
CREATE TABLE department_categories (
    department_id BIGINT NOT NULL REFERENCES departments (id),
    category TEXT NOT NULL,
    PRIMARY KEY (department_id, category)
);
-- 取消本期: an edition called off, with why; its forums are cancelled with it.
ALTER TABLE editions ADD COLUMN cancel_reason TEXT;
