/*
 * Signatures (lib/release/sign.h): made, then checked with the key's
 * public half before they are written (signify's of the whole file,
 * mapped; minisign's of its BLAKE2b-512, read in blocks, with the trusted
 * comment signed too); their files read; and checked against a public
 * key and a file.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <vis.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "digest.h"
#include "sign_impl.h"

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

	if (sign_sodium_ready(err) == -1)
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
	if (sign_add_line(out, COMMENT_PREFIX, comment, err) == -1 ||
	    sign_add_b64(out, raw, sizeof(raw), err) == -1)
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
	    sign_add_line(out, TRUSTED_PREFIX, trusted, err) == -1 ||
	    sign_add_b64(out, global, sizeof(global), err) == -1)
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
	if (sign_comment_check(comment, err) == -1 ||
	    sign_sodium_ready(err) == -1)
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

	if (sign_comment_check(comment, err) == -1 ||
	    sign_sodium_ready(err) == -1 ||
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
	if (sign_sodium_ready(err) == -1 ||
	    sign_parse_b64_file(text, len, &pos, name, "signature", raw,
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
		(void)sign_next_line(text, len, &pos, &line, &llen, &nl);
		line += sizeof(TRUSTED_PREFIX) - 1;
		llen -= sizeof(TRUSTED_PREFIX) - 1;
		if (!nl || llen > SIGN_TRUSTEDMAX) {
			bb_error_set(err, EX_DATAERR, "%s: line 3: truncated "
			    "or over-long trusted comment", name);
			return -1;
		}
		memcpy(sig->trusted, line, llen);
		sig->trusted[llen] = '\0';
		if (!sign_next_line(text, len, &pos, &line, &llen, &nl) ||
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
		if (sign_sodium_ready(err) == -1)
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
