#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "digest.h"
#include "file.h"

#define DIGEST_BLOCK	(256 * 1024)

struct digest {
	EVP_MD_CTX	*ctx;
};

struct digest *
digest_new(void)
{
	struct digest *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	if ((d->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1) {
		digest_free(d);
		return NULL;
	}
	return d;
}

struct digest *
digest_dup(const struct digest *d)
{
	struct digest *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_MD_CTX_copy_ex(c->ctx, d->ctx) != 1) {
		digest_free(c);
		return NULL;
	}
	return c;
}

void
digest_free(struct digest *d)
{
	if (d == NULL)
		return;
	EVP_MD_CTX_free(d->ctx);
	free(d);
}

int
digest_update(struct digest *d, const void *p, size_t n)
{
	return EVP_DigestUpdate(d->ctx, p, n) == 1 ? 0 : -1;
}

void
digest_tohex(const void *p, size_t len, char *dst)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < len; i++) {
		dst[2 * i] = hex[s[i] >> 4];
		dst[2 * i + 1] = hex[s[i] & 0xf];
	}
	dst[2 * len] = '\0';
}

/*
 * The value of a hex digit (either case), or -1: inline, for record_parse
 * calls digest_unhex for every %XX of a log (OPENSSL_hexchar2int, a call
 * into libcrypto a digit, was 8% of the hub's time storing a big log).
 */
static inline int
hexval(unsigned char c)
{
	if ((unsigned)(c - '0') < 10)
		return c - '0';
	c |= 0x20;
	if ((unsigned)(c - 'a') < 6)
		return c - 'a' + 10;
	return -1;
}

int
digest_unhex(const char *s, size_t len, unsigned char *out)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if ((hi = hexval((unsigned char)s[2 * i])) == -1 ||
		    (lo = hexval((unsigned char)s[2 * i + 1])) == -1)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
digest_final(struct digest *d, unsigned char *md)
{
	if (EVP_DigestFinal_ex(d->ctx, md, NULL) != 1 ||
	    EVP_DigestInit_ex(d->ctx, EVP_sha256(), NULL) != 1) {
		memset(md, 0, DIGEST_LEN);
		return -1;
	}
	return 0;
}

int
digest_final_hex(struct digest *d, char *hex)
{
	unsigned char md[DIGEST_LEN];

	if (digest_final(d, md) == -1)
		return -1;
	digest_tohex(md, sizeof(md), hex);
	return 0;
}

int
digest_buf(const void *p, size_t len, unsigned char *md)
{
	if (EVP_Digest(p, len, md, NULL, EVP_sha256(), NULL) != 1) {
		memset(md, 0, DIGEST_LEN);
		return -1;
	}
	return 0;
}

int
digest_fd_max(int fd, const char *name, off_t max, volatile sig_atomic_t *stop,
    char *hex, off_t *size, struct bb_error *err)
{
	struct digest *d;
	char *block = NULL;
	off_t total = 0;
	size_t want;
	ssize_t n;
	int rv = -1;

	if ((d = digest_new()) == NULL ||
	    (block = malloc(DIGEST_BLOCK)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", name);
		goto out;
	}
	for (;;) {
		if (stop != NULL && *stop) {
			bb_error_set(err, EX_TEMPFAIL, "%s: interrupted", name);
			goto out;
		}
		want = DIGEST_BLOCK;
		if (max >= 0 && max - total < (off_t)want)
			want = (size_t)(max - total);
		if (want == 0)
			break;
		n = read(fd, block, want);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			bb_error_errno(err, EX_IOERR, "read %s", name);
			goto out;
		}
		if (n == 0)
			break;
		if (digest_update(d, block, (size_t)n) == -1)
			goto crypto;
		total += n;
	}
	if (digest_final_hex(d, hex) == -1)
		goto crypto;
	if (size != NULL)
		*size = total;
	rv = 0;
	goto out;
crypto:
	bb_error_set(err, EX_SOFTWARE, "%s: sha256 failed", name);
out:
	free(block);
	digest_free(d);
	return rv;
}

int
digest_fd(int fd, const char *name, char *hex, off_t *size,
    struct bb_error *err)
{
	return digest_fd_max(fd, name, -1, NULL, hex, size, err);
}

int
digest_file(int dirfd, const char *path, char *hex, off_t *size,
    struct bb_error *err)
{
	int fd, rv;

	if ((fd = file_open_input(dirfd, path, err)) == -1)
		return -1;
	rv = digest_fd(fd, path, hex, size, err);
	close(fd);
	return rv;
}

int
digest_valid_hex(const char *s)
{
	size_t i;

	for (i = 0; i < DIGEST_HEXLEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

int
digest_b64(const char *hex, char *b64)
{
	unsigned char raw[DIGEST_LEN];

	b64[0] = '\0';
	if (!digest_valid_hex(hex) || digest_unhex(hex, DIGEST_LEN, raw) == -1)
		return -1;
	if (EVP_EncodeBlock((unsigned char *)b64, raw, DIGEST_LEN) !=
	    DIGEST_B64LEN) {
		b64[0] = '\0';
		return -1;
	}
	return 0;
}

int
digest_header(const char *hex, char *out, size_t size)
{
	char b64[DIGEST_B64LEN + 1];
	int n;

	if (digest_b64(hex, b64) == -1)
		return -1;
	n = snprintf(out, size, "Content-Digest: sha-256=:%s:", b64);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
