/*
 * The inside of bb-sign's keys and signatures (lib/release/sign.h),
 * shared by the three files that make them and by nothing else:
 *
 *	sign.c		the formats, and the text that key and signature
 *			files share: an "untrusted comment:" line, then a
 *			line of base64, read and written
 *	sign_key.c	keys: made, their files written and read (signify,
 *			minisign, minisign's passphrase), the key id
 *	sign_sig.c	signatures: made and checked (signify's of the
 *			whole file, minisign's of its BLAKE2b-512 and of
 *			the trusted comment), their files read
 *
 * Nothing here allocates: the callers own every buffer.
 */
#ifndef BB_SIGN_IMPL_H
#define BB_SIGN_IMPL_H

#include <sodium.h>

#include "buf.h"
#include "error.h"
#include "sign.h"

#define COMMENT_PREFIX	"untrusted comment: "
#define TRUSTED_PREFIX	"trusted comment: "
#define SIGALG		"Ed"	/* Ed25519 over the message */
#define SIGALG_HASHED	"ED"	/* Ed25519 over BLAKE2b-512(message) */
#define PREHASH_LEN	64
#define STREAM_BLOCK	(64 * 1024)

/* signify's secret key: 104 bytes. */
#define SIGNIFY_SECLEN	(2 + 2 + 4 + 16 + 8 + SIGN_KEYNUMLEN + SIGN_SECLEN)
/* minisign's secret key: 158 bytes; the last 104 may be encrypted. */
#define MINISIGN_CHKLEN	32
#define MINISIGN_SALTLEN 32
#define MINISIGN_ENCLEN	(SIGN_KEYNUMLEN + SIGN_SECLEN + MINISIGN_CHKLEN)
#define MINISIGN_SECLEN	(2 + 2 + 2 + MINISIGN_SALTLEN + 8 + 8 + \
			    MINISIGN_ENCLEN)
#define PUBFILE_LEN	(2 + SIGN_KEYNUMLEN + SIGN_PUBLEN)
#define SIGFILE_LEN	(2 + SIGN_KEYNUMLEN + SIGN_SIGLEN)

/* Limits on the scrypt parameters read from a key: minisign's, times 4. */
#define SCRYPT_OPS	crypto_pwhash_scryptsalsa208sha256_OPSLIMIT_SENSITIVE
#define SCRYPT_MEM	crypto_pwhash_scryptsalsa208sha256_MEMLIMIT_SENSITIVE
#define SCRYPT_OPSMAX	(4ULL * SCRYPT_OPS)
#define SCRYPT_MEMMAX	(4ULL * SCRYPT_MEM)

/* Starts libsodium (once).  Returns 0, or -1 (EX_SOFTWARE). */
int	sign_sodium_ready(struct bb_error *);

/*
 * Appends prefix ("untrusted comment: ", "trusted comment: "), text and
 * a newline to b.  Returns 0, or -1 (EX_USAGE: text holds a newline).
 */
int	sign_add_line(struct buf *, const char *prefix, const char *text,
	    struct bb_error *);

/* Appends the base64 of len bytes and a newline to b.  0 or -1. */
int	sign_add_b64(struct buf *, const void *, size_t, struct bb_error *);

/* Checks a comment's length (SIGN_COMMENTMAX).  0, or -1 (EX_USAGE). */
int	sign_comment_check(const char *, struct bb_error *);

/*
 * Finds the line starting at *pos in text: its start and length without
 * the newline.  Returns 1 and moves *pos past it, or 0 at the end.
 * *nl tells whether the line ended with a newline.
 */
int	sign_next_line(const char *, size_t, size_t *pos, const char **line,
	    size_t *llen, int *nl);

/*
 * Checks the comment line of a file (name, a what: "public key") at
 * *pos and decodes the base64 line after it into raw (rawmax bytes),
 * *rawlen long.  Returns 0, or -1 (EX_DATAERR, naming the line).
 */
int	sign_parse_b64_file(const char *, size_t, size_t *pos,
	    const char *name, const char *what, uint8_t *raw, size_t rawmax,
	    size_t *rawlen, struct bb_error *);

#endif
