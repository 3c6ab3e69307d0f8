/*
 * SHA-256 digests of streams and files, in hex as sha256sum prints them,
 * and in the base64 of HTTP's Content-Digest header (RFC 9530), which
 * the worker sends with a file and the hub with a blob.
 */
#ifndef BB_DIGEST_H
#define BB_DIGEST_H

#include <sys/types.h>

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define DIGEST_LEN	32
#define DIGEST_HEXLEN	(2 * DIGEST_LEN)
#define DIGEST_B64LEN	44	/* a digest in base64 */
#define DIGEST_HEADERLEN	(26 + DIGEST_B64LEN)	/* digest_header's */

struct digest;

/* Returns a new SHA-256 context, or NULL. */
struct digest	*digest_new(void);

/* Returns a new context in the state d is in (a digest so far), or NULL. */
struct digest	*digest_dup(const struct digest *);
void		 digest_free(struct digest *);
int		 digest_update(struct digest *, const void *, size_t);

/*
 * Finishes d into md (DIGEST_LEN bytes); d can be used again.  Returns 0,
 * or -1 (out of memory) with md zeroed.
 */
int		 digest_final(struct digest *, unsigned char *);

/* Finishes d into hex (DIGEST_HEXLEN + 1 bytes); d can be used again. */
int		 digest_final_hex(struct digest *, char *);

/*
 * Puts the SHA-256 of len bytes at p in md (DIGEST_LEN bytes).  Returns
 * 0, or -1 (out of memory) with md zeroed.
 */
int		 digest_buf(const void *, size_t, unsigned char *);

/*
 * Hashes what is left of fd, reading in blocks (constant memory).  Puts
 * the hex digest in hex and the byte count in *size (if not NULL).  name
 * is for messages.  Returns 0 or -1.
 */
int	digest_fd(int, const char *, char *, off_t *, struct bb_error *);

/*
 * As digest_fd, reading at most max bytes (-1: to the end of the file),
 * and giving up (EX_TEMPFAIL, "interrupted") as soon as *stop is set by
 * a signal handler (stop may be NULL).
 */
int	digest_fd_max(int, const char *, off_t, volatile sig_atomic_t *,
	    char *, off_t *, struct bb_error *);

/* As digest_fd, for a file opened at dirfd (AT_FDCWD) and path. */
int	digest_file(int, const char *, char *, off_t *, struct bb_error *);

/* Hex-encodes len bytes of p into dst (2 * len + 1 bytes). */
void	digest_tohex(const void *, size_t, char *);

/*
 * Decodes the 2 * len hex digits at s (either case) into len bytes at
 * out: bb's one hex decoder (digests, secrets' salts, %XX escapes).
 * Returns 0, or -1 when one of them is not a hex digit.
 */
int	digest_unhex(const char *, size_t, unsigned char *);

/* Returns 1 if s is a well-formed lower-case sha256 hex digest. */
int	digest_valid_hex(const char *);

/*
 * Puts the base64 of the digest given in hex in b64 (DIGEST_B64LEN + 1
 * bytes).  Returns 0, or -1 (b64 empty) when hex is not a digest as
 * digest_valid_hex says.
 */
int	digest_b64(const char *, char *);

/*
 * Puts the header that gives the digest hex of a body,
 * "Content-Digest: sha-256=:BASE64:" (RFC 9530), in out (size bytes,
 * DIGEST_HEADERLEN + 1 will do).  Returns 0, or -1 when hex is not a
 * digest or out is too small.
 */
int	digest_header(const char *, char *, size_t);

#endif
