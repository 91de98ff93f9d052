/*
 * alert_state.c: the state machine of `bootstack alert` (inactive ->
 * pending -> firing -> resolved, what each channel is owed, silences) and
 * the state file that carries it across runs: rule states, silences and
 * the kept scrapes, one JSON file written atomically (0600); see alert.h.
 *
 * Caveat: rules are evaluated with the time of the run; `for` and `repeat`
 * are compared in whole seconds, so with cron's minute ticks `for = 60`
 * fires at the second run that sees the condition.
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <json-c/json.h>

#include "alert.h"
#include "alert/alert_int.h"
#include "cause.h"
#include "jsonutil.h"

/* The metric families a kept scrape holds. */
static const char *const alert_families[] = {
	"bootstack_http_requests_total",
	"bootstack_http_request_duration_seconds_bucket",
	"bootstack_worker_restarts_total",
	NULL
};
/* --- state machine ------------------------------------------------------- */

/* See alert.h. */
int
alert_silenced(const struct alert_state *st, time_t now)
{
	return (st->silenced_until > now);
}

/* See alert.h. */
int
alert_step(struct alert_state *st, const struct alert_rule *r, int active,
    time_t now)
{
	int	 bits = 0, ch;

	if (active < 0)
		return (0);
	if (active) {
		if (st->phase == ALERT_INACTIVE) {
			st->phase = ALERT_PENDING;
			st->active_since = now;
			bits |= ALERT_STEP_PENDING;
		}
		if (st->phase == ALERT_PENDING &&
		    now - st->active_since >= r->for_s) {
			st->phase = ALERT_FIRING;
			st->fired_at = now;
			bits |= ALERT_STEP_FIRED;
			/*
			 * A new firing: every channel is owed its first
			 * notice; a resolve still owed from the previous one
			 * is moot (the receiver saw it firing, and it is).
			 */
			for (ch = 0; ch < ALERT_CH__COUNT; ch++) {
				st->sent[ch].notified = 0;
				st->sent[ch].resolve = 0;
			}
		}
		return (bits);
	}
	if (st->phase == ALERT_PENDING)
		bits |= ALERT_STEP_CLEARED;
	else if (st->phase == ALERT_FIRING) {
		bits |= ALERT_STEP_RESOLVED;
		st->resolved_at = now;
		for (ch = 0; ch < ALERT_CH__COUNT; ch++) {
			if (st->sent[ch].notified)
				st->sent[ch].resolve = 1;
			st->sent[ch].notified = 0;
		}
	}
	st->phase = ALERT_INACTIVE;
	st->active_since = 0;
	return (bits);
}

/* See alert.h. */
enum alert_notice
alert_due(const struct alert_state *st, const struct alert_rule *r,
    enum alert_chan ch, time_t now)
{
	const struct alert_sent	*s = &st->sent[ch];

	if (s->resolve)
		return (ALERT_NOTICE_RESOLVED);
	if (st->phase != ALERT_FIRING || alert_silenced(st, now))
		return (ALERT_NOTICE_NONE);
	if (!s->notified)
		return (ALERT_NOTICE_FIRING);
	if (r->repeat > 0 && now - s->last >= r->repeat)
		return (ALERT_NOTICE_REPEAT);
	return (ALERT_NOTICE_NONE);
}

/* See alert.h. */
void
alert_delivered(struct alert_state *st, enum alert_chan ch,
    enum alert_notice n, time_t now)
{
	switch (n) {
	case ALERT_NOTICE_FIRING:
	case ALERT_NOTICE_REPEAT:
		st->sent[ch].notified = 1;
		st->sent[ch].last = now;
		break;
	case ALERT_NOTICE_RESOLVED:
		st->sent[ch].resolve = 0;
		break;
	default:
		break;
	}
}

/* --- the state file -------------------------------------------------------- */

/* See alert.h. */
void
alert_store_init(struct alert_store *s)
{
	memset(s, 0, sizeof(*s));
}

/* Frees what one state owns. */
static void
alert_state_free(struct alert_state *st)
{
	free(st->name);
	free(st->summary);
	free(st->silence_comment);
}

/* See alert.h. */
void
alert_store_cleanup(struct alert_store *s)
{
	size_t	 i;

	for (i = 0; i < s->n; i++)
		alert_state_free(&s->v[i]);
	free(s->v);
	for (i = 0; i < s->nh; i++)
		free(s->h[i].text);
	free(s->h);
	alert_store_init(s);
}

/* See alert.h. */
struct alert_state *
alert_store_get(struct alert_store *s, const char *name, int create)
{
	struct alert_state	*grown, *st;
	size_t			 i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return (&s->v[i]);
	if (!create)
		return (NULL);
	if ((grown = reallocarray(s->v, s->n + 1, sizeof(*grown))) == NULL)
		return (NULL);
	s->v = grown;
	st = &s->v[s->n];
	memset(st, 0, sizeof(*st));
	st->value = NAN;
	if ((st->name = strdup(name)) == NULL)
		return (NULL);
	s->n++;
	return (st);
}

/* See alert.h. */
void
alert_store_prune(struct alert_store *s, const struct alert_rules *rules)
{
	size_t	 i, j = 0;

	for (i = 0; i < s->n; i++) {
		if (alert_rules_find(rules, s->v[i].name) == NULL) {
			alert_state_free(&s->v[i]);
			continue;
		}
		s->v[j++] = s->v[i];
	}
	s->n = j;
}

/* An integer (or boolean) member of o, or 0. */
static long long
alert_jint(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double) ||
	    json_object_is_type(v, json_type_boolean)))
		return (0);
	return ((long long)json_object_get_int64(v));
}

/* A number member of o, or NaN. */
static double
alert_jdouble(json_object *o, const char *key)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return (NAN);
	return (json_object_get_double(v));
}

/* A copy of a string member of o, or NULL (also on ENOMEM). */
static char *
alert_jstrdup(json_object *o, const char *key)
{
	const char	*s = jsonutil_get_str(o, key);

	return (s != NULL ? strdup(s) : NULL);
}

/* Fills st from its JSON object (missing members keep their zero). */
static void
alert_state_from_json(struct alert_state *st, json_object *o)
{
	json_object	*sent, *c;
	const char	*phase;
	int		 ch;

	phase = jsonutil_get_str(o, "state");
	if (phase != NULL && strcmp(phase, "pending") == 0)
		st->phase = ALERT_PENDING;
	else if (phase != NULL && strcmp(phase, "firing") == 0)
		st->phase = ALERT_FIRING;
	st->active_since = (time_t)alert_jint(o, "active_since");
	st->fired_at = (time_t)alert_jint(o, "fired_at");
	st->resolved_at = (time_t)alert_jint(o, "resolved_at");
	st->checked_at = (time_t)alert_jint(o, "checked_at");
	st->value = alert_jdouble(o, "value");
	st->summary = alert_jstrdup(o, "summary");
	st->silenced_until = (time_t)alert_jint(o, "silenced_until");
	st->silenced_at = (time_t)alert_jint(o, "silenced_at");
	st->silence_comment = alert_jstrdup(o, "silence_comment");
	if (!json_object_object_get_ex(o, "sent", &sent) ||
	    !json_object_is_type(sent, json_type_object))
		return;
	for (ch = 0; ch < ALERT_CH__COUNT; ch++) {
		if (!json_object_object_get_ex(sent, alert_chan_name((enum alert_chan)ch), &c) ||
		    !json_object_is_type(c, json_type_object))
			continue;
		st->sent[ch].notified = alert_jint(c, "notified") != 0;
		st->sent[ch].last = (time_t)alert_jint(c, "last");
		st->sent[ch].resolve = alert_jint(c, "resolve") != 0;
	}
}

/* See alert.h. */
int
alert_store_load(struct alert_store *s, const char *path, char **cause)
{
	json_object		*root = NULL, *rules, *h, *e;
	struct json_object_iterator it, itend;
	struct alert_state	*st;
	const char		*t;
	size_t			 i, n;
	int			 rc = -1;

	*cause = NULL;
	alert_store_init(s);
	switch (jsonutil_load_file(path, ALERT_MAX_STATE, 8, JSONUTIL_OBJECT,
	    &root, cause)) {
	case ST_OK:
		break;
	case ST_NOTFOUND:
		cause_clear(cause);
		return (0);
	case ST_BADREQ:
		cause_prefix(cause, "not a bootstack alert state file");
		/* FALLTHROUGH */
	default:
		return (-1);
	}
	s->last_check = (time_t)alert_jint(root, "last_check");
	if (json_object_object_get_ex(root, "rules", &rules) &&
	    json_object_is_type(rules, json_type_object)) {
		it = json_object_iter_begin(rules);
		itend = json_object_iter_end(rules);
		for (; !json_object_iter_equal(&it, &itend);
		    json_object_iter_next(&it)) {
			e = json_object_iter_peek_value(&it);
			if (!json_object_is_type(e, json_type_object))
				continue;
			st = alert_store_get(s,
			    json_object_iter_peek_name(&it), 1);
			if (st == NULL)
				goto nomem;
			alert_state_from_json(st, e);
		}
	}
	if (json_object_object_get_ex(root, "scrapes", &h) &&
	    json_object_is_type(h, json_type_array)) {
		n = json_object_array_length(h);
		if (n > ALERT_MAX_HISTORY)
			n = ALERT_MAX_HISTORY;
		if (n > 0 && (s->h = calloc(n, sizeof(*s->h))) == NULL)
			goto nomem;
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(h, i);
			if ((t = jsonutil_get_str(e, "series")) == NULL)
				continue;
			s->h[s->nh].t = (time_t)alert_jint(e, "t");
			s->h[s->nh].start = alert_jdouble(e, "start");
			if (!isfinite(s->h[s->nh].start))
				s->h[s->nh].start = 0;
			if ((s->h[s->nh].text = strdup(t)) == NULL)
				goto nomem;
			s->nh++;
		}
	}
	rc = 0;
	goto out;
nomem:
	cause_set(cause, "out of memory");
out:
	if (rc != 0)
		alert_store_cleanup(s);
	json_object_put(root);
	return (rc);
}

/* Adds key = t as an integer, or nothing for 0. */
static void
alert_jput_time(json_object *o, const char *key, time_t t)
{
	if (t != 0)
		json_object_object_add(o, key, json_object_new_int64(t));
}

/* The JSON object of one state; NULL on ENOMEM. */
static json_object *
alert_state_to_json(const struct alert_state *st)
{
	json_object	*o, *sent, *c;
	int		 ch;

	if ((o = json_object_new_object()) == NULL)
		return (NULL);
	json_object_object_add(o, "state",
	    json_object_new_string(alert_phase_name(st->phase)));
	alert_jput_time(o, "active_since", st->active_since);
	alert_jput_time(o, "fired_at", st->fired_at);
	alert_jput_time(o, "resolved_at", st->resolved_at);
	alert_jput_time(o, "checked_at", st->checked_at);
	if (isfinite(st->value))
		json_object_object_add(o, "value",
		    json_object_new_double(st->value));
	if (st->summary != NULL)
		json_object_object_add(o, "summary",
		    json_object_new_string(st->summary));
	alert_jput_time(o, "silenced_until", st->silenced_until);
	alert_jput_time(o, "silenced_at", st->silenced_at);
	if (st->silence_comment != NULL)
		json_object_object_add(o, "silence_comment",
		    json_object_new_string(st->silence_comment));
	if ((sent = json_object_new_object()) == NULL) {
		json_object_put(o);
		return (NULL);
	}
	json_object_object_add(o, "sent", sent);
	for (ch = 0; ch < ALERT_CH__COUNT; ch++) {
		if (!st->sent[ch].notified && !st->sent[ch].resolve &&
		    st->sent[ch].last == 0)
			continue;
		if ((c = json_object_new_object()) == NULL) {
			json_object_put(o);
			return (NULL);
		}
		json_object_object_add(c, "notified",
		    json_object_new_boolean(st->sent[ch].notified));
		alert_jput_time(c, "last", st->sent[ch].last);
		json_object_object_add(c, "resolve",
		    json_object_new_boolean(st->sent[ch].resolve));
		json_object_object_add(sent, alert_chan_name((enum alert_chan)ch), c);
	}
	return (o);
}

/* See alert.h. */
int
alert_store_save(const struct alert_store *s, const char *path,
    char **cause)
{
	json_object	*root, *rules, *h, *o, *e;
	size_t		 i;
	int		 rc = -1;

	*cause = NULL;
	if ((root = json_object_new_object()) == NULL)
		goto nomem;
	json_object_object_add(root, "version", json_object_new_int(1));
	alert_jput_time(root, "last_check", s->last_check);
	if ((rules = json_object_new_object()) == NULL)
		goto nomem;
	json_object_object_add(root, "rules", rules);
	if ((h = json_object_new_array()) == NULL)
		goto nomem;
	json_object_object_add(root, "scrapes", h);
	for (i = 0; i < s->n; i++) {
		if ((o = alert_state_to_json(&s->v[i])) == NULL)
			goto nomem;
		json_object_object_add(rules, s->v[i].name, o);
	}
	for (i = 0; i < s->nh; i++) {
		if ((e = json_object_new_object()) == NULL)
			goto nomem;
		json_object_array_add(h, e);
		json_object_object_add(e, "t",
		    json_object_new_int64(s->h[i].t));
		json_object_object_add(e, "start",
		    json_object_new_double(s->h[i].start));
		json_object_object_add(e, "series",
		    json_object_new_string(s->h[i].text));
	}
	rc = jsonutil_save_file(path, root, 0600, cause);
	json_object_put(root);
	return (rc);
nomem:
	json_object_put(root);
	cause_set(cause, "out of memory");
	return (-1);
}

/* See alert.h. */
enum st
alert_store_add_scrape(struct alert_store *s, const struct promtext *cur,
    time_t now, long long keep)
{
	struct alert_scrape	*grown;
	FILE			*f;
	char			*text = NULL;
	size_t			 len = 0, i, j, from = 0;

	/* A clock that went back: forget what looks like the future. */
	for (i = 0, j = 0; i < s->nh; i++) {
		if (s->h[i].t > now) {
			free(s->h[i].text);
			continue;
		}
		s->h[j++] = s->h[i];
	}
	s->nh = j;
	if ((f = open_memstream(&text, &len)) == NULL)
		return (ST_NOMEM);
	if (promtext_write(cur, alert_families, f) < 0) {
		fclose(f);
		free(text);
		return (ST_NOMEM);
	}
	if (fclose(f) != 0) {
		free(text);
		return (ST_NOMEM);
	}
	if ((grown = reallocarray(s->h, s->nh + 1, sizeof(*grown))) == NULL) {
		free(text);
		return (ST_NOMEM);
	}
	s->h = grown;
	s->h[s->nh].t = now;
	s->h[s->nh].start = promtext_sum(cur, "process_start_time_seconds",
	    NULL, NULL);
	if (!isfinite(s->h[s->nh].start))
		s->h[s->nh].start = 0;
	s->h[s->nh].text = text;
	s->nh++;
	/* Keep the newest scrape older than keep: the longest baseline. */
	for (i = 0; i < s->nh; i++)
		if (now - s->h[i].t >= keep)
			from = i;
	if (s->nh - from > ALERT_MAX_HISTORY)
		from = s->nh - ALERT_MAX_HISTORY;
	for (i = 0; i < from; i++)
		free(s->h[i].text);
	memmove(s->h, s->h + from, (s->nh - from) * sizeof(*s->h));
	s->nh -= from;
	return (ST_OK);
}

