#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "hubauth.h"

#define SALT_LEN	16

void
hubauth_random(char *out, size_t len)
{
	unsigned char b[64];
	size_t n = (len + 1) / 2;

	if (n > sizeof(b))
		n = sizeof(b);
	arc4random_buf(b, n);
	digest_tohex(b, n, out);
	out[len < 2 * n ? len : 2 * n] = '\0';
	explicit_bzero(b, sizeof(b));
}

int
hubauth_token_hash(const void *p, size_t len, char *hex)
{
	unsigned char md[DIGEST_LEN];

	if (digest_buf(p, len, md) == -1) {
		hex[0] = '\0';
		return -1;
	}
	digest_tohex(md, sizeof(md), hex);
	return 0;
}

static int
kdf(const void *secret, size_t len, const unsigned char *salt, long iter,
    unsigned char *out)
{
	return PKCS5_PBKDF2_HMAC(secret, (int)len, salt, SALT_LEN, (int)iter,
	    EVP_sha256(), DIGEST_LEN, out) == 1 ? 0 : -1;
}

int
hubauth_secret_hash(const void *secret, size_t len, char *out,
    struct bb_error *err)
{
	unsigned char salt[SALT_LEN], md[DIGEST_LEN];
	char shex[2 * SALT_LEN + 1], mhex[DIGEST_HEXLEN + 1];
	int n;

	arc4random_buf(salt, sizeof(salt));
	if (len > INT32_MAX || kdf(secret, len, salt, HUBAUTH_ITER, md) ==
	    -1) {
		bb_error_set(err, EX_SOFTWARE, "pbkdf2 failed");
		return -1;
	}
	digest_tohex(salt, sizeof(salt), shex);
	digest_tohex(md, sizeof(md), mhex);
	explicit_bzero(md, sizeof(md));
	n = snprintf(out, HUBAUTH_HASH_MAX, "pbkdf2-sha256$%d$%s$%s",
	    HUBAUTH_ITER, shex, mhex);
	if (n < 0 || n >= HUBAUTH_HASH_MAX) {
		bb_error_set(err, EX_SOFTWARE, "secret hash too long");
		return -1;
	}
	return 0;
}

int
hubauth_secret_check(const void *secret, size_t len, const char *stored)
{
	static const unsigned char nosalt[SALT_LEN];
	unsigned char salt[SALT_LEN], want[DIGEST_LEN], got[DIGEST_LEN];
	const char *p, *errstr = NULL;
	char rounds[16];
	long long iter;
	size_t n;
	int ok = 1;

	/* pbkdf2-sha256$ROUNDS$SALT$HASH */
	if (stored == NULL || strncmp(stored, "pbkdf2-sha256$", 14) != 0)
		ok = 0;
	iter = HUBAUTH_ITER;
	if (ok) {
		p = stored + 14;
		n = strcspn(p, "$");
		if (n == 0 || n >= sizeof(rounds) || p[n] != '$')
			ok = 0;
		else {
			memcpy(rounds, p, n);
			rounds[n] = '\0';
			iter = strtonum(rounds, 1, 10000000, &errstr);
			if (errstr != NULL) {
				iter = HUBAUTH_ITER;
				ok = 0;
			}
			p += n + 1;
		}
	}
	if (ok && (strlen(p) != 2 * SALT_LEN + 1 + DIGEST_HEXLEN ||
	    p[2 * SALT_LEN] != '$' || digest_unhex(p, SALT_LEN, salt) == -1 ||
	    digest_unhex(p + 2 * SALT_LEN + 1, DIGEST_LEN, want) == -1))
		ok = 0;
	if (!ok) {
		memcpy(salt, nosalt, sizeof(salt));
		memset(want, 0, sizeof(want));
	}
	if (len > INT32_MAX || kdf(secret, len, salt, iter, got) == -1)
		ok = 0;
	if (CRYPTO_memcmp(got, want, sizeof(got)) != 0)
		ok = 0;
	explicit_bzero(got, sizeof(got));
	return ok;
}

int
hubauth_equal(const char *a, const char *b)
{
	unsigned char ha[DIGEST_LEN], hb[DIGEST_LEN];

	if (digest_buf(a, strlen(a), ha) == -1 ||
	    digest_buf(b, strlen(b), hb) == -1)
		return 0;
	return CRYPTO_memcmp(ha, hb, sizeof(ha)) == 0;
}
