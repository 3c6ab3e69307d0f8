/* Unit tests of lib/release/signer.c: files, lists and a job's records. */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "file.h"
#include "signer.h"
#include "tap.h"

static char dir[] = "/tmp/bb-unit-signer.XXXXXX";
static int dfd;

static void
put(const char *name, const char *s, mode_t mode)
{
	struct bb_error err;

	(void)unlinkat(dfd, name, 0);
	if (file_write_atomic(dfd, name, s, strlen(s), mode, &err) == -1)
		printf("# %s\n", err.msg);
}

static int
exists(const char *name)
{
	return faccessat(dfd, name, F_OK, 0) == 0;
}

static int
rec(struct signer_job *j, const char *line, struct record *out,
    struct bb_error *err)
{
	struct record r;
	int rv;

	record_init(&r);
	if ((rv = record_parse(&r, line, strlen(line), err)) == 0)
		rv = signer_job_record(j, &r, out, err);
	record_free(&r);
	return rv;
}

int
main(void)
{
	struct sign_seckey sk;
	struct sign_pubkey pk;
	struct signer s;
	struct signer_job j;
	struct sumlist l;
	struct record out, art;
	struct bb_error err;
	struct buf *b = buf_new(4096), *t;
	char path[400], line[600], sp[PATH_MAX], hex[DIGEST_HEXLEN + 1];

	dfd = tap_tmpdir(dir);
	ok(chdir(dir) == 0, "in it");
	ok(sign_keygen(&sk, &pk, &err) == 0 &&
	    sign_seckey_encode(&sk, SIGN_MINISIGN, NULL, NULL, b, &err) == 0,
	    "key made");
	put("k.sec", b->data, 0644);
	ok(signer_load(&s, "k.sec", SIGN_NONE, NULL, NULL, &err) == -1 &&
	    err.code == EX_NOPERM, "secret key others may read refused");
	put("k.sec", b->data, 0600);
	ok(signer_load(&s, "k.sec", SIGN_NONE, NULL, NULL, &err) == 0 &&
	    s.fmt == SIGN_MINISIGN, "minisign key: minisign signatures");
	is_str(s.dflt, "verify with k.pub", "default comment as signify's");
	signer_free(&s);
	ok(signer_load(&s, "k.sec", SIGN_CMS, NULL, NULL, &err) == -1 &&
	    err.code == EX_USAGE, "Ed25519 key cannot make CMS");
	put("junk", "junk\n", 0600);
	ok(signer_load(&s, "junk", SIGN_NONE, NULL, NULL, &err) == -1 &&
	    err.code == EX_DATAERR, "not a key: %s", err.msg);
	ok(signer_load(&s, "k.sec", SIGN_SIGNIFY, NULL, NULL, &err) == 0,
	    "signify signatures with a minisign key");

	put("a.txt", "a\n", 0644);
	ok(signer_file(&s, dfd, "a.txt", NULL, "a.txt", NULL, 1, hex, sp,
	    &err) == 0 && strcmp(sp, "a.txt.sig") == 0 && exists("a.txt.sig"),
	    "signature written next to the file");
	ok(signer_file(&s, dfd, "a.txt", "other.sig", "a.txt", NULL, 1, NULL,
	    sp, &err) == 0 && exists("other.sig"), "or where asked");
	ok(signer_file(&s, dfd, "none", NULL, "none", NULL, 1, NULL, sp,
	    &err) == -1 && err.code == EX_NOINPUT &&
	    strstr(err.msg, "none:") == err.msg, "missing file: %s", err.msg);
	ok(mkdirat(dfd, "d", 0755) == 0 && signer_file(&s, dfd, "d", NULL, "d",
	    NULL, 1, NULL, sp, &err) == -1 && err.code == EX_NOINPUT,
	    "a directory is not signed: %s", err.msg);

	sumlist_init(&l);
	ok(sumlist_add(&l, "a.txt", hex, SUMLIST_BSD, &err) == 0 &&
	    signer_list(&s, dfd, "SHA256", &l, SUMLIST_BSD, NULL, 1, sp,
	    &err) == 0 && strcmp(sp, "SHA256.sig") == 0, "signed list");
	ok(file_read(dfd, "SHA256.sig", 4096, &t, &err) == 0 &&
	    strstr(t->data, "\nSHA256 (a.txt) = ") != NULL,
	    "signify's signed list: the list inside");
	buf_free(t);
	ok(signer_list(NULL, dfd, "L", &l, SUMLIST_GNU, NULL, 1, sp,
	    &err) == 0 && sp[0] == '\0' && exists("L"), "unsigned list");
	sumlist_free(&l);
	signer_free(&s);

	/* The pipeline: workdir, job, artifacts, done. */
	ok(signer_load(&s, "k.sec", SIGN_NONE, "c", NULL, &err) == 0, "key");
	record_init(&out);
	record_init(&art);
	signer_job_init(&j, &s, "*.txt", "SHA256", SUMLIST_BSD);
	ok(mkdirat(dfd, "w", 0755) == 0 && mkdirat(dfd, "w/o", 0755) == 0,
	    "work tree");
	put("w/a.txt", "a\n", 0644);
	put("w/o/b.txt", "b\n", 0644);
	put("w/c.bin", "c\n", 0644);
	snprintf(line, sizeof(line), "workdir path=%s/w", dir);
	ok(rec(&j, line, &out, &err) == 0 && out.type[0] == '\0', "workdir");
	ok(rec(&j, "job id=42 name=x", &out, &err) == 0 &&
	    strcmp(j.job, "42") == 0, "job");
	ok(rec(&j, "artifact path=a.txt name=a.txt size=2", &out, &err) == 0 &&
	    record_is(&out, "sig"), "artifact signed");
	is_str(record_get(&out, "path"), "a.txt.minisig", "sig path");
	is_str(record_get(&out, "of"), "a.txt", "sig of");
	is_str(record_get(&out, "format"), "minisign", "sig format");
	is_str(record_get(&out, "key"), s.id, "sig key");
	ok(file_read(dfd, "w/a.txt.minisig", 4096, &t, &err) == 0 &&
	    strstr(t->data, "file:a.txt\tjob:42\thashed\n") != NULL &&
	    strncmp(t->data, "untrusted comment: c\n", 21) == 0,
	    "trusted comment names the file and the job");
	buf_free(t);
	ok(rec(&j, "artifact path=o/b.txt", &out, &err) == 0 &&
	    strcmp(record_get(&out, "path"), "o/b.txt.minisig") == 0,
	    "artifact in a subdirectory: name from its path");
	ok(rec(&j, "artifact path=c.bin", &out, &err) == 0 &&
	    out.type[0] == '\0' && !exists("w/c.bin.minisig"),
	    "name not matching -n: left alone");
	ok(rec(&j, "artifact path=../a.txt name=x.txt", &out, &err) == -1 &&
	    err.code == EX_DATAERR && strstr(err.msg, "leaves the work tree"),
	    "path out of the work tree refused: %s", err.msg);
	ok(rec(&j, "artifact path=/etc/passwd name=x.txt", &out, &err) == -1 &&
	    strstr(err.msg, "absolute"), "absolute path refused");
	ok(rec(&j, "artifact name=x.txt", &out, &err) == -1 &&
	    strstr(err.msg, "without a path"), "no path refused");
	ok(rec(&j, "artifact path=gone.txt", &out, &err) == -1 &&
	    err.code == EX_NOINPUT && strstr(err.msg, "gone.txt"),
	    "missing artifact: %s", err.msg);
	ok(rec(&j, "log step=a data=x", &out, &err) == 0 &&
	    out.type[0] == '\0', "other records: nothing to say");
	ok(signer_job_done(&j, &art, &out, &err) == 0 &&
	    record_is(&art, "artifact") && record_is(&out, "sig"),
	    "done: list written and signed");
	is_str(record_get(&art, "path"), "SHA256", "list artifact");
	is_str(record_get(&out, "path"), "SHA256.minisig", "its signature");
	ok(file_read(dfd, "w/SHA256", 4096, &t, &err) == 0, "list read");
	is_str(t->data, "SHA256 (a.txt) = 87428fc522803d31065e7bce3cf03fe47509"
	    "6631e5e07bbd7a0fde60c4cf25c7\nSHA256 (b.txt) = 0263829989b6fd954f"
	    "72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f\n",
	    "the job's artifacts by name");
	buf_free(t);
	ok(signer_job_done(&j, &art, &out, &err) == 0 && art.type[0] == '\0',
	    "a second done: nothing left to list");
	ok(rec(&j, "workdir path=/nonexistent", &out, &err) == -1 &&
	    err.code == EX_NOINPUT, "workdir that cannot be opened");
	ok(rec(&j, "artifact path=a.txt", &out, &err) == -1 &&
	    strstr(err.msg, "no work tree"), "then artifacts fail: %s",
	    err.msg);
	signer_job_free(&j);
	record_free(&out);
	record_free(&art);
	signer_free(&s);
	explicit_bzero(&sk, sizeof(sk));
	buf_freezero(b);
	close(dfd);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	ok(system(path) == 0, "clean up");
	return tap_done();
}
