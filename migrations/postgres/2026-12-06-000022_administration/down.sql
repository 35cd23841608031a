ALTER TABLE editions DROP COLUMN cancel_reason;
DROP TABLE department_categories;
ALTER TABLE users DROP COLUMN must_change_password;
