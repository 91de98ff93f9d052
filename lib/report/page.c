/*
 * page.c: the /ops/ overview as one HTML page (index.html); see overview.h
 * for the figures it shows.
 *
 * The page is self-contained and static: inline CSS, charts as inline SVG
 * drawn here, no script and no font or image from anywhere, so it works
 * under the /ops/ Content-Security-Policy, without JavaScript, and never
 * makes the browser contact another host. The three windows are all in the
 * page; radio buttons and CSS show one at a time. Every element a test or
 * an operator looks for has an id: tiles-W, chart-traffic-W,
 * chart-errors-W, chart-p95-W, routes-W, problems-W (W = hour, day, week).
 * The tables are laid out to fit 1366 px: long route templates and details
 * wrap instead of pushing a column out of the page.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "report/obuf.h"
#include "report/overview.h"

#define PAGE_MAX	(32 * 1024 * 1024)
#define CH_W		600	/* chart viewBox width */
#define CH_H		140	/* and height */
#define CH_L		44	/* left margin: the axis labels */
#define CH_B		18	/* bottom margin: the time labels */
#define CH_T		8	/* top margin */

static const char *const page_labels[OV__WINDOWS] = {
	"Last hour", "Last day", "Last week"
};
static const char *const page_step[OV__WINDOWS] = {
	"minute", "hour", "hour"
};
static const char *const page_start[OV__WINDOWS] = {
	"\xe2\x88\x92" "60 min", "\xe2\x88\x92" "24 h", "\xe2\x88\x92" "7 days"
};

/* Appends s, escaped for HTML text and attribute values. */
static void
page_esc(struct buf *b, const char *s)
{
	const char	*p;

	for (p = s != NULL ? s : ""; *p != '\0'; p++) {
		switch (*p) {
		case '&':
			ob_adds(b, "&amp;");
			break;
		case '<':
			ob_adds(b, "&lt;");
			break;
		case '>':
			ob_adds(b, "&gt;");
			break;
		case '"':
			ob_adds(b, "&quot;");
			break;
		case '\'':
			ob_adds(b, "&#39;");
			break;
		default:
			if ((unsigned char)*p < 0x20)
				ob_adds(b, " ");
			else
				ob_add(b, p, 1);
		}
	}
}

/* A UTC time "2024-10-10 13:55" into out. */
static void
page_time(long long t, const char *fmt, char *out, size_t len)
{
	struct tm	 tm;
	time_t		 tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, len, fmt, &tm);
}

/* A ratio as a percentage with one decimal, "0.0%" when den is 0. */
static void
page_pct(struct buf *b, uint64_t num, uint64_t den)
{
	ob_printf(b, "%.1f%%", den > 0 ? 100.0 * (double)num / (double)den :
	    0.0);
}

/* A rate: three decimals below 10/s, one above. */
static void
page_rate(struct buf *b, uint64_t req, long long seconds)
{
	double	 r = (double)req / (double)seconds;

	ob_printf(b, r < 10 ? "%.3f" : "%.1f", r);
}

/* The smallest "round" number >= v (1, 2, 5 times a power of ten). */
static uint64_t
page_nice(uint64_t v)
{
	uint64_t	 p = 1;

	if (v <= 1)
		return (1);
	while (p * 10 <= v && p < UINT64_MAX / 10)
		p *= 10;
	if (v <= p)
		return (p);
	if (v <= 2 * p)
		return (2 * p);
	if (v <= 5 * p)
		return (5 * p);
	return (10 * p);
}

/* The opening of a chart: its figure, caption, axis and labels. */
static void
page_chart_open(struct buf *b, const char *id, const char *caption,
    const char *unit, uint64_t ymax, enum ov_window w)
{
	ob_printf(b, "<figure class=\"chart\" id=\"%s\"><figcaption>%s"
	    "</figcaption><svg viewBox=\"0 0 %d %d\" role=\"img\" "
	    "aria-label=\"%s\" xmlns=\"http://www.w3.org/2000/svg\">"
	    "<line class=\"ax\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
	    "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
	    "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
	    "<text class=\"lab\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%llu%s"
	    "</text><text class=\"lab\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0"
	    "</text><text class=\"lab\" x=\"%d\" y=\"%d\">%s</text>"
	    "<text class=\"lab\" x=\"%d\" y=\"%d\" text-anchor=\"end\">now"
	    "</text>",
	    id, caption, CH_W, CH_H, caption,
	    CH_L, CH_H - CH_B, CH_W, CH_H - CH_B,
	    CH_L, CH_T, CH_W, CH_T,
	    CH_L, CH_T + (CH_H - CH_B - CH_T) / 2, CH_W,
	    CH_T + (CH_H - CH_B - CH_T) / 2,
	    CH_L - 4, CH_T + 9, (unsigned long long)ymax, unit,
	    CH_L - 4, CH_H - CH_B, CH_L, CH_H - 4, page_start[w],
	    CH_W, CH_H - 4);
}

/* The y of value v on a chart whose top is ymax. */
static double
page_y(uint64_t v, uint64_t ymax)
{
	double	 h = CH_H - CH_B - CH_T;

	return ((double)(CH_H - CH_B) - h * (double)v / (double)ymax);
}

/* A bar chart of one or two stacked series (second may be NULL). */
static void
page_bars(struct buf *b, const struct ov_win *win, const char *id,
    const char *caption, int errors)
{
	double		 bw = (double)(CH_W - CH_L) / (double)win->npts, y0, y1;
	uint64_t	 ymax = 0, v, v2;
	size_t		 k;
	char		 t[32];

	for (k = 0; k < win->npts; k++) {
		v = errors ? win->pts[k].e4 + win->pts[k].e5 : win->pts[k].req;
		if (v > ymax)
			ymax = v;
	}
	ymax = page_nice(ymax);
	page_chart_open(b, id, caption, "", ymax, win->w);
	for (k = 0; k < win->npts; k++) {
		const struct ov_point	*p = &win->pts[k];
		double			 x = CH_L + bw * (double)k;

		page_time(p->t, win->w == OV_HOUR ? "%H:%M" : "%a %H:00", t,
		    sizeof(t));
		if (!errors) {
			if (p->req == 0)
				continue;
			y0 = page_y(p->req, ymax);
			ob_printf(b, "<rect class=\"req\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\"><title>%s UTC: %llu "
			    "requests</title></rect>", x, y0, bw * 0.85,
			    (double)(CH_H - CH_B) - y0, t,
			    (unsigned long long)p->req);
			continue;
		}
		v = p->e4;
		v2 = p->e5;
		if (v + v2 == 0)
			continue;
		y0 = page_y(v2, ymax);
		y1 = page_y(v + v2, ymax);
		ob_printf(b, "<g><title>%s UTC: %llu 4xx, %llu 5xx</title>", t,
		    (unsigned long long)v, (unsigned long long)v2);
		if (v2 > 0)
			ob_printf(b, "<rect class=\"e5\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\"/>", x, y0, bw * 0.85,
			    (double)(CH_H - CH_B) - y0);
		if (v > 0)
			ob_printf(b, "<rect class=\"e4\" x=\"%.1f\" y=\"%.1f\" "
			    "width=\"%.1f\" height=\"%.1f\"/>", x, y1, bw * 0.85,
			    y0 - y1);
		ob_adds(b, "</g>");
	}
	ob_adds(b, "</svg></figure>");
}

/* A line chart of p95 per point (gaps where there were no requests). */
static void
page_p95(struct buf *b, const struct ov_win *win, const char *id,
    const char *caption)
{
	double		 bw = (double)(CH_W - CH_L) / (double)win->npts, x, y;
	uint64_t	 ymax = 0;
	size_t		 k;
	int		 open = 0;
	char		 t[32];

	for (k = 0; k < win->npts; k++)
		if (win->pts[k].req > 0 && win->pts[k].p95 > ymax)
			ymax = win->pts[k].p95;
	ymax = page_nice(ymax);
	page_chart_open(b, id, caption, " ms", ymax, win->w);
	for (k = 0; k <= win->npts; k++) {
		if (k == win->npts || win->pts[k].req == 0) {
			if (open)
				ob_adds(b, "\"/>");
			open = 0;
			continue;
		}
		x = CH_L + bw * ((double)k + 0.42);
		y = page_y(win->pts[k].p95, ymax);
		ob_printf(b, "%s%.1f,%.1f", open ? " " :
		    "<polyline class=\"p95\" points=\"", x, y);
		open = 1;
	}
	for (k = 0; k < win->npts; k++) {
		if (win->pts[k].req == 0)
			continue;
		page_time(win->pts[k].t, win->w == OV_HOUR ? "%H:%M" :
		    "%a %H:00", t, sizeof(t));
		ob_printf(b, "<circle class=\"p95\" cx=\"%.1f\" cy=\"%.1f\" "
		    "r=\"2\"><title>%s UTC: p95 %llu ms over %llu requests"
		    "</title></circle>", CH_L + bw * ((double)k + 0.42),
		    page_y(win->pts[k].p95, ymax), t,
		    (unsigned long long)win->pts[k].p95,
		    (unsigned long long)win->pts[k].req);
	}
	ob_adds(b, "</svg></figure>");
}

/* One tile: a label and a value (already formatted by the caller). */
static void
page_tile_open(struct buf *b, const char *cls, const char *label)
{
	ob_printf(b, "<div class=\"tile %s\"><span class=\"tl\">%s</span>"
	    "<span class=\"tv\">", cls, label);
}

/* The tiles of a window: the totals. */
static void
page_tiles(struct buf *b, const struct ov_win *win, const char *wn)
{
	const struct ov_row	*t = &win->total;

	ob_printf(b, "<div class=\"tiles\" id=\"tiles-%s\">", wn);
	page_tile_open(b, "", "Requests");
	ob_printf(b, "%llu</span></div>", (unsigned long long)t->req);
	page_tile_open(b, "", "Requests/s");
	page_rate(b, t->req, win->seconds);
	ob_adds(b, "</span></div>");
	page_tile_open(b, t->e4 > 0 ? "warn" : "", "4xx (clients)");
	page_pct(b, t->e4, t->req);
	ob_adds(b, "</span></div>");
	page_tile_open(b, t->e5 > 0 ? "bad" : "", "5xx (ours)");
	page_pct(b, t->e5, t->req);
	ob_adds(b, "</span></div>");
	page_tile_open(b, "", "p50 latency");
	ob_printf(b, "%llu ms</span></div>", (unsigned long long)t->p50);
	page_tile_open(b, "", "p95 latency");
	ob_printf(b, "%llu ms</span></div>", (unsigned long long)t->p95);
	page_tile_open(b, "", "p99 latency");
	ob_printf(b, "%llu ms</span></div>", (unsigned long long)t->p99);
	ob_adds(b, "</div>");
}

/* One table row of figures. */
static void
page_row(struct buf *b, const struct ov_row *r, long long seconds,
    const char *key, int total)
{
	ob_printf(b, "<tr%s><td class=\"route\">", total ? " class=\"total\"" :
	    "");
	page_esc(b, key);
	ob_printf(b, "</td><td>%llu</td><td>", (unsigned long long)r->req);
	page_rate(b, r->req, seconds);
	ob_printf(b, "</td><td class=\"%s\">", r->e4 > 0 ? "warn" : "");
	page_pct(b, r->e4, r->req);
	ob_printf(b, "</td><td class=\"%s\">", r->e5 > 0 ? "bad" : "");
	page_pct(b, r->e5, r->req);
	ob_printf(b, "</td><td>%llu</td><td>%llu</td><td>%llu</td>",
	    (unsigned long long)r->p50, (unsigned long long)r->p95,
	    (unsigned long long)r->p99);
	if (r->up_n > 0)
		ob_printf(b, "<td>%llu</td><td>%llu</td><td>%llu</td></tr>",
		    (unsigned long long)r->up50, (unsigned long long)r->up95,
		    (unsigned long long)r->up99);
	else
		ob_adds(b, "<td>-</td><td>-</td><td>-</td></tr>");
}

/* The routes table of a window. */
static void
page_routes(struct buf *b, const struct ov_win *win, const char *wn,
    const char *label)
{
	size_t	 i;

	ob_printf(b, "<h2>Routes</h2><div class=\"tw\"><table class=\"routes\" "
	    "id=\"routes-%s\"><thead><tr><th class=\"route\">Route</th>"
	    "<th>Requests</th><th>Req/s</th><th>4xx</th><th>5xx</th>"
	    "<th>p50 ms</th><th>p95 ms</th><th>p99 ms</th>"
	    "<th title=\"$upstream_response_time: the API alone\">API p50</th>"
	    "<th>API p95</th><th>API p99</th></tr></thead><tbody>", wn);
	for (i = 0; i < win->nrows; i++)
		page_row(b, &win->rows[i], win->seconds, win->rows[i].key, 0);
	if (win->nrows == 0) {
		ob_adds(b, "<tr><td class=\"route\" colspan=\"11\">No requests "
		    "in the ");
		page_esc(b, label);
		ob_adds(b, ".</td></tr>");
	}
	ob_adds(b, "</tbody><tfoot>");
	page_row(b, &win->total, win->seconds, "All routes", 1);
	ob_adds(b, "</tfoot></table></div>");
}

/* The problems table of a window. */
static void
page_problems(struct buf *b, const struct ov_win *win, const char *wn,
    const struct ov_page *pg)
{
	size_t	 i;
	char	 t[32];

	ob_printf(b, "<h2>Top problems</h2><div class=\"tw\"><table "
	    "class=\"problems\" id=\"problems-%s\"><thead><tr><th>Count</th>"
	    "<th>Status</th><th>Problem</th><th class=\"route\">Route</th>"
	    "<th class=\"detail\">Latest detail</th><th>Latest request id</th>"
	    "<th>Seen</th></tr></thead><tbody>", wn);
	for (i = 0; i < win->nprobs && i < 10; i++) {
		const struct ov_problem	*p = win->probs[i].p;

		page_time(p->last_ts, "%m-%d %H:%M", t, sizeof(t));
		ob_printf(b, "<tr><td>%llu</td><td class=\"%s\">%d</td><td>",
		    (unsigned long long)win->probs[i].n, p->status >= 500 ?
		    "bad" : "warn", p->status);
		page_esc(b, p->title);
		if (p->type != NULL && strcmp(p->type, "about:blank") != 0) {
			ob_adds(b, "<br><small>");
			page_esc(b, p->type);
			ob_adds(b, "</small>");
		}
		ob_adds(b, "</td><td class=\"route\">");
		page_esc(b, p->route[0] != '\0' ? p->route : OV_NOROUTE);
		ob_adds(b, "</td><td class=\"detail\">");
		page_esc(b, p->last_detail);
		ob_adds(b, "</td><td><code class=\"rid\">");
		page_esc(b, p->last_id);
		ob_printf(b, "</code></td><td>%s</td></tr>", t);
	}
	if (win->nprobs == 0) {
		ob_adds(b, "<tr><td colspan=\"7\" class=\"detail\">");
		page_esc(b, pg->problems_note != NULL ? pg->problems_note :
		    "The API answered no request with a problem in this window.");
		ob_adds(b, "</td></tr>");
	}
	ob_adds(b, "</tbody></table></div>");
}

static const char page_css[] =
	":root{--fg:#1d2330;--mute:#5b6475;--line:#d9dde5;--bg:#f6f7f9;"
	"--card:#fff;--req:#3b6fd8;--e4:#d99a1c;--e5:#c8352b;--p95:#7a3fc4}"
	"*{box-sizing:border-box}"
	"body{margin:0;font:14px/1.4 system-ui,-apple-system,'Segoe UI',"
	"sans-serif;color:var(--fg);background:var(--bg)}"
	"header,main,footer{max-width:1880px;margin:0 auto;padding:0 16px}"
	"header{padding-top:12px}"
	"h1{font-size:20px;margin:0 0 6px}h1 span{color:var(--mute);"
	"font-weight:400}"
	"h2{font-size:15px;margin:18px 0 6px}"
	"nav{display:flex;flex-wrap:wrap;gap:6px;align-items:center}"
	"nav a,nav label{padding:4px 10px;border:1px solid var(--line);"
	"border-radius:4px;background:var(--card);color:var(--fg);"
	"text-decoration:none;cursor:pointer}"
	"nav .sep{width:12px}nav .hl{color:var(--mute)}"
	".meta{color:var(--mute);margin:6px 0 0;font-size:12px}"
	"input.w{position:absolute;opacity:0;width:1px;height:1px}"
	"#w-hour:checked~header label[for=w-hour],"
	"#w-day:checked~header label[for=w-day],"
	"#w-week:checked~header label[for=w-week]{background:var(--fg);"
	"color:#fff;border-color:var(--fg)}"
	"input.w:focus-visible~header nav{outline:2px solid var(--req)}"
	".win{display:none}"
	"#w-hour:checked~main #win-hour,#w-day:checked~main #win-day,"
	"#w-week:checked~main #win-week{display:block}"
	".tiles{display:grid;grid-template-columns:repeat(auto-fit,"
	"minmax(130px,1fr));gap:8px;margin-top:12px}"
	".tile{background:var(--card);border:1px solid var(--line);"
	"border-radius:6px;padding:8px 10px}"
	".tl{display:block;color:var(--mute);font-size:12px}"
	".tv{display:block;font-size:22px;font-weight:600;"
	"font-variant-numeric:tabular-nums}"
	".tile.warn .tv{color:var(--e4)}.tile.bad .tv{color:var(--e5)}"
	".charts{display:grid;grid-template-columns:repeat(auto-fit,"
	"minmax(300px,1fr));gap:8px;margin-top:8px}"
	".chart{margin:0;background:var(--card);border:1px solid var(--line);"
	"border-radius:6px;padding:6px 8px}"
	".chart figcaption{font-size:12px;color:var(--mute)}"
	".chart svg{display:block;width:100%;height:auto}"
	".ax{stroke:#8a93a3;stroke-width:1}.grid{stroke:var(--line);"
	"stroke-width:1;stroke-dasharray:3 3}"
	".lab{font-size:10px;fill:var(--mute)}"
	"rect.req{fill:var(--req)}rect.e4{fill:var(--e4)}rect.e5{fill:var(--e5)}"
	"polyline.p95{fill:none;stroke:var(--p95);stroke-width:1.5}"
	"circle.p95{fill:var(--p95)}"
	".tw{background:var(--card);border:1px solid var(--line);"
	"border-radius:6px}"
	"table{width:100%;border-collapse:collapse;"
	"font-variant-numeric:tabular-nums}"
	"th,td{padding:5px 8px;border-bottom:1px solid var(--line);"
	"text-align:right;white-space:nowrap;vertical-align:top}"
	"th{font-size:12px;color:var(--mute);font-weight:600;background:#fafbfc}"
	"th.route,td.route,th.detail,td.detail{text-align:left;"
	"white-space:normal;overflow-wrap:anywhere}"
	"td.route{font-family:ui-monospace,monospace;font-size:13px}"
	"td.detail{min-width:12em}"
	"tfoot td{font-weight:600;border-bottom:0}"
	"td.warn{color:var(--e4)}td.bad{color:var(--e5)}"
	"code.rid{font-size:12px;overflow-wrap:anywhere;white-space:normal}"
	"table.problems td:nth-child(3){text-align:left;white-space:normal}"
	"footer{color:var(--mute);font-size:12px;padding-bottom:24px}"
	"footer p{margin:14px 0 0}";

/* See overview.h. */
char *
ov_html(const struct ov_stream *s, const struct ov_page *pg)
{
	struct ov_win	 win;
	struct buf	 b;
	char		 t[40];
	size_t		 i;
	int		 w;

	buf_init(&b, PAGE_MAX);
	page_time(pg->now, "%Y-%m-%d %H:%M:%S UTC", t, sizeof(t));
	ob_adds(&b, "<!doctype html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	    "content=\"width=device-width,initial-scale=1\">"
	    /* no favicon request: nothing but the page itself */
	    "<link rel=\"icon\" href=\"data:,\">"
	    "<title>bootstack ops: ");
	page_esc(&b, pg->title);
	ob_printf(&b, "</title><style>%s</style></head><body>\n", page_css);
	for (w = 0; w < OV__WINDOWS; w++)
		ob_printf(&b, "<input class=\"w\" type=\"radio\" name=\"w\" "
		    "id=\"w-%s\"%s aria-label=\"%s\">",
		    ov_window_name((enum ov_window)w), w == 0 ? " checked" : "",
		    page_labels[w]);
	ob_adds(&b, "\n<header><h1>API overview <span>");
	page_esc(&b, pg->title);
	ob_adds(&b, "</span></h1><nav id=\"nav\">");
	for (w = 0; w < OV__WINDOWS; w++)
		ob_printf(&b, "<label for=\"w-%s\">%s</label>",
		    ov_window_name((enum ov_window)w), page_labels[w]);
	ob_adds(&b, "<span class=\"sep\"></span>"
	    "<a id=\"goaccess\" href=\"goaccess.html\">GoAccess report</a>"
	    "<a href=\"index.json\">JSON</a>");
	if (pg->up != NULL) {
		ob_adds(&b, "<a href=\"");
		page_esc(&b, pg->up);
		ob_adds(&b, "\">All hosts</a>");
	}
	if (pg->nhosts > 0)
		ob_adds(&b, "<span class=\"sep\"></span><span class=\"hl\">"
		    "Hosts:</span>");
	for (i = 0; i < pg->nhosts; i++) {
		ob_adds(&b, "<a class=\"host\" href=\"hosts/");
		page_esc(&b, pg->hosts[i]);
		ob_adds(&b, "/\">");
		page_esc(&b, pg->hosts[i]);
		ob_adds(&b, "</a>");
	}
	ob_printf(&b, "</nav><p class=\"meta\">Updated %s by <code>bootstack "
	    "report</code>; %llu requests counted (%llu left out by [report] "
	    "exclude, %llu older than a week). Times are UTC.</p></header>\n"
	    "<main>", t, (unsigned long long)s->lines,
	    (unsigned long long)s->excluded, (unsigned long long)s->old);
	for (w = 0; w < OV__WINDOWS; w++) {
		const char	*wn = ov_window_name((enum ov_window)w);
		char		 id[48], cap[96];

		if (ov_summarize(s, (enum ov_window)w, pg->now, &win) == -1) {
			buf_cleanup(&b);
			return (NULL);
		}
		ob_printf(&b, "\n<section class=\"win\" id=\"win-%s\">", wn);
		page_tiles(&b, &win, wn);
		ob_adds(&b, "<div class=\"charts\">");
		snprintf(id, sizeof(id), "chart-traffic-%s", wn);
		snprintf(cap, sizeof(cap), "Requests per %s", page_step[w]);
		page_bars(&b, &win, id, cap, 0);
		snprintf(id, sizeof(id), "chart-errors-%s", wn);
		snprintf(cap, sizeof(cap), "Errors per %s: 4xx (amber), 5xx "
		    "(red)", page_step[w]);
		page_bars(&b, &win, id, cap, 1);
		snprintf(id, sizeof(id), "chart-p95-%s", wn);
		snprintf(cap, sizeof(cap), "p95 latency per %s", page_step[w]);
		page_p95(&b, &win, id, cap);
		ob_adds(&b, "</div>");
		page_routes(&b, &win, wn, page_labels[w]);
		page_problems(&b, &win, wn, pg);
		ob_adds(&b, "</section>");
		ov_win_cleanup(&win);
	}
	ob_printf(&b, "\n</main><footer><p>Latency is nginx's $request_time "
	    "(what the client waited) and, under API, $upstream_response_time "
	    "(the API alone). Percentiles are nearest-rank over the window's "
	    "merged histograms: exact below %d ms, otherwise at most %.1f%% "
	    "low. A route is the API's template from its OpenAPI document; "
	    "%s is every request no template matches (scanners, typos, the "
	    "dashboard itself). To follow a request id: <code>grep ID "
	    "/var/log/bootstack/nginx-access.log</code> and the API's log "
	    "(docs/dashboard.md).</p></footer></body></html>\n", HIST_EXACT,
	    100.0 / HIST_SUB, OV_NOROUTE);
	return (ob_finish(&b));
}
