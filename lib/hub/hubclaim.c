#include <sys/types.h>

#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "hubclaim.h"
#include "hubreq.h"
#include "hubsrv.h"

#define QUEUE_MAX	10000	/* queued jobs wake() looks at */

/* A queued job and what it requires (lib/hub/hubdb.h hubdb_queued). */
struct queued {
	long long	 id;
	char		*require;
};

struct queue {
	struct queued	*v;
	size_t		 n;
};

/* What wake() knows of the queue for one set of capabilities. */
struct capsview {
	const char	*caps;
	size_t		 pos;	/* jobs before it are taken or do not fit */
};

static void
unpark(struct hubreq *r, struct MHD_Response *resp, unsigned int status)
{
	struct hub_server *s = r->s;

	if (!r->parked)
		return;
	TAILQ_REMOVE(&s->waiters, r, entry);
	s->nwaiters--;
	r->parked = 0;
	if (r->resp == NULL) {
		r->resp = resp;
		r->status = status;
	} else if (resp != NULL)
		MHD_destroy_response(resp);
	MHD_resume_connection(r->c);
	s->resumed = 1;
}

static void
answer_nothing(struct hubreq *r)
{
	unpark(r, hubreq_response("", 0, HUBREQ_TEXT), 204);
}

static int
gone(struct hubreq *r)
{
	const union MHD_ConnectionInfo *ci;
	struct pollfd pfd;

	ci = MHD_get_connection_info(r->c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return 1;
	pfd.fd = ci->connect_fd;
	pfd.events = POLLRDHUP;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) == -1)
		return 0;
	return (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

void
hubclaim_claim(struct hubreq *r)
{
	struct hub_server *s = r->s;
	const char *v, *errstr = NULL;
	long long wait = 0;

	if ((v = hubreq_arg(r, "wait")) != NULL) {
		wait = strtonum(v, 0, 86400, &errstr);
		if (errstr != NULL) {
			hubreq_fail(r, 400, "malformed", "wait=%s: %s", v,
			    errstr);
			return;
		}
	}
	wait *= 1000;
	if (wait > s->conf.maxwait)
		wait = s->conf.maxwait;
	/*
	 * Every claim is parked, a wait of 0 too: wake() hands out jobs to
	 * all of the parked claims in one transaction (one flush to disk),
	 * then answers those with nothing that have waited long enough.
	 */
	r->until = hub_now() + wait;
	r->parked = 1;
	TAILQ_INSERT_TAIL(&s->waiters, r, entry);
	s->nwaiters++;
	s->wake = 1;
	MHD_suspend_connection(r->c);
}

/*
 * Claims a job for r (only job only if > 0) and readies its answer in
 * r->resp.  Returns a lib/hub/hubdb.h outcome.
 */
static int
try_claim(struct hubreq *r, long long only)
{
	struct hub_server *s = r->s;
	struct record job;
	struct buf *recipe = NULL, *out = NULL;
	struct bb_error err;
	long long id;
	const char *lease;
	int rv = -1;

	record_init(&job);
	if ((recipe = buf_new(HUB_SUBMIT_MAX)) == NULL ||
	    (out = buf_new(HUB_SUBMIT_MAX + RECORD_MAX)) == NULL) {
		hubsrv_log(s, "claim: out of memory");
		goto out;
	}
	rv = hubdb_claim(s->hd->db, r->worker, r->caps, only, hub_now(),
	    s->conf.ttl, &job, recipe, &err);
	if (rv == -1)
		hubsrv_log(s, "claim: %s", err.msg);
	if (rv != HUB_OK)
		goto out;
	(void)record_get_num(&job, "id", 1, LLONG_MAX, &id, NULL);
	lease = record_get(&job, "lease");
	(void)record_setf(&job, NULL, "source", "/v1/jobs/%lld/source", id);
	(void)record_setf(&job, NULL, "ttl", "%lld", s->conf.ttl / 1000);
	(void)record_setf(&job, NULL, "keepalive", "%lld",
	    s->conf.keepalive / 1000);
	if (record_encode(&job, out, NULL) == -1 ||
	    buf_add(out, recipe->data, recipe->len) == -1 ||
	    (r->resp = hubreq_response(out->data, out->len, HUBREQ_TEXT)) ==
	    NULL) {
		/* Answered 500; the lease will run out. */
		hubsrv_log(s, "job %lld: cannot make the claim's answer", id);
		rv = -1;
		goto out;
	}
	r->status = 200;
	r->claimed = id;
	(void)strlcpy(r->claimlease, lease, sizeof(r->claimlease));
	s->m.claims++;
	hubsrv_log(s, "job %lld: attempt %s to %s", id,
	    record_get(&job, "attempt"), r->worker);
out:
	buf_free(recipe);
	buf_free(out);
	record_free(&job);
	return rv;
}

static int
add_queued(void *arg, long long id, const char *require)
{
	struct queue *q = arg;
	struct queued *nv;

	if (q->n >= QUEUE_MAX)
		return -1;
	if ((nv = reallocarray(q->v, q->n + 1, sizeof(*nv))) == NULL)
		return -1;
	q->v = nv;
	if ((q->v[q->n].require = strdup(require)) == NULL)
		return -1;
	q->v[q->n].id = id;
	q->n++;
	return 0;
}

void
hubclaim_give(struct hub_server *s, struct hubclaim_given *g, int own)
{
	struct queue q = { NULL, 0 };
	struct capsview *views = NULL, *nv, *v;
	struct hubreq *w, *t;
	struct bb_error err;
	char *taken = NULL;
	size_t i, k, nviews = 0;
	int rv;

	memset(g, 0, sizeof(*g));
	s->wake = 0;
	if (TAILQ_EMPTY(&s->waiters))
		return;
	if (hubdb_queued(s->hd->db, add_queued, &q, &err) == -1) {
		hubsrv_log(s, "queue: %s", err.msg);
		goto out;
	}
	if (q.n == 0)
		goto out;
	if ((taken = calloc(q.n, 1)) == NULL ||
	    (g->v = calloc(s->nwaiters, sizeof(*g->v))) == NULL)
		goto out;
	if (own) {
		if (hubdb_batch(s->hd->db, 1, &err) == -1) {
			hubsrv_log(s, "claims: %s", err.msg);
			goto out;
		}
		g->batch = 1;
	}
	TAILQ_FOREACH_SAFE(w, &s->waiters, entry, t) {
		if (w->resp != NULL)
			continue;
		for (k = 0; k < nviews; k++)
			if (strcmp(views[k].caps, w->caps) == 0)
				break;
		if (k == nviews) {
			if ((nv = reallocarray(views, nviews + 1,
			    sizeof(*nv))) == NULL)
				break;
			views = nv;
			views[nviews].caps = w->caps;
			views[nviews++].pos = 0;
		}
		v = &views[k];
		while (v->pos < q.n && (taken[v->pos] ||
		    !hubdb_caps_match(q.v[v->pos].require, w->caps)))
			v->pos++;
		for (i = v->pos; i < q.n; i++) {
			if (taken[i] ||
			    !hubdb_caps_match(q.v[i].require, w->caps))
				continue;
			if (hubdb_declined(s->hd->db, q.v[i].id, w->worker,
			    &err) == 0)
				break;
		}
		if (i == q.n)
			continue;
		if (gone(w)) {
			answer_nothing(w);
			continue;
		}
		rv = try_claim(w, q.v[i].id);
		taken[i] = 1;
		if (rv == HUB_OK)
			g->v[g->n++] = w;
		else if (rv == HUB_NONE)
			s->wake = 1;	/* the queue changed: look again */
	}
out:
	for (i = 0; i < q.n; i++)
		free(q.v[i].require);
	free(q.v);
	free(views);
	free(taken);
}

void
hubclaim_settle(struct hub_server *s, struct hubclaim_given *g,
    int committed)
{
	struct hubreq *w, *t;
	struct bb_error err;
	long long now = hub_now();
	size_t k;

	if (g->batch && hubdb_batch(s->hd->db, 0, &err) == -1) {
		hubsrv_log(s, "claims: %s", err.msg);
		committed = 0;
	}
	if (!committed) {
		/* Nothing was claimed after all. */
		for (k = 0; k < g->n; k++) {
			MHD_destroy_response(g->v[k]->resp);
			g->v[k]->resp = NULL;
			g->v[k]->claimed = 0;
			s->m.claims--;
			unpark(g->v[k], hubreq_error_resp(503, "unavailable",
			    "the hub could not record the claim", NULL, NULL),
			    503);
		}
		g->n = 0;
	}
	for (k = 0; k < g->n; k++)
		unpark(g->v[k], NULL, 0);
	TAILQ_FOREACH_SAFE(w, &s->waiters, entry, t)
		if (w->until <= now && w->resp == NULL)
			answer_nothing(w);
	free(g->v);
	memset(g, 0, sizeof(*g));
}

void
hubclaim_wake(struct hub_server *s)
{
	struct hubclaim_given g;

	hubclaim_give(s, &g, 1);
	hubclaim_settle(s, &g, 1);
}

/* Answers the parked claims whose client went away. */
void
hubclaim_sweep(struct hub_server *s)
{
	const union MHD_ConnectionInfo *ci;
	struct pollfd *pfd;
	struct hubreq *w, *t;
	size_t n = 0, i;

	if (s->nwaiters == 0)
		return;
	if ((pfd = calloc(s->nwaiters, sizeof(*pfd))) == NULL)
		return;
	TAILQ_FOREACH(w, &s->waiters, entry) {
		ci = MHD_get_connection_info(w->c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		pfd[n].fd = ci != NULL ? ci->connect_fd : -1;
		pfd[n].events = POLLRDHUP;
		n++;
	}
	if (poll(pfd, n, 0) > 0) {
		i = 0;
		TAILQ_FOREACH_SAFE(w, &s->waiters, entry, t) {
			if (pfd[i++].revents & (POLLRDHUP | POLLHUP |
			    POLLERR | POLLNVAL))
				answer_nothing(w);
		}
	}
	free(pfd);
}

void
hubclaim_expire(struct hub_server *s, long long now)
{
	struct hubreq *w, *t;

	TAILQ_FOREACH_SAFE(w, &s->waiters, entry, t)
		if (w->until <= now)
			answer_nothing(w);
}

void
hubclaim_stop(struct hub_server *s)
{
	struct hubreq *w, *t;

	TAILQ_FOREACH_SAFE(w, &s->waiters, entry, t)
		unpark(w, hubreq_error_resp(503, "unavailable",
		    "the hub is stopping", NULL, NULL), 503);
}

void
hubclaim_release(struct hub_server *s)
{
	struct hubreq *w, *t;

	TAILQ_FOREACH_SAFE(w, &s->waiters, entry, t)
		unpark(w, NULL, 0);
}

void
hubclaim_done(struct hubreq *r, int delivered)
{
	struct hub_server *s = r->s;
	struct bb_error err;
	int rv;

	if (r->parked) {
		TAILQ_REMOVE(&s->waiters, r, entry);
		s->nwaiters--;
		r->parked = 0;
	}
	if (r->claimed > 0 && !delivered) {
		rv = hubdb_unclaim(s->hd->db, r->claimed, r->claimlease, &err);
		if (rv == HUB_OK) {
			hubsrv_log(s, "job %lld: the claim's answer did not "
			    "reach %s; back in the queue", r->claimed,
			    r->worker);
			s->wake = 1;
		} else if (rv == -1)
			hubsrv_log(s, "job %lld: %s", r->claimed, err.msg);
	}
}
