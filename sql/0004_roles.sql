-- 0004_roles.sql: least privilege in the database, for the API's role.
--
-- The API used to log in as the owner of its tables: a handler bug or an
-- SQL injection could DROP TABLE tasks, and an owner is not held by
-- row-level security. Now two roles are expected ([database] in
-- bootstack.conf): the owner, which `bootstack migrate` logs in as and
-- which owns every table, and the API's role ([database] user), which
-- owns nothing and may only read and write rows.
--
-- bootstack_grant_api(role) gives the API's role exactly that: SELECT,
-- INSERT, UPDATE and DELETE on every table of the schema but
-- schema_migrations (the migrations' record, the owner's alone), USAGE on
-- the sequences of identity columns, USAGE on the schema; no TRUNCATE, no
-- REFERENCES, no TRIGGER, no CREATE, and no table of its own; EXECUTE
-- on the owner's SECURITY DEFINER functions, the few gates to what its
-- own rights do not reach. It creates
-- the role (LOGIN, nothing else) when it does not exist and the owner may
-- create roles; roles belong to the whole cluster, so their names come
-- from the configuration, never from this file. `bootstack migrate` calls
-- it after every run (lib/migrate.c: migrate_grant), so tables added by
-- later migrations are granted too. Called with the owner's own name (one
-- role for both, the old layout), it does nothing: bootstack-api then
-- warns at start.
CREATE FUNCTION bootstack_grant_api(api text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	rel	record;
BEGIN
	IF api IS NULL OR api = '' OR api = current_user THEN
		RETURN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = api) THEN
		EXECUTE format('CREATE ROLE %I LOGIN', api);
	END IF;
	IF pg_has_role(api, current_user, 'USAGE') THEN
		RAISE EXCEPTION 'role % is a member of the owner %: it would '
		    'hold every right of the owner', api, current_user;
	END IF;
	EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), api);
	FOR rel IN SELECT c.relname, c.relkind FROM pg_class c
	    WHERE c.relnamespace = current_schema()::regnamespace
	    AND c.relkind IN ('r', 'p', 'S')
	    AND pg_has_role(c.relowner, current_user, 'USAGE')
	LOOP
		IF rel.relname = 'schema_migrations' THEN
			EXECUTE format('REVOKE ALL ON %I FROM %I', rel.relname, api);
		ELSIF rel.relkind = 'S' THEN
			EXECUTE format('GRANT USAGE ON SEQUENCE %I TO %I',
			    rel.relname, api);
		ELSE
			EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON '
			    'TABLE %I TO %I', rel.relname, api);
		END IF;
	END LOOP;
	-- the owner's SECURITY DEFINER functions are the API's gates to what
	-- its own rights do not reach (sql/0005: idempotency_purge)
	FOR rel IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
	    WHERE p.pronamespace = current_schema()::regnamespace
	    AND p.prosecdef AND pg_has_role(p.proowner, current_user, 'USAGE')
	LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', rel.fn, api);
	END LOOP;
END;
$$;
REVOKE ALL ON FUNCTION bootstack_grant_api(text) FROM PUBLIC;
