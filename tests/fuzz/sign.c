/*
 * libFuzzer target: the parsers of signify and minisign signatures and
 * keys (lib/release/sign.c) take any bytes without crashing.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sign.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct sign_sig sig;
	struct sign_pubkey pk;
	struct sign_seckey sk;
	struct bb_error err;
	const char *text = (const char *)data;

	memset(&pk, 0, sizeof(pk));
	if (sign_sig_parse(text, len, "fuzz", &sig, &err) == 0 &&
	    sig.msg != NULL)
		(void)sign_verify_msg(&pk, &sig, sig.msg, sig.msglen, "fuzz",
		    &err);
	(void)sign_pubkey_parse(text, len, "fuzz", &pk, &err);
	/* No passphrase source: an encrypted key stops before scrypt. */
	(void)sign_seckey_parse(text, len, "fuzz", NULL, &sk, &err);
	return 0;
}
