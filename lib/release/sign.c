#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <vis.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sodium.h>

#include "digest.h"
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

static const char *format_names[] = {
	[SIGN_NONE] = "none",
	[SIGN_SIGNIFY] = "signify",
	[SIGN_MINISIGN] = "minisign",
	[SIGN_CMS] = "cms",
};

static const char *format_exts[] = {
	[SIGN_NONE] = "",
	[SIGN_SIGNIFY] = ".sig",
	[SIGN_MINISIGN] = ".minisig",
	[SIGN_CMS] = ".p7s",
};

const char *
sign_format_name(enum sign_format fmt)
{
	return format_names[fmt];
}

enum sign_format
sign_format_parse(const char *s)
{
	size_t i;

	for (i = SIGN_SIGNIFY; i < nitems(format_names); i++)
		if (strcmp(s, format_names[i]) == 0)
			return (enum sign_format)i;
	return SIGN_NONE;
}

const char *
sign_format_ext(enum sign_format fmt)
{
	return format_exts[fmt];
}

static uint64_t
le64_load(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void
le64_store(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++, v >>= 8)
		p[i] = v & 0xff;
}

void
sign_key_id(const uint8_t *keynum, char *id)
{
	(void)snprintf(id, SIGN_IDLEN + 1, "%" PRIX64, le64_load(keynum));
}

static int
sodium_ready(struct bb_error *err)
{
	if (sodium_init() == -1) {
		bb_error_set(err, EX_SOFTWARE, "libsodium cannot start");
		return -1;
	}
	return 0;
}

/* Ed25519 through OpenSSL: sign, verify, public key of a seed. */
static int
ed_sign(const struct sign_seckey *sk, const void *msg, size_t len,
    uint8_t *sig, struct bb_error *err)
{
	EVP_PKEY *key;
	EVP_MD_CTX *ctx = NULL;
	size_t siglen = SIGN_SIGLEN;
	int rv = -1;

	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk->sk,
	    SIGN_SECLEN - SIGN_PUBLEN);
	if (key == NULL || (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, msg, len) != 1 ||
	    siglen != SIGN_SIGLEN) {
		bb_error_set(err, EX_SOFTWARE, "Ed25519 signing failed");
		goto out;
	}
	rv = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return rv;
}

/* Returns 1 if sig is pk's signature of msg, else 0. */
static int
ed_verify(const uint8_t *pk, const void *msg, size_t len, const uint8_t *sig)
{
	EVP_PKEY *key;
	EVP_MD_CTX *ctx = NULL;
	int ok = 0;

	key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk,
	    SIGN_PUBLEN);
	if (key != NULL && (ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestVerify(ctx, sig, SIGN_SIGLEN, msg, len) == 1)
		ok = 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ok;
}

/* Checks that the public half of sk belongs to its seed. */
static int
check_pair(const struct sign_seckey *sk, const char *name,
    struct bb_error *err)
{
	EVP_PKEY *key;
	uint8_t pk[SIGN_PUBLEN];
	size_t len = sizeof(pk);
	int rv = -1;

	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk->sk,
	    SIGN_SECLEN - SIGN_PUBLEN);
	if (key == NULL || EVP_PKEY_get_raw_public_key(key, pk, &len) != 1) {
		bb_error_set(err, EX_SOFTWARE, "%s: Ed25519 failed", name);
		goto out;
	}
	if (CRYPTO_memcmp(pk, sk->sk + SIGN_SECLEN - SIGN_PUBLEN,
	    SIGN_PUBLEN) != 0) {
		bb_error_set(err, EX_DATAERR, "%s: corrupt secret key (its "
		    "public half does not match)", name);
		goto out;
	}
	rv = 0;
out:
	EVP_PKEY_free(key);
	return rv;
}

int
sign_keygen(struct sign_seckey *sk, struct sign_pubkey *pk,
    struct bb_error *err)
{
	EVP_PKEY *key;
	size_t slen = SIGN_SECLEN - SIGN_PUBLEN, plen = SIGN_PUBLEN;
	int rv = -1;

	memset(sk, 0, sizeof(*sk));
	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    EVP_PKEY_get_raw_private_key(key, sk->sk, &slen) != 1 ||
	    EVP_PKEY_get_raw_public_key(key, sk->sk + slen, &plen) != 1 ||
	    RAND_bytes(sk->keynum, sizeof(sk->keynum)) != 1) {
		bb_error_set(err, EX_SOFTWARE, "Ed25519 key generation failed");
		explicit_bzero(sk, sizeof(*sk));
		goto out;
	}
	sign_seckey_public(sk, pk);
	rv = 0;
out:
	EVP_PKEY_free(key);
	return rv;
}

void
sign_seckey_public(const struct sign_seckey *sk, struct sign_pubkey *pk)
{
	memcpy(pk->keynum, sk->keynum, sizeof(pk->keynum));
	memcpy(pk->pk, sk->sk + SIGN_SECLEN - SIGN_PUBLEN, sizeof(pk->pk));
}

/* Appends "untrusted comment: " or another prefix, text and a newline. */
static int
add_line(struct buf *b, const char *prefix, const char *text,
    struct bb_error *err)
{
	if (strchr(text, '\n') != NULL || strchr(text, '\r') != NULL) {
		bb_error_set(err, EX_USAGE, "a comment is one line");
		return -1;
	}
	if (buf_adds(b, prefix) == -1 || buf_adds(b, text) == -1 ||
	    buf_addc(b, '\n') == -1) {
		bb_error_errno(err, EX_OSERR, "comment");
		return -1;
	}
	return 0;
}

/* Appends the base64 of len bytes and a newline to b. */
static int
add_b64(struct buf *b, const void *p, size_t len, struct bb_error *err)
{
	size_t n = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL);
	char *d;

	if ((d = buf_reserve(b, n + 1)) == NULL) {
		bb_error_errno(err, EX_OSERR, "base64");
		return -1;
	}
	sodium_bin2base64(d, n, p, len, sodium_base64_VARIANT_ORIGINAL);
	b->len += n - 1;
	b->data[b->len++] = '\n';
	b->data[b->len] = '\0';
	return 0;
}

static int
comment_check(const char *comment, struct bb_error *err)
{
	if (comment != NULL && strlen(comment) > SIGN_COMMENTMAX) {
		bb_error_set(err, EX_USAGE, "comment longer than %d bytes",
		    SIGN_COMMENTMAX);
		return -1;
	}
	return 0;
}

int
sign_pubkey_encode(const struct sign_pubkey *pk, enum sign_format fmt,
    const char *comment, struct buf *b, struct bb_error *err)
{
	uint8_t raw[PUBFILE_LEN];
	char text[SIGN_COMMENTMAX + 64], id[SIGN_IDLEN + 1];

	if (comment_check(comment, err) == -1)
		return -1;
	sign_key_id(pk->keynum, id);
	if (comment != NULL)
		(void)snprintf(text, sizeof(text), "%s public key", comment);
	else if (fmt == SIGN_MINISIGN)
		(void)snprintf(text, sizeof(text), "minisign public key %s",
		    id);
	else
		(void)snprintf(text, sizeof(text), "signify public key");
	memcpy(raw, SIGALG, 2);
	memcpy(raw + 2, pk->keynum, SIGN_KEYNUMLEN);
	memcpy(raw + 2 + SIGN_KEYNUMLEN, pk->pk, SIGN_PUBLEN);
	if (add_line(b, COMMENT_PREFIX, text, err) == -1 ||
	    add_b64(b, raw, sizeof(raw), err) == -1)
		return -1;
	return 0;
}

/* minisign's checksum: BLAKE2b-256 of "Ed", keynum and sk. */
static void
minisign_chk(const struct sign_seckey *sk, uint8_t *chk)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, MINISIGN_CHKLEN);
	crypto_generichash_update(&st, (const uint8_t *)SIGALG, 2);
	crypto_generichash_update(&st, sk->keynum, SIGN_KEYNUMLEN);
	crypto_generichash_update(&st, sk->sk, SIGN_SECLEN);
	crypto_generichash_final(&st, chk, MINISIGN_CHKLEN);
	explicit_bzero(&st, sizeof(st));
}

/* signify's checksum: the first 8 bytes of SHA-512(sk). */
static int
signify_chk(const struct sign_seckey *sk, uint8_t *chk, struct bb_error *err)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int n;

	if (EVP_Digest(sk->sk, SIGN_SECLEN, md, &n, EVP_sha512(), NULL) != 1) {
		bb_error_set(err, EX_SOFTWARE, "sha512 failed");
		return -1;
	}
	memcpy(chk, md, 8);
	explicit_bzero(md, sizeof(md));
	return 0;
}

/* XORs len bytes of p with scrypt(pass, salt) as minisign derives it. */
static int
minisign_kdf(uint8_t *p, size_t len, const char *pass, const uint8_t *salt,
    uint64_t ops, uint64_t mem, const char *name, struct bb_error *err)
{
	uint8_t stream[MINISIGN_ENCLEN];
	size_t i;

	if (ops > SCRYPT_OPSMAX || mem > SCRYPT_MEMMAX ||
	    len > sizeof(stream)) {
		bb_error_set(err, EX_DATAERR, "%s: scrypt limits too large "
		    "(opslimit %" PRIu64 ", memlimit %" PRIu64 ")", name, ops,
		    mem);
		return -1;
	}
	if (sodium_ready(err) == -1)
		return -1;
	if (crypto_pwhash_scryptsalsa208sha256(stream, len, pass,
	    strlen(pass), salt, ops, (size_t)mem) != 0) {
		bb_error_errno(err, EX_OSERR, "%s: scrypt", name);
		return -1;
	}
	for (i = 0; i < len; i++)
		p[i] ^= stream[i];
	explicit_bzero(stream, sizeof(stream));
	return 0;
}

static int
encode_signify(const struct sign_seckey *sk, uint8_t *raw,
    struct bb_error *err)
{
	uint8_t *p = raw;

	memcpy(p, SIGALG, 2);
	memcpy(p + 2, "BK", 2);
	memset(p + 4, 0, 4);			/* rounds: 0, no passphrase */
	p += 8;
	RAND_bytes(p, 16);		/* salt, unused without rounds */
	p += 16;
	if (signify_chk(sk, p, err) == -1)
		return -1;
	p += 8;
	memcpy(p, sk->keynum, SIGN_KEYNUMLEN);
	memcpy(p + SIGN_KEYNUMLEN, sk->sk, SIGN_SECLEN);
	return 0;
}

static int
encode_minisign(const struct sign_seckey *sk, const char *pass,
    uint8_t *raw, struct bb_error *err)
{
	uint8_t *p = raw, *salt, *enc;
	uint64_t ops = 0, mem = 0;

	memcpy(p, SIGALG, 2);
	if (pass != NULL)
		memcpy(p + 2, "Sc", 2);
	else
		memset(p + 2, 0, 2);
	memcpy(p + 4, "B2", 2);
	p += 6;
	salt = p;
	memset(salt, 0, MINISIGN_SALTLEN);
	if (pass != NULL) {
		randombytes_buf(salt, MINISIGN_SALTLEN);
		ops = SCRYPT_OPS;
		mem = SCRYPT_MEM;
	}
	p += MINISIGN_SALTLEN;
	le64_store(p, ops);
	le64_store(p + 8, mem);
	enc = p + 16;
	memcpy(enc, sk->keynum, SIGN_KEYNUMLEN);
	memcpy(enc + SIGN_KEYNUMLEN, sk->sk, SIGN_SECLEN);
	minisign_chk(sk, enc + SIGN_KEYNUMLEN + SIGN_SECLEN);
	if (pass != NULL && minisign_kdf(enc, MINISIGN_ENCLEN, pass, salt,
	    ops, mem, "new key", err) == -1)
		return -1;
	return 0;
}

int
sign_seckey_encode(const struct sign_seckey *sk, enum sign_format fmt,
    const char *comment, const char *pass, struct buf *b,
    struct bb_error *err)
{
	uint8_t raw[MINISIGN_SECLEN];
	char text[SIGN_COMMENTMAX + 64];
	size_t len;
	int rv = -1;

	if (comment_check(comment, err) == -1 || sodium_ready(err) == -1)
		return -1;
	if (fmt == SIGN_SIGNIFY && pass != NULL) {
		bb_error_set(err, EX_CONFIG, "bb-sign cannot write "
		    "passphrase-protected signify keys (no bcrypt_pbkdf): "
		    "use the minisign format");
		return -1;
	}
	if (fmt == SIGN_SIGNIFY) {
		len = SIGNIFY_SECLEN;
		if (encode_signify(sk, raw, err) == -1)
			goto out;
	} else {
		len = MINISIGN_SECLEN;
		if (encode_minisign(sk, pass, raw, err) == -1)
			goto out;
	}
	if (comment != NULL)
		(void)snprintf(text, sizeof(text), "%s secret key", comment);
	else
		(void)snprintf(text, sizeof(text), "%s%s secret key",
		    sign_format_name(fmt), pass != NULL ? " encrypted" : "");
	if (add_line(b, COMMENT_PREFIX, text, err) == -1 ||
	    add_b64(b, raw, len, err) == -1)
		goto out;
	rv = 0;
out:
	explicit_bzero(raw, sizeof(raw));
	return rv;
}

/*
 * Finds the line starting at *pos in text: its start and length without
 * the newline.  Returns 1 and moves *pos past it, or 0 at the end.
 * *nl tells whether the line ended with a newline.
 */
static int
next_line(const char *text, size_t len, size_t *pos, const char **line,
    size_t *llen, int *nl)
{
	const char *s, *e;

	if (*pos >= len)
		return 0;
	s = text + *pos;
	e = memchr(s, '\n', len - *pos);
	*line = s;
	if (e == NULL) {
		*llen = len - *pos;
		*pos = len;
		*nl = 0;
	} else {
		*llen = (size_t)(e - s);
		*pos += *llen + 1;
		*nl = 1;
	}
	return 1;
}

/* Checks the comment line of a file and decodes the base64 line after it. */
static int
parse_b64_file(const char *text, size_t len, size_t *pos, const char *name,
    const char *what, uint8_t *raw, size_t rawmax, size_t *rawlen,
    struct bb_error *err)
{
	const char *line;
	size_t llen;
	int nl;

	if (!next_line(text, len, pos, &line, &llen, &nl) || !nl ||
	    llen < sizeof(COMMENT_PREFIX) - 1 ||
	    memcmp(line, COMMENT_PREFIX, sizeof(COMMENT_PREFIX) - 1) != 0) {
		bb_error_set(err, EX_DATAERR, "%s: line 1: malformed %s (no "
		    "\"untrusted comment:\" line)", name, what);
		return -1;
	}
	if (llen > SIGN_COMMENTMAX + sizeof(COMMENT_PREFIX) + 24) {
		bb_error_set(err, EX_DATAERR, "%s: line 1: comment too long",
		    name);
		return -1;
	}
	if (!next_line(text, len, pos, &line, &llen, &nl) ||
	    sodium_base642bin(raw, rawmax, line, llen, NULL, rawlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0) {
		bb_error_set(err, EX_DATAERR, "%s: line 2: truncated or "
		    "malformed %s (not base64)", name, what);
		return -1;
	}
	return 0;
}

int
sign_is_keyfile(const char *text, size_t len)
{
	return len >= sizeof(COMMENT_PREFIX) - 1 &&
	    memcmp(text, COMMENT_PREFIX, sizeof(COMMENT_PREFIX) - 1) == 0;
}

int
sign_pubkey_parse(const char *text, size_t len, const char *name,
    struct sign_pubkey *pk, struct bb_error *err)
{
	uint8_t raw[MINISIGN_SECLEN + 1];
	size_t rawlen, pos = 0;

	if (sodium_ready(err) == -1 ||
	    parse_b64_file(text, len, &pos, name, "public key", raw,
	    sizeof(raw), &rawlen, err) == -1)
		return -1;
	if (rawlen != PUBFILE_LEN) {
		bb_error_set(err, EX_DATAERR, "%s: line 2: not a public key "
		    "(%zu bytes, not %d)%s", name, rawlen, PUBFILE_LEN,
		    rawlen == SIGNIFY_SECLEN || rawlen == MINISIGN_SECLEN ?
		    ": a secret key?" : "");
		return -1;
	}
	if (memcmp(raw, SIGALG, 2) != 0) {
		bb_error_set(err, EX_DATAERR, "%s: unsupported key algorithm "
		    "(not Ed25519)", name);
		return -1;
	}
	memcpy(pk->keynum, raw + 2, SIGN_KEYNUMLEN);
	memcpy(pk->pk, raw + 2 + SIGN_KEYNUMLEN, SIGN_PUBLEN);
	return 0;
}

static int
parse_signify_sec(const uint8_t *raw, const char *name,
    struct sign_seckey *sk, struct bb_error *err)
{
	uint8_t chk[8];
	uint32_t rounds;

	if (memcmp(raw, SIGALG, 2) != 0 || memcmp(raw + 2, "BK", 2) != 0) {
		bb_error_set(err, EX_DATAERR, "%s: unsupported signify key "
		    "algorithm", name);
		return -1;
	}
	rounds = (uint32_t)raw[4] << 24 | (uint32_t)raw[5] << 16 |
	    (uint32_t)raw[6] << 8 | raw[7];
	if (rounds != 0) {
		bb_error_set(err, EX_CONFIG, "%s: passphrase-protected signify "
		    "key: bb-sign cannot decrypt it (bcrypt_pbkdf is in none "
		    "of its libraries); make a key without a passphrase with "
		    "\"signify-openbsd -G -n\" or \"bb-sign -G\", or use a "
		    "passphrase-protected minisign key", name);
		return -1;
	}
	sk->fmt = SIGN_SIGNIFY;
	memcpy(sk->keynum, raw + 32, SIGN_KEYNUMLEN);
	memcpy(sk->sk, raw + 40, SIGN_SECLEN);
	if (signify_chk(sk, chk, err) == -1)
		return -1;
	if (CRYPTO_memcmp(chk, raw + 24, sizeof(chk)) != 0) {
		bb_error_set(err, EX_DATAERR, "%s: corrupt secret key "
		    "(checksum does not match)", name);
		return -1;
	}
	return 0;
}

static int
parse_minisign_sec(uint8_t *raw, const char *name,
    const struct passphrase *pp, struct sign_seckey *sk,
    struct bb_error *err)
{
	static const uint8_t zero[MINISIGN_CHKLEN];
	char pass[PASSPHRASE_MAX], prompt[300];
	uint8_t chk[MINISIGN_CHKLEN], *salt = raw + 6, *enc;
	int encrypted, rv = -1;

	enc = raw + 6 + MINISIGN_SALTLEN + 16;
	if (memcmp(raw, SIGALG, 2) != 0 || memcmp(raw + 4, "B2", 2) != 0) {
		bb_error_set(err, EX_DATAERR, "%s: unsupported minisign key "
		    "algorithm", name);
		return -1;
	}
	if (memcmp(raw + 2, "Sc", 2) == 0)
		encrypted = 1;
	else if (raw[2] == 0 && raw[3] == 0)
		encrypted = 0;
	else {
		bb_error_set(err, EX_DATAERR, "%s: unsupported minisign key "
		    "derivation function", name);
		return -1;
	}
	if (encrypted) {
		if (pp == NULL) {
			bb_error_set(err, EX_USAGE, "%s: key needs a "
			    "passphrase", name);
			goto out;
		}
		(void)snprintf(prompt, sizeof(prompt), "passphrase for %s: ",
		    name);
		if (passphrase_get(pp, prompt, 0, pass, sizeof(pass),
		    err) == -1) {
			bb_error_prefix(err, "%s", name);
			goto out;
		}
		if (minisign_kdf(enc, MINISIGN_ENCLEN, pass, salt,
		    le64_load(raw + 6 + MINISIGN_SALTLEN),
		    le64_load(raw + 6 + MINISIGN_SALTLEN + 8), name, err) == -1)
			goto out;
	}
	sk->fmt = SIGN_MINISIGN;
	memcpy(sk->keynum, enc, SIGN_KEYNUMLEN);
	memcpy(sk->sk, enc + SIGN_KEYNUMLEN, SIGN_SECLEN);
	minisign_chk(sk, chk);
	if (CRYPTO_memcmp(chk, enc + SIGN_KEYNUMLEN + SIGN_SECLEN,
	    sizeof(chk)) != 0 && (encrypted || CRYPTO_memcmp(zero,
	    enc + SIGN_KEYNUMLEN + SIGN_SECLEN, sizeof(zero)) != 0)) {
		if (encrypted)
			bb_error_set(err, EX_NOPERM, "%s: wrong passphrase",
			    name);
		else
			bb_error_set(err, EX_DATAERR, "%s: corrupt secret key "
			    "(checksum does not match)", name);
		goto out;
	}
	rv = 0;
out:
	explicit_bzero(pass, sizeof(pass));
	explicit_bzero(chk, sizeof(chk));
	return rv;
}

int
sign_seckey_parse(const char *text, size_t len, const char *name,
    const struct passphrase *pp, struct sign_seckey *sk,
    struct bb_error *err)
{
	uint8_t raw[MINISIGN_SECLEN + 1];
	size_t rawlen, pos = 0;
	int rv = -1;

	memset(sk, 0, sizeof(*sk));
	if (sodium_ready(err) == -1 ||
	    parse_b64_file(text, len, &pos, name, "secret key", raw,
	    sizeof(raw), &rawlen, err) == -1)
		goto out;
	if (rawlen == SIGNIFY_SECLEN)
		rv = parse_signify_sec(raw, name, sk, err);
	else if (rawlen == MINISIGN_SECLEN)
		rv = parse_minisign_sec(raw, name, pp, sk, err);
	else
		bb_error_set(err, EX_DATAERR, "%s: not a signify or minisign "
		    "secret key (%zu bytes)%s", name, rawlen,
		    rawlen == PUBFILE_LEN ? ": a public key?" : "");
	if (rv == 0 && (rv = check_pair(sk, name, err)) == -1)
		explicit_bzero(sk, sizeof(*sk));
out:
	explicit_bzero(raw, sizeof(raw));
	return rv;
}

int
sign_write_new(const char *path, const void *p, size_t len, mode_t mode,
    struct bb_error *err)
{
	FILE *fp;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1) {
		if (errno == EEXIST)
			bb_error_set(err, EX_CANTCREAT, "%s: already exists "
			    "(bb-sign never replaces a key)", path);
		else
			bb_error_errno(err, EX_CANTCREAT, "%s", path);
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", path);
		close(fd);
		(void)unlink(path);
		return -1;
	}
	if (fwrite(p, 1, len, fp) != len || fflush(fp) == EOF ||
	    fsync(fd) == -1) {
		bb_error_errno(err, EX_IOERR, "write %s", path);
		(void)fclose(fp);
		(void)unlink(path);
		return -1;
	}
	if (fclose(fp) == EOF) {
		bb_error_errno(err, EX_IOERR, "write %s", path);
		(void)unlink(path);
		return -1;
	}
	return 0;
}

int
sign_trusted_comment(char *dst, size_t size, time_t t, const char *file,
    const char *job, struct bb_error *err)
{
	char *vfile = NULL, *vjob = NULL;
	const int flags = VIS_TAB | VIS_NL | VIS_CSTYLE | VIS_OCTAL;
	int n, rv = -1;

	if (stravis(&vfile, file, flags) == -1 ||
	    (job != NULL && stravis(&vjob, job, flags) == -1)) {
		bb_error_errno(err, EX_OSERR, "trusted comment");
		goto out;
	}
	if (vjob != NULL)
		n = snprintf(dst, size,
		    "timestamp:%lld\tfile:%s\tjob:%s\thashed", (long long)t,
		    vfile, vjob);
	else
		n = snprintf(dst, size, "timestamp:%lld\tfile:%s\thashed",
		    (long long)t, vfile);
	if (n < 0 || (size_t)n >= size || (size_t)n > SIGN_TRUSTEDMAX) {
		bb_error_set(err, EX_DATAERR, "%s: trusted comment too long",
		    file);
		goto out;
	}
	rv = 0;
out:
	free(vfile);
	free(vjob);
	return rv;
}

/*
 * Reads what is left of fd in blocks into BLAKE2b-512 (b2) and SHA-256
 * (d), either of which may be NULL.
 */
static int
stream_fd(int fd, const char *name, crypto_generichash_state *b2,
    struct digest *d, struct bb_error *err)
{
	unsigned char *block;
	ssize_t n;
	int rv = -1;

	if ((block = malloc(STREAM_BLOCK)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", name);
		return -1;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		if ((n = read(fd, block, STREAM_BLOCK)) == -1) {
			if (errno == EINTR)
				continue;
			bb_error_errno(err, EX_IOERR, "read %s", name);
			goto out;
		}
		if (n == 0)
			break;
		if (b2 != NULL)
			crypto_generichash_update(b2, block, (size_t)n);
		if (d != NULL && digest_update(d, block, (size_t)n) == -1) {
			bb_error_set(err, EX_SOFTWARE, "%s: sha256 failed",
			    name);
			goto out;
		}
	}
	rv = 0;
out:
	free(block);
	return rv;
}

/* BLAKE2b-512 of what is left of fd, and its SHA-256 if hex is not NULL. */
static int
prehash_fd(int fd, const char *name, uint8_t *md, char *hex,
    struct bb_error *err)
{
	crypto_generichash_state b2;
	struct digest *d = NULL;
	int rv = -1;

	if (sodium_ready(err) == -1)
		return -1;
	if (hex != NULL && (d = digest_new()) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", name);
		return -1;
	}
	crypto_generichash_init(&b2, NULL, 0, PREHASH_LEN);
	if (stream_fd(fd, name, &b2, d, err) == -1)
		goto out;
	crypto_generichash_final(&b2, md, PREHASH_LEN);
	if (d != NULL && digest_final_hex(d, hex) == -1) {
		bb_error_set(err, EX_SOFTWARE, "%s: sha256 failed", name);
		goto out;
	}
	rv = 0;
out:
	digest_free(d);
	return rv;
}

/* A read-only map of all of fd; *len 0 maps nothing. */
struct map {
	void	*p;
	size_t	 len;
};

static int
map_fd(int fd, const char *name, long long max, struct map *m,
    struct bb_error *err)
{
	struct stat st;

	m->p = NULL;
	m->len = 0;
	if (fstat(fd, &st) == -1) {
		bb_error_errno(err, EX_IOERR, "%s", name);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		bb_error_set(err, EX_DATAERR, "%s: not a regular file", name);
		return -1;
	}
	if (max > 0 && st.st_size > max) {
		bb_error_set(err, EX_DATAERR, "%s: too large for the signify "
		    "format (%lld bytes, over %lld, which signify cannot "
		    "verify): sign a checksum list of it (-l) or use -f "
		    "minisign", name, (long long)st.st_size, max);
		return -1;
	}
	if ((unsigned long long)st.st_size > SIZE_MAX) {
		bb_error_set(err, EX_DATAERR, "%s: too large to map", name);
		return -1;
	}
	if (st.st_size == 0)
		return 0;
	/*
	 * XXX A file cut short by someone else while it is mapped raises
	 * SIGBUS; artifacts are finished files by the time they are signed.
	 */
	m->len = (size_t)st.st_size;
	m->p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m->p == MAP_FAILED) {
		m->p = NULL;
		bb_error_errno(err, EX_OSERR, "map %s", name);
		return -1;
	}
	(void)madvise(m->p, m->len, MADV_SEQUENTIAL);
	return 0;
}

static void
unmap(struct map *m)
{
	if (m->p != NULL)
		(void)munmap(m->p, m->len);
	m->p = NULL;
}

/* Appends the first two lines of a signature file. */
static int
add_sig_lines(struct buf *out, const char *comment, const char *alg,
    const struct sign_seckey *sk, const uint8_t *sig, struct bb_error *err)
{
	uint8_t raw[SIGFILE_LEN];

	memcpy(raw, alg, 2);
	memcpy(raw + 2, sk->keynum, SIGN_KEYNUMLEN);
	memcpy(raw + 2 + SIGN_KEYNUMLEN, sig, SIGN_SIGLEN);
	if (add_line(out, COMMENT_PREFIX, comment, err) == -1 ||
	    add_b64(out, raw, sizeof(raw), err) == -1)
		return -1;
	return 0;
}

/* Signs len bytes at msg and checks the signature with sk's public half. */
static int
sign_checked(const struct sign_seckey *sk, const void *msg, size_t len,
    uint8_t *sig, const char *name, struct bb_error *err)
{
	if (ed_sign(sk, msg, len, sig, err) == -1)
		return -1;
	if (!ed_verify(sk->sk + SIGN_SECLEN - SIGN_PUBLEN, msg, len, sig)) {
		bb_error_set(err, EX_SOFTWARE, "%s: the signature just made "
		    "does not verify", name);
		return -1;
	}
	return 0;
}

static int
sign_signify(const struct sign_seckey *sk, int fd, const char *name,
    const char *comment, char *sha256, struct buf *out, struct bb_error *err)
{
	uint8_t sig[SIGN_SIGLEN];
	struct map m;
	int rv = -1;

	if (map_fd(fd, name, SIGN_SIGNIFY_MAX, &m, err) == -1)
		return -1;
	if (sha256 != NULL) {
		struct digest *d;

		if ((d = digest_new()) == NULL ||
		    digest_update(d, m.len ? m.p : "", m.len) == -1 ||
		    digest_final_hex(d, sha256) == -1) {
			digest_free(d);
			bb_error_set(err, EX_SOFTWARE, "%s: sha256 failed",
			    name);
			goto out;
		}
		digest_free(d);
	}
	if (sign_checked(sk, m.len ? m.p : "", m.len, sig, name, err) == -1 ||
	    add_sig_lines(out, comment, SIGALG, sk, sig, err) == -1)
		goto out;
	rv = 0;
out:
	unmap(&m);
	return rv;
}

static int
sign_minisign(const struct sign_seckey *sk, int fd, const char *name,
    const char *comment, const char *trusted, char *sha256, struct buf *out,
    struct bb_error *err)
{
	uint8_t md[PREHASH_LEN], sig[SIGN_SIGLEN], global[SIGN_SIGLEN];
	uint8_t *both = NULL;
	size_t tlen = strlen(trusted);
	int rv = -1;

	if (tlen > SIGN_TRUSTEDMAX || strchr(trusted, '\n') != NULL ||
	    strchr(trusted, '\r') != NULL) {
		bb_error_set(err, EX_USAGE, "%s: trusted comment too long or "
		    "not one line", name);
		return -1;
	}
	if (prehash_fd(fd, name, md, sha256, err) == -1 ||
	    sign_checked(sk, md, sizeof(md), sig, name, err) == -1)
		goto out;
	if ((both = malloc(SIGN_SIGLEN + tlen)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", name);
		goto out;
	}
	memcpy(both, sig, SIGN_SIGLEN);
	memcpy(both + SIGN_SIGLEN, trusted, tlen);
	if (sign_checked(sk, both, SIGN_SIGLEN + tlen, global, name,
	    err) == -1 ||
	    add_sig_lines(out, comment, SIGALG_HASHED, sk, sig, err) == -1 ||
	    add_line(out, TRUSTED_PREFIX, trusted, err) == -1 ||
	    add_b64(out, global, sizeof(global), err) == -1)
		goto out;
	rv = 0;
out:
	free(both);
	return rv;
}

int
sign_fd(const struct sign_seckey *sk, enum sign_format fmt, int fd,
    const char *name, const char *comment, const char *trusted, char *sha256,
    struct buf *out, struct bb_error *err)
{
	if (comment_check(comment, err) == -1 || sodium_ready(err) == -1)
		return -1;
	switch (fmt) {
	case SIGN_SIGNIFY:
		return sign_signify(sk, fd, name,
		    comment ? comment : "signature from bb-sign secret key",
		    sha256, out, err);
	case SIGN_MINISIGN:
		return sign_minisign(sk, fd, name,
		    comment ? comment : "signature from bb-sign secret key",
		    trusted ? trusted : "", sha256, out, err);
	default:
		bb_error_set(err, EX_SOFTWARE, "%s: not an Ed25519 format",
		    name);
		return -1;
	}
}

int
sign_embedded(const struct sign_seckey *sk, const void *msg, size_t len,
    const char *comment, struct buf *out, struct bb_error *err)
{
	uint8_t sig[SIGN_SIGLEN];

	if (comment_check(comment, err) == -1 || sodium_ready(err) == -1 ||
	    sign_checked(sk, msg, len, sig, "checksum list", err) == -1 ||
	    add_sig_lines(out, comment ? comment :
	    "signature from bb-sign secret key", SIGALG, sk, sig, err) == -1)
		return -1;
	if (buf_add(out, msg, len) == -1) {
		bb_error_errno(err, EX_OSERR, "signed checksum list");
		return -1;
	}
	return 0;
}

int
sign_sig_parse(const char *text, size_t len, const char *name,
    struct sign_sig *sig, struct bb_error *err)
{
	uint8_t raw[MINISIGN_SECLEN + 1];
	const char *line = NULL;
	size_t rawlen, llen = 0, pos = 0, rest;
	int nl = 0;

	memset(sig, 0, sizeof(*sig));
	if (sodium_ready(err) == -1 ||
	    parse_b64_file(text, len, &pos, name, "signature", raw,
	    sizeof(raw), &rawlen, err) == -1)
		return -1;
	if (rawlen != SIGFILE_LEN) {
		bb_error_set(err, EX_DATAERR, "%s: line 2: truncated or "
		    "malformed signature (%zu bytes, not %d)", name, rawlen,
		    SIGFILE_LEN);
		return -1;
	}
	if (memcmp(raw, SIGALG, 2) == 0)
		sig->prehashed = 0;
	else if (memcmp(raw, SIGALG_HASHED, 2) == 0)
		sig->prehashed = 1;
	else {
		bb_error_set(err, EX_DATAERR, "%s: unsupported signature "
		    "algorithm", name);
		return -1;
	}
	memcpy(sig->keynum, raw + 2, SIGN_KEYNUMLEN);
	memcpy(sig->sig, raw + 2 + SIGN_KEYNUMLEN, SIGN_SIGLEN);
	rest = len - pos;
	if (rest >= sizeof(TRUSTED_PREFIX) - 1 && memcmp(text + pos,
	    TRUSTED_PREFIX, sizeof(TRUSTED_PREFIX) - 1) == 0) {
		sig->fmt = SIGN_MINISIGN;
		(void)next_line(text, len, &pos, &line, &llen, &nl);
		line += sizeof(TRUSTED_PREFIX) - 1;
		llen -= sizeof(TRUSTED_PREFIX) - 1;
		if (!nl || llen > SIGN_TRUSTEDMAX) {
			bb_error_set(err, EX_DATAERR, "%s: line 3: truncated "
			    "or over-long trusted comment", name);
			return -1;
		}
		memcpy(sig->trusted, line, llen);
		sig->trusted[llen] = '\0';
		if (!next_line(text, len, &pos, &line, &llen, &nl) ||
		    sodium_base642bin(sig->global, sizeof(sig->global), line,
		    llen, NULL, &rawlen, NULL,
		    sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    rawlen != SIGN_SIGLEN) {
			bb_error_set(err, EX_DATAERR, "%s: line 4: truncated "
			    "or malformed trusted comment signature", name);
			return -1;
		}
		if (pos != len) {
			bb_error_set(err, EX_DATAERR, "%s: line 5: text after "
			    "the signature", name);
			return -1;
		}
		return 0;
	}
	if (sig->prehashed) {
		bb_error_set(err, EX_DATAERR, "%s: line 3: truncated "
		    "signature (no trusted comment)", name);
		return -1;
	}
	sig->fmt = SIGN_SIGNIFY;
	if (rest > 0) {
		sig->msg = text + pos;
		sig->msglen = rest;
	}
	return 0;
}

static int
check_keynum(const struct sign_pubkey *pk, const struct sign_sig *sig,
    const char *name, struct bb_error *err)
{
	char want[SIGN_IDLEN + 1], got[SIGN_IDLEN + 1];

	if (memcmp(pk->keynum, sig->keynum, SIGN_KEYNUMLEN) == 0)
		return 0;
	sign_key_id(sig->keynum, got);
	sign_key_id(pk->keynum, want);
	bb_error_set(err, EX_NOPERM, "%s: signed by another key (key id %s, "
	    "not %s)", name, got, want);
	return -1;
}

static int
check_trusted(const struct sign_pubkey *pk, const struct sign_sig *sig,
    const char *name, struct bb_error *err)
{
	uint8_t *both;
	size_t tlen;
	int ok;

	if (sig->fmt != SIGN_MINISIGN)
		return 0;
	tlen = strlen(sig->trusted);
	if ((both = malloc(SIGN_SIGLEN + tlen)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", name);
		return -1;
	}
	memcpy(both, sig->sig, SIGN_SIGLEN);
	memcpy(both + SIGN_SIGLEN, sig->trusted, tlen);
	ok = ed_verify(pk->pk, both, SIGN_SIGLEN + tlen, sig->global);
	free(both);
	if (!ok) {
		bb_error_set(err, SIGN_BAD, "%s: the trusted comment does not "
		    "match its signature (altered)", name);
		return -1;
	}
	return 0;
}

static void
mismatch(const char *name, struct bb_error *err)
{
	bb_error_set(err, SIGN_BAD, "%s: signature does not match: the file "
	    "was modified, or is not the one signed", name);
}

int
sign_verify_msg(const struct sign_pubkey *pk, const struct sign_sig *sig,
    const void *msg, size_t len, const char *name, struct bb_error *err)
{
	uint8_t md[PREHASH_LEN];

	if (check_keynum(pk, sig, name, err) == -1)
		return -1;
	if (sig->prehashed) {
		if (sodium_ready(err) == -1)
			return -1;
		crypto_generichash(md, sizeof(md), msg, len, NULL, 0);
		msg = md;
		len = sizeof(md);
	}
	if (!ed_verify(pk->pk, len ? msg : "", len, sig->sig)) {
		mismatch(name, err);
		return -1;
	}
	return check_trusted(pk, sig, name, err);
}

int
sign_verify_fd(const struct sign_pubkey *pk, const struct sign_sig *sig,
    int fd, const char *name, struct bb_error *err)
{
	uint8_t md[PREHASH_LEN];
	struct map m;
	int ok;

	if (check_keynum(pk, sig, name, err) == -1)
		return -1;
	if (sig->prehashed) {
		if (prehash_fd(fd, name, md, NULL, err) == -1)
			return -1;
		ok = ed_verify(pk->pk, md, sizeof(md), sig->sig);
	} else {
		if (map_fd(fd, name, 0, &m, err) == -1)
			return -1;
		ok = ed_verify(pk->pk, m.len ? m.p : "", m.len, sig->sig);
		unmap(&m);
	}
	if (!ok) {
		mismatch(name, err);
		return -1;
	}
	return check_trusted(pk, sig, name, err);
}
