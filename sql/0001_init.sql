-- 0001_init.sql: the initial schema of bootstack.
--
-- Applied by `bootstack migrate` in one transaction, together with its row in
-- schema_migrations (that table belongs to the migrate module, lib/migrate.c,
-- and is not created here). Migrations run forward only: once this file is
-- applied anywhere, never edit it (its SHA-256 is recorded and a changed file
-- stops every later run); add 0002_what.sql instead.
--
-- Conventions:
-- - Ids are bigint identity columns (GENERATED ALWAYS: the database picks
--   them; INSERT ... RETURNING id gives them back).
-- - Every row that belongs to a tenant carries tenant_id, deleted with its
--   tenant (ON DELETE CASCADE), and every query filters on it, so the indexes
--   used by the API start with tenant_id.
-- - Limits the API enforces are also CHECK constraints here, so a bug in a
--   handler cannot store what the API would refuse.
-- - Times are timestamptz, set by the database (now()).

-- A customer account; owns keys, tasks and idempotency records.
CREATE TABLE tenants (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name		text NOT NULL UNIQUE
			CHECK (char_length(name) BETWEEN 1 AND 100
			    AND name !~ '[[:cntrl:]]'),
	created_at	timestamptz NOT NULL DEFAULT now()
);

-- API keys. A key reads bsk_<prefix>_<secret>: the prefix finds the row
-- (unique, so no tenant is needed to look it up) and only the SHA-256 of the
-- secret is stored. Revoking sets revoked_at; keeping the row keeps its
-- prefix from being issued again.
CREATE TABLE api_keys (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tenant_id	bigint NOT NULL
			REFERENCES tenants (id) ON DELETE CASCADE,
	-- no "_": it separates the parts of the key
	prefix		text NOT NULL UNIQUE
			CHECK (prefix ~ '^[A-Za-z0-9]{4,64}$'),
	secret_sha256	bytea NOT NULL CHECK (octet_length(secret_sha256) = 32),
	-- at least one scope, each 'read' or 'write', no NULLs, one dimension
	scopes		text[] NOT NULL
			CHECK (array_ndims(scopes) = 1
			    AND cardinality(scopes) >= 1
			    AND array_position(scopes, NULL) IS NULL
			    AND scopes <@ ARRAY['read', 'write']::text[]),
	-- the operator's label, shown by `bootstack key list`
	name		text CHECK (char_length(name) <= 100),
	created_at	timestamptz NOT NULL DEFAULT now(),
	revoked_at	timestamptz,
	last_used_at	timestamptz
);
-- `key list` per tenant, and the ON DELETE CASCADE from tenants.
CREATE INDEX api_keys_tenant_id_idx ON api_keys (tenant_id, id);

-- The template resource of the API. version starts at 1 and grows by one on
-- every UPDATE (the trigger below), so an ETag built from it changes with
-- every write, even if a handler forgets to bump it.
CREATE TABLE tasks (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tenant_id	bigint NOT NULL
			REFERENCES tenants (id) ON DELETE CASCADE,
	title		text NOT NULL
			CHECK (char_length(title) BETWEEN 1 AND 200),
	status		text NOT NULL DEFAULT 'todo'
			CHECK (status IN ('todo', 'doing', 'done')),
	due		date,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	version		integer NOT NULL DEFAULT 1 CHECK (version >= 1)
);
-- Keyset pagination: WHERE tenant_id = $1 AND id > $cursor ORDER BY id,
-- with and without a status filter.
CREATE INDEX tasks_tenant_id_idx ON tasks (tenant_id, id);
CREATE INDEX tasks_tenant_status_id_idx ON tasks (tenant_id, status, id);

-- Sets updated_at and bumps version on every UPDATE of a task, whatever the
-- statement says, so the ETag and the timestamp cannot be forgotten.
CREATE FUNCTION tasks_touch() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.updated_at := now();
	NEW.version := OLD.version + 1;
	RETURN NEW;
END;
$$;
CREATE TRIGGER tasks_touch BEFORE UPDATE ON tasks
	FOR EACH ROW EXECUTE FUNCTION tasks_touch();

-- Idempotency-Key records for POST: the first request with a key stores a
-- hash of itself (method, path, body) and, once answered, the response that
-- a retry with the same key gets again. status_code is NULL while the first
-- request is still being handled. Rows older than 24 h are purged, hence the
-- index on created_at.
CREATE TABLE idempotency_keys (
	tenant_id		bigint NOT NULL
				REFERENCES tenants (id) ON DELETE CASCADE,
	key			text NOT NULL
				CHECK (char_length(key) BETWEEN 1 AND 255),
	request_sha256		bytea NOT NULL
				CHECK (octet_length(request_sha256) = 32),
	status_code		integer CHECK (status_code BETWEEN 100 AND 599),
	-- the response headers worth replaying, as {"name": "value", ...}
	response_headers	jsonb
				CHECK (jsonb_typeof(response_headers) = 'object'),
	response_body		text,
	created_at		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
