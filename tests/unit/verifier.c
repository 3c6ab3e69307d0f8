/* Unit tests of lib/release/verifier.c: files and signed lists. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "file.h"
#include "signer.h"
#include "tap.h"
#include "verifier.h"

static char dir[] = "/tmp/bb-unit-verifier.XXXXXX";
static int dfd;

static void
put(const char *name, const char *s, size_t len, mode_t mode)
{
	struct bb_error err;

	(void)unlinkat(dfd, name, 0);
	if (file_write_atomic(dfd, name, s, len, mode, &err) == -1)
		printf("# %s\n", err.msg);
}

/* Writes a key pair in format fmt as NAME.sec and NAME.pub. */
static void
keys(const char *name, enum sign_format fmt)
{
	struct sign_seckey sk;
	struct sign_pubkey pk;
	struct bb_error err;
	struct buf *b = buf_new(4096);
	char path[64];

	sign_keygen(&sk, &pk, &err);
	sign_seckey_encode(&sk, fmt, NULL, NULL, b, &err);
	snprintf(path, sizeof(path), "%s.sec", name);
	put(path, b->data, b->len, 0600);
	buf_reset(b);
	sign_pubkey_encode(&pk, fmt, NULL, b, &err);
	snprintf(path, sizeof(path), "%s.pub", name);
	put(path, b->data, b->len, 0644);
	buf_freezero(b);
	explicit_bzero(&sk, sizeof(sk));
}

static int
sign(const char *key, enum sign_format fmt, const char *file,
    const char *sigpath)
{
	struct signer s;
	struct bb_error err;
	int rv;

	if (signer_load(&s, key, fmt, NULL, NULL, &err) == -1)
		return -1;
	rv = signer_file(&s, dfd, file, sigpath, file, "7", 1, NULL, NULL,
	    &err);
	signer_free(&s);
	return rv;
}

int
main(void)
{
	struct verifier v, w;
	struct sumlist l;
	struct signer s;
	struct buf *b;
	struct bb_error err;
	char tc[SIGN_TRUSTEDMAX + 1], sp[PATH_MAX], cmd[300];

	dfd = tap_tmpdir(dir);
	ok(chdir(dir) == 0, "tmp");
	keys("k", SIGN_SIGNIFY);
	keys("o", SIGN_MINISIGN);
	put("f", "file\n", 5, 0644);
	ok(verifier_load(&v, "k.pub", SIGN_NONE, &err) == 0, "public key");
	ok(verifier_load(&w, "o.pub", SIGN_NONE, &err) == 0, "another");
	ok(verifier_load(&v, "k.sec", SIGN_NONE, &err) == -1 &&
	    err.code == EX_DATAERR && strstr(err.msg, "a secret key?"),
	    "a secret key is not a public key: %s", err.msg);
	ok(verifier_load(&v, "f", SIGN_NONE, &err) == -1 &&
	    err.code == EX_DATAERR, "nor is any file");
	ok(verifier_load(&v, "k.pub", SIGN_CMS, &err) == -1 &&
	    err.code == EX_USAGE, "CMS needs certificates");
	verifier_load(&v, "k.pub", SIGN_NONE, &err);

	ok(verifier_file(&v, "f", NULL, tc, sizeof(tc), &err) == -1 &&
	    err.code == EX_NOINPUT && strstr(err.msg, "no signature"),
	    "no signature: %s", err.msg);
	ok(sign("k.sec", SIGN_MINISIGN, "f", NULL) == 0, "minisign sig");
	ok(verifier_file(&v, "f", NULL, tc, sizeof(tc), &err) == 0 &&
	    strcmp(tc, "timestamp:1\tfile:f\tjob:7\thashed") == 0,
	    "f.minisig found and verified, trusted comment returned");
	ok(sign("o.sec", SIGN_SIGNIFY, "f", NULL) == 0, "f.sig by another key");
	ok(verifier_file(&v, "f", NULL, tc, sizeof(tc), &err) == 0,
	    "f.sig by another key does not hide f.minisig");
	ok(verifier_file(&v, "f", "f.sig", tc, sizeof(tc), &err) == -1 &&
	    err.code == EX_NOPERM, "but named with -x, fails");
	ok(sign("k.sec", SIGN_SIGNIFY, "f", NULL) == 0 &&
	    verifier_file(&v, "f", NULL, tc, sizeof(tc), &err) == 0 &&
	    tc[0] == '\0', "f.sig first; no trusted comment");
	v.fmt = SIGN_SIGNIFY;
	ok(verifier_file(&v, "f", "f.minisig", tc, sizeof(tc), &err) == -1 &&
	    err.code == EX_DATAERR && strstr(err.msg, "not signify"),
	    "-f signify refuses minisign signatures: %s", err.msg);
	v.fmt = SIGN_NONE;
	put("f", "file!\n", 6, 0644);
	ok(verifier_file(&v, "f", NULL, tc, sizeof(tc), &err) == -1 &&
	    err.code == SIGN_BAD, "modified: %s", err.msg);

	/* signify -e: the message inside the signature. */
	ok(signer_load(&s, "k.sec", SIGN_NONE, NULL, NULL, &err) == 0, "key");
	b = buf_new(4096);
	ok(sign_embedded(&s.sk, "file!\n", 6, NULL, b, &err) == 0, "embedded");
	put("e.sig", b->data, b->len, 0644);
	ok(verifier_file(&v, "f", "e.sig", tc, sizeof(tc), &err) == 0,
	    "file equal to the embedded message");
	put("g", "other\n", 6, 0644);
	ok(verifier_file(&v, "g", "e.sig", tc, sizeof(tc), &err) == -1 &&
	    err.code == SIGN_BAD && strstr(err.msg, "embedded"),
	    "another file: %s", err.msg);
	buf_free(b);

	/* Signed lists. */
	sumlist_init(&l);
	sumlist_add(&l, "f", "5cdc9d5ee8e6ad4e2dd4d8f50dc22dd7dd74d31bd07f66f"
	    "4c7fae2c9b2ce7c2e", SUMLIST_BSD, &err);
	ok(signer_list(&s, dfd, "SHA256", &l, SUMLIST_BSD, NULL, 1, sp,
	    &err) == 0, "signify signed list");
	sumlist_clear(&l);
	ok(verifier_list(&v, "SHA256.sig", &l, &err) == 0 && l.n == 1 &&
	    strcmp(l.e[0].name, "f") == 0, "verified and read");
	sumlist_clear(&l);
	ok(verifier_list(&w, "SHA256.sig", &l, &err) == -1 &&
	    err.code == EX_NOPERM, "by another key: %s", err.msg);
	signer_free(&s);
	ok(signer_load(&s, "k.sec", SIGN_MINISIGN, NULL, NULL, &err) == 0,
	    "minisign");
	sumlist_add(&l, "f", "5cdc9d5ee8e6ad4e2dd4d8f50dc22dd7dd74d31bd07f66f"
	    "4c7fae2c9b2ce7c2e", SUMLIST_GNU, &err);
	ok(signer_list(&s, dfd, "SUMS", &l, SUMLIST_GNU, NULL, 1, sp,
	    &err) == 0 && strcmp(sp, "SUMS.minisig") == 0, "GNU list, minisig");
	sumlist_clear(&l);
	ok(verifier_list(&v, "SUMS.minisig", &l, &err) == 0 && l.n == 1,
	    "list found next to its detached signature");
	put("SUMS", "x\n", 2, 0644);
	ok(verifier_list(&v, "SUMS.minisig", &l, &err) == -1 &&
	    err.code == SIGN_BAD && strstr(err.msg, "SUMS:"),
	    "modified list: %s", err.msg);
	ok(verifier_list(&v, "SUMS", &l, &err) == -1, "not a signature");
	sumlist_free(&l);
	signer_free(&s);
	verifier_free(&v);
	verifier_free(&w);
	close(dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "clean up");
	return tap_done();
}
