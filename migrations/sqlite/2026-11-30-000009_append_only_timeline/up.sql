-- The timeline is append-only in the database itself: no statement, whoever sends it,
-- changes or removes an event. (A migration may still drop the triggers.)
CREATE TRIGGER issue_events_no_update BEFORE UPDATE ON issue_events
BEGIN
    SELECT RAISE(ABORT, 'the timeline (issue_events) is append-only: UPDATE refused');
END;
CREATE TRIGGER issue_events_no_delete BEFORE DELETE ON issue_events
BEGIN
    SELECT RAISE(ABORT, 'the timeline (issue_events) is append-only: DELETE refused');
END;
