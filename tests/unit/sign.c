/*
 * Unit tests of lib/release/sign.c: the formats' names and extensions,
 * and the lines key and signature files share, read as a key file.
 */
#include "sign_test.h"

int
main(void)
{
	struct sign_pubkey pk;
	struct bb_error err;
	char text[256];

	ok(sign_format_parse("minisign") == SIGN_MINISIGN &&
	    sign_format_parse("cms") == SIGN_CMS &&
	    sign_format_parse("gpg") == SIGN_NONE, "format names");
	is_str(sign_format_ext(SIGN_MINISIGN), ".minisig", "extension");
	is_str(sign_format_name(SIGN_SIGNIFY), "signify", "a format's name");
	is_str(sign_format_ext(SIGN_SIGNIFY), ".sig", "signify's extension");

	/* The comment line, then the base64 line (sign_parse_b64_file). */
	ok(sign_pubkey_parse("comment\nRWQ=\n", 13, "k.pub", &pk, &err) ==
	    -1 && err.code == EX_DATAERR && strstr(err.msg, "k.pub: line 1: "
	    "malformed public key") != NULL, "no comment line: %s", err.msg);
	ok(sign_pubkey_parse("untrusted comment: x\nnot base64!\n", 33,
	    "k.pub", &pk, &err) == -1 && err.code == EX_DATAERR &&
	    strstr(err.msg, "k.pub: line 2: ") != NULL &&
	    strstr(err.msg, "not base64") != NULL, "a line that is not "
	    "base64: %s", err.msg);
	ok(sign_pubkey_parse("untrusted comment: x", 20, "k.pub", &pk,
	    &err) == -1 && err.code == EX_DATAERR, "a comment line cut short");
	memset(text, 'c', sizeof(text));
	memcpy(text, "untrusted comment: ", 19);
	ok(sign_pubkey_parse(text, sizeof(text), "k.pub", &pk, &err) == -1 &&
	    err.code == EX_DATAERR, "no newline at all");
	return tap_done();
}
