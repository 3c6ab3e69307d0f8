#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/tree.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
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

#include "file.h"
#include "hub.h"
#include "hubhttp.h"
#include "hubpage.h"
#include "hubwire.h"

#define TICK_MS		200	/* timer: waits, leases, other writers */
#define SWEEP_MS	1000	/* parked claims whose client has gone */
#define STOP_MS		5000	/* requests under way get this to end */
#define AUTH_CACHE_MAX	10000

enum route {
	R_NONE, R_HELLO, R_CLAIM, R_DECLINE, R_SOURCE, R_EVENTS, R_ARTIFACT,
	R_FINISH, R_A_SOURCES, R_A_SUBMIT, R_A_JOBS, R_A_JOB, R_A_LOG,
	R_A_SOURCE, R_A_ARTIFACT, R_A_CANCEL, R_A_WORKERS, R_A_ADDWORKER,
	R_A_RMWORKER, R_HEALTH, R_METRICS, R_INDEX, R_PAGE
};

enum auth { A_NONE, A_BASIC, A_SESSION, A_LEASE, A_ADMIN };

static const struct route_info {
	const char	*method;
	enum auth	 auth;
	size_t		 body;		/* largest record body; 0: none */
} routes[] = {
	[R_NONE] =	{ NULL, A_NONE, 0 },
	[R_HELLO] =	{ "POST", A_BASIC, HUB_HELLO_MAX },
	[R_CLAIM] =	{ "POST", A_SESSION, HUB_SMALL_MAX },
	[R_DECLINE] =	{ "POST", A_LEASE, HUB_SMALL_MAX },
	[R_SOURCE] =	{ "GET", A_LEASE, 0 },
	[R_EVENTS] =	{ "POST", A_LEASE, HUB_EVENTS_MAX },
	[R_ARTIFACT] =	{ "PUT", A_LEASE, 0 },
	[R_FINISH] =	{ "POST", A_LEASE, HUB_SMALL_MAX },
	[R_A_SOURCES] =	{ "POST", A_ADMIN, 0 },
	[R_A_SUBMIT] =	{ "POST", A_ADMIN, HUB_SUBMIT_MAX },
	[R_A_JOBS] =	{ "GET", A_ADMIN, 0 },
	[R_A_JOB] =	{ "GET", A_ADMIN, 0 },
	[R_A_LOG] =	{ "GET", A_ADMIN, 0 },
	[R_A_SOURCE] =	{ "GET", A_ADMIN, 0 },
	[R_A_ARTIFACT] = { "GET", A_ADMIN, 0 },
	[R_A_CANCEL] =	{ "POST", A_ADMIN, HUB_SMALL_MAX },
	[R_A_WORKERS] =	{ "GET", A_ADMIN, 0 },
	[R_A_ADDWORKER] = { "POST", A_ADMIN, HUB_SMALL_MAX },
	[R_A_RMWORKER] = { "DELETE", A_ADMIN, 0 },
	[R_HEALTH] =	{ "GET", A_NONE, 0 },
	[R_METRICS] =	{ "GET", A_NONE, 0 },
	[R_INDEX] =	{ "GET", A_NONE, 0 },
	[R_PAGE] =	{ "GET", A_NONE, 0 },
};

struct req {
	struct hub_server	*s;
	struct MHD_Connection	*c;
	enum route		 route;
	long long		 id;		/* the job in the path */
	char			*name;		/* artifact or worker */
	char			 lease[64 + 1];	/* as the client sent it */
	char			 worker[HUBDB_NAME_MAX + 1];
	char			*caps;
	int			 started;	/* first call seen */
	int			 answered;	/* a response is queued */
	int			 broken;	/* no response could be made */
	int			 deferred;	/* handled by flush() */
	struct buf		*body;
	int			 toolarge;
	int			 ioerr;
	struct blob_writer	*w;
	char			 want[DIGEST_HEXLEN + 1];	/* or "" */
	long long		 busy;		/* job of a transfer */
	/* A parked claim. */
	TAILQ_ENTRY(req)	 entry;
	int			 parked;
	long long		 until;
	struct MHD_Response	*resp;		/* ready while parked */
	unsigned int		 status;
	long long		 claimed;	/* job handed out */
	char			 claimlease[HUBAUTH_LEASE_LEN + 1];
};

TAILQ_HEAD(reqs, req);

struct busy {
	long long	id;
	int		n;
};

struct authok {
	RB_ENTRY(authok)	entry;
	unsigned char		key[DIGEST_LEN];
};

static int
authok_cmp(struct authok *a, struct authok *b)
{
	return memcmp(a->key, b->key, sizeof(a->key));
}

RB_HEAD(authoks, authok);
RB_GENERATE_STATIC(authoks, authok, entry, authok_cmp)

struct metrics {
	unsigned long long	claims;
	unsigned long long	expiries;
	unsigned long long	events;
	unsigned long long	bytes;
	unsigned long long	codes[600];
};

struct hub_server {
	struct hub_conf		 conf;
	struct hub_dir		*hd;
	struct MHD_Daemon	*d;
	char			 url[300];
	struct buf		*admin;		/* the admin token */
	struct buf		*cert;
	struct buf		*key;
	struct reqs		 waiters;
	struct reqs		 pending;	/* reports for flush() */
	size_t			 nwaiters;
	int			 wake;		/* jobs may be claimable */
	int			 flush;		/* reports are pending */
	int			 resumed;	/* run MHD at once */
	int			 stopping;
	long long		 next_tick;
	long long		 next_sweep;
	struct busy		*busy;
	size_t			 nbusy;
	struct authoks		 authoks;
	size_t			 nauthoks;
	struct metrics		 m;
};

static void __printflike(2, 3)
hlog(struct hub_server *s, const char *fmt, ...)
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
	size_t n;

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	hlog(s, "libmicrohttpd: %s", msg);
}

/* Transfers under way hold their job's lease. */
static void
busy_add(struct hub_server *s, long long id)
{
	struct busy *nb;
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

/* Responses */

static struct MHD_Response *
response(const void *p, size_t len, const char *ctype)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, (void *)p,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return NULL;
	(void)MHD_add_response_header(resp, "Content-Type", ctype);
	(void)MHD_add_response_header(resp, "Cache-Control", "no-store");
	(void)MHD_add_response_header(resp, "X-Content-Type-Options",
	    "nosniff");
	return resp;
}

/*
 * Queues the answer, or, for a request handled outside the handler (a
 * deferred one), keeps it for when the connection is resumed.
 */
static void
send_resp(struct req *r, unsigned int status, struct MHD_Response *resp)
{
	if (resp == NULL) {
		hlog(r->s, "out of memory for a response");
		r->broken = 1;
		return;
	}
	if (r->deferred) {
		if (r->resp != NULL)
			MHD_destroy_response(r->resp);
		r->resp = resp;
		r->status = status;
		return;
	}
	if (status < nitems(r->s->m.codes))
		r->s->m.codes[status]++;
	(void)MHD_queue_response(r->c, status, resp);
	MHD_destroy_response(resp);
	r->answered = 1;
}

static const char *
text_type(void)
{
	return "text/plain; charset=utf-8";
}

/* Answers with the records in b. */
static void
reply(struct req *r, unsigned int status, const struct buf *b)
{
	send_resp(r, status, response(b ? b->data : "", b ? b->len : 0,
	    text_type()));
}

/* Answers with one record. */
static void
reply_rec(struct req *r, unsigned int status, const struct record *rec)
{
	struct buf *b;

	if ((b = buf_new(RECORD_MAX)) == NULL ||
	    record_encode(rec, b, NULL) == -1) {
		buf_free(b);
		send_resp(r, 500, response("", 0, text_type()));
		return;
	}
	reply(r, status, b);
	buf_free(b);
}

static struct MHD_Response *
error_resp(unsigned int status, const char *reason, const char *msg,
    const char *have, const char *missing)
{
	struct record rec;
	struct buf *b;
	struct MHD_Response *resp = NULL;

	record_init(&rec);
	(void)record_start(&rec, "error", NULL);
	(void)record_setf(&rec, NULL, "status", "%u", status);
	(void)record_set(&rec, "reason", reason, NULL);
	(void)record_set(&rec, "msg", msg, NULL);
	if (have != NULL)
		(void)record_set(&rec, "have", have, NULL);
	if (missing != NULL)
		(void)record_set(&rec, "missing", missing, NULL);
	if ((b = buf_new(RECORD_MAX)) != NULL &&
	    record_encode(&rec, b, NULL) == 0)
		resp = response(b->data, b->len, text_type());
	buf_free(b);
	record_free(&rec);
	return resp;
}

static void __printflike(4, 5)
fail(struct req *r, unsigned int status, const char *reason,
    const char *fmt, ...)
{
	struct MHD_Response *resp;
	char msg[BB_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((resp = error_resp(status, reason, msg, NULL, NULL)) == NULL) {
		send_resp(r, status, NULL);
		return;
	}
	if (status == 401)
		(void)MHD_add_response_header(resp, "WWW-Authenticate",
		    r->route == R_HELLO ? "Basic realm=\"bb-hub\"" :
		    "Bearer realm=\"bb-hub\"");
	if (status == 405)
		(void)MHD_add_response_header(resp, "Allow",
		    routes[r->route].method);
	if (status == 503)
		(void)MHD_add_response_header(resp, "Retry-After", "5");
	if (status >= 500)
		hlog(r->s, "%u: %s", status, msg);
	send_resp(r, status, resp);
}

/* Answers a failure of the database or another internal one. */
static void
fail_internal(struct req *r, const struct bb_error *err)
{
	fail(r, 500, "internal", "%s", err->msg);
}

/* Answers a lease outcome of lib/hub/hubdb.h that is not HUB_OK. */
static void
fail_outcome(struct req *r, int rv, const struct bb_error *err)
{
	static const struct {
		int		 outcome;
		unsigned int	 status;
		const char	*reason;
	} map[] = {
		{ HUB_NOTFOUND,		404, "not-found" },
		{ HUB_STALE,		409, "stale-lease" },
		{ HUB_FINISHED,		409, "finished" },
		{ HUB_CANCELLED,	410, "cancelled" },
		{ HUB_EXISTS,		422, "exists" },
		{ HUB_MISMATCH,		422, "log-mismatch" },
		{ HUB_TOOLARGE,		413, "too-large" },
		{ HUB_CONFLICT,		409, "conflict" },
	};
	size_t i;

	for (i = 0; i < nitems(map); i++)
		if (map[i].outcome == rv) {
			fail(r, map[i].status, map[i].reason, "%s", err->msg);
			return;
		}
	if (rv == -1)
		fail_internal(r, err);
	else
		fail(r, 500, "internal", "unexpected outcome %d", rv);
}

static int
parse_id(const char *s, size_t len, long long *id)
{
	char b[32];
	const char *errstr;

	if (len == 0 || len >= sizeof(b))
		return -1;
	memcpy(b, s, len);
	b[len] = '\0';
	*id = strtonum(b, 1, LLONG_MAX, &errstr);
	return errstr == NULL ? 0 : -1;
}

/* Returns 1 if url (from p on) is exactly the segment seg, then end. */
static int
seg_is(const char **p, const char *seg)
{
	size_t n = strlen(seg);

	if (strncmp(*p, seg, n) != 0 || ((*p)[n] != '/' && (*p)[n] != '\0'))
		return 0;
	*p += n;
	if (**p == '/')
		(*p)++;
	return 1;
}

/*
 * Finds the route of url.  Sets r->id and r->name.  Returns 0, or -1
 * with the refusal queued.
 */
static int
route(struct req *r, const char *url)
{
	const char *p = url, *seg;
	size_t n, nlen;
	int admin = 0;

	if (strcmp(url, "/") == 0) {
		r->route = R_INDEX;
		return 0;
	}
	if (strcmp(url, "/healthz") == 0) {
		r->route = R_HEALTH;
		return 0;
	}
	if (strcmp(url, "/metrics") == 0) {
		r->route = R_METRICS;
		return 0;
	}
	if (strncmp(url, "/jobs/", 6) == 0) {
		p = url + 6;
		if (parse_id(p, strlen(p), &r->id) == -1)
			goto notfound;
		r->route = R_PAGE;
		return 0;
	}
	if (strncmp(url, "/v1/", 4) != 0)
		goto notfound;
	p = url + 4;
	if (seg_is(&p, "hello") && *p == '\0') {
		r->route = R_HELLO;
		return 0;
	}
	if (seg_is(&p, "claim") && *p == '\0') {
		r->route = R_CLAIM;
		return 0;
	}
	if (seg_is(&p, "admin")) {
		admin = 1;
		if (seg_is(&p, "sources") && *p == '\0') {
			r->route = R_A_SOURCES;
			return 0;
		}
		if (seg_is(&p, "workers")) {
			if (*p == '\0') {
				r->route = R_A_WORKERS;
				return 0;
			}
			if ((r->name = hubwire_pct_decode(p, strlen(p), &nlen)) ==
			    NULL || strlen(r->name) != nlen)
				goto notfound;
			r->route = R_A_RMWORKER;
			return 0;
		}
	}
	if (!seg_is(&p, "jobs"))
		goto notfound;
	if (*p == '\0') {
		if (!admin)
			goto notfound;
		r->route = R_A_JOBS;
		return 0;
	}
	seg = p;
	n = strcspn(p, "/");
	if (parse_id(seg, n, &r->id) == -1) {
		fail(r, 404, "not-found", "no job %.*s", (int)(n > 64 ? 64 : n),
		    seg);
		return -1;
	}
	p += n;
	if (*p == '/')
		p++;
	if (*p == '\0') {
		if (!admin)
			goto notfound;
		r->route = R_A_JOB;
		return 0;
	}
	if (strncmp(p, "artifacts/", 10) == 0) {
		p += 10;
		r->route = admin ? R_A_ARTIFACT : R_ARTIFACT;
		if ((r->name = hubwire_pct_decode(p, strlen(p), &nlen)) == NULL) {
			fail(r, 400, "malformed", "bad %%-escape in the "
			    "artifact name");
			return -1;
		}
		if (!hubwire_valid_artifact(r->name, nlen)) {
			fail(r, 400, "malformed", "bad artifact name: 1 to "
			    "255 bytes, not . or .., no /, \\ or control "
			    "byte");
			return -1;
		}
		return 0;
	}
	if (admin) {
		if (strcmp(p, "log") == 0)
			r->route = R_A_LOG;
		else if (strcmp(p, "source") == 0)
			r->route = R_A_SOURCE;
		else if (strcmp(p, "cancel") == 0)
			r->route = R_A_CANCEL;
	} else {
		if (strcmp(p, "decline") == 0)
			r->route = R_DECLINE;
		else if (strcmp(p, "source") == 0)
			r->route = R_SOURCE;
		else if (strcmp(p, "events") == 0)
			r->route = R_EVENTS;
		else if (strcmp(p, "finish") == 0)
			r->route = R_FINISH;
	}
	if (r->route != R_NONE)
		return 0;
notfound:
	fail(r, 404, "not-found", "no such endpoint");
	return -1;
}

/* Authentication */

static const char *
header(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, name);
}

static const char *
arg(struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, name);
}

/* Returns the token of an "Authorization: Bearer" header, or NULL. */
static const char *
bearer(struct req *r)
{
	const char *v = header(r, "Authorization");

	if (v == NULL || strncasecmp(v, "Bearer ", 7) != 0)
		return NULL;
	v += 7;
	v += strspn(v, " ");
	return *v == '\0' ? NULL : v;
}

static int
auth_admin(struct req *r)
{
	const char *t = bearer(r);

	if (t == NULL || !hubauth_equal(t, r->s->admin->data)) {
		fail(r, 401, "unauthorized", "the admin token is missing or "
		    "wrong");
		return -1;
	}
	return 0;
}

static int
auth_session(struct req *r)
{
	struct hub_server *s = r->s;
	struct hubdb_session sess;
	struct bb_error err;
	char hash[DIGEST_HEXLEN + 1];
	const char *t = bearer(r), *l;
	int rv;

	if (t == NULL) {
		fail(r, 401, "unauthorized", "no session token: say hello "
		    "first");
		return -1;
	}
	if (hubauth_token_hash(t, strlen(t), hash) == -1) {
		fail(r, 500, "internal", "out of memory");
		return -1;
	}
	rv = hubdb_session(s->hd->db, hash, hub_now(), HUB_SESSION_IDLE,
	    &sess, &err);
	if (rv == -1) {
		fail_internal(r, &err);
		return -1;
	}
	if (rv != HUB_OK) {
		fail(r, 401, "unauthorized", "%s: say hello again", err.msg);
		return -1;
	}
	(void)strlcpy(r->worker, sess.worker, sizeof(r->worker));
	if ((r->caps = strdup(sess.caps)) == NULL) {
		fail(r, 500, "internal", "out of memory");
		return -1;
	}
	if (routes[r->route].auth != A_LEASE)
		return 0;
	if ((l = header(r, "Bb-Lease")) == NULL || *l == '\0' ||
	    strlcpy(r->lease, l, sizeof(r->lease)) >= sizeof(r->lease)) {
		fail(r, 400, "malformed", "no Bb-Lease header, or a bad one");
		return -1;
	}
	return 0;
}

static int
auth_basic(struct req *r)
{
	struct hub_server *s = r->s;
	struct authok key, *ok;
	struct bb_error err;
	char hash[HUBAUTH_HASH_MAX];
	const char *stored = NULL;
	char *user, *pass = NULL;
	struct digest *d = NULL;
	int rv = -1, x;

	if ((user = MHD_basic_auth_get_username_password(r->c, &pass)) ==
	    NULL || pass == NULL) {
		fail(r, 401, "unauthorized", "hello needs the worker's name "
		    "and secret (HTTP Basic)");
		goto out;
	}
	if (hub_valid_worker(user)) {
		x = hubdb_worker_secret(s->hd->db, user, hash, sizeof(hash),
		    &err);
		if (x == -1) {
			fail_internal(r, &err);
			goto out;
		}
		if (x == HUB_OK)
			stored = hash;
	}
	/* A secret checked once is known by its SHA-256 since. */
	if (stored != NULL && (d = digest_new()) != NULL &&
	    (digest_update(d, user, strlen(user) + 1) == -1 ||
	    digest_update(d, pass, strlen(pass) + 1) == -1 ||
	    digest_update(d, stored, strlen(stored)) == -1 ||
	    digest_final(d, key.key) == -1)) {
		digest_free(d);
		d = NULL;
	}
	if (d != NULL && RB_FIND(authoks, &s->authoks, &key) != NULL)
		x = 1;
	else {
		x = hubauth_secret_check(pass, strlen(pass), stored);
		if (x && d != NULL && (ok = calloc(1, sizeof(*ok))) !=
		    NULL) {
			if (s->nauthoks >= AUTH_CACHE_MAX) {
				struct authok *e, *t;

				RB_FOREACH_SAFE(e, authoks, &s->authoks, t) {
					RB_REMOVE(authoks, &s->authoks, e);
					freezero(e, sizeof(*e));
				}
				s->nauthoks = 0;
			}
			memcpy(ok->key, key.key, sizeof(ok->key));
			if (RB_INSERT(authoks, &s->authoks, ok) == NULL)
				s->nauthoks++;
			else
				freezero(ok, sizeof(*ok));
		}
	}
	if (!x || stored == NULL) {
		hlog(s, "hello refused: bad name or secret");
		fail(r, 401, "unauthorized", "bad worker name or secret");
		goto out;
	}
	(void)strlcpy(r->worker, user, sizeof(r->worker));
	rv = 0;
out:
	digest_free(d);
	explicit_bzero(&key, sizeof(key));
	explicit_bzero(hash, sizeof(hash));
	if (pass != NULL) {
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user != NULL)
		MHD_free(user);
	return rv;
}

/* Record bodies */

/*
 * Gets the next line of the body from *pos.  Returns 1 with the line,
 * 0 at the end, -1 when the last line has no newline (refusal queued).
 */
static int
next_line(struct req *r, size_t *pos, size_t *lineno, const char **line,
    size_t *len)
{
	struct buf *b = r->body;
	const char *nl;

	if (*pos >= b->len)
		return 0;
	(*lineno)++;
	if ((nl = memchr(b->data + *pos, '\n', b->len - *pos)) == NULL) {
		fail(r, 400, "malformed", "line %zu: no newline at the end",
		    *lineno);
		return -1;
	}
	*line = b->data + *pos;
	*len = (size_t)(nl - *line);
	*pos += *len + 1;
	return 1;
}

static int
parse_line(struct req *r, struct record *rec, const char *line, size_t len,
    size_t lineno)
{
	struct bb_error err;

	if (record_parse(rec, line, len, &err) == -1) {
		fail(r, 400, "malformed", "line %zu: %s", lineno, err.msg);
		return -1;
	}
	return 0;
}

static int
add_rec(void *arg, const struct record *rec)
{
	return record_encode(rec, arg, NULL);
}

/* Handlers: each answers r, one way or another. */

static void
do_hello(struct req *r)
{
	struct hub_server *s = r->s;
	struct hubdb_hello h;
	struct record rec, out;
	struct buf *info = NULL;
	struct bb_error err;
	char token[HUBAUTH_TOKEN_LEN + 1], hash[DIGEST_HEXLEN + 1];
	const char *line, *c;
	size_t pos = 0, lineno = 0, len, n;
	long long slots = 1;
	int rv;

	memset(&h, 0, sizeof(h));
	record_init(&rec);
	record_init(&out);
	if ((info = buf_new(HUB_HELLO_MAX)) == NULL) {
		fail(r, 500, "internal", "out of memory");
		goto out;
	}
	while ((rv = next_line(r, &pos, &lineno, &line, &len)) == 1) {
		if (parse_line(r, &rec, line, len, lineno) == -1)
			goto out;
		if (lineno == 1) {
			if (!record_is(&rec, "hello")) {
				fail(r, 400, "malformed", "line 1: expected "
				    "a hello record");
				goto out;
			}
			if (record_get(&rec, "slots") != NULL &&
			    record_get_num(&rec, "slots", 1, 1000, &slots,
			    &err) == -1) {
				fail(r, 400, "malformed", "line 1: %s",
				    err.msg);
				goto out;
			}
			c = record_get(&rec, "caps");
			if (c != NULL && strlen(c) > HUBDB_CAPS_MAX) {
				fail(r, 400, "malformed", "line 1: caps over "
				    "%d bytes", HUBDB_CAPS_MAX);
				goto out;
			}
			for (; c != NULL && *c != '\0'; c += n + (c[n] == ',')) {
				char cap[HUBDB_CAPS_MAX + 1];

				n = strcspn(c, ",");
				memcpy(cap, c, n);
				cap[n] = '\0';
				if (!recipe_valid_cap(cap)) {
					fail(r, 400, "malformed", "line 1: bad "
					    "capability \"%s\"", cap);
					goto out;
				}
			}
			h.caps = record_get(&rec, "caps");
			if ((h.version = record_get(&rec, "version")) != NULL)
				h.version = strdup(h.version);
			if ((h.os = record_get(&rec, "os")) != NULL)
				h.os = strdup(h.os);
			if ((h.arch = record_get(&rec, "arch")) != NULL)
				h.arch = strdup(h.arch);
			if (h.caps != NULL)
				h.caps = strdup(h.caps);
			continue;
		}
		if (record_is(&rec, "info") || record_is(&rec, "tool"))
			if (buf_add(info, line, len) == -1 ||
			    buf_addc(info, '\n') == -1) {
				fail(r, 413, "too-large", "hello too large");
				goto out;
			}
	}
	if (rv == -1)
		goto out;
	if (lineno == 0) {
		fail(r, 400, "malformed", "line 1: expected a hello record");
		goto out;
	}
	h.slots = slots;
	h.info = info->data;
	h.infolen = info->len;
	hubauth_random(token, HUBAUTH_TOKEN_LEN);
	if (hubauth_token_hash(token, HUBAUTH_TOKEN_LEN, hash) == -1) {
		fail(r, 500, "internal", "out of memory");
		goto out;
	}
	rv = hubdb_hello(s->hd->db, r->worker, &h, hash, hub_now(), &err);
	if (rv != HUB_OK) {
		if (rv == HUB_NOTFOUND)
			fail(r, 401, "unauthorized", "%s", err.msg);
		else
			fail_internal(r, &err);
		goto out;
	}
	(void)record_start(&out, "session", NULL);
	(void)record_set(&out, "worker", r->worker, NULL);
	(void)record_set(&out, "token", token, NULL);
	(void)record_setf(&out, NULL, "keepalive", "%lld",
	    s->conf.keepalive / 1000);
	(void)record_setf(&out, NULL, "ttl", "%lld", s->conf.ttl / 1000);
	(void)record_setf(&out, NULL, "wait", "%lld", s->conf.maxwait / 1000);
	(void)record_setf(&out, NULL, "max_batch", "%d", HUB_EVENTS_MAX);
	(void)record_setf(&out, NULL, "max_artifact", "%lld",
	    HUB_ARTIFACT_MAX);
	reply_rec(r, 200, &out);
	hlog(s, "hello from %s (caps %s)", r->worker, h.caps ? h.caps : "");
out:
	explicit_bzero(token, sizeof(token));
	free((char *)h.version);
	free((char *)h.os);
	free((char *)h.arch);
	free((char *)h.caps);
	buf_free(info);
	record_free(&rec);
	/* The token went into out: wipe it. */
	if (out.mem != NULL)
		explicit_bzero(out.mem->data, out.mem->size);
	record_free(&out);
}

static void
unpark(struct req *r, struct MHD_Response *resp, unsigned int status)
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

/*
 * Claims a job for r (only job only if > 0) and readies its answer in
 * r->resp.  Returns a lib/hub/hubdb.h outcome.
 */
static int
try_claim(struct req *r, long long only)
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
		hlog(s, "claim: out of memory");
		goto out;
	}
	rv = hubdb_claim(s->hd->db, r->worker, r->caps, only, hub_now(),
	    s->conf.ttl, &job, recipe, &err);
	if (rv == -1)
		hlog(s, "claim: %s", err.msg);
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
	    (r->resp = response(out->data, out->len, text_type())) == NULL) {
		/* Answered 500; the lease will run out. */
		hlog(s, "job %lld: cannot make the claim's answer", id);
		rv = -1;
		goto out;
	}
	r->status = 200;
	r->claimed = id;
	(void)strlcpy(r->claimlease, lease, sizeof(r->claimlease));
	s->m.claims++;
	hlog(s, "job %lld: attempt %s to %s", id, record_get(&job, "attempt"),
	    r->worker);
out:
	buf_free(recipe);
	buf_free(out);
	record_free(&job);
	return rv;
}

static void
do_claim(struct req *r)
{
	struct hub_server *s = r->s;
	const char *v, *errstr = NULL;
	long long wait = 0;

	if ((v = arg(r, "wait")) != NULL) {
		wait = strtonum(v, 0, 86400, &errstr);
		if (errstr != NULL) {
			fail(r, 400, "malformed", "wait=%s: %s", v, errstr);
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

static void
do_decline(struct req *r)
{
	struct record rec;
	struct bb_error err;
	const char *line, *reason = NULL;
	size_t pos = 0, lineno = 0, len;
	int rv;

	record_init(&rec);
	if ((rv = next_line(r, &pos, &lineno, &line, &len)) == -1)
		goto out;
	if (rv == 1) {
		if (parse_line(r, &rec, line, len, lineno) == -1)
			goto out;
		if (!record_is(&rec, "decline")) {
			fail(r, 400, "malformed", "line 1: expected a decline "
			    "record");
			goto out;
		}
		reason = record_get(&rec, "reason");
	}
	rv = hubdb_decline(r->s->hd->db, r->id, r->lease, r->worker, reason,
	    hub_now(), &err);
	if (rv != HUB_OK) {
		fail_outcome(r, rv, &err);
		goto out;
	}
	r->s->wake = 1;
	hlog(r->s, "job %lld: declined by %s", r->id, r->worker);
	(void)record_start(&rec, "declined", NULL);
	(void)record_setf(&rec, NULL, "id", "%lld", r->id);
	reply_rec(r, 200, &rec);
out:
	record_free(&rec);
}

/* Answers with a blob, its digest in Content-Digest. */
static void
send_blob(struct req *r, const char *hex)
{
	struct MHD_Response *resp;
	struct bb_error err;
	char b64[64], hdr[80];
	off_t size;
	int fd;

	if ((fd = blob_open(r->s->hd->blobs, hex, &size, &err)) == -1) {
		fail_internal(r, &err);
		return;
	}
	if ((resp = MHD_create_response_from_fd((uint64_t)size, fd)) ==
	    NULL) {
		close(fd);
		fail(r, 500, "internal", "out of memory");
		return;
	}
	hubwire_digest_b64(hex, b64);
	(void)snprintf(hdr, sizeof(hdr), "sha-256=:%s:", b64);
	(void)MHD_add_response_header(resp, "Content-Type",
	    "application/octet-stream");
	(void)MHD_add_response_header(resp, "Content-Digest", hdr);
	(void)MHD_add_response_header(resp, "Cache-Control", "no-store");
	send_resp(r, 200, resp);
}

static void
do_source(struct req *r)
{
	struct hub_server *s = r->s;
	struct bb_error err;
	char hex[DIGEST_HEXLEN + 1];
	int rv;

	rv = hubdb_lease(s->hd->db, r->id, r->lease, r->worker, hub_now(),
	    s->conf.ttl, hex, NULL, &err);
	if (rv != HUB_OK) {
		fail_outcome(r, rv, &err);
		return;
	}
	send_blob(r, hex);
	busy_add(s, r->id);
	r->busy = r->id;
}

static void
do_events(struct req *r)
{
	struct hub_server *s = r->s;
	struct hubdb_event *ev = NULL;
	struct hubdb_ack ack;
	struct record rec;
	struct bb_error err;
	const char *line, *p;
	size_t pos = 0, lineno = 0, len, n = 0, cap;
	int rv;

	record_init(&rec);
	for (cap = 0, p = r->body->data; p < r->body->data + r->body->len;
	    p++)
		cap += *p == '\n';
	if (cap > 0 && (ev = calloc(cap, sizeof(*ev))) == NULL) {
		fail(r, 500, "internal", "out of memory");
		goto out;
	}
	while ((rv = next_line(r, &pos, &lineno, &line, &len)) == 1) {
		if (parse_line(r, &rec, line, len, lineno) == -1)
			goto out;
		if (record_is(&rec, "session") || record_is(&rec, "job")) {
			fail(r, 400, "malformed", "line %zu: %s records are "
			    "not reported (they hold a token or a lease)",
			    lineno, rec.type);
			goto out;
		}
		if (record_get_num(&rec, "seq", 1, HUBDB_SEQ_MAX, &ev[n].seq,
		    &err) == -1) {
			fail(r, 400, "malformed", "line %zu: %s", lineno,
			    err.msg);
			goto out;
		}
		ev[n].type = line;
		ev[n].typelen = strlen(rec.type);
		ev[n].line = line;
		ev[n].len = len;
		n++;
	}
	if (rv == -1)
		goto out;
	rv = hubdb_events(s->hd->db, r->id, r->lease, r->worker, ev, n,
	    hub_now(), s->conf.ttl, &ack, &err);
	if (rv != HUB_OK) {
		fail_outcome(r, rv, &err);
		goto out;
	}
	s->m.events += (unsigned long long)ack.stored;
	(void)record_start(&rec, "ack", NULL);
	(void)record_setf(&rec, NULL, "stored", "%lld", ack.stored);
	(void)record_setf(&rec, NULL, "dup", "%lld", ack.dup);
	(void)record_setf(&rec, NULL, "upto", "%lld", ack.upto);
	(void)record_setf(&rec, NULL, "ttl", "%lld", s->conf.ttl / 1000);
	(void)record_set(&rec, "state", "running", NULL);
	reply_rec(r, 200, &rec);
out:
	free(ev);
	record_free(&rec);
}

/* Starts an upload into the blob store (first call). */
static int
start_upload(struct req *r, off_t max, int need_digest)
{
	struct bb_error err;
	const char *v;

	r->want[0] = '\0';
	if ((v = header(r, "Content-Digest")) != NULL) {
		if (hubwire_content_digest(v, r->want) == -1) {
			fail(r, 400, "malformed", "Content-Digest has no "
			    "well-formed sha-256=:BASE64:");
			return -1;
		}
	} else if (need_digest) {
		fail(r, 400, "malformed", "no Content-Digest: sha-256=:BASE64: "
		    "header");
		return -1;
	}
	if (blob_writer_new(r->s->hd->blobs, max, &r->w, &err) == -1) {
		fail_internal(r, &err);
		return -1;
	}
	return 0;
}

/*
 * Ends an upload (last call).  Returns 0 with the blob's digest and size,
 * or -1 with the refusal queued.
 */
static int
end_upload(struct req *r, char *hex, off_t *size)
{
	struct blob_writer *w = r->w;
	struct bb_error err;
	int rv;

	r->w = NULL;
	if (blob_writer_toolarge(w)) {
		blob_writer_abort(w);
		fail(r, 413, "too-large", "the body is too large");
		return -1;
	}
	rv = blob_writer_commit(w, r->want[0] ? r->want : NULL, hex, size,
	    &err);
	if (rv == 1) {
		fail(r, 422, "digest-mismatch", "%s", err.msg);
		return -1;
	}
	if (rv == -1) {
		fail_internal(r, &err);
		return -1;
	}
	return 0;
}

static int
start_artifact(struct req *r)
{
	struct hub_server *s = r->s;
	struct bb_error err;
	int rv;

	rv = hubdb_lease(s->hd->db, r->id, r->lease, r->worker, hub_now(),
	    s->conf.ttl, NULL, NULL, &err);
	if (rv != HUB_OK) {
		fail_outcome(r, rv, &err);
		return -1;
	}
	if (start_upload(r, HUB_ARTIFACT_MAX, 1) == -1)
		return -1;
	busy_add(s, r->id);
	r->busy = r->id;
	return 0;
}

static void
do_artifact(struct req *r)
{
	struct hub_server *s = r->s;
	struct record rec;
	struct bb_error err;
	char hex[DIGEST_HEXLEN + 1];
	off_t size;
	int rv;

	if (end_upload(r, hex, &size) == -1)
		return;
	rv = hubdb_artifact(s->hd->db, r->id, r->lease, r->worker, r->name,
	    hex, size, hub_now(), s->conf.ttl, &err);
	if (rv != HUB_OK && rv != HUB_SAME) {
		fail_outcome(r, rv, &err);
		return;
	}
	record_init(&rec);
	(void)record_start(&rec, "artifact", NULL);
	(void)record_setf(&rec, NULL, "job", "%lld", r->id);
	(void)record_set(&rec, "name", r->name, NULL);
	(void)record_setf(&rec, NULL, "size", "%lld", (long long)size);
	(void)record_set(&rec, "sha256", hex, NULL);
	reply_rec(r, rv == HUB_OK ? 201 : 200, &rec);
	record_free(&rec);
}

static void
do_finish(struct req *r)
{
	struct hub_server *s = r->s;
	struct record rec;
	struct buf *have = NULL, *missing = NULL;
	struct bb_error err;
	const char *line, *result, *sha;
	char res[16];
	size_t pos = 0, lineno = 0, len;
	long long last;
	int rv, attempt;

	record_init(&rec);
	if ((rv = next_line(r, &pos, &lineno, &line, &len)) != 1) {
		if (rv == 0)
			fail(r, 400, "malformed", "line 1: expected a finish "
			    "record");
		goto out;
	}
	if (parse_line(r, &rec, line, len, lineno) == -1)
		goto out;
	if (!record_is(&rec, "finish") || pos != r->body->len) {
		fail(r, 400, "malformed", "expected one finish record");
		goto out;
	}
	if ((result = record_get(&rec, "result")) == NULL ||
	    !hubdb_valid_result(result)) {
		fail(r, 400, "malformed", "line 1: result is one of success, "
		    "failure, timeout, cancelled, error");
		goto out;
	}
	if (record_get_num(&rec, "last", 0, HUBDB_SEQ_MAX, &last, &err) ==
	    -1) {
		fail(r, 400, "malformed", "line 1: %s", err.msg);
		goto out;
	}
	if ((sha = record_get(&rec, "sha256")) == NULL ||
	    !digest_valid_hex(sha)) {
		fail(r, 400, "malformed", "line 1: sha256 is the records' "
		    "digest, 64 lower-case hex digits");
		goto out;
	}
	if ((have = buf_new(HUBDB_RANGES_MAX + 64)) == NULL ||
	    (missing = buf_new(HUBDB_RANGES_MAX + 64)) == NULL) {
		fail(r, 500, "internal", "out of memory");
		goto out;
	}
	rv = hubdb_finish(s->hd->db, r->id, r->lease, r->worker, result,
	    record_get(&rec, "reason"), last, sha, hub_now(), &attempt, res,
	    have, missing, &err);
	if (rv == HUB_INCOMPLETE) {
		struct MHD_Response *resp;

		resp = error_resp(412, "incomplete", err.msg, have->data,
		    missing->data);
		send_resp(r, 412, resp);
		goto out;
	}
	if (rv != HUB_OK) {
		fail_outcome(r, rv, &err);
		goto out;
	}
	hlog(s, "job %lld: %s (attempt %d, %s)", r->id, res, attempt,
	    r->worker);
	(void)record_start(&rec, "finished", NULL);
	(void)record_setf(&rec, NULL, "id", "%lld", r->id);
	(void)record_setf(&rec, NULL, "attempt", "%d", attempt);
	(void)record_set(&rec, "result", res, NULL);
	reply_rec(r, 200, &rec);
out:
	buf_free(have);
	buf_free(missing);
	record_free(&rec);
}

/* Admin */

static void
do_a_sources(struct req *r)
{
	struct record rec;
	char hex[DIGEST_HEXLEN + 1];
	off_t size;

	if (end_upload(r, hex, &size) == -1)
		return;
	record_init(&rec);
	(void)record_start(&rec, "source", NULL);
	(void)record_set(&rec, "sha256", hex, NULL);
	(void)record_setf(&rec, NULL, "size", "%lld", (long long)size);
	reply_rec(r, 201, &rec);
	record_free(&rec);
}

static void
do_a_submit(struct req *r)
{
	struct hub_server *s = r->s;
	struct recipe *rc = NULL;
	struct record rec;
	struct bb_error err;
	const char *line, *src = NULL;
	char hex[DIGEST_HEXLEN + 1];
	size_t pos = 0, lineno = 0, len;
	long long attempts = 0, id;
	int rv;

	record_init(&rec);
	if ((rc = recipe_new()) == NULL) {
		fail(r, 500, "internal", "out of memory");
		goto out;
	}
	while ((rv = next_line(r, &pos, &lineno, &line, &len)) == 1) {
		if (parse_line(r, &rec, line, len, lineno) == -1)
			goto out;
		if (lineno == 1) {
			if (!record_is(&rec, "submit") ||
			    (src = record_get(&rec, "source")) == NULL ||
			    !digest_valid_hex(src)) {
				fail(r, 400, "malformed", "line 1: expected "
				    "submit source=SHA256");
				goto out;
			}
			(void)strlcpy(hex, src, sizeof(hex));
			if (record_get(&rec, "attempts") != NULL &&
			    record_get_num(&rec, "attempts", 1,
			    HUB_ATTEMPTS_MAX, &attempts, &err) == -1) {
				fail(r, 400, "malformed", "line 1: %s",
				    err.msg);
				goto out;
			}
			continue;
		}
		if ((rv = recipe_add_record(rc, &rec, &err)) == -1) {
			fail(r, 400, "malformed", "line %zu: %s", lineno,
			    err.msg);
			goto out;
		}
		if (rv == 0) {
			fail(r, 400, "malformed", "line %zu: %s is not a "
			    "recipe record", lineno, rec.type);
			goto out;
		}
	}
	if (rv == -1)
		goto out;
	if (src == NULL) {
		fail(r, 400, "malformed", "line 1: expected submit "
		    "source=SHA256");
		goto out;
	}
	if (hub_submit(s->hd, rc, hex, (int)attempts, &id, &err) != HUB_OK) {
		if (err.code == EX_DATAERR)
			fail(r, 400, "malformed", "%s", err.msg);
		else
			fail_internal(r, &err);
		goto out;
	}
	s->wake = 1;
	hlog(s, "job %lld: submitted", id);
	(void)record_start(&rec, "job", NULL);
	(void)record_setf(&rec, NULL, "id", "%lld", id);
	if (rc->name != NULL)
		(void)record_set(&rec, "name", rc->name, NULL);
	else
		(void)record_setf(&rec, NULL, "name", "job-%lld", id);
	(void)record_set(&rec, "state", "queued", NULL);
	reply_rec(r, 201, &rec);
out:
	recipe_free(rc);
	record_free(&rec);
}

static int
num_arg(struct req *r, const char *name, long long min, long long max,
    long long def, long long *out)
{
	const char *v, *errstr;

	*out = def;
	if ((v = arg(r, name)) == NULL)
		return 0;
	*out = strtonum(v, min, max, &errstr);
	if (errstr != NULL) {
		fail(r, 400, "malformed", "%s=%s: %s", name, v, errstr);
		return -1;
	}
	return 0;
}

static void
reply_list(struct req *r, int rv, struct buf *b, const struct bb_error *err)
{
	if (rv == 0 || rv == HUB_OK)
		reply(r, 200, b);
	else
		fail_outcome(r, rv, err);
}

static void
do_a_jobs(struct req *r)
{
	struct buf *b;
	struct bb_error err;
	const char *state = arg(r, "state");
	long long limit;

	if (num_arg(r, "limit", 1, 100000, 100, &limit) == -1)
		return;
	if (state != NULL && strcmp(state, "queued") != 0 &&
	    strcmp(state, "running") != 0 && !hubdb_valid_result(state)) {
		fail(r, 400, "malformed", "state=%s: not a job state", state);
		return;
	}
	if ((b = buf_new(256 * 1024 * 1024)) == NULL) {
		fail(r, 500, "internal", "out of memory");
		return;
	}
	reply_list(r, hubdb_jobs(r->s->hd->db, state, limit, add_rec, b,
	    &err), b, &err);
	buf_free(b);
}

static void
do_a_job(struct req *r)
{
	struct buf *b;
	struct bb_error err;

	if ((b = buf_new(256 * 1024 * 1024)) == NULL) {
		fail(r, 500, "internal", "out of memory");
		return;
	}
	reply_list(r, hubdb_job(r->s->hd->db, r->id, add_rec, b, &err), b,
	    &err);
	buf_free(b);
}

struct logstream {
	struct hub_server	*s;
	long long		 id, n, after;
	struct buf		*b;
	size_t			 pos;
	int			 end;
};

static int
log_line(void *arg, long long seq, const char *line, size_t len)
{
	struct logstream *ls = arg;

	ls->after = seq;
	if (buf_add(ls->b, line, len) == -1 || buf_addc(ls->b, '\n') == -1)
		return -1;
	return 0;
}

static ssize_t
log_read(void *arg, uint64_t off, char *out, size_t max)
{
	struct logstream *ls = arg;
	struct bb_error err;
	long long before;
	size_t n;

	(void)off;
	if (ls->pos == ls->b->len) {
		if (ls->end)
			return MHD_CONTENT_READER_END_OF_STREAM;
		buf_reset(ls->b);
		ls->pos = 0;
		before = ls->after;
		if (hubdb_log(ls->s->hd->db, ls->id, &ls->n, ls->after, 256,
		    log_line, ls, &err) != HUB_OK) {
			hlog(ls->s, "job %lld: log: %s", ls->id, err.msg);
			return MHD_CONTENT_READER_END_WITH_ERROR;
		}
		if (ls->after == before)
			ls->end = 1;
		if (ls->b->len == 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
	}
	n = ls->b->len - ls->pos;
	if (n > max)
		n = max;
	memcpy(out, ls->b->data + ls->pos, n);
	ls->pos += n;
	return (ssize_t)n;
}

static void
log_free(void *arg)
{
	struct logstream *ls = arg;

	buf_free(ls->b);
	free(ls);
}

static int
no_line(void *arg, long long seq, const char *line, size_t len)
{
	(void)arg;
	(void)seq;
	(void)line;
	(void)len;
	return 0;
}

static void
do_a_log(struct req *r)
{
	struct MHD_Response *resp;
	struct logstream *ls;
	struct bb_error err;
	long long n;
	int rv;

	if (num_arg(r, "attempt", 1, INT_MAX, 0, &n) == -1)
		return;
	/* Is there such a job? */
	if ((rv = hubdb_log(r->s->hd->db, r->id, &n, 0, 1, no_line, NULL,
	    &err)) != HUB_OK) {
		fail_outcome(r, rv, &err);
		return;
	}
	if ((ls = calloc(1, sizeof(*ls))) == NULL ||
	    (ls->b = buf_new(256 * (RECORD_MAX + 1))) == NULL) {
		free(ls);
		fail(r, 500, "internal", "out of memory");
		return;
	}
	ls->s = r->s;
	ls->id = r->id;
	ls->n = n;
	if ((resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    64 * 1024, log_read, ls, log_free)) == NULL) {
		log_free(ls);
		fail(r, 500, "internal", "out of memory");
		return;
	}
	(void)MHD_add_response_header(resp, "Content-Type", text_type());
	(void)MHD_add_response_header(resp, "Cache-Control", "no-store");
	send_resp(r, 200, resp);
}

static void
do_a_blob(struct req *r)
{
	struct bb_error err;
	char hex[DIGEST_HEXLEN + 1];
	long long n;
	off_t size;
	int rv;

	if (r->route == R_A_SOURCE)
		rv = hubdb_source(r->s->hd->db, r->id, hex, &size, &err);
	else {
		if (num_arg(r, "attempt", 1, INT_MAX, 0, &n) == -1)
			return;
		rv = hubdb_artifact_find(r->s->hd->db, r->id, r->name, n, hex,
		    &size, &err);
	}
	if (rv != HUB_OK) {
		fail_outcome(r, rv, &err);
		return;
	}
	send_blob(r, hex);
}

static void
do_a_cancel(struct req *r)
{
	struct record rec;
	struct bb_error err;
	int rv;

	rv = hubdb_cancel(r->s->hd->db, r->id, hub_now(), &err);
	if (rv != HUB_OK) {
		fail_outcome(r, rv, &err);
		return;
	}
	hlog(r->s, "job %lld: cancelled", r->id);
	record_init(&rec);
	(void)record_start(&rec, "job", NULL);
	(void)record_setf(&rec, NULL, "id", "%lld", r->id);
	(void)record_set(&rec, "state", "cancelled", NULL);
	reply_rec(r, 200, &rec);
	record_free(&rec);
}

static long long
connected_window(const struct hub_server *s)
{
	return s->conf.maxwait + s->conf.ttl + 10000;
}

static void
do_a_workers(struct req *r)
{
	struct buf *b;
	struct bb_error err;

	if ((b = buf_new(256 * 1024 * 1024)) == NULL) {
		fail(r, 500, "internal", "out of memory");
		return;
	}
	reply_list(r, hubdb_workers(r->s->hd->db, hub_now(),
	    connected_window(r->s), add_rec, b, &err), b, &err);
	buf_free(b);
}

static void
do_a_addworker(struct req *r)
{
	struct record rec;
	struct bb_error err;
	const char *line, *name;
	char secret[HUBAUTH_TOKEN_LEN + 1];
	size_t pos = 0, lineno = 0, len;
	int rv;

	record_init(&rec);
	if ((rv = next_line(r, &pos, &lineno, &line, &len)) != 1) {
		if (rv == 0)
			fail(r, 400, "malformed", "line 1: expected worker "
			    "name=NAME");
		goto out;
	}
	if (parse_line(r, &rec, line, len, lineno) == -1)
		goto out;
	if (!record_is(&rec, "worker") ||
	    (name = record_get(&rec, "name")) == NULL) {
		fail(r, 400, "malformed", "line 1: expected worker name=NAME");
		goto out;
	}
	rv = hub_add_worker(r->s->hd, name, secret, &err);
	if (rv == HUB_EXISTS)
		fail(r, 409, "conflict", "%s", err.msg);
	else if (rv == -1 && err.code == EX_DATAERR)
		fail(r, 400, "malformed", "%s", err.msg);
	else if (rv != HUB_OK)
		fail_internal(r, &err);
	else {
		char n[HUBDB_NAME_MAX + 1];

		(void)strlcpy(n, name, sizeof(n));
		(void)record_start(&rec, "worker", NULL);
		(void)record_set(&rec, "name", n, NULL);
		(void)record_set(&rec, "secret", secret, NULL);
		reply_rec(r, 201, &rec);
		hlog(r->s, "worker %s added", n);
	}
	explicit_bzero(secret, sizeof(secret));
out:
	if (rec.mem != NULL)
		explicit_bzero(rec.mem->data, rec.mem->size);
	record_free(&rec);
}

static void
do_a_rmworker(struct req *r)
{
	struct record rec;
	struct bb_error err;
	long long n;
	int rv;

	rv = hubdb_worker_remove(r->s->hd->db, r->name, hub_now(), &n, &err);
	if (rv != HUB_OK) {
		fail_outcome(r, rv, &err);
		return;
	}
	if (n > 0)
		r->s->wake = 1;
	hlog(r->s, "worker %s removed, %lld jobs back in the queue", r->name,
	    n);
	record_init(&rec);
	(void)record_start(&rec, "removed", NULL);
	(void)record_set(&rec, "name", r->name, NULL);
	reply_rec(r, 200, &rec);
	record_free(&rec);
}

/* People and monitors */

static void
do_health(struct req *r)
{
	struct bb_error err;

	if (hubdb_ping(r->s->hd->db, &err) == -1) {
		fail(r, 503, "unavailable", "%s", err.msg);
		return;
	}
	send_resp(r, 200, response("ok\n", 3, text_type()));
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

static int
count_connected(void *arg, const struct record *rec)
{
	const char *v = record_get(rec, "connected");

	if (v != NULL && strcmp(v, "1") == 0)
		(*(long long *)arg)++;
	return 0;
}

static void
do_metrics(struct req *r)
{
	struct hub_server *s = r->s;
	struct counts c;
	struct buf *b;
	struct bb_error err;
	long long connected = 0;
	size_t i;

	memset(&c, 0, sizeof(c));
	if (hubdb_count(s->hd->db, count_state, &c, &err) == -1 ||
	    hubdb_workers(s->hd->db, hub_now(), connected_window(s),
	    count_connected, &connected, &err) == -1) {
		fail(r, 503, "unavailable", "%s", err.msg);
		return;
	}
	if ((b = buf_new(1024 * 1024)) == NULL) {
		fail(r, 500, "internal", "out of memory");
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
	send_resp(r, 200, response(b->data, b->len,
	    "text/plain; version=0.0.4; charset=utf-8"));
	buf_free(b);
}

static void
do_page(struct req *r)
{
	struct buf *b;
	struct bb_error err;
	int rv;

	if ((b = buf_new(512 * 1024 * 1024)) == NULL) {
		fail(r, 500, "internal", "out of memory");
		return;
	}
	if (r->route == R_INDEX)
		rv = hubpage_index(r->s->hd->db, hub_now(),
		    connected_window(r->s), b, &err);
	else
		rv = hubpage_job(r->s->hd->db, r->id, b, &err);
	if (rv == 0)
		send_resp(r, 200, response(b->data, b->len,
		    "text/html; charset=utf-8"));
	else
		fail_outcome(r, rv, &err);
	buf_free(b);
}

/* The request's first call: route, method, authentication, limits. */
static void
first_call(struct req *r, const char *url, const char *method)
{
	struct hub_server *s = r->s;
	const struct route_info *ri;
	const char *v, *errstr;
	long long cl = -1;

	if (route(r, url) == -1)
		return;
	/* The collections take POST too. */
	if (strcmp(method, "POST") == 0 && r->route == R_A_JOBS)
		r->route = R_A_SUBMIT;
	if (strcmp(method, "POST") == 0 && r->route == R_A_WORKERS)
		r->route = R_A_ADDWORKER;
	ri = &routes[r->route];
	if (strcmp(method, ri->method) != 0 &&
	    !(strcmp(method, "HEAD") == 0 && strcmp(ri->method, "GET") == 0)) {
		fail(r, 405, "method", "use %s here", ri->method);
		return;
	}
	if (s->stopping) {
		fail(r, 503, "unavailable", "the hub is stopping");
		return;
	}
	switch (ri->auth) {
	case A_NONE:
		break;
	case A_BASIC:
		if (auth_basic(r) == -1)
			return;
		break;
	case A_SESSION:
	case A_LEASE:
		if (auth_session(r) == -1)
			return;
		break;
	case A_ADMIN:
		if (auth_admin(r) == -1)
			return;
		break;
	}
	if ((v = header(r, "Content-Length")) != NULL) {
		cl = strtonum(v, 0, LLONG_MAX, &errstr);
		if (errstr != NULL) {
			fail(r, 400, "malformed", "bad Content-Length");
			return;
		}
	}
	if (ri->body > 0) {
		if (cl > (long long)ri->body) {
			fail(r, 413, "too-large", "the body is over %zu bytes",
			    ri->body);
			return;
		}
		if ((r->body = buf_new(ri->body)) == NULL) {
			fail(r, 500, "internal", "out of memory");
			return;
		}
	}
	if (r->route == R_ARTIFACT) {
		if (cl > HUB_ARTIFACT_MAX) {
			fail(r, 413, "too-large", "an artifact is at most "
			    "%lld bytes", HUB_ARTIFACT_MAX);
			return;
		}
		(void)start_artifact(r);
	} else if (r->route == R_A_SOURCES) {
		if (cl > HUB_SOURCE_MAX) {
			fail(r, 413, "too-large", "a source is at most %lld "
			    "bytes", HUB_SOURCE_MAX);
			return;
		}
		(void)start_upload(r, HUB_SOURCE_MAX, 0);
	}
}

static void
last_call(struct req *r)
{
	if (r->toolarge) {
		if (r->w != NULL) {
			blob_writer_abort(r->w);
			r->w = NULL;
		}
		if (r->ioerr) {
			fail(r, 500, "internal", "the hub cannot store the "
			    "body");
			return;
		}
		fail(r, 413, "too-large", "the body is over %zu bytes",
		    routes[r->route].body);
		return;
	}
	switch (r->route) {
	case R_HELLO:		do_hello(r); break;
	case R_CLAIM:		do_claim(r); break;
	case R_DECLINE:		do_decline(r); break;
	case R_SOURCE:		do_source(r); break;
	case R_EVENTS:		do_events(r); break;
	case R_ARTIFACT:	do_artifact(r); break;
	case R_FINISH:		do_finish(r); break;
	case R_A_SOURCES:	do_a_sources(r); break;
	case R_A_SUBMIT:	do_a_submit(r); break;
	case R_A_JOBS:		do_a_jobs(r); break;
	case R_A_JOB:		do_a_job(r); break;
	case R_A_LOG:		do_a_log(r); break;
	case R_A_SOURCE:
	case R_A_ARTIFACT:	do_a_blob(r); break;
	case R_A_CANCEL:	do_a_cancel(r); break;
	case R_A_WORKERS:	do_a_workers(r); break;
	case R_A_ADDWORKER:	do_a_addworker(r); break;
	case R_A_RMWORKER:	do_a_rmworker(r); break;
	case R_HEALTH:		do_health(r); break;
	case R_METRICS:		do_metrics(r); break;
	case R_INDEX:
	case R_PAGE:		do_page(r); break;
	case R_NONE:
		fail(r, 404, "not-found", "no such endpoint");
		break;
	}
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *datalen, void **con_cls)
{
	struct hub_server *s = cls;
	struct req *r = *con_cls;
	struct bb_error err;

	(void)version;
	if (r == NULL) {
		if ((r = calloc(1, sizeof(*r))) == NULL)
			return MHD_NO;
		r->s = s;
		r->c = c;
		*con_cls = r;
	}
	if (!r->started) {
		r->started = 1;
		/* The collection of /v1/admin/jobs takes POST too. */
		first_call(r, url, method);
		return MHD_YES;
	}
	if (*datalen > 0) {
		s->m.bytes += *datalen;
		if (!r->answered && !r->toolarge) {
			if (r->w != NULL) {
				if (blob_writer_add(r->w, data, *datalen,
				    &err) == -1) {
					if (!blob_writer_toolarge(r->w)) {
						hlog(s, "upload: %s", err.msg);
						r->ioerr = 1;
					}
					r->toolarge = 1;
				}
			} else if (r->body != NULL) {
				if (buf_add(r->body, data, *datalen) == -1)
					r->toolarge = 1;
			}
		}
		*datalen = 0;
		return MHD_YES;
	}
	if (r->broken)
		return MHD_NO;
	if (r->answered)
		return MHD_YES;
	if (r->resp != NULL) {
		/* Resumed with its answer: a claim, or a deferred report. */
		r->deferred = 0;
		send_resp(r, r->status, r->resp);
		r->resp = NULL;
		return MHD_YES;
	}
	if (!r->toolarge && (r->route == R_EVENTS || r->route == R_FINISH ||
	    r->route == R_DECLINE)) {
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
	struct req *r = *con_cls;
	struct bb_error err;
	int rv;

	(void)c;
	if (r == NULL)
		return;
	*con_cls = NULL;
	if (r->parked) {
		TAILQ_REMOVE(&s->waiters, r, entry);
		s->nwaiters--;
	} else if (r->deferred && r->resp == NULL)
		TAILQ_REMOVE(&s->pending, r, entry);
	if (r->claimed > 0 && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK) {
		rv = hubdb_unclaim(s->hd->db, r->claimed, r->claimlease, &err);
		if (rv == HUB_OK) {
			hlog(s, "job %lld: the claim's answer did not reach "
			    "%s; back in the queue", r->claimed, r->worker);
			s->wake = 1;
		} else if (rv == -1)
			hlog(s, "job %lld: %s", r->claimed, err.msg);
	}
	if (r->busy > 0) {
		busy_del(s, r->busy);
		if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
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

static size_t
unescape_none(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	/* Paths are split first and decoded by route(). */
	return strlen(s);
}

/* Parked claims */

static int
gone(struct req *r)
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

static void
answer_nothing(struct req *r)
{
	unpark(r, response("", 0, text_type()), 204);
}

struct queued {
	long long	 id;
	char		*require;
};

struct queue {
	struct queued	*v;
	size_t		 n;
};

static int
add_queued(void *arg, long long id, const char *require)
{
	struct queue *q = arg;
	struct queued *nv;

	if (q->n >= 10000)
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

/* What wake() knows of the queue for one set of capabilities. */
struct capsview {
	const char	*caps;
	size_t		 pos;	/* jobs before it are taken or do not fit */
};

/*
 * Hands queued jobs to the parked claims that can take them, oldest job
 * first, claims in the order they came, all in one batch; then answers
 * the claims whose wait is over with nothing.
 */
static void
wake(struct hub_server *s)
{
	struct queue q = { NULL, 0 };
	struct capsview *views = NULL, *nv, *v;
	struct req *w, *t, **given = NULL;
	struct bb_error err;
	char *taken = NULL;
	size_t i, k, nviews = 0, ngiven = 0;
	long long now = hub_now();
	int batch = 0, rv;

	s->wake = 0;
	if (TAILQ_EMPTY(&s->waiters))
		return;
	if (hubdb_queued(s->hd->db, add_queued, &q, &err) == -1) {
		hlog(s, "queue: %s", err.msg);
		goto late;
	}
	if (q.n == 0)
		goto late;
	if ((taken = calloc(q.n, 1)) == NULL ||
	    (given = calloc(s->nwaiters, sizeof(*given))) == NULL)
		goto late;
	if (hubdb_batch(s->hd->db, 1, &err) == -1) {
		hlog(s, "claims: %s", err.msg);
		goto late;
	}
	batch = 1;
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
			given[ngiven++] = w;
		else if (rv == HUB_NONE)
			s->wake = 1;	/* the queue changed: look again */
	}
late:
	if (batch && hubdb_batch(s->hd->db, 0, &err) == -1) {
		/* Nothing was claimed after all. */
		hlog(s, "claims: %s", err.msg);
		for (k = 0; k < ngiven; k++) {
			MHD_destroy_response(given[k]->resp);
			given[k]->resp = NULL;
			given[k]->claimed = 0;
			s->m.claims--;
			unpark(given[k], error_resp(503, "unavailable",
			    "the hub could not record the claim", NULL, NULL),
			    503);
		}
		ngiven = 0;
	}
	for (k = 0; k < ngiven; k++)
		unpark(given[k], NULL, 0);
	TAILQ_FOREACH_SAFE(w, &s->waiters, entry, t)
		if (w->until <= now && w->resp == NULL)
			answer_nothing(w);
	for (i = 0; i < q.n; i++)
		free(q.v[i].require);
	free(q.v);
	free(views);
	free(taken);
	free(given);
}

/* Answers the parked claims whose client went away. */
static void
sweep(struct hub_server *s)
{
	const union MHD_ConnectionInfo *ci;
	struct pollfd *pfd;
	struct req *w, *t;
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

/*
 * Stores the pending reports in one batch, then resumes their
 * connections with the answers, which are only sent once the batch is
 * on disk.
 */
static void
flush(struct hub_server *s)
{
	struct reqs done;
	struct bb_error err;
	struct req *r;
	int batch;

	s->flush = 0;
	TAILQ_INIT(&done);
	batch = hubdb_batch(s->hd->db, 1, &err) == 0;
	if (!batch)
		hlog(s, "reports: %s", err.msg);
	while ((r = TAILQ_FIRST(&s->pending)) != NULL) {
		TAILQ_REMOVE(&s->pending, r, entry);
		TAILQ_INSERT_TAIL(&done, r, entry);
		if (batch)
			last_call(r);
	}
	if (batch && hubdb_batch(s->hd->db, 0, &err) == -1) {
		hlog(s, "reports: %s", err.msg);
		batch = 0;
	}
	while ((r = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, r, entry);
		if (!batch) {
			/* Nothing was stored: the worker sends it again. */
			send_resp(r, 503, error_resp(503, "unavailable",
			    "the hub could not store the report", NULL, NULL));
		}
		if (r->resp == NULL)
			send_resp(r, 500, error_resp(500, "internal",
			    "no answer", NULL, NULL));
		MHD_resume_connection(r->c);
	}
	s->resumed = 1;
}

static void
tick(struct hub_server *s, long long now)
{
	struct bb_error err;
	struct req *w, *t;
	long long next, n = 0;

	s->next_tick = now + TICK_MS;
	TAILQ_FOREACH_SAFE(w, &s->waiters, entry, t)
		if (w->until <= now)
			answer_nothing(w);
	/* bb-hub submit, cancel, add-worker write the database directly. */
	if (hubdb_changed(s->hd->db))
		s->wake = 1;
	if (hubdb_next_expiry(s->hd->db, &next, &err) == -1)
		hlog(s, "leases: %s", err.msg);
	else if (next > 0 && next < now) {
		if (hubdb_expire(s->hd->db, now, s->conf.attempts, is_busy, s,
		    &n, &err) == -1)
			hlog(s, "leases: %s", err.msg);
		if (n > 0) {
			s->m.expiries += (unsigned long long)n;
			hlog(s, "%lld leases expired", n);
			s->wake = 1;
		}
	}
	if (now >= s->next_sweep) {
		s->next_sweep = now + SWEEP_MS;
		sweep(s);
		if (now % 60000 < SWEEP_MS &&
		    hubdb_purge_sessions(s->hd->db, now, HUB_SESSION_IDLE,
		    &err) == -1)
			hlog(s, "sessions: %s", err.msg);
	}
}

/* Start and stop */

static int
parse_listen(const char *spec, int *tls, char *host, size_t hostlen,
    char *port, size_t portlen, struct bb_error *err)
{
	const char *p = spec, *colon;
	size_t n;

	*tls = 1;
	if (strncmp(p, "http://", 7) == 0) {
		*tls = 0;
		p += 7;
	} else if (strncmp(p, "https://", 8) == 0)
		p += 8;
	if (*p == '[') {
		if ((colon = strchr(p, ']')) == NULL || colon[1] != ':')
			goto bad;
		n = (size_t)(colon - p - 1);
		p++;
		colon++;
	} else {
		if ((colon = strrchr(p, ':')) == NULL)
			goto bad;
		n = (size_t)(colon - p);
	}
	if (n >= hostlen || strlen(colon + 1) >= portlen ||
	    colon[1] == '\0')
		goto bad;
	memcpy(host, p, n);
	host[n] = '\0';
	(void)strlcpy(port, colon + 1, portlen);
	if (port[strspn(port, "0123456789")] != '\0')
		goto bad;
	if (host[0] == '\0' || strcmp(host, "*") == 0)
		(void)strlcpy(host, "0.0.0.0", hostlen);
	return 0;
bad:
	bb_error_set(err, EX_USAGE, "bad listen address \"%s\": expected "
	    "[http://|https://]HOST:PORT", spec);
	return -1;
}

static unsigned int
raise_nofile(unsigned int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return want > 900 ? 900 : want;
	if (rl.rlim_cur < (rlim_t)want + 64) {
		rl.rlim_cur = (rlim_t)want + 64;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want + 64)
		want = rl.rlim_cur > 128 ? (unsigned int)rl.rlim_cur - 64 : 64;
	return want;
}

int
hub_server_start(const struct hub_conf *conf, struct hub_server **out,
    struct bb_error *err)
{
	struct hub_server *s;
	struct addrinfo hints, *ai = NULL;
	struct MHD_OptionItem opts[16];
	const union MHD_DaemonInfo *di;
	char host[256], port[16], url[300];
	unsigned int flags, conns;
	size_t no = 0;
	int tls, e;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		bb_error_errno(err, EX_OSERR, "hub");
		return -1;
	}
	s->conf = *conf;
	TAILQ_INIT(&s->waiters);
	TAILQ_INIT(&s->pending);
	RB_INIT(&s->authoks);
	if (parse_listen(conf->listen, &tls, host, sizeof(host), port,
	    sizeof(port), err) == -1)
		goto fail;
	if (tls && (conf->cert == NULL || conf->key == NULL)) {
		bb_error_set(err, EX_USAGE, "%s: https needs a certificate "
		    "and a key (or listen on http:// explicitly)",
		    conf->listen);
		goto fail;
	}
	if (!tls && (conf->cert != NULL || conf->key != NULL)) {
		bb_error_set(err, EX_USAGE, "%s: a certificate and a key are "
		    "for https", conf->listen);
		goto fail;
	}
	if (tls && (file_read(AT_FDCWD, conf->cert, 1024 * 1024, &s->cert,
	    err) == -1 || file_read_secret(AT_FDCWD, conf->key, 1024 * 1024,
	    &s->key, err) == -1))
		goto fail;
	if (hub_dir_open(conf->dir, &s->hd, err) == -1 ||
	    hub_admin_token(s->hd, &s->admin, err) == -1)
		goto fail;
	if (hubdb_refresh_leases(s->hd->db, hub_now(), conf->ttl, err) == -1)
		goto fail;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((e = getaddrinfo(host, port, &hints, &ai)) != 0) {
		bb_error_set(err, EX_USAGE, "%s: %s", conf->listen,
		    gai_strerror(e));
		goto fail;
	}
	conns = raise_nofile(conf->connections);
	flags = MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	if (ai->ai_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (tls)
		flags |= MHD_USE_TLS;
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER,
	    (intptr_t)mhd_log, s };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_SOCK_ADDR, 0,
	    ai->ai_addr };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
	    conns, NULL };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT,
	    HUB_IDLE_TIMEOUT, NULL };
	opts[no++] = (struct MHD_OptionItem){
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, 32 * 1024, NULL };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_COMPLETED,
	    (intptr_t)completed, s };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_UNESCAPE_CALLBACK,
	    (intptr_t)unescape_none, s };
	opts[no++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_BACKLOG_SIZE,
	    4096, NULL };
	if (tls) {
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
		bb_error_set(err, EX_UNAVAILABLE, "cannot listen on %s (in "
		    "use, or a bad certificate or key?)", conf->listen);
		goto fail;
	}
	if ((di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT)) ==
	    NULL) {
		bb_error_set(err, EX_SOFTWARE, "no port");
		goto fail;
	}
	(void)snprintf(url, sizeof(url), "%s://%s%s%s:%u", tls ? "https" :
	    "http", ai->ai_family == AF_INET6 ? "[" : "", host,
	    ai->ai_family == AF_INET6 ? "]" : "", (unsigned)di->port);
	(void)strlcpy(s->url, url, sizeof(s->url));
	freeaddrinfo(ai);
	ai = NULL;
	if (conf->addr_file != NULL) {
		char line[sizeof(url) + 1];
		int n = snprintf(line, sizeof(line), "%s\n", url);

		if (file_write_atomic(AT_FDCWD, conf->addr_file, line,
		    (size_t)n, 0644, err) == -1)
			goto fail;
	}
	if (conns < conf->connections)
		hlog(s, "at most %u connections (RLIMIT_NOFILE)", conns);
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
hub_server_run(struct hub_server *s, volatile sig_atomic_t *stop,
    const sigset_t *mask, struct bb_error *err)
{
	const union MHD_DaemonInfo *di;
	MHD_UNSIGNED_LONG_LONG mt;
	struct pollfd pfd;
	struct timespec ts;
	struct req *w, *t;
	long long now, wait, deadline = 0;
	MHD_socket lfd = MHD_INVALID_SOCKET;

	if ((di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_EPOLL_FD)) ==
	    NULL) {
		bb_error_set(err, EX_SOFTWARE, "libmicrohttpd: no epoll");
		return -1;
	}
	pfd.fd = di->epoll_fd;
	pfd.events = POLLIN;
	s->wake = 1;
	for (;;) {
		now = hub_now();
		if (*stop && !s->stopping) {
			s->stopping = 1;
			deadline = now + STOP_MS;
			lfd = MHD_quiesce_daemon(s->d);
			TAILQ_FOREACH_SAFE(w, &s->waiters, entry, t)
				unpark(w, error_resp(503, "unavailable",
				    "the hub is stopping", NULL, NULL), 503);
		}
		if (s->stopping) {
			di = MHD_get_daemon_info(s->d,
			    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
			if ((di != NULL && di->num_connections == 0) ||
			    now >= deadline)
				break;
		}
		if (s->flush)
			flush(s);
		if (s->wake && !s->stopping)
			wake(s);
		if (now >= s->next_tick)
			tick(s, now);
		wait = s->next_tick - now;
		if (wait < 0)
			wait = 0;
		if (MHD_get_timeout(s->d, &mt) == MHD_YES &&
		    (long long)mt < wait)
			wait = (long long)mt;
		if (s->resumed)
			wait = 0;
		s->resumed = 0;
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = (wait % 1000) * 1000000;
		if (ppoll(&pfd, 1, &ts, mask) == -1 && errno != EINTR) {
			bb_error_errno(err, EX_OSERR, "ppoll");
			return -1;
		}
		if (MHD_run(s->d) != MHD_YES)
			hlog(s, "libmicrohttpd: run failed");
	}
	/* Nothing may stay suspended when the daemon stops. */
	if (!TAILQ_EMPTY(&s->pending))
		flush(s);
	TAILQ_FOREACH_SAFE(w, &s->waiters, entry, t)
		unpark(w, NULL, 0);
	MHD_stop_daemon(s->d);
	s->d = NULL;
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	return 0;
}

void
hub_server_free(struct hub_server *s)
{
	struct authok *e, *t;

	if (s == NULL)
		return;
	if (s->d != NULL)
		MHD_stop_daemon(s->d);
	RB_FOREACH_SAFE(e, authoks, &s->authoks, t) {
		RB_REMOVE(authoks, &s->authoks, e);
		freezero(e, sizeof(*e));
	}
	hub_dir_close(s->hd);
	buf_freezero(s->admin);
	buf_free(s->cert);
	buf_freezero(s->key);
	free(s->busy);
	free(s);
}
