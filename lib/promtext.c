/*
 * promtext.c: the Prometheus text exposition format 0.0.4, read strictly.
 *
 * Grammar (https://prometheus.io/docs/instrumenting/exposition_formats/):
 *
 *	line    = "" | "#" comment | sample
 *	sample  = name [ "{" [ label { "," label } [ "," ] ] "}" ] value [ ts ]
 *	name    = [a-zA-Z_:][a-zA-Z0-9_:]*
 *	label   = lname "=" '"' escaped '"'	lname = [a-zA-Z_][a-zA-Z0-9_]*
 *	value   = a decimal float | NaN | +Inf | -Inf	ts = an integer (ms)
 *
 * Blanks (space, tab) may separate tokens; "# HELP" and "# TYPE" lines are
 * checked for a valid name (and type), other comments are ignored. Label
 * values know three escapes, \\ \" and \n; any other is an error. The input
 * comes from the network (a scrape) or from our own state file, so the
 * design choice is to refuse rather than guess: a NUL byte, invalid UTF-8,
 * a label named twice, a series given twice, or any cap passed fails the
 * whole text with the line number. Timestamps are checked and dropped.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cause.h"
#include "jsonutil.h"
#include "promtext.h"

/* Cap of a canonical key: every label at its largest, escaped. */
#define PROMTEXT_MAX_KEY	(PROMTEXT_MAX_LINE * 2)

/* See promtext.h. */
void
promtext_init(struct promtext *p)
{
	p->samples = NULL;
	p->n = 0;
	p->cap = 0;
}

/* Frees what one sample owns. */
static void
promtext_sample_free(struct promtext_sample *s)
{
	size_t	 i;

	for (i = 0; i < s->nlabels; i++) {
		free(s->labels[i].name);
		free(s->labels[i].value);
	}
	free(s->labels);
	free(s->name);
	free(s->key);
	memset(s, 0, sizeof(*s));
}

/* See promtext.h. */
void
promtext_cleanup(struct promtext *p)
{
	size_t	 i;

	for (i = 0; i < p->n; i++)
		promtext_sample_free(&p->samples[i]);
	free(p->samples);
	promtext_init(p);
}

/* A character that may start a name (metric names also allow ':'). */
static int
promtext_name_start(int c, int colon)
{
	return (isascii(c) && (isalpha(c) || c == '_' || (colon && c == ':')));
}

/* A character that may follow inside a name. */
static int
promtext_name_char(int c, int colon)
{
	return (promtext_name_start(c, colon) || (isascii(c) && isdigit(c)));
}

/*
 * Reads a name at p (metric names allow ':'); returns its length, 0 when
 * there is none or it is longer than PROMTEXT_MAX_NAME.
 */
static size_t
promtext_name(const char *p, const char *end, int colon)
{
	size_t	 n = 0;

	if (p >= end || !promtext_name_start((unsigned char)*p, colon))
		return (0);
	while (p + n < end && promtext_name_char((unsigned char)p[n], colon))
		n++;
	return (n > PROMTEXT_MAX_NAME ? 0 : n);
}

/* Skips spaces and tabs. */
static const char *
promtext_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return (p);
}

/* Appends s escaped as a label value (\\, \" and \n). */
static enum st
promtext_escape(struct buf *b, const char *s)
{
	enum st	 st = ST_OK;

	for (; *s != '\0' && st == ST_OK; s++) {
		if (*s == '\\')
			st = buf_adds(b, "\\\\");
		else if (*s == '"')
			st = buf_adds(b, "\\\"");
		else if (*s == '\n')
			st = buf_adds(b, "\\n");
		else
			st = buf_add(b, s, 1);
	}
	return (st);
}

/* qsort: labels by name. */
static int
promtext_label_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct promtext_label *)a)->name,
	    ((const struct promtext_label *)b)->name));
}

/* qsort: samples by canonical key. */
static int
promtext_sample_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct promtext_sample *)a)->key,
	    ((const struct promtext_sample *)b)->key));
}

/*
 * Parses a sample value token: a decimal float, NaN or [+-]Inf (any case,
 * as Prometheus' own parser). 0 with *v, or -1.
 */
static int
promtext_value(const char *tok, double *v)
{
	const char	*p;
	char		*end;

	if (strcasecmp(tok, "nan") == 0) {
		*v = NAN;
		return (0);
	}
	if (strcasecmp(tok, "+inf") == 0 || strcasecmp(tok, "inf") == 0) {
		*v = INFINITY;
		return (0);
	}
	if (strcasecmp(tok, "-inf") == 0) {
		*v = -INFINITY;
		return (0);
	}
	for (p = tok; *p != '\0'; p++)
		if (strchr("0123456789.eE+-", *p) == NULL)
			return (-1);
	errno = 0;
	*v = strtod(tok, &end);
	if (end == tok || *end != '\0' || (errno == ERANGE && isinf(*v)))
		return (-1);
	return (0);
}

/* Parses an optional timestamp token: [-]digits within int64. */
static int
promtext_timestamp(const char *tok)
{
	char		*end;

	if (*tok == '\0' || (!isdigit((unsigned char)*tok) && *tok != '-'))
		return (-1);
	errno = 0;
	(void)strtoll(tok, &end, 10);
	return (end == tok || *end != '\0' || errno == ERANGE ? -1 : 0);
}

/* Copies the next blank-delimited token of at most max bytes into tok. */
static const char *
promtext_token(const char *p, const char *end, char *tok, size_t max)
{
	size_t	 n = 0;

	while (p < end && *p != ' ' && *p != '\t') {
		if (n + 1 >= max)
			return (NULL);
		tok[n++] = *p++;
	}
	tok[n] = '\0';
	return (p);
}

/*
 * Reads one label value at p (just after the opening quote) into b,
 * unescaped; returns the position after the closing quote, or NULL.
 */
static const char *
promtext_lvalue(const char *p, const char *end, struct buf *b,
    const char **why)
{
	enum st	 st;

	for (; p < end; p++) {
		if (*p == '"')
			return (p + 1);
		if (*p == '\\') {
			if (++p >= end)
				break;
			if (*p == 'n')
				st = buf_add(b, "\n", 1);
			else if (*p == '\\' || *p == '"')
				st = buf_add(b, p, 1);
			else {
				*why = "unknown escape in a label value";
				return (NULL);
			}
		} else
			st = buf_add(b, p, 1);
		if (st != ST_OK) {
			*why = "label value too long";
			return (NULL);
		}
	}
	*why = "unterminated label value";
	return (NULL);
}

/* Builds s->key from s->name and its sorted labels. */
static enum st
promtext_make_key(struct promtext_sample *s)
{
	struct buf	 b;
	size_t		 i;
	enum st		 st;

	buf_init(&b, PROMTEXT_MAX_KEY);
	st = buf_adds(&b, s->name);
	if (s->nlabels > 0 && st == ST_OK)
		st = buf_adds(&b, "{");
	for (i = 0; i < s->nlabels && st == ST_OK; i++) {
		st = buf_printf(&b, "%s%s=\"", i > 0 ? "," : "",
		    s->labels[i].name);
		if (st == ST_OK)
			st = promtext_escape(&b, s->labels[i].value);
		if (st == ST_OK)
			st = buf_adds(&b, "\"");
	}
	if (s->nlabels > 0 && st == ST_OK)
		st = buf_adds(&b, "}");
	if (st != ST_OK) {
		buf_cleanup(&b);
		return (st);
	}
	if ((s->key = buf_steal(&b)) == NULL)
		return (ST_NOMEM);
	return (ST_OK);
}

/*
 * Parses one sample line [p, end) into s (zeroed). ST_OK, ST_BADREQ with
 * *why (a static string), or ST_NOMEM.
 */
static enum st
promtext_sample_line(const char *p, const char *end,
    struct promtext_sample *s, const char **why)
{
	struct promtext_label	 labels[PROMTEXT_MAX_LABELS];
	struct buf		 vb;
	const char		*q;
	char			 tok[128];
	size_t			 n, nl = 0, i;
	enum st			 st = ST_BADREQ;

	memset(labels, 0, sizeof(labels));
	buf_init(&vb, PROMTEXT_MAX_VALUE);
	if ((n = promtext_name(p, end, 1)) == 0) {
		*why = "no valid metric name";
		goto out;
	}
	if ((s->name = strndup(p, n)) == NULL) {
		st = ST_NOMEM;
		goto out;
	}
	q = p + n;
	p = promtext_blanks(q, end);
	if (p < end && *p == '{') {
		p = promtext_blanks(p + 1, end);
		while (p < end && *p != '}') {
			if (nl == PROMTEXT_MAX_LABELS) {
				*why = "too many labels";
				goto out;
			}
			if ((n = promtext_name(p, end, 0)) == 0) {
				*why = "no valid label name";
				goto out;
			}
			if ((labels[nl].name = strndup(p, n)) == NULL) {
				st = ST_NOMEM;
				goto out;
			}
			nl++;
			p = promtext_blanks(p + n, end);
			if (p >= end || *p != '=') {
				*why = "'=' expected after a label name";
				goto out;
			}
			p = promtext_blanks(p + 1, end);
			if (p >= end || *p != '"') {
				*why = "'\"' expected before a label value";
				goto out;
			}
			buf_reset(&vb);
			if ((p = promtext_lvalue(p + 1, end, &vb, why)) == NULL)
				goto out;
			if (memchr(buf_str(&vb), '\0', vb.len) != NULL ||
			    jsonutil_utf8_chars(buf_str(&vb), vb.len) < 0) {
				*why = "a label value is not UTF-8 text";
				goto out;
			}
			if ((labels[nl - 1].value = strdup(buf_str(&vb))) ==
			    NULL) {
				st = ST_NOMEM;
				goto out;
			}
			p = promtext_blanks(p, end);
			if (p < end && *p == ',')
				p = promtext_blanks(p + 1, end);
			else if (p < end && *p != '}') {
				*why = "',' or '}' expected after a label";
				goto out;
			}
		}
		if (p >= end) {
			*why = "'}' missing";
			goto out;
		}
		q = ++p;
		p = promtext_blanks(q, end);
	}
	if (p == q || p >= end) {
		*why = "a blank and a value expected after the series";
		goto out;
	}
	if ((p = promtext_token(p, end, tok, sizeof(tok))) == NULL ||
	    promtext_value(tok, &s->value) != 0) {
		*why = "the value is not a number";
		goto out;
	}
	p = promtext_blanks(p, end);
	if (p < end) {
		if ((p = promtext_token(p, end, tok, sizeof(tok))) == NULL ||
		    promtext_timestamp(tok) != 0) {
			*why = "the timestamp is not an integer";
			goto out;
		}
		if (promtext_blanks(p, end) != end) {
			*why = "text after the timestamp";
			goto out;
		}
	}
	qsort(labels, nl, sizeof(labels[0]), promtext_label_cmp);
	for (i = 1; i < nl; i++)
		if (strcmp(labels[i - 1].name, labels[i].name) == 0) {
			*why = "a label is given twice";
			goto out;
		}
	if (nl > 0) {
		if ((s->labels = calloc(nl, sizeof(*s->labels))) == NULL) {
			st = ST_NOMEM;
			goto out;
		}
		memcpy(s->labels, labels, nl * sizeof(*s->labels));
		s->nlabels = nl;
		nl = 0;			/* stolen */
	}
	st = promtext_make_key(s);
	if (st == ST_TOOBIG) {
		st = ST_BADREQ;
		*why = "series too long";
	}
out:
	for (i = 0; i < nl; i++) {
		free(labels[i].name);
		free(labels[i].value);
	}
	buf_cleanup(&vb);
	if (st != ST_OK)
		promtext_sample_free(s);
	return (st);
}

/* Checks a "# HELP name ..." or "# TYPE name type" line; others pass. */
static const char *
promtext_comment(const char *p, const char *end)
{
	static const char *const types[] = { "counter", "gauge",
	    "histogram", "summary", "untyped", NULL };
	const char	*q;
	size_t		 n, i;
	int		 type;

	p = promtext_blanks(p + 1, end);
	if (end - p >= 4 && memcmp(p, "HELP", 4) == 0)
		type = 0;
	else if (end - p >= 4 && memcmp(p, "TYPE", 4) == 0)
		type = 1;
	else
		return (NULL);
	q = p + 4;
	if (q < end && *q != ' ' && *q != '\t')
		return (NULL);		/* "# HELPER": a comment */
	q = promtext_blanks(q, end);
	if ((n = promtext_name(q, end, 1)) == 0)
		return ("no valid metric name after HELP or TYPE");
	q += n;
	if (!type)
		return (q < end && *q != ' ' && *q != '\t' ?
		    "no valid metric name after HELP" : NULL);
	if (q >= end || (*q != ' ' && *q != '\t'))
		return ("TYPE without a type");
	q = promtext_blanks(q, end);
	while (end > q && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (i = 0; types[i] != NULL; i++)
		if (strlen(types[i]) == (size_t)(end - q) &&
		    memcmp(types[i], q, (size_t)(end - q)) == 0)
			return (NULL);
	return ("unknown TYPE");
}

/* See promtext.h. */
enum st
promtext_parse(struct promtext *p, const char *text, size_t len,
    char **cause)
{
	const char		*line = text, *end = text + len, *nl, *why = NULL;
	struct promtext_sample	*grown;
	size_t			 lineno = 0, i, ncap;
	enum st			 st = ST_OK;

	*cause = NULL;
	if (memchr(text, '\0', len) != NULL) {
		cause_set(cause, "a NUL byte in the text");
		return (ST_BADREQ);
	}
	while (line < end) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		if (nl - line > PROMTEXT_MAX_LINE) {
			st = ST_TOOBIG;
			why = "line longer than 65536 bytes";
			break;
		}
		line = promtext_blanks(line, nl);
		if (line == nl) {
			line = nl + 1;
			continue;
		}
		if (*line == '#') {
			if ((why = promtext_comment(line, nl)) != NULL) {
				st = ST_BADREQ;
				break;
			}
			line = nl + 1;
			continue;
		}
		if (p->n == PROMTEXT_MAX_SAMPLES) {
			st = ST_TOOBIG;
			why = "more than 100000 samples";
			break;
		}
		if (p->n == p->cap) {
			ncap = p->cap == 0 ? 64 : p->cap * 2;
			if ((grown = reallocarray(p->samples, ncap,
			    sizeof(*grown))) == NULL) {
				st = ST_NOMEM;
				break;
			}
			p->samples = grown;
			p->cap = ncap;
		}
		memset(&p->samples[p->n], 0, sizeof(p->samples[0]));
		st = promtext_sample_line(line, nl, &p->samples[p->n], &why);
		if (st != ST_OK)
			break;
		p->n++;
		line = nl + 1;
	}
	if (st == ST_OK) {
		qsort(p->samples, p->n, sizeof(p->samples[0]),
		    promtext_sample_cmp);
		for (i = 1; i < p->n; i++)
			if (strcmp(p->samples[i - 1].key,
			    p->samples[i].key) == 0) {
				cause_set(cause, "series %.200s is given "
				    "twice", p->samples[i].key);
				promtext_cleanup(p);
				return (ST_BADREQ);
			}
		return (ST_OK);
	}
	if (st == ST_NOMEM)
		cause_set(cause, "out of memory");
	else
		cause_set(cause, "line %zu: %s", lineno, why);
	promtext_cleanup(p);
	return (st);
}

/* See promtext.h. */
const struct promtext_sample *
promtext_find(const struct promtext *p, const char *key)
{
	size_t	 lo = 0, hi = p->n, mid;
	int	 c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(key, p->samples[mid].key);
		if (c == 0)
			return (&p->samples[mid]);
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (NULL);
}

/* See promtext.h. */
const char *
promtext_label(const struct promtext_sample *s, const char *name)
{
	size_t	 i;

	for (i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, name) == 0)
			return (s->labels[i].value);
	return (NULL);
}

/* True if s carries every label pair of match (NULL-ended; may be NULL). */
static int
promtext_matches(const struct promtext_sample *s, const char *const *match)
{
	const char	*v;

	for (; match != NULL && match[0] != NULL && match[1] != NULL;
	    match += 2) {
		v = promtext_label(s, match[0]);
		if (v == NULL || strcmp(v, match[1]) != 0)
			return (0);
	}
	return (1);
}

/* See promtext.h. */
double
promtext_sum(const struct promtext *p, const char *name,
    const char *const *match, size_t *n)
{
	double	 sum = 0;
	size_t	 i, count = 0;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->samples[i].name, name) == 0 &&
		    promtext_matches(&p->samples[i], match)) {
			sum += p->samples[i].value;
			count++;
		}
	if (n != NULL)
		*n = count;
	return (sum);
}

/* See promtext.h. */
long
promtext_write(const struct promtext *p, const char *const *names, FILE *f)
{
	const char *const	*nm;
	const double		 *v;
	long			 total = 0;
	size_t			 i;
	int			 w;

	for (i = 0; i < p->n; i++) {
		for (nm = names; *nm != NULL; nm++)
			if (strcmp(*nm, p->samples[i].name) == 0)
				break;
		if (*nm == NULL)
			continue;
		v = &p->samples[i].value;
		if (isnan(*v))
			w = fprintf(f, "%s NaN\n", p->samples[i].key);
		else if (isinf(*v))
			w = fprintf(f, "%s %sInf\n", p->samples[i].key,
			    *v > 0 ? "+" : "-");
		else
			w = fprintf(f, "%s %.17g\n", p->samples[i].key, *v);
		if (w < 0)
			return (-1);
		total += w;
	}
	return (total);
}
