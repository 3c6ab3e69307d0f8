/*
 * Keys (lib/release/sign.h): made (Ed25519, OpenSSL's), their files
 * written and read in signify's and minisign's formats, a minisign key's
 * passphrase (scrypt, libsodium's) and a signify key's refused one, the
 * key id as minisign prints it, and a new key file that never replaces
 * one.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sodium.h>

#include "sign_impl.h"

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

int
sign_pubkey_encode(const struct sign_pubkey *pk, enum sign_format fmt,
    const char *comment, struct buf *b, struct bb_error *err)
{
	uint8_t raw[PUBFILE_LEN];
	char text[SIGN_COMMENTMAX + 64], id[SIGN_IDLEN + 1];

	if (sign_comment_check(comment, err) == -1)
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
	if (sign_add_line(b, COMMENT_PREFIX, text, err) == -1 ||
	    sign_add_b64(b, raw, sizeof(raw), err) == -1)
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
	if (sign_sodium_ready(err) == -1)
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

	if (sign_comment_check(comment, err) == -1 ||
	    sign_sodium_ready(err) == -1)
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
	if (sign_add_line(b, COMMENT_PREFIX, text, err) == -1 ||
	    sign_add_b64(b, raw, len, err) == -1)
		goto out;
	rv = 0;
out:
	explicit_bzero(raw, sizeof(raw));
	return rv;
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

	if (sign_sodium_ready(err) == -1 ||
	    sign_parse_b64_file(text, len, &pos, name, "public key", raw,
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
	if (sign_sodium_ready(err) == -1 ||
	    sign_parse_b64_file(text, len, &pos, name, "secret key", raw,
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
