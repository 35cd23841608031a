-- 部门曾用名: the names a department bore before it was renamed. A row says that on every
-- date (Shanghai) before `until`, back to the previous row's `until` or the department's
-- creation, the department was called `name`; from the last row's `until` on, it bears
-- its name in `departments`. Period views (红黑榜, boards, 通报, the ledger) name a
-- department as it was called on the period's last day.
CREATE TABLE department_names (
    department_id BIGINT NOT NULL REFERENCES departments (id),
    until DATE NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (department_id, until)
);
