/*
 * backup.h: `bootstack backup` and `bootstack restore`: one archive holding
 * everything a new box needs to take over from this one.
 *
 * The archive (a gzip'd tar, mode 0600: it holds the secrets) is made of a
 * MANIFEST (what each part is and where it came from, the applied
 * migrations), database.dump (pg_dump --format=custom of [database]) and
 * the parts as they are on disk, under their absolute paths: the folder of
 * the configuration file (/etc/bootstack: secret files, htpasswd), [acme]
 * state_dir (account key, certificates, orders, status files), [acme]
 * account_key when it lives elsewhere, [dns] snapshot_dir and [alerts]
 * state_file. A part that does not exist is recorded as absent.
 *
 * Restore unpacks into a private folder, puts the configuration folder
 * back first (a file it replaces is kept as FILE.pre-restore), loads the
 * restored configuration, puts the other parts where it says, then
 * restores the database, which must be empty, and checks its migrations
 * against the installed ones. docs/backup.md is the operator's guide.
 *
 * pg_dump, pg_restore, tar and cp run through lib/proc.h, with the
 * connection in PG* environment variables (the password never on a
 * command line).
 */
#ifndef LIB_BACKUP_H
#define LIB_BACKUP_H

struct config;

/*
 * Writes DIR/bootstack-backup-YYYYMMDDTHHMMSSZ.tar.gz (dir made 0700 if
 * missing) for cfg, loaded from config_path. 0 with *archive (its path,
 * caller frees), or -1 with *cause (caller frees); nothing is left behind
 * on failure.
 */
int	backup_create(const struct config *cfg, const char *config_path,
	    const char *dir, char **archive, char **cause);

/*
 * Puts archive back: the configuration folder into the folder of
 * config_path, then the other parts where the restored configuration
 * says, then the database. note(arg, line) is told each step (one line,
 * no newline). 0, or -1 with *cause.
 */
int	backup_restore(const char *archive, const char *config_path,
	    void (*note)(void *, const char *), void *arg, char **cause);

#endif
