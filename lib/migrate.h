/*
 * migrate.h: forward-only schema migrations from numbered SQL files.
 *
 * A migrations directory holds NNNN_name.sql files (four digits, then
 * [a-z0-9_]+); they are applied in version order, each in its own
 * transaction together with its row in schema_migrations (version, name,
 * SHA-256 of the file). Once applied, a file must never change: an edited or
 * vanished file makes migrate_apply refuse to run anything. Concurrent runs
 * serialise on a PostgreSQL advisory lock, so the second one waits and then
 * finds nothing to do. The lock is taken on the primary only: a standby
 * (pg_is_in_recovery()) is refused with ST_UNAVAILABLE and a cause naming
 * it.
 */
#ifndef LIB_MIGRATE_H
#define LIB_MIGRATE_H

#include <stddef.h>

#include "st.h"

struct config;
struct db;

#define MIGRATE_FILE_MAX	(4 * 1024 * 1024)	/* bytes per file */
#define MIGRATE_VERSION_MAX	9999
#define MIGRATE_SUM_LEN		64			/* hex SHA-256 */

/*
 * The key of the session advisory lock held while migrating: the bytes
 * "bootstkm" read as a big-endian signed 64-bit integer.
 */
#define MIGRATE_LOCK_KEY	"7093010484075719533"

enum migrate_state {
	MIGRATE_PENDING,	/* file present, not applied yet */
	MIGRATE_APPLIED,	/* applied, file unchanged */
	MIGRATE_EDITED,		/* applied, but the file's checksum changed */
	MIGRATE_RENAMED,	/* applied under another name, same version */
	MIGRATE_MISSING,	/* applied, but the file is gone */
};

struct migrate_entry {
	int			 version;	/* 1 for 0001_init.sql */
	char			*file;		/* "0001_init.sql"; from the
						   recorded name if missing */
	enum migrate_state	 state;
	char			 sum[MIGRATE_SUM_LEN + 1];	/* of the file;
						   "" if missing */
	char			 recorded[MIGRATE_SUM_LEN + 1];	/* in the
						   table; "" if pending */
	char			*recorded_file;	/* name it was applied under;
						   NULL if pending */
	char			*applied_at;	/* "2025-01-31T12:00:00Z" (UTC);
						   NULL if pending */
	char			*sql;		/* file text while applying;
						   NULL in migrate_status */
	size_t			 sqllen;
};

/* "applied", "pending", "edited", "renamed" or "missing-file". */
const char	*migrate_state_str(enum migrate_state);

/*
 * Applies the pending migrations of dir, in order, under the advisory lock.
 * cb (may be NULL) is called after each file is committed, with the entry
 * (borrowed, valid during the call). *napplied counts the files committed,
 * also on failure (earlier files stay applied; the failing one is rolled
 * back whole). On failure *cause tells why in one line (caller frees);
 * nothing is run at all when an applied file was edited, renamed or removed,
 * or when a pending file is numbered below an applied one. Sets the session's
 * statement_timeout to 0 while it runs (a migration may be long) and resets
 * it after.
 */
enum st		 migrate_apply(struct db *, const char *dir,
		    void (*cb)(const struct migrate_entry *, void *), void *arg,
		    int *napplied, char **cause);

/*
 * Every known version, in order: the files of dir merged with the rows of
 * schema_migrations (read-only: a missing table means nothing is applied).
 * On ST_OK *entries (caller frees with migrate_entries_free) holds *n
 * entries; on failure *cause is set (caller frees).
 */
enum st		 migrate_status(struct db *, const char *dir,
		    struct migrate_entry **entries, size_t *n, char **cause);
void		 migrate_entries_free(struct migrate_entry *, size_t); /* NULL-safe */

/*
 * Least privilege (sql/0004_roles.sql): grants role api, the API's
 * ([database] user), SELECT, INSERT, UPDATE and DELETE on every table of
 * the schema but schema_migrations and USAGE on its sequences, creating
 * the role (LOGIN, nothing else) when it does not exist. Run by
 * `bootstack migrate` as the owner after each apply, so a new table or a
 * renamed role is covered. Does nothing when api is the session's own
 * role or before 0004 is applied. On failure *cause tells why.
 */
enum st		 migrate_grant(struct db *, const char *api, char **cause);

/*
 * Whether the session's role may do more than the API needs: 1 with *why
 * (caller frees; "a superuser", "the owner of the tables") when it is a
 * superuser or (a member of) the owner of schema_migrations, 0 when not,
 * -1 with *why when it could not tell (the database is down).
 */
int		 migrate_role_risk(struct db *, char **why);
/* The same on a connection of its own, as cfg's [database] user. */
int		 migrate_role_risk_of(const struct config *, char **why);

#endif
