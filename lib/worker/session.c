#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <curl/curl.h>

#include "buildinfo.h"
#include "file.h"
#include "protocol.h"
#include "recipe.h"
#include "session.h"

static const char *const info_files[] = { "admin", "host", "access_uri" };

/* Keys of the session record that bb-connect sets itself. */
static const char *const own_keys[] = { "hub", "slots", "caps", "ca",
    "pin" };

int
session_valid_name(const char *s)
{
	return strlen(s) <= SESSION_NAMEMAX && recipe_valid_name(s);
}

int
session_check_secret(const char *s, size_t len, struct bb_error *err)
{
	size_t i;

	if (len == 0) {
		bb_error_set(err, EX_DATAERR, "the secret is empty");
		return -1;
	}
	if (len > SESSION_SECRETMAX) {
		bb_error_set(err, EX_DATAERR, "the secret is longer than %d "
		    "bytes", SESSION_SECRETMAX);
		return -1;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
			bb_error_set(err, EX_DATAERR, "the secret holds a "
			    "control byte at byte %zu", i + 1);
			return -1;
		}
	return 0;
}

int
session_secret_fd(int fd, struct buf **out, struct bb_error *err)
{
	char path[32];

	/* /dev/fd/N opens the same file or pipe, with the same checks. */
	(void)snprintf(path, sizeof(path), "/dev/fd/%d", fd);
	if (file_read_secret(AT_FDCWD, path, SESSION_SECRETMAX + 1, out,
	    err) == -1)
		return -1;
	if (session_check_secret((*out)->data, (*out)->len, err) == -1) {
		buf_freezero(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

int
session_secret_env(const char *var, struct buf **out, struct bb_error *err)
{
	char *v, *entry;
	size_t len, vlen = strlen(var);
	int rv = -1;

	*out = NULL;
	if ((v = getenv(var)) == NULL)
		return 0;
	len = strlen(v);
	/* The whole "NAME=value" string, as /proc/PID/environ shows it. */
	entry = v - vlen - 1;
	if (strncmp(entry, var, vlen) != 0 || entry[vlen] != '=')
		entry = v;
	if (session_check_secret(v, len, err) == -1) {
		bb_error_prefix(err, "%s", var);
		goto out;
	}
	if ((*out = buf_new(SESSION_SECRETMAX)) == NULL ||
	    buf_add(*out, v, len) == -1) {
		bb_error_errno(err, EX_OSERR, "%s", var);
		buf_freezero(*out);
		*out = NULL;
		goto out;
	}
	rv = 1;
out:
	(void)unsetenv(var);
	explicit_bzero(entry, (size_t)(v - entry) + len);
	return rv;
}

static int
add_record(struct buf *b, const struct record *r, struct bb_error *err)
{
	if (record_encode(r, b, err) == -1) {
		bb_error_set(err, EX_USAGE, "the hello is longer than %zu "
		    "bytes", b->max);
		return -1;
	}
	return 0;
}

int
session_hello_body(struct buf *b, const char *os, const char *arch,
    long long slots, const struct caps *caps, struct bb_error *err)
{
	struct record r;
	struct buf *c = NULL;
	int rv = -1;

	record_init(&r);
	if ((c = buf_new(RECORD_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "hello");
		goto out;
	}
	if (caps_format(caps, c, err) == -1 ||
	    record_start(&r, "hello", err) == -1 ||
	    record_set(&r, "version", buildinfo_version(), err) == -1 ||
	    record_set(&r, "os", os, err) == -1 ||
	    record_set(&r, "arch", arch, err) == -1 ||
	    record_setf(&r, err, "slots", "%lld", slots) == -1 ||
	    record_set(&r, "caps", c->data, err) == -1 ||
	    record_setf(&r, err, "protocol", "%d", PROTOCOL_VERSION) == -1 ||
	    record_setf(&r, err, "protocol_min", "%d", PROTOCOL_MIN) == -1 ||
	    add_record(b, &r, err) == -1)
		goto out;
	rv = 0;
out:
	buf_free(c);
	record_free(&r);
	return rv;
}

/* Removes white space at both ends of b. */
static void
trim(struct buf *b)
{
	size_t i = 0;

	while (b->len > 0 && isspace((unsigned char)b->data[b->len - 1]))
		b->len--;
	while (i < b->len && isspace((unsigned char)b->data[i]))
		i++;
	buf_consume(b, i);
	b->data[b->len] = '\0';
}

int
session_hello_info(struct buf *b, const char *basedir, struct bb_error *err)
{
	struct record r;
	struct buf *text = NULL;
	char path[PATH_MAX];
	size_t i;
	int len, fd, rv = -1;

	record_init(&r);
	for (i = 0; i < nitems(info_files); i++) {
		len = snprintf(path, sizeof(path), "%s/info/%s", basedir,
		    info_files[i]);
		if (len < 0 || (size_t)len >= sizeof(path)) {
			bb_error_set(err, EX_CONFIG, "%s/info: path too long",
			    basedir);
			goto out;
		}
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
			if (errno == ENOENT || errno == ENOTDIR)
				continue;
			bb_error_errno(err, EX_CONFIG, "%s", path);
			goto out;
		}
		close(fd);
		if (file_read(AT_FDCWD, path, SESSION_INFOMAX, &text,
		    err) == -1) {
			err->code = EX_CONFIG;
			goto out;
		}
		trim(text);
		if (text->len > 0 && (record_start(&r, "info", err) == -1 ||
		    record_set(&r, "name", info_files[i], err) == -1 ||
		    record_setn(&r, "value", text->data, text->len,
		    err) == -1 || add_record(b, &r, err) == -1))
			goto out;
		buf_free(text);
		text = NULL;
	}
	rv = 0;
out:
	buf_free(text);
	record_free(&r);
	return rv;
}

int
session_hello_tool(struct buf *b, const struct probe *p,
    struct bb_error *err)
{
	struct record r;
	int rv = -1;

	record_init(&r);
	if (record_start(&r, "tool", err) == 0 &&
	    record_set(&r, "name", p->name, err) == 0 &&
	    record_set(&r, "version", p->version, err) == 0 &&
	    record_set(&r, "path", p->path, err) == 0 &&
	    add_record(b, &r, err) == 0)
		rv = 0;
	record_free(&r);
	return rv;
}

/* Checks that a token can go into an Authorization header. */
static int
valid_token(const char *t, size_t len)
{
	size_t i;

	if (len == 0 || len > SESSION_TOKENMAX)
		return 0;
	for (i = 0; i < len; i++)
		if (t[i] <= 0x20 || t[i] >= 0x7f)
			return 0;
	return 1;
}

static int
own_key(const char *k)
{
	size_t i;

	for (i = 0; i < nitems(own_keys); i++)
		if (strcmp(k, own_keys[i]) == 0)
			return 1;
	return 0;
}

int
session_make(const struct record *a, const struct session_opts *o,
    struct record *out, struct bb_error *err)
{
	static const struct {
		const char	*key;
		long long	 min, max;
	} nums[] = {
		{ "keepalive", 1, 86400 },
		{ "ttl", 1, 7 * 86400 },
		{ "wait", 0, 86400 },
	};
	struct buf *c = NULL;
	const char *v;
	long long n, proto;
	size_t i, len;
	int rv = -1;

	if (!record_is(a, "session")) {
		bb_error_set(err, EX_PROTOCOL, "the hub answered a %s record, "
		    "not a session", a->type);
		return -1;
	}
	if ((v = record_getn(a, "token", &len)) == NULL ||
	    !valid_token(v, len)) {
		bb_error_set(err, EX_PROTOCOL, "the hub's session record has "
		    "%s token", v == NULL ? "no" : "a malformed");
		return -1;
	}
	for (i = 0; i < nitems(nums); i++)
		if (record_get_num(a, nums[i].key, nums[i].min, nums[i].max,
		    &n, err) == -1) {
			err->code = EX_PROTOCOL;
			bb_error_prefix(err, "the hub's session record");
			return -1;
		}
	/* A hub of the first release says no protocol: it speaks 1. */
	proto = 1;
	if (record_get(a, "protocol") != NULL && record_get_num(a, "protocol",
	    1, PROTOCOL_MAX, &proto, err) == -1) {
		err->code = EX_PROTOCOL;
		bb_error_prefix(err, "the hub's session record");
		return -1;
	}
	if (protocol_agree(proto, proto, "worker", "hub", &n, err) == -1)
		return -1;
	if ((c = buf_new(RECORD_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "session");
		return -1;
	}
	if (caps_format(o->caps, c, err) == -1 ||
	    record_start(out, "session", err) == -1 ||
	    record_set(out, "hub", o->hub, err) == -1)
		goto out;
	if (record_get(a, "worker") == NULL &&
	    record_set(out, "worker", o->name, err) == -1)
		goto out;
	for (i = 0; i < a->nf; i++) {
		if (own_key(record_key(a, i)))
			continue;
		v = record_val(a, i, &len);
		if (record_setn(out, record_key(a, i), v, len, err) == -1)
			goto out;
	}
	if (o->keepalive > 0 && record_get_num(a, "keepalive", 1, 86400, &n,
	    err) == 0 && n > o->keepalive &&
	    record_setf(out, err, "keepalive", "%lld", o->keepalive) == -1)
		goto out;
	if (record_setf(out, err, "slots", "%lld", o->slots) == -1 ||
	    record_set(out, "caps", c->data, err) == -1 ||
	    (o->ca != NULL && record_set(out, "ca", o->ca, err) == -1) ||
	    (o->pin != NULL && record_set(out, "pin", o->pin, err) == -1))
		goto out;
	rv = 0;
out:
	buf_free(c);
	return rv;
}

/* Copies the value of key into *out (NULL when absent); -1 on ENOMEM. */
static int
copy_key(const struct record *r, const char *key, char **out,
    struct bb_error *err)
{
	const char *v;
	size_t len;

	*out = NULL;
	if ((v = record_getn(r, key, &len)) == NULL)
		return 0;
	if (strlen(v) != len) {
		bb_error_set(err, EX_DATAERR, "session record: %s holds a NUL",
		    key);
		return -1;
	}
	if ((*out = strdup(v)) == NULL) {
		bb_error_errno(err, EX_OSERR, "session record");
		return -1;
	}
	return 0;
}

static int
opt_num(const struct record *r, const char *key, long long max,
    long long *out, struct bb_error *err)
{
	*out = -1;
	if (record_get(r, key) == NULL)
		return 0;
	if (record_get_num(r, key, 0, max, out, err) == -1) {
		bb_error_prefix(err, "session record");
		return -1;
	}
	return 0;
}

int
session_parse(const struct record *r, struct session *s,
    struct bb_error *err)
{
	memset(s, 0, sizeof(*s));
	if (!record_is(r, "session")) {
		bb_error_set(err, EX_DATAERR, "a %s record is not a session",
		    r->type);
		return -1;
	}
	if (copy_key(r, "hub", &s->hub, err) == -1 ||
	    copy_key(r, "worker", &s->worker, err) == -1 ||
	    copy_key(r, "token", &s->token, err) == -1 ||
	    copy_key(r, "caps", &s->caps, err) == -1 ||
	    copy_key(r, "ca", &s->ca, err) == -1 ||
	    copy_key(r, "pin", &s->pin, err) == -1 ||
	    opt_num(r, "keepalive", 86400, &s->keepalive, err) == -1 ||
	    opt_num(r, "ttl", 7 * 86400, &s->ttl, err) == -1 ||
	    opt_num(r, "wait", 86400, &s->wait, err) == -1 ||
	    opt_num(r, "slots", SESSION_SLOTSMAX, &s->slots, err) == -1)
		goto bad;
	if (s->hub == NULL || *s->hub == '\0') {
		bb_error_set(err, EX_DATAERR, "session record: no hub");
		goto bad;
	}
	if (s->token == NULL || !valid_token(s->token, strlen(s->token))) {
		bb_error_set(err, EX_DATAERR, "session record: %s token",
		    s->token == NULL ? "no" : "a malformed");
		goto bad;
	}
	if (s->ca != NULL && s->ca[0] != '/') {
		bb_error_set(err, EX_DATAERR, "session record: ca is not an "
		    "absolute path");
		goto bad;
	}
	return 0;
bad:
	session_free(s);
	return -1;
}

void
session_free(struct session *s)
{
	if (s->token != NULL)
		freezero(s->token, strlen(s->token));
	free(s->hub);
	free(s->worker);
	free(s->caps);
	free(s->ca);
	free(s->pin);
	memset(s, 0, sizeof(*s));
}


int
session_hello(struct http_client *c, const char *name, const char *secret,
    const struct buf *body, struct http_retry *r, struct record *answer,
    struct bb_error *err)
{
	struct http_req req;
	struct http_resp resp;
	struct record extra;
	size_t pos = 0;
	int n, rv = -1;

	record_init(&extra);
	http_req_init(&req);
	http_resp_init(&resp);
	req.method = "POST";
	req.url = "/v1/hello";
	req.body = body->data;
	req.len = body->len;
	req.max = RECORD_MAX;
	if (http_client_set_basic(c, name, secret, err) == -1)
		goto out;
	n = http_do_retry(c, &req, &resp, r, err);
	(void)http_client_set_basic(c, NULL, NULL, NULL);
	if (n == -1) {
		/* A hub that speaks no version of ours: no retry helps. */
		if (resp.status == 400 && http_resp_record(&resp, &pos, &extra,
		    NULL) == 1 && record_is(&extra, "error") &&
		    record_get(&extra, "reason") != NULL &&
		    strcmp(record_get(&extra, "reason"), "protocol") == 0)
			err->code = EX_CONFIG;
		goto out;
	}
	if ((n = http_resp_record(&resp, &pos, answer, err)) == -1)
		goto out;
	if (n == 0) {
		bb_error_set(err, EX_PROTOCOL, "POST %s/v1/hello: empty answer",
		    http_client_base(c));
		goto out;
	}
	if (http_resp_record(&resp, &pos, &extra, NULL) != 0) {
		bb_error_set(err, EX_PROTOCOL, "POST %s/v1/hello: more than "
		    "one record in the answer", http_client_base(c));
		goto out;
	}
	rv = 0;
out:
	if (resp.body != NULL)
		explicit_bzero(resp.body->data, resp.body->size);
	http_resp_free(&resp);
	record_freezero(&extra);
	return rv;
}

struct http_client *
session_client(const struct session *s, const struct netopt *n,
    volatile sig_atomic_t *stop, struct bb_error *err)
{
	struct http_client *c;
	struct http_opts o;

	netopt_http(n, s->hub, s->ca, s->pin, stop, &o);
	if ((c = http_client_new(s->hub, &o, err)) == NULL)
		return NULL;
	if (http_client_set_token(c, s->token, err) == -1) {
		http_client_free(c);
		return NULL;
	}
	return c;
}
