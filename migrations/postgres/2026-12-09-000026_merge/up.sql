-- 合并: a duplicate closes pointing at the earlier issue it repeats; its enterprise follows
-- the original's progress and answer from it.
ALTER TABLE issues ADD COLUMN merged_into BIGINT REFERENCES issues (id);
CREATE INDEX issues_merged_into ON issues (merged_into) WHERE merged_into IS NOT NULL;
