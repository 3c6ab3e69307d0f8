/*
 * The hub's pages (lib/hub/hubpage.h): escaping, times and the frame
 * every page shares, the reasons a queued job waits, and the status
 * page: running jobs, the queue, workers, recent builds.
 */
#include <sys/types.h>

#include <libutil.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "buildinfo.h"
#include "hubgate.h"
#include "hubpage.h"
#include "hubpage_impl.h"
#include "hubreq.h"

#define RECENT		50	/* finished builds on the status page */
#define QUEUE_SHOWN	200	/* queued jobs listed */
#define NAMES_SHOWN	3	/* workers named in a reason */

int
hubpage_escape(struct buf *b, const char *s, size_t len)
{
	const char *rep;
	size_t i;
	char x[8];

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			rep = NULL;
			break;
		}
		if (rep != NULL) {
			if (buf_adds(b, rep) == -1)
				return -1;
			continue;
		}
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			(void)snprintf(x, sizeof(x), "\\x%02x", c);
			if (buf_adds(b, x) == -1)
				return -1;
			continue;
		}
		if (buf_addc(b, c) == -1)
			return -1;
	}
	return 0;
}

void
hubpage_esc(struct buf *b, const char *s)
{
	if (s != NULL)
		(void)hubpage_escape(b, s, strlen(s));
}

const char *
hubpage_get(const struct record *r, const char *key)
{
	const char *v = record_get(r, key);

	return v ? v : "";
}

int
hubpage_each(const struct buf *b, int (*fn)(void *, const struct record *),
    void *arg)
{
	return record_each(b->data, b->len, fn, arg);
}

int
hubpage_time(const char *secs, char *s, size_t len)
{
	const char *errstr;
	struct tm tm;
	time_t t;

	t = (time_t)strtonum(secs, 1, 1LL << 40, &errstr);
	if (errstr != NULL || gmtime_r(&t, &tm) == NULL ||
	    strftime(s, len, "%Y-%m-%d %H:%M:%SZ", &tm) == 0) {
		(void)strlcpy(s, "-", len);
		return -1;
	}
	return 0;
}

int
hubpage_time_key(const char *key)
{
	return strcmp(key, "submitted") == 0 || strcmp(key, "started") == 0 ||
	    strcmp(key, "finished") == 0;
}

void
hubpage_dur(struct buf *b, long long s)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		(void)buf_addf(b, "%llds", s);
	else if (s < 3600)
		(void)buf_addf(b, "%lldm %02llds", s / 60, s % 60);
	else if (s < 86400)
		(void)buf_addf(b, "%lldh %02lldm", s / 3600, s % 3600 / 60);
	else
		(void)buf_addf(b, "%lldd %lldh", s / 86400, s % 86400 / 3600);
}

void
hubpage_secs(struct buf *b, const char *secs)
{
	char *end;
	double d;

	d = strtod(secs, &end);
	if (end == secs || *end != '\0' || !(d >= 0 && d < 1e12))
		return;
	if (d < 10)
		(void)buf_addf(b, "%.1fs", d);
	else
		hubpage_dur(b, (long long)d);
}

void
hubpage_ago(struct buf *b, long long now, const char *secs, int since)
{
	char whole[32], date[32];
	size_t n;

	/* The whole seconds of "1700000000" or "1700000000.123". */
	n = strspn(secs, "0123456789");
	if (n == 0 || n >= sizeof(whole) || (secs[n] != '\0' &&
	    secs[n] != '.') || strspn(secs + n + (secs[n] == '.'),
	    "0123456789") != strlen(secs + n + (secs[n] == '.')))
		return;
	memcpy(whole, secs, n);
	whole[n] = '\0';
	if (hubpage_time(whole, date, sizeof(date)) == -1)
		return;
	(void)buf_addf(b, "<time datetime=\"%s\" title=\"%s\" data-%s=\"%s\">",
	    date, date, since ? "since" : "ago", secs);
	hubpage_dur(b, now - strtoll(whole, NULL, 10));
	(void)buf_adds(b, since ? "</time>" : " ago</time>");
}

void
hubpage_size(struct buf *b, const char *bytes)
{
	char s[8];
	long long n;

	n = strtonum(bytes, 0, LLONG_MAX, NULL);
	/* Three digits or "1.4", a unit: "512B", "1.4K", "20M". */
	if (humanize_number(s, 5, n, "", HN_AUTOSCALE,
	    HN_B | HN_NOSPACE | HN_DECIMAL) == -1)
		return;
	(void)buf_adds(b, "<span title=\"");
	hubpage_esc(b, bytes);
	(void)buf_adds(b, " bytes\">");
	hubpage_esc(b, s);
	if (s[strlen(s) - 1] != 'B')
		(void)buf_adds(b, "iB");
	(void)buf_adds(b, "</span>");
}

void
hubpage_head(struct buf *b, const char *base, const char *title,
    const char *kind, long long now, int refresh)
{
	(void)buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n");
	if (refresh)
		(void)buf_adds(b, "<noscript><meta http-equiv=\"refresh\" "
		    "content=\"10\"></noscript>\n");
	(void)buf_adds(b, "<title>");
	hubpage_esc(b, title);
	(void)buf_addf(b, "</title>\n<link rel=\"icon\" href=\"%shub.svg\">\n"
	    "<link rel=\"stylesheet\" href=\"%shub.css\">\n"
	    "<script src=\"%shub.js\" defer></script>\n</head>\n"
	    "<body data-page=\"%s\" data-now=\"%lld\"", base, base, base, kind,
	    now);
}

int
hubpage_foot(struct buf *b, const char *base)
{
	(void)buf_addf(b, "</main>\n<footer>bb-hub %s &middot; "
	    "<a href=\"%smetrics\">metrics</a> &middot; "
	    "<a href=\"%shealthz\">health</a></footer>\n",
	    buildinfo_version(), base, base);
	return buf_adds(b, "</body></html>\n");
}

int
hubpage_signin(struct buf *b, int metrics)
{
	(void)buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
	    "content=\"width=device-width, initial-scale=1\">\n"
	    "<title>bb-hub: a token is needed</title>\n</head>\n<body>\n");
	if (metrics)
		(void)buf_adds(b, "<h1>The metrics need a token</h1>\n"
		    "<p>Sign in with any user name and, as the password, the "
		    "hub's metrics token (the file <code>metrics.token</code> "
		    "in its directory) or its admin token "
		    "(<code>admin.token</code>).</p>\n");
	else
		(void)buf_adds(b, "<h1>This page needs the admin token</h1>\n"
		    "<p>Sign in with any user name and, as the password, the "
		    "hub's admin token: the file <code>admin.token</code> in "
		    "its directory.  Or set the cookie <code>"
		    HUBGATE_COOKIE "</code> to the token.</p>\n");
	(void)buf_adds(b, "<p>The hub's administrator can make the pages "
	    "public with <code>bb-hub serve -P</code> (see bb-hub(8)).</p>\n");
	return buf_adds(b, "</body></html>\n");
}

/* The reasons a job waits */

/*
 * Appends each capability of require as <code>, joined by sep: only
 * those that none of the nw workers w has if missing.
 */
static void
caps_list(struct buf *b, const char *require, const struct hubpage_worker *w,
    size_t nw, int missing, const char *sep)
{
	const char *r;
	char one[HUBDB_CAPS_MAX + 1];
	size_t rn, i;
	int k = 0;

	/* "=CAPS", a platform: its capabilities are the ones shown. */
	for (r = require + (*require == '='); *r != '\0';
	    r += rn + (r[rn] == ',')) {
		rn = strcspn(r, ",");
		if (rn == 0 || rn >= sizeof(one))
			continue;
		memcpy(one, r, rn);
		one[rn] = '\0';
		for (i = 0; missing && i < nw; i++)
			if (hubdb_caps_match(one, w[i].caps))
				break;
		if (missing && i < nw)
			continue;
		(void)buf_adds(b, k++ ? sep : "");
		(void)buf_adds(b, "<code>");
		(void)hubpage_escape(b, r, rn);
		(void)buf_adds(b, "</code>");
	}
}

/* Appends the names of the workers that sel picks, a few of them. */
static void
names(struct buf *b, const struct hubpage_worker *w, size_t nw,
    int (*sel)(const struct hubpage_worker *, const char *),
    const char *require, int slots, long long now)
{
	size_t i, k = 0;

	for (i = 0; i < nw; i++) {
		if (!sel(&w[i], require))
			continue;
		if (k++ == NAMES_SHOWN) {
			(void)buf_adds(b, ", &hellip;");
			break;
		}
		(void)buf_adds(b, k > 1 ? ", " : "");
		hubpage_esc(b, w[i].name);
		if (slots)
			(void)buf_addf(b, " %lld/%lld", w[i].running,
			    w[i].slots);
		else if (now > 0 && w[i].seen > 0) {
			(void)buf_adds(b, " (seen ");
			hubpage_dur(b, now - w[i].seen);
			(void)buf_adds(b, " ago)");
		} else if (now > 0)
			(void)buf_adds(b, " (never seen)");
	}
}

static int
capable(const struct hubpage_worker *w, const char *require)
{
	return hubdb_caps_match(require, w->caps);
}

static int
declined(const struct hubpage_worker *w, const char *require)
{
	return capable(w, require) && w->declined;
}

static int
willing(const struct hubpage_worker *w, const char *require)
{
	return capable(w, require) && !w->declined;
}

static int
up(const struct hubpage_worker *w, const char *require)
{
	return willing(w, require) && w->connected;
}

static int
free_slot(const struct hubpage_worker *w, const char *require)
{
	return up(w, require) && w->running < w->slots;
}

/* Counts the workers that sel picks. */
static size_t
count(const struct hubpage_worker *w, size_t nw,
    int (*sel)(const struct hubpage_worker *, const char *),
    const char *require)
{
	size_t i, n = 0;

	for (i = 0; i < nw; i++)
		n += sel(&w[i], require) != 0;
	return n;
}

int
hubpage_why(struct buf *b, const char *require,
    const struct hubpage_worker *w, size_t nw, long long now)
{
	size_t len = b->len;

	if (nw == 0)
		(void)buf_adds(b, "no worker: add one with "
		    "<code>bb-hub add-worker</code>");
	else if (count(w, nw, capable, require) == 0) {
		(void)buf_adds(b, "no worker with ");
		len = b->len;
		caps_list(b, require, w, nw, 1, " or ");
		if (b->len == len) {
			/* Each is somewhere, but no worker has all. */
			(void)buf_adds(b, "all of ");
			caps_list(b, require, w, nw, 0, ", ");
		}
	} else if (count(w, nw, willing, require) == 0) {
		(void)buf_adds(b, "declined by ");
		names(b, w, nw, declined, require, 0, 0);
	} else if (count(w, nw, up, require) == 0) {
		(void)buf_adds(b, "no worker that can run it is connected: ");
		names(b, w, nw, willing, require, 0, now);
	} else if (count(w, nw, free_slot, require) == 0) {
		(void)buf_adds(b, "every worker that can run it is busy: ");
		names(b, w, nw, up, require, 1, 0);
	} else {
		(void)buf_adds(b, "waiting for a claim by ");
		names(b, w, nw, free_slot, require, 0, 0);
	}
	return b->len > len ? 0 : -1;
}

/* The status page */

struct index {
	struct hubdb		*h;
	struct buf		*b;
	long long		 now;		/* Unix seconds */
	struct hubpage_worker	*w;
	size_t			 nw;
	size_t			 up;
	size_t			 n;
};

static int
add_worker(void *arg, const struct record *r)
{
	struct index *x = arg;
	struct hubpage_worker *w, *nw;
	const char *v;

	if ((nw = reallocarray(x->w, x->nw + 1, sizeof(*x->w))) == NULL)
		return -1;
	x->w = nw;
	w = &x->w[x->nw];
	memset(w, 0, sizeof(*w));
	w->name = strdup(hubpage_get(r, "name"));
	w->caps = strdup(hubpage_get(r, "caps"));
	if (w->name == NULL || w->caps == NULL) {
		free((char *)w->name);
		free((char *)w->caps);
		return -1;
	}
	x->nw++;
	w->slots = strtonum(hubpage_get(r, "slots"), 0, INT_MAX, NULL);
	w->seen = strtonum(hubpage_get(r, "last_seen"), 0, LLONG_MAX, NULL);
	w->connected = strcmp(hubpage_get(r, "connected"), "1") == 0;
	x->up += w->connected;
	v = hubpage_get(r, "running");
	if (*v != '\0')
		for (w->running = 1; (v = strchr(v, ',')) != NULL; v++)
			w->running++;
	return 0;
}

static void
free_workers(struct index *x)
{
	size_t i;

	for (i = 0; i < x->nw; i++) {
		free((char *)x->w[i].name);
		free((char *)x->w[i].caps);
	}
	free(x->w);
}

void
hubpage_table(struct buf *b, const char *heads)
{
	const char *p;
	size_t n;

	(void)buf_adds(b, "<table class=\"list\"><thead><tr>");
	for (p = heads; *p != '\0'; p += n + (p[n] == '|')) {
		n = strcspn(p, "|");
		(void)buf_addf(b, "<th>%.*s</th>", (int)n, p);
	}
	(void)buf_adds(b, "</tr></thead><tbody>\n");
}

void
hubpage_td(struct buf *b, const char *label, const char *class)
{
	(void)buf_addf(b, "<td data-label=\"%s\"%s%s%s>", label,
	    class ? " class=\"" : "", class ? class : "", class ? "\"" : "");
}

static void
job_link(struct buf *b, const struct record *r)
{
	hubpage_td(b, "job", NULL);
	(void)buf_adds(b, "<a href=\"jobs/");
	hubpage_esc(b, hubpage_get(r, "id"));
	(void)buf_adds(b, "\">");
	hubpage_esc(b, hubpage_get(r, "id"));
	(void)buf_adds(b, "</a></td>");
	hubpage_td(b, "name", "wrap");
	hubpage_esc(b, hubpage_get(r, "name"));
	/* A job of a matrix, a stage of a chain: which. */
	if (*hubpage_get(r, "config") != '\0') {
		(void)buf_adds(b, " <span class=\"dim\">");
		hubpage_esc(b, hubpage_get(r, "config"));
		(void)buf_adds(b, "</span>");
	}
	if (*hubpage_get(r, "stage") != '\0') {
		(void)buf_adds(b, " <span class=\"dim\">stage ");
		hubpage_esc(b, hubpage_get(r, "stage"));
		(void)buf_adds(b, " of ");
		hubpage_esc(b, hubpage_get(r, "stages"));
		(void)buf_adds(b, "</span>");
	}
	(void)buf_adds(b, "</td>");
}

void
hubpage_badge(struct buf *b, const char *state)
{
	(void)buf_adds(b, "<span class=\"badge ");
	hubpage_esc(b, state);
	(void)buf_adds(b, "\">");
	hubpage_esc(b, state);
	(void)buf_adds(b, "</span>");
}

struct stepno {
	const char	*step;
	size_t		 k, n;
};

/* Counts the steps of a recipe, and finds which one is s->step. */
static int
step_no(void *arg, const struct record *r)
{
	struct stepno *s = arg;

	if (record_is(r, "step")) {
		s->n++;
		if (s->k == 0 && strcmp(hubpage_get(r, "name"), s->step) == 0)
			s->k = s->n;
	}
	return 0;
}

/* Where a running job is: its step, which of how many, since when. */
static void
where(struct index *x, long long id)
{
	struct buf *b = x->b, *recs;
	struct record st;
	struct bb_error err;
	struct stepno sn;

	record_init(&st);
	if (hubdb_last_status(x->h, id, &st, &err) != HUB_OK) {
		(void)buf_adds(b, "<span class=\"dim\">starting</span>");
		goto out;
	}
	memset(&sn, 0, sizeof(sn));
	sn.step = hubpage_get(&st, "step");
	hubpage_esc(b, sn.step);
	if ((recs = buf_new(RECORD_MAX * 64)) != NULL &&
	    hubdb_job(x->h, id, hubreq_add_rec, recs, &err) == HUB_OK &&
	    hubpage_each(recs, step_no, &sn) == 0 && sn.k > 0)
		(void)buf_addf(b, " <span class=\"dim\">%zu/%zu</span>", sn.k,
		    sn.n);
	buf_free(recs);
	if (strcmp(hubpage_get(&st, "state"), "started") == 0) {
		(void)buf_adds(b, " <span class=\"dim small\">for ");
		hubpage_ago(b, x->now, hubpage_get(&st, "t"), 1);
		(void)buf_adds(b, "</span>");
	} else
		(void)buf_adds(b, " <span class=\"dim small\">done, "
		    "finishing</span>");
out:
	record_free(&st);
}

static int
running_row(void *arg, const struct record *r)
{
	struct index *x = arg;
	struct buf *b = x->b;
	long long id;

	id = strtonum(hubpage_get(r, "id"), 1, LLONG_MAX, NULL);
	(void)buf_adds(b, "<tr>");
	job_link(b, r);
	hubpage_td(b, "step", NULL);
	where(x, id);
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "worker", NULL);
	hubpage_esc(b, hubpage_get(r, "worker"));
	if (strcmp(hubpage_get(r, "attempt"), "1") != 0) {
		(void)buf_adds(b, " <span class=\"dim small\">attempt ");
		hubpage_esc(b, hubpage_get(r, "attempt"));
		(void)buf_adds(b, "</span>");
	}
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "elapsed", "num");
	hubpage_ago(b, x->now, hubpage_get(r, "started"), 1);
	return buf_adds(b, "</td></tr>\n");
}

static int
queued_row(void *arg, const struct record *r)
{
	struct index *x = arg;
	struct buf *b = x->b;
	struct bb_error err;
	const char *req = hubpage_get(r, "require");
	long long id;
	size_t i;

	id = strtonum(hubpage_get(r, "id"), 1, LLONG_MAX, NULL);
	for (i = 0; i < x->nw; i++)
		x->w[i].declined = hubdb_caps_match(req, x->w[i].caps) &&
		    hubdb_declined(x->h, id, x->w[i].name, &err) == 1;
	(void)buf_adds(b, "<tr>");
	job_link(b, r);
	hubpage_td(b, "requires", "wrap");
	if (*req == '\0')
		(void)buf_adds(b, "<span class=\"dim\">nothing</span>");
	else {
		if (*req == '=')
			(void)buf_adds(b,
			    "<span class=\"dim\">exactly</span> ");
		caps_list(b, req, NULL, 0, 0, " ");
	}
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "waiting", "num");
	hubpage_ago(b, x->now, hubpage_get(r, "submitted"), 1);
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "why", "why");
	(void)hubpage_why(b, req, x->w, x->nw, x->now);
	return buf_adds(b, "</td></tr>\n");
}

/* A worker's health: a dot and a word. */
static void
health(struct buf *b, const struct hubpage_worker *w)
{
	const char *c, *word;

	if (w->seen == 0)
		c = "never", word = "never seen";
	else if (!w->connected)
		c = "offline", word = "offline";
	else if (w->running >= w->slots && w->slots > 0)
		c = "busy", word = "busy";
	else if (w->running > 0)
		c = "running", word = "running";
	else
		c = "idle", word = "idle";
	(void)buf_addf(b, "<span class=\"dot %s\"></span><span class=\"%s\">"
	    "%s</span>", c, c, word);
}

static int
worker_row(void *arg, const struct record *r)
{
	struct index *x = arg;
	struct buf *b = x->b;
	struct hubpage_worker *w;
	const char *v, *e, *uri;
	size_t n;

	if (x->n >= x->nw)
		return -1;
	w = &x->w[x->n++];
	(void)buf_adds(b, "<tr>");
	hubpage_td(b, "worker", "wrap");
	hubpage_esc(b, w->name);
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "health", NULL);
	health(b, w);
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "last seen", "num");
	if (w->seen > 0)
		hubpage_ago(b, x->now, hubpage_get(r, "last_seen"), 0);
	else
		(void)buf_adds(b, "&mdash;");
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "slots", "num");
	(void)buf_addf(b, "%lld/%lld", w->running, w->slots);
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "running", NULL);
	for (v = hubpage_get(r, "running"); *v != '\0'; v += n + (v[n] ==
	    ',')) {
		n = strcspn(v, ",");
		(void)buf_adds(b, "<a href=\"jobs/");
		(void)hubpage_escape(b, v, n);
		(void)buf_adds(b, "\">");
		(void)hubpage_escape(b, v, n);
		(void)buf_adds(b, v[n] == ',' ? "</a>, " : "</a>");
	}
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "capabilities", "wrap");
	caps_list(b, w->caps, NULL, 0, 0, " ");
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "system", "wrap");
	hubpage_esc(b, hubpage_get(r, "os"));
	if (*hubpage_get(r, "arch") != '\0') {
		(void)buf_adds(b, " ");
		hubpage_esc(b, hubpage_get(r, "arch"));
	}
	if (*hubpage_get(r, "version") != '\0') {
		(void)buf_adds(b, "<br><span class=\"dim small\">bb ");
		hubpage_esc(b, hubpage_get(r, "version"));
		(void)buf_adds(b, "</span>");
	}
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "tools", "wrap small");
	/* NAME=VERSION,...: "NAME VERSION, ...". */
	for (v = hubpage_get(r, "tools"); *v != '\0'; v += n + (v[n] ==
	    ',')) {
		n = strcspn(v, ",");
		e = memchr(v, '=', n);
		(void)hubpage_escape(b, v, e ? (size_t)(e - v) : n);
		if (e != NULL) {
			(void)buf_addc(b, ' ');
			(void)hubpage_escape(b, e + 1, n - (size_t)(e - v) - 1);
		}
		(void)buf_adds(b, v[n] == ',' ? ", " : "");
	}
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "host", "wrap");
	hubpage_esc(b, hubpage_get(r, "info.host"));
	if (*(v = hubpage_get(r, "info.admin")) != '\0') {
		(void)buf_adds(b, "<br><span class=\"dim small\">");
		hubpage_esc(b, v);
		(void)buf_adds(b, "</span>");
	}
	uri = hubpage_get(r, "info.access_uri");
	if (*uri != '\0') {
		(void)buf_adds(b, "<br><span class=\"small\">");
		/* A link only to what a browser opens safely. */
		if (strncmp(uri, "https://", 8) == 0 ||
		    strncmp(uri, "http://", 7) == 0 ||
		    strncmp(uri, "ssh://", 6) == 0) {
			(void)buf_adds(b, "<a rel=\"noreferrer\" href=\"");
			hubpage_esc(b, uri);
			(void)buf_adds(b, "\">");
			hubpage_esc(b, uri);
			(void)buf_adds(b, "</a>");
		} else
			hubpage_esc(b, uri);
		(void)buf_adds(b, "</span>");
	}
	return buf_adds(b, "</td></tr>\n");
}

static int
recent_row(void *arg, const struct record *r)
{
	struct index *x = arg;
	struct buf *b = x->b;
	const char *state = hubpage_get(r, "state"), *v;

	if (strcmp(state, "queued") == 0 || strcmp(state, "running") == 0 ||
	    strcmp(state, "waiting") == 0 || x->n >= RECENT)
		return 0;
	x->n++;
	(void)buf_adds(b, "<tr>");
	job_link(b, r);
	hubpage_td(b, "result", NULL);
	hubpage_badge(b, state);
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "worker", NULL);
	hubpage_esc(b, hubpage_get(r, "worker"));
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "finished", "num");
	if (*(v = hubpage_get(r, "finished")) != '\0')
		hubpage_ago(b, x->now, v, 0);
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "took", "num");
	hubpage_secs(b, hubpage_get(r, "elapsed"));
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "reason", "wrap small");
	hubpage_esc(b, hubpage_get(r, "reason"));
	return buf_adds(b, "</td></tr>\n");
}

/* Opens section id with its title and count. */
static void
section(struct buf *b, const char *id, const char *title, size_t n)
{
	(void)buf_addf(b, "<section id=\"%s\"><h2>%s <span class=\"n\">%zu"
	    "</span></h2>\n", id, title, n);
}

static void
end_section(struct buf *b, size_t n, const char *none)
{
	if (n == 0)
		(void)buf_addf(b, "<p class=\"none\">%s</p>\n", none);
	else
		(void)buf_adds(b, "</tbody></table>\n");
	(void)buf_adds(b, "</section>\n");
}

/* Returns the number of lines in b. */
static size_t
lines(const struct buf *b)
{
	size_t i, n = 0;

	for (i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	return n;
}

int
hubpage_index(struct hubdb *h, long long now, long long window,
    struct buf *b, struct bb_error *err)
{
	struct index x;
	struct hubdb_metrics st;
	struct buf *running = NULL, *queued = NULL, *workers = NULL,
	    *recent = NULL;
	char date[32], secs[32];
	size_t nrun, nq;
	int rv = -1;

	memset(&x, 0, sizeof(x));
	x.h = h;
	x.b = b;
	x.now = now / 1000;
	if ((running = buf_new(RECORD_MAX * 1024)) == NULL ||
	    (queued = buf_new(RECORD_MAX * 1024)) == NULL ||
	    (workers = buf_new(RECORD_MAX * 1024)) == NULL ||
	    (recent = buf_new(RECORD_MAX * 1024)) == NULL) {
		bb_error_errno(err, EX_OSERR, "status page");
		goto out;
	}
	if (hubdb_workers(h, now, window, hubreq_add_rec, workers, err) == -1 ||
	    hubdb_jobs(h, "running", 1000, hubreq_add_rec, running, err) ==
	    -1 ||
	    hubdb_queue(h, QUEUE_SHOWN, hubreq_add_rec, queued, err) == -1 ||
	    hubdb_metrics(h, &st, err) == -1 ||
	    hubdb_jobs(h, NULL, RECENT + 2000, hubreq_add_rec, recent, err) ==
	    -1)
		goto out;
	if (hubpage_each(workers, add_worker, &x) == -1) {
		bb_error_errno(err, EX_OSERR, "status page");
		goto out;
	}
	nrun = lines(running);
	nq = (size_t)st.queued;

	hubpage_head(b, "", "bb hub", "index", x.now, 1);
	(void)buf_adds(b, ">\n<header class=\"top\"><h1><a href=\"./\">"
	    "bb hub</a></h1><ul class=\"pills\" id=\"pills\">");
	(void)buf_addf(b, "<li><b>%zu</b> running</li><li><b>%zu</b> queued"
	    "</li><li><b>%zu</b> of %zu workers up</li></ul>", nrun, nq, x.up,
	    x.nw);
	(void)snprintf(secs, sizeof(secs), "%lld", x.now);
	(void)hubpage_time(secs, date, sizeof(date));
	(void)buf_addf(b, "<span id=\"live\">as of %s</span></header>\n"
	    "<main id=\"main\">\n", date);

	section(b, "running", "Running", nrun);
	if (nrun > 0)
		hubpage_table(b, "job|name|step|worker|elapsed");
	(void)hubpage_each(running, running_row, &x);
	end_section(b, nrun, "no job is running");

	section(b, "queue", "Queue", nq);
	if (nq > 0)
		hubpage_table(b, "job|name|requires|waiting|why");
	(void)hubpage_each(queued, queued_row, &x);
	if (nq > QUEUE_SHOWN)
		(void)buf_addf(b, "<tr><td colspan=\"5\" class=\"dim\">and "
		    "%zu more</td></tr>\n", nq - QUEUE_SHOWN);
	end_section(b, nq, "the queue is empty");

	section(b, "workers", "Workers", x.nw);
	if (x.nw > 0)
		hubpage_table(b, "worker|health|last seen|slots|running|"
		    "capabilities|system|tools|host");
	x.n = 0;
	(void)hubpage_each(workers, worker_row, &x);
	end_section(b, x.nw, "no worker yet: add one with "
	    "<code>bb-hub add-worker</code>");

	x.n = 0;
	(void)buf_adds(b, "<section id=\"recent\"><h2>Recent builds</h2>\n");
	hubpage_table(b, "job|name|result|worker|finished|took|reason");
	(void)hubpage_each(recent, recent_row, &x);
	(void)buf_adds(b, "</tbody></table>\n");
	if (x.n == 0)
		(void)buf_adds(b, "<p class=\"none\">no build has finished"
		    "</p>\n");
	(void)buf_adds(b, "</section>\n");
	if (hubpage_foot(b, "") == -1) {
		bb_error_set(err, EX_SOFTWARE, "status page too large");
		goto out;
	}
	rv = 0;
out:
	free_workers(&x);
	buf_free(running);
	buf_free(queued);
	buf_free(workers);
	buf_free(recent);
	return rv;
}
