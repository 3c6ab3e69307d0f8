#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "cms.h"
#include "digest.h"

#define CMS_BAD		1	/* SIGN_BAD: the signature does not match */

struct cms_signer {
	EVP_PKEY	*key;
	X509		*cert;
	STACK_OF(X509)	*chain;
	char		 id[CMS_IDLEN + 1];
};

struct cms_trust {
	X509_STORE	*store;
};

int
cms_is_der(const void *p, size_t len)
{
	const unsigned char *s = p;

	/* A SEQUENCE with a long-form length. */
	return len >= 4 && s[0] == 0x30 && s[1] >= 0x81 && s[1] <= 0x84;
}

/* The last OpenSSL error as text, for messages; empties the queue. */
static void
ssl_error(char *dst, size_t size)
{
	unsigned long e, last = 0;
	const char *data = NULL, *d;
	int flags;

	while ((e = ERR_get_error_all(NULL, NULL, NULL, &d, &flags)) != 0) {
		last = e;
		data = (flags & ERR_TXT_STRING) ? d : NULL;
	}
	if (last == 0) {
		(void)strlcpy(dst, "unknown error", size);
		return;
	}
	ERR_error_string_n(last, dst, size);
	if (data != NULL && *data != '\0') {
		size_t n = strlen(dst);

		(void)snprintf(dst + n, size - n, " (%s)", data);
	}
}

/*
 * PKCS#12 files written by OpenSSL 1.x (or with -legacy) encrypt with
 * RC2 or 3DES, which OpenSSL 3 keeps in its legacy provider; loading a
 * provider by name stops the default one from loading by itself, so both.
 */
static void
load_providers(void)
{
	static int loaded;

	if (loaded)
		return;
	loaded = 1;
	(void)OSSL_PROVIDER_load(NULL, "legacy");
	(void)OSSL_PROVIDER_load(NULL, "default");
	ERR_clear_error();
}

/* Finds the passphrase that opens p12: none, empty, or one from pp. */
static int
p12_pass(PKCS12 *p12, const char *name, const struct passphrase *pp,
    char *pass, size_t size, const char **passp, struct bb_error *err)
{
	char prompt[300];

	*passp = "";
	if (!PKCS12_mac_present(p12))
		return 0;
	if (PKCS12_verify_mac(p12, "", 0))
		return 0;
	*passp = NULL;
	if (PKCS12_verify_mac(p12, NULL, 0))
		return 0;
	(void)snprintf(prompt, sizeof(prompt), "passphrase for %s: ", name);
	if (passphrase_get(pp, prompt, 0, pass, size, err) == -1) {
		bb_error_prefix(err, "%s", name);
		return -1;
	}
	if (!PKCS12_verify_mac(p12, pass, -1)) {
		bb_error_set(err, EX_NOPERM, "%s: wrong passphrase", name);
		return -1;
	}
	*passp = pass;
	return 0;
}

int
cms_signer_load(const void *der, size_t len, const char *name,
    const struct passphrase *pp, struct cms_signer **out,
    struct bb_error *err)
{
	const unsigned char *p = der;
	struct cms_signer *s = NULL;
	PKCS12 *p12 = NULL;
	unsigned char md[EVP_MAX_MD_SIZE];
	char pass[PASSPHRASE_MAX], msg[256];
	const char *passp;
	unsigned int mdlen;
	int rv = -1;

	load_providers();
	if ((p12 = d2i_PKCS12(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		bb_error_set(err, EX_DATAERR, "%s: not a PKCS#12 file", name);
		goto out;
	}
	if (p12_pass(p12, name, pp, pass, sizeof(pass), &passp, err) == -1)
		goto out;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", name);
		goto out;
	}
	if (!PKCS12_parse(p12, passp, &s->key, &s->cert, &s->chain)) {
		ssl_error(msg, sizeof(msg));
		bb_error_set(err, EX_DATAERR, "%s: cannot read the PKCS#12 "
		    "file: %s", name, msg);
		goto out;
	}
	if (s->key == NULL || s->cert == NULL) {
		bb_error_set(err, EX_DATAERR, "%s: no %s in the PKCS#12 file",
		    name, s->key == NULL ? "private key" : "certificate");
		goto out;
	}
	if (X509_check_private_key(s->cert, s->key) != 1) {
		ERR_clear_error();
		bb_error_set(err, EX_DATAERR, "%s: the key does not match the "
		    "certificate", name);
		goto out;
	}
	if (X509_digest(s->cert, EVP_sha256(), md, &mdlen) != 1 ||
	    mdlen != DIGEST_LEN) {
		bb_error_set(err, EX_SOFTWARE, "%s: sha256 failed", name);
		goto out;
	}
	digest_tohex(md, mdlen, s->id);
	*out = s;
	s = NULL;	/* transferred */
	rv = 0;
out:
	explicit_bzero(pass, sizeof(pass));
	cms_signer_free(s);
	PKCS12_free(p12);
	return rv;
}

void
cms_signer_free(struct cms_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
	sk_X509_pop_free(s->chain, X509_free);
	free(s);
}

const char *
cms_signer_id(const struct cms_signer *s)
{
	return s->id;
}

int
cms_sign_fd(const struct cms_signer *s, int fd, const char *name,
    struct buf *out, struct bb_error *err)
{
	CMS_ContentInfo *cms = NULL;
	BIO *in;
	unsigned char *p;
	char msg[256];
	int n, rv = -1;

	if ((in = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", name);
		return -1;
	}
	cms = CMS_sign(s->cert, s->key, s->chain, in,
	    CMS_DETACHED | CMS_BINARY);
	if (cms == NULL) {
		ssl_error(msg, sizeof(msg));
		bb_error_set(err, EX_IOERR, "%s: CMS signing failed: %s", name,
		    msg);
		goto out;
	}
	if ((n = i2d_CMS_ContentInfo(cms, NULL)) <= 0 ||
	    (p = buf_reserve(out, (size_t)n)) == NULL ||
	    i2d_CMS_ContentInfo(cms, &p) != n) {
		bb_error_set(err, EX_SOFTWARE, "%s: CMS encoding failed", name);
		goto out;
	}
	out->len += (size_t)n;
	out->data[out->len] = '\0';
	rv = 0;
out:
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return rv;
}

int
cms_trust_load(const char *path, struct cms_trust **out, struct bb_error *err)
{
	struct cms_trust *t;
	char msg[256];

	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->store = X509_STORE_new()) == NULL) {
		free(t);
		bb_error_errno(err, EX_OSERR, "%s", path);
		return -1;
	}
	if (X509_STORE_load_file(t->store, path) != 1) {
		ssl_error(msg, sizeof(msg));
		bb_error_set(err, EX_DATAERR, "%s: no CA certificates in it: "
		    "%s", path, msg);
		cms_trust_free(t);
		return -1;
	}
	/* Code-signing certificates carry EKU codeSigning, not S/MIME. */
	X509_VERIFY_PARAM_set_purpose(X509_STORE_get0_param(t->store),
	    X509_PURPOSE_ANY);
	*out = t;
	return 0;
}

void
cms_trust_free(struct cms_trust *t)
{
	if (t == NULL)
		return;
	X509_STORE_free(t->store);
	free(t);
}

/* Says why CMS_verify failed, from the reasons OpenSSL queued. */
static void
verify_error(const char *name, const char *signame, struct bb_error *err)
{
	unsigned long e;
	const char *data;
	char detail[256] = "";
	int flags, code = CMS_BAD, reason;

	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		if (ERR_GET_LIB(e) != ERR_LIB_CMS)
			continue;
		reason = ERR_GET_REASON(e);
		if (reason == CMS_R_CERTIFICATE_VERIFY_ERROR) {
			code = EX_NOPERM;
			if (flags & ERR_TXT_STRING)
				(void)strlcpy(detail, data, sizeof(detail));
		} else if (reason == CMS_R_SIGNER_CERTIFICATE_NOT_FOUND ||
		    reason == CMS_R_NO_SIGNERS)
			code = EX_DATAERR;
	}
	if (code == EX_NOPERM)
		bb_error_set(err, code, "%s: signed by a certificate that the "
		    "CA file does not trust%s%s", name, *detail ? ": " : "",
		    detail);
	else if (code == EX_DATAERR)
		bb_error_set(err, code, "%s: %s: malformed signature (no "
		    "signer certificate)", name, signame);
	else
		bb_error_set(err, code, "%s: signature does not match: the "
		    "file was modified, or is not the one signed", name);
}

/* Verifies the signature der against what in reads. */
static int
verify_bio(const struct cms_trust *t, const void *der, size_t len,
    const char *signame, BIO *in, const char *name, struct bb_error *err)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms;
	int rv = -1;

	ERR_clear_error();
	cms = d2i_CMS_ContentInfo(NULL, &p, (long)len);
	if (cms == NULL || p != (const unsigned char *)der + len) {
		bb_error_set(err, EX_DATAERR, "%s: truncated or malformed CMS "
		    "signature", signame);
		goto out;
	}
	if (CMS_verify(cms, NULL, t->store, in, NULL, CMS_BINARY) != 1) {
		verify_error(name, signame, err);
		goto out;
	}
	rv = 0;
out:
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	return rv;
}

int
cms_verify_fd(const struct cms_trust *t, const void *der, size_t len,
    const char *signame, int fd, const char *name, struct bb_error *err)
{
	BIO *in;
	int rv;

	if ((in = BIO_new_fd(fd, BIO_NOCLOSE)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", name);
		return -1;
	}
	rv = verify_bio(t, der, len, signame, in, name, err);
	BIO_free(in);
	return rv;
}

int
cms_verify_mem(const struct cms_trust *t, const void *der, size_t len,
    const char *signame, const void *data, size_t dlen, const char *name,
    struct bb_error *err)
{
	BIO *in;
	int rv;

	if ((in = BIO_new_mem_buf(data, (int)dlen)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", name);
		return -1;
	}
	rv = verify_bio(t, der, len, signame, in, name, err);
	BIO_free(in);
	return rv;
}
