/*
 * migrate.c: the migration engine; see migrate.h for the contract.
 *
 * Design. The directory is read, checked and hashed before the database is
 * touched, so a malformed file name, a duplicate version or an oversized file
 * fails fast. Then, under a session-level pg_advisory_lock, schema_migrations
 * is created if missing (under the lock, so two first runs cannot race on the
 * catalog), its rows are matched with the files by version, and the run is
 * refused as a whole if an applied file changed or vanished. Otherwise each
 * pending file is applied as
 *
 *	BEGIN; <file text>; INSERT INTO schema_migrations ...; COMMIT
 *
 * so a file and its row are committed together or not at all.
 *
 * The file text goes through PQexec (the simple query protocol), the only
 * way to send several statements at once; it is trusted input shipped with
 * the package. Every other statement uses PQexecParams with the values as
 * parameters. All of it runs on the one connection pinned from db_conn(): the
 * session lock and each transaction must not move to a fresh connection,
 * which db_exec() would open after a failure. A lost connection simply ends
 * the run; the server then drops the lock and rolls back the open
 * transaction.
 *
 * The run refuses a standby (pg_is_in_recovery()): the lock would be that
 * server's alone, and the primary's runs would not wait for it.
 *
 * Caveats:
 * - A file must not COMMIT or ROLLBACK itself. If it ends the transaction,
 *   that is detected and reported, but what it committed stays committed.
 * - Statements that cannot run in a transaction block (CREATE INDEX
 *   CONCURRENTLY, VACUUM) are refused by PostgreSQL; put them elsewhere.
 * - For the duration of a run the session's statement_timeout is 0 (a
 *   migration or the wait for the lock may be long) and client_min_messages
 *   is warning (so "already exists, skipping" notices stay quiet); both are
 *   RESET afterwards to the connection's defaults.
 * - Migrations run forward only: a pending file numbered below an applied one
 *   (two branches merged) is refused rather than applied out of order.
 */
#include "autoconf.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "cause.h"
#include "db.h"
#include "log.h"
#include "migrate.h"

#define MIGRATE_SQL_CREATE						\
	"CREATE TABLE IF NOT EXISTS schema_migrations ("		\
	" version integer PRIMARY KEY"					\
	"  CHECK (version BETWEEN 1 AND 9999),"				\
	" name text NOT NULL CHECK (name ~ '^[a-z0-9_]+$'),"		\
	" checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),"	\
	" applied_at timestamptz NOT NULL DEFAULT now())"
#define MIGRATE_SQL_ROWS						\
	"SELECT version, name, checksum,"				\
	" to_char(applied_at AT TIME ZONE 'UTC',"			\
	"  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"				\
	" FROM schema_migrations ORDER BY version"
#define MIGRATE_SQL_INSERT						\
	"INSERT INTO schema_migrations (version, name, checksum)"	\
	" VALUES ($1, $2, $3)"						\
	" RETURNING to_char(applied_at AT TIME ZONE 'UTC',"		\
	"  'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* A growable array of entries; the files of the directory, then the rows. */
struct migrate_list {
	struct migrate_entry	*v;	/* owned */
	size_t			 n;	/* entries used */
	size_t			 cap;	/* entries allocated */
};

/* Text of a state, for status listings. */
const char *
migrate_state_str(enum migrate_state state)
{
	switch (state) {
	case MIGRATE_PENDING:
		return ("pending");
	case MIGRATE_APPLIED:
		return ("applied");
	case MIGRATE_EDITED:
		return ("edited");
	case MIGRATE_RENAMED:
		return ("renamed");
	case MIGRATE_MISSING:
		return ("missing-file");
	}
	return ("unknown");
}

/* Frees the strings of one entry. */
static void
migrate_entry_cleanup(struct migrate_entry *e)
{
	free(e->file);
	free(e->recorded_file);
	free(e->applied_at);
	free(e->sql);
	e->file = e->recorded_file = e->applied_at = e->sql = NULL;
	e->sqllen = 0;
}

/* Frees an array returned by migrate_status. */
void
migrate_entries_free(struct migrate_entry *v, size_t n)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		migrate_entry_cleanup(&v[i]);
	free(v);
}

/* Appends a zeroed entry; NULL on ENOMEM. Earlier pointers may move. */
static struct migrate_entry *
migrate_list_add(struct migrate_list *l)
{
	struct migrate_entry	*v;
	size_t			 cap;

	if (l->n == l->cap) {
		cap = l->cap == 0 ? 16 : l->cap * 2;
		if ((v = reallocarray(l->v, cap, sizeof(*v))) == NULL)
			return (NULL);
		l->v = v;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	return (&l->v[l->n++]);
}

/* The entry of a version, or NULL. */
static struct migrate_entry *
migrate_list_find(struct migrate_list *l, int version)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].version == version)
			return (&l->v[i]);
	return (NULL);
}

/* qsort comparator: by version. */
static int
migrate_cmp(const void *a, const void *b)
{
	const struct migrate_entry	*ea = a, *eb = b;

	return ((ea->version > eb->version) - (ea->version < eb->version));
}

/*
 * Classifies a directory entry: 1 for a migration (sets *version), 0 for a
 * file to ignore (not ending in .sql, or not starting with a digit: README,
 * editor backups), -1 for a name that starts like a migration but is not one
 * ("12_x.sql", "0003-x.sql", "0004_Add.sql", "0000_x.sql"): a typo there
 * would otherwise skip a migration silently.
 */
static int
migrate_name(const char *name, int *version)
{
	size_t	 len = strlen(name), i;
	int	 v = 0;

	if (len < 4 || strcmp(name + len - 4, ".sql") != 0 ||
	    name[0] < '0' || name[0] > '9')
		return (0);
	if (len < 4 + 1 + 1 + 4 || name[4] != '_')
		return (-1);
	for (i = 0; i < 4; i++) {
		if (name[i] < '0' || name[i] > '9')
			return (-1);
		v = v * 10 + (name[i] - '0');
	}
	for (i = 5; i < len - 4; i++) {
		if ((name[i] < 'a' || name[i] > 'z') &&
		    (name[i] < '0' || name[i] > '9') && name[i] != '_')
			return (-1);
	}
	if (v < 1)
		return (-1);
	*version = v;
	return (1);
}

/*
 * Reads one regular file of at most MIGRATE_FILE_MAX bytes, relative to the
 * directory dfd (dir is only for messages). *data is NUL-terminated and the
 * caller frees it; a file holding a NUL byte is refused, since PQexec would
 * silently stop there.
 */
static enum st
migrate_read(int dfd, const char *dir, const char *name, char **data,
    size_t *len, char **cause)
{
	struct buf	 b;
	struct stat	 sb;
	char		 chunk[16384];
	ssize_t		 r;
	int		 fd = -1;
	enum st		 st = ST_IO;

	*data = NULL;
	*len = 0;
	buf_init(&b, MIGRATE_FILE_MAX);
	if ((fd = openat(dfd, name, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &sb) == -1) {
		st = cause_st(cause, ST_IO, "%s/%s: %s", dir, name,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		st = cause_st(cause, ST_BADREQ, "%s/%s: not a regular file",
		    dir, name);
		goto out;
	}
	for (;;) {
		if ((r = read(fd, chunk, sizeof(chunk))) == -1) {
			if (errno == EINTR)
				continue;
			st = cause_st(cause, ST_IO, "%s/%s: %s", dir, name,
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if ((st = buf_add(&b, chunk, (size_t)r)) != ST_OK) {
			if (st == ST_TOOBIG)
				cause_st(cause, st, "%s/%s: larger than "
				    "%d bytes", dir, name, MIGRATE_FILE_MAX);
			goto out;
		}
	}
	if (memchr(buf_str(&b), '\0', b.len) != NULL) {
		st = cause_st(cause, ST_BADREQ, "%s/%s: holds a NUL byte",
		    dir, name);
		goto out;
	}
	*len = b.len;
	if ((*data = buf_steal(&b)) == NULL && (*data = strdup("")) == NULL) {
		st = ST_NOMEM;
		goto out;
	}
	st = ST_OK;
out:
	if (fd != -1)
		close(fd);
	buf_cleanup(&b);
	return (st);
}

/* Hex SHA-256 of data into sum (MIGRATE_SUM_LEN + 1 bytes). */
static enum st
migrate_sum(const char *data, size_t len, char *sum)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen, i;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen * 2 != MIGRATE_SUM_LEN)
		return (ST_INTERNAL);
	for (i = 0; i < mdlen; i++) {
		sum[i * 2] = hex[md[i] >> 4];
		sum[i * 2 + 1] = hex[md[i] & 0xf];
	}
	sum[MIGRATE_SUM_LEN] = '\0';
	return (ST_OK);
}

/*
 * Fills l with the migration files of dir, sorted by version, each with its
 * checksum and, if keep is set, its text. Duplicate versions are an error.
 */
static enum st
migrate_scan(const char *dir, int keep, struct migrate_list *l, char **cause)
{
	DIR			*d;
	struct dirent		*de;
	struct migrate_entry	*e;
	char			*data;
	size_t			 len, i;
	int			 version, kind;
	enum st			 st = ST_OK;

	if (dir == NULL || *dir == '\0')
		return (cause_st(cause, ST_BADREQ,
		    "no migrations directory configured "
		    "([database] migrations_dir)"));
	if ((d = opendir(dir)) == NULL)
		return (cause_st(cause, ST_IO, "%s: %s", dir,
		    strerror(errno)));
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				st = cause_st(cause, ST_IO, "%s: %s", dir,
				    strerror(errno));
			break;
		}
		if ((kind = migrate_name(de->d_name, &version)) == 0)
			continue;
		if (kind == -1) {
			st = cause_st(cause, ST_BADREQ, "%s/%s: not a "
			    "migration name (NNNN_name.sql: version 0001 to "
			    "9999, name of a-z, 0-9 and _)", dir, de->d_name);
			break;
		}
		st = migrate_read(dirfd(d), dir, de->d_name, &data, &len,
		    cause);
		if (st != ST_OK)
			break;
		if ((e = migrate_list_add(l)) == NULL ||
		    (e->file = strdup(de->d_name)) == NULL) {
			free(data);
			st = ST_NOMEM;
			break;
		}
		e->version = version;
		e->state = MIGRATE_PENDING;
		if ((st = migrate_sum(data, len, e->sum)) != ST_OK) {
			free(data);
			st = cause_st(cause, st, "%s: SHA-256 failed",
			    e->file);
			break;
		}
		if (keep) {
			e->sql = data;		/* stolen */
			e->sqllen = len;
		} else
			free(data);
	}
	closedir(d);
	if (st != ST_OK)
		return (st);
	if (l->n > 0)
		qsort(l->v, l->n, sizeof(*l->v), migrate_cmp);
	for (i = 1; i < l->n; i++) {
		if (l->v[i].version == l->v[i - 1].version)
			return (cause_st(cause, ST_BADREQ,
			    "%s and %s have the same version %04d",
			    l->v[i - 1].file, l->v[i].file, l->v[i].version));
	}
	return (ST_OK);
}

/* Length of s without its trailing newlines and spaces (libpq adds them). */
static int
migrate_trimlen(const char *s)
{
	size_t	 n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	return (n > 4096 ? 4096 : (int)n);
}

/*
 * Sets *cause to "what: <PostgreSQL's message>" for a failed result (res may
 * be NULL). A broken connection gives ST_UNAVAILABLE, anything else ST_DB.
 */
static enum st
migrate_pq_fail(PGconn *conn, const PGresult *res, const char *what,
    char **cause)
{
	const char	*msg = NULL;
	enum st		 st;

	st = PQstatus(conn) == CONNECTION_OK ? ST_DB : ST_UNAVAILABLE;
	if (res != NULL)
		msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	if (msg == NULL)
		msg = PQerrorMessage(conn);
	if (*msg == '\0')
		return (cause_st(cause, st, "%s: unexpected reply %s", what,
		    PQresStatus(PQresultStatus(res))));
	return (cause_st(cause, st, "%s: %.*s", what, migrate_trimlen(msg),
	    msg));
}

/*
 * Runs one statement with parameters. On ST_OK *out (if not NULL) holds the
 * result, which the caller PQclear()s; on failure *cause names what.
 */
static enum st
migrate_q(PGconn *conn, const char *what, const char *sql, int nparams,
    const char *const *params, PGresult **out, char **cause)
{
	PGresult	*res;
	enum st		 st;

	if (out != NULL)
		*out = NULL;
	res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		if (out != NULL)
			*out = res;
		else
			PQclear(res);
		return (ST_OK);
	default:
		st = migrate_pq_fail(conn, res, what, cause);
		PQclear(res);
		return (st);
	}
}

/* Connects through db and returns the pinned connection in *conn. */
static enum st
migrate_connect(struct db *db, PGconn **conn, char **cause)
{
	enum st	 st;

	*conn = NULL;
	if ((st = db_connect(db)) != ST_OK)
		return (cause_st(cause, st, "cannot connect to the "
		    "database: %s", *db_error(db) != '\0' ? db_error(db) :
		    st_str(st)));
	*conn = db_conn(db);
	return (ST_OK);
}

/*
 * Refuses a standby: its advisory locks are its own (two runs, one on the
 * primary and one on a standby, would not exclude each other) and it
 * cannot write anyway. ST_UNAVAILABLE says which server and what to do.
 */
static enum st
migrate_primary(PGconn *conn, char **cause)
{
	PGresult	*res;
	enum st		 st;
	int		 standby;

	st = migrate_q(conn, "asking whether the server is the primary",
	    "SELECT pg_is_in_recovery()", 0, NULL, &res, cause);
	if (st != ST_OK)
		return (st);
	standby = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0),
	    "t") == 0;
	PQclear(res);
	if (standby)
		return (cause_st(cause, ST_UNAVAILABLE, "the database server "
		    "%s:%s is a standby (read-only, in recovery): migrations "
		    "run on the primary only; list every server in "
		    "[database] host with target_session_attrs = read-write "
		    "(the default), or wait for the failover to finish and "
		    "run again", PQhost(conn), PQport(conn)));
	return (ST_OK);
}

/*
 * Matches the rows of schema_migrations with the files in l: each row marks
 * its file applied, edited or renamed, or adds a missing entry. l stays
 * sorted by version.
 */
static enum st
migrate_merge(PGconn *conn, struct migrate_list *l, char **cause)
{
	PGresult		*res = NULL;
	struct migrate_entry	*e;
	char			*recorded = NULL, *end;
	long			 version;
	int			 i, added = 0;
	enum st			 st;

	st = migrate_q(conn, "reading schema_migrations", MIGRATE_SQL_ROWS, 0,
	    NULL, &res, cause);
	if (st != ST_OK)
		goto out;
	for (i = 0; i < PQntuples(res); i++) {
		errno = 0;
		version = strtol(PQgetvalue(res, i, 0), &end, 10);
		if (errno != 0 || *end != '\0' || version < 1 ||
		    version > MIGRATE_VERSION_MAX ||
		    strlen(PQgetvalue(res, i, 2)) != MIGRATE_SUM_LEN) {
			st = cause_st(cause, ST_DB, "schema_migrations: "
			    "bad row for version %s", PQgetvalue(res, i, 0));
			goto out;
		}
		if (asprintf(&recorded, "%04ld_%s.sql", version,
		    PQgetvalue(res, i, 1)) == -1) {
			recorded = NULL;
			st = ST_NOMEM;
			goto out;
		}
		if ((e = migrate_list_find(l, (int)version)) == NULL) {
			if ((e = migrate_list_add(l)) == NULL ||
			    (e->file = strdup(recorded)) == NULL) {
				st = ST_NOMEM;
				goto out;
			}
			e->version = (int)version;
			e->state = MIGRATE_MISSING;
			added = 1;
		} else if (strcmp(e->sum, PQgetvalue(res, i, 2)) != 0)
			e->state = MIGRATE_EDITED;
		else if (strcmp(e->file, recorded) != 0)
			e->state = MIGRATE_RENAMED;
		else
			e->state = MIGRATE_APPLIED;
		e->recorded_file = recorded;		/* stolen */
		recorded = NULL;
		snprintf(e->recorded, sizeof(e->recorded), "%s",
		    PQgetvalue(res, i, 2));
		if ((e->applied_at = strdup(PQgetvalue(res, i, 3))) == NULL) {
			st = ST_NOMEM;
			goto out;
		}
	}
	if (added)
		qsort(l->v, l->n, sizeof(*l->v), migrate_cmp);
	st = ST_OK;
out:
	free(recorded);
	PQclear(res);
	return (st);
}

/*
 * Refuses the run when the history does not match the files: an applied file
 * was edited, renamed or removed, or a pending file is numbered below the
 * last applied one.
 */
static enum st
migrate_check(const struct migrate_list *l, const char *dir, char **cause)
{
	const struct migrate_entry	*e, *last = NULL;
	size_t				 i;

	for (i = 0; i < l->n; i++) {
		e = &l->v[i];
		switch (e->state) {
		case MIGRATE_EDITED:
			return (cause_st(cause, ST_CONFLICT,
			    "%s was edited after it was applied "
			    "(checksum %s, recorded %s)", e->file, e->sum,
			    e->recorded));
		case MIGRATE_RENAMED:
			return (cause_st(cause, ST_CONFLICT,
			    "%s was renamed after it was applied (as %s)",
			    e->file, e->recorded_file));
		case MIGRATE_MISSING:
			return (cause_st(cause, ST_CONFLICT,
			    "%s was applied but is missing from %s",
			    e->file, dir));
		case MIGRATE_APPLIED:
			last = e;
			break;
		case MIGRATE_PENDING:
			break;
		}
	}
	for (i = 0; last != NULL && i < l->n; i++) {
		e = &l->v[i];
		if (e->state == MIGRATE_PENDING && e->version < last->version)
			return (cause_st(cause, ST_CONFLICT,
			    "%s is pending but the later %s is already "
			    "applied; renumber it above %04d", e->file,
			    last->file, last->version));
	}
	return (ST_OK);
}

/*
 * The 1-based line of a PostgreSQL error position (a 1-based character
 * count into sql), or 0 if unknown. Characters are counted as UTF-8 when
 * the client encoding is UTF8, else as bytes.
 */
static int
migrate_line(PGconn *conn, const char *sql, size_t len, const char *pos)
{
	long		 want, chars = 0;
	size_t		 i;
	int		 line = 1, utf8;
	char		*end;

	if (pos == NULL)
		return (0);
	errno = 0;
	want = strtol(pos, &end, 10);
	if (errno != 0 || *end != '\0' || want < 1)
		return (0);
	utf8 = strcmp(pg_encoding_to_char(PQclientEncoding(conn)), "UTF8") == 0;
	for (i = 0; i < len; i++) {
		if (utf8 && ((unsigned char)sql[i] & 0xc0) == 0x80)
			continue;	/* continuation byte */
		if (++chars >= want)
			break;
		if (sql[i] == '\n')
			line++;
	}
	return (line);
}

/*
 * Sets *cause for a failed migration file: "FILE: line N: message", with
 * PostgreSQL's detail in brackets when it gives one.
 */
static enum st
migrate_sql_fail(PGconn *conn, const PGresult *res,
    const struct migrate_entry *e, char **cause)
{
	const char	*msg, *detail;
	char		 at[32] = "";
	int		 line;
	enum st		 st;

	st = PQstatus(conn) == CONNECTION_OK ? ST_DB : ST_UNAVAILABLE;
	if ((msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)) == NULL)
		return (migrate_pq_fail(conn, res, e->file, cause));
	line = migrate_line(conn, e->sql, e->sqllen,
	    PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION));
	if (line > 0)
		snprintf(at, sizeof(at), "line %d: ", line);
	if ((detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)) == NULL)
		return (cause_st(cause, st, "%s: %s%.*s", e->file, at,
		    migrate_trimlen(msg), msg));
	return (cause_st(cause, st, "%s: %s%.*s (%.*s)", e->file, at,
	    migrate_trimlen(msg), msg, migrate_trimlen(detail), detail));
}

/*
 * Applies one pending file in its own transaction, with its row in
 * schema_migrations; on success e is marked applied. On failure the
 * transaction is rolled back and *cause names the file.
 */
static enum st
migrate_one(PGconn *conn, struct migrate_entry *e, char **cause)
{
	PGresult	*res = NULL, *r;
	const char	*params[3];
	char		 version[16], *name = NULL;
	size_t		 len;
	enum st		 st;

	len = strlen(e->file);
	if ((name = strndup(e->file + 5, len - 5 - 4)) == NULL)
		return (ST_NOMEM);
	st = migrate_q(conn, e->file, "BEGIN", 0, NULL, NULL, cause);
	if (st != ST_OK)
		goto out;
	log_debug("migrate: applying %s", e->file);
	res = PQexec(conn, e->sql);
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
	case PGRES_EMPTY_QUERY:		/* only comments: a no-op */
		break;
	case PGRES_COPY_IN:
	case PGRES_COPY_OUT:
		/* End the COPY so the connection can roll back. */
		if (PQresultStatus(res) == PGRES_COPY_IN)
			PQputCopyEnd(conn, "COPY is not supported");
		while ((r = PQgetResult(conn)) != NULL)
			PQclear(r);
		st = cause_st(cause, ST_BADREQ, "%s: COPY FROM STDIN / "
		    "TO STDOUT is not supported in a migration", e->file);
		goto out;
	default:
		st = migrate_sql_fail(conn, res, e, cause);
		goto out;
	}
	PQclear(res);
	res = NULL;
	if (PQtransactionStatus(conn) != PQTRANS_INTRANS) {
		st = cause_st(cause, ST_BADREQ, "%s: the file ended the "
		    "transaction itself (COMMIT or ROLLBACK); what it "
		    "committed stays, and it is not recorded as applied",
		    e->file);
		goto out;
	}
	snprintf(version, sizeof(version), "%d", e->version);
	params[0] = version;
	params[1] = name;
	params[2] = e->sum;
	st = migrate_q(conn, e->file, MIGRATE_SQL_INSERT, 3, params, &res,
	    cause);
	if (st != ST_OK)
		goto out;
	if ((e->applied_at = strdup(PQgetvalue(res, 0, 0))) == NULL) {
		st = ST_NOMEM;
		goto out;
	}
	st = migrate_q(conn, e->file, "COMMIT", 0, NULL, NULL, cause);
	if (st != ST_OK)
		goto out;
	e->state = MIGRATE_APPLIED;
	memcpy(e->recorded, e->sum, sizeof(e->recorded));
out:
	if (st != ST_OK && PQstatus(conn) == CONNECTION_OK &&
	    PQtransactionStatus(conn) != PQTRANS_IDLE)
		PQclear(PQexec(conn, "ROLLBACK"));
	PQclear(res);
	free(name);
	return (st);
}

/* Frees the entries of a list. */
static void
migrate_list_cleanup(struct migrate_list *l)
{
	migrate_entries_free(l->v, l->n);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* See migrate.h. */
enum st
migrate_apply(struct db *db, const char *dir,
    void (*cb)(const struct migrate_entry *, void *), void *arg,
    int *napplied, char **cause)
{
	static const char *const	 key[] = { MIGRATE_LOCK_KEY };
	struct migrate_list		 l = { NULL, 0, 0 };
	struct migrate_entry		*e;
	PGconn				*conn = NULL;
	PGresult			*res;
	size_t				 i;
	int				 set = 0, locked = 0;
	enum st				 st;

	*cause = NULL;
	*napplied = 0;
	if ((st = migrate_scan(dir, 1, &l, cause)) != ST_OK)
		goto out;
	if ((st = migrate_connect(db, &conn, cause)) != ST_OK)
		goto out;
	if ((st = migrate_primary(conn, cause)) != ST_OK)
		goto out;

	set = 1;
	st = migrate_q(conn, "preparing the session", "SET statement_timeout "
	    "= 0", 0, NULL, NULL, cause);
	if (st == ST_OK)
		st = migrate_q(conn, "preparing the session",
		    "SET client_min_messages = warning", 0, NULL, NULL, cause);
	if (st != ST_OK)
		goto out;
	log_debug("migrate: waiting for the migration lock");
	st = migrate_q(conn, "taking the migration lock",
	    "SELECT pg_advisory_lock($1::bigint)", 1, key, NULL, cause);
	if (st != ST_OK)
		goto out;
	locked = 1;
	st = migrate_q(conn, "creating schema_migrations", MIGRATE_SQL_CREATE,
	    0, NULL, NULL, cause);
	if (st != ST_OK)
		goto out;
	if ((st = migrate_merge(conn, &l, cause)) != ST_OK)
		goto out;
	if ((st = migrate_check(&l, dir, cause)) != ST_OK)
		goto out;

	for (i = 0; i < l.n; i++) {
		e = &l.v[i];
		if (e->state != MIGRATE_PENDING)
			continue;
		if ((st = migrate_one(conn, e, cause)) != ST_OK)
			goto out;
		(*napplied)++;
		free(e->sql);		/* done with it: keep memory low */
		e->sql = NULL;
		e->sqllen = 0;
		if (cb != NULL)
			cb(e, arg);
	}
	st = ST_OK;
out:
	if (conn != NULL && PQstatus(conn) == CONNECTION_OK) {
		if (PQtransactionStatus(conn) != PQTRANS_IDLE)
			PQclear(PQexec(conn, "ROLLBACK"));
		if (locked) {
			res = PQexecParams(conn,
			    "SELECT pg_advisory_unlock($1::bigint)", 1, NULL,
			    key, NULL, NULL, 0);
			if (PQresultStatus(res) != PGRES_TUPLES_OK)
				log_warnx("migrate: unlock failed: %s",
				    PQerrorMessage(conn));
			PQclear(res);
		}
		if (set) {
			PQclear(PQexec(conn, "RESET statement_timeout"));
			PQclear(PQexec(conn, "RESET client_min_messages"));
		}
	}
	migrate_list_cleanup(&l);
	return (st);
}

/* See migrate.h. */
enum st
migrate_status(struct db *db, const char *dir, struct migrate_entry **entries,
    size_t *n, char **cause)
{
	struct migrate_list	 l = { NULL, 0, 0 };
	PGconn			*conn;
	PGresult		*res = NULL;
	enum st			 st;

	*cause = NULL;
	*entries = NULL;
	*n = 0;
	if ((st = migrate_scan(dir, 0, &l, cause)) != ST_OK)
		goto out;
	if ((st = migrate_connect(db, &conn, cause)) != ST_OK)
		goto out;
	/* Read-only: no table yet means nothing was applied. */
	st = migrate_q(conn, "looking for schema_migrations",
	    "SELECT to_regclass('schema_migrations') IS NOT NULL", 0, NULL,
	    &res, cause);
	if (st != ST_OK)
		goto out;
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0 &&
	    (st = migrate_merge(conn, &l, cause)) != ST_OK)
		goto out;
	*entries = l.v;			/* stolen */
	*n = l.n;
	l.v = NULL;
	l.n = 0;
	st = ST_OK;
out:
	PQclear(res);
	migrate_list_cleanup(&l);
	return (st);
}

/* See migrate.h. */
enum st
migrate_grant(struct db *db, const char *api, char **cause)
{
	const char	*params[1] = { api };
	PGresult	*res = NULL;
	PGconn		*conn;
	enum st		 st;

	if ((st = migrate_connect(db, &conn, cause)) != ST_OK)
		return (st);
	st = migrate_q(conn, "granting the API role", "SELECT "
	    "to_regprocedure('bootstack_grant_api(text)') IS NOT NULL", 0, NULL,
	    &res, cause);
	if (st == ST_OK && strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		PQclear(res);
		res = NULL;
		st = migrate_q(conn, "granting the API role",
		    "SELECT bootstack_grant_api($1)", 1, params, &res, cause);
	}
	PQclear(res);
	return (st);
}

/* See migrate.h. */
int
migrate_role_risk(struct db *db, char **why)
{
	PGresult	*res = NULL;
	PGconn		*conn;
	int		 rc = 0;

	if (migrate_connect(db, &conn, why) != ST_OK)
		return (-1);
	if (migrate_q(conn, "checking the role", "SELECT r.rolsuper, "
	    "coalesce(pg_has_role(current_user, c.relowner, 'USAGE'), false), "
	    "current_user FROM pg_roles r LEFT JOIN pg_class c ON c.oid = "
	    "to_regclass('schema_migrations') WHERE r.rolname = current_user",
	    0, NULL, &res, why) != ST_OK)
		return (-1);
	if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0)
		rc = cause_set(why, "role %s is a superuser", PQgetvalue(res, 0, 2));
	else if (PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 1), "t") == 0)
		rc = cause_set(why, "role %s owns the tables",
		    PQgetvalue(res, 0, 2));
	PQclear(res);
	return (rc == -1 ? 1 : 0);
}

/* See migrate.h. */
int
migrate_role_risk_of(const struct config *cfg, char **why)
{
	struct db	*db;
	int		 rc;

	if ((db = db_new(cfg, NULL)) == NULL)
		return (cause_set(why, "out of memory"));
	rc = migrate_role_risk(db, why);
	db_free(db);
	return (rc);
}
