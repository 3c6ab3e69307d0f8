/*
 * Unit tests of lib/release/sign_sig.c: signify's and minisign's
 * signatures made and checked (byte for byte as signify's own), a file,
 * a key, a signature or a trusted comment that is not the one signed,
 * and the trusted comment made.
 */
#include "sign_test.h"

static void
test_golden(void)
{
	struct sign_seckey sk;
	struct sign_pubkey pk;
	struct bb_error err;
	struct buf *b = buf_new(SIGN_SIGFILE_MAX);
	char hex[DIGEST_HEXLEN + 1];
	int fd;

	if (sign_pubkey_parse(golden_pub, sizeof(golden_pub) - 1, "g.pub",
	    &pk, &err) == -1 || sign_seckey_parse(golden_sec,
	    sizeof(golden_sec) - 1, "g.sec", NULL, &sk, &err) == -1)
		tap_bail("golden keys: %s", err.msg);
	fd = file_with("msg", "hello\n", 6);
	ok(sign_fd(&sk, SIGN_SIGNIFY, fd, "msg", "verify with g.pub", NULL,
	    hex, b, &err) == 0, "signify signature made");
	close(fd);
	is_str(b->data, golden_sig, "byte-identical to signify's own");
	is_str(hex, "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e8"
	    "46f6be03", "sha256 from the same read");
	ok(verify_str(&pk, golden_sig, sizeof(golden_sig) - 1, "hello\n",
	    &err) == 0, "signify's signature verifies");
	ok(verify_str(&pk, golden_sig, sizeof(golden_sig) - 1, "hello!",
	    &err) == -1 && err.code == SIGN_BAD &&
	    strstr(err.msg, "msg: signature does not match") != NULL,
	    "a modified file fails: %s", err.msg);
	buf_free(b);
	explicit_bzero(&sk, sizeof(sk));
}

static void
test_roundtrip(enum sign_format fmt)
{
	struct sign_seckey sk, osk;
	struct sign_pubkey pk, other;
	struct bb_error err;
	struct buf *b = buf_new(SIGN_SIGFILE_MAX);
	const char *name = sign_format_name(fmt);
	char *p;

	if (sign_keygen(&sk, &pk, &err) == -1)
		tap_bail("%s: keygen: %s", name, err.msg);
	ok(sign_str(&sk, fmt, "data\n", "timestamp:1\tfile:msg\thashed", b,
	    &err) == 0, "%s: signed", name);
	ok(verify_str(&pk, b->data, b->len, "data\n", &err) == 0,
	    "%s: verifies", name);
	ok(verify_str(&pk, b->data, b->len, "data!\n", &err) == -1 &&
	    err.code == SIGN_BAD, "%s: modified file fails", name);
	ok(sign_keygen(&osk, &other, &err) == 0 &&
	    verify_str(&other, b->data, b->len, "data\n", &err) == -1 &&
	    err.code == EX_NOPERM && strstr(err.msg, "another key") != NULL,
	    "%s: wrong key fails: %s", name, err.msg);
	ok(verify_str(&pk, b->data, b->len / 2, "data\n", &err) == -1 &&
	    err.code == EX_DATAERR && strstr(err.msg, "msg.sig: line") != NULL,
	    "%s: truncated signature fails: %s", name, err.msg);
	ok(verify_str(&pk, b->data, 30, "data\n", &err) == -1 &&
	    err.code == EX_DATAERR, "%s: cut in the comment fails", name);
	if (fmt == SIGN_MINISIGN) {
		p = strstr(b->data, "file:msg");
		ok(p != NULL, "trusted comment");
		p[5] = 'X';
		ok(verify_str(&pk, b->data, b->len, "data\n", &err) == -1 &&
		    err.code == SIGN_BAD && strstr(err.msg, "trusted comment"),
		    "altered trusted comment fails: %s", err.msg);
	}
	buf_free(b);
	explicit_bzero(&sk, sizeof(sk));
	explicit_bzero(&osk, sizeof(osk));
}

static void
test_misc(void)
{
	struct sign_sig sig;
	struct bb_error err;
	char tc[SIGN_TRUSTEDMAX + 1];

	ok(sign_trusted_comment(tc, sizeof(tc), 1700000000, "a\tb\n", "42",
	    &err) == 0, "trusted comment");
	is_str(tc, "timestamp:1700000000\tfile:a\\tb\\n\tjob:42\thashed",
	    "names the time, the file and the job; controls made visible");
	ok(sign_trusted_comment(tc, sizeof(tc), 1, "f", NULL, &err) == 0 &&
	    strcmp(tc, "timestamp:1\tfile:f\thashed") == 0, "no job");
	ok(sign_sig_parse("untrusted comment: x\nRWQ=\n", 25, "s", &sig,
	    &err) == -1 && err.code == EX_DATAERR, "short signature refused");
	ok(sign_sig_parse("hello\n", 6, "s", &sig, &err) == -1 &&
	    strstr(err.msg, "untrusted comment") != NULL, "not a signature");
}

int
main(void)
{
	dir_setup();
	test_golden();
	test_roundtrip(SIGN_SIGNIFY);
	test_roundtrip(SIGN_MINISIGN);
	test_misc();
	dir_cleanup();
	return tap_done();
}
