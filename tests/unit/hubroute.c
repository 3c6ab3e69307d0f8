/*
 * Unit tests of lib/hub/hubroute.c, the hub's routing table: every
 * endpoint of bb-protocol(7) and bb-hub(8) reaches its handler (the man
 * pages are read, so a documented route cannot go missing), path
 * parameters come out decoded, unknown paths get 404, other methods 405
 * with an Allow header, and hostile paths are refused.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "hubadmin.h"
#include "hubclaim.h"
#include "hubpublic.h"
#include "hubroute.h"
#include "hubwork.h"
#include "tap.h"

typedef void (*handler_fn)(struct hubreq *);

static const struct want {
	const char	*method;
	const char	*path;
	handler_fn	 handler;
	long long	 id;
	const char	*name;
} wants[] = {
	{ "POST", "/v1/hello", hubwork_hello, 0, NULL },
	{ "POST", "/v1/claim", hubclaim_claim, 0, NULL },
	{ "POST", "/v1/jobs/7/decline", hubwork_decline, 7, NULL },
	{ "POST", "/v1/jobs/7/abandon", hubwork_abandon, 7, NULL },
	{ "GET", "/v1/jobs/7/source", hubwork_source, 7, NULL },
	{ "HEAD", "/v1/jobs/7/source", hubwork_source, 7, NULL },
	{ "POST", "/v1/jobs/7/events", hubwork_events, 7, NULL },
	{ "PUT", "/v1/jobs/7/artifacts/hello", hubwork_artifact, 7, "hello" },
	{ "PUT", "/v1/jobs/12/artifacts/dist%2Ehello%20world.tar.gz",
	    hubwork_artifact, 12, "dist.hello world.tar.gz" },
	{ "PUT", "/v1/jobs/1/artifacts/%C3%A9t%C3%A9", hubwork_artifact, 1,
	    "\xc3\xa9t\xc3\xa9" },
	{ "POST", "/v1/jobs/7/finish", hubwork_finish, 7, NULL },
	{ "POST", "/v1/admin/sources", hubadmin_sources, 0, NULL },
	{ "POST", "/v1/admin/jobs", hubadmin_submit, 0, NULL },
	{ "GET", "/v1/admin/jobs", hubadmin_jobs, 0, NULL },
	{ "GET", "/v1/admin/jobs/9223372036854775807", hubadmin_job,
	    LLONG_MAX, NULL },
	{ "GET", "/v1/admin/jobs/007", hubadmin_job, 7, NULL },
	{ "GET", "/v1/admin/jobs/7/log", hubadmin_log, 7, NULL },
	{ "GET", "/v1/admin/jobs/7/source", hubadmin_source, 7, NULL },
	{ "GET", "/v1/admin/jobs/7/artifacts/hello.sig", hubadmin_artifact, 7,
	    "hello.sig" },
	{ "POST", "/v1/admin/jobs/7/cancel", hubadmin_cancel, 7, NULL },
	{ "GET", "/v1/admin/workers", hubadmin_workers, 0, NULL },
	{ "POST", "/v1/admin/workers", hubadmin_addworker, 0, NULL },
	{ "DELETE", "/v1/admin/workers/w1", hubadmin_rmworker, 0, "w1" },
	{ "DELETE", "/v1/admin/workers/build%2Dbox.2", hubadmin_rmworker, 0,
	    "build-box.2" },
	{ "GET", "/healthz", hubpublic_health, 0, NULL },
	{ "GET", "/metrics", hubpublic_metrics, 0, NULL },
	{ "GET", "/", hubpublic_index, 0, NULL },
	{ "HEAD", "/", hubpublic_index, 0, NULL },
	{ "GET", "/jobs/7", hubpublic_job, 7, NULL },
	{ "GET", "/jobs/7/live", hubpublic_live, 7, NULL },
	{ "GET", "/jobs/7/artifacts/hello.sig", hubadmin_artifact, 7,
	    "hello.sig" },
	{ "GET", "/hub.css", hubpublic_asset, 0, NULL },
	{ "GET", "/hub.js", hubpublic_asset, 0, NULL },
	{ "GET", "/hub.svg", hubpublic_asset, 0, NULL },
};

static int
match(const char *method, const char *path, struct hubroute_match *m)
{
	return hubroute_match(method, path, strlen(path), m);
}

static void
test_wants(void)
{
	struct hubroute_match m;
	char seen[64];
	size_t i, k;
	int good;

	memset(seen, 0, sizeof(seen));
	ok(hubroute_count <= sizeof(seen), "the table has %zu routes",
	    hubroute_count);
	for (i = 0; i < nitems(wants); i++) {
		const struct want *w = &wants[i];

		good = match(w->method, w->path, &m) == 0 &&
		    m.route->handler == w->handler && m.id == w->id &&
		    (w->name == NULL ? m.name == NULL : m.name != NULL &&
		    strcmp(m.name, w->name) == 0);
		ok(good, "%s %s reaches its handler%s", w->method, w->path,
		    w->id || w->name ? " with its parameters" : "");
		if (!good && m.route == NULL)
			printf("#   %u %s: %s\n", m.status, m.reason, m.msg);
		if (m.route != NULL)
			seen[m.route - hubroute_table] = 1;
		free(m.name);
	}
	for (i = 0, k = 0; i < hubroute_count && i < sizeof(seen); i++)
		if (!seen[i]) {
			printf("#   untested: %s %s\n",
			    hubroute_table[i].method,
			    hubroute_table[i].pattern);
			k++;
		}
	is_int(k, 0, "every route of the table is tested above");
}

/* Puts in out a path that pattern pat takes (":id" 42, names "w1"). */
static void
sample(const char *pat, char *out, size_t len)
{
	size_t n = 0;

	while (*pat != '\0' && n + 3 < len) {
		if (strncmp(pat, ":id", 3) == 0) {
			memcpy(out + n, "42", 2);
			n += 2;
			pat += 3;
		} else if (*pat == '*') {
			memcpy(out + n, "w1", 2);
			n += 2;
			pat += strlen(pat);
		} else
			out[n++] = *pat++;
	}
	out[n] = '\0';
}

/* The table itself: well-formed, no overlaps, the right gates. */
static void
test_table(void)
{
	const struct hubroute *r, *o;
	struct hubroute_match m;
	char path[256];
	size_t i, j, bad = 0, unreached = 0, gates = 0, hooks = 0;

	for (i = 0; i < hubroute_count; i++) {
		r = &hubroute_table[i];
		if (r->handler == NULL || r->pattern[0] != '/' ||
		    (strcmp(r->method, "GET") != 0 &&
		    strcmp(r->method, "POST") != 0 &&
		    strcmp(r->method, "PUT") != 0 &&
		    strcmp(r->method, "DELETE") != 0)) {
			printf("#   bad entry %zu\n", i);
			bad++;
		}
		sample(r->pattern, path, sizeof(path));
		if (match(r->method, path, &m) == -1 || m.route != r) {
			printf("#   %s %s does not reach %s\n", r->method, path,
			    r->pattern);
			unreached++;
		}
		free(m.name);
		for (j = 0; j < hubroute_count; j++) {
			o = &hubroute_table[j];
			if (j != i && strcmp(o->method, r->method) == 0 &&
			    strcmp(o->pattern, r->pattern) == 0) {
				printf("#   %s %s twice\n", r->method,
				    r->pattern);
				bad++;
			}
		}
		/* Who may call follows the path. */
		if (strncmp(r->pattern, "/v1/admin/", 10) == 0 ?
		    r->auth != HUBROUTE_ADMIN :
		    strncmp(r->pattern, "/v1/jobs/", 9) == 0 ?
		    r->auth != HUBROUTE_LEASE :
		    strcmp(r->pattern, "/v1/hello") == 0 ?
		    r->auth != HUBROUTE_BASIC :
		    strcmp(r->pattern, "/v1/claim") == 0 ?
		    r->auth != HUBROUTE_SESSION :
		    strcmp(r->pattern, "/healthz") == 0 ||
		    strncmp(r->pattern, "/hub.", 5) == 0 ?
		    r->auth != HUBROUTE_OPEN :
		    strcmp(r->pattern, "/metrics") == 0 ?
		    r->auth != HUBROUTE_METRICS :
		    (r->auth != HUBROUTE_PAGE ||
		    strcmp(r->method, "GET") != 0)) {
			printf("#   %s %s: wrong gate\n", r->method,
			    r->pattern);
			gates++;
		}
		/* A raw upload starts at the first call; it keeps no body. */
		if ((r->start != NULL) != (strcmp(r->pattern,
		    "/v1/admin/sources") == 0 || strcmp(r->method, "PUT") ==
		    0) || (r->start != NULL && r->body != 0))
			hooks++;
	}
	is_int(bad, 0, "every entry has a method, a /pattern and a handler, "
	    "once");
	is_int(unreached, 0, "every pattern takes a path made from it, and "
	    "no other pattern does");
	is_int(gates, 0, "admin paths need the admin token, a job's the "
	    "lease, hello a secret, claim a session, /metrics a monitor's "
	    "token, /healthz and the pages' files nothing, pages (GET only) "
	    "the admin's");
	is_int(hooks, 0, "uploads (sources, artifacts) start at the first "
	    "call");
	ok(match("POST", "/v1/jobs/1/events", &m) == 0 &&
	    (m.route->flags & HUBROUTE_BATCH) &&
	    match("POST", "/v1/jobs/1/finish", &m) == 0 &&
	    (m.route->flags & HUBROUTE_BATCH) &&
	    match("POST", "/v1/jobs/1/decline", &m) == 0 &&
	    (m.route->flags & HUBROUTE_BATCH) &&
	    match("POST", "/v1/claim", &m) == 0 &&
	    !(m.route->flags & HUBROUTE_BATCH),
	    "reports are batched, claims are not");
}

/*
 * Reads the routes of a man page: ".It Cm METHOD /path ..." and
 * ".Ql METHOD /path" lines, "Ar ID" as 7 and "Ar NAME" as w1, a query
 * (Op) left out, "," between two routes.  Checks each reaches a route.
 */
static size_t
test_page(const char *page, char *seen)
{
	static const char *const methods[] = {
		"GET", "HEAD", "POST", "PUT", "DELETE"
	};
	struct hubroute_match m;
	char path[1024], line[1024], *tok, *save, *method;
	const char *src;
	size_t n = 0, i, plen;
	FILE *f;
	int arg;

	if ((src = getenv("BB_SRC")) == NULL)
		src = ".";
	(void)snprintf(path, sizeof(path), "%s/man/%s", src, page);
	if ((f = fopen(path, "r")) == NULL) {
		ok(0, "read %s", path);
		return 0;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, ".It Cm ", 7) != 0 &&
		    strncmp(line, ".Ql ", 4) != 0)
			continue;
		method = NULL;
		plen = 0;
		arg = 0;
		path[0] = '\0';
		tok = strtok_r(line, " ", &save);
		for (;;) {
			tok = strtok_r(NULL, " ", &save);
			if (tok == NULL || strcmp(tok, "Op") == 0 ||
			    strcmp(tok, ",") == 0) {
				if (method != NULL && path[0] == '/') {
					ok(match(method, path, &m) == 0,
					    "%s: %s %s has a route", page,
					    method, path);
					if (m.route != NULL)
						seen[m.route -
						    hubroute_table] = 1;
					free(m.name);
					n++;
				}
				if (tok == NULL || strcmp(tok, "Op") == 0)
					break;
				method = NULL;
				plen = 0;
				path[0] = '\0';
				continue;
			}
			if (strcmp(tok, "Cm") == 0 || strcmp(tok, "Ns") == 0)
				continue;
			if (strcmp(tok, "Ar") == 0) {
				arg = 1;
				continue;
			}
			if (method == NULL) {
				for (i = 0; i < nitems(methods); i++)
					if (strcmp(tok, methods[i]) == 0)
						method = tok;
				if (method == NULL)
					break;
				continue;
			}
			if (arg)
				tok = strcmp(tok, "ID") == 0 ? "7" : "w1";
			arg = 0;
			if (plen + strlen(tok) < sizeof(path)) {
				memcpy(path + plen, tok, strlen(tok) + 1);
				plen += strlen(tok);
			}
		}
	}
	fclose(f);
	return n;
}

static void
test_pages(void)
{
	char seen[64];
	size_t n, i, k = 0;

	memset(seen, 0, sizeof(seen));
	n = test_page("bb-protocol.7", seen);
	ok(n >= hubroute_count, "bb-protocol(7) names %zu routes", n);
	for (i = 0; i < hubroute_count && i < sizeof(seen); i++)
		if (!seen[i]) {
			printf("#   undocumented: %s %s\n",
			    hubroute_table[i].method,
			    hubroute_table[i].pattern);
			k++;
		}
	is_int(k, 0, "and every route of the table is among them");
	n = test_page("bb-hub.8", seen);
	ok(n >= 3, "bb-hub(8) names %zu routes", n);
}

/* Checks that method and path are refused with status and reason. */
static void
refused(const char *method, const char *path, size_t len,
    unsigned int status, const char *reason, const char *what)
{
	struct hubroute_match m;
	int rv;

	rv = hubroute_match(method, path, len, &m);
	ok(rv == -1 && m.status == status && strcmp(m.reason, reason) == 0 &&
	    m.route == NULL && m.name == NULL && m.msg[0] != '\0',
	    "%s: %u %s (%s)", what, status, reason, rv == -1 ? m.msg : "taken");
	if (rv == 0)
		free(m.name);
}

#define REFUSED(method, path, status, reason, what)			\
	refused(method, path, strlen(path), status, reason, what)

static void
test_refusals(void)
{
	struct hubroute_match m;
	char *big;
	size_t n;

	/* Unknown paths. */
	REFUSED("GET", "/v1/nothing", 404, "not-found", "an unknown endpoint");
	REFUSED("GET", "/v1", 404, "not-found", "/v1");
	REFUSED("GET", "/v1/", 404, "not-found", "/v1/");
	REFUSED("POST", "/v1/hello/", 404, "not-found", "a trailing slash");
	REFUSED("POST", "/v1//hello", 404, "not-found", "an empty segment");
	REFUSED("POST", "/V1/hello", 404, "not-found", "another case");
	REFUSED("POST", "v1/hello", 404, "not-found", "no leading slash");
	REFUSED("GET", "", 404, "not-found", "an empty path");
	REFUSED("GET", "/v1/jobs", 404, "not-found", "the jobs of a worker");
	REFUSED("GET", "/v1/jobs/7", 404, "not-found", "a job, not admin");
	REFUSED("POST", "/v1/jobs/7/nope", 404, "not-found",
	    "an unknown call of a job");
	REFUSED("GET", "/v1/admin/jobs/7/", 404, "not-found",
	    "a job with a trailing slash");
	REFUSED("GET", "/jobs/", 404, "not-found", "a page without its job");
	REFUSED("GET", "/index.html", 404, "not-found", "a file");

	/* Bad job ids. */
	REFUSED("POST", "/v1/jobs/abc/events", 404, "not-found",
	    "a job that is not a number");
	ok(match("POST", "/v1/jobs/abc/events", &m) == -1 &&
	    strcmp(m.msg, "no job abc") == 0, "which it names: %s", m.msg);
	REFUSED("POST", "/v1/jobs/-1/finish", 404, "not-found",
	    "a negative job");
	REFUSED("POST", "/v1/jobs/0/finish", 404, "not-found", "job 0");
	REFUSED("POST", "/v1/jobs/+1/finish", 404, "not-found", "a plus sign");
	REFUSED("POST", "/v1/jobs/0x1/finish", 404, "not-found", "hex");
	REFUSED("GET", "/v1/admin/jobs/9223372036854775808", 404,
	    "not-found", "a job over LLONG_MAX");
	REFUSED("GET", "/v1/admin/jobs/99999999999999999999999999999999999",
	    404, "not-found", "a job of 35 digits");
	REFUSED("GET", "/jobs/1e3", 404, "not-found", "a page of job 1e3");
	REFUSED("GET", "/v1/jobs/abc/events", 404, "not-found",
	    "a bad job before a wrong method");

	/* Other methods. */
	REFUSED("GET", "/v1/hello", 405, "method", "GET hello");
	ok(match("GET", "/v1/hello", &m) == -1 &&
	    strcmp(m.allow, "POST") == 0, "Allow: %s", m.allow);
	ok(match("GET", "/v1/jobs/7/events", &m) == -1 && m.status == 405 &&
	    strcmp(m.allow, "POST") == 0, "GET on events: Allow: %s",
	    m.allow);
	ok(match("DELETE", "/v1/admin/jobs", &m) == -1 && m.status == 405 &&
	    strcmp(m.allow, "GET, HEAD, POST") == 0,
	    "DELETE on the jobs: Allow: %s", m.allow);
	ok(match("PUT", "/v1/admin/workers", &m) == -1 && m.status == 405 &&
	    strcmp(m.allow, "GET, HEAD, POST") == 0,
	    "PUT on the workers: Allow: %s", m.allow);
	ok(match("POST", "/healthz", &m) == -1 && m.status == 405 &&
	    strcmp(m.allow, "GET, HEAD") == 0, "POST /healthz: Allow: %s",
	    m.allow);
	ok(match("GET", "/v1/jobs/7/artifacts/x", &m) == -1 &&
	    m.status == 405 && strcmp(m.allow, "PUT") == 0,
	    "GET an artifact as a worker: Allow: %s", m.allow);
	ok(match("PUT", "/v1/admin/workers/w1", &m) == -1 &&
	    m.status == 405 && strcmp(m.allow, "DELETE") == 0,
	    "PUT a worker: Allow: %s", m.allow);
	REFUSED("get", "/healthz", 405, "method", "a method in lower case");
	REFUSED("OPTIONS", "/v1/claim", 405, "method", "OPTIONS");
	REFUSED("", "/v1/claim", 405, "method", "no method");
	REFUSED("BREW", "/nope", 404, "not-found",
	    "an unknown method on an unknown path");

	/* Dot segments. */
	REFUSED("POST", "/v1/jobs/1/../2/events", 404, "not-found",
	    "a .. segment");
	REFUSED("POST", "/v1/jobs/../jobs/1/events", 404, "not-found",
	    "a .. segment instead of a job");
	REFUSED("POST", "/v1/admin/../hello", 404, "not-found",
	    "a .. back to hello");
	REFUSED("POST", "/v1/./hello", 404, "not-found", "a . segment");
	REFUSED("PUT", "/v1/jobs/1/artifacts/..", 400, "malformed",
	    "the artifact ..");
	REFUSED("PUT", "/v1/jobs/1/artifacts/.", 400, "malformed",
	    "the artifact .");
	REFUSED("PUT", "/v1/jobs/1/artifacts/../x", 400, "malformed",
	    "an artifact ../x");
	REFUSED("PUT", "/v1/jobs/1/artifacts/a/../../x", 400, "malformed",
	    "an artifact a/../../x");
	REFUSED("PUT", "/v1/jobs/1/artifacts//etc/passwd", 400, "malformed",
	    "an artifact /etc/passwd");
	REFUSED("PUT", "/v1/jobs/1/artifacts/%2E%2E", 400, "malformed",
	    "an artifact %2E%2E");
	REFUSED("PUT", "/v1/jobs/1/artifacts/", 400, "malformed",
	    "an artifact without a name");
	REFUSED("DELETE", "/v1/admin/workers/..", 404, "not-found",
	    "the worker ..");
	REFUSED("DELETE", "/v1/admin/workers/", 404, "not-found",
	    "a worker without a name");

	/* Escaped slashes and other escapes. */
	REFUSED("POST", "/v1%2Fhello", 404, "not-found", "/v1%2Fhello");
	REFUSED("POST", "/v1/hello%2F", 404, "not-found", "/v1/hello%2F");
	REFUSED("POST", "/v1/jobs/1%2F2/events", 404, "not-found",
	    "a %2F in a job");
	REFUSED("PUT", "/v1/jobs/1/artifacts/..%2Fx", 400, "malformed",
	    "an artifact ..%2Fx");
	REFUSED("PUT", "/v1/jobs/1/artifacts/%2Fetc%2Fpasswd", 400,
	    "malformed", "an artifact %2Fetc%2Fpasswd");
	REFUSED("PUT", "/v1/jobs/1/artifacts/a%5Cb", 400, "malformed",
	    "an artifact with a backslash");
	REFUSED("PUT", "/v1/jobs/1/artifacts/a%0Ab", 400, "malformed",
	    "an artifact with a newline");
	REFUSED("PUT", "/v1/jobs/1/artifacts/%zz", 400, "malformed",
	    "a bad escape");
	REFUSED("PUT", "/v1/jobs/1/artifacts/a%4", 400, "malformed",
	    "a cut escape");
	REFUSED("DELETE", "/v1/admin/workers/a%2Fb", 404, "not-found",
	    "a worker a%2Fb");
	REFUSED("DELETE", "/v1/admin/workers/a/b", 404, "not-found",
	    "a worker a/b");
	REFUSED("DELETE", "/v1/admin/workers/%zz", 404, "not-found",
	    "a worker with a bad escape");

	/* NUL bytes. */
	REFUSED("PUT", "/v1/jobs/1/artifacts/a%00b", 400, "malformed",
	    "an artifact with %00");
	REFUSED("DELETE", "/v1/admin/workers/w1%00x", 404, "not-found",
	    "a worker with %00");
	refused("POST", "/v1/hello\0/x", 12, 400, "malformed",
	    "a raw NUL in the path");
	refused("PUT", "/v1/jobs/1/artifacts/a\0b", 24, 400, "malformed",
	    "a raw NUL in an artifact name");
	refused("GET", "/\0", 2, 400, "malformed", "a raw NUL after /");

	/* Very long paths. */
	n = 100000;
	if ((big = malloc(n + 1)) == NULL)
		abort();
	memset(big, 'a', n);
	big[0] = '/';
	big[n] = '\0';
	REFUSED("GET", big, 404, "not-found", "a path of 100000 bytes");
	memcpy(big, "/v1/admin/jobs/", 15);
	memset(big + 15, '1', n - 15);
	REFUSED("GET", big, 404, "not-found", "a job of 99985 digits");
	memcpy(big, "/v1/jobs/1/artifacts/", 21);
	memset(big + 21, 'x', n - 21);
	REFUSED("PUT", big, 400, "malformed", "an artifact name of 99979 "
	    "bytes");
	memset(big + 21, 'x', 255);
	big[21 + 255] = '\0';
	ok(match("PUT", big, &m) == 0 && strlen(m.name) == 255,
	    "an artifact name of 255 bytes is fine");
	free(m.name);
	big[21 + 256] = '\0';
	big[21 + 255] = 'x';
	REFUSED("PUT", big, 400, "malformed", "one of 256 is not");
	for (n = 0; n + 2 < 100000; n += 2)
		memcpy(big + n, "/.", 2);
	big[n] = '\0';
	REFUSED("GET", big, 404, "not-found", "50000 dot segments");
	memcpy(big, "/v1/admin/workers/", 18);
	memset(big + 18, 'w', 1000);
	big[18 + 1000] = '\0';
	REFUSED("DELETE", big, 404, "not-found", "a worker name of 1000 "
	    "bytes");
	free(big);
}

int
main(void)
{
	test_wants();
	test_table();
	test_pages();
	test_refusals();
	return tap_done();
}
