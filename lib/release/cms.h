/*
 * CMS (PKCS#7) detached signatures in DER, made with the certificate and
 * key of a PKCS#12 file and checked against trusted CA certificates, as
 * "openssl cms -verify -binary -inform DER -purpose any" checks them.
 * OpenSSL 3 does all of it.
 */
#ifndef BB_CMS_H
#define BB_CMS_H

#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "passphrase.h"

#define CMS_IDLEN	64	/* a key id: the certificate's SHA-256, hex */
#define CMS_P12_MAX	(1024 * 1024)	/* largest PKCS#12 file */

struct cms_signer;
struct cms_trust;

/* Returns 1 if data looks like DER (a PKCS#12 file or a signature). */
int	cms_is_der(const void *, size_t);

/*
 * Loads the certificate, key and chain of a PKCS#12 file of len bytes
 * (name is for messages).  One without a passphrase is opened as it is;
 * otherwise the passphrase comes from pp (wrong: EX_NOPERM).  Old files
 * (RC2, 3DES) load through OpenSSL's legacy provider.  Returns 0 and a
 * new signer in *out (cms_signer_free), or -1.
 */
int	cms_signer_load(const void *, size_t, const char *,
	    const struct passphrase *, struct cms_signer **, struct bb_error *);
void	cms_signer_free(struct cms_signer *);

/* Returns the signer's id: its certificate's SHA-256 in hex. */
const char	*cms_signer_id(const struct cms_signer *);

/*
 * Signs what is left of fd (name is for messages), streaming it, and
 * appends the DER of a detached CMS SignedData to out.  Returns 0 or -1.
 */
int	cms_sign_fd(const struct cms_signer *, int, const char *, struct buf *,
	    struct bb_error *);

/*
 * Loads the PEM certificates (and CRLs) of path as the trusted CAs.
 * Returns 0 and a new store in *out (cms_trust_free), or -1.
 */
int	cms_trust_load(const char *, struct cms_trust **, struct bb_error *);
void	cms_trust_free(struct cms_trust *);

/*
 * Verifies the DER signature of len bytes (signame is for messages)
 * against what is left of fd (name is for messages).  Returns 0, or -1:
 * EX_DATAERR for a malformed or truncated signature, EX_NOPERM when the
 * signer's certificate does not chain to a trusted CA, 1 (SIGN_BAD) when
 * the signature does not match the file.
 */
int	cms_verify_fd(const struct cms_trust *, const void *, size_t,
	    const char *, int, const char *, struct bb_error *);

/* As cms_verify_fd, against dlen bytes at data (under 2 GiB). */
int	cms_verify_mem(const struct cms_trust *, const void *, size_t,
	    const char *, const void *, size_t, const char *,
	    struct bb_error *);

#endif
