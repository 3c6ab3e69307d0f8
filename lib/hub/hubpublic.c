#include <stdlib.h>
#include <string.h>

#include "hubpage.h"
#include "hubpublic.h"
#include "hubreq.h"
#include "hubsrv.h"

#define PAGE_MAX	(512 * 1024 * 1024)

void
hubpublic_health(struct hubreq *r)
{
	struct bb_error err;

	if (hubdb_ping(r->s->hd->db, &err) == -1) {
		hubreq_fail(r, 503, "unavailable", "%s", err.msg);
		return;
	}
	hubreq_send(r, 200, hubreq_response("ok\n", 3, HUBREQ_TEXT));
}

struct counts {
	long long	n[7];
};

static const char *const states[] = {
	"queued", "running", "success", "failure", "timeout", "cancelled",
	"error"
};

static int
count_state(void *arg, const char *state, long long n)
{
	struct counts *c = arg;
	size_t i;

	for (i = 0; i < nitems(states); i++)
		if (strcmp(state, states[i]) == 0)
			c->n[i] = n;
	return 0;
}

/* gc's counters (lib/hub/hubgc.h), as the database keeps them. */
struct gcstats {
	long long	jobs, blobs, bytes;
};

static int
gc_stat(void *arg, const char *name, long long n)
{
	struct gcstats *g = arg;

	if (strcmp(name, "gc_jobs") == 0)
		g->jobs = n;
	else if (strcmp(name, "gc_blobs") == 0)
		g->blobs = n;
	else if (strcmp(name, "gc_bytes") == 0)
		g->bytes = n;
	return 0;
}

static int
count_connected(void *arg, const struct record *rec)
{
	const char *v = record_get(rec, "connected");

	if (v != NULL && strcmp(v, "1") == 0)
		(*(long long *)arg)++;
	return 0;
}

void
hubpublic_metrics(struct hubreq *r)
{
	struct hub_server *s = r->s;
	struct counts c;
	struct gcstats g;
	struct buf *b;
	struct bb_error err;
	long long connected = 0;
	size_t i;

	memset(&c, 0, sizeof(c));
	memset(&g, 0, sizeof(g));
	if (hubdb_count(s->hd->db, count_state, &c, &err) == -1 ||
	    hubdb_stats(s->hd->db, gc_stat, &g, &err) == -1 ||
	    hubdb_workers(s->hd->db, hub_now(), hubsrv_connected_window(s),
	    count_connected, &connected, &err) == -1) {
		hubreq_fail(r, 503, "unavailable", "%s", err.msg);
		return;
	}
	if ((b = buf_new(1024 * 1024)) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		return;
	}
	(void)buf_adds(b, "# HELP bb_hub_jobs Jobs by state.\n"
	    "# TYPE bb_hub_jobs gauge\n");
	for (i = 0; i < nitems(states); i++)
		(void)buf_addf(b, "bb_hub_jobs{state=\"%s\"} %lld\n",
		    states[i], c.n[i]);
	(void)buf_addf(b,
	    "# HELP bb_hub_claims_total Jobs handed to workers.\n"
	    "# TYPE bb_hub_claims_total counter\n"
	    "bb_hub_claims_total %llu\n"
	    "# HELP bb_hub_claims_parked Claims waiting for a job.\n"
	    "# TYPE bb_hub_claims_parked gauge\n"
	    "bb_hub_claims_parked %zu\n"
	    "# HELP bb_hub_lease_expiries_total Leases that ran out.\n"
	    "# TYPE bb_hub_lease_expiries_total counter\n"
	    "bb_hub_lease_expiries_total %llu\n"
	    "# HELP bb_hub_events_total Records stored from workers.\n"
	    "# TYPE bb_hub_events_total counter\n"
	    "bb_hub_events_total %llu\n"
	    "# HELP bb_hub_received_bytes_total Request body bytes.\n"
	    "# TYPE bb_hub_received_bytes_total counter\n"
	    "bb_hub_received_bytes_total %llu\n"
	    "# HELP bb_hub_workers_connected Workers seen lately.\n"
	    "# TYPE bb_hub_workers_connected gauge\n"
	    "bb_hub_workers_connected %lld\n"
	    "# HELP bb_hub_requests_total Answers by HTTP status.\n"
	    "# TYPE bb_hub_requests_total counter\n",
	    s->m.claims, s->nwaiters, s->m.expiries, s->m.events, s->m.bytes,
	    connected);
	for (i = 0; i < nitems(s->m.codes); i++)
		if (s->m.codes[i] > 0)
			(void)buf_addf(b,
			    "bb_hub_requests_total{code=\"%zu\"} %llu\n", i,
			    s->m.codes[i]);
	(void)buf_addf(b,
	    "# HELP bb_hub_gc_jobs_removed_total Jobs removed by retention.\n"
	    "# TYPE bb_hub_gc_jobs_removed_total counter\n"
	    "bb_hub_gc_jobs_removed_total %lld\n"
	    "# HELP bb_hub_gc_blobs_removed_total Sources and artifacts "
	    "removed.\n"
	    "# TYPE bb_hub_gc_blobs_removed_total counter\n"
	    "bb_hub_gc_blobs_removed_total %lld\n"
	    "# HELP bb_hub_gc_removed_bytes_total Bytes of blobs and logs "
	    "removed.\n"
	    "# TYPE bb_hub_gc_removed_bytes_total counter\n"
	    "bb_hub_gc_removed_bytes_total %lld\n", g.jobs, g.blobs, g.bytes);
	hubreq_send(r, 200, hubreq_response(b->data, b->len,
	    "text/plain; version=0.0.4; charset=utf-8"));
	buf_free(b);
}

/* Answers with the page in b (made by rv = 0), or refuses as rv says. */
static void
send_page(struct hubreq *r, int rv, struct buf *b,
    const struct bb_error *err)
{
	if (rv == 0)
		hubreq_send(r, 200, hubreq_response(b->data, b->len,
		    "text/html; charset=utf-8"));
	else
		hubreq_fail_outcome(r, rv, err);
	buf_free(b);
}

void
hubpublic_index(struct hubreq *r)
{
	struct buf *b;
	struct bb_error err;

	if ((b = buf_new(PAGE_MAX)) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		return;
	}
	send_page(r, hubpage_index(r->s->hd->db, hub_now(),
	    hubsrv_connected_window(r->s), b, &err), b, &err);
}

void
hubpublic_job(struct hubreq *r)
{
	struct buf *b;
	struct bb_error err;

	if ((b = buf_new(PAGE_MAX)) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		return;
	}
	send_page(r, hubpage_job(r->s->hd->db, r->id, b, &err), b, &err);
}
