/* Unit tests of lib/release/sign.c: signify and minisign keys and signatures. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "digest.h"
#include "sign.h"
#include "tap.h"

/* Made by "signify-openbsd -G -n -c golden", then "-S" of "hello\n". */
static const char golden_pub[] =
    "untrusted comment: golden public key\n"
    "RWTy3yEAN0VVtSLmYI6UiFKdEEQL8jyAIRPkNaAzzGpME2rQ3hzCQCAE\n";
static const char golden_sec[] =
    "untrusted comment: golden secret key\n"
    "RWRCSwAAAACXZTaVQIJ4ug59bEz45VcadI1IaJYzCsjy3yEAN0VVtWg6jcS9L5CoDOby/"
    "DSO/F1BN/Xlmn4+OuU0deiRKxf2IuZgjpSIUp0QRAvyPIAhE+Q1oDPMakwTatDeHMJAIAQ"
    "=\n";
static const char golden_sig[] =
    "untrusted comment: verify with g.pub\n"
    "RWTy3yEAN0VVtb7o2qJe6fcFgBcRWjw369Jcl0Fhb8fvAPnXLtUToYtbUm4FsijMX0OJjg"
    "qK4NteMLfqkowkJJFpY6IV03TcVgM=\n";
/* "signify-openbsd -G" with passphrase "pw": 42 bcrypt rounds. */
static const char signify_enc[] =
    "untrusted comment: signify secret key\n"
    "RWRCSwAAACq4Zmh1meCHHOwLn9hty83OdF3KPjJ370G9aBPWrllr96YYlBRam/VgIQTVTp9t"
    "qy/daYzlV5iAAgbFYxhKtgNh7lBBgvYNvaYkus4hS2HK6O1GsnPuyCUxNLNm4zBzJXs=\n";
/* "minisign -G" with password "pw" (scrypt, 1 GiB). */
static const char minisign_enc[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWRTY0Iy6hBJ8w46bTmdODCNzj31WnbX8qH+r160+2gPUSWbBx4AAAACAAAAAAAAAEAAAAAA"
    "zSjhpWH/e+MnnRUSMTuYYyrmvKxLtlEFUk/Wq7v4Mxxr7qzGGCmz8AXh9Q8nzqp8vpoKF9O2"
    "rtI+5S6Twfe5NDij+rpCbCbpxsgUl0a/fyzPvzaQHxrRqKk6iZjCdMpakomhKcY805k=\n";
static const char minisign_enc_pub[] =
    "untrusted comment: minisign public key 7D359D070128A103\n"
    "RWQDoSgBB501ffvLp9lS00Ij9esmgEdwQwPzL7mJ8gZEIU3yZG+t3W6s\n";
/*
 * The same format with scrypt's smallest limits (16 MiB), password "pw":
 * made by tests/tools/scryptkey from a key of bb-sign -G.  The key of
 * minisign -G above takes 1 GiB and seconds; it is read with BB_SLOW=1.
 */
static const char small_enc[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWRTY0Iye8cHUlkh+MCuIHi+kRSsB6adGR0kYTaSbr6CXU0yCKIAgAAAAAAAAAAAAAEAAAAA"
    "h7de8c5X2uSAvrpNzLS+BhmR4gR/dJy6Je9+aGmGwkcUSc9/uv3aNdTsJ6wAczeizq3muN1g"
    "Tswt4ZTX5LvMe7fEynU+gMUweAIpn6fNDWUdeH0YqQgJ28RjgJhaZc63TxQyGm75YSo=\n";
static const char small_enc_pub[] =
    "untrusted comment: minisign public key 2A04AD65A7064806\n"
    "RWQGSAanZa0EKhvPZQXcdaadZKoLWMhhzVjLRbPj2PFQtHeS6dub33MV\n";

static char dir[] = "/tmp/bb-unit-sign.XXXXXX";

/* Returns a descriptor of a new file holding s. */
static int
file_with(const char *name, const char *s, size_t len)
{
	char path[300];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, s, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET) == -1)
		return -1;
	return fd;
}

static int
sign_str(const struct sign_seckey *sk, enum sign_format fmt, const char *msg,
    const char *trusted, struct buf *out, struct bb_error *err)
{
	int fd, rv;

	if ((fd = file_with("msg", msg, strlen(msg))) == -1)
		return -1;
	buf_reset(out);
	rv = sign_fd(sk, fmt, fd, "msg", NULL, trusted, NULL, out, err);
	close(fd);
	return rv;
}

static int
verify_str(const struct sign_pubkey *pk, const char *sigtext, size_t len,
    const char *msg, struct bb_error *err)
{
	struct sign_sig sig;
	int fd, rv;

	if (sign_sig_parse(sigtext, len, "msg.sig", &sig, err) == -1)
		return -1;
	if ((fd = file_with("msg", msg, strlen(msg))) == -1)
		return -1;
	rv = sign_verify_fd(pk, &sig, fd, "msg", err);
	close(fd);
	return rv;
}

static void
test_golden(void)
{
	struct sign_seckey sk;
	struct sign_pubkey pk, pk2;
	struct bb_error err;
	struct buf *b = buf_new(SIGN_SIGFILE_MAX);
	char id[SIGN_IDLEN + 1], hex[DIGEST_HEXLEN + 1];
	int fd;

	ok(sign_pubkey_parse(golden_pub, sizeof(golden_pub) - 1, "g.pub", &pk,
	    &err) == 0, "signify public key parsed");
	ok(sign_seckey_parse(golden_sec, sizeof(golden_sec) - 1, "g.sec", NULL,
	    &sk, &err) == 0 && sk.fmt == SIGN_SIGNIFY,
	    "signify -n secret key parsed");
	sign_seckey_public(&sk, &pk2);
	ok(memcmp(&pk, &pk2, sizeof(pk)) == 0, "the key pair matches");
	sign_key_id(pk.keynum, id);
	is_str(id, "B55545370021DFF2", "key id as minisign prints it");

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

	buf_reset(b);
	ok(sign_pubkey_encode(&pk, SIGN_SIGNIFY, "golden", b, &err) == 0,
	    "public key encoded");
	is_str(b->data, golden_pub, "as signify writes it");
	buf_reset(b);
	ok(sign_pubkey_encode(&pk, SIGN_MINISIGN, NULL, b, &err) == 0 &&
	    strncmp(b->data, "untrusted comment: minisign public key "
	    "B55545370021DFF2\n", 56) == 0, "minisign's comment names the id");
	buf_free(b);
	explicit_bzero(&sk, sizeof(sk));
}

static void
test_roundtrip(enum sign_format fmt)
{
	struct sign_seckey sk, sk2;
	struct sign_pubkey pk, pk2, other;
	struct sign_seckey osk;
	struct bb_error err;
	struct buf *b = buf_new(SIGN_SIGFILE_MAX), *k = buf_new(4096);
	const char *name = sign_format_name(fmt);
	char *p;

	ok(sign_keygen(&sk, &pk, &err) == 0, "%s: key made", name);
	ok(sign_seckey_encode(&sk, fmt, NULL, NULL, k, &err) == 0 &&
	    sign_seckey_parse(k->data, k->len, "k.sec", NULL, &sk2,
	    &err) == 0 && memcmp(sk.sk, sk2.sk, sizeof(sk.sk)) == 0 &&
	    sk2.fmt == fmt, "%s: secret key round trip", name);
	buf_reset(k);
	ok(sign_pubkey_encode(&pk, fmt, NULL, k, &err) == 0 &&
	    sign_pubkey_parse(k->data, k->len, "k.pub", &pk2, &err) == 0 &&
	    memcmp(&pk, &pk2, sizeof(pk)) == 0, "%s: public key round trip",
	    name);
	ok(sign_seckey_parse(k->data, k->len, "k.pub", NULL, &sk2, &err) ==
	    -1 && err.code == EX_DATAERR && strstr(err.msg, "a public key?"),
	    "%s: a public key is not a secret key: %s", name, err.msg);

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
	buf_freezero(k);
	explicit_bzero(&sk, sizeof(sk));
	explicit_bzero(&sk2, sizeof(sk2));
	explicit_bzero(&osk, sizeof(osk));
}

/* A minisign key with a passphrase: decrypted, and refused when wrong. */
static void
test_encrypted(const char *enc, size_t enclen, const char *pub,
    size_t publen, const char *what)
{
	struct sign_seckey sk;
	struct sign_pubkey pk, want;
	struct passphrase pp;
	struct bb_error err;
	char path[300];
	int fd;

	passphrase_init(&pp);
	snprintf(path, sizeof(path), "%s/pw", dir);
	pp.file = path;
	fd = file_with("pw", "pw\n", 3);
	close(fd);
	ok(sign_seckey_parse(enc, enclen, "m.sec", &pp, &sk, &err) == 0 &&
	    sk.fmt == SIGN_MINISIGN, "%s: passphrase key decrypted", what);
	sign_seckey_public(&sk, &pk);
	ok(sign_pubkey_parse(pub, publen, "m.pub", &want, &err) == 0 &&
	    memcmp(&pk, &want, sizeof(pk)) == 0,
	    "%s: into the pair of its public key", what);
	fd = file_with("pw", "wrong\n", 6);
	close(fd);
	ok(sign_seckey_parse(enc, enclen, "m.sec", &pp, &sk, &err) == -1 &&
	    err.code == EX_NOPERM &&
	    strcmp(err.msg, "m.sec: wrong passphrase") == 0,
	    "%s: wrong passphrase: %s", what, err.msg);
	ok(sign_seckey_parse(enc, enclen, "m.sec", NULL, &sk, &err) == -1 &&
	    err.code == EX_USAGE, "%s: no passphrase source: refused", what);
	explicit_bzero(&sk, sizeof(sk));
}

static void
test_signify_encrypted(void)
{
	struct sign_seckey sk;
	struct passphrase pp;
	struct bb_error err;

	passphrase_init(&pp);
	ok(sign_seckey_parse(signify_enc, sizeof(signify_enc) - 1, "e.sec",
	    &pp, &sk, &err) == -1 && err.code == EX_CONFIG &&
	    strstr(err.msg, "bcrypt_pbkdf") != NULL &&
	    strstr(err.msg, "signify-openbsd -G -n") != NULL,
	    "passphrase signify key refused, saying why: %s", err.msg);
}

static void
test_misc(void)
{
	struct sign_sig sig;
	struct bb_error err;
	char tc[SIGN_TRUSTEDMAX + 1], path[300];
	struct stat st;

	ok(sign_format_parse("minisign") == SIGN_MINISIGN &&
	    sign_format_parse("cms") == SIGN_CMS &&
	    sign_format_parse("gpg") == SIGN_NONE, "format names");
	is_str(sign_format_ext(SIGN_MINISIGN), ".minisig", "extension");
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

	snprintf(path, sizeof(path), "%s/new.sec", dir);
	ok(sign_write_new(path, "k\n", 2, 0600, &err) == 0 &&
	    stat(path, &st) == 0 && (st.st_mode & 0777) == 0600,
	    "new key file 0600");
	ok(sign_write_new(path, "j\n", 2, 0600, &err) == -1 &&
	    err.code == EX_CANTCREAT && strstr(err.msg, "already exists"),
	    "never replaced: %s", err.msg);
	unlink(path);
}

int
main(void)
{
	char cmd[300];

	if (mkdtemp(dir) == NULL)
		return 1;
	test_golden();
	test_roundtrip(SIGN_SIGNIFY);
	test_roundtrip(SIGN_MINISIGN);
	test_misc();
	test_signify_encrypted();
	test_encrypted(small_enc, sizeof(small_enc) - 1, small_enc_pub,
	    sizeof(small_enc_pub) - 1, "scrypt 16 MiB");
	if (tap_slow())
		test_encrypted(minisign_enc, sizeof(minisign_enc) - 1,
		    minisign_enc_pub, sizeof(minisign_enc_pub) - 1,
		    "minisign -G, scrypt 1 GiB");
	else
		ok(1, "# SKIP minisign -G's key, scrypt 1 GiB: set BB_SLOW=1");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "clean up");
	return tap_done();
}
