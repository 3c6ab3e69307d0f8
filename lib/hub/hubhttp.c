#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <microhttpd.h>

#include "hubclaim.h"
#include "hubconn.h"
#include "hubgate.h"
#include "hubgc.h"
#include "hubhttp.h"
#include "hublisten.h"
#include "hubreq.h"
#include "hubroute.h"
#include "hubsrv.h"
#include "hubwake.h"
#include "hubwork.h"
#include "hubstage.h"

#define TICK_MS		200	/* timer: waits, leases, other writers */
#define SWEEP_MS	1000	/* parked claims whose client has gone */
#define STOP_MS		5000	/* requests under way get this to end */
#define GC_MS		(86400LL * 1000)	/* retention runs daily */
#define MHDLOG_MAX	5	/* libmicrohttpd's messages a second */

void
hubsrv_log(struct hub_server *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (s->conf.log == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->conf.log(s->conf.logarg, msg);
}

static void
mhd_log(void *arg, const char *fmt, va_list ap)
{
	struct hub_server *s = arg;
	char msg[1024];
	long long now = hub_now();
	size_t n;

	/* Its messages come one a connection: a flood must not flood. */
	if (now >= s->mhdlog_since + 1000) {
		s->mhdlog_since = now;
		s->mhdlog_n = 0;
	}
	if (s->mhdlog_n++ >= MHDLOG_MAX) {
		s->mhdlog_quiet++;
		return;
	}
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	hubsrv_log(s, "libmicrohttpd: %s", msg);
}

/* Transfers under way hold their job's lease. */
void
hubsrv_busy_add(struct hub_server *s, long long id)
{
	struct hubsrv_busy *nb;
	size_t i;

	for (i = 0; i < s->nbusy; i++)
		if (s->busy[i].id == id) {
			s->busy[i].n++;
			return;
		}
	if ((nb = reallocarray(s->busy, s->nbusy + 1, sizeof(*nb))) == NULL)
		return;
	s->busy = nb;
	s->busy[s->nbusy].id = id;
	s->busy[s->nbusy].n = 1;
	s->nbusy++;
}

static void
busy_del(struct hub_server *s, long long id)
{
	size_t i;

	for (i = 0; i < s->nbusy; i++)
		if (s->busy[i].id == id) {
			if (--s->busy[i].n == 0)
				s->busy[i] = s->busy[--s->nbusy];
			return;
		}
}

static int
is_busy(void *arg, long long id)
{
	struct hub_server *s = arg;
	size_t i;

	for (i = 0; i < s->nbusy; i++)
		if (s->busy[i].id == id)
			return 1;
	return 0;
}

long long
hubsrv_connected_window(const struct hub_server *s)
{
	return s->conf.maxwait + s->conf.ttl + 10000;
}

/* A request's life */

/*
 * Refuses a request without credentials on a connection over a limit
 * (lib/hub/hubconn.h): 503, and the connection closes.  The log says it
 * once a second (tick), not once a request.
 */
static void
refuse_over(struct hubreq *r)
{
	struct MHD_Response *resp;
	char msg[128];

	(void)snprintf(msg, sizeof(msg), "too many connections: from %s, or "
	    "in all", hubconn_addr(r->conn));
	resp = hubreq_error_resp(503, "unavailable", msg, NULL, NULL);
	if (resp != NULL) {
		(void)MHD_add_response_header(resp, "Retry-After",
		    HUBREQ_RETRY_AFTER);
		(void)MHD_add_response_header(resp, "Connection", "close");
	}
	hubreq_send(r, 503, resp);
}

/*
 * The request's first call: its route (404, 405 and bad parameters are
 * answered from the table), then who calls, and the body's limits.
 */
static void
first_call(struct hubreq *r, const char *url, const char *method)
{
	struct hub_server *s = r->s;
	struct hubroute_match m;
	struct MHD_Response *resp;
	const struct hubroute *rt;
	const char *v, *errstr;
	long long cl = -1;

	if (hubroute_match(method, url, strlen(url), &m) == -1) {
		if (m.status != 405) {
			hubreq_fail(r, m.status, m.reason, "%s", m.msg);
			return;
		}
		resp = hubreq_error_resp(405, m.reason, m.msg, NULL, NULL);
		if (resp != NULL)
			(void)MHD_add_response_header(resp, "Allow", m.allow);
		hubreq_send(r, 405, resp);
		return;
	}
	rt = r->route = m.route;
	r->id = m.id;
	r->name = m.name;
	if (s->stopping) {
		hubreq_fail(r, 503, "unavailable", "the hub is stopping");
		return;
	}
	if (hubgate_check(r) == -1)
		return;
	if (r->authed)
		hubconns_trust(s->conns, r->conn);
	else if (hubconns_over(s->conns, r->conn)) {
		refuse_over(r);
		return;
	}
	if ((v = hubreq_header(r, "Content-Length")) != NULL) {
		cl = strtonum(v, 0, LLONG_MAX, &errstr);
		if (errstr != NULL) {
			hubreq_fail(r, 400, "malformed", "bad Content-Length");
			return;
		}
	}
	if (rt->body > 0) {
		if (cl > (long long)rt->body) {
			hubreq_fail(r, 413, "too-large", "the body is over %zu "
			    "bytes", rt->body);
			return;
		}
		/* Room for the whole body at once: no copy as it grows. */
		if ((r->body = buf_new(rt->body)) == NULL ||
		    (cl > 0 && buf_reserve(r->body, (size_t)cl) == NULL)) {
			hubreq_fail(r, 500, "internal", "out of memory");
			return;
		}
	}
	if (rt->start != NULL)
		rt->start(r, cl);
}

/* The request's last call, with its whole body: its handler answers. */
static void
last_call(struct hubreq *r)
{
	if (r->toolarge) {
		if (r->w != NULL) {
			blob_writer_abort(r->w);
			r->w = NULL;
		}
		if (r->ioerr)
			hubreq_fail(r, 500, "internal", "the hub cannot store "
			    "the body");
		else if (r->route->body > 0)
			hubreq_fail(r, 413, "too-large", "the body is over %zu "
			    "bytes", r->route->body);
		else
			hubreq_fail(r, 413, "too-large", "the body is too "
			    "large");
		return;
	}
	r->route->handler(r);
}

/* Takes a piece of the body: into the blob store or the record body. */
static void
take_body(struct hubreq *r, const char *data, size_t len)
{
	struct bb_error err;

	if (r->answered || r->toolarge)
		return;
	if (r->w != NULL) {
		if (blob_writer_add(r->w, data, len, &err) == -1) {
			if (!blob_writer_toolarge(r->w)) {
				hubsrv_log(r->s, "upload: %s", err.msg);
				r->ioerr = 1;
			}
			r->toolarge = 1;
		}
	} else if (r->body != NULL) {
		if (buf_add(r->body, data, len) == -1)
			r->toolarge = 1;
	}
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *datalen, void **con_cls)
{
	struct hub_server *s = cls;
	struct hubreq *r = *con_cls;
	const union MHD_ConnectionInfo *ci;

	(void)version;
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		r->s = s;
		r->c = c;
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		r->conn = ci != NULL ? ci->socket_context : NULL;
		*con_cls = r;
	}
	if (!r->started) {
		r->started = 1;
		/* The head is in: a body of records has its deadline. */
		hubconns_phase(s->conns, r->conn, HUBCONN_BODY, hub_now());
		first_call(r, url, method);
		/* An upload has no deadline here, once it is let in. */
		if (r->route != NULL && r->route->start != NULL &&
		    !r->answered)
			hubconns_phase(s->conns, r->conn, HUBCONN_BUSY, 0);
		return MHD_YES;
	}
	if (*datalen > 0) {
		s->m.bytes += *datalen;
		take_body(r, data, *datalen);
		*datalen = 0;
		return MHD_YES;
	}
	hubconns_phase(s->conns, r->conn, HUBCONN_BUSY, 0);
	if (r->broken)
		return MHD_NO;
	if (r->answered)
		return MHD_YES;
	if (r->resp != NULL) {
		/* Resumed with its answer: a claim, or a deferred report. */
		r->deferred = 0;
		hubreq_send(r, r->status, r->resp);
		r->resp = NULL;
		return MHD_YES;
	}
	if (r->route == NULL) {
		/* Not reached: every refusal of the first call answers. */
		hubreq_fail(r, 500, "internal", "no route");
		return r->broken ? MHD_NO : MHD_YES;
	}
	if (!r->toolarge && (r->route->flags & HUBROUTE_BATCH)) {
		/* Reports are stored together by flush(): one disk flush. */
		r->deferred = 1;
		TAILQ_INSERT_TAIL(&s->pending, r, entry);
		s->flush = 1;
		MHD_suspend_connection(c);
		return MHD_YES;
	}
	last_call(r);
	return r->broken ? MHD_NO : MHD_YES;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct hub_server *s = cls;
	struct hubreq *r = *con_cls;
	struct bb_error err;
	int ok = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;

	(void)c;
	if (r == NULL)
		return;
	*con_cls = NULL;
	/* The next request's head has its deadline from now. */
	hubconns_phase(s->conns, r->conn, HUBCONN_HEAD, hub_now());
	if (!r->parked && r->deferred && r->resp == NULL)
		TAILQ_REMOVE(&s->pending, r, entry);
	hubclaim_done(r, ok);
	if (r->busy > 0) {
		busy_del(s, r->busy);
		if (ok)
			(void)hubdb_lease(s->hd->db, r->busy, r->lease,
			    r->worker, hub_now(), s->conf.ttl, NULL, NULL,
			    &err);
	}
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	blob_writer_abort(r->w);
	buf_free(r->body);
	free(r->name);
	free(r->caps);
	free(r);
}

/* A connection starts or ends: lib/hub/hubconn.h counts it. */
static void
notify_connection(void *cls, struct MHD_Connection *c, void **ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct hub_server *s = cls;
	const union MHD_ConnectionInfo *ai, *fi;

	if (code != MHD_CONNECTION_NOTIFY_STARTED) {
		hubconns_close(s->conns, *ctx);
		*ctx = NULL;
		return;
	}
	ai = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	fi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	*ctx = hubconns_open(s->conns, ai != NULL ? ai->client_addr : NULL,
	    sizeof(struct sockaddr_storage), fi != NULL ? fi->connect_fd : -1,
	    hub_now());
}

/* Ends a connection past its deadline: libmicrohttpd sees it close. */
static void
drop_connection(void *arg, int fd)
{
	(void)arg;
	if (fd >= 0)
		(void)shutdown(fd, SHUT_RDWR);
}

/* Says what the connection limits did, once a second at most. */
static void
log_connections(struct hub_server *s)
{
	struct hubconns_news n;

	if (s->mhdlog_quiet > 0) {
		hubsrv_log(s, "libmicrohttpd: %llu more messages not shown",
		    s->mhdlog_quiet);
		s->mhdlog_quiet = 0;
	}
	if (!hubconns_news(s->conns, &n))
		return;
	if (n.refused > 0)
		hubsrv_log(s, "connections: %llu refused (503), the last from "
		    "%s with %u open (at most %u an address); %u open in all "
		    "now (at most %u)", n.refused, n.addr, n.addr_open,
		    s->conf.peraddr, n.open, s->conf.connections);
	if (n.shed > 0)
		hubsrv_log(s, "connections: %llu shed at once: %u open, the "
		    "most the hub takes", n.shed, n.open);
	if (n.dropped > 0)
		hubsrv_log(s, "connections: %llu dropped: no request within "
		    "%llds (or no body of records within %ds)", n.dropped,
		    s->conf.headtime / 1000, HUBCONN_BODY_MS / 1000);
}

static size_t
unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	/* Paths are split first and decoded by hubroute_match(). */
	return strlen(s);
}

/* The loop */

/*
 * Stores the pending reports in one batch, then resumes their
 * connections with the answers, which are only sent once the batch is
 * stored: in the OS for a batch of events only (their records are in
 * the log files, flushed to disk within a second, at once for the end
 * of a step or a job), on disk for the others.
 */
static void
flush(struct hub_server *s)
{
	struct hubreqs done;
	struct bb_error err;
	struct hubreq *r;
	int batch, lazy = 1;

	s->flush = 0;
	TAILQ_INIT(&done);
	TAILQ_FOREACH(r, &s->pending, entry)
		if (!(r->route->flags & HUBROUTE_LAZY) ||
		    hubwork_finishing(r))
			lazy = 0;
	if (lazy && hubdb_lazy(s->hd->db, 1, &err) == -1)
		lazy = 0;
	batch = hubdb_batch(s->hd->db, 1, &err) == 0;
	if (!batch)
		hubsrv_log(s, "reports: %s", err.msg);
	while ((r = TAILQ_FIRST(&s->pending)) != NULL) {
		TAILQ_REMOVE(&s->pending, r, entry);
		TAILQ_INSERT_TAIL(&done, r, entry);
		if (batch)
			last_call(r);
	}
	if (batch && hubdb_batch(s->hd->db, 0, &err) == -1) {
		hubsrv_log(s, "reports: %s", err.msg);
		batch = 0;
	}
	if (lazy)
		(void)hubdb_lazy(s->hd->db, 0, &err);
	/* One flush for the logs that must be on disk before the answer. */
	if (batch && hublog_wanted(s->hd->logs) &&
	    hublog_sync(s->hd->logs, 0, &err) == -1) {
		hubsrv_log(s, "reports: %s", err.msg);
		batch = 0;
	}
	while ((r = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, r, entry);
		if (!batch) {
			/* Nothing was stored: the worker sends it again. */
			hubreq_send(r, 503, hubreq_error_resp(503,
			    "unavailable", "the hub could not store the "
			    "report", NULL, NULL));
		}
		if (r->resp == NULL)
			hubreq_send(r, 500, hubreq_error_resp(500, "internal",
			    "no answer", NULL, NULL));
		MHD_resume_connection(r->c);
	}
	s->resumed = 1;
}

/* Runs a step of retention (lib/hub/hubgc.h), starting it when due. */
static void
gc_tick(struct hub_server *s, long long now)
{
	const struct hubgc_result *res;
	struct hubdb_policy p;
	struct bb_error err;
	int r;

	if (s->gc == NULL) {
		if (now < s->next_gc)
			return;
		s->next_gc = now + GC_MS;
		p.keep_builds = s->conf.keep_builds;
		p.keep_days = s->conf.keep_days;
		if ((s->gc = hubgc_new(s->hd, &p, now, &err)) == NULL) {
			hubsrv_log(s, "gc: %s", err.msg);
			return;
		}
	}
	if ((r = hubgc_step(s->gc, &err)) == -1)
		hubsrv_log(s, "gc: %s", err.msg);
	if (r != 0)
		return;
	res = hubgc_result(s->gc);
	if (res->jobs > 0 || res->blobs > 0 || res->logs > 0)
		hubsrv_log(s, "gc: removed %lld jobs and %lld blobs, %lld "
		    "bytes", res->jobs, res->blobs, res->bytes);
	if (res->logs > 0)
		hubsrv_log(s, "gc: removed %lld log files that no job attempt "
		    "owned", res->logs);
	hubgc_free(s->gc);
	s->gc = NULL;
}

static void
stage_log(void *arg, const char *msg)
{
	hubsrv_log(arg, "%s", msg);
}

void
hubsrv_stages(struct hub_server *s)
{
	struct hubstage_moved m = { 0, 0 };
	struct bb_error err;

	if (hubstage_advance(s->hd, hub_now(), stage_log, s, &m, &err) == -1)
		hubsrv_log(s, "stages: %s", err.msg);
	if (m.queued > 0)
		s->wake = 1;
}

static void
tick(struct hub_server *s, long long now)
{
	struct bb_error err;
	long long next, n = 0;

	s->next_tick = now + TICK_MS;
	hubclaim_expire(s, now);
	(void)hubconns_sweep(s->conns, now, drop_connection, s);
	hublisten_linger(s->listen, now);
	/* bb-hub submit, cancel, add-worker write the database directly. */
	if (hubdb_changed(s->hd->db))
		s->wake = 1;
	if (hubdb_next_expiry(s->hd->db, &next, &err) == -1)
		hubsrv_log(s, "leases: %s", err.msg);
	else if (next > 0 && next < now) {
		if (hubdb_expire(s->hd->db, now, s->conf.attempts, is_busy, s,
		    &n, &err) == -1)
			hubsrv_log(s, "leases: %s", err.msg);
		if (n > 0) {
			s->m.expiries += (unsigned long long)n;
			hubsrv_log(s, "%lld leases expired", n);
			s->wake = 1;
		}
	}
	gc_tick(s, now);
	hubsrv_stages(s);
	if (now >= s->next_sweep) {
		s->next_sweep = now + SWEEP_MS;
		log_connections(s);
		/* What the logs took in the last second goes to disk. */
		if (hublog_sync(s->hd->logs, 1, &err) == -1)
			hubsrv_log(s, "logs: %s", err.msg);
		hubclaim_sweep(s);
		if (now % 60000 < SWEEP_MS &&
		    hubdb_purge_sessions(s->hd->db, now, HUB_SESSION_IDLE,
		    &err) == -1)
			hubsrv_log(s, "sessions: %s", err.msg);
	}
}

/* Does what is due: stores reports, hands out jobs, runs the timer. */
static void
due(struct hub_server *s, long long now)
{
	if (s->flush)
		flush(s);
	if (s->wake && !s->stopping)
		hubclaim_wake(s);
	if (now >= s->next_tick)
		tick(s, now);
}

/* Start and stop (the server's set-up: lib/hub/hubstart.c) */

int
hub_server_start(const struct hub_conf *conf, struct hub_server **out,
    struct bb_error *err)
{
	struct hub_server *s;
	struct bb_error e2;
	struct addrinfo hints, *ai = NULL;
	struct MHD_OptionItem opts[16];
	char host[256], port[16];
	unsigned int flags;
	struct hubdb_policy policy;
	size_t no = 0;
	int tls = 0, e;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		bb_error_errno(err, EX_OSERR, "hub");
		return -1;
	}
	s->conf = *conf;
	s->wakefd = -1;
	TAILQ_INIT(&s->waiters);
	TAILQ_INIT(&s->pending);
	if ((s->gate = hubgate_new()) == NULL) {
		bb_error_errno(err, EX_OSERR, "hub");
		goto fail;
	}
	if (conf->listen != NULL && hubsrv_parse_listen(conf->listen, &tls, host,
	    sizeof(host), port, sizeof(port), err) == -1)
		goto fail;
	if (hubsrv_load_tls(s, conf, tls, err) == -1)
		goto fail;
	if (hub_dir_open(conf->dir, &s->hd, err) == -1 ||
	    hub_admin_token(s->hd, &s->admin, err) == -1 ||
	    hub_metrics_token(s->hd, &s->metrics, err) == -1)
		goto fail;
	if (hubdb_opened(s->hd->db) != NULL)
		hubsrv_log(s, "%s", hubdb_opened(s->hd->db));
	policy.keep_builds = conf->keep_builds;
	policy.keep_days = conf->keep_days;
	if (hubdb_policy_put(s->hd->db, &policy, err) == -1)
		goto fail;
	if (hubdb_refresh_leases(s->hd->db, hub_now(), conf->ttl, err) == -1)
		goto fail;
	/* Without it, bb-hub submit's jobs wait for the next tick. */
	if ((s->wakefd = hubwake_open(conf->dir, &e2)) == -1)
		hubsrv_log(s, "%s: jobs from bb-hub submit are seen within "
		    "%d ms", e2.msg, TICK_MS);
	if (hubsrv_limits(s, err) == -1)
		goto fail;
	flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
	    MHD_USE_NO_LISTEN_SOCKET;
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER,
	    (intptr_t)mhd_log, s };
	if (conf->listen != NULL) {
		/* The hub accepts itself (lib/hub/hublisten.h). */
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
		if ((e = getaddrinfo(host, port, &hints, &ai)) != 0) {
			bb_error_set(err, EX_USAGE, "%s: %s", conf->listen,
			    gai_strerror(e));
			goto fail;
		}
		if ((s->listen = hublisten_open(ai, tls, conf->listen,
		    err)) == NULL)
			goto fail;
	}
	/* Never reached: the hub sheds before (hubconns_room). */
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
	    s->conf.connections + hubsrv_reserve(s->conf.connections) + 1, NULL };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION,
	    (intptr_t)notify_connection, s };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
	    HUB_IDLE_TIMEOUT, NULL };
	opts[no++] = (struct MHD_OptionItem){
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, 32 * 1024, NULL };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
	    (intptr_t)completed, s };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_UNESCAPE_CALLBACK,
	    (intptr_t)unescape_none, s };
	if (tls) {
		flags |= MHD_USE_TLS;
		opts[no++] = (struct MHD_OptionItem){
		    MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert->data };
		opts[no++] = (struct MHD_OptionItem){
		    MHD_OPTION_HTTPS_MEM_KEY, 0, s->key->data };
		opts[no++] = (struct MHD_OptionItem){
		    MHD_OPTION_HTTPS_PRIORITIES, 0,
		    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" };
	}
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	s->d = MHD_start_daemon(flags, 0, NULL, NULL, handler, s,
	    MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (s->d == NULL) {
		bb_error_set(err, EX_UNAVAILABLE, "%s: libmicrohttpd cannot "
		    "start (a bad certificate or key?)",
		    conf->listen ? conf->listen : "no address");
		goto fail;
	}
	if (ai != NULL && hubsrv_write_url(s, ai, host, tls, err) == -1)
		goto fail;
	if (ai != NULL)
		freeaddrinfo(ai);
	if (s->conf.connections < conf->connections)
		hubsrv_log(s, "at most %u connections (RLIMIT_NOFILE)",
		    s->conf.connections);
	*out = s;
	return 0;
fail:
	if (ai != NULL)
		freeaddrinfo(ai);
	hub_server_free(s);
	return -1;
}

const char *
hub_server_url(const struct hub_server *s)
{
	return s->url;
}

int
hub_server_add_connection(struct hub_server *s, int fd, struct bb_error *err)
{
	struct sockaddr_in sin;

	/* As if from the loopback, and counted so (lib/hub/hubconn.h). */
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (MHD_add_connection(s->d, fd, (const struct sockaddr *)&sin,
	    sizeof(sin)) != MHD_YES) {
		bb_error_set(err, EX_OSERR, "libmicrohttpd refused a "
		    "connection");
		return -1;
	}
	return 0;
}

static unsigned int
connections(struct hub_server *s)
{
	const union MHD_DaemonInfo *di;

	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return di != NULL ? di->num_connections : 0;
}

unsigned int
hub_server_step(struct hub_server *s)
{
	due(s, hub_now());
	s->resumed = 0;
	if (MHD_run(s->d) != MHD_YES)
		hubsrv_log(s, "libmicrohttpd: run failed");
	return connections(s);
}

int
hub_server_run(struct hub_server *s, volatile sig_atomic_t *stop,
    const sigset_t *mask, struct bb_error *err)
{
	const union MHD_DaemonInfo *di;
	MHD_UNSIGNED_LONG_LONG mt;
	struct pollfd pfd[3];
	struct timespec ts;
	long long now, wait, deadline = 0;

	if ((di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD)) ==
	    NULL) {
		bb_error_set(err, EX_SOFTWARE, "libmicrohttpd: no epoll");
		return -1;
	}
	pfd[0].fd = di->epoll_fd;
	pfd[0].events = POLLIN;
	pfd[1].events = POLLIN;
	pfd[2].fd = s->wakefd;		/* -1: poll(2) leaves it out */
	pfd[2].events = POLLIN;
	pfd[2].revents = 0;
	s->wake = 1;
	for (;;) {
		now = hub_now();
		if (*stop && !s->stopping) {
			s->stopping = 1;
			deadline = now + STOP_MS;
			/* No new connection. */
			hublisten_close(s->listen);
			s->listen = NULL;
			hubclaim_stop(s);
		}
		if (s->stopping) {
			di = MHD_get_daemon_info(s->d,
			    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
			if ((di != NULL && di->num_connections == 0) ||
			    now >= deadline)
				break;
		}
		due(s, now);
		wait = s->next_tick - now;
		if (wait < 0)
			wait = 0;
		if (MHD_get_timeout(s->d, &mt) == MHD_YES &&
		    (long long)mt < wait)
			wait = (long long)mt;
		pfd[1].fd = hublisten_fd(s->listen, now, &wait);
		pfd[1].revents = 0;
		if (s->resumed)
			wait = 0;
		s->resumed = 0;
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = (wait % 1000) * 1000000;
		if (ppoll(pfd, 3, &ts, mask) == -1 && errno != EINTR) {
			bb_error_errno(err, EX_OSERR, "ppoll");
			return -1;
		}
		if (pfd[1].fd != -1 && (pfd[1].revents & POLLIN))
			(void)hublisten_accept(s->listen, s, hub_now());
		/* bb-hub submit rang: the change is looked for now. */
		if ((pfd[2].revents & POLLIN) && hubwake_drain(s->wakefd) > 0 &&
		    hubdb_changed(s->hd->db))
			s->wake = 1;
		if (MHD_run(s->d) != MHD_YES)
			hubsrv_log(s, "libmicrohttpd: run failed");
	}
	/* Nothing may stay suspended when the daemon stops. */
	if (!TAILQ_EMPTY(&s->pending))
		flush(s);
	hubclaim_release(s);
	MHD_stop_daemon(s->d);
	s->d = NULL;
	return 0;
}

void
hub_server_free(struct hub_server *s)
{
	if (s == NULL)
		return;
	if (s->d != NULL) {
		/* Nothing may stay suspended when the daemon stops. */
		if (!TAILQ_EMPTY(&s->pending))
			flush(s);
		hubclaim_release(s);
		MHD_stop_daemon(s->d);
	}
	hublisten_close(s->listen);
	hubconns_free(s->conns);
	if (s->wakefd != -1)
		close(s->wakefd);
	hubgate_free(s->gate);
	hubgc_free(s->gc);
	hub_dir_close(s->hd);
	buf_freezero(s->admin);
	buf_freezero(s->metrics);
	buf_free(s->cert);
	buf_freezero(s->key);
	free(s->busy);
	free(s);
}
