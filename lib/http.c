/*
 * The HTTP client (lib/http.h) and one exchange: a client per hub on one
 * reused libcurl handle, its CA, pin and credentials (sent to the hub's
 * origin only, wiped when freed); a request's URL resolved, its headers
 * and body (bytes or a file); the answer capped or streamed to a file,
 * its status, Retry-After and records; refusals and transport failures
 * as sysexits(3) codes with messages that hold no secret.  URLs are in
 * http_url.c, retries in http_retry.c.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <vis.h>

#include <curl/curl.h>

#include "buildinfo.h"
#include "http_impl.h"

#define VIS_MSG		(VIS_OCTAL | VIS_CSTYLE | VIS_TAB | VIS_NL)
#define RETRY_AFTER_MAX	86400	/* seconds: a Retry-After is cut to it */

/* One exchange: what the callbacks need. */
struct xfer {
	struct http_client	*c;
	const struct http_req	*req;
	struct http_resp	*resp;
	size_t			 max;		/* cap on a 2xx body */
	int			 decided;	/* the status is known */
	int			 to_fd;		/* the body goes to out_fd */
	int			 werr;		/* errno of a failed write */
	int			 rerr;		/* errno of a failed read */
	size_t			 mpos;		/* next byte of req->body */
	off_t			 in_start;	/* in_fd's first byte, or -1 */
	int			 stopped;
};

int
http_status_exit(long status)
{
	if (status == 401 || status == 403)
		return EX_NOPERM;
	if (status >= 500 || status == 408 || status == 429)
		return EX_TEMPFAIL;
	return EX_PROTOCOL;
}

struct http_client *
http_client_new(const char *base, const struct http_opts *opts,
    struct bb_error *err)
{
	static int global;
	struct http_client *c;
	struct stat st;

	if (!global) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			bb_error_set(err, EX_SOFTWARE, "libcurl: cannot start");
			return NULL;
		}
		global = 1;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		bb_error_errno(err, EX_OSERR, "http client");
		return NULL;
	}
	if (opts != NULL)
		c->opts = *opts;
	c->opts.ca = c->opts.pin = NULL;
	if (c->opts.connect_timeout <= 0)
		c->opts.connect_timeout = HTTP_CONNECT_TIMEOUT;
	if (c->opts.idle_timeout <= 0)
		c->opts.idle_timeout = HTTP_IDLE_TIMEOUT;
	if (base != NULL && http_url_normalise(base, c->opts.allow_http,
	    c->base, err) == -1)
		goto fail;
	if (opts != NULL && opts->ca != NULL) {
		if (stat(opts->ca, &st) == -1) {
			bb_error_errno(err, EX_CONFIG, "CA %s", opts->ca);
			goto fail;
		}
		c->ca_dir = S_ISDIR(st.st_mode);
		if ((c->ca = strdup(opts->ca)) == NULL)
			goto nomem;
		c->opts.ca = c->ca;
	}
	if (opts != NULL && opts->pin != NULL) {
		const char *s = opts->pin;
		size_t n;

		/* sha256// and 44 characters of base64, ';' between. */
		for (;;) {
			n = strspn(s + 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "abcdefghijklmnopqrstuvwxyz0123456789+/=");
			if (strncmp(s, "sha256//", 8) != 0 || n != 44 ||
			    (s[8 + n] != '\0' && s[8 + n] != ';')) {
				bb_error_set(err, EX_CONFIG, "pin %s: not "
				    "sha256// and a base64 SHA-256", opts->pin);
				goto fail;
			}
			if (s[8 + n] == '\0')
				break;
			s += 8 + n + 1;
		}
		if ((c->pin = strdup(opts->pin)) == NULL)
			goto nomem;
		c->opts.pin = c->pin;
	}
	if ((c->curl = curl_easy_init()) == NULL)
		goto nomem;
	return c;
nomem:
	bb_error_set(err, EX_OSERR, "http client: out of memory");
fail:
	http_client_free(c);
	return NULL;
}

static void
wipe(char **p)
{
	if (*p != NULL)
		freezero(*p, strlen(*p));
	*p = NULL;
}

void
http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	wipe(&c->auth);
	wipe(&c->user);
	wipe(&c->secret);
	wipe(&c->lease);
	free(c->ca);
	free(c->pin);
	free(c);
}

const char *
http_client_base(const struct http_client *c)
{
	return c->base[0] != '\0' ? c->base : NULL;
}

/* Returns 1 if s may go in a header: printable ASCII, spaces if sp. */
static int
header_safe(const char *s, int sp)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < (sp ? 0x20 : 0x21) ||
		    (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* Sets *slot to "name: value" (a credential), or clears it. */
static int
set_header(char **slot, const char *name, const char *value, int sp,
    struct bb_error *err)
{
	char *h = NULL;

	if (value != NULL) {
		if (value[0] == '\0' || !header_safe(value, sp)) {
			bb_error_set(err, EX_DATAERR, "%s: empty, or holds "
			    "bytes that cannot go in a header", name);
			return -1;
		}
		if (asprintf(&h, "%s: %s", name, value) == -1) {
			bb_error_set(err, EX_OSERR, "%s: out of memory", name);
			return -1;
		}
	}
	wipe(slot);
	*slot = h;
	return 0;
}

int
http_client_set_token(struct http_client *c, const char *token,
    struct bb_error *err)
{
	char *v = NULL;
	int rv;

	if (token != NULL && asprintf(&v, "Bearer %s", token) == -1) {
		bb_error_set(err, EX_OSERR, "token: out of memory");
		return -1;
	}
	if (v != NULL && (token[0] == '\0' || !header_safe(token, 0))) {
		bb_error_set(err, EX_DATAERR, "token: empty, or holds bytes "
		    "that cannot go in a header");
		rv = -1;
	} else
		rv = set_header(&c->auth, "Authorization", v, 1, err);
	wipe(&v);
	if (rv == 0) {
		/* A token replaces Basic credentials. */
		wipe(&c->user);
		wipe(&c->secret);
	}
	return rv;
}

int
http_client_set_lease(struct http_client *c, const char *lease,
    struct bb_error *err)
{
	return set_header(&c->lease, "Bb-Lease", lease, 0, err);
}

int
http_client_set_basic(struct http_client *c, const char *user,
    const char *secret, struct bb_error *err)
{
	char *u = NULL, *p = NULL;

	if (user != NULL && secret != NULL) {
		if (user[0] == '\0' || strchr(user, ':') != NULL ||
		    !header_safe(user, 0) || !header_safe(secret, 1)) {
			bb_error_set(err, EX_DATAERR, "worker name or secret: "
			    "empty, or holds bytes that cannot go in a header");
			return -1;
		}
		if ((u = strdup(user)) == NULL ||
		    (p = strdup(secret)) == NULL) {
			wipe(&u);
			bb_error_set(err, EX_OSERR, "credentials: out of memory");
			return -1;
		}
	}
	/* libcurl sends them (CURLOPT_USERNAME); they replace a token. */
	wipe(&c->user);
	wipe(&c->secret);
	wipe(&c->auth);
	c->user = u;
	c->secret = p;
	return 0;
}

void
http_req_init(struct http_req *req)
{
	memset(req, 0, sizeof(*req));
	req->in_fd = -1;
	req->in_size = -1;
	req->out_fd = -1;
}

void
http_resp_init(struct http_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
}

void
http_resp_free(struct http_resp *resp)
{
	buf_free(resp->body);
	resp->body = NULL;
}

static int
status_is_ok(long status)
{
	return status >= 200 && status <= 299;
}

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	struct http_resp *resp = x->resp;
	const struct http_req *req = x->req;
	size_t len = size * n, off;
	curl_off_t cl = -1;
	ssize_t w;

	if (!x->decided) {
		(void)curl_easy_getinfo(x->c->curl, CURLINFO_RESPONSE_CODE,
		    &resp->status);
		x->to_fd = req->out_fd != -1 && status_is_ok(resp->status);
		x->decided = 1;
		(void)curl_easy_getinfo(x->c->curl,
		    CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		if (x->to_fd && req->out_max > 0 && cl > req->out_max) {
			resp->over = 1;
			return 0;
		}
	}
	if (x->to_fd) {
		if (req->out_max > 0 &&
		    (off_t)len > req->out_max - resp->written) {
			resp->over = 1;
			return 0;
		}
		for (off = 0; off < len; off += (size_t)w) {
			w = write(req->out_fd, p + off, len - off);
			if (w == -1 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w == -1) {
				x->werr = errno;
				return 0;
			}
			resp->written += w;
		}
		return len;
	}
	if (!status_is_ok(resp->status)) {
		/* A refusal: its first line is all that matters. */
		if (resp->body->len >= HTTP_ERRBODY_MAX)
			return len;
		if (len > HTTP_ERRBODY_MAX - resp->body->len)
			len = HTTP_ERRBODY_MAX - resp->body->len;
	} else if (len > x->max - resp->body->len) {
		resp->over = 1;
		return 0;
	}
	if (buf_add(resp->body, p, len) == -1) {
		x->werr = errno;
		return 0;
	}
	return size * n;
}

static size_t
read_cb(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	const struct http_req *req = x->req;
	size_t want = size * n;
	ssize_t r;

	if (req->in_fd == -1) {
		if (want > req->len - x->mpos)
			want = req->len - x->mpos;
		memcpy(p, (const char *)req->body + x->mpos, want);
		x->mpos += want;
		return want;
	}
	for (;;) {
		r = read(req->in_fd, p, want);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			x->rerr = errno;
			return CURL_READFUNC_ABORT;
		}
		return (size_t)r;
	}
}

static int
seek_cb(void *arg, curl_off_t off, int origin)
{
	struct xfer *x = arg;
	const struct http_req *req = x->req;

	if (origin != SEEK_SET || off < 0)
		return CURL_SEEKFUNC_CANTSEEK;
	if (req->in_fd == -1) {
		if ((size_t)off > req->len)
			return CURL_SEEKFUNC_FAIL;
		x->mpos = (size_t)off;
		return CURL_SEEKFUNC_OK;
	}
	if (x->in_start == -1 ||
	    lseek(req->in_fd, x->in_start + off, SEEK_SET) == -1)
		return CURL_SEEKFUNC_CANTSEEK;
	return CURL_SEEKFUNC_OK;
}

static int
progress_cb(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct xfer *x = arg;

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	if (*x->c->opts.stop) {
		x->stopped = 1;
		return 1;
	}
	return 0;
}

/* The message of a refusal: its `error msg=` if it sent one. */
static void
status_error(struct http_resp *resp, const char *what, struct bb_error *err)
{
	struct record r;
	const char *msg = NULL, *nl;
	char safe[256];

	record_init(&r);
	nl = memchr(resp->body->data, '\n', resp->body->len);
	if (nl != NULL && record_parse(&r, resp->body->data,
	    (size_t)(nl - resp->body->data), NULL) == 0 &&
	    record_is(&r, "error"))
		msg = record_get(&r, "msg");
	if (msg != NULL) {
		(void)strnvis(safe, msg, sizeof(safe), VIS_MSG);
		bb_error_set(err, http_status_exit(resp->status),
		    "%s: status %ld: %s", what, resp->status, safe);
	} else if (resp->status >= 300 && resp->status <= 399)
		bb_error_set(err, EX_PROTOCOL, "%s: status %ld (redirects "
		    "are not followed)", what, resp->status);
	else
		bb_error_set(err, http_status_exit(resp->status),
		    "%s: status %ld", what, resp->status);
	record_free(&r);
}

/* The message and code of a failed exchange. */
static void
transport_error(struct xfer *x, CURLcode rc, const char *what,
    const char *url, struct bb_error *err)
{
	struct http_client *c = x->c;
	const char *detail = c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
	char host[256] = "the hub";
	struct url p;

	if (http_url_parse(url, 1, 0, &p, NULL) == 0) {
		(void)strlcpy(host, p.host, sizeof(host));
		http_url_free(&p);
	}
	if (x->werr != 0) {
		errno = x->werr;
		bb_error_errno(err, x->werr == ENOMEM ? EX_OSERR : EX_IOERR,
		    "%s: writing the answer", what);
	} else if (x->rerr != 0) {
		errno = x->rerr;
		bb_error_errno(err, EX_IOERR, "%s: reading the body", what);
	} else if (x->resp->over)
		bb_error_set(err, EX_PROTOCOL, "%s: answer longer than %lld "
		    "bytes", what, x->to_fd ? (long long)x->req->out_max :
		    (long long)x->max);
	else if (x->stopped)
		bb_error_set(err, EX_TEMPFAIL, "%s: interrupted", what);
	else switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		bb_error_set(err, EX_TEMPFAIL, "%s: the TLS certificate of %s "
		    "cannot be verified: %s%s%s", what, host, detail,
		    c->opts.tls_hint != NULL ? "; " : "",
		    c->opts.tls_hint != NULL ? c->opts.tls_hint : "");
		break;
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		bb_error_set(err, EX_TEMPFAIL, "%s: the public key of %s is "
		    "not the pinned one", what, host);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		bb_error_set(err, EX_TEMPFAIL, "%s: TLS handshake with %s "
		    "failed: %s", what, host, detail);
		break;
	case CURLE_SSL_CACERT_BADFILE:
		bb_error_set(err, EX_CONFIG, "%s: CA %s: not a CA file or "
		    "directory libcurl can use for %s: %s", what,
		    c->opts.ca != NULL ? c->opts.ca : "(the system's)", host,
		    detail);
		break;
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		bb_error_set(err, EX_CONFIG, "%s: %s", what, detail);
		break;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_AGAIN:
	case CURLE_UNRECOVERABLE_POLL:
		bb_error_set(err, EX_TEMPFAIL, "%s: %s", what, detail);
		break;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_UNSUPPORTED_PROTOCOL:
		bb_error_set(err, EX_PROTOCOL, "%s: %s", what, detail);
		break;
	case CURLE_OUT_OF_MEMORY:
		bb_error_set(err, EX_OSERR, "%s: out of memory", what);
		break;
	default:
		bb_error_set(err, EX_SOFTWARE, "%s: %s", what, detail);
		break;
	}
}

/* Adds a header to *h; a credential's copy is wiped by headers_free. */
static int
header_add(struct curl_slist **h, const char *s)
{
	struct curl_slist *n;

	if ((n = curl_slist_append(*h, s)) == NULL)
		return -1;
	*h = n;
	return 0;
}

static void
headers_free(struct curl_slist *h)
{
	struct curl_slist *s;

	for (s = h; s != NULL; s = s->next)
		explicit_bzero(s->data, strlen(s->data));
	curl_slist_free_all(h);
}

/*
 * Sets the options of one exchange on c's handle; same: the URL has the
 * hub's origin, where credentials go.
 */
static int
setup(struct xfer *x, const char *url, const char *method,
    struct curl_slist *h, int same)
{
	struct http_client *c = x->c;
	const struct http_req *req = x->req;
	CURL *k = c->curl;
	char ua[64];
	int body = req->body != NULL || req->in_fd != -1;
	curl_off_t blen = req->in_fd != -1 ? (curl_off_t)req->in_size :
	    (curl_off_t)req->len;

#define SET(o, v) do {							\
	if (curl_easy_setopt(k, o, v) != CURLE_OK)			\
		return -1;						\
} while (0)
	curl_easy_reset(k);
	c->errbuf[0] = '\0';
	SET(CURLOPT_ERRORBUFFER, c->errbuf);
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, c->opts.allow_http ? "http,https" :
	    "https");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	(void)snprintf(ua, sizeof(ua), "bb/%s", buildinfo_version());
	SET(CURLOPT_USERAGENT, ua);
	SET(CURLOPT_CONNECTTIMEOUT, c->opts.connect_timeout);
	if (!req->no_idle) {
		SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
		SET(CURLOPT_LOW_SPEED_TIME, c->opts.idle_timeout);
	}
	if (req->timeout > 0)
		SET(CURLOPT_TIMEOUT, req->timeout);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_TCP_KEEPIDLE, 60L);
	SET(CURLOPT_TCP_KEEPINTVL, 30L);
	SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	SET(CURLOPT_SSL_VERIFYPEER, 1L);
	SET(CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->opts.ca != NULL) {
		/* The CA given replaces the system store. */
		SET(CURLOPT_CAINFO, c->ca_dir ? NULL : c->opts.ca);
		SET(CURLOPT_CAPATH, c->ca_dir ? c->opts.ca : NULL);
	}
	if (c->opts.pin != NULL)
		SET(CURLOPT_PINNEDPUBLICKEY, c->opts.pin);
	SET(CURLOPT_WRITEFUNCTION, write_cb);
	SET(CURLOPT_WRITEDATA, x);
	if (c->opts.stop != NULL) {
		SET(CURLOPT_XFERINFOFUNCTION, progress_cb);
		SET(CURLOPT_XFERINFODATA, x);
		SET(CURLOPT_NOPROGRESS, 0L);
	}
	if (body) {
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_READFUNCTION, read_cb);
		SET(CURLOPT_READDATA, x);
		SET(CURLOPT_SEEKFUNCTION, seek_cb);
		SET(CURLOPT_SEEKDATA, x);
		SET(CURLOPT_POSTFIELDSIZE_LARGE, blen);
	} else if (strcmp(method, "HEAD") == 0)
		SET(CURLOPT_NOBODY, 1L);
	else
		SET(CURLOPT_HTTPGET, 1L);
	if (strcmp(method, body ? "POST" : "GET") != 0 &&
	    strcmp(method, "HEAD") != 0)
		SET(CURLOPT_CUSTOMREQUEST, method);
	SET(CURLOPT_HTTPHEADER, h);
	if (same && c->user != NULL) {
		SET(CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		SET(CURLOPT_USERNAME, c->user);
		SET(CURLOPT_PASSWORD, c->secret);
	}
#undef SET
	return 0;
}

int
http_do(struct http_client *c, const struct http_req *req,
    struct http_resp *resp, struct bb_error *err)
{
	char url[HTTP_URL_MAX], what[HTTP_SHOW_MAX + 16], show[HTTP_SHOW_MAX];
	char ct[256];
	struct curl_slist *h = NULL;
	const char *method;
	curl_off_t ra = 0;
	struct xfer x;
	CURLcode rc;
	size_t i;
	int same, body, rv = -1;

	buf_free(resp->body);
	http_resp_init(resp);
	memset(&x, 0, sizeof(x));
	x.c = c;
	x.req = req;
	x.resp = resp;
	x.max = req->max > 0 ? req->max : HTTP_BODY_MAX;
	x.in_start = -1;
	body = req->body != NULL || req->in_fd != -1;
	method = req->method != NULL ? req->method : body ? "POST" : "GET";
	if ((resp->body = buf_new(x.max > HTTP_ERRBODY_MAX ? x.max :
	    HTTP_ERRBODY_MAX)) == NULL) {
		bb_error_set(err, EX_OSERR, "%s: out of memory", method);
		return -1;
	}
	if (http_url_resolve(c->base[0] ? c->base : NULL, req->url,
	    c->opts.allow_http, url, &same, err) == -1) {
		bb_error_prefix(err, "%s", method);
		return -1;
	}
	/* Messages never show a query: it may hold a signature. */
	(void)snprintf(what, sizeof(what), "%s %s", method,
	    http_url_show(url, show));
	if (req->in_fd != -1)
		x.in_start = lseek(req->in_fd, 0, SEEK_CUR);
	if (snprintf(ct, sizeof(ct), "Content-Type: %s", req->type != NULL ?
	    req->type : HTTP_RECORDS_TYPE) >= (int)sizeof(ct)) {
		bb_error_set(err, EX_SOFTWARE, "%s: type too long", what);
		goto out;
	}
	if ((same && c->auth != NULL && header_add(&h, c->auth) == -1) ||
	    (same && c->lease != NULL && header_add(&h, c->lease) == -1) ||
	    (body && header_add(&h, ct) == -1)) {
		bb_error_set(err, EX_OSERR, "%s: out of memory", what);
		goto out;
	}
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++) {
		if (strchr(req->headers[i], ':') == NULL ||
		    !header_safe(req->headers[i], 1)) {
			bb_error_set(err, EX_SOFTWARE, "%s: bad header", what);
			goto out;
		}
		if (header_add(&h, req->headers[i]) == -1) {
			bb_error_set(err, EX_OSERR, "%s: out of memory", what);
			goto out;
		}
	}
	if (setup(&x, url, method, h, same) == -1) {
		bb_error_set(err, EX_SOFTWARE, "%s: libcurl refused an option",
		    what);
		goto out;
	}
	rc = curl_easy_perform(c->curl);
	(void)curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE,
	    &resp->status);
	(void)curl_easy_getinfo(c->curl, CURLINFO_NUM_CONNECTS,
	    &resp->connects);
	/* Seconds, or a date made seconds from now; 0 when none. */
	if (curl_easy_getinfo(c->curl, CURLINFO_RETRY_AFTER, &ra) ==
	    CURLE_OK && ra > 0)
		resp->retry_after = ra > RETRY_AFTER_MAX ? RETRY_AFTER_MAX :
		    (long)ra;
	if (rc != CURLE_OK)
		transport_error(&x, rc, what, url, err);
	else if (!status_is_ok(resp->status))
		status_error(resp, what, err);
	else
		rv = 0;
out:
	/* The handle keeps pointers to the list: clear them first. */
	(void)curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
	headers_free(h);
	/* libcurl's copy of the secret goes now, not at the next call. */
	(void)curl_easy_setopt(c->curl, CURLOPT_PASSWORD, NULL);
	return rv;
}

int
http_resp_record(const struct http_resp *resp, size_t *pos,
    struct record *r, struct bb_error *err)
{
	const char *s, *nl, *p;
	size_t line = 1;

	if (resp->body == NULL || *pos >= resp->body->len)
		return 0;
	s = resp->body->data + *pos;
	if ((nl = memchr(s, '\n', resp->body->len - *pos)) == NULL)
		bb_error_set(err, EX_PROTOCOL, "no newline at the end");
	else if (record_parse(r, s, (size_t)(nl - s), err) == 0) {
		*pos += (size_t)(nl - s) + 1;
		return 1;
	} else if (err != NULL)
		err->code = EX_PROTOCOL;
	/* The line number, for the message. */
	for (p = resp->body->data; (p = memchr(p, '\n',
	    (size_t)(s - p))) != NULL; p++)
		line++;
	bb_error_prefix(err, "answer line %zu", line);
	return -1;
}
