#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "hubpage.h"

#define RECENT		50	/* finished builds on the status page */

static const char style[] =
	"<style>body{font-family:sans-serif;margin:1em 2em}"
	"table{border-collapse:collapse}td,th{padding:2px 8px;"
	"text-align:left;border-bottom:1px solid #ddd}"
	"pre{background:#f6f6f6;padding:8px;white-space:pre-wrap}"
	".success{color:#070}.failure,.error,.timeout{color:#a00}"
	".cancelled{color:#777}.running{color:#05a}</style>\n";

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

static int
esc(struct buf *b, const char *s)
{
	return hubpage_escape(b, s ? s : "", s ? strlen(s) : 0);
}

static const char *
get(const struct record *r, const char *key)
{
	const char *v = record_get(r, key);

	return v ? v : "";
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

static void
stamp(struct buf *b, const char *secs)
{
	char s[32];

	(void)hubpage_time(secs, s, sizeof(s));
	(void)buf_adds(b, s);
}

static void
head(struct buf *b, const char *title, int refresh)
{
	(void)buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\">");
	if (refresh)
		(void)buf_adds(b, "<meta http-equiv=\"refresh\" "
		    "content=\"10\">");
	(void)buf_adds(b, "<title>");
	(void)esc(b, title);
	(void)buf_adds(b, "</title>\n");
	(void)buf_adds(b, style);
	(void)buf_adds(b, "</head><body>\n");
}

struct page {
	struct buf	*b;
	const char	*base;	/* "" on /, "../" on /jobs/N */
	int		 n;
};

static int
worker_row(void *arg, const struct record *r)
{
	struct page *p = arg;
	struct buf *b = p->b;

	p->n++;
	(void)buf_adds(b, "<tr><td>");
	(void)esc(b, get(r, "name"));
	(void)buf_adds(b, strcmp(get(r, "connected"), "1") == 0 ?
	    "</td><td>yes" : "</td><td>no");
	(void)buf_adds(b, "</td><td>");
	(void)esc(b, get(r, "caps"));
	(void)buf_adds(b, "</td><td>");
	(void)esc(b, get(r, "slots"));
	(void)buf_adds(b, "</td><td>");
	(void)esc(b, get(r, "os"));
	(void)buf_addc(b, ' ');
	(void)esc(b, get(r, "arch"));
	(void)buf_adds(b, "</td><td>");
	(void)esc(b, get(r, "info.host"));
	(void)buf_adds(b, "</td><td>");
	(void)esc(b, get(r, "info.admin"));
	(void)buf_adds(b, "</td><td>");
	if (*get(r, "last_seen") != '\0' && strcmp(get(r, "last_seen"), "0"))
		stamp(b, get(r, "last_seen"));
	(void)buf_adds(b, "</td><td>");
	(void)esc(b, get(r, "running"));
	return buf_adds(b, "</td></tr>\n");
}

static int
job_row(void *arg, const struct record *r)
{
	struct page *p = arg;
	struct buf *b = p->b;
	const char *state = get(r, "state");

	p->n++;
	(void)buf_addf(b, "<tr><td><a href=\"%sjobs/", p->base);
	(void)esc(b, get(r, "id"));
	(void)buf_adds(b, "\">");
	(void)esc(b, get(r, "id"));
	(void)buf_adds(b, "</a></td><td>");
	(void)esc(b, get(r, "name"));
	(void)buf_adds(b, "</td><td class=\"");
	(void)esc(b, state);
	(void)buf_adds(b, "\">");
	(void)esc(b, state);
	(void)buf_adds(b, "</td><td>");
	(void)esc(b, get(r, "attempt"));
	(void)buf_adds(b, "</td><td>");
	(void)esc(b, get(r, "worker"));
	(void)buf_adds(b, "</td><td>");
	stamp(b, get(r, "submitted"));
	(void)buf_adds(b, "</td><td>");
	if (*get(r, "elapsed") != '\0') {
		(void)esc(b, get(r, "elapsed"));
		(void)buf_adds(b, " s");
	}
	(void)buf_adds(b, "</td><td>");
	(void)esc(b, get(r, "require"));
	return buf_adds(b, "</td></tr>\n");
}

static const char jobs_head[] = "<table><tr><th>job</th><th>name</th>"
	"<th>state</th><th>attempt</th><th>worker</th><th>submitted</th>"
	"<th>duration</th><th>requires</th></tr>\n";

static int
section(struct hubdb *h, struct page *p, const char *title,
    const char *state, long long limit, struct bb_error *err)
{
	struct buf *b = p->b;

	(void)buf_addf(b, "<h2>%s</h2>\n%s", title, jobs_head);
	p->n = 0;
	if (hubdb_jobs(h, state, limit, job_row, p, err) == -1)
		return -1;
	(void)buf_adds(b, "</table>\n");
	if (p->n == 0)
		(void)buf_adds(b, "<p>none</p>\n");
	return 0;
}

static int
finished_row(void *arg, const struct record *r)
{
	const char *state = get(r, "state");

	if (strcmp(state, "queued") == 0 || strcmp(state, "running") == 0 ||
	    ((struct page *)arg)->n >= RECENT)
		return 0;
	return job_row(arg, r);
}

int
hubpage_index(struct hubdb *h, long long now, long long window,
    struct buf *b, struct bb_error *err)
{
	struct page p = { b, "", 0 };

	head(b, "bb hub", 1);
	(void)buf_adds(b, "<h1>bb hub</h1>\n<h2>Workers</h2>\n<table><tr>"
	    "<th>name</th><th>connected</th><th>capabilities</th>"
	    "<th>slots</th><th>system</th><th>host</th><th>admin</th>"
	    "<th>last seen</th><th>running</th></tr>\n");
	if (hubdb_workers(h, now, window, worker_row, &p, err) == -1)
		return -1;
	(void)buf_adds(b, "</table>\n");
	if (p.n == 0)
		(void)buf_adds(b, "<p>none</p>\n");
	if (section(h, &p, "Running", "running", 1000, err) == -1 ||
	    section(h, &p, "Queue", "queued", 1000, err) == -1)
		return -1;
	(void)buf_addf(b, "<h2>Recent builds</h2>\n%s", jobs_head);
	p.n = 0;
	if (hubdb_jobs(h, NULL, RECENT + 2000, finished_row, &p, err) == -1)
		return -1;
	(void)buf_adds(b, "</table>\n");
	if (buf_adds(b, "</body></html>\n") == -1) {
		bb_error_set(err, EX_SOFTWARE, "status page too large");
		return -1;
	}
	return 0;
}

struct jobpage {
	struct buf	*b;
	int		 attempts;
	int		 artifacts;
	char		 state[16];
};

static int
job_part(void *arg, const struct record *r)
{
	struct jobpage *jp = arg;
	struct buf *b = jp->b;
	size_t i, len;
	const char *v;

	if (record_is(r, "job")) {
		(void)strlcpy(jp->state, get(r, "state"), sizeof(jp->state));
		(void)buf_adds(b, "<table>\n");
		for (i = 0; i < r->nf; i++) {
			(void)buf_adds(b, "<tr><th>");
			(void)esc(b, record_key(r, i));
			(void)buf_adds(b, "</th><td>");
			v = record_val(r, i, &len);
			if (hubpage_time_key(record_key(r, i)))
				stamp(b, v);
			else
				(void)hubpage_escape(b, v, len);
			(void)buf_adds(b, "</td></tr>\n");
		}
		return buf_adds(b, "</table>\n<h2>Recipe</h2>\n<pre>");
	}
	if (record_is(r, "attempt")) {
		if (jp->attempts++ == 0)
			(void)buf_adds(b, "</pre>\n<h2>Attempts</h2>\n<table>"
			    "<tr><th>n</th><th>worker</th><th>started</th>"
			    "<th>end</th><th>result</th></tr>\n");
		(void)buf_adds(b, "<tr><td>");
		(void)esc(b, get(r, "n"));
		(void)buf_adds(b, "</td><td>");
		(void)esc(b, get(r, "worker"));
		(void)buf_adds(b, "</td><td>");
		stamp(b, get(r, "started"));
		(void)buf_adds(b, "</td><td>");
		(void)esc(b, get(r, "end"));
		(void)buf_adds(b, "</td><td>");
		(void)esc(b, get(r, "result"));
		return buf_adds(b, "</td></tr>\n");
	}
	if (record_is(r, "artifact")) {
		if (jp->artifacts++ == 0)
			(void)buf_addf(b, "%s<h2>Artifacts</h2>\n<table><tr>"
			    "<th>attempt</th><th>name</th><th>size</th>"
			    "<th>sha256</th></tr>\n", jp->attempts ?
			    "</table>\n" : "</pre>\n");
		(void)buf_adds(b, "<tr><td>");
		(void)esc(b, get(r, "attempt"));
		(void)buf_adds(b, "</td><td>");
		(void)esc(b, get(r, "name"));
		(void)buf_adds(b, "</td><td>");
		(void)esc(b, get(r, "size"));
		(void)buf_adds(b, "</td><td><code>");
		(void)esc(b, get(r, "sha256"));
		return buf_adds(b, "</code></td></tr>\n");
	}
	/* The recipe's records, one a line. */
	(void)esc(b, r->type);
	for (i = 0; i < r->nf; i++) {
		(void)buf_addc(b, ' ');
		(void)esc(b, record_key(r, i));
		(void)buf_addc(b, '=');
		v = record_val(r, i, &len);
		(void)hubpage_escape(b, v, len);
	}
	return buf_addc(b, '\n');
}

struct logpage {
	struct buf	*b;
	struct record	 r;
	int		 steps;
};

/* The steps: a table of status records. */
static int
log_step(void *arg, long long seq, const char *line, size_t len)
{
	struct logpage *lp = arg;
	struct buf *b = lp->b;

	(void)seq;
	if (record_parse(&lp->r, line, len, NULL) == -1 ||
	    !record_is(&lp->r, "status") ||
	    strcmp(get(&lp->r, "state"), "finished") != 0)
		return 0;
	if (lp->steps++ == 0)
		(void)buf_adds(b, "<h2>Steps</h2>\n<table><tr><th>step</th>"
		    "<th>result</th><th>exit</th><th>seconds</th></tr>\n");
	(void)buf_adds(b, "<tr><td>");
	(void)esc(b, get(&lp->r, "step"));
	(void)buf_adds(b, "</td><td class=\"");
	(void)esc(b, get(&lp->r, "result"));
	(void)buf_adds(b, "\">");
	(void)esc(b, get(&lp->r, "result"));
	(void)buf_adds(b, "</td><td>");
	(void)esc(b, *get(&lp->r, "rc") ? get(&lp->r, "rc") :
	    get(&lp->r, "signal"));
	(void)buf_adds(b, "</td><td>");
	(void)esc(b, get(&lp->r, "elapsed"));
	return buf_adds(b, "</td></tr>\n");
}

/* The log: the output of the steps, with a line where each starts. */
static int
log_text(void *arg, long long seq, const char *line, size_t len)
{
	struct logpage *lp = arg;
	struct buf *b = lp->b;
	const char *v;
	size_t vlen;

	(void)seq;
	if (record_parse(&lp->r, line, len, NULL) == -1)
		return 0;
	if (record_is(&lp->r, "log")) {
		if ((v = record_getn(&lp->r, "data", &vlen)) == NULL)
			return 0;
		if (!(*get(&lp->r, "fd") == '2'))
			return hubpage_escape(b, v, vlen);
		(void)buf_adds(b, "<span class=\"failure\">");
		(void)hubpage_escape(b, v, vlen);
		return buf_adds(b, "</span>");
	}
	if (record_is(&lp->r, "status") &&
	    strcmp(get(&lp->r, "state"), "started") == 0) {
		(void)buf_adds(b, "<b>== ");
		(void)esc(b, get(&lp->r, "step"));
		return buf_adds(b, "</b>\n");
	}
	if (record_is(&lp->r, "done") || record_is(&lp->r, "error")) {
		(void)buf_adds(b, "<b>== ");
		(void)esc(b, lp->r.type);
		(void)buf_addc(b, ' ');
		(void)esc(b, *get(&lp->r, "result") ? get(&lp->r, "result") :
		    get(&lp->r, "msg"));
		(void)buf_addc(b, ' ');
		(void)esc(b, get(&lp->r, "reason"));
		return buf_adds(b, "</b>\n");
	}
	return 0;
}

int
hubpage_job(struct hubdb *h, long long id, struct buf *b,
    struct bb_error *err)
{
	struct jobpage jp;
	struct logpage lp;
	char title[64];
	long long n = 0;
	int rv;

	memset(&jp, 0, sizeof(jp));
	jp.b = b;
	(void)snprintf(title, sizeof(title), "bb hub: job %lld", id);
	head(b, title, 0);
	(void)buf_addf(b, "<p><a href=\"../\">hub</a></p>\n<h1>job %lld</h1>\n",
	    id);
	if ((rv = hubdb_job(h, id, job_part, &jp, err)) != HUB_OK)
		return rv;
	(void)buf_adds(b, jp.attempts || jp.artifacts ? "</table>\n" :
	    "</pre>\n");
	memset(&lp, 0, sizeof(lp));
	lp.b = b;
	record_init(&lp.r);
	rv = hubdb_log(h, id, &n, 0, 0, log_step, &lp, err);
	if (rv == HUB_OK && lp.steps > 0)
		(void)buf_adds(b, "</table>\n");
	if (rv == HUB_OK) {
		(void)buf_addf(b, "<h2>Log (attempt %lld)</h2>\n<pre>", n);
		rv = hubdb_log(h, id, &n, 0, 0, log_text, &lp, err);
		(void)buf_adds(b, "</pre>\n");
	}
	record_free(&lp.r);
	if (rv != HUB_OK)
		return rv;
	if (buf_adds(b, "</body></html>\n") == -1) {
		bb_error_set(err, EX_SOFTWARE, "job page too large");
		return -1;
	}
	return HUB_OK;
}
