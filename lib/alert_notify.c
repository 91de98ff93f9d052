/*
 * alert_notify.c: the parts of `bootstack alert` that talk to the world:
 * the /metrics scrape and the webhook (libcurl), sendmail and the command
 * (a child process fed on stdin).
 *
 * Every answer read goes into a capped struct buf; every call has a
 * deadline ([alerts] timeout), a child included: it is killed when it
 * passes. The webhook token is sent in a header built here and never
 * logged, and error texts name a URL by its scheme and host only (a Slack
 * webhook URL is itself a secret). Children run without a shell, without
 * our file descriptors (close_range), with their stdout and stderr
 * captured (the start of it goes into the error text when they fail).
 */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "alert.h"
#include "buf.h"
#include "log.h"

#define ALERT_MAX_REPLY		(64 * 1024)	/* webhook answer kept */
#define ALERT_MAX_CHILD_OUT	512		/* child output in errors */

/* The scheme and host of url ("https://hooks.example.com/..."). */
static void
alert_url_redact(const char *url, char *out, size_t size)
{
	const char	*p, *host, *end, *at;

	if ((p = strstr(url, "://")) == NULL) {
		snprintf(out, size, "(a malformed URL)");
		return;
	}
	host = p + 3;
	end = host + strcspn(host, "/?#");
	if ((at = memchr(host, '@', (size_t)(end - host))) != NULL)
		host = at + 1;		/* user:password@ */
	snprintf(out, size, "%.*s%.*s%s", (int)(p + 3 - url), url,
	    (int)(end - host), host, *end != '\0' ? "/..." : "");
}

/* True if url is http:// to a host other than loopback. */
static int
alert_plain_remote(const char *url)
{
	const char	*host, *at, *end, *p;
	size_t		 n;

	if (strncasecmp(url, "http://", 7) != 0)
		return (0);
	host = url + 7;
	end = host + strcspn(host, "/?#");
	if ((at = memchr(host, '@', (size_t)(end - host))) != NULL)
		host = at + 1;
	if (*host == '[')
		n = strcspn(host, "]") + 1;
	else
		n = strcspn(host, ":/?#");
	if ((n == 9 && strncasecmp(host, "localhost", 9) == 0) ||
	    (n == 5 && strncmp(host, "[::1]", 5) == 0))
		return (0);
	if (n > 4 && strncmp(host, "127.", 4) == 0) {
		for (p = host; p < host + n; p++)
			if (!(isdigit((unsigned char)*p) || *p == '.'))
				return (1);
		return (0);
	}
	return (1);
}

/* libcurl write callback: appends to a capped buf; a full buf stops it. */
static size_t
alert_write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (buf_add(b, p, size * n) != ST_OK)
		return (0);
	return (size * n);
}

/* Sets what every request of ours shares. */
static void
alert_curl_common(CURL *c, const char *url, const char *ca_file,
    long timeout, char *errbuf, struct buf *out)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "bootstack/" PACKAGE_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https,http");
#else
	curl_easy_setopt(c, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTPS | CURLPROTO_HTTP));
#endif
	if (ca_file != NULL)
		curl_easy_setopt(c, CURLOPT_CAINFO, ca_file);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, alert_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
}

/* The error text of a failed transfer. */
static void
alert_curl_why(CURLcode cc, const char *errbuf, const struct buf *out,
    char **cause, const char *what, const char *url)
{
	char	 u[256];

	alert_url_redact(url, u, sizeof(u));
	if (cc == CURLE_WRITE_ERROR)
		(void)!asprintf(cause, "%s %s: the answer is larger than %zu "
		    "bytes", what, u, out->max);
	else
		(void)!asprintf(cause, "%s %s: %s", what, u,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
}

/* See alert.h. */
enum st
alert_fetch(const char *url, const char *ca_file, const char *connect_to,
    long timeout, struct buf *out, char **cause)
{
	struct curl_slist	*ct = NULL;
	CURL			*c;
	CURLcode		 cc;
	char			 errbuf[CURL_ERROR_SIZE] = "", u[256], *spec = NULL;
	long			 code = 0;
	enum st			 st = ST_UPSTREAM;

	*cause = NULL;
	if ((c = curl_easy_init()) == NULL) {
		(void)!asprintf(cause, "cannot make a curl handle");
		return (ST_NOMEM);
	}
	alert_curl_common(c, url, ca_file, timeout, errbuf, out);
	if (connect_to != NULL) {
		/* "::ADDR:": any host, any port, to ADDR on that port. */
		if (asprintf(&spec, strchr(connect_to, ':') != NULL &&
		    connect_to[0] != '[' ? "::[%s]:" : "::%s:",
		    connect_to) == -1 ||
		    (ct = curl_slist_append(NULL, spec)) == NULL) {
			(void)!asprintf(cause, "out of memory");
			st = ST_NOMEM;
			goto out;
		}
		curl_easy_setopt(c, CURLOPT_CONNECT_TO, ct);
	}
	log_debug("alert: GET %s", url);
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		alert_curl_why(cc, errbuf, out, cause, "GET", url);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200) {
		alert_url_redact(url, u, sizeof(u));
		(void)!asprintf(cause, "GET %s: HTTP %ld", u, code);
		goto out;
	}
	st = ST_OK;
out:
	curl_slist_free_all(ct);
	free(spec);
	curl_easy_cleanup(c);
	return (st);
}

/* See alert.h. */
enum st
alert_post(const char *url, const char *token, const char *ca_file,
    long timeout, const char *json, char **cause)
{
	struct curl_slist	*hdr = NULL, *t;
	struct buf		 out;
	CURL			*c;
	CURLcode		 cc;
	char			 errbuf[CURL_ERROR_SIZE] = "", u[256];
	char			*auth = NULL;
	long			 code = 0;
	enum st			 st = ST_UPSTREAM;

	*cause = NULL;
	buf_init(&out, ALERT_MAX_REPLY);
	if (token != NULL && alert_plain_remote(url)) {
		alert_url_redact(url, u, sizeof(u));
		(void)!asprintf(cause, "POST %s: refusing to send the webhook "
		    "token over plain http beyond loopback (use https)", u);
		return (ST_BADREQ);
	}
	if ((c = curl_easy_init()) == NULL) {
		(void)!asprintf(cause, "cannot make a curl handle");
		return (ST_NOMEM);
	}
	alert_curl_common(c, url, ca_file, timeout, errbuf, &out);
	if ((t = curl_slist_append(hdr, "Content-Type: application/json")) ==
	    NULL)
		goto nomem;
	hdr = t;
	if (token != NULL) {
		if (asprintf(&auth, "Authorization: Bearer %s", token) == -1) {
			auth = NULL;
			goto nomem;
		}
		if ((t = curl_slist_append(hdr, auth)) == NULL)
			goto nomem;
		hdr = t;
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(json));
	alert_url_redact(url, u, sizeof(u));
	log_debug("alert: POST %s (%zu bytes)", u, strlen(json));
	cc = curl_easy_perform(c);
	if (cc != CURLE_OK && cc != CURLE_WRITE_ERROR) {
		alert_curl_why(cc, errbuf, &out, cause, "POST", url);
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299) {
		(void)!asprintf(cause, "POST %s: HTTP %ld", u, code);
		goto out;
	}
	st = ST_OK;
	goto out;
nomem:
	(void)!asprintf(cause, "out of memory");
	st = ST_NOMEM;
out:
	curl_slist_free_all(hdr);
	if (auth != NULL) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	curl_easy_cleanup(c);
	buf_cleanup(&out);
	return (st);
}

/* Milliseconds on the monotonic clock. */
static long long
alert_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* In the child: stdin from in, stdout and stderr to out, then exec. */
static void
alert_child(char *const argv[], int in, int out)
{
	int	 fd;

	if (dup2(in, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1)
		_exit(126);
	if (close_range(3, ~0U, 0) != 0)
		for (fd = 3; fd < 1024; fd++)
			(void)close(fd);
	signal(SIGPIPE, SIG_DFL);
	execv(argv[0], argv);
	dprintf(2, "cannot run %s: %s", argv[0], strerror(errno));
	_exit(127);
}

/* See alert.h. */
enum st
alert_exec(char *const argv[], const char *input, size_t len, long timeout,
    char **cause)
{
	struct pollfd	 pfd[2];
	struct buf	 out;
	char		 chunk[512];
	long long	 deadline;
	size_t		 off = 0;
	ssize_t		 w, r;
	pid_t		 pid;
	int		 in[2] = { -1, -1 }, op[2] = { -1, -1 }, status = 0;
	int		 npfd, timedout = 0, left;
	enum st		 st = ST_UPSTREAM;

	*cause = NULL;
	buf_init(&out, ALERT_MAX_CHILD_OUT);
	if (pipe2(in, O_CLOEXEC) == -1 || pipe2(op, O_CLOEXEC) == -1) {
		(void)!asprintf(cause, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((pid = fork()) == -1) {
		(void)!asprintf(cause, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0)
		alert_child(argv, in[0], op[1]);
	close(in[0]);
	close(op[1]);
	in[0] = op[1] = -1;
	(void)fcntl(in[1], F_SETFL, O_NONBLOCK);
	(void)fcntl(op[0], F_SETFL, O_NONBLOCK);
	if (len == 0) {
		close(in[1]);
		in[1] = -1;
	}
	deadline = alert_now_ms() + timeout * 1000;
	for (;;) {
		npfd = 0;
		if (op[0] != -1) {
			pfd[npfd].fd = op[0];
			pfd[npfd++].events = POLLIN;
		}
		if (in[1] != -1) {
			pfd[npfd].fd = in[1];
			pfd[npfd++].events = POLLOUT;
		}
		left = (int)(deadline - alert_now_ms());
		if (left <= 0) {
			timedout = 1;
			break;
		}
		/*
		 * Input written: the child's exit ends the wait, even if a
		 * process it left behind keeps the output pipe open.
		 */
		if (in[1] == -1) {
			r = waitpid(pid, &status, WNOHANG);
			if (r == pid)
				break;
			if (r == -1 && errno != EINTR) {
				(void)!asprintf(cause, "%s: waitpid: %s",
				    argv[0], strerror(errno));
				goto fail;
			}
			if (left > 50)
				left = 50;
		}
		if (npfd == 0) {
			usleep((useconds_t)left * 1000);
			continue;
		}
		if (poll(pfd, (nfds_t)npfd, left) == -1) {
			if (errno == EINTR)
				continue;
			(void)!asprintf(cause, "poll: %s", strerror(errno));
			timedout = 1;
			break;
		}
		if (op[0] != -1 && pfd[0].revents != 0) {
			r = read(op[0], chunk, sizeof(chunk));
			if (r > 0) {
				if (out.len < out.max)
					(void)buf_add(&out, chunk,
					    (size_t)r > out.max - out.len ?
					    out.max - out.len : (size_t)r);
			} else if (r == 0 || (errno != EAGAIN &&
			    errno != EINTR)) {
				close(op[0]);
				op[0] = -1;
			}
		}
		if (in[1] != -1 && pfd[npfd - 1].revents != 0) {
			w = write(in[1], input + off, len - off);
			if (w > 0)
				off += (size_t)w;
			if ((w == -1 && errno != EAGAIN && errno != EINTR) ||
			    off == len) {
				close(in[1]);	/* EPIPE: it stopped reading */
				in[1] = -1;
			}
		}
	}
	/* What the child wrote just before exiting. */
	if (!timedout && op[0] != -1)
		while ((r = read(op[0], chunk, sizeof(chunk))) > 0 &&
		    out.len < out.max)
			(void)buf_add(&out, chunk, (size_t)r > out.max - out.len ?
			    out.max - out.len : (size_t)r);
	if (timedout) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		if (*cause == NULL)
			(void)!asprintf(cause, "%s: killed after %ld s",
			    argv[0], timeout);
		goto fail;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		st = ST_OK;
		goto fail;
	}
	/* One line: the child's output with its line breaks as blanks. */
	for (off = 0; off < out.len; off++)
		if (out.data[off] == '\n' || out.data[off] == '\r')
			out.data[off] = ' ';
	if (WIFEXITED(status))
		(void)!asprintf(cause, "%s exited %d%s%s", argv[0],
		    WEXITSTATUS(status), out.len > 0 ? ": " : "",
		    buf_str(&out));
	else
		(void)!asprintf(cause, "%s was killed by signal %d%s%s",
		    argv[0], WTERMSIG(status), out.len > 0 ? ": " : "",
		    buf_str(&out));
fail:
	if (in[0] != -1)
		close(in[0]);
	if (in[1] != -1)
		close(in[1]);
	if (op[0] != -1)
		close(op[0]);
	if (op[1] != -1)
		close(op[1]);
	buf_cleanup(&out);
	return (st);
}

/* See alert.h. */
char **
alert_split(const char *s, size_t max)
{
	char	**v;
	size_t	 n = 0, len;

	if ((v = calloc(max + 1, sizeof(*v))) == NULL)
		return (NULL);
	for (;;) {
		s += strspn(s, " \t");
		if (*s == '\0')
			break;
		len = strcspn(s, " \t");
		if (n == max || (v[n] = strndup(s, len)) == NULL) {
			alert_split_free(v);
			return (NULL);
		}
		n++;
		s += len;
	}
	if (n == 0) {
		free(v);
		return (NULL);
	}
	return (v);
}

/* See alert.h. */
void
alert_split_free(char **v)
{
	size_t	 i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}
