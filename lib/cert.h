/*
 * cert.h: the life cycle of the [cert NAME] certificates, kept fresh from
 * cron through lib/acme (RFC 8555); `bootstack cert` (app/cli_cert.c) is
 * its command line.
 *
 * For each certificate a renew run:
 *   1. decides whether it is due (cert_due): not before a rate limit's
 *      Retry-After, then files missing or unreadable, names changed,
 *      forced, a pending order left by an earlier run, the CA's ARI window
 *      (RFC 9773; the decision kept in NAME.ari.json) when it offers one,
 *      else less than 1/3 of the lifetime left (1/2 under 10 days, the
 *      certbot rule); a reload an earlier run owes is done first;
 *   2. gets an order (cert_order): the one saved in
 *      <state_dir>/NAME.order.json, with its key NAME.key.pending, if the
 *      CA still has it in a usable state (cert_order_usable), else a new
 *      order and a new key, saved before the first challenge;
 *   3. solves it (http-01: the webroot; dns-01: the zone through lib/dns,
 *      one write per order), finalizes, downloads, checks the chain
 *      against the key and the names;
 *   4. installs each file atomically, the previous one kept as FILE.prev
 *      (cert_install), then deploys: test_command (nginx -t), and if it
 *      fails the previous files are put back (cert_rollback); else
 *      reload_command;
 *   5. records the attempt in <state_dir>/NAME.status.json
 *      (cert_status_write; docs/certificates.md), which `bootstack alert
 *      check` reads.
 *
 * With [acme] store = database (cert_store.c) the HTTP-01 challenges are
 * rows every front end answers through the API, the issued certificate
 * is also put in the database (its key sealed with [acme] store_key),
 * and cert_sync_one() installs the stored one on each front end.
 *
 * The decisions are pure functions over facts (cert_due_decide,
 * cert_order_usable) so tests/unit/check_cert.c can try every case; the
 * functions around them gather the facts from files and the CA.
 */
#ifndef LIB_CERT_H
#define LIB_CERT_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <openssl/evp.h>

#include "crypto.h"
#include "st.h"

struct acme;
struct acme_account_info;
struct acme_ari;
struct acme_order;
struct acme_solver;
struct cert_store;
struct config;

#define CERT_MAX_NAMES		100		/* names per certificate */
#define CERT_MAX_STATE		(64 * 1024)	/* state/status file size */
#define CERT_MAX_OUTPUT		2048		/* command output kept */
#define CERT_CMD_TIMEOUT	120		/* seconds a command may take */

/* One [cert NAME] section, resolved. */
struct cert {
	const char		*name;		/* the section's instance name */
	char			**names;	/* DNS names (lower case) and IP
					   addresses (canonical), owned */
	size_t			  nnames;
	const char		*challenge;	/* "http-01" or "dns-01" */
	const char		*profile;	/* ACME profile asked for, or
						   NULL (the CA's default) */
	enum crypto_key_type	  ktype;
	char			*cert_file;	/* owned paths */
	char			*chain_file;
	char			*fullchain_file;
	char			*key_file;
	const char		*webroot;	/* borrowed from the config */
	const char		*test_cmd;	/* NULL or "" = none */
	const char		*reload_cmd;
	char			*status_file;	/* <state_dir>/NAME.status.json */
	char			*order_file;	/* <state_dir>/NAME.order.json */
	char			*pending_key;	/* <state_dir>/NAME.key.pending */
	char			*ari_file;	/* <state_dir>/NAME.ari.json */
	char			*check_host;	/* the live check (cert_served.c):
						   owned; NULL = no check */
	char			*check_port;
	char			*check_endpoint; /* "HOST:PORT", for texts */
	const char		*check_sni;	/* the first DNS name (not a
						   wildcard) of names, or NULL */
};

/* What one run shares between certificates. */
struct cert_run {
	const struct config	*cfg;		/* borrowed */
	const char		*state_dir;	/* borrowed: [acme] state_dir */
	int			 force;		/* --force */
	int			 dry_run;	/* --dry-run: test orders at
						   directory_url, nothing
						   installed or saved */
	int			 dry_orders;	/* test orders placed */
	const char		*directory_url;	/* the CA: [acme] directory_url,
						   or the dry run's */
	int			 no_create;	/* never create an account */
	struct acme		*acme;		/* made on first need */
	EVP_PKEY		*account_key;
	char			*account_key_file; /* its path, owned */
	char			*account_key_next; /* KEY.next (rollover) */
	EVP_PKEY		*next_key;	/* KEY.next, while looked at */
	int			 next_finished;	/* the account opened by
						   finishing an earlier
						   rollover (KEY.next) */
	int			 next_stale;	/* KEY.next unknown to the CA:
						   removed once KEY works */
	int			 account_open;	/* the account is known */
	int			 acme_tried;	/* cert_connect ran (maybe failed) */
	char			*acme_error;	/* why acme is NULL */
	time_t			 rate_limited_until; /* the CA said
						   rateLimited: not before */
	struct cert_store	*store;		/* [acme] store = database:
						   made on first need */
	/*
	 * Called right before each write an issuance makes (the row of
	 * certificates, the files): 0 go on, -1 with *cause to stop with
	 * nothing written ([database] job_lock = database: the job's lock
	 * is still this session's, dblock_job_check). NULL: no check.
	 */
	int			(*check)(void *, char **);
	void			*check_arg;
};

/* One file of an installation. */
struct cert_file {
	const char	*path;
	const char	*data;
	size_t		 len;
	mode_t		 mode;
	int		 had_old;	/* path existed: FILE.prev holds it */
	int		 written;
};

/* --- the sections ---------------------------------------------------------- */
/*
 * Resolves [cert] section i into *c (paths default to
 * <state_dir>/live/NAME/...). 0, or -1 with *cause; c is safe to clean up
 * either way.
 */
int		 cert_load(const struct config *, size_t i, const char *state_dir,
		    struct cert *c, char **cause);
void		 cert_cleanup(struct cert *);		/* safe twice */

/* --- a run ------------------------------------------------------------------ */
void		 cert_run_init(struct cert_run *, const struct config *);
void		 cert_run_cleanup(struct cert_run *);	/* safe twice */
/*
 * Opens the ACME conversation and the account, once per run (a failure is
 * remembered and repeated). 0, or -1 with *cause.
 */
int		 cert_connect(struct cert_run *, char **cause);
/*
 * Its first half: the account key (made on first use, unless no_create)
 * and the directory of run->directory_url. 0, or -1 with *cause.
 */
int		 cert_connect_ca(struct cert_run *, char **cause);

/* --- the account (cert_account.c) ----------------------------------------- */
/*
 * The account URL cache of the key at keypath: KEY.json for KEY.key, else
 * keypath + ".json" (caller frees; NULL on ENOMEM).
 */
char		*cert_account_cache_path(const char *keypath);
/*
 * Opens the account of run's key at run's CA: the cached URL (read back:
 * it must be valid), else newAccount with onlyReturnExisting, else (with
 * create) a new account; then tells the CA a changed [acme] email. A key
 * rollover an earlier run left open (KEY.next) is settled first: the key
 * the CA knows is kept (cert_account.c). 0, or -1 with *cause.
 */
int		 cert_account_open(struct cert_run *, int create, char **cause);
/* `cert account show`: the account object as the CA has it. */
int		 cert_account_show(struct cert_run *, struct acme_account_info *,
		    char **cause);
/*
 * `cert account update --contact`: sets the n contact addresses (email,
 * with or without "mailto:"); *info gets the CA's account object.
 */
int		 cert_account_contact(struct cert_run *, const char *const *emails,
		    size_t n, struct acme_account_info *, char **cause);
/* `cert account deactivate` (RFC 8555 7.3.6). */
int		 cert_account_deactivate(struct cert_run *, char **cause);
/*
 * `cert account rollover` (7.3.5): a new key of [acme] key_type replaces
 * the account key, at the CA and in the key file (KEY.next meanwhile,
 * kept when the CA's answer is lost). A rollover an earlier run left open
 * is settled first (every cert_account_open does that); when that
 * finishes it, no second keyChange is made.
 */
int		 cert_account_rollover(struct cert_run *, char **cause);
/* A uniform random number in 0..n (getrandom; 0 if it fails). */
unsigned long	 cert_random(unsigned long n);

/* --- due-ness ---------------------------------------------------------------- */
#define CERT_SHORT_LIFE		(10 * 86400)	/* under it: renew at half */
/* When the lifetime rule says to renew: 1/3 left (1/2 under 10 days). */
time_t		 cert_renew_at(const struct crypto_cert *);
/* True if the certificate's SANs are exactly c's names (any order). */
int		 cert_same_names(const struct cert *, const struct crypto_cert *);

/* Whether the CA's renewal window is known. */
enum cert_ari {
	CERT_ARI_NONE = 0,	/* no ARI: the lifetime rule decides */
	CERT_ARI_ASK,		/* the certificate has an ARI id: ask the CA */
	CERT_ARI_GOT,		/* ari holds the CA's window */
};

/* What the due-ness decision is made from. */
struct cert_due_facts {
	time_t			 now;
	int			 force;
	int			 files;		/* cur parsed; key and fullchain
						   readable */
	int			 order_saved;	/* NAME.order.json exists */
	int			 revoked;	/* cur was revoked (status) */
	const struct crypto_cert *cur;		/* when files */
	enum cert_ari		 ari_state;
	const struct acme_ari	*ari;		/* CERT_ARI_GOT */
	unsigned long		 rnd;		/* uniform in 0..(end - start) */
};

/*
 * The decision, in this order: files missing, forced, names changed,
 * revoked, a pending order, the ARI window (a point picked in it: start + rnd), the
 * lifetime rule. Returns 1 due (*reason: a static text), 0 not due, or -1
 * when only the CA's window can tell (CERT_ARI_ASK). *next: the time the
 * rule points at (0 when the files are missing).
 */
int		 cert_due_decide(const struct cert *,
		    const struct cert_due_facts *, const char **reason,
		    time_t *next);
/*
 * cert_due_decide over the files and, when it asks, the CA (ARI; a CA
 * that fails falls back on the lifetime rule, with a warning). 1 or 0.
 */
int		 cert_due(struct cert_run *, const struct cert *,
		    const struct crypto_cert *cur, int have_cur, time_t now,
		    const char **reason, time_t *next);

/*
 * The ARI decision kept between runs in NAME.ari.json (RFC 9773 4.2,
 * 4.3): the window the CA gave for certificate id, the point picked in it
 * (drawn once: kept while the window stays the same), and when to ask the
 * CA again (its Retry-After, else CERT_ARI_RETRY after asking). Until
 * then no request is made and the saved window decides; a CA that fails
 * to answer leaves the saved decision in force.
 */
#define CERT_ARI_RETRY		(6 * 3600)	/* no Retry-After: 6 h */
struct cert_ari_saved {
	char		 id[256];	/* the certificate's ARI id */
	time_t		 start, end;	/* the suggested window */
	time_t		 pick;		/* the renewal time drawn in it */
	time_t		 ask_after;	/* the CA's Retry-After */
};
/* Reads NAME.ari.json; 0, or -1 if missing or damaged. */
int		 cert_ari_load(const struct cert *, struct cert_ari_saved *);
/* Writes it (a failure is a warning). */
void		 cert_ari_save(const struct cert *, const struct cert_ari_saved *);
/*
 * The renewal time in the window got for id: the saved pick when saved is
 * for the same id and window, else got->start + rnd (rnd drawn uniformly
 * in 0..end-start by the caller).
 */
time_t		 cert_ari_pick(const struct cert_ari_saved *saved,
		    const char *id, const struct acme_ari *got,
		    unsigned long rnd);
/*
 * The next renewal as the renew run would decide it, without asking the
 * CA: the saved ARI pick for cur, else the lifetime rule (cur NULL, no
 * certificate: now, 0); never before a rate limit's "not before" (status
 * file). For `cert status`.
 */
time_t		 cert_next_renewal(const struct cert *,
		    const struct crypto_cert *cur);

/* --- orders ---------------------------------------------------------------- */
/*
 * Saves the order URL, names and expiry (0: unknown), so the next run can
 * resume it.
 */
int		 cert_order_save(const struct cert *, const char *url,
		    time_t expires, char **cause);
/*
 * The saved order URL if it is for exactly c's names (caller frees);
 * *expires (may be NULL) gets its saved expiry, 0 if unknown.
 */
char		*cert_order_saved(const struct cert *, time_t *expires);
/* Forgets the pending order and its key. */
void		 cert_order_forget(const struct cert *);
/*
 * True when a saved order the CA still has can be worked on: not
 * invalid, and not expiring within a minute of now.
 */
int		 cert_order_usable(const struct acme_order *, time_t now);
/*
 * Whether a saved order that could not be resumed is dropped: fetched is
 * the status of re-reading it (o then holds what the CA said, when
 * ST_OK), expires its saved expiry. Only for good reasons: the CA has no
 * such order (ST_NOTFOUND), it is not usable (invalid, expired), its
 * saved expiry has passed. Anything else (a 5xx, a rate limit, the CA
 * unreachable) keeps it for the next run: a new order could mean a second
 * certificate for the same names (rate limits: duplicate certificates).
 */
int		 cert_order_drop(enum st fetched, const struct acme_order *,
		    time_t expires, time_t now);
/*
 * The order to work on: the saved one if usable (with its saved key),
 * else, when cert_order_drop says so, a new one with a new key (saved
 * first). 0 with *key (caller frees), or -1 with *cause (the saved order
 * is then kept).
 */
int		 cert_order(struct cert_run *, const struct cert *,
		    const char *replaces, struct acme_order *, EVP_PKEY **key,
		    char **cause);

/* --- install and deploy -------------------------------------------------------- */
/*
 * Runs an operator's command line with /bin/sh -c (lib/proc.h), killed
 * after CERT_CMD_TIMEOUT. 0 when it exits 0 (or cmd is NULL or ""), else
 * -1 with *cause ("what 'cmd' failed (exit 1): OUTPUT").
 */
int		 cert_command(const char *what, const char *cmd, char **cause);
/*
 * The CERT_FILES files of c's certificate, key first, into f (the data
 * borrowed): key_file 0600, cert_file, chain_file, fullchain_file.
 * Returns CERT_FILES.
 */
#define CERT_FILES	4
size_t		 cert_files(const struct cert *, struct cert_file *,
		    const char *keypem, size_t keylen, const char *leaf,
		    const char *chain, const char *full);
/*
 * Writes every file atomically (its folders made), the current one kept
 * as FILE.prev (a hard link, else a copy); on failure undoes what it did.
 * 0, or -1 with *cause.
 */
int		 cert_install(struct cert_file *, size_t n, char **cause);
/* Puts the files back as they were before cert_install. */
void		 cert_rollback(struct cert_file *, size_t n);
/*
 * The deploy test: c's test_command; when it fails the files are put
 * back and *cause ends with "; the previous files were put back". 0, -1.
 */
int		 cert_deploy_test(const struct cert *, struct cert_file *,
		    size_t n, char **cause);

/* --- what the server serves (cert_served.c) ------------------------------- */
#define CERT_SERVED_TIMEOUT_MS	5000	/* one TLS look, connect included */
#define CERT_SERVED_WAIT_MS	30000	/* after a reload: for the new
					   workers to answer */
#define CERT_SERVED_POLL_MS	250

enum cert_served_state {
	CERT_SERVED_NONE = 0,	/* not looked at */
	CERT_SERVED_OFF,	/* no endpoint to check */
	CERT_SERVED_MATCH,	/* it serves the installed certificate */
	CERT_SERVED_MISMATCH,	/* it serves another one */
	CERT_SERVED_UNREACHABLE, /* no TLS answer: error says why */
};
/* One live check. */
struct cert_served {
	enum cert_served_state	 state;
	char			 serial[128];	/* what it serves ("" if none) */
	time_t			 not_after;
	char			 error[256];	/* UNREACHABLE: why */
	time_t			 at;		/* when looked */
};
/*
 * The endpoint of [cert] section i into c (check_endpoint, else the first
 * [nginx] listen_https address as seen from here, none when c has no
 * reload command). Called by cert_load. 0, or -1 with *cause.
 */
int		 cert_endpoint_load(const struct config *, size_t i,
		    struct cert *c, char **cause);
/*
 * Looks at what c's endpoint serves and compares it with want (the
 * installed serial, or NULL). With wait, a different serial is looked at
 * again until CERT_SERVED_WAIT_MS pass (a reload takes a moment); an
 * unreachable endpoint is not waited for. Never fails: *s says.
 */
void		 cert_served_check(const struct cert *, const char *want,
		    int wait, struct cert_served *s);
/* "match", "mismatch", "unreachable" or "off". */
const char	*cert_served_name(enum cert_served_state);
/*
 * *err (owned) for an endpoint that serves another certificate than the
 * installed one (inst) after a reload that exited 0.
 */
void		 cert_served_error(const struct cert *,
		    const struct crypto_cert *inst, const struct cert_served *,
		    char **err);
/*
 * Adds the check to c's status file (served_check, served_serial,
 * served_not_after, served_mismatch, ...), when the file exists.
 */
void		 cert_served_record(const struct cert *,
		    const struct cert_served *);

/* --- issuance --------------------------------------------------------------- */
/*
 * Issues and installs c (cur: the certificate it replaces, or NULL).
 * 0 with *out (the new certificate, installed and reloaded), or -1 with
 * *cause; *installed is then set when the new files are in place (out
 * filled) and only the reload failed: nginx still serves cur.
 */
int		 cert_issue(struct cert_run *, const struct cert *,
		    const struct crypto_cert *cur, struct crypto_cert *out,
		    int *installed, char **cause);

/* What cert_renew_one did. */
enum cert_result {
	CERT_NOT_DUE,
	CERT_DRY_RUN,		/* --dry-run: a test order issued */
	CERT_RENEWED,
	CERT_FAILED,
};
struct cert_outcome {
	enum cert_result	 result;
	int			 reloaded;	/* a reload owed by an earlier
						   run was done first */
	int			 not_served;	/* CERT_FAILED: installed, nginx
						   not yet reloaded */
	int			 rate_limited;	/* CERT_NOT_DUE: the CA's rate
						   limit, until next */
	const char		*reason;	/* static: why it was due */
	time_t			 not_after;	/* the certificate in place */
	time_t			 next;		/* the next renewal */
	char			*serial;	/* owned; CERT_RENEWED */
	char			*error;		/* owned; CERT_FAILED */
	enum cert_served_state	 served;	/* the live check's answer */
	char			 served_serial[128]; /* what it serves */
};
/*
 * Renews c if due and records the attempt in its status file. A dry run
 * instead places a real order for c at run->directory_url (due or not),
 * validates, finalizes and downloads it, and installs, reloads, saves
 * and records nothing: CERT_DRY_RUN with the test certificate's serial.
 * *out says what happened; the caller cert_outcome_cleanup()s it.
 */
void		 cert_renew_one(struct cert_run *, const struct cert *,
		    struct cert_outcome *out);
void		 cert_outcome_cleanup(struct cert_outcome *);

/* --- the status file -------------------------------------------------------- */
/*
 * Writes NAME.status.json: the attempt (now), its result ("ok", "not-due"
 * or "failed"), the error, what nginx serves (serial, not_before,
 * not_after: served, which may be NULL), the next renewal. With
 * installed (not NULL) the deploy is "reload-pending": those files are in
 * place but nginx has not reloaded them, so the served certificate is the
 * one the previous file said (served is then ignored); else the deploy is
 * "served". last_success and last_renewal are carried over from the
 * previous file unless result is "ok". A file that cannot be written is a
 * warning.
 */
void		 cert_status_write(const struct cert *, const char *result,
		    const char *error, const struct crypto_cert *served,
		    const struct crypto_cert *installed, time_t next,
		    time_t now);
/*
 * Records in NAME.status.json that this run skipped the certificate:
 * holder (another host's run, as dblock_job_begin() names it) held the
 * job's lock ([database] job_lock = database). "result": "skipped",
 * "held_by", "last_skipped" now; the rest (what is installed, the last
 * success) stays as the last run wrote it.
 */
void		 cert_status_skipped(const struct cert *, const char *holder,
		    time_t now);
/* The last attempt as the status file says: result and when ("" if none). */
struct cert_last {
	char		 result[32];
	char		 when[40];
	int		 reload_pending;	/* installed, not served */
	char		 revoked_serial[128];	/* "" if none */
	char		 revoked_reason[32];
	time_t		 rate_limited_until;	/* 0 if none */
	char		 served_serial[128];	/* "" if none */
};
void		 cert_last_read(const struct cert *, struct cert_last *);

/*
 * Revokes the installed certificate of c (RFC 8555 7.6) with reason (an
 * acme_revoke_reason name, or NULL), signed by the run's account or, with
 * cert_key set, by the certificate's own key (key_file); the status file
 * then records it ("revoked": serial, reason, when), so the next renew
 * replaces it and cert status says so. 0, or -1 with *cause.
 */
int		 cert_revoke(struct cert_run *, const struct cert *,
		    const char *reason, int cert_key, char **cause);

/* --- the database store (cert_store.c) -------------------------------------- */
#define CERT_STORE_KEYS_MAX	8	/* keys in [acme] store_key */
/* A connection as [database] owner, and the keys that seal and open. */
struct cert_store {
	struct db	*db;
	unsigned char	 keys[CERT_STORE_KEYS_MAX][CRYPTO_SEAL_KEY];
					/* [acme] store_key: keys[0] seals,
					   every one opens */
	char		 ids[CERT_STORE_KEYS_MAX][CRYPTO_SEAL_KEY_ID];
					/* crypto_seal_key_id of each */
	size_t		 nkeys;		/* 0: not loaded (need_key unset) */
	const char	*name;		/* the solver's certificate, borrowed */
};
/* True with [acme] store = database. */
int		 cert_store_enabled(const struct config *);
/*
 * Checks an [acme] store_key value: base64url keys of 32 bytes each,
 * blank- or line-separated, the sealing one first, at most
 * CERT_STORE_KEYS_MAX, none twice; 0 or -1.
 */
int		 cert_store_key_check(const char *text, char **why);
/*
 * The store of cfg, [acme] store_key decoded when need_key (a missing or
 * malformed key list is then an error). Does not connect. Caller
 * cert_store_free()s; NULL with *cause.
 */
struct cert_store *cert_store_open(const struct config *, int need_key,
		    char **cause);
void		 cert_store_free(struct cert_store *);	/* NULL-safe */
/*
 * The HTTP-01 solver of the store: present() writes the challenge's row
 * in acme_challenges, cleanup() and stale() delete it. name (borrowed)
 * is the certificate it is for.
 */
void		 cert_store_solver(struct cert_store *, const char *name,
		    struct acme_solver *);
/*
 * Makes the certificate of name the stored one: leaf, chain, the key
 * sealed with the first store key (AAD: name), serial, not_after; one
 * statement. 0 or -1.
 */
int		 cert_store_put(struct cert_store *, const char *name,
		    const char *leaf, const char *chain, const char *keypem,
		    size_t keylen, const char *serial, time_t not_after,
		    char **cause);
/* A stored certificate, its key unsealed (cleansed by the cleanup). */
struct cert_stored {
	char		*serial;
	time_t		 not_after;
	char		*leaf;
	char		*chain;
	char		*key;		/* PEM, NUL-terminated */
	size_t		 keylen;
	size_t		 key_index;	/* the store key that opened it; 0 =
					   the sealing one */
};
/*
 * Reads name's row: 0 (*st filled; cert_stored_cleanup), 1 when there is
 * none, -1 with *cause (a row no store key opens included: the cause
 * names the keys tried by position and id, never a key).
 */
int		 cert_store_get(struct cert_store *, const char *name,
		    struct cert_stored *, char **cause);
void		 cert_stored_cleanup(struct cert_stored *);

/* What cert_store_reseal found of one row. */
enum cert_reseal_state {
	CERT_RESEAL_CURRENT,	/* sealed with the first key already */
	CERT_RESEAL_RESEALED,	/* opened with an older key, sealed with the
				   first (dry run: would be) */
	CERT_RESEAL_CHANGED,	/* replaced meanwhile (a renewal): left */
	CERT_RESEAL_REFUSED,	/* opens with none of the keys */
};
struct cert_reseal_row {
	char			*name;		/* owned */
	enum cert_reseal_state	 state;
	size_t			 key_index;	/* the key that opened it */
};
struct cert_reseal {
	struct cert_reseal_row	*rows;		/* owned, nrows */
	size_t			 nrows;
	size_t			 n[CERT_RESEAL_REFUSED + 1];	/* rows per
							   state */
};
/*
 * Seals again with the first store key each row (only name's when name
 * is set) that an older key of the list opens, in one transaction: the
 * rows are read, every one opened, and each is written only if its
 * key_sealed is still what was read (compare-before-write: a row a
 * renewal replaced meanwhile is left, CERT_RESEAL_CHANGED). If a row
 * opens with none of the keys nothing is written at all: -2 with *cause
 * naming the keys tried, and *out says which rows. dry_run: the same,
 * without the writes. 0, -2, or -1 with *cause (the database failed:
 * nothing written either); the caller cert_reseal_cleanup()s.
 */
int		 cert_store_reseal(struct cert_store *, const char *name,
		    int dry_run, struct cert_reseal *out, char **cause);
void		 cert_reseal_cleanup(struct cert_reseal *);

/* What cert_sync_one did. */
enum cert_sync_result {
	CERT_SYNC_NONE,		/* nothing stored for the name yet */
	CERT_SYNC_SAME,		/* the files hold it already */
	CERT_SYNC_INSTALLED,	/* written, tested, reloaded */
	CERT_SYNC_FAILED,
};
struct cert_sync_outcome {
	enum cert_sync_result	 result;
	size_t			 written;	/* files written */
	int			 reloaded;	/* reload_command ran */
	int			 not_served;	/* installed, reload failed */
	char			*serial;	/* owned: the stored one */
	time_t			 not_after;
	size_t			 key_index;	/* the store key that opened
						   it; 0 = the sealing one */
	char			*error;		/* owned; CERT_SYNC_FAILED */
};
/*
 * Installs the stored certificate of c when the files differ (checked
 * against the key and c's names first; nothing is written when that or
 * the unsealing fails): cert_install, the deploy test, the reload, the
 * status file. Same files: nothing written, the reload only if the
 * status file says one is owed. The caller cert_sync_outcome_cleanup()s.
 */
void		 cert_sync_one(struct cert_store *, const struct cert *,
		    struct cert_sync_outcome *);
void		 cert_sync_outcome_cleanup(struct cert_sync_outcome *);

#endif
