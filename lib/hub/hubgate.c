#include <sys/tree.h>

#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "hubgate.h"
#include "hubpage.h"
#include "hubreq.h"
#include "hubsrv.h"

#define PAGE_SIGNIN_MAX	4096	/* the page a browser gets with a 401 */

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

struct hubgate {
	struct authoks	oks;
	size_t		n;
};

struct hubgate *
hubgate_new(void)
{
	struct hubgate *g;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return NULL;
	RB_INIT(&g->oks);
	return g;
}

static void
forget_all(struct hubgate *g)
{
	struct authok *e, *t;

	RB_FOREACH_SAFE(e, authoks, &g->oks, t) {
		RB_REMOVE(authoks, &g->oks, e);
		freezero(e, sizeof(*e));
	}
	g->n = 0;
}

void
hubgate_free(struct hubgate *g)
{
	if (g == NULL)
		return;
	forget_all(g);
	free(g);
}

static void
remember(struct hubgate *g, const unsigned char *key)
{
	struct authok *ok;

	if ((ok = calloc(1, sizeof(*ok))) == NULL)
		return;
	if (g->n >= HUBGATE_CACHE_MAX)
		forget_all(g);
	memcpy(ok->key, key, sizeof(ok->key));
	if (RB_INSERT(authoks, &g->oks, ok) == NULL)
		g->n++;
	else
		freezero(ok, sizeof(*ok));
}

/* Returns the token of an "Authorization: Bearer" header, or NULL. */
static const char *
bearer(struct hubreq *r)
{
	const char *v = hubreq_header(r, "Authorization");

	if (v == NULL || strncasecmp(v, "Bearer ", 7) != 0)
		return NULL;
	v += 7;
	v += strspn(v, " ");
	return *v == '\0' ? NULL : v;
}

static int
check_admin(struct hubreq *r)
{
	const char *t = bearer(r);

	if (t == NULL || !hubauth_equal(t, r->s->admin->data)) {
		hubreq_fail(r, 401, "unauthorized", "the admin token is "
		    "missing or wrong");
		return -1;
	}
	r->authed = 1;
	return 0;
}

/* Returns 1 if t is the admin token or, for metrics, the metrics token. */
static int
viewer_token(struct hubreq *r, const char *t, int metrics)
{
	if (t == NULL)
		return 0;
	return hubauth_equal(t, r->s->admin->data) ||
	    (metrics && hubauth_equal(t, r->s->metrics->data));
}

/*
 * Pages and /metrics: the token as a Bearer token or a Basic password
 * (any user name), or for pages the cookie; nothing when they are public.
 */
static int
check_viewer(struct hubreq *r, int metrics)
{
	struct buf *page = NULL;
	char *user, *pass = NULL;
	int ok;

	if (r->s->conf.public)
		return 0;
	ok = viewer_token(r, bearer(r), metrics);
	if (!ok && (user = MHD_basic_auth_get_username_password(r->c,
	    &pass)) != NULL) {
		ok = viewer_token(r, pass, metrics);
		if (pass != NULL) {
			explicit_bzero(pass, strlen(pass));
			MHD_free(pass);
		}
		MHD_free(user);
	}
	if (!ok && !metrics)
		ok = viewer_token(r, MHD_lookup_connection_value(r->c,
		    MHD_COOKIE_KIND, HUBGATE_COOKIE), 0);
	if (!ok && hubreq_wants_html(r)) {
		/* A person: a page that says what to do, not a record. */
		if ((page = buf_new(PAGE_SIGNIN_MAX)) == NULL ||
		    hubpage_signin(page, metrics) == -1)
			hubreq_fail(r, 500, "internal", "out of memory");
		else
			hubreq_fail_page(r, 401, page);
		buf_free(page);
		return -1;
	}
	if (!ok) {
		hubreq_fail(r, 401, "unauthorized", metrics ? "/metrics needs "
		    "the metrics or the admin token (Bearer, or a Basic "
		    "password)" : "this page needs the admin token (a Basic "
		    "password, the " HUBGATE_COOKIE " cookie, or Bearer)");
		return -1;
	}
	r->authed = 1;
	return 0;
}

static int
check_session(struct hubreq *r)
{
	struct hub_server *s = r->s;
	struct hubdb_session sess;
	struct bb_error err;
	char hash[DIGEST_HEXLEN + 1];
	const char *t = bearer(r), *l;
	int rv;

	if (t == NULL) {
		hubreq_fail(r, 401, "unauthorized", "no session token: say "
		    "hello first");
		return -1;
	}
	if (hubauth_token_hash(t, strlen(t), hash) == -1) {
		hubreq_fail(r, 500, "internal", "out of memory");
		return -1;
	}
	rv = hubdb_session(s->hd->db, hash, hub_now(), HUB_SESSION_IDLE,
	    &sess, &err);
	if (rv == -1) {
		hubreq_fail_internal(r, &err);
		return -1;
	}
	if (rv != HUB_OK) {
		hubreq_fail(r, 401, "unauthorized", "%s: say hello again",
		    err.msg);
		return -1;
	}
	r->authed = 1;
	(void)strlcpy(r->worker, sess.worker, sizeof(r->worker));
	if ((r->caps = strdup(sess.caps)) == NULL) {
		hubreq_fail(r, 500, "internal", "out of memory");
		return -1;
	}
	if (r->route->auth != HUBROUTE_LEASE)
		return 0;
	if ((l = hubreq_header(r, "Bb-Lease")) == NULL || *l == '\0' ||
	    strlcpy(r->lease, l, sizeof(r->lease)) >= sizeof(r->lease)) {
		hubreq_fail(r, 400, "malformed", "no Bb-Lease header, or a bad "
		    "one");
		return -1;
	}
	return 0;
}

/* Puts in key what a checked secret is known by.  Returns 0 or -1. */
static int
cache_key(const char *user, const char *pass, const char *stored,
    unsigned char *key)
{
	struct digest *d;
	int rv = -1;

	if ((d = digest_new()) == NULL)
		return -1;
	if (digest_update(d, user, strlen(user) + 1) == 0 &&
	    digest_update(d, pass, strlen(pass) + 1) == 0 &&
	    digest_update(d, stored, strlen(stored)) == 0 &&
	    digest_final(d, key) == 0)
		rv = 0;
	digest_free(d);
	return rv;
}

static int
check_basic(struct hubreq *r)
{
	struct hub_server *s = r->s;
	struct authok key;
	struct bb_error err;
	char hash[HUBAUTH_HASH_MAX];
	const char *stored = NULL;
	char *user, *pass = NULL;
	int rv = -1, x, keyed = 0;

	if ((user = MHD_basic_auth_get_username_password(r->c, &pass)) ==
	    NULL || pass == NULL) {
		hubreq_fail(r, 401, "unauthorized", "hello needs the worker's "
		    "name and secret (HTTP Basic)");
		goto out;
	}
	if (hub_valid_worker(user)) {
		x = hubdb_worker_secret(s->hd->db, user, hash, sizeof(hash),
		    &err);
		if (x == -1) {
			hubreq_fail_internal(r, &err);
			goto out;
		}
		if (x == HUB_OK)
			stored = hash;
	}
	if (stored != NULL)
		keyed = cache_key(user, pass, stored, key.key) == 0;
	if (keyed && RB_FIND(authoks, &s->gate->oks, &key) != NULL)
		x = 1;
	else {
		x = hubauth_secret_check(pass, strlen(pass), stored);
		if (x && keyed)
			remember(s->gate, key.key);
	}
	if (!x || stored == NULL) {
		hubsrv_log(s, "hello refused: bad name or secret");
		hubreq_fail(r, 401, "unauthorized", "bad worker name or "
		    "secret");
		goto out;
	}
	(void)strlcpy(r->worker, user, sizeof(r->worker));
	r->authed = 1;
	rv = 0;
out:
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

int
hubgate_check(struct hubreq *r)
{
	switch (r->route->auth) {
	case HUBROUTE_OPEN:
		return 0;
	case HUBROUTE_BASIC:
		return check_basic(r);
	case HUBROUTE_SESSION:
	case HUBROUTE_LEASE:
		return check_session(r);
	case HUBROUTE_ADMIN:
		return check_admin(r);
	case HUBROUTE_PAGE:
		return check_viewer(r, 0);
	case HUBROUTE_METRICS:
		return check_viewer(r, 1);
	}
	hubreq_fail(r, 500, "internal", "route without a known gate");
	return -1;
}
