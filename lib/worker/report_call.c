/*
 * The HTTP calls of a report to the hub (bb-protocol(7)): a client for
 * each lane, made once session and job are known (report_connect); what
 * each call sends, built in the loop's thread: POST /v1/jobs/ID/events
 * with a batch of spooled lines (none: a keepalive) or with the records
 * a refused finish named, PUT /v1/jobs/ID/artifacts/NAME with a file of
 * the work tree, POST /v1/jobs/ID/finish with the result and the digest
 * of the records, POST /v1/jobs/ID/abandon for an attempt that died;
 * and running a call (report_exec, in any thread): the upload's file
 * opened below the work tree and checked against its record, the
 * finish's body made, the HTTP exchange.
 *
 * Who frees what: each lane owns its client and its one call, and the
 * report frees them.  A call's body and reason are its own; its path,
 * name and spool fd are borrowed from the report; the file an upload
 * opens is closed by report_exec before it returns.
 */
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <curl/curl.h>

#include "report.h"
#include "report_impl.h"
#include "session.h"
#include "spool.h"

int
report_connect(struct report *rep, const struct record *session, long long now,
    struct bb_error *err)
{
	struct http_opts ho;
	const char *hub, *token, *lease;
	long long ka = REPORT_KEEPALIVE, mb;
	int i;

	hub = record_get(session, "hub");
	token = record_get(session, "token");
	lease = record_get(&rep->job, "lease");
	if (hub == NULL || token == NULL) {
		bb_error_set(err, EX_DATAERR, "session record without %s",
		    hub == NULL ? "hub" : "token");
		return -1;
	}
	if (record_get(&rep->job, "keepalive") != NULL) {
		if (record_get_num(&rep->job, "keepalive", 1, 86400, &ka,
		    err) == -1)
			return -1;
	} else if (record_get(session, "keepalive") != NULL &&
	    record_get_num(session, "keepalive", 1, 86400, &ka, err) == -1)
		return -1;
	rep->keepalive_ms = ka * 1000;
	/* A hub of the first release says no protocol: it speaks 1. */
	rep->proto = 1;
	if (record_get(session, "protocol") != NULL &&
	    record_get_num(session, "protocol", 1, LLONG_MAX, &rep->proto,
	    err) == -1)
		return -1;
	if (record_get(session, "max_batch") != NULL) {
		if (record_get_num(session, "max_batch", 1, LLONG_MAX, &mb,
		    err) == -1)
			return -1;
		if ((unsigned long long)mb < rep->batch_max)
			rep->batch_max = mb < RECORD_MAX ? RECORD_MAX :
			    (size_t)mb;
	}
	if (record_get(session, "max_artifact") != NULL &&
	    record_get_num(session, "max_artifact", 1, LLONG_MAX,
	    &rep->max_artifact, err) == -1)
		return -1;
	netopt_http_session(rep->o.net, session, rep->o.stop, &ho);
	for (i = 0; i < REPORT_LANES; i++) {
		if ((rep->lane[i].c = http_client_new(hub, &ho, err)) ==
		    NULL ||
		    http_client_set_token(rep->lane[i].c, token, err) == -1 ||
		    http_client_set_lease(rep->lane[i].c, lease, err) == -1)
			return -1;
		rep->lane[i].retry.first_ms = 250;
		rep->lane[i].retry.max_ms = rep->keepalive_ms / 6;
		if (rep->lane[i].retry.max_ms < 1000)
			rep->lane[i].retry.max_ms = 1000;
		if (rep->lane[i].retry.max_ms > 5000)
			rep->lane[i].retry.max_ms = 5000;
	}
	rep->last_events = now;
	rep->ready = 1;
	return 0;
}

struct report_call *
report_hand_out(struct lane *l)
{
	l->busy = 1;
	l->call.rc = 0;
	l->call.local = 0;
	bb_error_clear(&l->call.err);
	return &l->call;
}

/* Resets a call for a new use. */
static void
call_reset(struct report *rep, struct report_call *call, int kind)
{
	buf_reset(call->body);
	http_req_init(&call->req);
	call->kind = kind;
	call->c = rep->lane[call->lane].c;
	call->first = call->last = 0;
	call->end = 0;
	call->repair = 0;
	call->finish = 0;
	call->made = 0;
	call->spoolfd = -1;
	call->dirfd = -1;
	call->path = call->name = NULL;
	call->size = -1;
	call->sha256[0] = '\0';
	free(call->reason);
	call->reason = NULL;
	call->stop = rep->o.stop;
	(void)snprintf(call->url, sizeof(call->url), "/v1/jobs/%s/events",
	    rep->id);
	call->req.url = call->url;
	call->req.method = "POST";
}

struct report_call *
report_events_call(struct report *rep, long long now)
{
	struct lane *l = &rep->lane[REPORT_EVENTS];
	struct report_call *call = &l->call;
	struct bb_error err;
	ssize_t n;
	char *last, *p;
	size_t len;
	long long lines = 0;

	call_reset(rep, call, REPORT_CALL_EVENTS);
	/* The lines are in the OS: sent now, flushed to disk by time. */
	if ((p = buf_reserve(call->body, rep->batch_max)) == NULL) {
		bb_error_errno(&err, EX_OSERR, "batch");
		goto fail;
	}
	if ((n = spool_read(rep->sp, rep->next_off, p, rep->batch_max,
	    &err)) == -1)
		goto fail;
	len = (size_t)n;
	if (len > 0) {
		if ((last = memrchr(call->body->data, '\n', len)) == NULL) {
			bb_error_set(&err, EX_SOFTWARE, "spool line too long");
			goto fail;
		}
		len = (size_t)(last - call->body->data) + 1;
		for (p = call->body->data; (p = memchr(p, '\n',
		    (size_t)(call->body->data + len - p))) != NULL; p++)
			lines++;
		call->first = rep->next_seq;
		call->last = rep->next_seq + lines - 1;
	}
	call->body->len = len;
	call->end = rep->next_off + (off_t)len;
	rep->next_off = call->end;
	rep->next_seq += lines;
	if (rep->next_off == rep->sp->end)
		rep->unsent_since = -1;
	call->req.body = call->body->data;
	call->req.len = len;
	rep->last_events = now;
	return report_hand_out(l);
fail:
	report_stop(rep, err.code, 1, "%s: %s", rep->what, err.msg);
	return NULL;
}

/* 1 if seq is among the missing ranges. */
static int
is_missing(const struct report *rep, long long seq)
{
	size_t i;

	for (i = 0; i < rep->nmiss; i++)
		if (seq >= rep->miss[i][0] && seq <= rep->miss[i][1])
			return 1;
	return 0;
}

struct report_call *
report_repair_call(struct report *rep, long long now)
{
	struct lane *l = &rep->lane[REPORT_EVENTS];
	struct report_call *call = &l->call;
	struct bb_error err;
	long long top = rep->nmiss ? rep->miss[rep->nmiss - 1][1] : 0;
	size_t have, start, n;
	ssize_t got;
	char *nl;

	call_reset(rep, call, REPORT_CALL_EVENTS);
	call->repair = 1;
	while (rep->rep_seq <= top && rep->rep_off < rep->sp->end) {
		if ((got = spool_read(rep->sp, rep->rep_off, rep->scratch,
		    rep->batch_max, &err)) <= 0) {
			if (got == 0)
				bb_error_set(&err, EX_SOFTWARE, "spool cut");
			goto fail;
		}
		have = (size_t)got;
		for (start = 0; rep->rep_seq <= top && (nl = memchr(
		    rep->scratch + start, '\n', have - start)) != NULL;
		    start += n) {
			n = (size_t)(nl - (rep->scratch + start)) + 1;
			if (is_missing(rep, rep->rep_seq)) {
				if (call->body->len + n > rep->batch_max)
					goto send;
				if (buf_add(call->body, rep->scratch + start,
				    n) == -1) {
					bb_error_errno(&err, EX_SOFTWARE,
					    "batch");
					goto fail;
				}
				if (call->first == 0)
					call->first = rep->rep_seq;
				call->last = rep->rep_seq;
			}
			rep->rep_off += (off_t)n;
			rep->rep_seq++;
		}
		if (start == 0) {
			bb_error_set(&err, EX_SOFTWARE, "spool line too long");
			goto fail;
		}
	}
send:
	if (call->body->len == 0)
		return NULL;
	call->req.body = call->body->data;
	call->req.len = call->body->len;
	rep->last_events = now;
	return report_hand_out(l);
fail:
	report_stop(rep, err.code, 1, "%s: %s", rep->what, err.msg);
	return NULL;
}

/*
 * Readies call to finish the job: its result, reason, and the spool to
 * digest.  Returns 0, or -1 with the report over.
 */
static int
finish_fields(struct report *rep, struct report_call *call)
{
	const char *res = rep->result, *why = rep->reason;
	static const char *results[] = { "success", "failure", "timeout",
	    "cancelled", "error" };
	size_t i;

	for (i = 0; i < nitems(results); i++)
		if (strcmp(res, results[i]) == 0)
			break;
	if (i == nitems(results)) {
		res = "error";
		why = "the done record has no known result";
	}
	if (rep->fail_reason != NULL && strcmp(res, "success") == 0) {
		res = "error";
		why = rep->fail_reason;
	}
	if (rep->cut_reason != NULL) {
		res = "error";
		why = rep->cut_reason;
	}
	(void)strlcpy(call->result, res, sizeof(call->result));
	free(call->reason);
	call->reason = NULL;
	if (why != NULL && (call->reason = strdup(why)) == NULL) {
		report_stop(rep, EX_OSERR, 1, "%s: out of memory", rep->what);
		return -1;
	}
	call->spoolfd = rep->sp->fd;
	call->spoolend = rep->sp->end;
	call->last = rep->seq;
	if (rep->cut_reason != NULL) {
		/* What the hub holds: the records it acknowledged. */
		call->spoolend = rep->sp->acked_off;
		call->last = rep->sp->acked;
	}
	return 0;
}

struct report_call *
report_finish_call(struct report *rep, long long now)
{
	struct lane *l = &rep->lane[REPORT_EVENTS];
	struct report_call *call = &l->call;

	/* The job's whole record is on disk before it is finished. */
	if (report_sync(rep, now) == -1)
		return NULL;
	call_reset(rep, call, REPORT_CALL_FINISH);
	(void)snprintf(call->url, sizeof(call->url), "/v1/jobs/%s/finish",
	    rep->id);
	if (finish_fields(rep, call) == -1)
		return NULL;
	rep->last_events = now;
	return report_hand_out(l);
}

struct report_call *
report_last_call(struct report *rep, long long now)
{
	struct report_call *call;
	long long seq = rep->seq;

	/* The job's whole record is on disk before it is finished. */
	if (report_sync(rep, now) == -1)
		return NULL;
	if ((call = report_events_call(rep, now)) == NULL)
		return NULL;
	/* All that is left went in it: the finish follows in the body. */
	if (rep->next_off == rep->sp->end && call->last == seq) {
		if (finish_fields(rep, call) == -1)
			return NULL;
		call->finish = 1;
	}
	return call;
}

struct report_call *
report_abandon_call(struct report *rep, long long now)
{
	struct lane *l = &rep->lane[REPORT_EVENTS];
	struct report_call *call = &l->call;
	struct bb_error err;
	struct record r;

	call_reset(rep, call, REPORT_CALL_ABANDON);
	(void)snprintf(call->url, sizeof(call->url), "/v1/jobs/%s/abandon",
	    rep->id);
	record_init(&r);
	if ((call->reason = report_strf("%s, attempt %lld died", rep->o.died ?
	    rep->o.died : "its worker stopped", rep->attempt)) == NULL) {
		bb_error_errno(&err, EX_OSERR, "abandon");
		goto fail;
	}
	if (record_start(&r, "abandon", &err) == -1 ||
	    record_set(&r, "reason", call->reason, &err) == -1 ||
	    record_encode(&r, call->body, &err) == -1)
		goto fail;
	record_free(&r);
	call->req.body = call->body->data;
	call->req.len = call->body->len;
	rep->last_events = now;
	return report_hand_out(l);
fail:
	record_free(&r);
	report_stop(rep, err.code, 1, "%s: %s", rep->what, err.msg);
	return NULL;
}

int
report_artifact_url(const char *id, const char *name, char *out,
    size_t size, struct bb_error *err)
{
	char *enc;
	int n;

	if ((enc = curl_easy_escape(NULL, name, 0)) == NULL) {
		bb_error_set(err, EX_OSERR, "artifact URL: out of memory");
		return -1;
	}
	n = snprintf(out, size, "/v1/jobs/%s/artifacts/%s", id, enc);
	curl_free(enc);
	if (n < 0 || (size_t)n >= size) {
		bb_error_set(err, EX_SOFTWARE, "URL too long");
		return -1;
	}
	return 0;
}

struct report_call *
report_upload_call(struct report *rep, struct upload *u)
{
	struct lane *l = &rep->lane[REPORT_UPLOADS];
	struct report_call *call = &l->call;
	struct bb_error err;

	call_reset(rep, call, REPORT_CALL_UPLOAD);
	if (report_artifact_url(rep->id, u->name, call->url,
	    sizeof(call->url), &err) == -1) {
		report_stop(rep, err.code, 1, "%s: %s", rep->what, err.msg);
		return NULL;
	}
	call->req.method = "PUT";
	call->seq = u->seq;
	call->dirfd = rep->workdir_fd;
	call->path = u->path;
	call->name = u->name;
	call->size = u->size;
	(void)strlcpy(call->sha256, u->sha256, sizeof(call->sha256));
	return report_hand_out(l);
}

/* Opens path below dirfd without following a symbolic link. */
static int
open_beneath(int dirfd, const char *path, struct bb_error *err)
{
	char *copy, *comp, *rest;
	int fd, nfd, last;

	if (path[0] == '/') {
		bb_error_set(err, EX_DATAERR, "%s: an absolute path", path);
		return -1;
	}
	if ((copy = strdup(path)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", path);
		return -1;
	}
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		bb_error_errno(err, EX_IOERR, "work tree");
		free(copy);
		return -1;
	}
	for (rest = copy; fd != -1 && rest != NULL; ) {
		comp = strsep(&rest, "/");
		last = rest == NULL;
		if (comp[0] == '\0' || strcmp(comp, ".") == 0) {
			if (!last)
				continue;
			comp = ".";
		}
		if (strcmp(comp, "..") == 0) {
			bb_error_set(err, EX_DATAERR, "%s: leaves the work "
			    "tree", path);
			close(fd);
			fd = -1;
			break;
		}
		nfd = openat(fd, comp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
		    (last ? O_NONBLOCK : O_DIRECTORY));
		if (nfd == -1)
			bb_error_errno(err, EX_IOERR, "%s", path);
		if (nfd == -1 && (errno == ELOOP || errno == ENOTDIR))
			bb_error_set(err, EX_DATAERR, "%s: a symbolic link "
			    "or not a directory on the way", path);
		close(fd);
		fd = nfd;
	}
	free(copy);
	return fd;
}

static void
exec_upload(struct report_call *call)
{
	char hex[DIGEST_HEXLEN + 1];
	struct stat st;
	off_t size;
	int fd;

	call->local = 1;
	call->rc = -1;
	if ((fd = open_beneath(call->dirfd, call->path, &call->err)) == -1)
		return;
	if (fstat(fd, &st) == -1) {
		bb_error_errno(&call->err, EX_IOERR, "%s", call->path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		bb_error_set(&call->err, EX_DATAERR, "%s: not a regular file",
		    call->path);
		goto out;
	}
	if (call->size >= 0 && st.st_size != call->size) {
		bb_error_set(&call->err, EX_DATAERR, "%s: %lld bytes, not "
		    "%lld as its record says: changed after it was recorded; "
		    "not uploaded", call->path, (long long)st.st_size,
		    call->size);
		goto out;
	}
	if (digest_fd_max(fd, call->path, -1, call->stop, hex, &size,
	    &call->err) == -1) {
		if (call->err.code == EX_TEMPFAIL)
			call->local = 0;
		goto out;
	}
	if (call->sha256[0] != '\0' && strcmp(hex, call->sha256) != 0) {
		bb_error_set(&call->err, EX_DATAERR, "%s: sha256 %s, not %s "
		    "as its record says: changed after it was recorded; not "
		    "uploaded", call->path, hex, call->sha256);
		goto out;
	}
	if (call->size < 0 && size != st.st_size) {
		bb_error_set(&call->err, EX_DATAERR, "%s: changed while it "
		    "was read; not uploaded", call->path);
		goto out;
	}
	/* The digest of the record: the hub refuses a file that changed. */
	if (digest_header(call->sha256[0] ? call->sha256 : hex, call->hdr,
	    sizeof(call->hdr)) == -1) {
		bb_error_set(&call->err, EX_SOFTWARE, "digest header");
		goto out;
	}
	if (lseek(fd, 0, SEEK_SET) == -1) {
		bb_error_errno(&call->err, EX_IOERR, "%s", call->path);
		goto out;
	}
	call->headers[0] = call->hdr;
	call->headers[1] = NULL;
	call->req.headers = call->headers;
	call->req.in_fd = fd;
	call->req.in_size = size;
	call->req.type = "application/octet-stream";
	call->local = 0;
	call->rc = http_do(call->c, &call->req, &call->resp, &call->err);
	if (call->rc == -1 && call->resp.status == 0 &&
	    call->err.code == EX_IOERR)
		call->local = 1;
out:
	close(fd);
}

/*
 * Makes the finish record of call (the digest of its spool) at the end
 * of its body, the first time.  Returns 0, or -1 with call->err set.
 */
static int
finish_record(struct report_call *call)
{
	char hex[DIGEST_HEXLEN + 1];
	struct record r;
	off_t size;
	size_t len = call->body->len;
	int fd;

	if (!call->made) {
		record_init(&r);
		fd = dup(call->spoolfd);
		if (fd == -1 || lseek(fd, 0, SEEK_SET) == -1 ||
		    digest_fd_max(fd, "spool", call->spoolend, call->stop, hex,
		    &size, &call->err) == -1 || size != call->spoolend) {
			if (call->err.msg[0] == '\0')
				bb_error_errno(&call->err, EX_IOERR, "spool");
			if (fd != -1)
				close(fd);
			record_free(&r);
			return -1;
		}
		close(fd);
		if (record_start(&r, "finish", &call->err) == -1 ||
		    record_set(&r, "result", call->result, &call->err) == -1 ||
		    record_setf(&r, &call->err, "last", "%lld", call->last) ==
		    -1 ||
		    record_set(&r, "sha256", hex, &call->err) == -1 ||
		    (call->reason != NULL && record_set(&r, "reason",
		    call->reason, &call->err) == -1) ||
		    record_encode(&r, call->body, &call->err) == -1) {
			call->body->len = len;
			record_free(&r);
			return -1;
		}
		record_free(&r);
		call->made = 1;
	}
	call->req.body = call->body->data;
	call->req.len = call->body->len;
	return 0;
}

static void
exec_finish(struct report_call *call)
{
	call->rc = -1;
	if (finish_record(call) == -1)
		return;
	call->rc = http_do(call->c, &call->req, &call->resp, &call->err);
}

void
report_exec(void *p)
{
	struct report_call *call = p;

	switch (call->kind) {
	case REPORT_CALL_UPLOAD:
		exec_upload(call);
		break;
	case REPORT_CALL_FINISH:
		exec_finish(call);
		break;
	case REPORT_CALL_EVENTS:
		if (call->finish) {
			exec_finish(call);
			break;
		}
		/* FALLTHROUGH */
	default:
		call->rc = http_do(call->c, &call->req, &call->resp,
		    &call->err);
		break;
	}
}
