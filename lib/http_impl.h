/*
 * The inside of the HTTP client (lib/http.h), shared by the three files
 * that make it and by nothing else:
 *
 *	http.c		the client and one exchange: credentials and the
 *			origin they go to, the request made, the answer
 *			taken (capped, or to a file), refusals and
 *			transport failures as sysexits(3) codes
 *	http_url.c	URLs: parsed and checked by libcurl's parser,
 *			normalised, resolved against the hub, compared by
 *			origin, shown in messages without their secrets
 *	http_retry.c	tries again: capped exponential backoff with
 *			jitter, Retry-After, a deadline, a stop flag
 *
 * Who frees what: a client owns its strings (the credentials wiped when
 * it is freed) and libcurl's handle; a struct url owns libcurl's parts
 * and http_url_free frees them.
 */
#ifndef BB_HTTP_IMPL_H
#define BB_HTTP_IMPL_H

#include <curl/curl.h>

#include "http.h"

#define HTTP_SHOW_MAX	256	/* a URL in a message */

struct http_client {
	CURL		*curl;
	char		 base[HTTP_URL_MAX];	/* empty: no hub */
	struct http_opts opts;			/* ca and pin point below */
	char		*ca;
	int		 ca_dir;
	char		*pin;
	char		*auth;		/* "Authorization: Bearer ..." (a
					   secret) */
	char		*user;		/* Basic credentials, which */
	char		*secret;	/* libcurl sends (a secret) */
	char		*lease;		/* "Bb-Lease: ..." */
	char		 errbuf[CURL_ERROR_SIZE];
};

/* URL parts, from libcurl's parser. */
struct url {
	CURLU	*u;
	char	*scheme;
	char	*host;
	char	*port;		/* NULL when none is written */
	char	*path;
	int	 userinfo;	/* a user name or password is written */
	int	 query;		/* a query or fragment is written */
};

/*
 * Parses an absolute URL (default_port: fill in the scheme's port) and
 * checks what every URL of ours must be.  Return 0 or -1 (EX_DATAERR).
 * http_url_free frees p's parts.
 */
int		 http_url_parse(const char *, int allow_http, int default_port,
		    struct url *, struct bb_error *);
void		 http_url_free(struct url *);

/*
 * s as messages show it: without a user name or password, query or
 * fragment (they may hold secrets), cut to fit dst (HTTP_SHOW_MAX
 * bytes).  Returns dst.
 */
const char	*http_url_show(const char *, char *);

#endif
