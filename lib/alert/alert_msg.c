/*
 * alert_msg.c: the messages of `bootstack alert`: the JSON document of the
 * webhook and the command (with a Slack-compatible "text"), the plain
 * text, and the RFC 5322 mail for sendmail; see alert.h.
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
#include "buf.h"
#include "clock.h"

/* --- messages ----------------------------------------------------------------- */

/* The word of a notice in texts. */
static const char *
alert_notice_word(enum alert_notice n)
{
	switch (n) {
	case ALERT_NOTICE_FIRING:
		return ("FIRING");
	case ALERT_NOTICE_REPEAT:
		return ("STILL FIRING");
	case ALERT_NOTICE_RESOLVED:
		return ("RESOLVED");
	default:
		return ("?");
	}
}

/* Counts the firing (new or repeated) and resolved items. */
static void
alert_count(const struct alert_item *it, size_t n, size_t *firing,
    size_t *resolved)
{
	size_t	 i;

	*firing = *resolved = 0;
	for (i = 0; i < n; i++) {
		if (it[i].what == ALERT_NOTICE_RESOLVED)
			(*resolved)++;
		else
			(*firing)++;
	}
}

/* See alert.h. */
char *
alert_text(const struct alert_item *it, size_t n, const char *host)
{
	struct buf	 b;
	char		 t1[32], t2[32];
	size_t		 i, firing, resolved;
	enum st		 st;

	alert_count(it, n, &firing, &resolved);
	buf_init(&b, 1024 * 1024);
	st = buf_printf(&b, "bootstack on %s: %zu firing, %zu resolved", host,
	    firing, resolved);
	for (i = 0; i < n && st == ST_OK; i++) {
		if (it[i].what == ALERT_NOTICE_RESOLVED)
			st = buf_printf(&b, "\n%s %s (%s): %s (fired %s, "
			    "resolved %s)", alert_notice_word(it[i].what),
			    it[i].rule->name, alert_kind_name(it[i].rule->kind),
			    it[i].st->summary != NULL ? it[i].st->summary : "",
			    clock_rfc3339_fmt(it[i].st->fired_at, t1, sizeof(t1)),
			    clock_rfc3339_fmt(it[i].st->resolved_at, t2,
			    sizeof(t2)));
		else
			st = buf_printf(&b, "\n%s [%s] %s (%s): %s (since %s)",
			    alert_notice_word(it[i].what), it[i].rule->severity,
			    it[i].rule->name, alert_kind_name(it[i].rule->kind),
			    it[i].st->summary != NULL ? it[i].st->summary : "",
			    clock_rfc3339_fmt(it[i].st->fired_at, t1, sizeof(t1)));
	}
	if (st != ST_OK) {
		buf_cleanup(&b);
		return (NULL);
	}
	return (buf_steal(&b));
}

/* Adds key = t as an ISO time string, or null for 0. */
static void
alert_jput_iso(json_object *o, const char *key, time_t t)
{
	char	 buf[32];

	json_object_object_add(o, key, t != 0 ?
	    json_object_new_string(clock_rfc3339_fmt(t, buf, sizeof(buf))) :
	    NULL);
}

/* See alert.h. */
char *
alert_json(const struct alert_item *it, size_t n, const char *host,
    time_t now)
{
	json_object	*root, *arr, *o;
	const char	*s;
	char		*text, *out = NULL;
	size_t		 i, firing, resolved;

	alert_count(it, n, &firing, &resolved);
	if ((text = alert_text(it, n, host)) == NULL)
		return (NULL);
	if ((root = json_object_new_object()) == NULL) {
		free(text);
		return (NULL);
	}
	json_object_object_add(root, "source",
	    json_object_new_string("bootstack"));
	json_object_object_add(root, "host", json_object_new_string(host));
	json_object_object_add(root, "status",
	    json_object_new_string(firing > 0 ? "firing" : "resolved"));
	alert_jput_iso(root, "time", now);
	json_object_object_add(root, "firing", json_object_new_int64(
	    (int64_t)firing));
	json_object_object_add(root, "resolved", json_object_new_int64(
	    (int64_t)resolved));
	json_object_object_add(root, "text", json_object_new_string(text));
	free(text);
	if ((arr = json_object_new_array()) == NULL)
		goto out;
	json_object_object_add(root, "alerts", arr);
	for (i = 0; i < n; i++) {
		if ((o = json_object_new_object()) == NULL)
			goto out;
		json_object_array_add(arr, o);
		json_object_object_add(o, "name",
		    json_object_new_string(it[i].rule->name));
		json_object_object_add(o, "kind", json_object_new_string(
		    alert_kind_name(it[i].rule->kind)));
		json_object_object_add(o, "severity",
		    json_object_new_string(it[i].rule->severity));
		json_object_object_add(o, "status", json_object_new_string(
		    it[i].what == ALERT_NOTICE_RESOLVED ? "resolved" :
		    "firing"));
		json_object_object_add(o, "repeat", json_object_new_boolean(
		    it[i].what == ALERT_NOTICE_REPEAT));
		s = it[i].st->summary;
		json_object_object_add(o, "summary",
		    json_object_new_string(s != NULL ? s : ""));
		json_object_object_add(o, "value", isfinite(it[i].st->value) ?
		    json_object_new_double(it[i].st->value) : NULL);
		json_object_object_add(o, "threshold",
		    isfinite(it[i].rule->threshold) ?
		    json_object_new_double(it[i].rule->threshold) : NULL);
		alert_jput_iso(o, "fired_at", it[i].st->fired_at);
		alert_jput_iso(o, "resolved_at",
		    it[i].what == ALERT_NOTICE_RESOLVED ?
		    it[i].st->resolved_at : 0);
	}
	s = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s != NULL)
		out = strdup(s);
out:
	json_object_put(root);
	return (out);
}

/* See alert.h. */
char *
alert_mail(const struct alert_item *it, size_t n, const char *host,
    const char *from, const char *to, time_t now)
{
	struct buf	 b;
	struct tm	 tm;
	char		 date[64], *text;
	size_t		 i, firing, resolved;
	int		 first;
	enum st		 st;

	alert_count(it, n, &firing, &resolved);
	if ((text = alert_text(it, n, host)) == NULL)
		return (NULL);
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S +0000", &tm);
	buf_init(&b, 2 * 1024 * 1024);
	st = buf_printf(&b, "From: %s\nTo: %s\nDate: %s\n"
	    "Message-ID: <bootstack-alert.%lld.%ld@%s>\n", from, to, date,
	    (long long)now, (long)getpid(), host);
	if (st == ST_OK && firing > 0)
		st = buf_printf(&b, "Subject: [FIRING:%zu] bootstack on %s:",
		    firing, host);
	else if (st == ST_OK)
		st = buf_printf(&b, "Subject: [RESOLVED] bootstack on %s:",
		    host);
	for (i = 0, first = 1; i < n && st == ST_OK; i++)
		if ((it[i].what == ALERT_NOTICE_RESOLVED) == (firing == 0)) {
			st = buf_printf(&b, "%s %s", first ? "" : ",",
			    it[i].rule->name);
			first = 0;
		}
	if (st == ST_OK)
		st = buf_printf(&b, "\nMIME-Version: 1.0\n"
		    "Content-Type: text/plain; charset=utf-8\n"
		    "Content-Transfer-Encoding: 8bit\n"
		    "Auto-Submitted: auto-generated\n"
		    "X-Bootstack-Status: %s\n\n%s\n",
		    firing > 0 ? "firing" : "resolved", text);
	free(text);
	if (st != ST_OK) {
		buf_cleanup(&b);
		return (NULL);
	}
	return (buf_steal(&b));
}
