/*
 * What bb-sign -V does: check a file against its signature (signify,
 * minisign or CMS), or a signed checksum list, with a public key or
 * trusted CA certificates.
 */
#ifndef BB_VERIFIER_H
#define BB_VERIFIER_H

#include <stddef.h>

#include "cms.h"
#include "error.h"
#include "sign.h"
#include "sumlist.h"

struct verifier {
	enum sign_format	 fmt;	/* the format asked for, or SIGN_NONE */
	struct sign_pubkey	 pk;	/* a signify or minisign public key, */
	struct cms_trust	*trust;	/* or CA certificates for CMS */
};

/*
 * Loads path: a signify or minisign public key, or PEM CA certificates.
 * fmt is the only signature format to accept (SIGN_NONE: any that the
 * key can check).  Returns 0 or -1.
 */
int	verifier_load(struct verifier *, const char *, enum sign_format,
	    struct bb_error *);
void	verifier_free(struct verifier *);

/*
 * Verifies the file path against the signature sigpath, or when sigpath
 * is NULL against path.p7s (CA certificates), path.sig or path.minisig
 * (whichever exists, in that order).  The trusted comment of a minisign
 * signature is put in tc (tcsize bytes; empty for other formats).
 * Returns 0, or -1: SIGN_BAD (does not match), EX_NOPERM (another key or
 * an untrusted certificate), EX_DATAERR (malformed or truncated
 * signature), EX_NOINPUT (a file is missing).
 */
int	verifier_file(const struct verifier *, const char *, const char *,
	    char *, size_t, struct bb_error *);

/*
 * Verifies the signed checksum list sigpath: signify's signed list (list
 * inside), or the list named by sigpath without its .sig, .minisig or
 * .p7s, and adds its entries to l.  Returns 0 or -1 as verifier_file.
 */
int	verifier_list(const struct verifier *, const char *, struct sumlist *,
	    struct bb_error *);

#endif
