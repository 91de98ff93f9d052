-- 0008_tenant_ids_batch.sql: the per-tenant id counter (sql/0003) written
-- once per statement, not once per row, so that inserting many rows in one
-- transaction takes time in proportion to the rows.
--
-- tenant_next_id() bumped its tenant's row of tenant_ids for every row
-- inserted. A row updated again and again by one transaction leaves a
-- chain of versions that cannot be pruned while the transaction runs, and
-- every look-up walks it: 40,000 rows in one INSERT took 10 s, 350,000 did
-- not end in 4 minutes (an operator importing a tenant's tasks, a batch
-- endpoint). Now the first row of a tenant in a transaction bumps the
-- counter as before (the UPDATE, or the upsert of a first id, that also
-- takes the row's lock until the transaction ends) and marks the row with
-- its transaction (held_by); a later row of that transaction finds the
-- mark, reads the row once and counts on in a running value kept in the
-- transaction, and tenant_ids_catch_up(), an AFTER INSERT ... FOR EACH
-- STATEMENT trigger, writes the last of them to the counter at the end
-- of the statement: the counter row is written at most twice per
-- statement, whatever its rows. A single-row INSERT writes it once, as
-- before, and sets nothing else (a setting written per POST, and held
-- under the lock, would cost every POST).
--
-- What 0003 promises holds: each tenant's ids are 1, 2, 3, ... in every
-- table numbered by the trigger (the counter is keyed by TG_TABLE_NAME);
-- the row lock holds one tenant's inserts into one table in turn until
-- each commits, other tenants are not held up; a rolled back insert, or
-- savepoint, gives its numbers back, since the running value is a setting
-- local to the transaction (set_config(..., true)), which a rollback to a
-- savepoint restores as it restores the counter row; no new right is
-- needed (the functions run as the caller: the API's role updates
-- tenant_ids and reads pg_trigger, as it could).
--
-- The running value is one slot, the setting bootstack.tenant_ids_slot,
-- that only these functions write: "+LAST XID TENANT TABLE", LAST the last
-- id handed out from the counter of TENANT for TABLE, which transaction
-- XID holds locked, and the counter's row behind it, to be written by the
-- statement trigger (or before the slot is taken for another counter);
-- empty when no counter is behind. The XID keeps a value SET for a whole
-- session from passing for a lock held. One slot, not one per tenant: a
-- setting lives as long as the connection, and the API's connections
-- serve many tenants. So a statement holding rows of several tenants
-- writes a counter each time the tenant changes: sorted by tenant (ORDER
-- BY tenant_id), twice per tenant; tenants interleaved row by row, once
-- per row, as slow as before.
--
-- Every table that uses tenant_next_id() needs the statement trigger too
-- (docs/add-a-resource.md); this migration adds it to those that exist.
-- A table without it (or with it disabled, or a partition inserted into
-- directly) is numbered row by row as in 0003, correct and slow: the row
-- trigger checks for the statement trigger before it lets the counter
-- fall behind.

-- the transaction that last moved the counter: the next row of that
-- transaction knows it holds the row's lock, and counts on from the slot
ALTER TABLE tenant_ids ADD COLUMN held_by xid8;

-- Writes the slot's last id to its counter, if the counter is behind.
CREATE FUNCTION tenant_ids_write_slot() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	slot	text := current_setting('bootstack.tenant_ids_slot', true);
	f	text[] := string_to_array(substr(slot, 2), ' ');
	tab	text := array_to_string(f[4:], ' ');
BEGIN
	IF left(slot, 1) IS DISTINCT FROM '+' OR
	    f[2] <> pg_current_xact_id()::text THEN
		RETURN;
	END IF;
	UPDATE tenant_ids SET last_id = greatest(last_id, f[1]::bigint),
	    held_by = pg_current_xact_id()
	WHERE tenant_id = f[3]::bigint AND resource = tab;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'tenant_ids: the counter of tenant % for % is '
		    'gone', f[3], tab;
	END IF;
	PERFORM set_config('bootstack.tenant_ids_slot', '', true);
END;
$$;

-- The AFTER INSERT FOR EACH STATEMENT trigger: the counter catches up.
-- (No WHEN: compiled for every statement, it would cost more than this
-- call does.)
CREATE FUNCTION tenant_ids_catch_up() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF left(current_setting('bootstack.tenant_ids_slot', true), 1) = '+'
	    THEN
		PERFORM tenant_ids_write_slot();
	END IF;
	RETURN NULL;
END;
$$;

-- Whether the statement trigger of relation rel fires now (an enabled
-- tenant_ids_catch_up() trigger, under session_replication_role).
CREATE FUNCTION tenant_ids_caught_up(rel oid) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT FROM pg_trigger
	    WHERE tgrelid = rel
	    AND tgfoid = 'tenant_ids_catch_up()'::regprocedure
	    AND (tgenabled = 'A' OR tgenabled =
	    CASE current_setting('session_replication_role')
	    WHEN 'replica' THEN 'R' ELSE 'O' END));
$$;

-- Sets NEW.id to the next id of NEW.tenant_id in the table fired on.
CREATE OR REPLACE FUNCTION tenant_next_id() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	slot	text := current_setting('bootstack.tenant_ids_slot', true);
	key	text;
	sp	integer;
BEGIN
	IF slot <> '' THEN
		key := concat_ws(' ', pg_current_xact_id(), NEW.tenant_id,
		    TG_TABLE_NAME);
		sp := strpos(slot, ' ');
		IF substr(slot, sp + 1) = key THEN
			-- the slot holds this counter: count on from it
			NEW.id := left(slot, sp - 1)::bigint + 1;
			PERFORM set_config('bootstack.tenant_ids_slot',
			    '+' || NEW.id || ' ' || key, true);
			RETURN NEW;
		END IF;
		-- another counter's: written before this one is taken
		PERFORM tenant_ids_write_slot();
	END IF;
	-- the first row of this transaction: the counter's row, locked until
	-- the transaction ends
	UPDATE tenant_ids SET last_id = last_id + 1,
	    held_by = pg_current_xact_id()
	WHERE tenant_id = NEW.tenant_id AND resource = TG_TABLE_NAME
	AND held_by IS DISTINCT FROM pg_current_xact_id()
	RETURNING last_id INTO NEW.id;
	IF FOUND THEN
		RETURN NEW;
	END IF;
	-- no counter yet, or this transaction moved it already: count on in
	-- the slot, if the statement trigger will write it, else move it
	-- again. (FOR UPDATE: held_by came from another cluster, restored
	-- from a dump, if this transaction does not hold the lock already.)
	SELECT last_id + 1 INTO NEW.id FROM tenant_ids
	WHERE tenant_id = NEW.tenant_id AND resource = TG_TABLE_NAME
	FOR UPDATE;
	IF FOUND THEN
		IF tenant_ids_caught_up(TG_RELID) THEN
			PERFORM set_config('bootstack.tenant_ids_slot',
			    concat_ws(' ', '+' || NEW.id, pg_current_xact_id(),
			    NEW.tenant_id, TG_TABLE_NAME), true);
			RETURN NEW;
		END IF;
		UPDATE tenant_ids SET last_id = last_id + 1
		WHERE tenant_id = NEW.tenant_id AND resource = TG_TABLE_NAME
		RETURNING last_id INTO NEW.id;
		RETURN NEW;
	END IF;
	INSERT INTO tenant_ids AS c (tenant_id, resource, last_id, held_by)
	VALUES (NEW.tenant_id, TG_TABLE_NAME, 1, pg_current_xact_id())
	ON CONFLICT (tenant_id, resource)
	DO UPDATE SET last_id = c.last_id + 1, held_by = pg_current_xact_id()
	RETURNING c.last_id INTO NEW.id;
	RETURN NEW;
END;
$$;

-- The statement trigger beside every row trigger of tenant_next_id().
DO $$
DECLARE
	t	record;
BEGIN
	FOR t IN SELECT DISTINCT tgrelid::regclass AS rel, c.relname
	    FROM pg_trigger JOIN pg_class c ON c.oid = tgrelid
	    WHERE tgfoid = 'tenant_next_id()'::regprocedure AND NOT tgisinternal
	    AND tgparentid = 0
	LOOP
		EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %s '
		    'FOR EACH STATEMENT EXECUTE FUNCTION tenant_ids_catch_up()',
		    left(t.relname, 52) || '_ids_catch_up', t.rel);
	END LOOP;
END;
$$;
