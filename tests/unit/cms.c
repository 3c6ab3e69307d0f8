/*
 * Unit tests of lib/release/cms.c: a CA, a signer certificate and PKCS#12 files
 * are made with openssl(1) at test time.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cms.h"
#include "file.h"
#include "tap.h"

static char dir[] = "/tmp/bb-unit-cms.XXXXXX";

static int
sh(const char *fmt, const char *arg)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "cd %s && (", dir);
	snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), fmt, arg);
	strlcat(cmd, ") >/dev/null 2>&1", sizeof(cmd));
	return system(cmd);
}

static struct cms_signer *
load(const char *name, const struct passphrase *pp, struct bb_error *err)
{
	struct cms_signer *s = NULL;
	struct buf *b;
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (file_read(AT_FDCWD, path, CMS_P12_MAX, &b, err) == -1)
		return NULL;
	(void)cms_signer_load(b->data, b->len, name, pp, &s, err);
	buf_free(b);
	return s;
}

static int
open_in(const char *name)
{
	char path[300];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, O_RDONLY);
}

static int
verify(const struct cms_trust *t, const struct buf *sig, size_t len,
    const char *name, struct bb_error *err)
{
	int fd = open_in(name), rv;

	rv = cms_verify_fd(t, sig->data, len, "f.p7s", fd, name, err);
	close(fd);
	return rv;
}

int
main(void)
{
	struct cms_signer *s;
	struct cms_trust *t, *t2;
	struct passphrase pp;
	struct bb_error err;
	struct buf *sig = buf_new(1 << 20);
	char path[300], pwpath[300];
	int fd;

	ok(mkdtemp(dir) != NULL, "tmp");
	ok(sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	    "-nodes -keyout ca.key -out ca.pem -subj /CN=ca -days 30 && "
	    "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	    "-nodes -keyout o.key -out other.pem -subj /CN=o -days 30 && "
	    "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
	    "-keyout s.key -out s.csr -subj /CN=signer && "
	    "printf 'extendedKeyUsage=codeSigning\\n' > ext && "
	    "openssl x509 -req -in s.csr -CA ca.pem -CAkey ca.key "
	    "-CAcreateserial -out s.pem -days 30 -extfile ext && "
	    "openssl pkcs12 -export -inkey s.key -in s.pem -out s.p12 "
	    "-passout pass:%s && "
	    "openssl pkcs12 -export -legacy -inkey s.key -in s.pem "
	    "-out old.p12 -passout pass:pw && "
	    "openssl pkcs12 -export -inkey s.key -in s.pem -out nopw.p12 "
	    "-passout pass: && printf 'pw\\n' > pw && printf 'no\\n' > bad && "
	    "chmod 600 pw bad && printf 'data\\n' > f && printf 'data!\\n' > g",
	    "pw") == 0, "test CA, signer and PKCS#12 files made");

	passphrase_init(&pp);
	snprintf(pwpath, sizeof(pwpath), "%s/pw", dir);
	pp.file = pwpath;
	ok((s = load("s.p12", &pp, &err)) != NULL, "PKCS#12 loaded");
	ok(s != NULL && strlen(cms_signer_id(s)) == CMS_IDLEN,
	    "id: the certificate's sha256");
	fd = open_in("f");
	ok(s != NULL && cms_sign_fd(s, fd, "f", sig, &err) == 0 &&
	    cms_is_der(sig->data, sig->len), "signed: DER");
	close(fd);
	fd = open(strcat(strcpy(path, dir), "/f.p7s"), O_WRONLY | O_CREAT,
	    0644);
	ok(write(fd, sig->data, sig->len) == (ssize_t)sig->len, "saved");
	close(fd);
	ok(sh("openssl cms -verify -binary -inform DER -in f.p7s -content f "
	    "-CAfile %s -purpose any -out /dev/null", "ca.pem") == 0,
	    "openssl cms -verify accepts it");

	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	ok(cms_trust_load(path, &t, &err) == 0, "CA loaded");
	snprintf(path, sizeof(path), "%s/other.pem", dir);
	ok(cms_trust_load(path, &t2, &err) == 0, "another CA loaded");
	ok(verify(t, sig, sig->len, "f", &err) == 0, "verified");
	ok(verify(t, sig, sig->len, "g", &err) == -1 && err.code == 1 &&
	    strstr(err.msg, "g: signature does not match") != NULL,
	    "modified file fails: %s", err.msg);
	ok(verify(t2, sig, sig->len, "f", &err) == -1 &&
	    err.code == EX_NOPERM && strstr(err.msg, "does not trust") != NULL,
	    "untrusted signer fails: %s", err.msg);
	cms_trust_free(t2);
	ok(verify(t, sig, sig->len / 2, "f", &err) == -1 &&
	    err.code == EX_DATAERR && strstr(err.msg, "f.p7s: truncated"),
	    "truncated signature fails: %s", err.msg);
	ok(cms_verify_mem(t, sig->data, sig->len, "f.p7s", "data\n", 5, "f",
	    &err) == 0, "verified in memory");
	cms_signer_free(s);

	s = load("old.p12", &pp, &err);
	ok(s != NULL, "legacy (RC2) PKCS#12 loaded: %s", s ? "" : err.msg);
	cms_signer_free(s);
	ok((s = load("nopw.p12", NULL, &err)) != NULL,
	    "PKCS#12 without a passphrase needs none");
	cms_signer_free(s);
	snprintf(pwpath, sizeof(pwpath), "%s/bad", dir);
	ok(load("s.p12", &pp, &err) == NULL && err.code == EX_NOPERM &&
	    strcmp(err.msg, "s.p12: wrong passphrase") == 0,
	    "wrong passphrase: %s", err.msg);
	ok(load("ca.pem", &pp, &err) == NULL && err.code == EX_DATAERR,
	    "not a PKCS#12 file: %s", err.msg);
	snprintf(path, sizeof(path), "%s/f", dir);
	ok(cms_trust_load(path, &t2, &err) == -1 && err.code == EX_DATAERR,
	    "no certificates: %s", err.msg);

	cms_trust_free(t);
	buf_free(sig);
	ok(sh("rm -rf %s", dir) == 0, "clean up");
	return tap_done();
}
