DROP TRIGGER issue_events_append_only ON issue_events;
DROP FUNCTION issue_events_append_only();
