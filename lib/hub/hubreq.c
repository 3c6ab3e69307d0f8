#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hubreq.h"
#include "hubsrv.h"
#include "hubwire.h"

struct MHD_Response *
hubreq_response(const void *p, size_t len, const char *ctype)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(len, (void *)p,
	    MHD_RESPMEM_MUST_COPY);
	if (resp == NULL)
		return NULL;
	(void)MHD_add_response_header(resp, "Content-Type", ctype);
	(void)MHD_add_response_header(resp, "Cache-Control", "no-store");
	return resp;
}

void
hubreq_send(struct hubreq *r, unsigned int status, struct MHD_Response *resp)
{
	if (resp == NULL) {
		hubsrv_log(r->s, "out of memory for a response");
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
	/* Every answer: a browser runs nothing but the hub's own files. */
	(void)MHD_add_response_header(resp, "Content-Security-Policy",
	    HUBREQ_CSP);
	(void)MHD_add_response_header(resp, "X-Content-Type-Options",
	    "nosniff");
	(void)MHD_queue_response(r->c, status, resp);
	MHD_destroy_response(resp);
	r->answered = 1;
}

void
hubreq_reply(struct hubreq *r, unsigned int status, const struct buf *b)
{
	hubreq_send(r, status, hubreq_response(b ? b->data : "",
	    b ? b->len : 0, HUBREQ_TEXT));
}

void
hubreq_reply_rec(struct hubreq *r, unsigned int status,
    const struct record *rec)
{
	struct buf *b;

	if ((b = buf_new(RECORD_MAX)) == NULL ||
	    record_encode(rec, b, NULL) == -1) {
		buf_free(b);
		hubreq_send(r, 500, hubreq_response("", 0, HUBREQ_TEXT));
		return;
	}
	hubreq_reply(r, status, b);
	buf_free(b);
}

struct MHD_Response *
hubreq_error_resp(unsigned int status, const char *reason, const char *msg,
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
		resp = hubreq_response(b->data, b->len, HUBREQ_TEXT);
	buf_free(b);
	record_free(&rec);
	return resp;
}

/* Sends the refusal resp with the headers its status needs; msg: the log's. */
static void
refuse(struct hubreq *r, unsigned int status, struct MHD_Response *resp,
    const char *msg)
{
	if (resp == NULL) {
		hubreq_send(r, status, NULL);
		return;
	}
	if (status == 401)
		(void)MHD_add_response_header(resp, "WWW-Authenticate",
		    r->route != NULL && (r->route->auth == HUBROUTE_BASIC ||
		    r->route->auth == HUBROUTE_PAGE ||
		    r->route->auth == HUBROUTE_METRICS) ?
		    "Basic realm=\"bb-hub\", charset=\"UTF-8\"" :
		    "Bearer realm=\"bb-hub\"");
	if (status == 503)
		(void)MHD_add_response_header(resp, "Retry-After",
		    HUBREQ_RETRY_AFTER);
	if (status >= 500)
		hubsrv_log(r->s, "%u: %s", status, msg);
	hubreq_send(r, status, resp);
}

void
hubreq_fail(struct hubreq *r, unsigned int status, const char *reason,
    const char *fmt, ...)
{
	char msg[BB_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	refuse(r, status, hubreq_error_resp(status, reason, msg, NULL, NULL),
	    msg);
}

void
hubreq_fail_page(struct hubreq *r, unsigned int status,
    const struct buf *page)
{
	refuse(r, status, hubreq_response(page->data, page->len,
	    HUBREQ_HTML), "a page for people");
}

int
hubreq_wants_html(struct hubreq *r)
{
	const char *v = hubreq_header(r, "Accept");

	return v != NULL && strcasestr(v, "text/html") != NULL;
}

void
hubreq_fail_internal(struct hubreq *r, const struct bb_error *err)
{
	hubreq_fail(r, 500, "internal", "%s", err->msg);
}

void
hubreq_fail_outcome(struct hubreq *r, int rv, const struct bb_error *err)
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
			hubreq_fail(r, map[i].status, map[i].reason, "%s",
			    err->msg);
			return;
		}
	if (rv == -1)
		hubreq_fail_internal(r, err);
	else
		hubreq_fail(r, 500, "internal", "unexpected outcome %d", rv);
}

const char *
hubreq_header(struct hubreq *r, const char *name)
{
	return MHD_lookup_connection_value(r->c, MHD_HEADER_KIND, name);
}

const char *
hubreq_arg(struct hubreq *r, const char *name)
{
	return MHD_lookup_connection_value(r->c, MHD_GET_ARGUMENT_KIND, name);
}

int
hubreq_num_arg(struct hubreq *r, const char *name, long long min,
    long long max, long long def, long long *out)
{
	const char *v, *errstr;

	*out = def;
	if ((v = hubreq_arg(r, name)) == NULL)
		return 0;
	*out = strtonum(v, min, max, &errstr);
	if (errstr != NULL) {
		hubreq_fail(r, 400, "malformed", "%s=%s: %s", name, v, errstr);
		return -1;
	}
	return 0;
}

int
hubreq_next_line(struct hubreq *r, size_t *pos, size_t *lineno,
    const char **line, size_t *len)
{
	struct buf *b = r->body;
	const char *nl;

	if (*pos >= b->len)
		return 0;
	(*lineno)++;
	if ((nl = memchr(b->data + *pos, '\n', b->len - *pos)) == NULL) {
		hubreq_fail(r, 400, "malformed", "line %zu: no newline at the "
		    "end", *lineno);
		return -1;
	}
	*line = b->data + *pos;
	*len = (size_t)(nl - *line);
	*pos += *len + 1;
	return 1;
}

int
hubreq_parse_line(struct hubreq *r, struct record *rec, const char *line,
    size_t len, size_t lineno)
{
	struct bb_error err;

	if (record_parse(rec, line, len, &err) == -1) {
		hubreq_fail(r, 400, "malformed", "line %zu: %s", lineno,
		    err.msg);
		return -1;
	}
	return 0;
}

int
hubreq_next_record(struct hubreq *r, size_t *pos, size_t *lineno,
    struct record *rec, const char **line, size_t *len)
{
	int rv;

	if ((rv = hubreq_next_line(r, pos, lineno, line, len)) != 1)
		return rv;
	if (hubreq_parse_line(r, rec, *line, *len, *lineno) == -1)
		return -1;
	return 1;
}

int
hubreq_first_record(struct hubreq *r, struct record *rec, size_t *posp)
{
	const char *line;
	size_t pos = 0, lineno = 0, len;
	int rv;

	if ((rv = hubreq_next_record(r, &pos, &lineno, rec, &line,
	    &len)) != 1)
		return rv;
	if (posp != NULL)
		*posp = pos;
	return 1;
}

int
hubreq_add_rec(void *arg, const struct record *rec)
{
	return record_encode(rec, arg, NULL);
}

void
hubreq_send_blob(struct hubreq *r, const char *hex)
{
	struct MHD_Response *resp;
	struct bb_error err;
	const char *range, *ifr;
	char b64[64], hdr[128], etag[DIGEST_HEXLEN + 3];
	unsigned int status = 200;
	off_t size, off = 0, len;
	int fd;

	if ((fd = blob_open(r->s->hd->blobs, hex, &size, &err)) == -1) {
		hubreq_fail_internal(r, &err);
		return;
	}
	len = size;
	/* A blob never changes: its digest is its entity tag. */
	(void)snprintf(etag, sizeof(etag), "\"%s\"", hex);
	if ((range = hubreq_header(r, "Range")) != NULL &&
	    ((ifr = hubreq_header(r, "If-Range")) == NULL ||
	    strcmp(ifr, etag) == 0)) {
		switch (hubwire_range(range, size, &off, &len)) {
		case 1:
			status = 206;
			break;
		case -1:
			close(fd);
			resp = hubreq_error_resp(416, "range", "the range is "
			    "outside the file", NULL, NULL);
			(void)snprintf(hdr, sizeof(hdr), "bytes */%lld",
			    (long long)size);
			if (resp != NULL)
				(void)MHD_add_response_header(resp,
				    "Content-Range", hdr);
			hubreq_send(r, 416, resp);
			return;
		}
	}
	if ((resp = MHD_create_response_from_fd_at_offset64((uint64_t)len, fd,
	    (uint64_t)off)) == NULL) {
		close(fd);
		hubreq_fail(r, 500, "internal", "out of memory");
		return;
	}
	hubwire_digest_b64(hex, b64);
	(void)snprintf(hdr, sizeof(hdr), "sha-256=:%s:", b64);
	(void)MHD_add_response_header(resp, status == 206 ? "Repr-Digest" :
	    "Content-Digest", hdr);
	if (status == 206) {
		(void)snprintf(hdr, sizeof(hdr), "bytes %lld-%lld/%lld",
		    (long long)off, (long long)(off + len - 1),
		    (long long)size);
		(void)MHD_add_response_header(resp, "Content-Range", hdr);
	}
	(void)MHD_add_response_header(resp, "Content-Type",
	    "application/octet-stream");
	(void)MHD_add_response_header(resp, "Accept-Ranges", "bytes");
	(void)MHD_add_response_header(resp, "ETag", etag);
	(void)MHD_add_response_header(resp, "Cache-Control", "no-store");
	hubreq_send(r, status, resp);
}

int
hubreq_upload_start(struct hubreq *r, off_t max, int need_digest)
{
	struct bb_error err;
	const char *v;

	r->want[0] = '\0';
	if ((v = hubreq_header(r, "Content-Digest")) != NULL) {
		if (hubwire_content_digest(v, r->want) == -1) {
			hubreq_fail(r, 400, "malformed", "Content-Digest has "
			    "no well-formed sha-256=:BASE64:");
			return -1;
		}
	} else if (need_digest) {
		hubreq_fail(r, 400, "malformed", "no Content-Digest: "
		    "sha-256=:BASE64: header");
		return -1;
	}
	if (blob_writer_new(r->s->hd->blobs, max, &r->w, &err) == -1) {
		hubreq_fail_internal(r, &err);
		return -1;
	}
	return 0;
}

int
hubreq_upload_end(struct hubreq *r, char *hex, off_t *size)
{
	struct blob_writer *w = r->w;
	struct bb_error err;
	int rv;

	r->w = NULL;
	if (blob_writer_toolarge(w)) {
		blob_writer_abort(w);
		hubreq_fail(r, 413, "too-large", "the body is too large");
		return -1;
	}
	rv = blob_writer_commit(w, r->want[0] ? r->want : NULL, hex, size,
	    &err);
	if (rv == 1) {
		hubreq_fail(r, 422, "digest-mismatch", "%s", err.msg);
		return -1;
	}
	if (rv == -1) {
		hubreq_fail_internal(r, &err);
		return -1;
	}
	return 0;
}
