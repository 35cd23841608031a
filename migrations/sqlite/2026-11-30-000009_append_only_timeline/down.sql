DROP TRIGGER issue_events_no_update;
DROP TRIGGER issue_events_no_delete;
