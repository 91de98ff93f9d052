/*
 * config.h: bootstack.conf, the one INI file of the stack.
 *
 * Every known key is a row of one table (config_table.c): section, name,
 * type, bounds, default and help. Loading a file fills values over the
 * defaults; then BOOTSTACK_<SECTION>_<KEY> environment variables override
 * single keys; then each "<key>_file" secret is read into "<key>" (a secret
 * file readable by group or others is refused). Any error names the file, the
 * line and the key: "bootstack.conf:12: [api] workers: 0 is out of range
 * 1..256". A load reads the whole file whatever it meets: config_load()
 * reports the first error and how many followed, config_load_all() lists
 * them all (check-config, lib/confcheck.c, which then runs the checks of
 * each command on the values).
 *
 * Sections marked multi in the table may appear several times with a name,
 * "[cert www]": they are read with the config_i* functions.
 */
#ifndef LIB_CONFIG_H
#define LIB_CONFIG_H

#include <stddef.h>
#include <stdio.h>

enum config_type {
	CONFIG_STRING,
	CONFIG_INT,		/* bounded by min..max */
	CONFIG_BOOL,		/* yes/no, true/false, on/off, 1/0 */
	CONFIG_SECRET,		/* a string never printed; has a <key>_file twin */
	CONFIG_ENUM,		/* one of the '|'-separated words in choices */
};

struct config_key {
	const char		*section;	/* "api" */
	const char		*name;		/* "workers" */
	enum config_type	 type;
	long long		 min, max;	/* CONFIG_INT bounds */
	const char		*def;		/* default as text, NULL = unset */
	const char		*choices;	/* CONFIG_ENUM: "a|b|c" */
	const char		*help;		/* one line, for check-config */
};

struct config_section {
	const char		*name;		/* "cert" */
	int			 multi;		/* may repeat as [name instance] */
	const char		*help;
};

extern const struct config_key		config_keys[];		/* NULL-ended */
extern const struct config_section	config_sections[];	/* NULL-ended */

struct config;

struct config	*config_new(void);			/* defaults only; NULL on ENOMEM */
/*
 * Same as config_new with other tables (tests, tools with their own INI
 * file); they are borrowed and must outlive the config. config_new() is
 * config_new_table(config_sections, config_keys). A broken table (a key of
 * no section, a bad default, a secret with a default) aborts.
 */
struct config	*config_new_table(const struct config_section *,
		    const struct config_key *);
void		 config_free(struct config *);		/* NULL-safe */
/*
 * Reads path over the current values, then applies the environment and
 * resolves *_file secrets. Returns 0, or -1 with *cause set (caller frees;
 * NULL if even the message could not be allocated; cause may be NULL).
 * On failure the config is unchanged. "Over": a key the file does not set
 * keeps its current value, so a reload should load into a config_new().
 */
int		 config_load(struct config *, const char *path, char **cause);
/* Same as config_load for text in memory (tests); name is used in errors. */
int		 config_load_string(struct config *, const char *name,
		    const char *text, char **cause);

/* Every error of a load or a check, one line each, in the order found. */
struct config_errors {
	char		**v;		/* owned; "FILE:LINE: [sec] key: why" */
	size_t		  n;
	size_t		  dropped;	/* past the first 200, or no memory */
};
/* Appends one line (printf format); on ENOMEM counts it in dropped. */
void		 config_errors_add(struct config_errors *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 config_errors_cleanup(struct config_errors *);	/* safe twice */
/*
 * check-config's load: like config_load, but every error is appended to
 * errs and what was valid is kept (a bad line leaves its key as it was).
 * Returns the number of errors added, or -1 when the file could not be
 * read at all (the reason appended too).
 */
long		 config_load_all(struct config *, const char *path,
		    struct config_errors *);
long		 config_load_string_all(struct config *, const char *name,
		    const char *text, struct config_errors *);
/*
 * Where the value of key in instance i of section comes from: "FILE:LINE"
 * or "environment VAR" (a secret read from its _file twin: the twin's);
 * for a key left at its default (or key NULL), where the section's header
 * is, else the file loaded (NULL before a load).
 * i is ignored for single sections. Borrowed.
 */
const char	*config_where(const struct config *, const char *section,
		    size_t i, const char *key);
const char	*config_path(const struct config *);	/* borrowed; NULL before load */

/* Single sections. Unknown section/key is a programming error (aborts). */
const char	*config_str(const struct config *, const char *section,
		    const char *key);			/* borrowed; NULL if unset */
long long	 config_int(const struct config *, const char *section,
		    const char *key);
int		 config_bool(const struct config *, const char *section,
		    const char *key);

/* Multi sections: instances in file order. */
size_t		 config_count(const struct config *, const char *section);
const char	*config_iname(const struct config *, const char *section,
		    size_t i);				/* borrowed */
const char	*config_istr(const struct config *, const char *section,
		    size_t i, const char *key);		/* borrowed; NULL if unset */
long long	 config_iint(const struct config *, const char *section,
		    size_t i, const char *key);
int		 config_ibool(const struct config *, const char *section,
		    size_t i, const char *key);

/* Prints every set value as INI, secrets as "(secret)". */
void		 config_dump(const struct config *, FILE *);

#endif
