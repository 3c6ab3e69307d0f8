#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cache.h"
#include "claim.h"
#include "digest.h"
#include "disk.h"

void
claim_job_init(struct claim_job *j)
{
	memset(j, 0, sizeof(*j));
	record_init(&j->job);
}

void
claim_job_free(struct claim_job *j)
{
	record_freezero(&j->job);
	buf_free(j->recipe);
	buf_free(j->require);
	explicit_bzero(j->lease, sizeof(j->lease));
	claim_job_init(j);
}

/* Checks the job record's keys and copies id and lease. */
static int
check_job(struct claim_job *j, struct bb_error *err)
{
	const char *v;
	size_t len, i;
	long long n;

	if (!record_is(&j->job, "job")) {
		bb_error_set(err, EX_PROTOCOL, "a %s record, not a job",
		    j->job.type);
		return -1;
	}
	if (record_get_num(&j->job, "id", 1, INT64_MAX, &j->id, err) == -1 ||
	    record_get_num(&j->job, "size", 0, INT64_MAX, &n, err) == -1)
		return -1;
	if ((v = record_getn(&j->job, "lease", &len)) == NULL || len == 0 ||
	    len > CLAIM_LEASEMAX) {
		bb_error_set(err, EX_PROTOCOL, "job %lld: %s lease", j->id,
		    v == NULL ? "no" : "a malformed");
		return -1;
	}
	for (i = 0; i < len; i++)
		if (v[i] <= 0x20 || v[i] >= 0x7f) {
			bb_error_set(err, EX_PROTOCOL, "job %lld: a malformed "
			    "lease", j->id);
			return -1;
		}
	memcpy(j->lease, v, len);
	j->lease[len] = '\0';
	if ((v = record_get(&j->job, "source")) == NULL || *v == '\0') {
		bb_error_set(err, EX_PROTOCOL, "job %lld: no source", j->id);
		return -1;
	}
	if ((v = record_getn(&j->job, "sha256", &len)) == NULL ||
	    len != DIGEST_HEXLEN || !digest_valid_hex(v)) {
		bb_error_set(err, EX_PROTOCOL, "job %lld: %s sha256", j->id,
		    v == NULL ? "no" : "a malformed");
		return -1;
	}
	return 0;
}

int
claim_parse(const char *s, size_t len, struct claim_job *j,
    struct bb_error *err)
{
	struct record r;
	const char *nl, *req;
	size_t pos = 0, line = 0;
	int rv = -1;

	record_init(&r);
	claim_job_free(j);
	if ((j->recipe = buf_new(CLAIM_BODYMAX)) == NULL ||
	    (j->require = buf_new(RECORD_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "claim");
		goto out;
	}
	while (pos < len) {
		line++;
		if ((nl = memchr(s + pos, '\n', len - pos)) == NULL) {
			bb_error_set(err, EX_PROTOCOL, "no newline at the end");
			goto bad;
		}
		if (record_parse(line == 1 ? &j->job : &r, s + pos,
		    (size_t)(nl - (s + pos)), err) == -1)
			goto bad;
		pos = (size_t)(nl - s) + 1;
		if (line == 1) {
			if (check_job(j, err) == -1)
				goto bad;
			continue;
		}
		if (record_encode(&r, j->recipe, err) == -1)
			goto bad;
		if (!record_is(&r, "recipe") ||
		    (req = record_get(&r, "require")) == NULL || *req == '\0')
			continue;
		if ((j->require->len > 0 && buf_addc(j->require, ',') == -1) ||
		    buf_adds(j->require, req) == -1) {
			bb_error_set(err, EX_PROTOCOL, "requirements too long");
			goto bad;
		}
	}
	if (line == 0) {
		bb_error_set(err, EX_PROTOCOL, "an empty answer");
		goto bad;
	}
	rv = 0;
	goto out;
bad:
	err->code = EX_PROTOCOL;
	bb_error_prefix(err, "claim answer line %zu", line);
	claim_job_free(j);
out:
	record_free(&r);
	return rv;
}

struct room {
	const struct claim_needs	*n;
	char				*why;
	size_t				 len;
};

static int
enough_room(void *arg, struct bb_error *err)
{
	struct room *r = arg;

	return disk_check(r->n->basedir, r->n->min_free, r->n->min_inodes,
	    r->why, r->len, err);
}

int
claim_check_disk(const struct claim_needs *n, char *why, size_t len,
    struct bb_error *err)
{
	struct room r = { n, why, len };
	size_t evicted = 0;
	int rv;

	if (n->basedir == NULL)
		return 1;
	if ((rv = enough_room(&r, err)) != 0 || n->caches == NULL)
		return rv;
	rv = cache_evict(n->caches, enough_room, &r, &evicted, err);
	if (n->evicted != NULL)
		*n->evicted += evicted;
	return rv;
}

int
claim_decide(const struct claim_job *j, const struct claim_needs *n,
    char *why, size_t len, struct bb_error *err)
{
	struct buf *missing;
	int m;

	if ((missing = buf_new(RECORD_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "claim");
		return -1;
	}
	m = caps_missing(n->caps, j->require->data, missing, err);
	if (m == -1)
		(void)snprintf(why, len, "its requirements \"%s\" are not "
		    "capabilities", j->require->data);
	else if (m > 0)
		(void)snprintf(why, len, "lacks capabilit%s %s",
		    m == 1 ? "y" : "ies", missing->data);
	buf_free(missing);
	if (m != 0)
		return 0;
	return claim_check_disk(n, why, len, err);
}

int
claim_cap_keepalive(struct claim_job *j, long long ka, struct bb_error *err)
{
	long long cur;

	if (ka < 1 || record_get(&j->job, "keepalive") == NULL)
		return 0;
	if (record_get_num(&j->job, "keepalive", 1, 86400, &cur, err) == -1) {
		err->code = EX_PROTOCOL;
		bb_error_prefix(err, "job %lld", j->id);
		return -1;
	}
	if (cur <= ka)
		return 0;
	return record_setf(&j->job, err, "keepalive", "%lld", ka);
}

int
claim_poll(struct http_client *c, long long wait, struct http_retry *r,
    struct claim_job *j, struct bb_error *err)
{
	struct http_req req;
	struct http_resp resp;
	char url[64];
	int rv = -1;

	(void)snprintf(url, sizeof(url), "/v1/claim?wait=%lld", wait);
	http_req_init(&req);
	http_resp_init(&resp);
	req.method = "POST";
	req.url = url;
	req.max = CLAIM_BODYMAX;
	req.timeout = (long)wait + HTTP_CONNECT_TIMEOUT + 30;
	req.no_idle = 1;
	if (http_do_retry(c, &req, &resp, r, err) == -1)
		goto out;
	if (resp.status == 204 || resp.body->len == 0) {
		rv = 0;
		goto out;
	}
	if (claim_parse(resp.body->data, resp.body->len, j, err) == -1) {
		bb_error_prefix(err, "POST %s/v1/claim", http_client_base(c));
		goto out;
	}
	rv = 1;
out:
	if (resp.body != NULL)
		explicit_bzero(resp.body->data, resp.body->size);
	http_resp_free(&resp);
	return rv;
}

int
claim_decline(struct http_client *c, const struct claim_job *j,
    const char *why, struct http_retry *r, struct bb_error *err)
{
	struct http_req req;
	struct http_resp resp;
	struct record rec;
	struct buf *body = NULL;
	char url[64];
	int rv = -1;

	record_init(&rec);
	http_req_init(&req);
	http_resp_init(&resp);
	(void)snprintf(url, sizeof(url), "/v1/jobs/%lld/decline", j->id);
	if ((body = buf_new(RECORD_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "decline");
		goto out;
	}
	if (record_start(&rec, "decline", err) == -1 ||
	    record_set(&rec, "reason", why, err) == -1 ||
	    record_encode(&rec, body, err) == -1 ||
	    http_client_set_lease(c, j->lease, err) == -1)
		goto out;
	req.method = "POST";
	req.url = url;
	req.body = body->data;
	req.len = body->len;
	req.max = RECORD_MAX;
	req.timeout = HTTP_CONNECT_TIMEOUT + 30;
	if (http_do_retry(c, &req, &resp, r, err) == 0 ||
	    resp.status == 409 || resp.status == 410)
		rv = 0;
	(void)http_client_set_lease(c, NULL, NULL);
out:
	http_resp_free(&resp);
	buf_free(body);
	record_free(&rec);
	return rv;
}
