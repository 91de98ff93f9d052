/*
 * tasks.c: the template resource, /v1/tasks. Copy this file to add one.
 *
 * Every habit of a production JSON API is here, in the order a request
 * meets them: scope checked before the handler runs (routes table), the
 * tenant taken from the key, never from the request; the body validated
 * in C against a field table before any SQL runs (a bad request never
 * reaches PostgreSQL); parameters always bound, never pasted into SQL;
 * every statement prepared once per connection and filtered by tenant, so
 * another tenant's task is simply not found (404, not 403: we do not say
 * it exists), and run under the tenant's row-level security (tasks_q:
 * a statement that forgot its tenant_id still sees only that tenant).
 * Ids are counted per tenant (sql/0003), so they tell nothing of others. A task carries validators, an ETag built from the row's
 * version and Last-Modified; every route honours the preconditions of RFC
 * 9110 section 13 (lib/http.h: If-Match, If-None-Match, If-Unmodified-Since,
 * If-Modified-Since; 304 or 412), a write checking them in the statement
 * that writes, and POST honours Idempotency-Key (idempotency.c). Lists use keyset pagination with an
 * opaque cursor (signed, bound to the tenant, the filter and the sort,
 * with an expiry: lib/cursor.h), so a page costs the same at row 10 and
 * row 10 million, and no row is skipped or repeated when others are added
 * meanwhile.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include <libpq-fe.h>

#include "../api.h"
#include "../auth.h"
#include "../idempotency.h"
#include "../routes.h"
#include "cause.h"
#include "clock.h"
#include "config.h"
#include "cursor.h"
#include "http.h"
#include "jsonutil.h"
#include "log.h"

#define TASKS_LIMIT_DEFAULT	20
#define TASKS_LIMIT_MAX		100
/*
 * Times leave PostgreSQL as whole epoch seconds and dates as ISO text
 * spelled out here, so the answer does not depend on the session's
 * TimeZone or DateStyle; C writes them as RFC 3339 (lib/clock.h).
 */
#define TASKS_COLS	"id, title, status, to_char(due, 'YYYY-MM-DD'), " \
			"floor(extract(epoch FROM created_at))::bigint, " \
			"floor(extract(epoch FROM updated_at))::bigint, version"
#define TASKS_NCOLS	7	/* ... of TASKS_COLS */
/* A new task's columns and their values from $1..$4 (no status: 'todo'). */
#define TASKS_NEW	"INSERT INTO tasks (tenant_id, title, status, due) "
#define TASKS_NEW_VALUES	"$1, $2, coalesce($3, 'todo'), $4"
#define TASKS_VERSIONS_MAX	(HTTP_ETAGS_MAX * 11 + 3)	/* "{1,2,...}" */

const struct db_stmt tasks_stmt_get = {
	"tasks_get",
	"SELECT " TASKS_COLS " FROM tasks WHERE tenant_id = $1 AND id = $2",
	2, 1
};
const struct db_stmt tasks_stmt_list = {
	"tasks_list",
	"SELECT " TASKS_COLS " FROM tasks WHERE tenant_id = $1 AND id > $2 "
	"ORDER BY id LIMIT $3",
	3, 1
};
const struct db_stmt tasks_stmt_list_status = {
	"tasks_list_status",
	"SELECT " TASKS_COLS " FROM tasks WHERE tenant_id = $1 AND status = $2 "
	"AND id > $3 ORDER BY id LIMIT $4",
	4, 1
};
const struct db_stmt tasks_stmt_insert = {
	"tasks_insert",
	TASKS_NEW "VALUES (" TASKS_NEW_VALUES ") RETURNING " TASKS_COLS,
	4, 0
};
/*
 * The same with an Idempotency-Key ($5) and the request's hash ($6): the
 * task only if the key is not recorded, and the record with it, in one
 * statement (idempotency.h). Safe to resend: a second run finds the key.
 */
const struct db_stmt tasks_stmt_insert_keyed = {
	"tasks_insert_keyed",
	"WITH w (id, title, status, due, created, updated, version) AS ("
	TASKS_NEW "SELECT " TASKS_NEW_VALUES " "
	"WHERE " IDEMPOTENCY_UNKNOWN("$1", "$5") " RETURNING " TASKS_COLS ")"
	IDEMPOTENCY_RECORD("w", "$1", "$5", "$6", "jsonb_build_array(w.id::text, "
	    "w.title, w.status, w.due, w.created::text, w.updated::text, "
	    "w.version::text)"),
	6, 1
};
/*
 * The preconditions of a write, in SQL so that the check and the write are
 * one statement (tasks_cond): the versions If-Match accepts (NULL: any),
 * If-Unmodified-Since in epoch seconds (NULL: none; Last-Modified has whole
 * seconds, hence the + 1), the versions If-None-Match refuses (NULL: none).
 */
#define TASKS_COND(m, ius, nm)						\
	"(" m "::integer[] IS NULL OR version = ANY(" m ")) AND "		\
	"(" ius "::bigint IS NULL OR updated_at < to_timestamp(" ius " + 1)) " \
	"AND (" nm "::integer[] IS NULL OR version <> ALL(" nm "))"
const struct db_stmt tasks_stmt_update = {
	"tasks_update",
	"UPDATE tasks SET title = coalesce($3, title), "
	"status = coalesce($4, status), "
	"due = CASE WHEN $5::boolean THEN $6::date ELSE due END "
	"WHERE tenant_id = $1 AND id = $2 AND " TASKS_COND("$7", "$8", "$9")
	" RETURNING " TASKS_COLS,
	9, 0
};
const struct db_stmt tasks_stmt_delete = {
	"tasks_delete",
	"DELETE FROM tasks WHERE tenant_id = $1 AND id = $2 AND "
	TASKS_COND("$3", "$4", "$5") " RETURNING id",
	5, 0
};
const struct db_stmt tasks_stmt_exists = {
	"tasks_exists",
	"SELECT version, floor(extract(epoch FROM updated_at))::bigint "
	"FROM tasks WHERE tenant_id = $1 AND id = $2",
	2, 1
};
#ifdef BS_TEST_HOOKS
/*
 * Test builds only (configure --enable-test-hooks): a list that forgot
 * its WHERE tenant_id, run by GET /v1/tasks when the request carries
 * "X-Bootstack-Test: unscoped", so tests/e2e/036-rls.sh can show that
 * row-level security still holds it to the key's tenant; and on
 * "X-Bootstack-Test: untenanted" run with no tenant at all (db_run), on
 * a connection that served a tenant just before: it must see no row.
 */
const struct db_stmt tasks_stmt_unscoped = {
	"tasks_unscoped",
	"SELECT " TASKS_COLS " FROM tasks ORDER BY tenant_id, id LIMIT $1",
	1, 1
};
#endif

/* The fields a client may send; the same table validates POST and PATCH. */
static const struct jsonutil_field tasks_fields[] = {
	{ "title",  JSONUTIL_STRING, 1, 0, 1, 200, NULL },
	{ "status", JSONUTIL_ENUM,   0, 0, 0, 0, "todo|doing|done" },
	{ "due",    JSONUTIL_DATE,   0, 1, 0, 0, NULL },
	{ NULL,     JSONUTIL_STRING, 0, 0, 0, 0, NULL }
};

/*
 * Runs a statement for the key's tenant: row-level security (sql/0005)
 * holds it to that tenant's rows even if its WHERE forgot tenant_id.
 */
static enum st
tasks_q(struct http_req *r, const struct db_stmt *stmt,
    const char *const *params, PGresult **res)
{
	struct api	*api = r->app;
	struct auth	*who = r->auth;

	return (db_run_tenant(api->db, who->tenant, stmt, params, res));
}

/* Appends column c of row i, epoch seconds, as an RFC 3339 JSON string. */
static enum st
tasks_time(struct buf *b, PGresult *res, int i, int c)
{
	char	 t[CLOCK_RFC3339_LEN];

	return (jsonutil_add_str(b, t, strlen(clock_rfc3339_fmt((time_t)strtoll(
	    PQgetvalue(res, i, c), NULL, 10), t, sizeof(t)))));
}

/*
 * Appends row i of TASKS_COLS to b as a JSON object, written straight into
 * the buffer (json-c's objects cost more than the rest of the answer): the
 * members and their order as json-c wrote them, which the tests compare.
 * The id is PostgreSQL's bigint text, which is already canonical.
 */
static enum st
tasks_row(struct buf *b, PGresult *res, int i)
{
	enum st	 st;

	if ((st = buf_adds(b, "{\"id\":")) != ST_OK ||
	    (st = buf_adds(b, PQgetvalue(res, i, 0))) != ST_OK ||
	    (st = buf_adds(b, ",\"title\":")) != ST_OK ||
	    (st = jsonutil_add_str(b, PQgetvalue(res, i, 1),
	    (size_t)PQgetlength(res, i, 1))) != ST_OK ||
	    (st = buf_adds(b, ",\"status\":")) != ST_OK ||
	    (st = jsonutil_add_str(b, PQgetvalue(res, i, 2),
	    (size_t)PQgetlength(res, i, 2))) != ST_OK ||
	    (st = buf_adds(b, ",\"due\":")) != ST_OK)
		return (st);
	if (PQgetisnull(res, i, 3))
		st = buf_adds(b, "null");
	else
		st = jsonutil_add_str(b, PQgetvalue(res, i, 3),
		    (size_t)PQgetlength(res, i, 3));
	if (st != ST_OK ||
	    (st = buf_adds(b, ",\"created_at\":")) != ST_OK ||
	    (st = tasks_time(b, res, i, 4)) != ST_OK ||
	    (st = buf_adds(b, ",\"updated_at\":")) != ST_OK ||
	    (st = tasks_time(b, res, i, 5)) != ST_OK)
		return (st);
	return (buf_add(b, "}", 1));
}

/* The strong ETag of a task version into buf: "<id>.<version>", quoted. */
static const char *
tasks_etag_of(const char *id, const char *version, char *buf, size_t size)
{
	snprintf(buf, size, "\"%s.%s\"", id, version);
	return (buf);
}

/* Adds the validators of row i: its ETag and Last-Modified. */
static enum st
tasks_etag(struct http_req *r, PGresult *res, int i)
{
	char	 etag[HTTP_ETAG_MAX], date[HTTP_DATE_LEN];
	enum st	 st;

	st = http_set_header(r, "ETag", "%s", tasks_etag_of(PQgetvalue(res, i,
	    0), PQgetvalue(res, i, 6), etag, sizeof(etag)));
	if (st == ST_OK)
		st = http_set_header(r, "Last-Modified", "%s", http_date_fmt(
		    strtoll(PQgetvalue(res, i, 5), NULL, 10), date,
		    sizeof(date)));
	return (st);
}

/* Parses the {id} path parameter: a positive bigint, else 404. */
static enum st
tasks_id(struct http_req *r, char *id, size_t size)
{
	char		*end;
	long long	 v;

	if (router_param(&r->match, "id", id, size) != 0 || id[0] == '\0' ||
	    !isdigit((unsigned char)id[0]))
		return (http_fail(r, ST_NOTFOUND, "no such task"));
	errno = 0;
	v = strtoll(id, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return (http_fail(r, ST_NOTFOUND, "no such task"));
	snprintf(id, size, "%lld", v);
	return (ST_OK);
}

/*
 * The versions of task id that the entity tags of e name, as a PostgreSQL
 * array ("{3,4}") into dst: each tag that is exactly an ETag this server
 * made for id ("<id>.<n>", strong unless weak_ok). Any other tag cannot
 * match (the tags are opaque: "7.03" is not "7.3"). Returns how many.
 */
static int
tasks_versions(const struct http_etags *e, const char *id, int weak_ok,
    char *dst, size_t size)
{
	const char	*v;
	size_t		 i, il = strlen(id), o, dl;
	int		 n = 0;

	o = (size_t)snprintf(dst, size, "{");
	for (i = 0; i < e->n; i++) {
		if ((e->weak[i] && !weak_ok) ||
		    strncmp(e->tag[i] + 1, id, il) != 0 ||
		    e->tag[i][il + 1] != '.')
			continue;
		v = e->tag[i] + il + 2;		/* digits, then the closing quote */
		dl = strspn(v, "0123456789");
		if (v[0] == '0' || dl == 0 || dl > 10 || strcmp(v + dl, "\"") != 0 ||
		    strtoll(v, NULL, 10) > 0x7fffffff)
			continue;
		o += (size_t)snprintf(dst + o, size - o, "%s%.*s", n > 0 ?
		    "," : "", (int)dl, v);
		n++;
	}
	snprintf(dst + o, size - o, "}");
	return (n);
}

/* 406 unless the request's Accept allows JSON, what every answer here is. */
static enum st
tasks_accept(struct http_req *r)
{
	if (!http_accepts(r, "application/json"))
		return (http_fail(r, ST_NOTACCEPT, "tasks are application/json, "
		    "which Accept does not allow"));
	return (ST_OK);
}

/* Checks the request's media type against a '|' list of accepted ones. */
static enum st
tasks_content_type(struct http_req *r, const char *want)
{
	const char	*ct = http_header(r, "Content-Type"), *w, *bar;
	size_t		 n, wl;

	if (ct == NULL || ct[0] == '\0')
		return (http_fail(r, ST_MEDIATYPE, "Content-Type must be %s",
		    want));
	n = strcspn(ct, "; \t");
	for (w = want; ; w = bar + 1) {
		bar = strchr(w, '|');
		wl = bar == NULL ? strlen(w) : (size_t)(bar - w);
		if (n == wl && strncasecmp(ct, w, wl) == 0)
			return (ST_OK);
		if (bar == NULL)
			break;
	}
	return (http_fail(r, ST_MEDIATYPE, "Content-Type must be %s, not %.64s",
	    want, ct));
}

/* Parses and validates the JSON body against tasks_fields. */
static enum st
tasks_body(struct http_req *r, int partial, json_object **out)
{
	char	 err[256];
	enum st	 st;

	*out = NULL;
	st = jsonutil_parse(buf_str(&r->body), r->body.len, JSONUTIL_MAX_DEPTH,
	    out, err, sizeof(err));
	if (st == ST_OK)
		st = jsonutil_check(*out, tasks_fields, partial, err,
		    sizeof(err));
	if (st != ST_OK) {
		json_object_put(*out);
		*out = NULL;
		return (http_fail(r, st, "%s", err));
	}
	return (ST_OK);
}

/* Sends row 0 of res as the task, with its ETag. */
static enum st
tasks_reply_row(struct http_req *r, int status, PGresult *res)
{
	enum st	 st;

	if ((st = tasks_etag(r, res, 0)) != ST_OK)
		return (st);
	return (tasks_row(http_reply_buf(r, status, "application/json"), res,
	    0));
}

/*
 * What a cursor of the task list is bound to besides the tenant: the list,
 * its filter and its sort order (tasks_list), so that a cursor made for
 * ?status=done cannot continue ?status=todo or another ordering.
 */
static void
tasks_cursor_context(const char *status, char *dst, size_t size)
{
	snprintf(dst, size, "GET /v1/tasks status=%s sort=id",
	    status == NULL ? "*" : status);
}

/*
 * The signing keys ([api] cursor_keys, lib/cursor.h), or NULL after
 * recording a 500 (a malformed list that check-config would have named).
 */
static const struct cursor_keys *
tasks_cursor_keys(struct http_req *r)
{
	struct api			*api = r->app;
	const struct cursor_keys	*keys;
	char				*cause = NULL;

	if ((keys = cursor_keys_of(api->cfg, NULL, &cause)) == NULL) {
		log_errorx("%s", cause_text(cause));
		(void)http_fail(r, ST_INTERNAL, "the cursor keys are "
		    "misconfigured");
	}
	free(cause);
	return (keys);
}

static int	 tasks_cond_collection(struct http_req *);

/* GET /v1/tasks?status=&limit=&cursor= */
static enum st
tasks_list(struct http_req *r)
{
	static const char *const known[] = { "status", "limit", "cursor", NULL };
	struct api		*api = r->app;
	struct auth		*who = r->auth;
	struct http_query	 q;
	char			 limit[24], after[24] = "0", next[CURSOR_LEN];
	char			 ctx[64];
	const struct cursor_keys *keys;
	enum cursor_result	 cr;
	const char		*params[4], *status, *v;
	struct buf		*b;
	PGresult		*res = NULL;
	long long		 n = TASKS_LIMIT_DEFAULT;
	int			 i, rows;
	enum st			 st;

	if ((st = tasks_accept(r)) != ST_OK ||
	    (st = http_query_parse(r, known, &q)) != ST_OK)
		return (st);
	status = http_query_get(&q, "status");
	if (status != NULL && strcmp(status, "todo") != 0 &&
	    strcmp(status, "doing") != 0 && strcmp(status, "done") != 0)
		return (http_fail(r, ST_BADREQ, "status must be one of "
		    "todo|doing|done"));
	if ((v = http_query_get(&q, "limit")) != NULL &&
	    http_int_parse(v, 1, TASKS_LIMIT_MAX, &n) != 0)
		return (http_fail(r, ST_BADREQ, "limit must be an integer "
		    "within 1..%d, in plain digits", TASKS_LIMIT_MAX));
	tasks_cursor_context(status, ctx, sizeof(ctx));
	if ((keys = tasks_cursor_keys(r)) == NULL)
		return (ST_INTERNAL);
	if ((v = http_query_get(&q, "cursor")) != NULL &&
	    (cr = cursor_decode(keys, v, who->tenant, ctx, (long long)time(NULL),
	    after, sizeof(after))) != CURSOR_OK)
		return (http_fail(r, ST_BADREQ, "cursor is not valid: %s%s",
		    cursor_result_str(cr), cr == CURSOR_EXPIRED ?
		    "; start the list again without a cursor" : ""));
	switch (tasks_cond_collection(r)) {
	case -1:
		return (ST_BADREQ);
	case 304:
		return (ST_OK);
	case 412:
		return (ST_PRECOND);
	}

	snprintf(limit, sizeof(limit), "%lld", n + 1);	/* one more: is there a next page? */
	params[0] = who->tenant;
#ifdef BS_TEST_HOOKS
	if ((v = http_header(r, "X-Bootstack-Test")) != NULL &&
	    (strcmp(v, "unscoped") == 0 || strcmp(v, "untenanted") == 0)) {
		/* untenanted: the same, run without a tenant (db_run) */
		params[0] = limit;
		st = http_set_header(r, "X-Bootstack-Test", "%s", v);
		if (st == ST_OK && strcmp(v, "unscoped") == 0)
			st = tasks_q(r, &tasks_stmt_unscoped, params, &res);
		else if (st == ST_OK)
			st = db_run(api->db, &tasks_stmt_unscoped, params,
			    &res);
	} else
#endif
	if (status != NULL) {
		params[1] = status;
		params[2] = after;
		params[3] = limit;
		st = tasks_q(r, &tasks_stmt_list_status, params, &res);
	} else {
		params[1] = after;
		params[2] = limit;
		st = tasks_q(r, &tasks_stmt_list, params, &res);
	}
	if (st != ST_OK) {
		st = http_fail(r, st, "listing tasks failed");
		goto out;
	}
	rows = PQntuples(res);
	/* cursor first: a failure must not leave half an answer */
	if (rows > n) {
		if (cursor_encode(keys, who->tenant, ctx, (long long)time(NULL) +
		    config_int(api->cfg, "api", "cursor_ttl"),
		    PQgetvalue(res, (int)n - 1, 0), next, sizeof(next)) != 0) {
			st = http_fail(r, ST_INTERNAL, "signing the cursor "
			    "failed");
			goto out;
		}
	}
	/* {"items":[...],"next_cursor":...}, as json-c wrote it */
	b = http_reply_buf(r, 200, "application/json");
	st = buf_adds(b, "{\"items\":[");
	for (i = 0; st == ST_OK && i < rows && i < n; i++)
		if ((st = i > 0 ? buf_add(b, ",", 1) : ST_OK) == ST_OK)
			st = tasks_row(b, res, i);
	if (st == ST_OK)
		st = buf_adds(b, "],\"next_cursor\":");
	if (st == ST_OK)
		st = rows > n ? jsonutil_add_str(b, next, strlen(next)) :
		    buf_adds(b, "null");
	if (st == ST_OK)
		st = buf_add(b, "}", 1);
out:
	PQclear(res);
	return (st);
}

/*
 * Records the 412 of a precondition that failed on task id (its current
 * version and Last-Modified seconds): the detail says which header.
 */
static enum st
tasks_cond_fail(struct http_req *r, const char *why, const char *version,
    const char *modified)
{
	char	 date[HTTP_DATE_LEN];

	if (strcmp(why, "If-None-Match") == 0)
		return (http_fail(r, ST_PRECOND, "If-None-Match lists the "
		    "task's current ETag (version %s)", version));
	if (strcmp(why, "If-Unmodified-Since") == 0)
		return (http_fail(r, ST_PRECOND, "the task was modified since "
		    "If-Unmodified-Since: Last-Modified is %s", http_date_fmt(
		    strtoll(modified, NULL, 10), date, sizeof(date))));
	return (http_fail(r, ST_PRECOND, "the task changed: its version is "
	    "now %s", version));
}

/*
 * Evaluates the preconditions of a request on the collection /v1/tasks:
 * it exists, with no ETag and no date of its own (so If-Match: * holds,
 * a listed tag never matches, If-None-Match: * fails). 0 to go on, 304
 * (answer set) or 412 (detail recorded); -1 for a malformed header (400).
 */
static int
tasks_cond_collection(struct http_req *r)
{
	static const struct http_target	 coll = { 1, NULL, -1 };
	struct http_cond		 c;
	const char			*why;
	int				 code;

	if (http_cond_parse(r, &c) != ST_OK)
		return (-1);
	code = http_cond_eval(&c, r->method, &coll, &why);
	if (code == 304)
		(void)http_reply(r, 304, NULL, NULL, 0);
	else if (code == 412)
		(void)http_fail(r, ST_PRECOND, "%s does not hold for the task "
		    "collection (it has no ETag)", why);
	return (code);
}

/* GET /v1/tasks/{id}: the preconditions of RFC 9110 section 13 honoured. */
static enum st
tasks_get(struct http_req *r)
{
	struct auth		*who = r->auth;
	struct http_cond	 c;
	struct http_target	 t;
	char			 id[24], etag[HTTP_ETAG_MAX];
	const char		*params[2], *why;
	PGresult		*res = NULL;
	enum st			 st;

	if ((st = tasks_id(r, id, sizeof(id))) != ST_OK ||
	    (st = tasks_accept(r)) != ST_OK ||
	    (st = http_cond_parse(r, &c)) != ST_OK)
		return (st);
	params[0] = who->tenant;
	params[1] = id;
	if ((st = tasks_q(r, &tasks_stmt_get, params, &res)) != ST_OK) {
		st = http_fail(r, st, "reading the task failed");
		goto out;
	}
	if (PQntuples(res) == 0) {
		st = http_fail(r, ST_NOTFOUND, "no task %s", id);
		goto out;
	}
	t.exists = 1;
	t.etag = tasks_etag_of(id, PQgetvalue(res, 0, 6), etag, sizeof(etag));
	t.modified = strtoll(PQgetvalue(res, 0, 5), NULL, 10);
	switch (http_cond_eval(&c, r->method, &t, &why)) {
	case 304:
		st = tasks_etag(r, res, 0);
		if (st == ST_OK)
			st = http_reply(r, 304, NULL, NULL, 0);
		goto out;
	case 412:
		st = tasks_cond_fail(r, why, PQgetvalue(res, 0, 6),
		    PQgetvalue(res, 0, 5));
		goto out;
	}
	st = tasks_reply_row(r, 200, res);
out:
	PQclear(res);
	return (st);
}

/* POST's parameters: the task of a valid body, for the key's tenant. */
static enum st
tasks_insert_prepare(struct http_req *r, const char **params,
    json_object **keep)
{
	struct auth	*who = r->auth;
	enum st		 st;

	if ((st = tasks_body(r, 0, keep)) != ST_OK)
		return (st);
	params[0] = who->tenant;
	params[1] = jsonutil_get_str(*keep, "title");
	params[2] = jsonutil_get_str(*keep, "status");
	params[3] = jsonutil_get_str(*keep, "due");
	return (ST_OK);
}

/*
 * POST's answer: 201 with the task and its Location, from the row alone
 * (a replay builds it again from the recorded row).
 */
static enum st
tasks_insert_answer(struct http_req *r, enum st st, PGresult *res)
{
	if (st != ST_OK)
		return (http_fail(r, st, "creating the task failed"));
	st = http_set_header(r, "Location", "/v1/tasks/%s", PQgetvalue(res, 0, 0));
	if (st == ST_OK)
		st = tasks_reply_row(r, 201, res);
	return (st);
}

static const struct idempotency_write tasks_insert = {
	&tasks_stmt_insert, &tasks_stmt_insert_keyed, TASKS_NCOLS,
	tasks_insert_prepare, tasks_insert_answer
};

/* POST /v1/tasks (Idempotency-Key honoured) */
static enum st
tasks_create(struct http_req *r)
{
	enum st	 st;

	if ((st = tasks_accept(r)) != ST_OK ||
	    (st = tasks_content_type(r, "application/json")) != ST_OK)
		return (st);
	switch (tasks_cond_collection(r)) {
	case -1:
		return (ST_BADREQ);
	case 412:
		return (ST_PRECOND);
	}
	return (idempotency_run(r, &tasks_insert));
}

/*
 * Explains a conditional write that touched no row: the task does not
 * exist for this tenant (404), or a precondition of c fails on its
 * current state (412). If they all hold now, the task changed between the
 * write and this look: 412 as well, the client reads it again.
 */
static enum st
tasks_why_not(struct http_req *r, const struct http_cond *c, const char *id)
{
	struct auth		*who = r->auth;
	struct http_target	 t;
	const char		*params[2] = { who->tenant, id }, *why;
	char			 etag[HTTP_ETAG_MAX];
	PGresult		*res = NULL;
	enum st			 st;

	if ((st = tasks_q(r, &tasks_stmt_exists, params, &res)) != ST_OK)
		st = http_fail(r, st, "reading the task failed");
	else if (PQntuples(res) == 0)
		st = http_fail(r, ST_NOTFOUND, "no task %s", id);
	else {
		t.exists = 1;
		t.etag = tasks_etag_of(id, PQgetvalue(res, 0, 0), etag,
		    sizeof(etag));
		t.modified = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		if (http_cond_eval(c, r->method, &t, &why) == 0)
			why = "If-Match";
		st = tasks_cond_fail(r, why, PQgetvalue(res, 0, 0),
		    PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return (st);
}

/*
 * Turns the preconditions of a write on task id into the parameters of
 * TASKS_COND (p[0..2]; the arrays live in m and nm). Returns 0, or -1
 * when no current state can satisfy them (If-None-Match: *, or an
 * If-Match naming no version of this task): skip the write and explain.
 */
static int
tasks_cond_params(const struct http_cond *c, const char *id, const char **p,
    char *m, char *nm, size_t size, char *ius, size_t iussize)
{
	p[0] = p[1] = p[2] = NULL;
	if (c->if_match.present && !c->if_match.any) {
		if (tasks_versions(&c->if_match, id, 0, m, size) == 0)
			return (-1);
		p[0] = m;
	}
	if (!c->if_match.present && c->if_unmodified_since >= 0) {
		snprintf(ius, iussize, "%lld", c->if_unmodified_since);
		p[1] = ius;
	}
	if (c->if_none_match.present) {
		if (c->if_none_match.any)
			return (-1);
		if (tasks_versions(&c->if_none_match, id, 1, nm, size) > 0)
			p[2] = nm;
	}
	return (0);
}

/*
 * PATCH /v1/tasks/{id}: a JSON merge patch (RFC 7396), under the request's
 * preconditions (checked and applied in one statement). A patch that
 * changes nothing keeps the version (the trigger of sql/0002).
 */
static enum st
tasks_patch(struct http_req *r)
{
	struct auth		*who = r->auth;
	struct http_cond	 c;
	json_object		*body = NULL, *due;
	char			 id[24], m[TASKS_VERSIONS_MAX];
	char			 nm[TASKS_VERSIONS_MAX], ius[24];
	const char		*params[9];
	PGresult		*res = NULL;
	int			 has_due;
	enum st			 st;

	if ((st = tasks_id(r, id, sizeof(id))) != ST_OK ||
	    (st = tasks_accept(r)) != ST_OK ||
	    (st = tasks_content_type(r,
	    "application/merge-patch+json|application/json")) != ST_OK ||
	    (st = http_cond_parse(r, &c)) != ST_OK ||
	    (st = tasks_body(r, 1, &body)) != ST_OK)
		return (st);
	if (tasks_cond_params(&c, id, params + 6, m, nm, sizeof(m), ius,
	    sizeof(ius)) != 0) {
		st = tasks_why_not(r, &c, id);
		goto out;
	}
	has_due = json_object_object_get_ex(body, "due", &due);
	params[0] = who->tenant;
	params[1] = id;
	params[2] = jsonutil_get_str(body, "title");
	params[3] = jsonutil_get_str(body, "status");
	params[4] = has_due ? "true" : "false";
	params[5] = has_due ? jsonutil_get_str(body, "due") : NULL;
	if ((st = tasks_q(r, &tasks_stmt_update, params, &res)) != ST_OK) {
		st = http_fail(r, st, "updating the task failed");
		goto out;
	}
	if (PQntuples(res) == 1) {
		st = tasks_reply_row(r, 200, res);
		goto out;
	}
	st = tasks_why_not(r, &c, id);
out:
	json_object_put(body);
	PQclear(res);
	return (st);
}

/* DELETE /v1/tasks/{id}, under the request's preconditions. */
static enum st
tasks_delete(struct http_req *r)
{
	struct auth		*who = r->auth;
	struct http_cond	 c;
	char			 id[24], m[TASKS_VERSIONS_MAX];
	char			 nm[TASKS_VERSIONS_MAX], ius[24];
	const char		*params[5];
	PGresult		*res = NULL;
	enum st			 st;

	if ((st = tasks_id(r, id, sizeof(id))) != ST_OK ||
	    (st = http_cond_parse(r, &c)) != ST_OK)
		return (st);
	if (tasks_cond_params(&c, id, params + 2, m, nm, sizeof(m), ius,
	    sizeof(ius)) != 0)
		return (tasks_why_not(r, &c, id));
	params[0] = who->tenant;
	params[1] = id;
	if ((st = tasks_q(r, &tasks_stmt_delete, params, &res)) != ST_OK) {
		st = http_fail(r, st, "deleting the task failed");
		goto out;
	}
	if (PQntuples(res) == 1) {
		st = http_reply(r, 204, NULL, NULL, 0);
		goto out;
	}
	st = tasks_why_not(r, &c, id);
out:
	PQclear(res);
	return (st);
}

static const struct route tasks_routes[] = {
	{ "GET",    "/v1/tasks",	tasks_list,	"read",  "tasks_list",
	  "200 304 400 401 403 406 412 503" },
	{ "POST",   "/v1/tasks",	tasks_create,	"write", "tasks_create",
	  "201 400 401 403 406 409 412 415 422 503" },
	{ "GET",    "/v1/tasks/{id}",	tasks_get,	"read",  "tasks_get",
	  "200 304 400 401 403 404 406 412 503" },
	{ "PATCH",  "/v1/tasks/{id}",	tasks_patch,	"write", "tasks_patch",
	  "200 400 401 403 404 406 412 415 503" },
	{ "DELETE", "/v1/tasks/{id}",	tasks_delete,	"write", "tasks_delete",
	  "204 400 401 403 404 412 503" },
};

const struct route_table tasks_table = {
	tasks_routes, sizeof(tasks_routes) / sizeof(tasks_routes[0])
};
