/*
 * config.c: loads bootstack.conf and answers lookups by section and key.
 *
 * The tables of known sections and keys live in config_table.c (a config
 * made by config_new_table() borrows other ones, for tests and tools). This
 * file owns the INI parser, the BOOTSTACK_<SECTION>_<KEY> environment
 * overrides, the reading of "<key>_file" secrets and the lookups.
 *
 * A config is a list of section instances. Each single section has exactly
 * one instance, made by config_new() with the defaults; each "[cert NAME]"
 * block of a multi section adds one, also starting from the defaults. An
 * instance holds two value slots per row of the key table: the key itself
 * and its "_file" twin (used by CONFIG_SECRET keys only). Only the slots of
 * the instance's own section are ever used; the waste is a few hundred
 * bytes and buys one flat index for every key.
 *
 * Loading is all-or-nothing: the file is parsed into a deep copy of the
 * config, the environment and the secret files are applied to the copy, and
 * only when all of that succeeded is the copy swapped in. An error does not
 * stop the parse: the bad line (or the lines of a bad section header) is
 * skipped and the next one read, so config_load_all() can list every error
 * (check-config); config_load() keeps the first, with a count of the others.
 * Each text names the file, line, section and key.
 *
 * Caveats: every value string is wiped before it is freed, not only the
 * secrets, because the buffer a line was parsed in may have held one; the
 * file text and line buffers are wiped too. Hostile bytes echoed in an
 * error (an unknown key, a bad number) are escaped as \xNN and cut short,
 * and the value of a secret is never echoed: no check can fail on one.
 */
#include "autoconf.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cause.h"
#include "config.h"

#define CONFIG_LINE_MAX		4096		/* bytes in a line, no LF */
#define CONFIG_FILE_MAX		(1024 * 1024)	/* bytes in a config file */
#define CONFIG_SECRET_MAX	(64 * 1024)	/* bytes in a secret file */
#define CONFIG_ESC_MAX		256		/* hostile text in errors */
#define CONFIG_WHY_MAX		1024		/* a reason, without prefix */
#define CONFIG_ENV_MAX		256		/* BOOTSTACK_<SEC>_<KEY>_FILE */
#define CONFIG_ERRORS_MAX	200		/* errors listed by one load */
#define CONFIG_CUR_NONE		SIZE_MAX	/* no section header yet */
#define CONFIG_CUR_SKIP		(SIZE_MAX - 1)	/* in a refused section */

/* One value slot: a key, or the _file twin of a secret. */
struct config_val {
	char		*text;		/* owned; as set, or the default;
					   NULL = unset */
	long long	 num;		/* parsed CONFIG_INT, CONFIG_BOOL 0/1 */
	char		*where;		/* owned; "FILE:LINE" or "environment
					   VAR"; NULL = the default */
	int		 line;		/* line in the text being loaded; 0 =
					   not set by it (duplicates) */
	char		*secret;	/* owned; CONFIG_SECRET read from the
					   _file twin, NULL if none */
};

/* One section instance: "[api]", or "[cert www]" of a multi section. */
struct config_inst {
	const struct config_section *sec;	/* borrowed from the table */
	char			*name;		/* owned; NULL if single */
	int			 line;		/* header line in the text being
						   loaded; 0 = not seen in it */
	char			*where;		/* owned; "FILE:LINE" of the
						   header; NULL = never seen */
	struct config_val	*vals;		/* owned; 2 per key table
						   row: key at 2i, _file
						   twin at 2i+1 */
};

struct config {
	const struct config_section *sections;	/* borrowed; NULL-ended */
	const struct config_key	*keys;		/* borrowed; NULL-ended */
	size_t			 nkeys;		/* rows in keys */
	char			*path;		/* owned; last file loaded */
	struct config_inst	*insts;		/* owned; the single sections in
						   table order, then the multi
						   instances in file order */
	size_t			 ninsts;
};

static void	config_die(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

/* A programming error (unknown key, bad table): says so and aborts. */
static void
config_die(const char *fmt, ...)
{
	va_list	 ap;

	fputs("config: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* Wipes and frees a string that may hold a secret; NULL-safe. */
static void
config_wipe(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

/*
 * Copies hostile text into buf for an error message: bytes outside printable
 * ASCII become \xNN and a long text is cut with "...". Returns buf.
 */
static const char *
config_esc(const char *s, char *buf, size_t size)
{
	size_t		 i = 0;
	unsigned char	 c;

	for (; *s != '\0'; s++) {
		if (i + 8 >= size) {
			memcpy(buf + i, "...", 4);
			return (buf);
		}
		c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f)
			i += (size_t)snprintf(buf + i, size - i, "\\x%02x", c);
		else
			buf[i++] = (char)c;
	}
	buf[i] = '\0';
	return (buf);
}

/* The row of sections named name, or NULL. */
static const struct config_section *
config_find_section(const struct config_section *sections, const char *name)
{
	const struct config_section	*sec;

	for (sec = sections; sec->name != NULL; sec++)
		if (strcmp(sec->name, name) == 0)
			return (sec);
	return (NULL);
}

/*
 * Finds key name of section: sets *ki to its row and *twin to 1 when name is
 * the "<key>_file" twin of a secret. Returns -1 if there is no such key.
 */
static int
config_find_key(const struct config *cfg, const char *section,
    const char *name, size_t *ki, int *twin)
{
	const struct config_key	*k;
	size_t			 i, len;

	for (i = 0; i < cfg->nkeys; i++) {
		k = &cfg->keys[i];
		if (strcmp(k->section, section) != 0)
			continue;
		if (strcmp(k->name, name) == 0) {
			*ki = i;
			*twin = 0;
			return (0);
		}
		len = strlen(k->name);
		if (k->type == CONFIG_SECRET &&
		    strncmp(k->name, name, len) == 0 &&
		    strcmp(name + len, "_file") == 0) {
			*ki = i;
			*twin = 1;
			return (0);
		}
	}
	return (-1);
}

/*
 * strtonum(3)-style: a whole decimal number within min..max. Returns 0, -1
 * when s is not a number (empty, junk, spaces) or -2 when it is out of range
 * (overflow included).
 */
static int
config_strtonum(const char *s, long long min, long long max, long long *out)
{
	long long	 v;
	char		*end;

	if (*s != '-' && *s != '+' && !isdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (end == s || *end != '\0')
		return (-1);
	if (errno == ERANGE || v < min || v > max)
		return (-2);
	*out = v;
	return (0);
}

/* True when word is one of the '|'-separated choices. */
static int
config_is_choice(const char *choices, const char *word)
{
	const char	*p, *bar;
	size_t		 len;

	len = strlen(word);
	for (p = choices; p != NULL; p = bar == NULL ? NULL : bar + 1) {
		bar = strchr(p, '|');
		if ((bar == NULL ? strlen(p) : (size_t)(bar - p)) == len &&
		    strncmp(p, word, len) == 0)
			return (1);
	}
	return (0);
}

/*
 * Checks text as a value of key (or of its _file twin): sets *num for ints
 * and bools. Returns 0, or -1 with the reason in why. Never echoes the value
 * of a secret (nothing about one can fail).
 */
static int
config_check(const struct config_key *k, int twin, const char *text,
    long long *num, char *why, size_t whysize)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char		 esc[CONFIG_ESC_MAX];
	size_t		 i;
	int		 rc;

	*num = 0;
	if (twin)
		return (0);
	switch (k->type) {
	case CONFIG_STRING:
	case CONFIG_SECRET:
		return (0);
	case CONFIG_INT:
		rc = config_strtonum(text, k->min, k->max, num);
		if (rc == -1)
			snprintf(why, whysize, "'%s' is not an integer",
			    config_esc(text, esc, sizeof(esc)));
		else if (rc == -2)
			snprintf(why, whysize, "%s is out of range %lld..%lld",
			    config_esc(text, esc, sizeof(esc)), k->min, k->max);
		return (rc == 0 ? 0 : -1);
	case CONFIG_BOOL:
		for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (strcasecmp(text, yes[i]) == 0) {
				*num = 1;
				return (0);
			}
			if (strcasecmp(text, no[i]) == 0)
				return (0);
		}
		snprintf(why, whysize, "'%s' is not a boolean "
		    "(yes/no, true/false, on/off, 1/0)",
		    config_esc(text, esc, sizeof(esc)));
		return (-1);
	case CONFIG_ENUM:
		if (config_is_choice(k->choices, text))
			return (0);
		snprintf(why, whysize, "'%s' is not one of %s",
		    config_esc(text, esc, sizeof(esc)), k->choices);
		return (-1);
	}
	snprintf(why, whysize, "bad type in the table");
	return (-1);
}

/* Aborts unless the tables are sound: sections exist, defaults are valid. */
static void
config_check_table(const struct config_section *sections,
    const struct config_key *keys)
{
	const struct config_key	*k;
	char			 why[CONFIG_WHY_MAX];
	long long		 num;
	size_t			 i, j;

	for (i = 0; keys[i].name != NULL; i++) {
		k = &keys[i];
		if (config_find_section(sections, k->section) == NULL)
			config_die("key [%s] %s: no such section",
			    k->section, k->name);
		if (k->type == CONFIG_ENUM && k->choices == NULL)
			config_die("key [%s] %s: enum without choices",
			    k->section, k->name);
		if (k->type == CONFIG_SECRET && k->def != NULL)
			config_die("key [%s] %s: a secret has no default",
			    k->section, k->name);
		if (k->def != NULL &&
		    config_check(k, 0, k->def, &num, why, sizeof(why)) != 0)
			config_die("key [%s] %s: bad default: %s",
			    k->section, k->name, why);
		for (j = 0; j < i; j++)
			if (strcmp(keys[j].section, k->section) == 0 &&
			    strcmp(keys[j].name, k->name) == 0)
				config_die("key [%s] %s: listed twice",
				    k->section, k->name);
	}
}

/* "api" or "cert www": the inside of the section's header, into buf. */
static const char *
config_secname(const struct config_inst *in, char *buf, size_t size)
{
	if (in->name == NULL)
		snprintf(buf, size, "%s", in->sec->name);
	else
		snprintf(buf, size, "%s %s", in->sec->name, in->name);
	return (buf);
}

/* Frees the strings of a value slot, wiping them. */
static void
config_val_clear(struct config_val *v)
{
	config_wipe(v->text);
	config_wipe(v->secret);
	free(v->where);
	memset(v, 0, sizeof(*v));
}

/* Frees the contents of an instance of a config with nkeys keys. */
static void
config_inst_clear(struct config_inst *in, size_t nkeys)
{
	size_t	 i, n;

	if (in->vals != NULL) {
		n = 2 * nkeys;
		for (i = 0; i < n; i++)
			config_val_clear(&in->vals[i]);
	}
	free(in->vals);
	free(in->name);
	free(in->where);
	memset(in, 0, sizeof(*in));
}

/*
 * Appends an instance of sec named name (copied; NULL for single sections)
 * holding the defaults. Returns it, or NULL on ENOMEM. Earlier pointers into
 * cfg->insts are invalid afterwards.
 */
static struct config_inst *
config_add_inst(struct config *cfg, const struct config_section *sec,
    const char *name)
{
	struct config_inst	*insts, *in;
	const struct config_key	*k;
	char			 why[CONFIG_WHY_MAX];
	size_t			 i, n;

	n = cfg->nkeys;
	insts = reallocarray(cfg->insts, cfg->ninsts + 1, sizeof(*insts));
	if (insts == NULL)
		return (NULL);
	cfg->insts = insts;
	in = &insts[cfg->ninsts];
	memset(in, 0, sizeof(*in));
	in->sec = sec;
	if (name != NULL && (in->name = strdup(name)) == NULL)
		return (NULL);
	if ((in->vals = calloc(2 * n, sizeof(*in->vals))) == NULL) {
		free(in->name);
		return (NULL);
	}
	cfg->ninsts++;
	for (i = 0; i < n; i++) {
		k = &cfg->keys[i];
		if (strcmp(k->section, sec->name) != 0 || k->def == NULL)
			continue;
		if ((in->vals[2 * i].text = strdup(k->def)) == NULL)
			return (NULL);	/* the caller frees cfg */
		if (config_check(k, 0, k->def, &in->vals[2 * i].num, why,
		    sizeof(why)) != 0)
			config_die("key [%s] %s: bad default: %s", k->section,
			    k->name, why);
	}
	return (in);
}

/* Defaults of the built-in tables; NULL on ENOMEM. */
struct config *
config_new(void)
{
	return (config_new_table(config_sections, config_keys));
}

/* Defaults of other tables (borrowed); NULL on ENOMEM. Aborts if broken. */
struct config *
config_new_table(const struct config_section *sections,
    const struct config_key *keys)
{
	struct config			*cfg;
	const struct config_section	*sec;

	config_check_table(sections, keys);
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return (NULL);
	cfg->sections = sections;
	cfg->keys = keys;
	while (keys[cfg->nkeys].name != NULL)
		cfg->nkeys++;
	for (sec = sections; sec->name != NULL; sec++) {
		if (sec->multi)
			continue;
		if (config_add_inst(cfg, sec, NULL) == NULL) {
			config_free(cfg);
			return (NULL);
		}
	}
	return (cfg);
}

/* Frees everything, wiping every value; NULL-safe. */
void
config_free(struct config *cfg)
{
	size_t	 i;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->ninsts; i++)
		config_inst_clear(&cfg->insts[i], cfg->nkeys);
	free(cfg->insts);
	free(cfg->path);
	free(cfg);
}

/* Copies a string that may be NULL; returns -1 on ENOMEM. */
static int
config_strdup(char **dst, const char *src)
{
	*dst = NULL;
	if (src != NULL && (*dst = strdup(src)) == NULL)
		return (-1);
	return (0);
}

/*
 * A deep copy to parse into, with the "seen in this load" marks cleared.
 * Secrets are not copied: every load reads the _file twins again. NULL on
 * ENOMEM.
 */
static struct config *
config_copy(const struct config *src)
{
	struct config		*dst;
	const struct config_inst *si;
	struct config_inst	*di;
	size_t			 i, j, n;

	n = 2 * src->nkeys;
	if ((dst = calloc(1, sizeof(*dst))) == NULL)
		return (NULL);
	dst->sections = src->sections;
	dst->keys = src->keys;
	dst->nkeys = src->nkeys;
	if (config_strdup(&dst->path, src->path) != 0)
		goto fail;
	if ((dst->insts = calloc(src->ninsts, sizeof(*dst->insts))) == NULL)
		goto fail;
	for (i = 0; i < src->ninsts; i++) {
		si = &src->insts[i];
		di = &dst->insts[i];
		dst->ninsts++;
		di->sec = si->sec;
		if (config_strdup(&di->name, si->name) != 0 ||
		    config_strdup(&di->where, si->where) != 0)
			goto fail;
		if ((di->vals = calloc(n, sizeof(*di->vals))) == NULL)
			goto fail;
		for (j = 0; j < n; j++) {
			di->vals[j].num = si->vals[j].num;
			if (config_strdup(&di->vals[j].text,
			    si->vals[j].text) != 0 ||
			    config_strdup(&di->vals[j].where,
			    si->vals[j].where) != 0)
				goto fail;
		}
	}
	return (dst);
fail:
	config_free(dst);
	return (NULL);
}

/*
 * Sets slot (ki, twin) of instance in to text, checked. where says where the
 * value comes from; line is its line in the file being loaded (0 for the
 * environment, which may override the file).
 */
static int
config_set(const struct config *cfg, struct config_inst *in, size_t ki,
    int twin, const char *text, const char *where, int line, char **cause)
{
	const struct config_key	*k = &cfg->keys[ki];
	struct config_val	*v = &in->vals[2 * ki + (twin ? 1 : 0)];
	char			 why[CONFIG_WHY_MAX], sn[CONFIG_ESC_MAX];
	char			*ntext, *nwhere;
	long long		 num;

	config_secname(in, sn, sizeof(sn));
	if (line != 0 && v->line != 0)
		return (cause_set(cause, "%s: [%s] %s%s: duplicate key "
		    "(first set at line %d)", where, sn, k->name,
		    twin ? "_file" : "", v->line));
	if (config_check(k, twin, text, &num, why, sizeof(why)) != 0)
		return (cause_set(cause, "%s: [%s] %s: %s", where, sn,
		    k->name, why));
	if ((ntext = strdup(text)) == NULL)
		return (cause_set(cause, "%s: out of memory", where));
	if ((nwhere = strdup(where)) == NULL) {
		config_wipe(ntext);
		return (cause_set(cause, "%s: out of memory", where));
	}
	config_wipe(v->text);
	free(v->where);
	v->text = ntext;
	v->where = nwhere;
	v->num = num;
	if (line != 0)
		v->line = line;
	return (0);
}

/*
 * Removes the quotes of a "quoted value" in place, with \" and \\ escapes.
 * s starts at the opening quote and has no trailing blanks. Returns NULL or
 * the reason it is malformed.
 */
static const char *
config_unquote(char *s)
{
	char	*r = s + 1, *w = s;

	for (;;) {
		if (*r == '\0')
			return ("unterminated quoted value");
		if (*r == '"')
			break;
		if (*r == '\\') {
			r++;
			if (*r != '"' && *r != '\\')
				return ("bad escape in quoted value "
				    "(only \\\" and \\\\)");
		}
		*w++ = *r++;
	}
	if (r[1] != '\0')
		return ("text after the closing quote");
	*w = '\0';
	return (NULL);
}

/* True for the characters of an instance name: [A-Za-z0-9._-]+. */
static int
config_valid_iname(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' &&
		    *s != '-')
			return (0);
	return (1);
}

/* See config.h. */
void
config_errors_add(struct config_errors *errs, const char *fmt, ...)
{
	va_list	 ap;
	char	*line = NULL, **v;

	if (errs->n >= CONFIG_ERRORS_MAX) {
		errs->dropped++;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) == -1)
		line = NULL;
	va_end(ap);
	if (line == NULL || (v = reallocarray(errs->v, errs->n + 1,
	    sizeof(*v))) == NULL) {
		free(line);
		errs->dropped++;	/* out of memory: counted, not shown */
		return;
	}
	errs->v = v;
	errs->v[errs->n++] = line;
}

/* Moves *cause into errs ("out of memory" when it is NULL). */
static void
config_errors_take(struct config_errors *errs, char **cause)
{
	config_errors_add(errs, "%s", cause_text(*cause));
	cause_clear(cause);
}

/* See config.h. */
void
config_errors_cleanup(struct config_errors *errs)
{
	size_t	 i;

	for (i = 0; i < errs->n; i++)
		free(errs->v[i]);
	free(errs->v);
	memset(errs, 0, sizeof(*errs));
}

/* Records "FILE:LINE" as where the header of in is; -1 on ENOMEM. */
static int
config_inst_where(struct config_inst *in, const char *file, int lineno)
{
	char	*w;

	if (asprintf(&w, "%s:%d", file, lineno) == -1)
		return (-1);
	free(in->where);
	in->where = w;
	return (0);
}

/*
 * Parses a "[section]" or "[section name]" line (trimmed) and makes its
 * instance the current one, *cur (an index into cfg->insts).
 */
static int
config_parse_header(struct config *cfg, const char *file, int lineno,
    char *s, size_t *cur, char **cause)
{
	const struct config_section	*sec;
	struct config_inst		*in;
	char				 esc[CONFIG_ESC_MAX];
	char				 esc2[CONFIG_ESC_MAX];
	char				*name, *iname = NULL, *e;
	size_t				 len, i;

	len = strlen(s);
	if (s[len - 1] != ']')
		return (cause_set(cause, "%s:%d: a section header must end "
		    "with ']'", file, lineno));
	s[len - 1] = '\0';
	name = s + 1;
	name += strspn(name, " \t");
	for (e = name + strlen(name); e > name && (e[-1] == ' ' ||
	    e[-1] == '\t'); e--)
		e[-1] = '\0';
	len = strcspn(name, " \t");
	if (name[len] != '\0') {
		name[len] = '\0';
		iname = name + len + 1;
		iname += strspn(iname, " \t");
	}
	if ((sec = config_find_section(cfg->sections, name)) == NULL)
		return (cause_set(cause, "%s:%d: unknown section [%s]", file,
		    lineno, config_esc(name, esc, sizeof(esc))));
	if (!sec->multi) {
		if (iname != NULL)
			return (cause_set(cause, "%s:%d: section [%s] takes "
			    "no name ('%s')", file, lineno, sec->name,
			    config_esc(iname, esc, sizeof(esc))));
		for (i = 0; i < cfg->ninsts; i++)
			if (cfg->insts[i].sec == sec)
				*cur = i;
		if (*cur < cfg->ninsts && config_inst_where(&cfg->insts[*cur],
		    file, lineno) != 0)
			return (cause_set(cause, "%s:%d: out of memory", file,
			    lineno));
		return (0);
	}
	if (iname == NULL)
		return (cause_set(cause, "%s:%d: section [%s] needs a name: "
		    "[%s NAME]", file, lineno, sec->name, sec->name));
	if (!config_valid_iname(iname))
		return (cause_set(cause, "%s:%d: bad name '%s' for [%s]: use "
		    "letters, digits, '.', '_' and '-'", file, lineno,
		    config_esc(iname, esc, sizeof(esc)), sec->name));
	for (i = 0; i < cfg->ninsts; i++) {
		in = &cfg->insts[i];
		if (in->sec != sec || strcmp(in->name, iname) != 0)
			continue;
		if (in->line != 0)
			return (cause_set(cause, "%s:%d: duplicate section "
			    "[%s %s] (first at line %d)", file, lineno,
			    sec->name, config_esc(iname, esc2, sizeof(esc2)),
			    in->line));
		/* From an earlier load: this one reads over it. */
		in->line = lineno;
		*cur = i;
		if (config_inst_where(in, file, lineno) != 0)
			return (cause_set(cause, "%s:%d: out of memory", file,
			    lineno));
		return (0);
	}
	if ((in = config_add_inst(cfg, sec, iname)) == NULL ||
	    config_inst_where(in, file, lineno) != 0)
		return (cause_set(cause, "%s:%d: out of memory", file,
		    lineno));
	in->line = lineno;
	*cur = cfg->ninsts - 1;
	return (0);
}

/*
 * Parses one line (NUL-terminated, no newline). *cur is the index of the
 * current section instance, CONFIG_CUR_NONE before the first header and
 * CONFIG_CUR_SKIP after a refused one (its keys are not judged: the header's
 * error says it all).
 */
static int
config_parse_line(struct config *cfg, const char *file, int lineno,
    char *line, size_t *cur, char **cause)
{
	struct config_inst	*in;
	char			 esc[CONFIG_ESC_MAX], sn[CONFIG_ESC_MAX];
	char			*s, *e, *eq, *key, *val, *where;
	const char		*why;
	size_t			 ki;
	int			 twin, rc;

	s = line + strspn(line, " \t");
	if (*s == '\0' || *s == '#' || *s == ';')
		return (0);
	for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
		e[-1] = '\0';
	if (*s == '[') {
		if (config_parse_header(cfg, file, lineno, s, cur,
		    cause) == 0)
			return (0);
		*cur = CONFIG_CUR_SKIP;
		return (-1);
	}
	if (*cur == CONFIG_CUR_SKIP)
		return (0);

	if ((eq = strchr(s, '=')) == NULL)
		return (cause_set(cause, "%s:%d: expected [section], "
		    "key = value or a # comment", file, lineno));
	*eq = '\0';
	key = s;
	for (e = eq; e > key && (e[-1] == ' ' || e[-1] == '\t'); e--)
		e[-1] = '\0';
	if (*key == '\0')
		return (cause_set(cause, "%s:%d: no key name before '='",
		    file, lineno));
	val = eq + 1;
	val += strspn(val, " \t");
	if (*cur == CONFIG_CUR_NONE)
		return (cause_set(cause, "%s:%d: key '%s' is outside of any "
		    "[section]", file, lineno, config_esc(key, esc,
		    sizeof(esc))));
	in = &cfg->insts[*cur];
	config_secname(in, sn, sizeof(sn));
	if (config_find_key(cfg, in->sec->name, key, &ki, &twin) != 0)
		return (cause_set(cause, "%s:%d: [%s] %s: unknown key", file,
		    lineno, sn, config_esc(key, esc, sizeof(esc))));
	if (*val == '"' && (why = config_unquote(val)) != NULL)
		return (cause_set(cause, "%s:%d: [%s] %s: %s", file, lineno,
		    sn, key, why));
	if (asprintf(&where, "%s:%d", file, lineno) == -1)
		return (cause_set(cause, "%s:%d: out of memory", file,
		    lineno));
	rc = config_set(cfg, in, ki, twin, val, where, lineno, cause);
	free(where);
	return (rc);
}

/*
 * Parses len bytes of text (not NUL-terminated) into cfg. Lines end with LF
 * or CRLF; the last one may lack it. A UTF-8 byte order mark is skipped. A
 * bad line is recorded in errs and skipped.
 */
static void
config_parse(struct config *cfg, const char *file, const char *text,
    size_t len, struct config_errors *errs)
{
	char		 line[CONFIG_LINE_MAX + 1];
	const char	*p = text, *end = text + len, *eol, *next;
	char		*one = NULL, **cause = &one;
	size_t		 n, cur = CONFIG_CUR_NONE;
	int		 lineno = 0;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		lineno++;
		eol = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((eol == NULL ? end : eol) - p);
		next = eol == NULL ? end : eol + 1;
		if (memchr(p, '\0', n) != NULL) {
			config_errors_add(errs, "%s:%d: NUL byte in the line",
			    file, lineno);
			p = next;
			continue;
		}
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n > CONFIG_LINE_MAX) {
			config_errors_add(errs, "%s:%d: line longer than %d "
			    "bytes", file, lineno, CONFIG_LINE_MAX);
			p = next;
			continue;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = next;
		if (config_parse_line(cfg, file, lineno, line, &cur,
		    cause) != 0)
			config_errors_take(errs, cause);
	}
	explicit_bzero(line, sizeof(line));
}

/*
 * Applies BOOTSTACK_<SECTION>_<KEY> (and <KEY>_FILE for secrets) to the
 * single sections. Other BOOTSTACK_* variables are not ours to judge.
 */
static void
config_env(struct config *cfg, struct config_errors *errs)
{
	char			*one = NULL, **cause = &one;
	struct config_inst	*in;
	const struct config_key	*k;
	char			 var[CONFIG_ENV_MAX];
	char			 where[CONFIG_ENV_MAX + 16];
	const char		*val;
	size_t			 i, ki;
	int			 twin;
	char			*p;

	for (i = 0; i < cfg->ninsts; i++) {
		in = &cfg->insts[i];
		if (in->sec->multi)
			continue;
		for (ki = 0; ki < cfg->nkeys; ki++) {
			k = &cfg->keys[ki];
			if (strcmp(k->section, in->sec->name) != 0)
				continue;
			for (twin = 0; twin <= (k->type == CONFIG_SECRET);
			    twin++) {
				snprintf(var, sizeof(var), "BOOTSTACK_%s_%s%s",
				    k->section, k->name, twin ? "_FILE" : "");
				for (p = var; *p != '\0'; p++)
					*p = (char)toupper((unsigned char)*p);
				if ((val = getenv(var)) == NULL)
					continue;
				snprintf(where, sizeof(where),
				    "environment %s", var);
				if (config_set(cfg, in, ki, twin, val, where, 0,
				    cause) != 0)
					config_errors_take(errs, cause);
			}
		}
	}
}

/*
 * Reads a secret file into *out (caller wipes and frees): a regular file,
 * not readable by group or others, at most CONFIG_SECRET_MAX bytes, no NUL;
 * one trailing newline (LF or CRLF) is dropped. Returns -1 with why set.
 */
static int
config_read_secret(const char *path, char **out, char *why, size_t whysize)
{
	struct stat	 st;
	char		 esc[CONFIG_ESC_MAX];
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd, rc = -1;

	*out = NULL;
	config_esc(path, esc, sizeof(esc));
	/* O_NONBLOCK: a FIFO must not hang the open; fstat refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		snprintf(why, whysize, "%s: cannot open: %s", esc,
		    strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whysize, "%s: cannot stat: %s", esc,
		    strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whysize, "%s is not a regular file", esc);
		goto out;
	}
	if (st.st_mode & 077) {
		snprintf(why, whysize, "%s is readable by group or others "
		    "(chmod 600 it)", esc);
		goto out;
	}
	if ((buf = malloc(CONFIG_SECRET_MAX + 1)) == NULL) {
		snprintf(why, whysize, "%s: out of memory", esc);
		goto out;
	}
	while (len <= CONFIG_SECRET_MAX) {
		r = read(fd, buf + len, CONFIG_SECRET_MAX + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(why, whysize, "%s: cannot read: %s", esc,
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > CONFIG_SECRET_MAX) {
		snprintf(why, whysize, "%s is larger than %d KiB", esc,
		    CONFIG_SECRET_MAX / 1024);
		goto out;
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(why, whysize, "%s holds a NUL byte", esc);
		goto out;
	}
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if ((*out = malloc(len + 1)) == NULL) {
		snprintf(why, whysize, "%s: out of memory", esc);
		goto out;
	}
	memcpy(*out, buf, len);
	(*out)[len] = '\0';
	rc = 0;
out:
	if (buf != NULL) {
		explicit_bzero(buf, CONFIG_SECRET_MAX + 1);
		free(buf);
	}
	close(fd);
	return (rc);
}

/* Reads every secret whose _file twin is set, in every instance. */
static void
config_secrets(struct config *cfg, struct config_errors *errs)
{
	struct config_inst	*in;
	const struct config_key	*k;
	struct config_val	*v, *f;
	char			 why[CONFIG_WHY_MAX], sn[CONFIG_ESC_MAX];
	size_t			 i, ki;

	for (i = 0; i < cfg->ninsts; i++) {
		in = &cfg->insts[i];
		config_secname(in, sn, sizeof(sn));
		for (ki = 0; ki < cfg->nkeys; ki++) {
			k = &cfg->keys[ki];
			if (k->type != CONFIG_SECRET ||
			    strcmp(k->section, in->sec->name) != 0)
				continue;
			v = &in->vals[2 * ki];
			f = &in->vals[2 * ki + 1];
			config_wipe(v->secret);
			v->secret = NULL;
			if (f->text == NULL)
				continue;
			if (v->text != NULL)
				config_errors_add(errs, "%s: [%s] %s_file: "
				    "cannot be set with %s (set at %s); use "
				    "one", f->where, sn, k->name, k->name,
				    v->where == NULL ? "default" : v->where);
			else if (config_read_secret(f->text, &v->secret, why,
			    sizeof(why)) != 0)
				config_errors_add(errs, "%s: [%s] %s_file: "
				    "%s", f->where, sn, k->name, why);
		}
	}
}

/*
 * The common tail of the loads: parse into a copy, apply the environment and
 * the secrets, recording every error in errs, then swap when there was none
 * or when all is set (config_load_all: what was valid is kept). path (may be
 * NULL) is recorded as config_path when swapped. Returns the number of
 * errors; -1 only when even the copy could not be made.
 */
static long
config_load_text(struct config *cfg, const char *name, const char *text,
    size_t len, const char *path, struct config_errors *errs, int all)
{
	struct config	*new, tmp;
	size_t		 before = errs->n + errs->dropped;

	if ((new = config_copy(cfg)) == NULL) {
		config_errors_add(errs, "%s: out of memory", name);
		return (-1);
	}
	config_parse(new, name, text, len, errs);
	config_env(new, errs);
	config_secrets(new, errs);
	if (errs->n + errs->dropped > before && !all) {
		config_free(new);
		return ((long)(errs->n + errs->dropped - before));
	}
	if (path != NULL) {
		free(new->path);
		if ((new->path = strdup(path)) == NULL) {
			config_free(new);
			config_errors_add(errs, "%s: out of memory", name);
			return (-1);
		}
	}
	tmp = *cfg;
	*cfg = *new;
	*new = tmp;
	config_free(new);
	return ((long)(errs->n + errs->dropped - before));
}

/*
 * Sets *cause from errs: the first error, and how many more there are.
 * Returns -1.
 */
static int
config_errors_cause(const struct config_errors *errs, char **cause)
{
	size_t	 more = errs->n + errs->dropped - 1;

	if (errs->n == 0)
		return (cause_set(cause, "out of memory"));
	if (more == 0)
		return (cause_set(cause, "%s", errs->v[0]));
	return (cause_set(cause, "%s (and %zu more error%s: bootstack "
	    "check-config lists them)", errs->v[0], more, more == 1 ? "" :
	    "s"));
}

/*
 * Reads the file at path into *buf (caller wipes and frees), at most
 * CONFIG_FILE_MAX bytes. 0, or -1 with *cause.
 */
static int
config_read_file(const char *path, char **bufp, size_t *lenp, char **cause)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 len = 0;
	ssize_t		 r;
	int		 fd, rc = -1;

	*bufp = NULL;
	*lenp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return (cause_set(cause, "%s: cannot open: %s", path,
		    strerror(errno)));
	if (fstat(fd, &st) == -1) {
		cause_set(cause, "%s: cannot stat: %s", path,
		    strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		cause_set(cause, "%s: cannot read: %s", path,
		    strerror(EISDIR));
		goto out;
	}
	if ((buf = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		cause_set(cause, "%s: out of memory", path);
		goto out;
	}
	while (len <= CONFIG_FILE_MAX) {
		r = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			cause_set(cause, "%s: cannot read: %s", path,
			    strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > CONFIG_FILE_MAX) {
		cause_set(cause, "%s: larger than %d bytes", path,
		    CONFIG_FILE_MAX);
		goto out;
	}
	*bufp = buf;
	*lenp = len;
	buf = NULL;
	rc = 0;
out:
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	close(fd);
	return (rc);
}

/* Reads path over the current values; see config.h. */
int
config_load(struct config *cfg, const char *path, char **cause)
{
	struct config_errors	 errs = { NULL, 0, 0 };
	char			*buf;
	size_t			 len;
	int			 rc = 0;

	if (cause != NULL)
		*cause = NULL;
	if (config_read_file(path, &buf, &len, cause) != 0)
		return (-1);
	if (config_load_text(cfg, path, buf, len, path, &errs, 0) != 0)
		rc = config_errors_cause(&errs, cause);
	config_errors_cleanup(&errs);
	explicit_bzero(buf, len);
	free(buf);
	return (rc);
}

/* Reads path over the current values, keeping what is valid; see config.h. */
long
config_load_all(struct config *cfg, const char *path,
    struct config_errors *errs)
{
	char	*buf, *cause = NULL;
	size_t	 len;
	long	 n;

	if (config_read_file(path, &buf, &len, &cause) != 0) {
		config_errors_take(errs, &cause);
		return (-1);
	}
	n = config_load_text(cfg, path, buf, len, path, errs, 1);
	explicit_bzero(buf, len);
	free(buf);
	return (n);
}

/* Same as config_load for text in memory; config_path is left alone. */
int
config_load_string(struct config *cfg, const char *name, const char *text,
    char **cause)
{
	struct config_errors	 errs = { NULL, 0, 0 };
	int			 rc = 0;

	if (cause != NULL)
		*cause = NULL;
	if (config_load_text(cfg, name, text, strlen(text), NULL, &errs,
	    0) != 0)
		rc = config_errors_cause(&errs, cause);
	config_errors_cleanup(&errs);
	return (rc);
}

/* Same as config_load_all for text in memory; config_path is left alone. */
long
config_load_string_all(struct config *cfg, const char *name,
    const char *text, struct config_errors *errs)
{
	return (config_load_text(cfg, name, text, strlen(text), NULL, errs,
	    1));
}

/* See config.h. */
const char *
config_where(const struct config *cfg, const char *section, size_t i,
    const char *key)
{
	const struct config_section	*sec;
	const struct config_inst	*in;
	size_t				 j, ki, n = 0;
	int				 twin;

	if ((sec = config_find_section(cfg->sections, section)) == NULL)
		config_die("unknown section [%s]", section);
	for (j = 0; j < cfg->ninsts; j++) {
		in = &cfg->insts[j];
		if (in->sec != sec || (sec->multi && n++ != i))
			continue;
		if (key == NULL || config_find_key(cfg, section, key, &ki,
		    &twin) != 0)
			return (in->where != NULL ? in->where : cfg->path);
		/* the key's line, else its _file twin's (a secret read) */
		if (in->vals[2 * ki + (twin ? 1 : 0)].where != NULL)
			return (in->vals[2 * ki + (twin ? 1 : 0)].where);
		if (!twin && in->vals[2 * ki + 1].where != NULL)
			return (in->vals[2 * ki + 1].where);
		return (in->where != NULL ? in->where : cfg->path);
	}
	return (cfg->path);
}

/* The last file loaded; borrowed. */
const char *
config_path(const struct config *cfg)
{
	return (cfg->path);
}

/*
 * The slot of key in the i-th instance of section (i is ignored for single
 * sections). Aborts on anything the caller should not have asked: an unknown
 * section or key, the wrong kind of section, an instance out of range.
 */
static const struct config_val *
config_get(const struct config *cfg, const char *section, int multi,
    size_t i, const char *key, const struct config_key **kp, int *twin)
{
	const struct config_section	*sec;
	const struct config_inst	*in;
	size_t				 j, ki, n = 0;

	if ((sec = config_find_section(cfg->sections, section)) == NULL ||
	    config_find_key(cfg, section, key, &ki, twin) != 0)
		config_die("unknown key [%s] %s", section, key);
	if (sec->multi != multi)
		config_die("[%s] %s: section is %s, use config_%s", section,
		    key, multi ? "single" : "multi",
		    multi ? "str/int/bool" : "istr/iint/ibool");
	*kp = &cfg->keys[ki];
	for (j = 0; j < cfg->ninsts; j++) {
		in = &cfg->insts[j];
		if (in->sec != sec)
			continue;
		if (!multi || n++ == i)
			return (&in->vals[2 * ki + (*twin ? 1 : 0)]);
	}
	config_die("[%s] %s: no instance %zu (there are %zu)", section, key, i,
	    n);
}

/* The text of a slot: a secret's own value, else the one read from file. */
static const char *
config_text(const struct config_key *k, int twin, const struct config_val *v)
{
	if (!twin && k->type == CONFIG_SECRET && v->text == NULL)
		return (v->secret);
	return (v->text);
}

/* The number of a CONFIG_INT slot; 0 if unset. Aborts on another type. */
static long long
config_num(const char *section, const struct config_key *k, int twin,
    const struct config_val *v, enum config_type want)
{
	if (twin || k->type != want)
		config_die("[%s] %s is not %s", section, k->name,
		    want == CONFIG_INT ? "an int" : "a bool");
	return (v->text == NULL ? 0 : v->num);
}

/* A single section's key as text; borrowed, NULL if unset. */
const char *
config_str(const struct config *cfg, const char *section, const char *key)
{
	const struct config_key	*k;
	const struct config_val	*v;
	int			 twin;

	v = config_get(cfg, section, 0, 0, key, &k, &twin);
	return (config_text(k, twin, v));
}

/* A single section's CONFIG_INT key; 0 if unset without a default. */
long long
config_int(const struct config *cfg, const char *section, const char *key)
{
	const struct config_key	*k;
	const struct config_val	*v;
	int			 twin;

	v = config_get(cfg, section, 0, 0, key, &k, &twin);
	return (config_num(section, k, twin, v, CONFIG_INT));
}

/* A single section's CONFIG_BOOL key as 0 or 1; 0 if unset. */
int
config_bool(const struct config *cfg, const char *section, const char *key)
{
	const struct config_key	*k;
	const struct config_val	*v;
	int			 twin;

	v = config_get(cfg, section, 0, 0, key, &k, &twin);
	return ((int)config_num(section, k, twin, v, CONFIG_BOOL));
}

/* Instances of a multi section. Aborts on an unknown or single section. */
size_t
config_count(const struct config *cfg, const char *section)
{
	const struct config_section	*sec;
	size_t				 i, n = 0;

	if ((sec = config_find_section(cfg->sections, section)) == NULL)
		config_die("unknown section [%s]", section);
	if (!sec->multi)
		config_die("[%s] is not a multi section", section);
	for (i = 0; i < cfg->ninsts; i++)
		if (cfg->insts[i].sec == sec)
			n++;
	return (n);
}

/* The name of the i-th instance; borrowed. Aborts if i is out of range. */
const char *
config_iname(const struct config *cfg, const char *section, size_t i)
{
	const struct config_section	*sec;
	size_t				 j, n = 0;

	if ((sec = config_find_section(cfg->sections, section)) == NULL)
		config_die("unknown section [%s]", section);
	if (!sec->multi)
		config_die("[%s] is not a multi section", section);
	for (j = 0; j < cfg->ninsts; j++)
		if (cfg->insts[j].sec == sec && n++ == i)
			return (cfg->insts[j].name);
	config_die("[%s]: no instance %zu (there are %zu)", section, i, n);
}

/* Key of the i-th instance as text; borrowed, NULL if unset. */
const char *
config_istr(const struct config *cfg, const char *section, size_t i,
    const char *key)
{
	const struct config_key	*k;
	const struct config_val	*v;
	int			 twin;

	v = config_get(cfg, section, 1, i, key, &k, &twin);
	return (config_text(k, twin, v));
}

/* CONFIG_INT key of the i-th instance; 0 if unset without a default. */
long long
config_iint(const struct config *cfg, const char *section, size_t i,
    const char *key)
{
	const struct config_key	*k;
	const struct config_val	*v;
	int			 twin;

	v = config_get(cfg, section, 1, i, key, &k, &twin);
	return (config_num(section, k, twin, v, CONFIG_INT));
}

/* CONFIG_BOOL key of the i-th instance as 0 or 1; 0 if unset. */
int
config_ibool(const struct config *cfg, const char *section, size_t i,
    const char *key)
{
	const struct config_key	*k;
	const struct config_val	*v;
	int			 twin;

	v = config_get(cfg, section, 1, i, key, &k, &twin);
	return ((int)config_num(section, k, twin, v, CONFIG_BOOL));
}

/*
 * Prints a value so that config_load reads it back: bare when it can be,
 * else quoted with \" and \\. Control bytes (only the environment can bring
 * them) are shown as \xNN, which does not read back but keeps the terminal
 * safe.
 */
static void
config_dump_value(FILE *f, const char *s)
{
	size_t	 len = strlen(s);
	int	 quote = 0;
	const char *p;

	if (len == 0 || s[0] == ' ' || s[0] == '\t' || s[0] == '"' ||
	    s[len - 1] == ' ' || s[len - 1] == '\t')
		quote = 1;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			quote = 1;
	if (!quote) {
		fprintf(f, "%s\n", s);
		return;
	}
	fputc('"', f);
	for (p = s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if ((unsigned char)*p < 0x20 && *p != '\t')
			fprintf(f, "\\x%02x", (unsigned char)*p);
		else
			fputc(*p, f);
	}
	fputs("\"\n", f);
}

/*
 * Prints every instance that has keys, as INI: set values as "key = value",
 * secrets as "(secret)", unset keys as a "# key: not set" comment.
 */
void
config_dump(const struct config *cfg, FILE *f)
{
	const struct config_inst	*in;
	const struct config_key		*k;
	const struct config_val		*v, *tw;
	char				 sn[CONFIG_ESC_MAX];
	size_t				 i, ki;
	int				 header, first = 1;

	for (i = 0; i < cfg->ninsts; i++) {
		in = &cfg->insts[i];
		header = 0;
		for (ki = 0; ki < cfg->nkeys; ki++) {
			k = &cfg->keys[ki];
			if (strcmp(k->section, in->sec->name) != 0)
				continue;
			if (!header) {
				fprintf(f, "%s[%s]\n", first ? "" : "\n",
				    config_secname(in, sn, sizeof(sn)));
				header = 1;
				first = 0;
			}
			v = &in->vals[2 * ki];
			tw = &in->vals[2 * ki + 1];
			if (k->type == CONFIG_SECRET) {
				if (tw->text != NULL) {
					fprintf(f, "%s_file = ", k->name);
					config_dump_value(f, tw->text);
				}
				if (v->text != NULL || v->secret != NULL)
					fprintf(f, "%s = (secret)\n", k->name);
				else
					fprintf(f, "# %s: not set\n", k->name);
			} else if (v->text != NULL) {
				fprintf(f, "%s = ", k->name);
				config_dump_value(f, v->text);
			} else
				fprintf(f, "# %s: not set\n", k->name);
		}
	}
}
