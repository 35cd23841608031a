-- The timeline is append-only in the database itself: no statement, whoever sends it,
-- changes or removes an event. (A migration may still drop the trigger.)
CREATE FUNCTION issue_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the timeline (issue_events) is append-only: % refused', TG_OP;
END
$$;
CREATE TRIGGER issue_events_append_only BEFORE UPDATE OR DELETE ON issue_events
    FOR EACH ROW EXECUTE FUNCTION issue_events_append_only();
