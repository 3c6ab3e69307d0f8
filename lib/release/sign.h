/*
 * Ed25519 keys and signatures in the file formats of signify(1) and
 * minisign(1), so that the stock tools check what bb-sign writes and
 * bb-sign checks what they write.  Ed25519 is OpenSSL 3's; BLAKE2b and
 * scrypt (passphrase-protected minisign keys) are libsodium's.
 *
 *	public key	untrusted comment, base64 of "Ed" keynum[8] pk[32]
 *	signify sig	untrusted comment, base64 of "Ed" keynum[8] sig[64],
 *			then, if embedded, the message itself
 *	minisign sig	untrusted comment, base64 of "ED" keynum[8] sig[64]
 *			where sig signs BLAKE2b-512(file), "trusted comment:
 *			T", base64 of the signature of sig followed by T
 */
#ifndef BB_SIGN_H
#define BB_SIGN_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "buf.h"
#include "error.h"
#include "passphrase.h"

#define SIGN_KEYNUMLEN	8
#define SIGN_PUBLEN	32
#define SIGN_SECLEN	64	/* the seed, then the public key */
#define SIGN_SIGLEN	64
#define SIGN_IDLEN	16	/* a key id: minisign's upper-case hex */
#define SIGN_COMMENTMAX	1000	/* longest untrusted comment */
#define SIGN_TRUSTEDMAX	8000	/* longest trusted comment */
#define SIGN_KEYFILE_MAX 4096	/* longest key file */
#define SIGN_SIGFILE_MAX (16 * 1024 * 1024)	/* longest signature file */

/*
 * signify reads a whole file into memory and refuses one over 1 GiB; the
 * signify format is refused for larger files (sign a checksum list).
 */
#define SIGN_SIGNIFY_MAX	(1LL << 30)

/* The exit status of a signature that does not match its file. */
#define SIGN_BAD	1

enum sign_format {
	SIGN_NONE = 0,
	SIGN_SIGNIFY,
	SIGN_MINISIGN,
	SIGN_CMS
};

struct sign_pubkey {
	uint8_t	keynum[SIGN_KEYNUMLEN];
	uint8_t	pk[SIGN_PUBLEN];
};

struct sign_seckey {
	enum sign_format fmt;		/* the format of the key file */
	uint8_t	keynum[SIGN_KEYNUMLEN];
	uint8_t	sk[SIGN_SECLEN];
};

/* A signature file, parsed. */
struct sign_sig {
	enum sign_format fmt;		/* SIGN_SIGNIFY or SIGN_MINISIGN */
	int		 prehashed;	/* "ED": signs BLAKE2b-512(file) */
	uint8_t		 keynum[SIGN_KEYNUMLEN];
	uint8_t		 sig[SIGN_SIGLEN];
	char		 trusted[SIGN_TRUSTEDMAX + 1];	/* minisign */
	uint8_t		 global[SIGN_SIGLEN];		/* minisign */
	const char	*msg;		/* signify -e: the embedded message */
	size_t		 msglen;
};

/* Returns the name of a format ("signify"), or parses one (SIGN_NONE). */
const char	*sign_format_name(enum sign_format);
enum sign_format sign_format_parse(const char *);

/* Returns the file name extension of a format's signatures (".sig"). */
const char	*sign_format_ext(enum sign_format);

/* Puts keynum as minisign prints it (SIGN_IDLEN + 1 bytes at most). */
void	sign_key_id(const uint8_t *, char *);

/* Makes a new key pair with a random key number.  Returns 0 or -1. */
int	sign_keygen(struct sign_seckey *, struct sign_pubkey *,
	    struct bb_error *);

/* Copies the public half of sk into pk. */
void	sign_seckey_public(const struct sign_seckey *, struct sign_pubkey *);

/*
 * Appends a public key file of format fmt to b.  comment is the
 * untrusted comment ("NAME public key" when given, else the format's
 * default).  Returns 0 or -1.
 */
int	sign_pubkey_encode(const struct sign_pubkey *, enum sign_format,
	    const char *, struct buf *, struct bb_error *);

/*
 * Appends a secret key file of format fmt to b, unencrypted (signify's
 * -n, minisign's -W keys), or for minisign encrypted with pass when pass
 * is not NULL (scrypt as minisign does it: this takes about 1 GiB of
 * memory and a few seconds).  b should be wiped with buf_freezero.
 * Returns 0 or -1.
 */
int	sign_seckey_encode(const struct sign_seckey *, enum sign_format,
	    const char *, const char *, struct buf *, struct bb_error *);

/*
 * Parses a public key file (signify or minisign: the same) of len bytes;
 * name is for messages.  Returns 0 or -1 (EX_DATAERR).
 */
int	sign_pubkey_parse(const char *, size_t, const char *,
	    struct sign_pubkey *, struct bb_error *);

/*
 * Parses a secret key file of either format into sk, and checks that it
 * is whole.  A passphrase-protected minisign key is decrypted with a
 * passphrase from pp (wrong passphrase: EX_NOPERM); a passphrase-protected
 * signify key is refused (EX_CONFIG: bcrypt_pbkdf is not available).
 * Returns 0 or -1.  The caller wipes sk with explicit_bzero.
 */
int	sign_seckey_parse(const char *, size_t, const char *,
	    const struct passphrase *, struct sign_seckey *, struct bb_error *);

/* Returns 1 if the file text looks like a signify or minisign key. */
int	sign_is_keyfile(const char *, size_t);

/*
 * Writes len bytes to a new file path with mode (0600 for secret keys),
 * created with O_EXCL and O_NOFOLLOW: an existing file is never replaced
 * (EX_CANTCREAT).  Returns 0 or -1.
 */
int	sign_write_new(const char *, const void *, size_t, mode_t,
	    struct bb_error *);

/*
 * Puts minisign's default trusted comment for a file name and a job (or
 * NULL) signed at time t in dst:
 * "timestamp:T<tab>file:NAME<tab>job:JOB<tab>hashed", with control bytes
 * in NAME and JOB made visible.  Returns 0, or -1 if it does not fit.
 */
int	sign_trusted_comment(char *, size_t, time_t, const char *,
	    const char *, struct bb_error *);

/*
 * Signs the open file fd (name is for messages) in format fmt (signify
 * or minisign) and appends the signature file to out.  comment is the
 * untrusted comment (NULL: the default), trusted the minisign trusted
 * comment.  The signify format maps the file (at most SIGN_SIGNIFY_MAX
 * bytes, else EX_DATAERR), the minisign format streams it in constant
 * memory.  If sha256 is not NULL, the file's SHA-256 in hex is put there
 * too, from the same read.  The signature is verified before it is
 * returned.  Returns 0 or -1.
 */
int	sign_fd(const struct sign_seckey *, enum sign_format, int,
	    const char *, const char *, const char *, char *, struct buf *,
	    struct bb_error *);

/*
 * Appends a signify signature of len bytes at msg, followed by msg
 * itself (signify -S -e), to out.  Returns 0 or -1.
 */
int	sign_embedded(const struct sign_seckey *, const void *, size_t,
	    const char *, struct buf *, struct bb_error *);

/*
 * Parses a signature file (signify, signify embedded, or minisign) of
 * len bytes; name is for messages.  sig->msg points into text.  Returns
 * 0, or -1 with EX_DATAERR for a malformed or truncated signature.
 */
int	sign_sig_parse(const char *, size_t, const char *, struct sign_sig *,
	    struct bb_error *);

/*
 * Verifies sig against the open file fd (name is for messages), or
 * against len bytes at msg, with the public key pk.  Returns 0, or -1:
 * EX_NOPERM when the signature is by another key, SIGN_BAD when it does
 * not match (the file was modified, or is not the one signed).
 */
int	sign_verify_fd(const struct sign_pubkey *, const struct sign_sig *,
	    int, const char *, struct bb_error *);
int	sign_verify_msg(const struct sign_pubkey *, const struct sign_sig *,
	    const void *, size_t, const char *, struct bb_error *);

#endif
