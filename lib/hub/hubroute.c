#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "hubadmin.h"
#include "hubclaim.h"
#include "hubhttp.h"
#include "hubpublic.h"
#include "hubroute.h"
#include "hubwire.h"
#include "hubwork.h"

#define LEASE	HUBROUTE_LEASE
#define ADMIN	HUBROUTE_ADMIN
#define BATCH	HUBROUTE_BATCH
#define PAGE	HUBROUTE_PAGE
#define METRICS	HUBROUTE_METRICS
#define LAZY	HUBROUTE_LAZY

const struct hubroute hubroute_table[] = {
	/* The worker's calls (bb-protocol(7) WORKER CALLS). */
	{ "POST", "/v1/hello", HUBROUTE_BASIC, HUB_HELLO_MAX, 0,
	    NULL, hubwork_hello },
	{ "POST", "/v1/claim", HUBROUTE_SESSION, HUB_SMALL_MAX, 0,
	    NULL, hubclaim_claim },
	{ "POST", "/v1/jobs/:id/decline", LEASE, HUB_SMALL_MAX, BATCH,
	    NULL, hubwork_decline },
	{ "POST", "/v1/jobs/:id/abandon", LEASE, HUB_SMALL_MAX, BATCH,
	    NULL, hubwork_abandon },
	{ "GET", "/v1/jobs/:id/source", LEASE, 0, 0,
	    NULL, hubwork_source },
	{ "POST", "/v1/jobs/:id/events", LEASE, HUB_EVENTS_MAX, BATCH | LAZY,
	    NULL, hubwork_events },
	{ "PUT", "/v1/jobs/:id/artifacts/*artifact", LEASE, 0, 0,
	    hubwork_artifact_start, hubwork_artifact },
	{ "POST", "/v1/jobs/:id/finish", LEASE, HUB_SMALL_MAX, BATCH,
	    NULL, hubwork_finish },
	/* The admin API (bb-protocol(7) ADMIN CALLS). */
	{ "POST", "/v1/admin/sources", ADMIN, 0, 0,
	    hubadmin_sources_start, hubadmin_sources },
	{ "GET", "/v1/admin/jobs", ADMIN, 0, 0,
	    NULL, hubadmin_jobs },
	{ "POST", "/v1/admin/jobs", ADMIN, HUB_SUBMIT_MAX, 0,
	    NULL, hubadmin_submit },
	{ "GET", "/v1/admin/jobs/:id", ADMIN, 0, 0,
	    NULL, hubadmin_job },
	{ "GET", "/v1/admin/jobs/:id/log", ADMIN, 0, 0,
	    NULL, hubadmin_log },
	{ "GET", "/v1/admin/jobs/:id/source", ADMIN, 0, 0,
	    NULL, hubadmin_source },
	{ "GET", "/v1/admin/jobs/:id/artifacts/*artifact", ADMIN, 0, 0,
	    NULL, hubadmin_artifact },
	{ "POST", "/v1/admin/jobs/:id/cancel", ADMIN, HUB_SMALL_MAX, 0,
	    NULL, hubadmin_cancel },
	{ "GET", "/v1/admin/workers", ADMIN, 0, 0,
	    NULL, hubadmin_workers },
	{ "POST", "/v1/admin/workers", ADMIN, HUB_SMALL_MAX, 0,
	    NULL, hubadmin_addworker },
	{ "DELETE", "/v1/admin/workers/*worker", ADMIN, 0, 0,
	    NULL, hubadmin_rmworker },
	/* People and monitors (bb-hub(8)). */
	{ "GET", "/healthz", HUBROUTE_OPEN, 0, 0, NULL, hubpublic_health },
	{ "GET", "/metrics", METRICS, 0, 0, NULL, hubpublic_metrics },
	{ "GET", "/", PAGE, 0, 0, NULL, hubpublic_index },
	{ "GET", "/jobs/:id", PAGE, 0, 0, NULL, hubpublic_job },
	{ "GET", "/jobs/:id/live", PAGE, 0, 0, NULL, hubpublic_live },
	{ "GET", "/jobs/:id/artifacts/*artifact", PAGE, 0, 0,
	    NULL, hubadmin_artifact },
	/* What the pages load: no data, no token. */
	{ "GET", "/hub.css", HUBROUTE_OPEN, 0, 0, NULL, hubpublic_asset },
	{ "GET", "/hub.js", HUBROUTE_OPEN, 0, 0, NULL, hubpublic_asset },
	{ "GET", "/hub.svg", HUBROUTE_OPEN, 0, 0, NULL, hubpublic_asset },
};

const size_t hubroute_count = nitems(hubroute_table);

enum param { P_BAD, P_ARTIFACT, P_WORKER };

/* The parameters a pattern found in a path, still as the path has them. */
struct params {
	const char	*id;
	size_t		 idlen;
	const char	*rest;
	size_t		 restlen;
	enum param	 kind;		/* of rest */
};

/*
 * Returns 1 if path (len bytes) has the shape of pattern pat, with its
 * parameters in *pp, else 0.
 */
static int
shape(const char *pat, const char *path, size_t len, struct params *pp)
{
	const char *q = path, *end = path + len;
	size_t n;

	memset(pp, 0, sizeof(*pp));
	while (*pat != '\0') {
		if (*pat == ':') {
			/* One segment: ":id" is the only one. */
			if (strncmp(pat, ":id", 3) != 0 || (pat[3] != '/' &&
			    pat[3] != '\0'))
				return 0;
			pat += 3;
			for (n = 0; q + n < end && q[n] != '/'; n++)
				;
			if (n == 0)
				return 0;
			pp->id = q;
			pp->idlen = n;
			q += n;
			continue;
		}
		if (*pat == '*') {
			/* The rest of the path. */
			if (strcmp(pat, "*artifact") == 0)
				pp->kind = P_ARTIFACT;
			else if (strcmp(pat, "*worker") == 0)
				pp->kind = P_WORKER;
			else
				return 0;
			pp->rest = q;
			pp->restlen = (size_t)(end - q);
			return 1;
		}
		if (q == end || *q != *pat)
			return 0;
		q++;
		pat++;
	}
	return q == end;
}

static int __printflike(4, 5)
refuse(struct hubroute_match *m, unsigned int status, const char *reason,
    const char *fmt, ...)
{
	va_list ap;

	m->status = status;
	m->reason = reason;
	va_start(ap, fmt);
	(void)vsnprintf(m->msg, sizeof(m->msg), fmt, ap);
	va_end(ap);
	return -1;
}

static int
parse_id(const char *s, size_t len, long long *id)
{
	char b[32];
	const char *errstr;
	size_t i;

	if (len == 0 || len >= sizeof(b))
		return -1;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	memcpy(b, s, len);
	b[len] = '\0';
	*id = strtonum(b, 1, LLONG_MAX, &errstr);
	return errstr == NULL ? 0 : -1;
}

/* Checks and decodes the parameters into m.  Returns 0 or -1 (refused). */
static int
take_params(const struct params *pp, struct hubroute_match *m)
{
	size_t nlen;

	if (pp->id != NULL && parse_id(pp->id, pp->idlen, &m->id) == -1)
		return refuse(m, 404, "not-found", "no job %.*s",
		    (int)(pp->idlen > 64 ? 64 : pp->idlen), pp->id);
	if (pp->rest == NULL)
		return 0;
	m->name = hubwire_pct_decode(pp->rest, pp->restlen, &nlen);
	if (pp->kind == P_ARTIFACT) {
		if (m->name == NULL)
			return refuse(m, 400, "malformed", "bad %%-escape in "
			    "the artifact name");
		if (!hubwire_valid_artifact(m->name, nlen))
			return refuse(m, 400, "malformed", "bad artifact "
			    "name: a relative path of 1 to 1000 bytes, parts "
			    "of 1 to 255, no . or .. part, no empty part, no "
			    "\\ or control byte");
		return 0;
	}
	if (m->name == NULL || nlen == 0 || strlen(m->name) != nlen)
		return refuse(m, 404, "not-found", "no such worker");
	if (!hub_valid_worker(m->name))
		return refuse(m, 404, "not-found", "no worker %.64s", m->name);
	return 0;
}

/* Adds method to the list of an Allow header, once. */
static void
allow_add(char *allow, const char *method)
{
	size_t n = strlen(method);
	const char *p;

	for (p = allow; (p = strstr(p, method)) != NULL; p += n)
		if ((p == allow || p[-1] == ' ') &&
		    (p[n] == ',' || p[n] == '\0'))
			return;
	if (allow[0] != '\0')
		(void)strlcat(allow, ", ", HUBROUTE_ALLOW_MAX);
	(void)strlcat(allow, method, HUBROUTE_ALLOW_MAX);
}

int
hubroute_match(const char *method, const char *path, size_t len,
    struct hubroute_match *m)
{
	const struct hubroute *r;
	struct params pp;
	size_t i;
	int found = 0;

	memset(m, 0, sizeof(*m));
	if (memchr(path, '\0', len) != NULL)
		return refuse(m, 400, "malformed", "a NUL byte in the path");
	for (i = 0; i < hubroute_count; i++) {
		r = &hubroute_table[i];
		if (!shape(r->pattern, path, len, &pp))
			continue;
		/* Patterns do not overlap: the first one found decides. */
		if (!found++ && take_params(&pp, m) == -1)
			goto refused;
		if (strcmp(method, r->method) == 0 ||
		    (strcmp(method, "HEAD") == 0 &&
		    strcmp(r->method, "GET") == 0)) {
			m->route = r;
			return 0;
		}
		allow_add(m->allow, r->method);
		if (strcmp(r->method, "GET") == 0)
			allow_add(m->allow, "HEAD");
	}
	if (!found)
		return refuse(m, 404, "not-found", "no such endpoint");
	(void)refuse(m, 405, "method", "use %s here", m->allow);
refused:
	free(m->name);
	m->name = NULL;
	m->id = 0;
	return -1;
}
