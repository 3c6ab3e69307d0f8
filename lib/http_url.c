/*
 * URLs of the HTTP client (lib/http.h), parsed by libcurl's parser
 * (CURLU): checked (http or https, a plain host name, no user name or
 * password), normalised (a hub's base), resolved (a path against the
 * hub, or an absolute URL), compared by origin (where credentials may
 * go), told loopback or not, and shown in messages without what may
 * hold a secret.
 */
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <curl/curl.h>

#include "http_impl.h"

void
http_url_free(struct url *p)
{
	curl_free(p->scheme);
	curl_free(p->host);
	curl_free(p->port);
	curl_free(p->path);
	curl_url_cleanup(p->u);
	memset(p, 0, sizeof(*p));
}

const char *
http_url_show(const char *s, char *dst)
{
	char tmp[HTTP_URL_MAX];
	const char *p, *at = NULL;
	size_t n = strcspn(s, "?#");

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if ((p = strstr(tmp, "://")) != NULL)
		at = memrchr(p + 3, '@', strcspn(p + 3, "/"));
	if (at != NULL)
		(void)snprintf(dst, HTTP_SHOW_MAX, "%.*s...%s",
		    (int)(p + 3 - tmp), tmp, at);
	else
		(void)strlcpy(dst, tmp, HTTP_SHOW_MAX);
	if (strlen(dst) == HTTP_SHOW_MAX - 1)
		memcpy(dst + HTTP_SHOW_MAX - 4, "...", 3);
	return dst;
}

/* Returns 1 if s is printable ASCII without spaces and not too long. */
static int
url_chars_ok(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if ((unsigned char)s[n] <= 0x20 || (unsigned char)s[n] >= 0x7f)
			return 0;
	return n > 0 && n < HTTP_URL_MAX;
}

int
http_url_parse(const char *s, int allow_http, int default_port, struct url *p,
    struct bb_error *err)
{
	char show[HTTP_SHOW_MAX];
	char *x = NULL;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!url_chars_ok(s)) {
		bb_error_set(err, EX_DATAERR, "URL with spaces, controls or "
		    "non-ASCII bytes, or empty or too long");
		return -1;
	}
	if ((p->u = curl_url()) == NULL) {
		bb_error_set(err, EX_OSERR, "%s: out of memory",
		    http_url_show(s, show));
		return -1;
	}
	if (curl_url_set(p->u, CURLUPART_URL, s, 0) != CURLUE_OK ||
	    curl_url_get(p->u, CURLUPART_SCHEME, &p->scheme, 0) != CURLUE_OK ||
	    curl_url_get(p->u, CURLUPART_HOST, &p->host, 0) != CURLUE_OK ||
	    curl_url_get(p->u, CURLUPART_PATH, &p->path, 0) != CURLUE_OK ||
	    p->host[0] == '\0') {
		bb_error_set(err, EX_DATAERR, "%s: not a URL",
		    http_url_show(s, show));
		goto fail;
	}
	if (curl_url_get(p->u, CURLUPART_PORT, &p->port,
	    default_port ? CURLU_DEFAULT_PORT : 0) != CURLUE_OK)
		p->port = NULL;
	if (curl_url_get(p->u, CURLUPART_USER, &x, 0) == CURLUE_OK ||
	    curl_url_get(p->u, CURLUPART_PASSWORD, &x, 0) == CURLUE_OK)
		p->userinfo = 1;
	curl_free(x);
	x = NULL;
	if (curl_url_get(p->u, CURLUPART_QUERY, &x, 0) == CURLUE_OK ||
	    curl_url_get(p->u, CURLUPART_FRAGMENT, &x, 0) == CURLUE_OK)
		p->query = 1;
	curl_free(x);
	for (i = 0; p->scheme[i] != '\0'; i++)
		p->scheme[i] = tolower((unsigned char)p->scheme[i]);
	for (i = 0; p->host[i] != '\0'; i++)
		p->host[i] = tolower((unsigned char)p->host[i]);
	(void)curl_url_set(p->u, CURLUPART_SCHEME, p->scheme, 0);
	(void)curl_url_set(p->u, CURLUPART_HOST, p->host, 0);
	/* libcurl decodes %XX in a host name: only a plain name will do. */
	if (strspn(p->host, "abcdefghijklmnopqrstuvwxyz0123456789.-_:[]") !=
	    strlen(p->host)) {
		bb_error_set(err, EX_DATAERR, "%s: bad host name",
		    http_url_show(s, show));
		goto fail;
	}
	if (strcmp(p->scheme, "https") != 0 &&
	    strcmp(p->scheme, "http") != 0) {
		bb_error_set(err, EX_DATAERR, "%s: not an http or https URL",
		    http_url_show(s, show));
		goto fail;
	}
	if (strcmp(p->scheme, "http") == 0 && !allow_http) {
		bb_error_set(err, EX_DATAERR,
		    "%s: plain http is not allowed here",
		    http_url_show(s, show));
		goto fail;
	}
	if (p->userinfo) {
		/* Do not repeat s: it holds a credential. */
		bb_error_set(err, EX_DATAERR, "URL of %s holds a user name or "
		    "password", p->host);
		goto fail;
	}
	return 0;
fail:
	http_url_free(p);
	return -1;
}

int
http_url_normalise(const char *in, int allow_http, char *out,
    struct bb_error *err)
{
	char show[HTTP_SHOW_MAX];
	struct url p;
	size_t n;
	int r;

	if (http_url_parse(in, allow_http, 0, &p, err) == -1)
		return -1;
	if (p.query) {
		bb_error_set(err, EX_DATAERR, "%s: a hub URL has no query or "
		    "fragment", http_url_show(in, show));
		http_url_free(&p);
		return -1;
	}
	n = strlen(p.path);
	while (n > 0 && p.path[n - 1] == '/')
		p.path[--n] = '\0';
	r = snprintf(out, HTTP_URL_MAX, "%s://%s%s%s%s", p.scheme, p.host,
	    p.port != NULL ? ":" : "", p.port != NULL ? p.port : "", p.path);
	http_url_free(&p);
	if (r < 0 || r >= HTTP_URL_MAX) {
		bb_error_set(err, EX_DATAERR, "%s: URL too long",
		    http_url_show(in, show));
		return -1;
	}
	return 0;
}

int
http_same_origin(const char *a, const char *b)
{
	struct url pa, pb;
	int same;

	if (http_url_parse(a, 1, 1, &pa, NULL) == -1)
		return 0;
	if (http_url_parse(b, 1, 1, &pb, NULL) == -1) {
		http_url_free(&pa);
		return 0;
	}
	same = strcmp(pa.scheme, pb.scheme) == 0 &&
	    strcmp(pa.host, pb.host) == 0 && pa.port != NULL &&
	    pb.port != NULL && strcmp(pa.port, pb.port) == 0;
	http_url_free(&pa);
	http_url_free(&pb);
	return same;
}

int
http_url_resolve(const char *base, const char *ref, int allow_http,
    char *out, int *same, struct bb_error *err)
{
	char show[HTTP_SHOW_MAX];
	struct url p;
	char *full = NULL;
	int r;

	if (same != NULL)
		*same = 0;
	if (ref[0] == '/' && ref[1] != '/') {
		if (base == NULL) {
			bb_error_set(err, EX_DATAERR,
			    "%s: a path, and there is no hub to resolve it "
			    "against", http_url_show(ref, show));
			return -1;
		}
		if (!url_chars_ok(ref)) {
			bb_error_set(err, EX_DATAERR, "path with spaces, "
			    "controls or non-ASCII bytes, or too long");
			return -1;
		}
		r = snprintf(out, HTTP_URL_MAX, "%s%s", base, ref);
		if (r < 0 || r >= HTTP_URL_MAX) {
			bb_error_set(err, EX_DATAERR, "%s: URL too long",
			    http_url_show(ref, show));
			return -1;
		}
		if (same != NULL)
			*same = 1;
		return 0;
	}
	if (http_url_parse(ref, allow_http, 0, &p, err) == -1)
		return -1;
	r = curl_url_get(p.u, CURLUPART_URL, &full, 0) == CURLUE_OK &&
	    strlcpy(out, full, HTTP_URL_MAX) < HTTP_URL_MAX;
	curl_free(full);
	http_url_free(&p);
	if (!r) {
		bb_error_set(err, EX_DATAERR, "%s: URL too long",
		    http_url_show(ref, show));
		return -1;
	}
	if (same != NULL && base != NULL)
		*same = http_same_origin(base, out);
	return 0;
}

int
http_url_loopback(const char *url)
{
	struct in6_addr a6;
	struct in_addr a4;
	CURLU *u;
	char *host = NULL;
	size_t n;
	int rv = 0;

	if ((u = curl_url()) == NULL)
		return 0;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host[n - 1] = '\0';
		rv = inet_pton(AF_INET6, host + 1, &a6) == 1 &&
		    IN6_IS_ADDR_LOOPBACK(&a6);
	} else if (inet_pton(AF_INET, host, &a4) == 1)
		rv = (ntohl(a4.s_addr) >> 24) == 127;
	else
		rv = strcasecmp(host, "localhost") == 0;
out:
	curl_free(host);
	curl_url_cleanup(u);
	return rv;
}
