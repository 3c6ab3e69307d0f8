/*
 * A job's page (lib/hub/hubpage.h): its summary, steps, artifacts with
 * their signatures, attempts, recipe and log; and the live fragment the
 * page's script fetches to follow a job that runs.
 */
#include <sys/types.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <curl/curl.h>

#include "hubpage.h"
#include "hubpage_impl.h"
#include "hubreq.h"

#define LOG_SHOWN	20000	/* records of a log on the page */
#define LIVE_BATCH	2000	/* records a live update carries */
#define RECS_MAX	(RECIPE_MAX * 4 + 64LL * 1024 * 1024)

struct step {
	char	*name;
	char	 state[16];	/* pending, started, or its result */
	char	 exit[24];	/* rc or signal */
	char	 elapsed[24];
	char	 t[24];		/* when it started, Unix seconds */
};

struct view {
	struct hubdb	*h;
	long long	 id;
	long long	 n;		/* the attempt shown */
	long long	 last;		/* the job's attempt */
	long long	 records;	/* of attempt n */
	long long	 now;		/* Unix seconds */
	long long	 seq;		/* the last record rendered */
	size_t		 nlog;		/* records rendered */
	int		 changed;	/* steps or artifacts may have */
	struct buf	*recs;		/* hubdb_job's records */
	struct record	 job;
	struct record	 r;
	struct step	*steps;
	size_t		 nsteps;
	struct buf	*b;
};

static int
final(const struct view *v)
{
	const char *s = hubpage_get(&v->job, "state");

	return strcmp(s, "queued") != 0 && strcmp(s, "running") != 0 &&
	    strcmp(s, "waiting") != 0;
}

static struct step *
step_find(struct view *v, const char *name)
{
	struct step *s;
	size_t i;

	for (i = 0; i < v->nsteps; i++)
		if (strcmp(v->steps[i].name, name) == 0)
			return &v->steps[i];
	if (v->nsteps >= RECIPE_NSTEPS * 2 || (s = reallocarray(v->steps,
	    v->nsteps + 1, sizeof(*s))) == NULL)
		return NULL;
	v->steps = s;
	s = &v->steps[v->nsteps];
	memset(s, 0, sizeof(*s));
	if ((s->name = strdup(name)) == NULL)
		return NULL;
	(void)strlcpy(s->state, "pending", sizeof(s->state));
	v->nsteps++;
	return s;
}

static void
steps_free(struct view *v)
{
	size_t i;

	for (i = 0; i < v->nsteps; i++)
		free(v->steps[i].name);
	free(v->steps);
	v->steps = NULL;
	v->nsteps = 0;
}

/* Reads the steps of the recipe and the shown attempt's records. */
static int
read_job(void *arg, const struct record *r)
{
	struct view *v = arg;

	if (record_is(r, "step"))
		(void)step_find(v, hubpage_get(r, "name"));
	else if (record_is(r, "attempt") &&
	    strtonum(hubpage_get(r, "n"), 1, INT_MAX, NULL) == v->n)
		v->records = strtonum(hubpage_get(r, "records"), 0,
		    HUBDB_SEQ_MAX, NULL);
	return 0;
}

/* Takes a status record of the log into the steps. */
static int
take_status(void *arg, long long seq, const char *line, size_t len)
{
	struct view *v = arg;
	struct step *s;
	const char *st;

	(void)seq;
	if (len < 7 || memcmp(line, "status ", 7) != 0 ||
	    record_parse(&v->r, line, len, NULL) == -1 ||
	    (s = step_find(v, hubpage_get(&v->r, "step"))) == NULL)
		return 0;
	st = hubpage_get(&v->r, "state");
	if (strcmp(st, "started") == 0) {
		(void)strlcpy(s->state, "started", sizeof(s->state));
		(void)strlcpy(s->t, hubpage_get(&v->r, "t"), sizeof(s->t));
	} else if (strcmp(st, "finished") == 0) {
		(void)strlcpy(s->state, *hubpage_get(&v->r, "result") ?
		    hubpage_get(&v->r, "result") : "finished",
		    sizeof(s->state));
		(void)strlcpy(s->exit, *hubpage_get(&v->r, "rc") ?
		    hubpage_get(&v->r, "rc") : hubpage_get(&v->r, "signal"),
		    sizeof(s->exit));
		(void)strlcpy(s->elapsed, hubpage_get(&v->r, "elapsed"),
		    sizeof(s->elapsed));
		if (*s->t == '\0')
			(void)strlcpy(s->t, hubpage_get(&v->r, "t"),
			    sizeof(s->t));
	}
	return 0;
}

/*
 * Reads job id: its records, attempt n (0: the last), the steps of its
 * recipe and what the log of that attempt says of them.
 */
static int
view_read(struct view *v, struct hubdb *h, long long id, long long n,
    long long now, struct bb_error *err)
{
	int rv;

	memset(v, 0, sizeof(*v));
	v->h = h;
	v->id = id;
	v->now = now / 1000;
	record_init(&v->job);
	record_init(&v->r);
	if ((v->recs = buf_new(RECS_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "job %lld", id);
		return -1;
	}
	if ((rv = hubdb_job(h, id, hubreq_add_rec, v->recs, err)) != HUB_OK)
		return rv;
	/* The job record comes first: its attempt says which is the last. */
	if (record_parse(&v->job, v->recs->data, strcspn(v->recs->data,
	    "\n"), err) == -1)
		return -1;
	v->last = strtonum(hubpage_get(&v->job, "attempt"), 0, INT_MAX, NULL);
	v->n = n > 0 && n <= v->last ? n : v->last;
	if (hubpage_each(v->recs, read_job, v) == -1) {
		bb_error_errno(err, EX_OSERR, "job %lld", id);
		return -1;
	}
	return HUB_OK;
}

/* Reads the steps' state from the log. */
static int
view_steps(struct view *v, struct bb_error *err)
{
	long long n = v->n;

	if (v->n == 0)
		return HUB_OK;
	return hubdb_log(v->h, v->id, &n, 0, 0, take_status, v, err);
}

static void
view_free(struct view *v)
{
	steps_free(v);
	buf_free(v->recs);
	record_free(&v->job);
	record_free(&v->r);
}

/* The summary: name, state, worker, attempt, times, requirements. */
static void
summary(struct view *v, struct buf *b)
{
	const struct record *j = &v->job;
	const char *s;

	(void)buf_adds(b, "<section id=\"summary\"><h2 class=\"title\">");
	hubpage_esc(b, hubpage_get(j, "name"));
	(void)buf_addc(b, ' ');
	hubpage_badge(b, hubpage_get(j, "state"));
	(void)buf_adds(b, "</h2>\n<dl class=\"facts\">");
	if (*(s = hubpage_get(j, "reason")) != '\0') {
		(void)buf_adds(b, "<dt>reason</dt><dd>");
		hubpage_esc(b, s);
		(void)buf_adds(b, "</dd>");
	}
	if (*(s = hubpage_get(j, "worker")) != '\0') {
		(void)buf_adds(b, "<dt>worker</dt><dd>");
		hubpage_esc(b, s);
		(void)buf_addf(b, " <span class=\"dim\">attempt %lld", v->last);
		if (*(s = hubpage_get(j, "attempts")) != '\0') {
			(void)buf_adds(b, " of ");
			hubpage_esc(b, s);
		}
		(void)buf_adds(b, "</span></dd>");
	}
	if (*(s = hubpage_get(j, "config")) != '\0') {
		(void)buf_adds(b, "<dt>configuration</dt><dd>");
		hubpage_esc(b, s);
		(void)buf_adds(b, "</dd>");
	}
	if (*(s = hubpage_get(j, "platform")) != '\0') {
		(void)buf_adds(b, "<dt>platform</dt><dd>");
		hubpage_esc(b, s);
		(void)buf_adds(b, "</dd>");
	}
	(void)buf_adds(b, "<dt>submitted</dt><dd>");
	hubpage_ago(b, v->now, hubpage_get(j, "submitted"), 0);
	(void)buf_adds(b, "</dd>");
	if (*(s = hubpage_get(j, "started")) != '\0') {
		(void)buf_adds(b, "<dt>started</dt><dd>");
		hubpage_ago(b, v->now, s, 0);
		(void)buf_adds(b, "</dd>");
	}
	if (strcmp(hubpage_get(j, "state"), "running") == 0) {
		(void)buf_adds(b, "<dt>running for</dt><dd>");
		hubpage_ago(b, v->now, s, 1);
		(void)buf_adds(b, "</dd>");
	} else if (*(s = hubpage_get(j, "finished")) != '\0') {
		(void)buf_adds(b, "<dt>finished</dt><dd>");
		hubpage_ago(b, v->now, s, 0);
		if (*(s = hubpage_get(j, "elapsed")) != '\0') {
			(void)buf_adds(b, ", took ");
			hubpage_secs(b, s);
		}
		(void)buf_adds(b, "</dd>");
	}
	(void)buf_adds(b, "<dt>requires</dt><dd>");
	if (*(s = hubpage_get(j, "require")) == '\0')
		(void)buf_adds(b, "<span class=\"dim\">nothing</span>");
	else if (*s == '=') {
		(void)buf_adds(b, "exactly ");
		hubpage_esc(b, s + 1);
	} else
		hubpage_esc(b, s);
	(void)buf_adds(b, "</dd><dt>source</dt><dd><code title=\"");
	hubpage_esc(b, hubpage_get(j, "source"));
	(void)buf_adds(b, "\">");
	(void)hubpage_escape(b, hubpage_get(j, "source"),
	    strnlen(hubpage_get(j, "source"), 16));
	(void)buf_adds(b, "</code> ");
	hubpage_size(b, hubpage_get(j, "size"));
	(void)buf_adds(b, "</dd></dl></section>\n");
}

/* A stage of the job's chain: a row of the pipeline's table. */
static int
stage_row(void *arg, const struct record *r)
{
	struct view *v = arg;
	struct buf *b = v->b;
	const char *id = hubpage_get(r, "id");

	if (!record_is(r, "pipeline"))
		return 0;
	(void)buf_addf(b, "<tr%s>", strtoll(id, NULL, 10) == v->id ?
	    " class=\"current\"" : "");
	hubpage_td(b, "stage", "num");
	hubpage_esc(b, hubpage_get(r, "stage"));
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "job", NULL);
	(void)buf_adds(b, "<a href=\"");
	hubpage_esc(b, id);
	(void)buf_adds(b, "\">");
	hubpage_esc(b, id);
	(void)buf_adds(b, "</a></td>");
	hubpage_td(b, "name", "wrap");
	hubpage_esc(b, hubpage_get(r, "name"));
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "state", NULL);
	hubpage_badge(b, hubpage_get(r, "state"));
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "worker", NULL);
	hubpage_esc(b, hubpage_get(r, "worker"));
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "artifacts", "num");
	hubpage_esc(b, hubpage_get(r, "artifacts"));
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "reason", "wrap small");
	hubpage_esc(b, hubpage_get(r, "reason"));
	return buf_adds(b, "</td></tr>\n");
}

/* The job's chain of stages, when it is one of several. */
static void
pipeline(struct view *v, struct buf *b)
{
	if (*hubpage_get(&v->job, "stages") == '\0')
		return;
	(void)buf_adds(b, "<section id=\"pipeline\"><h2>Pipeline <span "
	    "class=\"n\">");
	hubpage_esc(b, hubpage_get(&v->job, "stages"));
	(void)buf_adds(b, " stages</span></h2>\n");
	hubpage_table(b, "stage|job|name|state|worker|artifacts|reason");
	v->b = b;
	(void)hubpage_each(v->recs, stage_row, v);
	(void)buf_adds(b, "</tbody></table></section>\n");
}

static void
steps(struct view *v, struct buf *b)
{
	struct step *s;
	const char *state;
	size_t i;

	(void)buf_addf(b, "<section id=\"steps\"><h2>Steps <span class=\"n\">"
	    "%zu</span></h2>\n", v->nsteps);
	if (v->nsteps == 0) {
		(void)buf_adds(b, "<p class=\"none\">none</p></section>\n");
		return;
	}
	hubpage_table(b, "step|result|exit|took|started");
	for (i = 0; i < v->nsteps; i++) {
		s = &v->steps[i];
		state = s->state;
		if (strcmp(state, "started") == 0)
			state = final(v) ? "unfinished" : "running";
		else if (strcmp(state, "pending") == 0 && final(v))
			state = "not run";
		(void)buf_addf(b, "<tr%s>", strcmp(state, "running") == 0 ?
		    " class=\"current\"" : "");
		hubpage_td(b, "step", "wrap");
		hubpage_esc(b, s->name);
		(void)buf_adds(b, "</td>");
		hubpage_td(b, "result", NULL);
		if (strcmp(state, "not run") == 0 ||
		    strcmp(state, "pending") == 0)
			(void)buf_addf(b, "<span class=\"pending\">%s</span>",
			    state);
		else
			hubpage_badge(b, state);
		(void)buf_adds(b, "</td>");
		hubpage_td(b, "exit", "num");
		hubpage_esc(b, s->exit);
		(void)buf_adds(b, "</td>");
		hubpage_td(b, "took", "num");
		if (strcmp(state, "running") == 0)
			hubpage_ago(b, v->now, s->t, 1);
		else
			hubpage_secs(b, s->elapsed);
		(void)buf_adds(b, "</td>");
		hubpage_td(b, "started", "num");
		if (*s->t != '\0')
			hubpage_ago(b, v->now, s->t, 0);
		(void)buf_adds(b, "</td></tr>\n");
	}
	(void)buf_adds(b, "</tbody></table></section>\n");
}

/* The names of attempt n's artifacts, to find their signatures. */
struct arts {
	long long	  n;
	char		**name;
	size_t		  count;
};

static int
art_name(void *arg, const struct record *r)
{
	struct arts *a = arg;
	char **p;

	if (!record_is(r, "artifact") ||
	    strtonum(hubpage_get(r, "attempt"), 1, INT_MAX, NULL) != a->n)
		return 0;
	if ((p = reallocarray(a->name, a->count + 1, sizeof(*p))) == NULL)
		return -1;
	a->name = p;
	if ((p[a->count] = strdup(hubpage_get(r, "name"))) == NULL)
		return -1;
	a->count++;
	return 0;
}

static const char *const sig_ext[] = { ".sig", ".minisig", ".p7s" };

static int
art_has(const struct arts *a, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < a->count; i++)
		if (strlen(a->name[i]) == len &&
		    memcmp(a->name[i], name, len) == 0)
			return 1;
	return 0;
}

/* Returns 1 if name is the signature of another artifact of a. */
static int
is_sig(const struct arts *a, const char *name)
{
	size_t i, n = strlen(name), e;

	for (i = 0; i < nitems(sig_ext); i++) {
		e = strlen(sig_ext[i]);
		if (n > e && strcmp(name + n - e, sig_ext[i]) == 0 &&
		    art_has(a, name, n - e))
			return 1;
	}
	return 0;
}

/*
 * Appends a link to artifact name of the attempt: each part of the path
 * %-encoded, the slashes kept.
 */
static void
art_link(struct buf *b, const struct view *v, const char *name,
    const char *text)
{
	const char *p;
	char *u;
	size_t n;

	(void)buf_addf(b, "<a download href=\"%lld/artifacts", v->id);
	for (p = name; *p != '\0'; p += n + (p[n] == '/')) {
		n = strcspn(p, "/");
		if ((u = curl_easy_escape(NULL, p, (int)n)) == NULL)
			return;
		(void)buf_addc(b, '/');
		hubpage_esc(b, u);
		curl_free(u);
	}
	(void)buf_addf(b, "?attempt=%lld\">", v->n);
	hubpage_esc(b, text);
	(void)buf_adds(b, "</a>");
}

struct artrow {
	struct view	*v;
	struct arts	*a;
	struct buf	*b;
};

static int
art_row(void *arg, const struct record *r)
{
	struct artrow *x = arg;
	struct buf *b = x->b;
	const char *name = hubpage_get(r, "name"), *sha;
	char *sig;
	size_t i, k = 0;

	if (!record_is(r, "artifact") ||
	    strtonum(hubpage_get(r, "attempt"), 1, INT_MAX, NULL) !=
	    x->v->n || is_sig(x->a, name))
		return 0;
	(void)buf_adds(b, "<tr>");
	hubpage_td(b, "artifact", "wrap");
	art_link(b, x->v, name, name);
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "size", "num");
	hubpage_size(b, hubpage_get(r, "size"));
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "sha256", NULL);
	sha = hubpage_get(r, "sha256");
	(void)buf_adds(b, "<code title=\"");
	hubpage_esc(b, sha);
	(void)buf_adds(b, "\">");
	(void)hubpage_escape(b, sha, strnlen(sha, 16));
	(void)buf_adds(b, "</code></td>");
	hubpage_td(b, "signature", NULL);
	for (i = 0; i < nitems(sig_ext); i++) {
		if (asprintf(&sig, "%s%s", name, sig_ext[i]) == -1)
			continue;
		if (art_has(x->a, sig, strlen(sig))) {
			(void)buf_adds(b, k++ ? ", " : "");
			art_link(b, x->v, sig, sig_ext[i] + 1);
		}
		free(sig);
	}
	if (k == 0)
		(void)buf_adds(b, "<span class=\"dim\">none</span>");
	return buf_adds(b, "</td></tr>\n");
}

static void
artifacts(struct view *v, struct buf *b)
{
	struct arts a;
	struct artrow x;
	size_t i, shown = 0;

	memset(&a, 0, sizeof(a));
	a.n = v->n;
	(void)hubpage_each(v->recs, art_name, &a);
	for (i = 0; i < a.count; i++)
		shown += !is_sig(&a, a.name[i]);
	(void)buf_addf(b, "<section id=\"artifacts\"><h2>Artifacts "
	    "<span class=\"n\">%zu</span></h2>\n", shown);
	if (shown == 0)
		(void)buf_addf(b, "<p class=\"none\">%s</p>", final(v) ?
		    "none" : "none yet");
	else {
		hubpage_table(b, "artifact|size|sha256|signature");
		x.v = v;
		x.a = &a;
		x.b = b;
		(void)hubpage_each(v->recs, art_row, &x);
		(void)buf_adds(b, "</tbody></table>");
	}
	(void)buf_adds(b, "</section>\n");
	for (i = 0; i < a.count; i++)
		free(a.name[i]);
	free(a.name);
}

static int
attempt_row(void *arg, const struct record *r)
{
	struct view *v = arg;
	struct buf *b = v->b;
	const char *n = hubpage_get(r, "n");

	if (!record_is(r, "attempt"))
		return 0;
	(void)buf_adds(b, "<tr>");
	hubpage_td(b, "attempt", NULL);
	(void)buf_adds(b, "<a href=\"?attempt=");
	hubpage_esc(b, n);
	(void)buf_adds(b, "\">");
	hubpage_esc(b, n);
	(void)buf_adds(b, "</a></td>");
	hubpage_td(b, "worker", NULL);
	hubpage_esc(b, hubpage_get(r, "worker"));
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "started", "num");
	hubpage_ago(b, v->now, hubpage_get(r, "started"), 0);
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "end", NULL);
	hubpage_esc(b, hubpage_get(r, "end"));
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "result", NULL);
	if (*hubpage_get(r, "result") != '\0')
		hubpage_badge(b, hubpage_get(r, "result"));
	(void)buf_adds(b, "</td>");
	hubpage_td(b, "records", "num");
	hubpage_esc(b, hubpage_get(r, "records"));
	return buf_adds(b, "</td></tr>\n");
}

/* The recipe's records, one a line. */
static int
recipe_line(void *arg, const struct record *r)
{
	struct buf *b = arg;
	const char *v;
	size_t i, len;

	if (record_is(r, "job") || record_is(r, "attempt") ||
	    record_is(r, "artifact") || record_is(r, "pipeline"))
		return 0;
	hubpage_esc(b, r->type);
	for (i = 0; i < r->nf; i++) {
		(void)buf_addc(b, ' ');
		hubpage_esc(b, record_key(r, i));
		(void)buf_addc(b, '=');
		v = record_val(r, i, &len);
		(void)hubpage_escape(b, v, len);
	}
	return buf_addc(b, '\n');
}

/* The log: the output of the steps, with a line where each starts. */
static int
log_text(void *arg, long long seq, const char *line, size_t len)
{
	struct view *v = arg;
	struct record *r = &v->r;
	struct buf *b = v->b;
	const char *d;
	size_t dlen;

	v->seq = seq;
	v->nlog++;
	if (record_parse(r, line, len, NULL) == -1)
		return 0;
	if (record_is(r, "log")) {
		if ((d = record_getn(r, "data", &dlen)) == NULL)
			return 0;
		if (*hubpage_get(r, "fd") != '2')
			return hubpage_escape(b, d, dlen);
		(void)buf_adds(b, "<span class=\"err\">");
		(void)hubpage_escape(b, d, dlen);
		return buf_adds(b, "</span>");
	}
	if (record_is(r, "status") || record_is(r, "artifact") ||
	    record_is(r, "sig"))
		v->changed = 1;
	if (record_is(r, "status") &&
	    strcmp(hubpage_get(r, "state"), "started") == 0) {
		(void)buf_adds(b, "<span class=\"step\">== ");
		hubpage_esc(b, hubpage_get(r, "step"));
		return buf_adds(b, "</span>");
	}
	if (record_is(r, "done") || record_is(r, "error")) {
		v->changed = 1;
		(void)buf_adds(b, "<span class=\"end ");
		hubpage_esc(b, hubpage_get(r, "result"));
		(void)buf_adds(b, "\">== ");
		hubpage_esc(b, r->type);
		(void)buf_addc(b, ' ');
		hubpage_esc(b, *hubpage_get(r, "result") ?
		    hubpage_get(r, "result") : hubpage_get(r, "msg"));
		if (*hubpage_get(r, "reason") != '\0') {
			(void)buf_addc(b, ' ');
			hubpage_esc(b, hubpage_get(r, "reason"));
		}
		return buf_adds(b, "</span>");
	}
	return 0;
}

int
hubpage_job(struct hubdb *h, long long id, long long n, int all,
    long long now, struct buf *b, struct bb_error *err)
{
	struct view v;
	char title[64];
	long long after = 0, ln;
	int rv;

	if ((rv = view_read(&v, h, id, n, now, err)) != HUB_OK ||
	    (rv = view_steps(&v, err)) != HUB_OK)
		goto out;
	(void)snprintf(title, sizeof(title), "job %lld", id);
	hubpage_head(b, "../", title, "job", v.now, !final(&v));
	(void)buf_addf(b, " data-job=\"%lld\" data-attempt=\"%lld\" "
	    "data-last=\"%lld\" data-state=\"", id, v.n, v.last);
	hubpage_esc(b, hubpage_get(&v.job, "state"));
	(void)buf_addf(b, "\">\n<header class=\"top\"><h1><a href=\"../\">"
	    "bb hub</a> <span class=\"crumb\">/ job %lld</span></h1>"
	    "<span id=\"live\"></span></header>\n<main id=\"main\">\n", id);
	summary(&v, b);
	pipeline(&v, b);
	steps(&v, b);
	artifacts(&v, b);
	if (v.last > 1 || v.n > 0) {
		(void)buf_addf(b, "<details id=\"attempts\"%s><summary>"
		    "Attempts <span class=\"n\">%lld</span></summary>\n",
		    v.last > 1 ? " open" : "", v.last);
		hubpage_table(b, "attempt|worker|started|end|result|records");
		v.b = b;
		(void)hubpage_each(v.recs, attempt_row, &v);
		(void)buf_adds(b, "</tbody></table></details>\n");
	}
	(void)buf_adds(b, "<details id=\"recipe\"><summary>Recipe</summary>"
	    "<pre class=\"recipe\">");
	(void)hubpage_each(v.recs, recipe_line, b);
	(void)buf_adds(b, "</pre></details>\n");

	(void)buf_adds(b, "<section id=\"log-section\"><h2>Log");
	if (v.n > 0)
		(void)buf_addf(b, " <span class=\"n\">attempt %lld</span>",
		    v.n);
	(void)buf_adds(b, "</h2>\n");
	if (!all && v.records > LOG_SHOWN) {
		after = v.records - LOG_SHOWN;
		(void)buf_addf(b, "<p class=\"dim\">%lld earlier records are "
		    "not shown: <a href=\"?attempt=%lld&amp;all=1\">the whole "
		    "log</a></p>\n", after, v.n);
	}
	(void)buf_adds(b, "<pre class=\"log\" id=\"log\">");
	v.b = b;
	v.seq = after;
	if (v.n > 0) {
		ln = v.n;
		if ((rv = hubdb_log(h, id, &ln, after, 0, log_text, &v, err)) !=
		    HUB_OK)
			goto out;
	}
	(void)buf_adds(b, "</pre>\n");
	if (v.n == 0)
		(void)buf_adds(b, "<p class=\"none\" id=\"nolog\">no log yet: "
		    "the job has not started</p>\n");
	/* Where the script follows the log from. */
	(void)buf_addf(b, "<p hidden id=\"after\" data-after=\"%lld\"></p>\n"
	    "</section>\n", v.seq);
	if (hubpage_foot(b, "../") == -1) {
		bb_error_set(err, EX_SOFTWARE, "job page too large");
		rv = -1;
		goto out;
	}
	rv = HUB_OK;
out:
	view_free(&v);
	return rv;
}

int
hubpage_live(struct hubdb *h, long long id, long long n, long long after,
    long long now, struct buf *b, struct bb_error *err)
{
	struct view v;
	struct buf *more = NULL;
	long long ln;
	int rv;

	if ((rv = view_read(&v, h, id, 0, now, err)) != HUB_OK)
		goto out;
	if (n != v.last) {
		/* Another attempt started: the page is no longer its. */
		(void)buf_addf(b, "<div id=\"live\" data-reload=\"1\" "
		    "data-attempt=\"%lld\"></div>\n", v.last);
		rv = HUB_OK;
		goto out;
	}
	if ((more = buf_new(LIVE_BATCH * (RECORD_MAX + 64LL))) == NULL) {
		bb_error_errno(err, EX_OSERR, "job %lld", id);
		rv = -1;
		goto out;
	}
	v.b = more;
	v.seq = after;
	if (v.n > 0) {
		ln = v.n;
		if ((rv = hubdb_log(h, id, &ln, after, LIVE_BATCH, log_text, &v,
		    err)) != HUB_OK)
			goto out;
	}
	(void)buf_addf(b, "<div id=\"live\" data-now=\"%lld\" data-attempt="
	    "\"%lld\" data-after=\"%lld\" data-more=\"%d\" data-state=\"",
	    v.now, v.n, v.seq, v.nlog == LIVE_BATCH);
	hubpage_esc(b, hubpage_get(&v.job, "state"));
	(void)buf_adds(b, "\">\n");
	summary(&v, b);
	if (v.changed || after == 0 || final(&v)) {
		if ((rv = view_steps(&v, err)) != HUB_OK)
			goto out;
		steps(&v, b);
		artifacts(&v, b);
	}
	(void)buf_adds(b, "<pre id=\"more\">");
	(void)buf_add(b, more->data, more->len);
	if (buf_adds(b, "</pre></div>\n") == -1) {
		bb_error_set(err, EX_SOFTWARE, "job %lld: too large", id);
		rv = -1;
		goto out;
	}
	rv = HUB_OK;
out:
	buf_free(more);
	view_free(&v);
	return rv;
}
