/*
 * Answers of the hub's HTTP server, shared by its handlers: responses
 * with the headers every answer has, refusals as "error" records
 * (bb-protocol(7) ERRORS), the lines of a record body, query arguments,
 * blobs sent and raw bodies received into the blob store.
 *
 * Each function that answers does so once: it queues the response on
 * the request's connection (or keeps it in r->resp while the request is
 * deferred, for the core to send when it is resumed).  A response handed
 * to hubreq_send is the request's from then on; the caller frees nothing.
 */
#ifndef BB_HUBREQ_H
#define BB_HUBREQ_H

#include <sys/types.h>

#include <stddef.h>

#include <microhttpd.h>

#include "buf.h"
#include "error.h"
#include "record.h"

struct hubreq;

#define HUBREQ_TEXT	"text/plain; charset=utf-8"
#define HUBREQ_HTML	"text/html; charset=utf-8"
#define HUBREQ_RETRY_AFTER	"5"	/* seconds, in every 503 */

/*
 * The Content-Security-Policy of every answer: scripts and styles only
 * from the hub's own files (no inline script or style, no eval), nothing
 * from elsewhere, no framing.
 */
#define HUBREQ_CSP	"default-src 'none'; script-src 'self'; " \
			"style-src 'self'; img-src 'self'; " \
			"connect-src 'self'; base-uri 'none'; " \
			"form-action 'self'; frame-ancestors 'none'"

/*
 * Returns a response holding a copy of len bytes at p as ctype, or NULL
 * when out of memory.  The caller hands it to hubreq_send or destroys it
 * (MHD_destroy_response).
 */
struct MHD_Response	*hubreq_response(const void *, size_t, const char *);

/*
 * Returns the response of a refusal: an "error" record with status,
 * reason and msg, and have and missing if not NULL; or NULL.  As above.
 */
struct MHD_Response	*hubreq_error_resp(unsigned int, const char *,
			    const char *, const char *, const char *);

/*
 * Answers r with status and resp (taken over; NULL means out of memory:
 * the connection is closed without an answer).  Adds HUBREQ_CSP and
 * X-Content-Type-Options: nosniff.
 */
void	hubreq_send(struct hubreq *, unsigned int, struct MHD_Response *);

/* Answers with the records in b (NULL: none). */
void	hubreq_reply(struct hubreq *, unsigned int, const struct buf *);

/* Answers with one record. */
void	hubreq_reply_rec(struct hubreq *, unsigned int, const struct record *);

/*
 * Refuses r with status, reason and a message (WWW-Authenticate for 401,
 * Retry-After for 503; a 5xx goes to the log too).
 */
void	hubreq_fail(struct hubreq *, unsigned int, const char *, const char *,
	    ...) __printflike(4, 5);

/*
 * Refuses r as hubreq_fail does (the same headers), with the HTML page in
 * page instead of an error record: for a person's browser.
 */
void	hubreq_fail_page(struct hubreq *, unsigned int, const struct buf *);

/* Returns 1 if r's Accept header names text/html (a browser), else 0. */
int	hubreq_wants_html(struct hubreq *);

/* Refuses with 500 and err's message: the database failed, or memory. */
void	hubreq_fail_internal(struct hubreq *, const struct bb_error *);

/* Refuses with the status that a lib/hub/hubdb.h outcome (not HUB_OK) has. */
void	hubreq_fail_outcome(struct hubreq *, int, const struct bb_error *);

/* Returns the value of request header name, or NULL. */
const char	*hubreq_header(struct hubreq *, const char *);

/* Returns the value of query argument name, or NULL. */
const char	*hubreq_arg(struct hubreq *, const char *);

/*
 * Puts query argument name, min to max, in *out (def when absent).
 * Returns 0, or -1 with the refusal (400) queued.
 */
int	hubreq_num_arg(struct hubreq *, const char *, long long, long long,
	    long long, long long *);

/*
 * Gets the next line of r's record body from *pos and counts it in
 * *lineno.  Returns 1 with the line (without its newline), 0 at the end,
 * or -1 when the last line has no newline (refusal queued).
 */
int	hubreq_next_line(struct hubreq *, size_t *, size_t *, const char **,
	    size_t *);

/* Parses line number lineno into rec.  Returns 0, or -1 (400 queued). */
int	hubreq_parse_line(struct hubreq *, struct record *, const char *,
	    size_t, size_t);

/*
 * hubreq_next_line, then hubreq_parse_line of that line into rec.
 * Returns 1 with the record (and its line), 0 at the end, or -1 with
 * the refusal (400) queued.
 */
int	hubreq_next_record(struct hubreq *, size_t *, size_t *,
	    struct record *, const char **, size_t *);

/*
 * Parses the first line of r's record body into rec and puts where the
 * next line starts in *pos (pos may be NULL).  Returns 1, 0 when the
 * body is empty, or -1 with the refusal queued.
 */
int	hubreq_first_record(struct hubreq *, struct record *, size_t *);

/* A list callback of lib/hub/hubdb.h: adds rec to the struct buf arg. */
int	hubreq_add_rec(void *, const struct record *);

/*
 * Answers with the blob of digest hex, its digest in Content-Digest and
 * as its ETag; or with the part a Range header asks for (206, the whole
 * blob's digest in Repr-Digest; a Range with an If-Range that is not the
 * ETag is ignored), or 416 when that part is outside the blob.
 */
void	hubreq_send_blob(struct hubreq *, const char *);

/*
 * Starts receiving r's body into the blob store, max bytes at most, with
 * the digest of its Content-Digest header (required if need_digest).
 * Returns 0, or -1 with the refusal queued.
 */
int	hubreq_upload_start(struct hubreq *, off_t, int);

/*
 * Ends the upload: checks its size and digest and keeps the blob.
 * Returns 0 with the blob's digest in hex (DIGEST_HEXLEN + 1 bytes) and
 * its size, or -1 with the refusal queued.
 */
int	hubreq_upload_end(struct hubreq *, char *, off_t *);

#endif
