-- 0002_tasks_touch_on_change.sql: a task's version and updated_at move only
-- when the row really changes.
--
-- 0001's trigger bumped version (and so the ETag) and updated_at on every
-- UPDATE, so a PATCH that changed nothing ({} or the values already there)
-- made every client's cached copy stale and every If-Match fail. The
-- trigger now fires only when some column differs; an UPDATE that rewrites
-- the same values keeps both, and still returns the row.
DROP TRIGGER tasks_touch ON tasks;
CREATE TRIGGER tasks_touch BEFORE UPDATE ON tasks
	FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*)
	EXECUTE FUNCTION tasks_touch();
