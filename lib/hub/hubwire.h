/*
 * The small parsers of bb-protocol(7) that are not records: the
 * Content-Digest header (RFC 9530), the Range header (RFC 9110) and
 * names in request paths.
 */
#ifndef BB_HUBWIRE_H
#define BB_HUBWIRE_H

#include <sys/types.h>

#include <stddef.h>

#include "digest.h"

#define HUBWIRE_B64LEN	44	/* a sha-256 digest in base64 */

/*
 * Finds the sha-256 member of a Content-Digest value (other algorithms
 * are skipped) and puts it in hex (DIGEST_HEXLEN + 1).  Returns 0, or -1
 * when there is none or it is malformed.
 */
int	hubwire_content_digest(const char *, char *);

/*
 * Reads a Range header value v for a representation of size bytes:
 * "bytes=FIRST-", "bytes=FIRST-LAST" or "bytes=-SUFFIX" (the unit in any
 * case, blanks around the range allowed).  Returns 1 with the bytes to
 * send, from *off, *len of them; 0 when the header is to be ignored and
 * the whole sent (malformed, another unit, or several ranges); -1 when
 * the range is not satisfiable (it starts at or past the end, or asks
 * for a suffix of nothing): 416.
 */
int	hubwire_range(const char *, off_t, off_t *, off_t *);

/* Puts the base64 of the digest hex in out (HUBWIRE_B64LEN + 1). */
void	hubwire_digest_b64(const char *, char *);

/*
 * Undoes %XX in len bytes of s.  Returns a new string (the caller frees
 * it; it may hold NULs: *outlen is its length), or NULL when an escape is
 * malformed or memory runs out.
 */
char	*hubwire_pct_decode(const char *, size_t, size_t *);

/*
 * Returns 1 if the decoded artifact name (len bytes, no NUL among them)
 * is one by artifact_name_valid: a path in the work tree, such as
 * "a/b/x".
 */
int	hubwire_valid_artifact(const char *, size_t);

#endif
