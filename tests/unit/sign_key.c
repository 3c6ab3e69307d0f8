/*
 * Unit tests of lib/release/sign_key.c: signify's and minisign's keys
 * read and written (signify's own golden key), made, their passphrases,
 * the key id, and a new key file that never replaces one.
 */
#include "sign_test.h"

static void
test_golden(void)
{
	struct sign_seckey sk;
	struct sign_pubkey pk, pk2;
	struct bb_error err;
	struct buf *b = buf_new(SIGN_SIGFILE_MAX);
	char id[SIGN_IDLEN + 1];

	ok(sign_pubkey_parse(golden_pub, sizeof(golden_pub) - 1, "g.pub", &pk,
	    &err) == 0, "signify public key parsed");
	ok(sign_seckey_parse(golden_sec, sizeof(golden_sec) - 1, "g.sec", NULL,
	    &sk, &err) == 0 && sk.fmt == SIGN_SIGNIFY,
	    "signify -n secret key parsed");
	sign_seckey_public(&sk, &pk2);
	ok(memcmp(&pk, &pk2, sizeof(pk)) == 0, "the key pair matches");
	sign_key_id(pk.keynum, id);
	is_str(id, "B55545370021DFF2", "key id as minisign prints it");

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
	struct sign_pubkey pk, pk2;
	struct bb_error err;
	struct buf *k = buf_new(4096);
	const char *name = sign_format_name(fmt);

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
	buf_freezero(k);
	explicit_bzero(&sk, sizeof(sk));
	explicit_bzero(&sk2, sizeof(sk2));
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
test_write_new(void)
{
	struct bb_error err;
	char path[300];
	struct stat st;

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
	dir_setup();
	test_golden();
	test_roundtrip(SIGN_SIGNIFY);
	test_roundtrip(SIGN_MINISIGN);
	test_write_new();
	test_signify_encrypted();
	test_encrypted(small_enc, sizeof(small_enc) - 1, small_enc_pub,
	    sizeof(small_enc_pub) - 1, "scrypt 16 MiB");
	if (tap_slow())
		test_encrypted(minisign_enc, sizeof(minisign_enc) - 1,
		    minisign_enc_pub, sizeof(minisign_enc_pub) - 1,
		    "minisign -G, scrypt 1 GiB");
	else
		ok(1, "# SKIP minisign -G's key, scrypt 1 GiB: set BB_SLOW=1");
	dir_cleanup();
	return tap_done();
}
