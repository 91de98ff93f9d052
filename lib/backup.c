/*
 * backup.c: the backup archive and its restore; see backup.h and
 * docs/backup.md.
 *
 * Design: the parts are archived where they are (tar -C / etc/bootstack
 * ...), not copied first, so a backup costs one read of each file; only the
 * MANIFEST and the database dump are written to a private folder (0700)
 * made beside the archive, which goes away whatever happens. The archive
 * is made as NAME.tmp (created 0600 before tar writes into it), fsync'd and
 * renamed, so a half-written archive never carries the final name.
 *
 * Caveats: the parts are read while the jobs may run; each file is
 * written atomically by its owner (rename), so tar sees the old or the new
 * file, but the set is not one instant: a certificate renewed during the
 * backup may be new while its status file is old (the next cert renew
 * fixes that). pg_dump's snapshot is consistent on its own. Ownership is
 * restored by user name when restore runs as root (tar's default).
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "backup.h"
#include "buf.h"
#include "cause.h"
#include "config.h"
#include "db.h"
#include "fs.h"
#include "migrate.h"
#include "proc.h"

#define BACKUP_FORMAT		"bootstack-backup 1"	/* MANIFEST's first line */
#define BACKUP_TIMEOUT_MS	(24LL * 3600 * 1000)	/* pg_dump, tar, cp */
#define BACKUP_MANIFEST_MAX	(64 * 1024)
#define BACKUP_ENV_MAX		512	/* variables passed to the tools */

extern char **environ;

/* The parts besides the database, in the order they are restored. */
enum backup_part {
	BACKUP_CONFIG,		/* the folder of the configuration file */
	BACKUP_ACME,		/* [acme] state_dir */
	BACKUP_ACCOUNT_KEY,	/* [acme] account_key, when outside state_dir */
	BACKUP_DNS,		/* [dns] snapshot_dir */
	BACKUP_ALERTS,		/* [alerts] state_file */
	BACKUP__NPARTS
};

static const char *const backup_part_names[BACKUP__NPARTS] = {
	"config", "acme", "account_key", "dns", "alerts"
};

/* Where each part is, absolute and resolved; NULL = absent. */
struct backup_parts {
	char	*path[BACKUP__NPARTS];	/* owned */
};

/* Frees the paths. */
static void
backup_parts_cleanup(struct backup_parts *p)
{
	size_t	 i;

	for (i = 0; i < BACKUP__NPARTS; i++) {
		free(p->path[i]);
		p->path[i] = NULL;
	}
}

/*
 * The environment of pg_dump / pg_restore: ours without PG* variables,
 * then the connection of [database], as its owner when one is named (the
 * API's role may not read schema_migrations, and row-level security would
 * hide its rows). Caller frees the array and its strings
 * (backup_env_free). NULL on ENOMEM.
 */
static char **
backup_env(const struct config *cfg)
{
	static const char *const keys[][2] = {
		{ "PGHOST", "host" }, { "PGDATABASE", "name" },
		{ "PGUSER", "user" }, { "PGPASSWORD", "password" },
		{ "PGSSLMODE", "sslmode" }, { "PGPORT", "port" },
		{ "PGTARGETSESSIONATTRS", "target_session_attrs" },
	};
	char		**env;
	const char	*v, *owner;
	size_t		 n = 0, i;

	if ((env = calloc(BACKUP_ENV_MAX + 1, sizeof(*env))) == NULL)
		return (NULL);
	for (i = 0; environ[i] != NULL && n < BACKUP_ENV_MAX - 10; i++) {
		if (strncmp(environ[i], "PG", 2) == 0)
			continue;
		if ((env[n++] = strdup(environ[i])) == NULL)
			goto fail;
	}
	owner = config_str(cfg, "database", "owner");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (owner != NULL && strcmp(keys[i][1], "user") == 0)
			v = owner;
		else if (owner != NULL && strcmp(keys[i][1], "password") == 0)
			v = config_str(cfg, "database", "owner_password");
		else
			v = config_str(cfg, "database", keys[i][1]);
		if (v == NULL)
			continue;
		if (asprintf(&env[n++], "%s=%s", keys[i][0], v) == -1) {
			env[--n] = NULL;
			goto fail;
		}
	}
	if (asprintf(&env[n++], "PGCONNECT_TIMEOUT=%lld",
	    config_int(cfg, "database", "connect_timeout")) == -1 ||
	    (env[n++] = strdup("PGAPPNAME=bootstack-backup")) == NULL)
		goto fail;
	return (env);
fail:
	for (i = 0; i < BACKUP_ENV_MAX; i++)
		if (env[i] != NULL) {
			explicit_bzero(env[i], strlen(env[i]));
			free(env[i]);
		}
	free(env);
	return (NULL);
}

/* Frees backup_env's array, wiping the password. NULL-safe. */
static void
backup_env_free(char **env)
{
	size_t	 i;

	if (env == NULL)
		return;
	for (i = 0; env[i] != NULL; i++) {
		explicit_bzero(env[i], strlen(env[i]));
		free(env[i]);
	}
	free(env);
}

/* Runs argv (found on PATH) with env (NULL: ours). 0, or -1 with *cause. */
static int
backup_run(char *const *argv, char *const *env, char **cause)
{
	struct proc_opts	 po;

	memset(&po, 0, sizeof(po));
	po.argv = argv;
	po.env = env;
	po.timeout_ms = BACKUP_TIMEOUT_MS;
	po.flags = PROC_PATH;
	return (proc_run(&po, NULL, cause) == ST_OK ? 0 : -1);
}

/* rm -rf dir (a private folder of ours); errors are ignored. */
static void
backup_rmtree(const char *dir)
{
	char	*argv[] = { (char *)"rm", (char *)"-rf", (char *)"--",
		    (char *)dir, NULL };
	char	*cause = NULL;

	(void)backup_run(argv, NULL, &cause);
	free(cause);
}

/*
 * The resolved path of a part, or NULL when it does not exist (or is not
 * set). -1 when it exists but cannot be used (a newline in its name).
 */
static int
backup_part_path(const char *path, char **out, char **cause)
{
	*out = NULL;
	if (path == NULL || *path == '\0')
		return (0);
	if ((*out = realpath(path, NULL)) == NULL) {
		if (errno == ENOENT)
			return (0);
		return (cause_set(cause, "%s: %s", path, strerror(errno)));
	}
	if (strchr(*out, '\n') != NULL || strcmp(*out, "/") == 0) {
		free(*out);
		*out = NULL;
		return (cause_set(cause, "%s: cannot be archived", path));
	}
	return (0);
}

/* True when path is dir or inside it. */
static int
backup_inside(const char *path, const char *dir)
{
	size_t	 len = strlen(dir);

	return (strncmp(path, dir, len) == 0 && (path[len] == '\0' ||
	    path[len] == '/'));
}

/* Finds the parts of cfg (loaded from config_path). */
static int
backup_parts_find(const struct config *cfg, const char *config_path,
    struct backup_parts *p, char **cause)
{
	char	*copy;
	int	 rc;

	memset(p, 0, sizeof(*p));
	if ((copy = strdup(config_path)) == NULL)
		return (cause_set(cause, "out of memory"));
	rc = backup_part_path(dirname(copy), &p->path[BACKUP_CONFIG], cause);
	free(copy);
	if (rc != 0 || backup_part_path(config_str(cfg, "acme", "state_dir"),
	    &p->path[BACKUP_ACME], cause) != 0 ||
	    backup_part_path(config_str(cfg, "acme", "account_key"),
	    &p->path[BACKUP_ACCOUNT_KEY], cause) != 0 ||
	    backup_part_path(config_str(cfg, "dns", "snapshot_dir"),
	    &p->path[BACKUP_DNS], cause) != 0 ||
	    backup_part_path(config_str(cfg, "alerts", "state_file"),
	    &p->path[BACKUP_ALERTS], cause) != 0) {
		backup_parts_cleanup(p);
		return (-1);
	}
	if (p->path[BACKUP_CONFIG] == NULL) {
		backup_parts_cleanup(p);
		return (cause_set(cause, "%s: its folder does not exist",
		    config_path));
	}
	/* Inside another part: archived with it, not twice. */
	if (p->path[BACKUP_ACCOUNT_KEY] != NULL && p->path[BACKUP_ACME] != NULL
	    && backup_inside(p->path[BACKUP_ACCOUNT_KEY],
	    p->path[BACKUP_ACME])) {
		free(p->path[BACKUP_ACCOUNT_KEY]);
		p->path[BACKUP_ACCOUNT_KEY] = NULL;
	}
	return (0);
}

/*
 * A new connection to the database of cfg, as its owner when one is
 * named (a fresh handle: db_connect holds back a reconnect that comes too
 * soon). NULL with *cause.
 */
static struct db *
backup_db_open(const struct config *cfg, char **cause)
{
	struct db	*db;

	if ((db = db_new_owner(cfg, NULL)) == NULL) {
		cause_set(cause, "out of memory");
		return (NULL);
	}
	if (db_connect(db) != ST_OK) {
		cause_set(cause, "cannot connect to the database: %s",
		    db_error(db));
		db_free(db);
		return (NULL);
	}
	return (db);
}

/* The applied migrations, "1 2 3", into b. */
static int
backup_migrations(const struct config *cfg, struct buf *b, char **cause)
{
	struct migrate_entry	*v = NULL;
	struct db		*db;
	size_t			 n = 0, i;
	int			 rc = -1;

	if ((db = backup_db_open(cfg, cause)) == NULL)
		return (-1);
	if (migrate_status(db, config_str(cfg, "database", "migrations_dir"),
	    &v, &n, cause) != ST_OK)
		goto out;
	for (i = 0; i < n; i++)
		if (v[i].applied_at != NULL && buf_printf(b, " %d",
		    v[i].version) != ST_OK) {
			cause_set(cause, "out of memory");
			goto out;
		}
	rc = 0;
out:
	migrate_entries_free(v, n);
	db_free(db);
	return (rc);
}

/* See backup.h. */
int
backup_create(const struct config *cfg, const char *config_path,
    const char *dir, char **archive, char **cause)
{
	struct backup_parts	 parts;
	struct buf		 man;
	struct tm		 tm;
	time_t			 now = time(NULL);
	char			 stamp[32], created[32], stage[PATH_MAX];
	char			 dump[PATH_MAX + 16], *tmp = NULL, *final = NULL;
	char			*argv[BACKUP__NPARTS + 16], *copy, **env = NULL;
	size_t			 i, n;
	int			 fd = -1, rc = -1;

	*archive = NULL;
	stage[0] = '\0';
	buf_init(&man, BACKUP_MANIFEST_MAX);
	if (backup_parts_find(cfg, config_path, &parts, cause) != 0)
		return (-1);
	if (fs_mkdirs(dir, 0700, 0, cause) != 0)
		goto out;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (asprintf(&final, "%s/bootstack-backup-%s.tar.gz", dir, stamp) ==
	    -1 || asprintf(&tmp, "%s.tmp", final) == -1) {
		cause_set(cause, "out of memory");
		goto out;
	}
	if ((size_t)snprintf(stage, sizeof(stage), "%s/.bootstack-backup."
	    "XXXXXX", dir) >= sizeof(stage) || mkdtemp(stage) == NULL) {
		cause_set(cause, "cannot make a folder in %s: %s", dir,
		    strerror(errno));
		stage[0] = '\0';
		goto out;
	}

	/* MANIFEST: what each part is and where it came from. */
	if ((copy = strdup(config_path)) == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	(void)buf_printf(&man, "%s\nversion %s\ncreated %s\nconfig_file %s\n",
	    BACKUP_FORMAT, PACKAGE_VERSION, created, basename(copy));
	free(copy);
	for (i = 0; i < BACKUP__NPARTS; i++)
		if (parts.path[i] != NULL)
			(void)buf_printf(&man, "part %s %s\n",
			    backup_part_names[i], parts.path[i]);
	(void)buf_adds(&man, "migrations");
	if (backup_migrations(cfg, &man, cause) != 0)
		goto out;
	if (buf_adds(&man, "\n") != ST_OK) {
		cause_set(cause, "MANIFEST too large");
		goto out;
	}
	snprintf(dump, sizeof(dump), "%s/MANIFEST", stage);
	if (fs_write_atomic(dump, man.data, man.len, 0600, cause) != 0)
		goto out;

	/* The database, consistent on its own (one snapshot). */
	if ((env = backup_env(cfg)) == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	snprintf(dump, sizeof(dump), "--file=%s/database.dump", stage);
	{
		char	*pg[] = { (char *)"pg_dump", (char *)"--format=custom",
			    (char *)"--no-password", dump, NULL };

		if (backup_run(pg, env, cause) != 0)
			goto out;
	}

	/* The archive: NAME.tmp, 0600 before a byte is in it. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) == -1) {
		cause_set(cause, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (access(final, F_OK) == 0) {
		cause_set(cause, "%s exists already", final);
		goto out;
	}
	n = 0;
	argv[n++] = (char *)"tar";
	argv[n++] = (char *)"--create";
	argv[n++] = (char *)"--gzip";
	argv[n++] = (char *)"--file";
	argv[n++] = tmp;
	argv[n++] = (char *)"--directory";
	argv[n++] = stage;
	argv[n++] = (char *)"MANIFEST";
	argv[n++] = (char *)"database.dump";
	argv[n++] = (char *)"--directory";
	argv[n++] = (char *)"/";
	for (i = 0; i < BACKUP__NPARTS; i++)
		if (parts.path[i] != NULL)
			argv[n++] = parts.path[i] + 1;
	argv[n] = NULL;
	if (backup_run(argv, NULL, cause) != 0)
		goto out;
	if (fchmod(fd, 0600) == -1 || fsync(fd) == -1 ||
	    rename(tmp, final) == -1) {
		cause_set(cause, "%s: %s", final, strerror(errno));
		goto out;
	}
	*archive = final;
	final = NULL;
	rc = 0;
out:
	if (fd != -1)
		close(fd);
	if (rc != 0 && tmp != NULL)
		unlink(tmp);
	if (stage[0] != '\0')
		backup_rmtree(stage);
	backup_env_free(env);
	backup_parts_cleanup(&parts);
	buf_cleanup(&man);
	free(tmp);
	free(final);
	return (rc);
}

/* --- restore ---------------------------------------------------------------- */

/* What a MANIFEST says. */
struct backup_manifest {
	char	*text;			/* owned; the file, cut into lines */
	char	*config_file;		/* borrowed from text */
	char	*path[BACKUP__NPARTS];	/* borrowed; NULL = absent */
	char	*migrations;		/* borrowed; " 1 2 3" */
};

/* Reads STAGE/MANIFEST. */
static int
backup_manifest_read(const char *stage, struct backup_manifest *m,
    char **cause)
{
	char	 path[PATH_MAX], *line, *next, *sp;
	size_t	 i, len;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/MANIFEST", stage);
	if (fs_read_file(path, BACKUP_MANIFEST_MAX, &m->text, &len,
	    cause) != 0) {
		cause_prefix(cause, "not a bootstack backup");
		return (-1);
	}
	for (line = m->text; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line == m->text) {
			if (strcmp(line, BACKUP_FORMAT) != 0)
				return (cause_set(cause, "not a bootstack "
				    "backup of format 1: '%.64s'", line));
			continue;
		}
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp++ = '\0';
		if (strcmp(line, "config_file") == 0)
			m->config_file = sp;
		else if (strcmp(line, "migrations") == 0)
			m->migrations = sp;
		else if (strcmp(line, "part") == 0 &&
		    (line = strchr(sp, ' ')) != NULL) {
			*line++ = '\0';
			for (i = 0; i < BACKUP__NPARTS; i++)
				if (strcmp(sp, backup_part_names[i]) == 0 &&
				    line[0] == '/' && strstr(line, "/..") ==
				    NULL)
					m->path[i] = line;
		}
	}
	if (m->config_file == NULL || m->path[BACKUP_CONFIG] == NULL)
		return (cause_set(cause, "the MANIFEST names no "
		    "configuration"));
	return (0);
}

/*
 * Copies part src (a folder's contents, or a file) of the unpacked archive
 * to dst, keeping modes and owners; a file it replaces stays as
 * FILE.pre-restore.
 */
static int
backup_put(const char *stage, const char *orig, const char *dst, int is_dir,
    char **cause)
{
	char	 src[PATH_MAX * 2];
	char	*argv[] = { (char *)"cp", (char *)"--archive",
		    (char *)"--backup=simple", (char *)"--suffix=.pre-restore",
		    (char *)"--no-target-directory", (char *)"--", src,
		    (char *)dst, NULL };

	/* -T: a folder is merged into dst (made with the archive's mode). */
	(void)is_dir;
	snprintf(src, sizeof(src), "%s%s", stage, orig);
	if (fs_mkdirs(dst, 0700, FS_MKDIRS_PARENT, cause) != 0)
		return (-1);
	return (backup_run(argv, NULL, cause));
}

/* Tells note a line made from a format. */
static void __attribute__((format(printf, 3, 4)))
backup_note(void (*note)(void *, const char *), void *arg, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*line;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) == -1)
		line = NULL;
	va_end(ap);
	if (line != NULL && note != NULL)
		note(arg, line);
	free(line);
}

/* 0 when the database of cfg holds no table, sequence or view of ours. */
static int
backup_db_empty(struct db *db, char **cause)
{
	PGresult	*res = NULL;
	int		 rc = -1;

	if (db_exec(db, "SELECT count(*) FROM pg_class c JOIN pg_namespace n "
	    "ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', "
	    "'information_schema') AND n.nspname NOT LIKE 'pg_toast%' AND "
	    "c.relkind IN ('r', 'p', 'v', 'm', 'S')", 0, NULL, &res) != ST_OK)
		return (cause_set(cause, "%s", db_error(db)));
	if (strcmp(PQgetvalue(res, 0, 0), "0") != 0)
		cause_set(cause, "the database is not empty (%s relations): "
		    "restore goes into a new, empty one (docs/backup.md)",
		    PQgetvalue(res, 0, 0));
	else
		rc = 0;
	PQclear(res);
	return (rc);
}

/*
 * Checks the restored migrations against the installed files: an applied
 * migration the files do not have (a newer release made the backup) or
 * that differs is an error; pending ones are said.
 */
static int
backup_check_migrations(struct db *db, const struct config *cfg,
    void (*note)(void *, const char *), void *arg, char **cause)
{
	struct migrate_entry	*v = NULL;
	size_t			 n = 0, i, applied = 0, pending = 0;
	int			 rc = -1;

	if (migrate_status(db, config_str(cfg, "database", "migrations_dir"),
	    &v, &n, cause) != ST_OK)
		return (-1);
	for (i = 0; i < n; i++) {
		if (v[i].state == MIGRATE_APPLIED ||
		    v[i].state == MIGRATE_RENAMED)
			applied++;
		else if (v[i].state == MIGRATE_PENDING)
			pending++;
		else {
			cause_set(cause, "migration %04d (%s) is %s here: "
			    "install the release that made the backup, then "
			    "restore again", v[i].version, v[i].file,
			    migrate_state_str(v[i].state));
			goto out;
		}
	}
	if (pending > 0)
		backup_note(note, arg, "migrations: %zu applied, %zu pending: "
		    "run bootstack migrate", applied, pending);
	else
		backup_note(note, arg, "migrations: %zu applied, as installed",
		    applied);
	rc = 0;
out:
	migrate_entries_free(v, n);
	return (rc);
}

/* See backup.h. */
int
backup_restore(const char *archive, const char *config_path,
    void (*note)(void *, const char *), void *arg, char **cause)
{
	struct backup_manifest	 m;
	struct config		*cfg = NULL;
	struct db		*db = NULL;
	const char		*dst, *name;
	char			 stage[PATH_MAX], dump[PATH_MAX + 16];
	char			*copy = NULL, *confdir, **env = NULL;
	size_t			 i;
	int			 rc = -1;

	memset(&m, 0, sizeof(m));
	stage[0] = '\0';
	if ((copy = strdup(archive)) == NULL)
		return (cause_set(cause, "out of memory"));
	if ((size_t)snprintf(stage, sizeof(stage), "%s/.bootstack-restore."
	    "XXXXXX", dirname(copy)) >= sizeof(stage) || mkdtemp(stage) ==
	    NULL) {
		cause_set(cause, "cannot make a folder beside %s: %s", archive,
		    strerror(errno));
		stage[0] = '\0';
		goto out;
	}
	{
		char	*tar[] = { (char *)"tar", (char *)"--extract",
			    (char *)"--gzip", (char *)"--same-permissions",
			    (char *)"--file", (char *)archive,
			    (char *)"--directory", stage, NULL };

		if (backup_run(tar, NULL, cause) != 0)
			goto out;
	}
	if (backup_manifest_read(stage, &m, cause) != 0)
		goto out;

	/* The configuration first: it says where the rest goes. */
	free(copy);
	if ((copy = strdup(config_path)) == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	confdir = dirname(copy);
	if (backup_put(stage, m.path[BACKUP_CONFIG], confdir, 1, cause) != 0)
		goto out;
	backup_note(note, arg, "config: %s into %s", m.path[BACKUP_CONFIG],
	    confdir);
	if ((cfg = config_new()) == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	if (config_load(cfg, config_path, cause) != 0) {
		cause_prefix(cause, "the restored configuration (the archive's "
		    "is %s/%s)", confdir, m.config_file);
		goto out;
	}
	/* Before anything else is touched: the database must be empty. */
	if ((db = backup_db_open(cfg, cause)) == NULL ||
	    backup_db_empty(db, cause) != 0)
		goto out;
	db_free(db);
	db = NULL;

	for (i = BACKUP_ACME; i < BACKUP__NPARTS; i++) {
		if (m.path[i] == NULL)
			continue;
		switch (i) {
		case BACKUP_ACME:
			dst = config_str(cfg, "acme", "state_dir");
			break;
		case BACKUP_ACCOUNT_KEY:
			dst = config_str(cfg, "acme", "account_key");
			break;
		case BACKUP_DNS:
			dst = config_str(cfg, "dns", "snapshot_dir");
			break;
		default:
			dst = config_str(cfg, "alerts", "state_file");
			break;
		}
		name = backup_part_names[i];
		if (dst == NULL || *dst == '\0') {
			backup_note(note, arg, "%s: not restored (the "
			    "configuration names no place for it)", name);
			continue;
		}
		if (backup_put(stage, m.path[i], dst, i == BACKUP_ACME ||
		    i == BACKUP_DNS, cause) != 0)
			goto out;
		backup_note(note, arg, "%s: %s into %s", name, m.path[i], dst);
	}

	/* The database, then its migrations checked. */
	if ((env = backup_env(cfg)) == NULL) {
		cause_set(cause, "out of memory");
		goto out;
	}
	snprintf(dump, sizeof(dump), "%s/database.dump", stage);
	{
		char	 dbname[512];
		char	*pg[] = { (char *)"pg_restore",
			    (char *)"--exit-on-error",
			    (char *)"--single-transaction",
			    (char *)"--no-owner", (char *)"--no-password",
			    (char *)"--dbname", dbname, dump, NULL };

		/* A name with '=' would be read as a connection string. */
		name = config_str(cfg, "database", "name");
		if (strchr(name, '=') != NULL || strlen(name) >=
		    sizeof(dbname)) {
			cause_set(cause, "[database] name: '%s' cannot be "
			    "given to pg_restore", name);
			goto out;
		}
		snprintf(dbname, sizeof(dbname), "%s", name);
		if (backup_run(pg, env, cause) != 0)
			goto out;
	}
	backup_note(note, arg, "database: restored into %s",
	    config_str(cfg, "database", "name"));
	if ((db = backup_db_open(cfg, cause)) == NULL)
		goto out;
	if (backup_check_migrations(db, cfg, note, arg, cause) != 0)
		goto out;
	rc = 0;
out:
	if (stage[0] != '\0')
		backup_rmtree(stage);
	backup_env_free(env);
	db_free(db);
	config_free(cfg);
	free(m.text);
	free(copy);
	return (rc);
}
