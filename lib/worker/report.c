#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "report.h"
#include "session.h"
#include "spool.h"

#define ID_MAX		32	/* longest job id */
#define SEQ_WIDEST	"999999999999999"	/* for measuring lines */

struct upload {
	TAILQ_ENTRY(upload) entry;
	long long	 seq;
	char		*path;
	char		*name;
	long long	 size;		/* -1: not known */
	char		 sha256[DIGEST_HEXLEN + 1];
};
TAILQ_HEAD(uploads, upload);

struct lane {
	struct http_client *c;
	struct report_call call;
	int		 busy;		/* handed out, not done */
	int		 retrying;	/* run call again at next_ms */
	long long	 next_ms;
	struct http_retry retry;
};

struct report {
	struct report_opts o;
	struct record	 session, job;
	int		 have_session, have_job, ready;
	char		 id[ID_MAX + 1];
	long long	 attempt;
	char		 what[SPOOL_NAMEMAX + 16];	/* "job 42" */
	long long	 keepalive_ms;
	size_t		 batch_max;
	long long	 max_artifact;	/* the hub's limit, or 0 */
	struct spool	*sp;
	long long	 seq;		/* numbers given so far */
	struct buf	*pending;	/* lines read before the job */
	struct buf	*line;
	struct record	 tmp;
	int		 scanning;	/* report_resume reads the spool */
	int		 resumed;	/* a spool a previous run left */

	/* Events: the first line that is in no batch yet. */
	off_t		 next_off;
	long long	 next_seq;
	long long	 unsent_since;	/* -1: nothing waits */
	long long	 last_events;	/* when the last batch went */
	long long	 sent;		/* records acknowledged by this run */

	/* The 412 path: missing records sent again. */
	long long	(*miss)[2];
	size_t		 nmiss;
	char		*missing;	/* the last list, to see progress */
	int		 repairing;
	off_t		 rep_off;
	long long	 rep_seq;
	char		*scratch;

	/* Files. */
	struct uploads	 uploads;
	int		 workdir_fd;
	char		*workdir;
	int		 workdir_errno;

	/* The end of the job. */
	int		 done;
	char		 result[16];
	char		*reason;
	char		*fail_reason;	/* an artifact that failed */
	char		*cut_reason;	/* the hub takes no more records */

	/* The end of the input. */
	int		 eof;
	long long	 eof_ms;
	struct bb_error	 why;

	/* The end of the report. */
	int		 over;
	int		 code;
	int		 keep;
	char		 msg[BB_ERROR_MAX];

	struct lane	 lane[REPORT_LANES];
};

static int	spool_line(struct report *, struct record *, const char *,
		    size_t, long long, struct bb_error *);
static int	spool_record(struct report *, struct record *, long long,
		    struct bb_error *);

static void __printflike(2, 3)
warnf(struct report *rep, const char *fmt, ...)
{
	char msg[BB_ERROR_MAX + 128];
	va_list ap;

	if (rep->o.warn == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rep->o.warn(rep->o.arg, msg);
}

/* Ends the report with code; keep: the spool stays. */
static void __printflike(4, 5)
finish_over(struct report *rep, int code, int keep, const char *fmt, ...)
{
	va_list ap;

	if (rep->over)
		return;
	rep->over = 1;
	rep->code = code;
	rep->keep = keep;
	va_start(ap, fmt);
	(void)vsnprintf(rep->msg, sizeof(rep->msg), fmt, ap);
	va_end(ap);
}

static void
lower(long long *wake, long long t)
{
	if (wake != NULL && (*wake < 0 || t < *wake))
		*wake = t;
}

static char *
basename_of(const char *path)
{
	const char *s = strrchr(path, '/');

	return strdup(s != NULL ? s + 1 : path);
}

/* A formatted new string, or NULL. */
static char * __printflike(1, 2)
str_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	return n == -1 ? NULL : s;
}

int
report_valid_artifact_name(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > 255 || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == '\\' ||
		    (unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int
report_pct_encode(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	size_t o = 0;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			if (o + 1 >= size)
				return -1;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= size)
				return -1;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o >= size)
		return -1;
	out[o] = '\0';
	return 0;
}

int
report_parse_ranges(const char *s, long long (**out)[2], size_t *np,
    struct bb_error *err)
{
	long long (*r)[2] = NULL, (*nr)[2], lo, hi, prev = 0;
	size_t n = 0, cap = 0;
	const char *p = s;
	char *end;

	while (*p != '\0') {
		if (strcmp(p, "...") == 0)
			break;
		if (*p < '0' || *p > '9')
			goto bad;
		errno = 0;
		lo = strtoll(p, &end, 10);
		if (errno != 0 || lo < 1)
			goto bad;
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9')
				goto bad;
			hi = strtoll(p, &end, 10);
			if (errno != 0 || hi < lo)
				goto bad;
		}
		if (lo <= prev)
			goto bad;
		prev = hi;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			if ((nr = reallocarray(r, cap, sizeof(*r))) == NULL) {
				bb_error_errno(err, EX_OSERR, "ranges");
				free(r);
				return -1;
			}
			r = nr;
		}
		r[n][0] = lo;
		r[n][1] = hi;
		n++;
		if (*end == '\0') {
			p = end;
			break;
		}
		if (*end != ',')
			goto bad;
		p = end + 1;
		if (*p == '\0')
			goto bad;
	}
	*out = r;
	*np = n;
	return 0;
bad:
	free(r);
	bb_error_set(err, EX_PROTOCOL, "bad list of sequence numbers");
	return -1;
}

struct report *
report_new(const struct report_opts *o, struct bb_error *err)
{
	struct report *rep;
	int i;

	if ((rep = calloc(1, sizeof(*rep))) == NULL) {
		bb_error_errno(err, EX_OSERR, "report");
		return NULL;
	}
	rep->o = *o;
	rep->batch_max = o->batch_max ? o->batch_max : REPORT_BATCH_MAX;
	if (rep->batch_max < RECORD_MAX)
		rep->batch_max = RECORD_MAX;
	if (rep->o.flush_ms <= 0)
		rep->o.flush_ms = REPORT_FLUSH_MS;
	record_init(&rep->session);
	record_init(&rep->job);
	record_init(&rep->tmp);
	TAILQ_INIT(&rep->uploads);
	rep->workdir_fd = -1;
	rep->next_seq = 1;
	rep->unsent_since = -1;
	rep->keep = 1;
	(void)strlcpy(rep->what, "job", sizeof(rep->what));
	for (i = 0; i < REPORT_LANES; i++) {
		rep->lane[i].call.lane = i;
		rep->lane[i].call.spoolfd = -1;
		rep->lane[i].call.dirfd = -1;
		http_resp_init(&rep->lane[i].call.resp);
	}
	if ((rep->pending = buf_new(REPORT_PENDING_MAX)) == NULL ||
	    (rep->line = buf_new(2 * RECORD_MAX)) == NULL ||
	    (rep->scratch = malloc(rep->batch_max)) == NULL) {
		bb_error_errno(err, EX_OSERR, "report");
		report_free(rep);
		return NULL;
	}
	for (i = 0; i < REPORT_LANES; i++)
		if ((rep->lane[i].call.body = buf_new(rep->batch_max)) ==
		    NULL) {
			bb_error_errno(err, EX_OSERR, "report");
			report_free(rep);
			return NULL;
		}
	return rep;
}

static void
upload_free(struct upload *u)
{
	if (u == NULL)
		return;
	free(u->path);
	free(u->name);
	free(u);
}

void
report_free(struct report *rep)
{
	struct upload *u;
	int i;

	if (rep == NULL)
		return;
	while ((u = TAILQ_FIRST(&rep->uploads)) != NULL) {
		TAILQ_REMOVE(&rep->uploads, u, entry);
		upload_free(u);
	}
	for (i = 0; i < REPORT_LANES; i++) {
		http_client_free(rep->lane[i].c);
		buf_free(rep->lane[i].call.body);
		http_resp_free(&rep->lane[i].call.resp);
		free(rep->lane[i].call.reason);
	}
	spool_close(rep->sp);
	if (rep->workdir_fd != -1)
		close(rep->workdir_fd);
	record_free(&rep->session);
	record_free(&rep->job);
	record_free(&rep->tmp);
	buf_free(rep->pending);
	buf_free(rep->line);
	free(rep->scratch);
	free(rep->miss);
	free(rep->missing);
	free(rep->workdir);
	free(rep->reason);
	free(rep->fail_reason);
	free(rep->cut_reason);
	free(rep);
}

/* Copies record src into dst. */
static int
record_copy(struct record *dst, const struct record *src,
    struct bb_error *err)
{
	const char *v;
	size_t i, len;

	if (record_start(dst, src->type, err) == -1)
		return -1;
	for (i = 0; i < src->nf; i++) {
		v = record_val(src, i, &len);
		if (record_setn(dst, record_key(src, i), v, len, err) == -1)
			return -1;
	}
	return 0;
}

/* Writes the session and job records to the spool's context. */
static int
write_context(struct report *rep, struct bb_error *err)
{
	struct buf *b;
	int rv = -1;

	if ((b = buf_new(4 * RECORD_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "context");
		return -1;
	}
	if ((rep->have_session && record_encode(&rep->session, b, err) ==
	    -1) || record_encode(&rep->job, b, err) == -1)
		goto out;
	rv = spool_set_context(rep->sp, b->data, b->len, err);
out:
	buf_freezero(b);
	return rv;
}

/* The job's id, attempt and lease, checked. */
static int
job_fields(struct report *rep, const struct record *job,
    struct bb_error *err)
{
	const char *id = record_get(job, "id"), *lease;
	size_t i;

	if (id == NULL || id[0] == '\0' || strlen(id) > ID_MAX) {
		bb_error_set(err, EX_DATAERR, "job record without an id");
		return -1;
	}
	for (i = 0; id[i] != '\0'; i++)
		if (id[i] < '0' || id[i] > '9') {
			bb_error_set(err, EX_DATAERR, "job record: bad id");
			return -1;
		}
	if (record_get_num(job, "attempt", 1, 1000000, &rep->attempt,
	    err) == -1) {
		bb_error_prefix(err, "job %s", id);
		return -1;
	}
	if ((lease = record_get(job, "lease")) == NULL || lease[0] == '\0') {
		bb_error_set(err, EX_DATAERR, "job %s: no lease", id);
		return -1;
	}
	(void)strlcpy(rep->id, id, sizeof(rep->id));
	(void)snprintf(rep->what, sizeof(rep->what), "job %s", id);
	return 0;
}

/* Both session and job are known: the clients can be made. */
static int
make_ready(struct report *rep, const struct record *session, long long now,
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
	session_http_opts(session, rep->o.ca, rep->o.pin, rep->o.stop, &ho);
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

/* A file could not be uploaded: the hub and the finish say so. */
static void
artifact_failed(struct report *rep, const char *name, const char *msg,
    long long now)
{
	struct bb_error err;
	struct record r;

	warnf(rep, "%s: artifact %s: %s", rep->what, name, msg);
	if (rep->fail_reason == NULL)
		rep->fail_reason = str_printf("artifact %s: %s", name, msg);
	if (rep->scanning)
		return;
	record_init(&r);
	if (record_start(&r, "error", &err) == -1 ||
	    record_set(&r, "tool", "bb-report", &err) == -1 ||
	    record_set(&r, "artifact", name, &err) == -1 ||
	    record_set(&r, "msg", msg, &err) == -1 ||
	    spool_record(rep, &r, now, &err) == -1)
		finish_over(rep, err.code, 1, "%s: %s", rep->what, err.msg);
	record_free(&r);
}

/* Drops the queued uploads of name (they failed before). */
static void
drop_uploads(struct report *rep, const char *name)
{
	struct upload *u, *t;

	TAILQ_FOREACH_SAFE(u, &rep->uploads, entry, t)
		if (strcmp(u->name, name) == 0) {
			TAILQ_REMOVE(&rep->uploads, u, entry);
			upload_free(u);
		}
}

/* An artifact or sig record: its file is queued for upload. */
static void
note_file(struct report *rep, const struct record *r, long long seq,
    long long now)
{
	struct bb_error err;
	struct upload *u;
	const char *path = record_get(r, "path"), *name, *sha;
	char *bad = NULL;

	if ((u = calloc(1, sizeof(*u))) == NULL)
		goto nomem;
	u->seq = seq;
	u->size = -1;
	if (path == NULL || path[0] == '\0') {
		bad = "no path";
		goto refuse;
	}
	if ((u->path = strdup(path)) == NULL)
		goto nomem;
	name = record_is(r, "artifact") ? record_get(r, "name") : NULL;
	if ((u->name = name != NULL ? strdup(name) : basename_of(path)) ==
	    NULL)
		goto nomem;
	if (!report_valid_artifact_name(u->name)) {
		bad = "not a name the hub takes";
		goto refuse;
	}
	if (record_is(r, "artifact")) {
		sha = record_get(r, "sha256");
		if (record_get_num(r, "size", 0, LLONG_MAX, &u->size,
		    &err) == -1) {
			bad = "no size in its record";
			goto refuse;
		}
		if (sha == NULL || !digest_valid_hex(sha)) {
			bad = "no sha256 in its record";
			goto refuse;
		}
		(void)strlcpy(u->sha256, sha, sizeof(u->sha256));
	}
	TAILQ_INSERT_TAIL(&rep->uploads, u, entry);
	return;
refuse:
	artifact_failed(rep, u->name != NULL ? u->name : path != NULL ? path :
	    "(none)", bad, now);
	upload_free(u);
	return;
nomem:
	upload_free(u);
	finish_over(rep, EX_OSERR, 1, "%s: out of memory", rep->what);
}

/* Looks at a numbered record for what bb-report itself must do. */
static void
note(struct report *rep, const struct record *r, long long seq, long long now)
{
	const char *v, *step, *why;

	if (record_is(r, "workdir") && (v = record_get(r, "path")) != NULL) {
		if (rep->workdir_fd != -1)
			close(rep->workdir_fd);
		free(rep->workdir);
		rep->workdir = strdup(v);
		rep->workdir_fd = open(v, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		rep->workdir_errno = errno;
	} else if (record_is(r, "artifact") || record_is(r, "sig"))
		note_file(rep, r, seq, now);
	else if (record_is(r, "done")) {
		rep->done = 1;
		v = record_get(r, "result");
		(void)strlcpy(rep->result, v != NULL ? v : "",
		    sizeof(rep->result));
		free(rep->reason);
		rep->reason = NULL;
		step = record_get(r, "step");
		why = record_get(r, "reason");
		if (step != NULL && why != NULL)
			rep->reason = str_printf("step %s: %s", step, why);
		else if (step != NULL)
			rep->reason = str_printf("step %s", step);
		else if (why != NULL)
			rep->reason = strdup(why);
	} else if (rep->scanning && record_is(r, "error") &&
	    (v = record_get(r, "tool")) != NULL &&
	    strcmp(v, "bb-report") == 0 &&
	    (v = record_get(r, "artifact")) != NULL) {
		/* This run of a previous bb-report refused the file. */
		if (rep->fail_reason == NULL)
			rep->fail_reason = str_printf("artifact %s: %s", v,
			    (why = record_get(r, "msg")) != NULL ? why : "");
		drop_uploads(rep, v);
	}
}

/* A log record too long once numbered goes as several. */
static int
split_log(struct report *rep, struct record *r, long long now,
    struct bb_error *err)
{
	const char *v;
	char *data = NULL;
	size_t len, off = 0, k, room;
	int rv = -1;

	v = record_getn(r, "data", &len);
	if ((data = malloc(len + 1)) == NULL) {
		bb_error_errno(err, EX_OSERR, "log");
		return -1;
	}
	memcpy(data, v, len);
	buf_reset(rep->line);
	if (record_set(r, "data", "", err) == -1 ||
	    record_set(r, "seq", SEQ_WIDEST, err) == -1 ||
	    record_encode(r, rep->line, err) == -1)
		goto out;
	room = RECORD_MAX - rep->line->len;
	while (off < len) {
		if ((k = record_fit(data + off, len - off, room)) == 0) {
			bb_error_set(err, EX_DATAERR, "log record too long");
			goto out;
		}
		if (record_setn(r, "data", data + off, k, err) == -1 ||
		    spool_record(rep, r, now, err) == -1)
			goto out;
		off += k;
	}
	rv = 0;
out:
	free(data);
	return rv;
}

/*
 * Numbers r, appends it to the spool and looks at it.  line (len bytes),
 * if not NULL, is r as it was read: it is kept as it is, with the seq
 * field added at its end, unless r has a seq field already.
 */
static int
spool_line(struct report *rep, struct record *r, const char *line,
    size_t len, long long now, struct bb_error *err)
{
	char seq[32];
	int n;

	n = snprintf(seq, sizeof(seq), " seq=%lld", rep->seq + 1);
	buf_reset(rep->line);
	if (line != NULL && record_get(r, "seq") == NULL &&
	    len + (size_t)n + 1 <= RECORD_MAX) {
		if (buf_add(rep->line, line, len) == -1 ||
		    buf_add(rep->line, seq, (size_t)n) == -1 ||
		    buf_addc(rep->line, '\n') == -1) {
			bb_error_errno(err, EX_SOFTWARE, "record");
			return -1;
		}
	} else {
		record_unset(r, "seq");
		if (record_setf(r, err, "seq", "%lld", rep->seq + 1) == -1)
			return -1;
		if (record_encode(r, rep->line, err) == -1) {
			if (record_is(r, "log") &&
			    record_get(r, "data") != NULL)
				return split_log(rep, r, now, err);
			return -1;
		}
	}
	if (spool_append(rep->sp, rep->line->data, rep->line->len - 1,
	    err) == -1)
		return -1;
	rep->seq++;
	if (rep->unsent_since < 0)
		rep->unsent_since = now;
	note(rep, r, rep->seq, now);
	return 0;
}

static int
spool_record(struct report *rep, struct record *r, long long now,
    struct bb_error *err)
{
	return spool_line(rep, r, NULL, 0, now, err);
}

/* The job record came: the spool is made and what was held goes in. */
static int
start_job(struct report *rep, const struct record *r, long long now,
    struct bb_error *err)
{
	char name[SPOOL_NAMEMAX];
	const char *p, *nl;

	if (job_fields(rep, r, err) == -1 ||
	    record_copy(&rep->job, r, err) == -1)
		return -1;
	rep->have_job = 1;
	(void)snprintf(name, sizeof(name), "%s.%lld", rep->id, rep->attempt);
	if (spool_create(rep->o.basefd, name, &rep->sp, err) == -1 ||
	    write_context(rep, err) == -1)
		return -1;
	for (p = rep->pending->data; (nl = strchr(p, '\n')) != NULL;
	    p = nl + 1)
		if (record_parse(&rep->tmp, p, (size_t)(nl - p), err) == -1 ||
		    spool_line(rep, &rep->tmp, p, (size_t)(nl - p), now,
		    err) == -1)
			return -1;
	buf_reset(rep->pending);
	if (rep->have_session &&
	    make_ready(rep, &rep->session, now, err) == -1)
		return -1;
	return 0;
}

int
report_input(struct report *rep, struct record *r, const char *line,
    size_t len, long long now, struct bb_error *err)
{
	const char *id;

	if (rep->over) {
		bb_error_set(err, EX_SOFTWARE, "%s", rep->msg);
		return -1;
	}
	if (record_is(r, "session")) {
		if (rep->have_session)
			return 0;
		if (record_copy(&rep->session, r, err) == -1)
			goto fail;
		rep->have_session = 1;
		if (rep->have_job && (write_context(rep, err) == -1 ||
		    make_ready(rep, &rep->session, now, err) == -1))
			goto fail;
		return 0;
	}
	if (record_is(r, "job")) {
		if (!rep->have_job) {
			if (start_job(rep, r, now, err) == -1)
				goto fail;
			return 0;
		}
		id = record_get(r, "id");
		if (id != NULL && strcmp(id, rep->id) == 0)
			return 0;
		bb_error_set(err, EX_DATAERR, "a second job (%s) in the "
		    "input: bb-report reports one job", id ? id : "no id");
		goto fail;
	}
	if (!rep->have_job) {
		if ((line != NULL ? buf_add(rep->pending, line, len) == -1 ||
		    buf_addc(rep->pending, '\n') == -1 :
		    record_encode(r, rep->pending, err) == -1)) {
			bb_error_set(err, EX_DATAERR, "more than %d bytes of "
			    "records before a job record", REPORT_PENDING_MAX);
			goto fail;
		}
		return 0;
	}
	if (spool_line(rep, r, line, len, now, err) == -1)
		goto fail;
	return 0;
fail:
	finish_over(rep, err->code, 1, "%s", err->msg);
	return -1;
}

void
report_eof(struct report *rep, long long now, const struct bb_error *why)
{
	struct bb_error err;
	struct record r;

	if (rep->eof)
		return;
	rep->eof = 1;
	rep->eof_ms = now;
	if (why == NULL)
		return;
	rep->why = *why;
	if (rep->sp == NULL || rep->over)
		return;
	record_init(&r);
	if (record_start(&r, "error", &err) == -1 ||
	    record_set(&r, "tool", "bb-report", &err) == -1 ||
	    record_set(&r, "msg", why->msg, &err) == -1 ||
	    spool_record(rep, &r, now, &err) == -1)
		finish_over(rep, err.code, 1, "%s: %s", rep->what, err.msg);
	record_free(&r);
}

void
report_abort(struct report *rep, int code, const char *msg)
{
	finish_over(rep, code, 1, "%s", msg);
}

/* Reads the spool's records again: what to upload, the done record. */
static int
scan_spool(struct report *rep, long long now, struct bb_error *err)
{
	long long *seqs = NULL, seq = 0, v;
	struct upload *u, *t;
	off_t off = 0;
	size_t n, i, have = 0, start;
	ssize_t got;
	char *nl;
	int rv = -1;

	rep->scanning = 1;
	while (off + (off_t)have < rep->sp->end) {
		got = spool_read(rep->sp, off + (off_t)have, rep->scratch +
		    have, rep->batch_max - have, err);
		if (got <= 0)
			goto out;
		have += (size_t)got;
		start = 0;
		while ((nl = memchr(rep->scratch + start, '\n', have -
		    start)) != NULL) {
			n = (size_t)(nl - (rep->scratch + start));
			seq++;
			if (record_parse(&rep->tmp, rep->scratch + start, n,
			    err) == -1 ||
			    record_get_num(&rep->tmp, "seq", 1, LLONG_MAX, &v,
			    err) == -1 || v != seq) {
				bb_error_set(err, EX_DATAERR, "%s/%s/records "
				    "line %lld: damaged", SPOOL_DIR,
				    rep->sp->name, seq);
				goto out;
			}
			note(rep, &rep->tmp, seq, now);
			start += n + 1;
		}
		if (start == 0) {
			bb_error_set(err, EX_DATAERR, "%s/%s/records line "
			    "%lld: too long", SPOOL_DIR, rep->sp->name,
			    seq + 1);
			goto out;
		}
		memmove(rep->scratch, rep->scratch + start, have - start);
		off += (off_t)start;
		have -= start;
	}
	rep->seq = seq;
	if (spool_uploads(rep->sp, &seqs, &n, err) == -1)
		goto out;
	TAILQ_FOREACH_SAFE(u, &rep->uploads, entry, t)
		for (i = 0; i < n; i++)
			if (seqs[i] == u->seq) {
				TAILQ_REMOVE(&rep->uploads, u, entry);
				upload_free(u);
				break;
			}
	rv = 0;
out:
	rep->scanning = 0;
	free(seqs);
	return rv;
}

int
report_resume(struct report *rep, const char *name,
    const struct record *session, long long now, struct bb_error *err)
{
	struct buf *ctx = NULL;
	const char *p, *nl, *hub, *old;
	int r, rv = -1;

	if ((r = spool_open(rep->o.basefd, name, &rep->sp, err)) != 0) {
		if (r == -1)
			finish_over(rep, err->code, 1, "%s", err->msg);
		return r;
	}
	(void)snprintf(rep->what, sizeof(rep->what), "%s/%s", SPOOL_DIR,
	    name);
	if (rep->sp->end == 0 && faccessat(rep->sp->dirfd, "context", F_OK,
	    0) == -1 && errno == ENOENT) {
		/* A run that died as it made the spool: nothing to send. */
		finish_over(rep, 0, 0, "%s/%s: empty, removed", SPOOL_DIR,
		    name);
		return 0;
	}
	if (spool_context(rep->sp, &ctx, err) == -1)
		goto out;
	for (p = ctx->data; *p != '\0'; p = *nl ? nl + 1 : nl) {
		nl = p + strcspn(p, "\n");
		if (record_parse(&rep->tmp, p, (size_t)(nl - p), err) == -1)
			goto damaged;
		if (record_is(&rep->tmp, "job") && !rep->have_job) {
			if (job_fields(rep, &rep->tmp, err) == -1 ||
			    record_copy(&rep->job, &rep->tmp, err) == -1)
				goto damaged;
			rep->have_job = 1;
		} else if (record_is(&rep->tmp, "session") &&
		    !rep->have_session) {
			if (record_copy(&rep->session, &rep->tmp, err) == -1)
				goto damaged;
			rep->have_session = 1;
		}
	}
	if (!rep->have_job) {
		bb_error_set(err, EX_DATAERR, "no job record");
		goto damaged;
	}
	hub = record_get(session, "hub");
	old = rep->have_session ? record_get(&rep->session, "hub") : NULL;
	if (hub != NULL && old != NULL && strcmp(hub, old) != 0) {
		bb_error_set(err, EX_CONFIG, "%s/%s: for the hub %s, not %s",
		    SPOOL_DIR, name, old, hub);
		goto out;
	}
	if (scan_spool(rep, now, err) == -1)
		goto out;
	rep->next_off = rep->sp->acked_off;
	rep->next_seq = rep->sp->acked + 1;
	if (rep->next_off < rep->sp->end)
		rep->unsent_since = now;
	if (make_ready(rep, session, now, err) == -1)
		goto out;
	rep->eof = 1;
	rep->eof_ms = now;
	rep->resumed = 1;
	rv = 0;
	goto out;
damaged:
	bb_error_prefix(err, "%s/%s/context", SPOOL_DIR, name);
	err->code = EX_DATAERR;
out:
	buf_freezero(ctx);
	if (rv == -1)
		finish_over(rep, err->code, 1, "%s", err->msg);
	return rv;
}

/* Everything read so far is delivered. */
static int
delivered(const struct report *rep)
{
	const struct lane *ev = &rep->lane[REPORT_EVENTS];
	const struct lane *up = &rep->lane[REPORT_UPLOADS];

	return rep->sp != NULL && rep->next_off == rep->sp->end &&
	    !ev->busy && !ev->retrying && !rep->repairing &&
	    TAILQ_EMPTY(&rep->uploads) && !up->busy && !up->retrying;
}

/* Ends the report when the input ended and nothing is left to do. */
static void
check_end(struct report *rep, long long now, long long *wake)
{
	if (rep->over || !rep->eof)
		return;
	if (!rep->have_job) {
		if (rep->why.msg[0] != '\0')
			finish_over(rep, rep->why.code, 1, "%s", rep->why.msg);
		else
			finish_over(rep, EX_DATAERR, 1, "no job record in "
			    "the input");
		return;
	}
	if (!rep->ready) {
		finish_over(rep, rep->why.msg[0] ? rep->why.code : EX_DATAERR,
		    1, "%s: %s%sno session record in the input: %lld records "
		    "kept in %s/%s (bb-report --resend sends them)", rep->what,
		    rep->why.msg, rep->why.msg[0] ? "; " : "", rep->seq,
		    SPOOL_DIR, rep->sp->name);
		return;
	}
	if (rep->o.maxtime_ms > 0) {
		if (now >= rep->eof_ms + rep->o.maxtime_ms) {
			finish_over(rep, EX_TEMPFAIL, 1, "%s: gave up after "
			    "%lld s: the hub has not acknowledged everything; "
			    "kept in %s/%s (bb-report --resend sends it)",
			    rep->what, rep->o.maxtime_ms / 1000, SPOOL_DIR,
			    rep->sp->name);
			return;
		}
		lower(wake, rep->eof_ms + rep->o.maxtime_ms);
	}
	if (!rep->done && delivered(rep)) {
		if (rep->why.msg[0] != '\0')
			finish_over(rep, rep->why.code, 1, "%s: %s; %lld "
			    "records delivered, job not finished", rep->what,
			    rep->why.msg, rep->seq);
		else if (rep->resumed)
			finish_over(rep, 0, 0, "%s: %lld records sent; no "
			    "done record: the hub gives the job out again when "
			    "its lease expires", rep->what, rep->sent);
		else
			finish_over(rep, EX_TEMPFAIL, 1, "%s: the input ended "
			    "before a done record: %lld records delivered, "
			    "job not finished (kept in %s/%s)", rep->what,
			    rep->seq, SPOOL_DIR, rep->sp->name);
	}
}

static struct report_call *
hand_out(struct lane *l)
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

/* A batch of the lines from next_off on. */
static struct report_call *
events_call(struct report *rep, long long now)
{
	struct lane *l = &rep->lane[REPORT_EVENTS];
	struct report_call *call = &l->call;
	struct bb_error err;
	ssize_t n;
	char *last, *p;
	size_t len, i;
	long long lines = 0;

	call_reset(rep, call, REPORT_CALL_EVENTS);
	if (spool_sync(rep->sp, &err) == -1)
		goto fail;
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
		for (i = 0; i < len; i++)
			if (call->body->data[i] == '\n')
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
	return hand_out(l);
fail:
	finish_over(rep, err.code, 1, "%s: %s", rep->what, err.msg);
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

/* The next batch of missing records, or NULL when all went. */
static struct report_call *
repair_call(struct report *rep, long long now)
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
	if (spool_sync(rep->sp, &err) == -1)
		goto fail;
	call->req.body = call->body->data;
	call->req.len = call->body->len;
	rep->last_events = now;
	return hand_out(l);
fail:
	finish_over(rep, err.code, 1, "%s: %s", rep->what, err.msg);
	return NULL;
}

static struct report_call *
finish_call(struct report *rep, long long now)
{
	struct lane *l = &rep->lane[REPORT_EVENTS];
	struct report_call *call = &l->call;
	const char *res = rep->result, *why = rep->reason;
	static const char *results[] = { "success", "failure", "timeout",
	    "cancelled", "error" };
	size_t i;

	call_reset(rep, call, REPORT_CALL_FINISH);
	(void)snprintf(call->url, sizeof(call->url), "/v1/jobs/%s/finish",
	    rep->id);
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
	if (why != NULL && (call->reason = strdup(why)) == NULL) {
		finish_over(rep, EX_OSERR, 1, "%s: out of memory", rep->what);
		return NULL;
	}
	call->spoolfd = rep->sp->fd;
	call->spoolend = rep->sp->end;
	call->last = rep->seq;
	if (rep->cut_reason != NULL) {
		/* What the hub holds: the records it acknowledged. */
		call->spoolend = rep->sp->acked_off;
		call->last = rep->sp->acked;
	}
	rep->last_events = now;
	return hand_out(l);
}

static struct report_call *
next_event(struct report *rep, long long now, long long *wake)
{
	struct lane *up = &rep->lane[REPORT_UPLOADS];
	struct report_call *call;
	off_t unsent;

	if (rep->cut_reason != NULL) {
		if (up->busy || up->retrying)
			return NULL;
		return finish_call(rep, now);
	}
	if (rep->repairing) {
		if ((call = repair_call(rep, now)) != NULL || rep->over)
			return call;
		rep->repairing = 0;
	}
	unsent = rep->sp->end - rep->next_off;
	if (unsent > 0) {
		if (unsent >= (off_t)rep->batch_max || rep->done ||
		    rep->eof || now >= rep->unsent_since + rep->o.flush_ms)
			return events_call(rep, now);
		lower(wake, rep->unsent_since + rep->o.flush_ms);
	} else if (rep->done && TAILQ_EMPTY(&rep->uploads) && !up->busy &&
	    !up->retrying)
		return finish_call(rep, now);
	if (now >= rep->last_events + rep->keepalive_ms)
		return events_call(rep, now);
	lower(wake, rep->last_events + rep->keepalive_ms);
	return NULL;
}

static struct report_call *
next_upload(struct report *rep, long long now)
{
	struct lane *l = &rep->lane[REPORT_UPLOADS];
	struct report_call *call = &l->call;
	struct upload *u;
	char enc[3 * 255 + 1], msg[BB_ERROR_MAX];

	while ((u = TAILQ_FIRST(&rep->uploads)) != NULL) {
		msg[0] = '\0';
		if (rep->workdir_fd == -1 && rep->workdir == NULL)
			(void)strlcpy(msg, "no workdir record before it",
			    sizeof(msg));
		else if (rep->workdir_fd == -1)
			(void)snprintf(msg, sizeof(msg), "work tree %s: %s",
			    rep->workdir, strerror(rep->workdir_errno));
		else if (rep->max_artifact > 0 && u->size > rep->max_artifact)
			(void)snprintf(msg, sizeof(msg), "%lld bytes, over the "
			    "hub's limit of %lld bytes; not uploaded", u->size,
			    rep->max_artifact);
		if (msg[0] != '\0') {
			TAILQ_REMOVE(&rep->uploads, u, entry);
			artifact_failed(rep, u->name, msg, now);
			upload_free(u);
			if (rep->over)
				return NULL;
			continue;
		}
		call_reset(rep, call, REPORT_CALL_UPLOAD);
		if (report_pct_encode(u->name, enc, sizeof(enc)) == -1 ||
		    snprintf(call->url, sizeof(call->url),
		    "/v1/jobs/%s/artifacts/%s", rep->id, enc) >=
		    (int)sizeof(call->url)) {
			finish_over(rep, EX_SOFTWARE, 1, "%s: URL too long",
			    rep->what);
			return NULL;
		}
		call->req.method = "PUT";
		call->seq = u->seq;
		call->dirfd = rep->workdir_fd;
		call->path = u->path;
		call->name = u->name;
		call->size = u->size;
		(void)strlcpy(call->sha256, u->sha256, sizeof(call->sha256));
		return hand_out(l);
	}
	return NULL;
}

struct report_call *
report_next(struct report *rep, int lane, long long now, long long *wake)
{
	struct lane *l = &rep->lane[lane];

	if (rep->eof)
		check_end(rep, now, wake);
	if (rep->over || !rep->ready || l->busy)
		return NULL;
	if (l->retrying) {
		if (now < l->next_ms) {
			lower(wake, l->next_ms);
			return NULL;
		}
		l->retrying = 0;
		return hand_out(l);
	}
	if (lane == REPORT_UPLOADS)
		return next_upload(rep, now);
	return next_event(rep, now, wake);
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

/* Content-Digest: sha-256=:BASE64: from a hex digest. */
static int
digest_header(const char *hex, char *out, size_t size)
{
	unsigned char raw[DIGEST_LEN], b64[2 * DIGEST_LEN];
	unsigned int v;
	size_t i;

	for (i = 0; i < DIGEST_LEN; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		raw[i] = (unsigned char)v;
	}
	(void)EVP_EncodeBlock(b64, raw, DIGEST_LEN);
	if (snprintf(out, size, "Content-Digest: sha-256=:%s:", b64) >=
	    (int)size)
		return -1;
	return 0;
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

static void
exec_finish(struct report_call *call)
{
	char hex[DIGEST_HEXLEN + 1];
	struct record r;
	off_t size;
	int fd;

	call->rc = -1;
	if (call->body->len == 0) {
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
			return;
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
			buf_reset(call->body);
			record_free(&r);
			return;
		}
		record_free(&r);
	}
	call->req.body = call->body->data;
	call->req.len = call->body->len;
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
	default:
		call->rc = http_do(call->c, &call->req, &call->resp,
		    &call->err);
		break;
	}
}

/* The call failed for a while: it goes again later, the same. */
static void
retry_later(struct report *rep, struct lane *l, long long now)
{
	long ms;

	ms = http_retry_next(&l->retry, l->call.resp.retry_after);
	if (ms < 0)
		ms = l->retry.max_ms;
	l->retrying = 1;
	l->next_ms = now + ms;
	/* Say it on the first tries, then less and less often. */
	if ((l->retry.n & (l->retry.n - 1)) == 0)
		warnf(rep, "%s: %s; trying again in %ld.%01ld s (try %d)",
		    rep->what, l->call.err.msg, ms / 1000, ms % 1000 / 100,
		    l->retry.n + 1);
}

static void
success(struct report *rep, struct lane *l, struct report_call *call)
{
	struct bb_error err;

	if (l->retry.n > 0)
		warnf(rep, "%s: the hub answers again, after %d tries",
		    rep->what, l->retry.n + 1);
	l->retry.n = 0;
	switch (call->kind) {
	case REPORT_CALL_EVENTS:
		if (call->repair || call->last == 0)
			break;
		rep->sent += call->last - call->first + 1;
		if (spool_ack(rep->sp, call->last, call->end, &err) == -1)
			finish_over(rep, err.code, 1, "%s: %s", rep->what,
			    err.msg);
		break;
	case REPORT_CALL_FINISH:
		finish_over(rep, 0, 0, "%s: finished, result %s", rep->what,
		    call->result);
		break;
	case REPORT_CALL_UPLOAD:
		if (spool_uploaded(rep->sp, call->seq, &err) == -1)
			finish_over(rep, err.code, 1, "%s: %s", rep->what,
			    err.msg);
		break;
	}
}

/* A finish refused with 412: the missing records go again. */
static void
incomplete(struct report *rep, struct report_call *call)
{
	struct bb_error err;
	struct record r;
	const char *missing = NULL;
	size_t pos = 0;

	record_init(&r);
	while (http_resp_record(&call->resp, &pos, &r, &err) == 1)
		if ((missing = record_get(&r, "missing")) != NULL)
			break;
	free(rep->miss);
	rep->miss = NULL;
	rep->nmiss = 0;
	if (missing == NULL || report_parse_ranges(missing, &rep->miss,
	    &rep->nmiss, &err) == -1 || rep->nmiss == 0) {
		finish_over(rep, EX_PROTOCOL, 1, "%s: finish refused (412) "
		    "without a list of missing records", rep->what);
		goto out;
	}
	if (rep->missing != NULL && strcmp(rep->missing, missing) == 0) {
		finish_over(rep, EX_PROTOCOL, 1, "%s: the hub still misses "
		    "records %s after they were sent again", rep->what,
		    missing);
		goto out;
	}
	free(rep->missing);
	rep->missing = strdup(missing);
	warnf(rep, "%s: the hub misses records %s: sending them again",
	    rep->what, missing);
	rep->repairing = 1;
	rep->rep_off = 0;
	rep->rep_seq = 1;
out:
	record_free(&r);
}

/* Takes the upload of call off the queue, if it is still there. */
static struct upload *
pop_upload(struct report *rep, const struct report_call *call)
{
	struct upload *u = TAILQ_FIRST(&rep->uploads);

	if (u == NULL || u->seq != call->seq)
		return NULL;
	TAILQ_REMOVE(&rep->uploads, u, entry);
	return u;
}

/*
 * The hub takes no more records of this job (413: its log is over the
 * hub's limit).  Rather than fail over and over, the job is finished as
 * an error with the records the hub holds.
 */
static void
log_cut(struct report *rep, struct report_call *call)
{
	struct upload *u;

	warnf(rep, "%s: the hub takes no more records: %s; finishing the job "
	    "as an error with the %lld records it holds", rep->what,
	    call->err.msg, rep->sp->acked);
	rep->cut_reason = str_printf("the log is over the hub's limit: the "
	    "hub holds its first %lld records", rep->sp->acked);
	if (rep->cut_reason == NULL) {
		finish_over(rep, EX_OSERR, 1, "%s: out of memory", rep->what);
		return;
	}
	while ((u = TAILQ_FIRST(&rep->uploads)) != NULL) {
		TAILQ_REMOVE(&rep->uploads, u, entry);
		upload_free(u);
	}
}

void
report_done(struct report *rep, struct report_call *call, long long now)
{
	struct lane *l = &rep->lane[call->lane];
	long status = call->resp.status;
	int code = call->err.code;

	l->busy = 0;
	if (call->kind == REPORT_CALL_UPLOAD && call->req.in_fd != -1)
		call->req.in_fd = -1;	/* closed by exec_upload */
	if (rep->over)
		return;
	if (call->rc == 0) {
		success(rep, l, call);
		if (call->kind == REPORT_CALL_UPLOAD)
			upload_free(pop_upload(rep, call));
		return;
	}
	if (!call->local && status == 410) {
		finish_over(rep, EX_UNAVAILABLE, 0, "%s: cancelled on the "
		    "hub (410)", rep->what);
		return;
	}
	if (!call->local && status == 409) {
		finish_over(rep, EX_UNAVAILABLE, 0, "%s: lease lost (409): %s",
		    rep->what, call->err.msg);
		return;
	}
	if (!call->local && code == EX_NOPERM) {
		finish_over(rep, EX_NOPERM, 1, "%s: token refused: %s",
		    rep->what, call->err.msg);
		return;
	}
	if (!call->local && code == EX_TEMPFAIL) {
		retry_later(rep, l, now);
		return;
	}
	switch (call->kind) {
	case REPORT_CALL_UPLOAD: {
		struct upload *u = pop_upload(rep, call);
		char msg[BB_ERROR_MAX + 32];

		if (u == NULL)
			return;
		if (call->local)
			(void)strlcpy(msg, call->err.msg, sizeof(msg));
		else
			(void)snprintf(msg, sizeof(msg), "refused by the "
			    "hub: %s", call->err.msg);
		artifact_failed(rep, u->name, msg, now);
		upload_free(u);
		return;
	}
	case REPORT_CALL_FINISH:
		if (status == 412) {
			incomplete(rep, call);
			return;
		}
		break;
	case REPORT_CALL_EVENTS:
		if (status == 413 && !call->repair && rep->cut_reason == NULL) {
			log_cut(rep, call);
			return;
		}
		break;
	}
	if (status >= 400 && status < 500)
		finish_over(rep, EX_PROTOCOL, 0, "%s: refused by the hub: %s",
		    rep->what, call->err.msg);
	else
		finish_over(rep, code ? code : EX_SOFTWARE, 1, "%s: %s",
		    rep->what, call->err.msg);
}

int
report_over(const struct report *rep)
{
	return rep->over;
}

int
report_busy(const struct report *rep)
{
	int i, n = 0;

	for (i = 0; i < REPORT_LANES; i++)
		n += rep->lane[i].busy;
	return n;
}

int
report_end(struct report *rep, struct bb_error *err)
{
	struct bb_error e;

	bb_error_clear(err);
	if (!rep->over || report_busy(rep)) {
		bb_error_set(err, EX_SOFTWARE, "report not over");
		return EX_SOFTWARE;
	}
	(void)strlcpy(err->msg, rep->msg, sizeof(err->msg));
	err->code = rep->code;
	if (rep->sp != NULL && !rep->keep) {
		if (spool_remove(rep->sp, &e) == -1 && rep->code == 0) {
			rep->sp = NULL;
			*err = e;
			return e.code;
		}
		rep->sp = NULL;
	}
	return rep->code;
}
