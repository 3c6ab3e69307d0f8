/*
 * The HTTP client of the worker stages and of bb-hub fetch, on libcurl:
 * one client per hub,
 * one reused connection (keep-alive), bodies of records or raw bytes,
 * answers into a capped buffer or streamed to a file descriptor, hub
 * refusals and transport failures turned into sysexits(3) codes, and a
 * retry helper with capped exponential backoff and jitter.
 *
 * Credentials (a bearer token and a lease, or a name and secret for
 * HTTP Basic) go only to the hub's own origin: scheme, host and port of
 * the base URL.  No message this module writes holds a credential.
 *
 * Exit codes in struct bb_error (see bb-protocol(7)):
 *	EX_TEMPFAIL	cannot connect or resolve, timeout, connection cut,
 *			5xx, 408, 429; TLS handshake or certificate
 *			verification failure (the message names the host
 *			and says what to do: opts->tls_hint);
 *			interrupted by opts->stop
 *	EX_NOPERM	401 or 403: the token or secret was refused
 *	EX_PROTOCOL	any other status that is not 2xx, a redirect, an
 *			answer longer than its cap, an answer that is not
 *			HTTP or not records where records are expected
 *	EX_DATAERR	a URL, token or lease that cannot be used
 *	EX_CONFIG	a CA file or directory or a pin that cannot be used
 *			(the message names the file)
 *	EX_IOERR	reading the upload or writing the download failed
 *	EX_OSERR	out of memory
 */
#ifndef BB_HTTP_H
#define BB_HTTP_H

#include <sys/types.h>

#include <signal.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "record.h"

#define HTTP_URL_MAX		4096	/* longest URL */
#define HTTP_BODY_MAX		(1024 * 1024)	/* default answer cap */
#define HTTP_ERRBODY_MAX	RECORD_MAX	/* kept of a refusal's body */
#define HTTP_CONNECT_TIMEOUT	30	/* seconds */
#define HTTP_IDLE_TIMEOUT	60	/* seconds under 1 byte/s */
#define HTTP_RECORDS_TYPE	"text/plain; charset=utf-8"

/* Settings of a client; zero values mean the defaults. */
struct http_opts {
	const char	*ca;		/* CA file or directory replacing the
					   system store, or NULL */
	const char	*pin;		/* "sha256//BASE64[;sha256//...]" */
	int		 allow_http;	/* plain http:// may be used */
	long		 connect_timeout;	/* seconds */
	long		 idle_timeout;	/* seconds without progress */
	volatile sig_atomic_t *stop;	/* when set non-zero, transfers
					   and retry waits end (EX_TEMPFAIL,
					   "interrupted") */
	const char	*tls_hint;	/* what to do when the hub's
					   certificate cannot be verified
					   ("trust it with --ca FILE"),
					   added to that message; a string
					   that outlives the client, or
					   NULL */
};

/* One request.  Set it up with http_req_init. */
struct http_req {
	const char	*method;	/* NULL: GET, or POST with a body */
	const char	*url;		/* "/v1/..." under the base URL, or an
					   absolute http(s) URL (required) */
	const void	*body;		/* request body, or NULL */
	size_t		 len;
	int		 in_fd;		/* or the body read from in_fd */
	off_t		 in_size;	/* its length; -1: chunked */
	const char	*type;		/* Content-Type; NULL: records */
	const char *const *headers;	/* more "Name: value" lines, NULL-ended,
					   sent to any origin: no secrets */
	int		 out_fd;	/* a 2xx answer's body goes here; -1:
					   into resp->body */
	off_t		 out_max;	/* most bytes to out_fd; 0: no cap */
	size_t		 max;		/* most bytes in resp->body; 0:
					   HTTP_BODY_MAX */
	long		 timeout;	/* whole exchange, seconds; 0: none */
	int		 no_idle;	/* long poll: no idle limit */
};

/* What came back.  Set it up with http_resp_init. */
struct http_resp {
	long		 status;	/* HTTP status; 0 if none came */
	struct buf	*body;		/* the body (of a refusal too, cut at
					   HTTP_ERRBODY_MAX); never NULL after
					   http_do */
	off_t		 written;	/* bytes written to out_fd */
	int		 over;		/* the body was over its cap */
	long		 retry_after;	/* seconds a Retry-After asked for
					   (libcurl's CURLINFO_RETRY_AFTER:
					   a number, or a date made seconds
					   from now), at most a day; 0 when
					   none, or a date past */
	long		 connects;	/* new connections the exchange made
					   (0: an open one was reused) */
};

/*
 * Backoff between tries: try n (n >= 1 tries made) waits a random time
 * between half and all of min(first_ms * 2^(n-1), max_ms), and at least
 * what the server asked for with Retry-After (still capped at max_ms).
 * With a deadline, a try is cut when it comes, and no wait runs past it.
 */
struct http_retry {
	int		 tries;		/* tries in all; 0: no limit */
	long		 first_ms;	/* first delay; 0: 1000 */
	long		 max_ms;	/* longest delay; 0: 300000 */
	long long	 deadline_ms;	/* CLOCK_MONOTONIC milliseconds after
					   which nothing is tried; 0: none */
	/* Called before each wait (to warn); may be NULL. */
	void		(*notify)(void *, const struct bb_error *, long ms);
	void		*arg;
	int		 n;		/* tries made so far */
};

struct http_client;

/*
 * Returns a new client for the hub at base (NULL: a client with no hub,
 * for absolute URLs only, that sends no credentials), or NULL with err
 * set.  opts may be NULL.  base is normalised as http_url_normalise
 * does; plain http is refused unless opts->allow_http.  The strings in
 * opts are copied.  Free with http_client_free.  The first call starts
 * libcurl (curl_global_init): make it before any thread is started.
 */
struct http_client	*http_client_new(const char *base,
			    const struct http_opts *, struct bb_error *);

/* Frees c and wipes its credentials (NULL is fine). */
void	http_client_free(struct http_client *);

/* Returns the normalised base URL, or NULL for a client with no hub. */
const char	*http_client_base(const struct http_client *);

/*
 * Sets the bearer token (Authorization: Bearer), the lease (Bb-Lease)
 * or the Basic credentials (which libcurl sends, CURLOPT_USERNAME) sent
 * with every later request to the hub's origin (a client with no hub
 * never sends them); NULL clears.  A token replaces Basic credentials
 * and the other way round.  Values must be printable ASCII without
 * spaces (the Basic secret may hold spaces; the name no ":").  They are
 * copied, and wiped when replaced or freed.
 * Return 0, or -1 (EX_DATAERR; the message does not repeat the value).
 */
int	http_client_set_token(struct http_client *, const char *,
	    struct bb_error *);
int	http_client_set_lease(struct http_client *, const char *,
	    struct bb_error *);
int	http_client_set_basic(struct http_client *, const char *,
	    const char *, struct bb_error *);

/* Makes req a GET of nothing, with no fds; resp empty. */
void	http_req_init(struct http_req *);
void	http_resp_init(struct http_resp *);

/* Frees resp's body; resp can be used again. */
void	http_resp_free(struct http_resp *);

/*
 * Performs req on c's connection.  Returns 0 for a 2xx answer, else -1
 * with err set as the table above says and resp->status set when an
 * answer came (callers that give 409 or 410 a meaning of their own test
 * resp->status).  A refusal's message is "METHOD URL: STATUS MSG", MSG
 * from the `error status= msg=` record of its body (made safe with
 * strvis(3)).  URLs in messages never show a query.  resp->body is
 * replaced.
 */
int	http_do(struct http_client *, const struct http_req *,
	    struct http_resp *, struct bb_error *);

/*
 * As http_do, and tries again after a wait while the failure is
 * transient (EX_TEMPFAIL), as r allows (r->n counts the tries made; a
 * try cut by r's deadline fails with EX_TEMPFAIL, and one that would
 * start after it is not made).
 * Before a new try, out_fd is cut back to where it began and in_fd is
 * rewound (when they cannot seek, a try that used them is the last).
 */
int	http_do_retry(struct http_client *, const struct http_req *,
	    struct http_resp *, struct http_retry *, struct bb_error *);

/*
 * Counts a failed try in r and returns the milliseconds to wait before
 * the next one (retry_after: seconds the server asked for, or 0), or -1
 * when r->tries are used up.
 */
long	http_retry_next(struct http_retry *, long retry_after);

/*
 * Waits ms milliseconds, or less when *stop (if stop is not NULL) is set
 * by a signal handler.  Returns 0, or -1 when stopped.
 */
int	http_sleep_ms(long ms, volatile sig_atomic_t *stop);

/*
 * Decodes the next record of resp's body from *pos (start with 0) into
 * r.  Returns 1, 0 at the end of the body, or -1 on a malformed line or
 * a body not ended by a newline (EX_PROTOCOL, naming the line).
 */
int	http_resp_record(const struct http_resp *, size_t *, struct record *,
	    struct bb_error *);

/*
 * Checks and normalises a hub base URL into out (HTTP_URL_MAX bytes):
 * http or https (http only if allow_http), a host, no user name or
 * password, query or fragment; scheme and host in lower case, trailing
 * slashes removed ("https://h:8443/bb/" gives "https://h:8443/bb").
 * Returns 0, or -1 (EX_DATAERR).
 */
int	http_url_normalise(const char *, int allow_http, char *,
	    struct bb_error *);

/*
 * Resolves ref against base into out (HTTP_URL_MAX bytes): a ref
 * starting with one "/" is appended to base (base may be NULL only for
 * an absolute ref); otherwise ref must be an absolute http(s) URL with
 * no user name or password (http only if allow_http).  Sets *same (if
 * not NULL) to 1 when the result has base's origin.  Returns 0, or -1
 * (EX_DATAERR).
 */
int	http_url_resolve(const char *, const char *, int allow_http, char *,
	    int *same, struct bb_error *);

/*
 * Returns 1 if the URLs a and b have the same origin (scheme, host
 * without regard to case, port with the scheme's default filled in),
 * else 0 (also when either does not parse).
 */
int	http_same_origin(const char *, const char *);

/*
 * The sysexits(3) code of an HTTP status that is not 2xx (see above).
 */
int	http_status_exit(long);

/*
 * Returns 1 if the host of url is the loopback interface (localhost,
 * 127.0.0.0/8, ::1), else 0.
 */
int	http_url_loopback(const char *);

#endif
