#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubasset.h"
#include "hubconn.h"
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

const char *const hubsrv_results[HUBSRV_RESULTS] = {
	"success", "failure", "timeout", "cancelled", "error"
};

static const char *const states[] = {
	"queued", "running", "waiting", "success", "failure", "timeout",
	"cancelled", "error"
};

struct counts {
	long long	n[nitems(states)];
	long long	workers;
	long long	connected;
	long long	slots;		/* of the connected workers */
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
count_worker(void *arg, const struct record *rec)
{
	struct counts *c = arg;
	const char *v = record_get(rec, "connected");
	long long slots;

	c->workers++;
	if (v == NULL || strcmp(v, "1") != 0)
		return 0;
	c->connected++;
	if (record_get_num(rec, "slots", 0, LLONG_MAX, &slots, NULL) == 0)
		c->slots += slots;
	return 0;
}

/* A family of one sample without labels. */
static void
one(struct buf *b, const char *name, const char *type, const char *help,
    unsigned long long v)
{
	(void)hubmetrics_family(b, name, type, help);
	(void)hubmetrics_sample(b, name, NULL, NULL, v);
}

void
hubpublic_metrics(struct hubreq *r)
{
	struct hub_server *s = r->s;
	struct hubdb_metrics st;
	struct hubconns_news cn;
	struct counts c;
	struct gcstats g;
	struct buf *b;
	struct bb_error err;
	long long now = hub_now();
	char code[16];
	size_t i;

	memset(&c, 0, sizeof(c));
	memset(&g, 0, sizeof(g));
	if (hubdb_count(s->hd->db, count_state, &c, &err) == -1 ||
	    hubdb_stats(s->hd->db, gc_stat, &g, &err) == -1 ||
	    hubdb_workers(s->hd->db, now, hubsrv_connected_window(s),
	    count_worker, &c, &err) == -1 ||
	    hubdb_metrics(s->hd->db, &st, &err) == -1) {
		hubreq_fail(r, 503, "unavailable", "%s", err.msg);
		return;
	}
	if ((b = buf_new(1024 * 1024)) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		return;
	}
	(void)hubmetrics_family(b, "bb_hub_jobs", "gauge", "Jobs by state.");
	for (i = 0; i < nitems(states); i++)
		(void)hubmetrics_sample(b, "bb_hub_jobs", "state", states[i],
		    (unsigned long long)c.n[i]);
	one(b, "bb_hub_queue_length", "gauge", "Jobs waiting for a worker.",
	    (unsigned long long)st.queued);
	one(b, "bb_hub_queue_oldest_seconds", "gauge",
	    "How long the oldest queued job has waited.",
	    st.oldest > 0 && now > st.oldest ?
	    (unsigned long long)(now - st.oldest) / 1000 : 0);
	one(b, "bb_hub_claims_total", "counter", "Jobs handed to workers.",
	    s->m.claims);
	one(b, "bb_hub_claims_parked", "gauge", "Claims waiting for a job.",
	    s->nwaiters);
	one(b, "bb_hub_lease_expiries_total", "counter",
	    "Leases that ran out.", s->m.expiries);
	one(b, "bb_hub_events_total", "counter",
	    "Records stored from workers.", s->m.events);
	one(b, "bb_hub_log_bytes_total", "counter",
	    "Bytes of the records stored from workers.", s->m.log_bytes);
	one(b, "bb_hub_log_stored_bytes", "gauge",
	    "Bytes of the records the hub holds, of every attempt.",
	    (unsigned long long)st.log_bytes);
	(void)hubmetrics_family(b, "bb_hub_flushes_total", "counter",
	    "Flushes to disk: database commits, log files.");
	(void)hubmetrics_sample(b, "bb_hub_flushes_total", "file", "database",
	    hubdb_flushes(s->hd->db));
	(void)hubmetrics_sample(b, "bb_hub_flushes_total", "file", "log",
	    s->hd->logs->flushes);
	one(b, "bb_hub_received_bytes_total", "counter",
	    "Request body bytes.", s->m.bytes);
	one(b, "bb_hub_workers", "gauge", "Workers the hub knows.",
	    (unsigned long long)c.workers);
	one(b, "bb_hub_workers_connected", "gauge", "Workers seen lately.",
	    (unsigned long long)c.connected);
	one(b, "bb_hub_worker_slots", "gauge",
	    "Slots of the connected workers.", (unsigned long long)c.slots);
	(void)hubmetrics_family(b, "bb_hub_build_duration_seconds",
	    "histogram", "Attempts that a worker finished, by result.");
	for (i = 0; i < HUBSRV_RESULTS; i++)
		(void)hubmetrics_hist(b, "bb_hub_build_duration_seconds",
		    "result", hubsrv_results[i], &s->m.durations[i]);
	(void)hubmetrics_family(b, "bb_hub_requests_total", "counter",
	    "Answers by HTTP status.");
	for (i = 0; i < nitems(s->m.codes); i++) {
		if (s->m.codes[i] == 0)
			continue;
		(void)snprintf(code, sizeof(code), "%zu", i);
		(void)hubmetrics_sample(b, "bb_hub_requests_total", "code",
		    code, s->m.codes[i]);
	}
	memset(&cn, 0, sizeof(cn));
	if (s->conns != NULL)
		hubconns_totals(s->conns, &cn);
	one(b, "bb_hub_connections_open", "gauge",
	    "Connections open now, parked claims included.",
	    (unsigned long long)cn.open);
	(void)hubmetrics_family(b, "bb_hub_connections_refused_total",
	    "counter", "Connections the hub would not serve, by why: over a "
	    "limit (answered 503), over the cap and its reserve (shed), past "
	    "a read deadline (dropped).");
	(void)hubmetrics_sample(b, "bb_hub_connections_refused_total", "why",
	    "limit", cn.refused);
	(void)hubmetrics_sample(b, "bb_hub_connections_refused_total", "why",
	    "shed", cn.shed);
	(void)hubmetrics_sample(b, "bb_hub_connections_refused_total", "why",
	    "deadline", cn.dropped);
	one(b, "bb_hub_gc_jobs_removed_total", "counter",
	    "Jobs removed by retention.", (unsigned long long)g.jobs);
	one(b, "bb_hub_gc_blobs_removed_total", "counter",
	    "Sources and artifacts removed.", (unsigned long long)g.blobs);
	one(b, "bb_hub_gc_removed_bytes_total", "counter",
	    "Bytes of blobs and logs removed.", (unsigned long long)g.bytes);
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
		    HUBREQ_HTML));
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
	long long n, all;

	if (hubreq_num_arg(r, "attempt", 1, INT_MAX, 0, &n) == -1 ||
	    hubreq_num_arg(r, "all", 0, 1, 0, &all) == -1)
		return;
	if ((b = buf_new(PAGE_MAX)) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		return;
	}
	send_page(r, hubpage_job(r->s->hd->db, r->id, n, (int)all, hub_now(),
	    b, &err), b, &err);
}

void
hubpublic_live(struct hubreq *r)
{
	struct buf *b;
	struct bb_error err;
	long long n, after;

	if (hubreq_num_arg(r, "attempt", 0, INT_MAX, 0, &n) == -1 ||
	    hubreq_num_arg(r, "after", 0, HUBDB_SEQ_MAX, 0, &after) == -1)
		return;
	if ((b = buf_new(PAGE_MAX)) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		return;
	}
	send_page(r, hubpage_live(r->s->hd->db, r->id, n, after, hub_now(), b,
	    &err), b, &err);
}

void
hubpublic_asset(struct hubreq *r)
{
	const struct hubasset *a;

	if ((a = hubasset_find(r->route->pattern)) == NULL) {
		hubreq_fail(r, 404, "not-found", "no such file");
		return;
	}
	hubreq_send(r, 200, hubreq_response(a->data, a->len, a->type));
}
