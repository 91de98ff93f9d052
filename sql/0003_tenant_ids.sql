-- 0003_tenant_ids.sql: task ids counted per tenant, so that an id tells a
-- tenant nothing about the others.
--
-- Until now tasks.id came from one identity sequence shared by every
-- tenant: a tenant that created task 100 and, an hour later, task 160
-- learnt that the others had created 59 tasks meanwhile (ids leak the
-- service's volume and rate, the "German tank problem"). Now each tenant
-- counts its own tasks: its ids are 1, 2, 3, ... whatever the others do,
-- and the key of a task is (tenant_id, id). Random ids (UUIDs) would hide
-- as much, but are long in URLs, index worse (no order) and lose the
-- creation order keyset pagination relies on.
--
-- Existing rows keep their ids (clients hold URLs to them); each tenant's
-- counter starts after its largest id.
--
-- The counters are rows of tenant_ids, one per tenant and table, bumped by
-- the BEFORE INSERT trigger tenant_next_id(), which any tenant table can
-- use (docs/add-a-resource.md). Its row lock serialises the inserts of one
-- tenant into one table until they commit (other tenants are not held up);
-- a rolled back insert gives its number back, so ids have no gaps, unlike
-- a sequence's.
CREATE TABLE tenant_ids (
	tenant_id	bigint NOT NULL
			REFERENCES tenants (id) ON DELETE CASCADE,
	-- the table the counter numbers (TG_TABLE_NAME)
	resource	text NOT NULL CHECK (char_length(resource) BETWEEN 1 AND 63),
	last_id		bigint NOT NULL CHECK (last_id >= 0),
	PRIMARY KEY (tenant_id, resource)
);

-- Sets NEW.id to the next id of NEW.tenant_id in the table fired on.
CREATE FUNCTION tenant_next_id() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO tenant_ids AS c (tenant_id, resource, last_id)
	VALUES (NEW.tenant_id, TG_TABLE_NAME, 1)
	ON CONFLICT (tenant_id, resource)
	DO UPDATE SET last_id = c.last_id + 1
	RETURNING c.last_id INTO NEW.id;
	RETURN NEW;
END;
$$;

ALTER TABLE tasks ALTER COLUMN id DROP IDENTITY;
ALTER TABLE tasks DROP CONSTRAINT tasks_pkey;
-- also the index of keyset pagination: tasks_tenant_id_idx is redundant
ALTER TABLE tasks ADD PRIMARY KEY (tenant_id, id);
DROP INDEX tasks_tenant_id_idx;
ALTER TABLE tasks ADD CHECK (id >= 1);
INSERT INTO tenant_ids (tenant_id, resource, last_id)
	SELECT tenant_id, 'tasks', max(id) FROM tasks GROUP BY tenant_id;
CREATE TRIGGER tasks_next_id BEFORE INSERT ON tasks
	FOR EACH ROW EXECUTE FUNCTION tenant_next_id();
