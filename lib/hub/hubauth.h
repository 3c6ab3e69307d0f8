/*
 * The hub's credentials: random tokens (sessions, leases, worker secrets,
 * the admin token) and how the hub keeps them.  A worker's secret is
 * kept as a salted PBKDF2-HMAC-SHA256 hash; a session token as its plain
 * SHA-256 (it is 256 random bits: nothing to guess).  Comparisons take
 * the same time whatever the bytes.
 */
#ifndef BB_HUBAUTH_H
#define BB_HUBAUTH_H

#include <stddef.h>

#include "digest.h"
#include "error.h"

#define HUBAUTH_TOKEN_BYTES	32
#define HUBAUTH_TOKEN_LEN	(2 * HUBAUTH_TOKEN_BYTES)	/* in hex */
#define HUBAUTH_LEASE_LEN	32				/* in hex */
#define HUBAUTH_HASH_MAX	160	/* longest stored secret hash */
#define HUBAUTH_ITER		20000	/* PBKDF2 rounds */

/* Puts a new random token in hex, with len bytes of hex, in out (len+1). */
void	hubauth_random(char *, size_t);

/*
 * Puts the SHA-256 of len bytes of token, in hex, in hex (DIGEST_HEXLEN
 * + 1 bytes).  Returns 0, or -1 (out of memory) with hex empty.
 */
int	hubauth_token_hash(const void *, size_t, char *);

/*
 * Hashes a secret for keeping: "pbkdf2-sha256$ROUNDS$SALT$HASH".  Puts
 * it in out (HUBAUTH_HASH_MAX bytes).  Returns 0 or -1.
 */
int	hubauth_secret_hash(const void *, size_t, char *, struct bb_error *);

/*
 * Returns 1 if the secret (len bytes) matches the kept hash, else 0.
 * With stored NULL (no such worker) it still spends the same time and
 * returns 0, so that a wrong name looks like a wrong secret.
 */
int	hubauth_secret_check(const void *, size_t, const char *);

/* Returns 1 if the strings are equal, in a time that does not tell. */
int	hubauth_equal(const char *, const char *);

#endif
