'use strict';
/*
 * bench/peers/node/server.js: bench/run's Node peer (BENCH_PEERS=1), the
 * API's GET /v1/tasks/{id} written for Node 20 + Fastify 5 + pg, to be
 * measured against bootstack-api behind the same nginx (proxy_pass with
 * upstream keep-alive) on the same PostgreSQL.
 *
 * It does what app/auth.c and app/routes/tasks.c do for that route: the
 * Bearer key "bsk_<prefix>_<secret>" looked up by its prefix (api_keys is
 * not under row-level security) and kept per process for 5 s (app/auth.h,
 * AUTH_CACHE_TTL_MS), a failed look-up not cached; the secret's SHA-256
 * compared with the stored one in constant time, cached or not; the read
 * scope (write implies it); last_used_at written at most once a minute per
 * key and process. Then the task, as the API's role under row-level
 * security (sql/0005): bootstack.tenant_id set on the connection with
 * set_config(..., false) only when that connection last held another
 * tenant (lib/db.c, db_run_tenant), and the same tenant-scoped SELECT.
 * Every statement is a named prepared statement (pg prepares a name once
 * per connection). The answer: the same JSON (through a response schema,
 * Fastify's fast serialiser), ETag "<id>.<version>", Last-Modified,
 * X-Request-ID (nginx's $request_id, as bootstack's FastCGI REQUEST_ID);
 * errors as problem+json (RFC 9457) with bootstack's titles and details.
 * Not here, because the bench sends neither: Accept (406) and conditional
 * requests (304, 412).
 *
 * Environment: PEER_SOCKET (the unix socket to listen on), PEER_WORKERS
 * (processes, node:cluster; default 2, one per core), PEER_PG_POOL
 * (connections per process, default 4), PEER_PG_HOST, PEER_PG_PORT,
 * PEER_PG_USER, PEER_PG_DATABASE.
 */
const cluster = require('node:cluster');
const crypto = require('node:crypto');

const WORKERS = Number(process.env.PEER_WORKERS || 2);
const AUTH_TTL_MS = 5000;	/* app/auth.h: AUTH_CACHE_TTL_MS */
const AUTH_TOUCH_MS = 60000;	/* app/auth.c: AUTH_TOUCH_MS */

if (cluster.isPrimary && WORKERS > 1) {
	for (let i = 0; i < WORKERS; i++)
		cluster.fork();
	let alive = WORKERS, stopping = false;
	cluster.on('exit', (w, code, signal) => {
		if (!stopping)
			console.error(`node peer: worker ${w.process.pid} ended (${signal || code})`);
		if (--alive === 0 && stopping)
			process.exit(0);
	});
	process.on('SIGTERM', () => {	/* the workers first, then this one */
		stopping = true;
		for (const id in cluster.workers)
			cluster.workers[id].process.kill('SIGTERM');
		setTimeout(() => process.exit(0), 5000).unref();
	});
	return;
}

const { Pool } = require('pg');
const fastify = require('fastify')({
	logger: false,
	requestIdHeader: 'x-request-id',
	genReqId: () => crypto.randomBytes(16).toString('hex'),
});

const pool = new Pool({
	host: process.env.PEER_PG_HOST,
	port: Number(process.env.PEER_PG_PORT),
	user: process.env.PEER_PG_USER,
	database: process.env.PEER_PG_DATABASE,
	max: Number(process.env.PEER_PG_POOL || 4),
	application_name: 'bench-node',
});
pool.on('error', () => {});	/* an idle connection lost: the pool drops it */

/* The statements, as app/auth.c and app/routes/tasks.c name them. */
const SET_TENANT = {
	name: 'db_set_tenant',
	text: "SELECT set_config('bootstack.tenant_id', $1, false)",
};
const AUTH_LOOKUP = {
	name: 'auth_lookup',
	text: "SELECT id, tenant_id, encode(secret_sha256, 'hex') AS hash, " +
	    "'read' = ANY(scopes) AS r, 'write' = ANY(scopes) AS w, " +
	    'revoked_at IS NOT NULL AS revoked FROM api_keys WHERE prefix = $1',
};
const AUTH_TOUCH = {
	name: 'auth_touch',
	text: 'UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND ' +
	    "(last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
};
const TASKS_GET = {
	name: 'tasks_get',
	text: "SELECT id, title, status, to_char(due, 'YYYY-MM-DD') AS due, " +
	    'floor(extract(epoch FROM created_at))::bigint AS created, ' +
	    'floor(extract(epoch FROM updated_at))::bigint AS updated, version ' +
	    'FROM tasks WHERE tenant_id = $1 AND id = $2',
};

/*
 * Runs stmt on a pooled connection for tenant ('' : none, as db_run),
 * setting bootstack.tenant_id first only when the connection may hold
 * another value. A failed connection is dropped from the pool.
 */
async function q(tenant, stmt, values) {
	const c = await pool.connect();
	try {
		if (tenant !== '' && c.bsTenant !== tenant) {
			c.bsTenant = undefined;	/* unsure until confirmed */
			await c.query({ ...SET_TENANT, values: [tenant] });
			c.bsTenant = tenant;
		}
		const res = await c.query({ ...stmt, values });
		c.release();
		return res;
	} catch (err) {
		c.release(err);
		throw err;
	}
}

class Problem extends Error {
	constructor(status, detail) {
		super(detail);
		this.status = status;
	}
}

const TITLES = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
    503: 'Service Unavailable' };

/* The key's cached row, per process: prefix -> { e, fetched, touched }. */
const cache = new Map();
const KEY_RE = /^bsk_([0-9A-Za-z]{12})_([0-9A-Za-z]{40})$/;

/* app/auth.c, auth_request: the caller of req, or a Problem. */
async function auth(req, scope) {
	let h = req.headers.authorization;
	if (h === undefined)
		throw new Problem(401, 'an API key is required (Authorization: Bearer <key>)');
	if (h.slice(0, 7).toLowerCase() !== 'bearer ')
		throw new Problem(401, 'the Authorization header must use the Bearer scheme');
	const m = KEY_RE.exec(h.slice(7).replace(/^ +/, ''));
	if (m === null)
		throw new Problem(401, 'the API key is malformed');
	const prefix = m[1], now = Date.now();
	let c = cache.get(prefix);
	if (c === undefined || now - c.fetched >= AUTH_TTL_MS) {
		let res;
		try {
			res = await q('', AUTH_LOOKUP, [prefix]);
		} catch (err) {
			throw new Problem(503, 'the database is unavailable');
		}
		if (res.rows.length !== 1)
			throw new Problem(401, 'the API key is not valid');
		const r = res.rows[0];
		c = { e: { keyId: r.id, tenant: String(r.tenant_id),
		    hash: Buffer.from(r.hash, 'hex'), read: r.r || r.w, write: r.w,
		    revoked: r.revoked }, fetched: now,
		    touched: c === undefined ? 0 : c.touched };
		cache.set(prefix, c);
	}
	const got = crypto.createHash('sha256').update(m[2]).digest();
	if (got.length !== c.e.hash.length || !crypto.timingSafeEqual(got, c.e.hash))
		throw new Problem(401, 'the API key is not valid');
	if (c.e.revoked)
		throw new Problem(401, 'the API key was revoked');
	if (!(scope === 'write' ? c.e.write : c.e.read))
		throw new Problem(403, `the API key lacks the '${scope}' scope`);
	if (c.touched === 0 || now - c.touched >= AUTH_TOUCH_MS) {
		c.touched = now;
		try {
			await q('', AUTH_TOUCH, [c.e.keyId]);
		} catch (err) {
			/* bootstack only logs it */
		}
	}
	return c.e;
}

/* Epoch seconds as RFC 3339 (lib/clock.h) and as an HTTP date. */
const rfc3339 = (s) => new Date(Number(s) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const httpDate = (s) => new Date(Number(s) * 1000).toUTCString();

fastify.get('/v1/tasks/:id', {
	schema: {
		response: {
			200: {
				type: 'object',
				properties: {
					id: { type: 'integer' },
					title: { type: 'string' },
					status: { type: 'string' },
					due: { type: ['string', 'null'] },
					created_at: { type: 'string' },
					updated_at: { type: 'string' },
				},
			},
		},
	},
}, async (req, reply) => {
	const who = await auth(req, 'read');
	const raw = req.params.id;
	if (!/^[0-9]+$/.test(raw))
		throw new Problem(404, 'no such task');
	const n = BigInt(raw);
	if (n <= 0n || n > 9223372036854775807n)
		throw new Problem(404, 'no such task');
	const id = n.toString();
	let res;
	try {
		res = await q(who.tenant, TASKS_GET, [who.tenant, id]);
	} catch (err) {
		throw new Problem(503, 'reading the task failed');
	}
	if (res.rows.length === 0)
		throw new Problem(404, `no task ${id}`);
	const t = res.rows[0];
	reply.header('X-Request-ID', req.id);
	reply.header('ETag', `"${id}.${t.version}"`);
	reply.header('Last-Modified', httpDate(t.updated));
	return { id: Number(t.id), title: t.title, status: t.status, due: t.due,
	    created_at: rfc3339(t.created), updated_at: rfc3339(t.updated) };
});

fastify.setErrorHandler((err, req, reply) => {
	const status = err instanceof Problem ? err.status : 500;
	if (status === 401)
		reply.header('WWW-Authenticate', 'Bearer realm="bootstack"');
	if (status === 503)
		reply.header('Retry-After', '1');
	reply.code(status).header('X-Request-ID', req.id)
	    .type('application/problem+json')
	    .send(JSON.stringify({ type: 'about:blank', title: TITLES[status] ||
	    'Internal Server Error', status, detail: status === 500 ?
	    undefined : err.message, instance: req.url.split('?')[0],
	    request_id: req.id }));
});

fastify.listen({ path: process.env.PEER_SOCKET }).catch((err) => {
	console.error(`node peer: ${err.message}`);
	process.exit(1);
});
process.on('SIGTERM', () => {
	setTimeout(() => process.exit(0), 3000).unref();
	fastify.close().then(() => pool.end()).then(() => process.exit(0));
});
