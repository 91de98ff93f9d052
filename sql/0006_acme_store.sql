-- 0006_acme_store.sql: ACME HTTP-01 challenges and issued certificates in
-- the database, for several front ends ([acme] store = database).
--
-- With more than one nginx, the CA's HTTP-01 request can reach any of
-- them, but the webroot file is on the host that ran `cert renew`. So the
-- challenge is a row of acme_challenges instead, and every front end
-- answers /.well-known/acme-challenge/TOKEN from it through the API
-- (app/routes/acme.c). The renewing run removes a row once the CA is done
-- with its authorization (lib/cert_store.c), as it removed the file.
--
-- certificates holds the current certificate of each [cert NAME]: the
-- leaf, the chain, and the private key sealed with [acme] store_key
-- (AES-256-GCM, the name authenticated with it: lib/crypto.h), which is
-- in the configuration, never in the database. `bootstack cert sync` on
-- each front end installs it. One row per name, replaced in one statement.
--
-- The API's role may only read acme_challenges, and nothing of
-- certificates: bootstack_grant_api is replaced by one that says so (it
-- still grants rows of every other table, as sql/0004 did). `cert renew`
-- and `cert sync` log in as [database] owner, which owns both.
CREATE TABLE acme_challenges (
	token			text PRIMARY KEY
				CHECK (token ~ '^[A-Za-z0-9_-]{1,255}$'),
	key_authorization	text NOT NULL
				CHECK (length(key_authorization) <= 1024),
	cert_name		text NOT NULL,
	created_at		timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE certificates (
	name		text PRIMARY KEY,
	serial		text NOT NULL,
	not_after	timestamptz NOT NULL,
	cert_pem	text NOT NULL,		-- the leaf
	chain_pem	text NOT NULL,		-- the intermediates
	key_sealed	text NOT NULL,		-- base64url of crypto_seal(store_key,
						-- name, key PEM)
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE OR REPLACE FUNCTION bootstack_grant_api(api text) RETURNS void
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
		IF rel.relname IN ('schema_migrations', 'certificates') THEN
			EXECUTE format('REVOKE ALL ON %I FROM %I', rel.relname, api);
		ELSIF rel.relname = 'acme_challenges' THEN
			-- the API answers challenges, it never makes them
			EXECUTE format('REVOKE ALL ON %I FROM %I', rel.relname, api);
			EXECUTE format('GRANT SELECT ON TABLE %I TO %I',
			    rel.relname, api);
		ELSIF rel.relkind = 'S' THEN
			EXECUTE format('GRANT USAGE ON SEQUENCE %I TO %I',
			    rel.relname, api);
		ELSE
			EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON '
			    'TABLE %I TO %I', rel.relname, api);
		END IF;
	END LOOP;
	FOR rel IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
	    WHERE p.pronamespace = current_schema()::regnamespace
	    AND p.prosecdef AND pg_has_role(p.proowner, current_user, 'USAGE')
	LOOP
		EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %I', rel.fn, api);
	END LOOP;
END;
$$;
REVOKE ALL ON FUNCTION bootstack_grant_api(text) FROM PUBLIC;
