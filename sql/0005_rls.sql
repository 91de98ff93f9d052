-- 0005_rls.sql: row-level security, a second wall between tenants.
--
-- Every query of the API filters on tenant_id, and the indexes start
-- with it; but a handler that forgets its WHERE would read or change
-- every tenant's rows. Now each table that holds a tenant's data has a
-- policy keyed by the setting bootstack.tenant_id, which the API sets to
-- the authenticated key's tenant in the transaction of each statement it
-- runs (lib/db.h: db_run_tenant; set_config(..., true), in the same round
-- trip through libpq's pipeline mode). A query of the API's role sees and
-- writes only that tenant's rows, whatever its WHERE says; without the
-- setting, none (fail closed: NULL matches nothing).
--
-- Not under a policy: tenants and api_keys, the directory the API reads
-- to find out who is calling (before a tenant is known: a key is looked
-- up by its prefix), and schema_migrations (the owner's alone). The owner
-- and superusers are not held by these policies (no FORCE): migrations,
-- the operator's psql and tests see everything. Deleting a tenant
-- cascades to its rows whatever the policy (referential actions are not
-- filtered).
--
-- Cost: one extra SELECT set_config in the same round trip; the policy's
-- condition is the same tenant_id = $1 the queries already use.

ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON tasks
	USING (tenant_id = nullif(current_setting('bootstack.tenant_id', true), '')::bigint)
	WITH CHECK (tenant_id = nullif(current_setting('bootstack.tenant_id', true), '')::bigint);

ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON idempotency_keys
	USING (tenant_id = nullif(current_setting('bootstack.tenant_id', true), '')::bigint)
	WITH CHECK (tenant_id = nullif(current_setting('bootstack.tenant_id', true), '')::bigint);

ALTER TABLE tenant_ids ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_rows ON tenant_ids
	USING (tenant_id = nullif(current_setting('bootstack.tenant_id', true), '')::bigint)
	WITH CHECK (tenant_id = nullif(current_setting('bootstack.tenant_id', true), '')::bigint);

-- The purge of expired Idempotency-Key records spans tenants: the API
-- calls this function (the owner's rights, granted by
-- bootstack_grant_api) rather than reading other tenants' rows.
CREATE FUNCTION idempotency_purge() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
	WITH gone AS (
		DELETE FROM public.idempotency_keys
		WHERE created_at < now() - interval '24 hours' RETURNING 1
	) SELECT count(*) FROM gone;
$$;
REVOKE ALL ON FUNCTION idempotency_purge() FROM PUBLIC;
