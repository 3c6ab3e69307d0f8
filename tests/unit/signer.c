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
rec(struct signer_job *j, const char *line, struct bb_error *err)
{
	struct record r;
	int rv;

	record_init(&r);
	if ((rv = record_parse(&r, line, strlen(line), err)) == 0)
		rv = signer_job_record(j, &r, line, strlen(line), err);
	record_free(&r);
	return rv;
}

/* What signer_job_done wrote: lines, and failures as "! message". */
static struct buf *got;
static int nfailed;

static void
got_line(void *arg, const char *line, size_t len)
{
	(void)arg;
	(void)buf_add(got, line, len);
	(void)buf_addc(got, '\n');
}

static void
got_record(void *arg, const struct record *r)
{
	(void)arg;
	(void)record_encode(r, got, NULL);
}

static void
got_failed(void *arg, const struct bb_error *e)
{
	(void)arg;
	nfailed++;
	(void)buf_addf(got, "! %s\n", e->msg);
}

static const struct signer_out out = { got_line, got_record, got_failed,
    NULL };

/* Ends a job: done through signer_job_done; returns what it wrote. */
static const char *
done(struct signer_job *j, struct record *d)
{
	buf_reset(got);
	nfailed = 0;
	record_init(d);
	(void)record_parse(d, "done result=success", 19, NULL);
	(void)signer_job_done(j, d, &out);
	(void)buf_addc(got, '\0');
	return got->data;
}

int
main(void)
{
	struct sign_seckey sk;
	struct sign_pubkey pk;
	struct signer s;
	struct signer_job j;
	struct sumlist l;
	struct record art;
	struct bb_error err;
	struct buf *b = buf_new(4096), *t;
	char path[400], line[600], sp[PATH_MAX], hex[DIGEST_HEXLEN + 1];
	char want[1024];
	const char *d;

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
	got = buf_new(1 << 20);
	signer_job_init(&j, &s, "*.txt", "SHA256", SUMLIST_BSD);
	ok(mkdirat(dfd, "w", 0755) == 0 && mkdirat(dfd, "w/o", 0755) == 0,
	    "work tree");
	put("w/a.txt", "a\n", 0644);
	put("w/o/b.txt", "b\n", 0644);
	put("w/c.bin", "c\n", 0644);
	snprintf(line, sizeof(line), "workdir path=%s/w", dir);
	is_int(rec(&j, line, &err), SIGNER_PASS, "workdir: passed on");
	ok(rec(&j, "job id=42 name=x", &err) == SIGNER_PASS &&
	    strcmp(j.job, "42") == 0, "job");
	is_int(rec(&j, "artifact path=a.txt name=a.txt size=2", &err),
	    SIGNER_HOLD, "an artifact is held");
	ok(!exists("w/a.txt.minisig"), "and not signed yet");
	is_int(rec(&j, "artifact path=./o//b.txt", &err), SIGNER_HOLD,
	    "an artifact in a subdirectory");
	is_int(rec(&j, "artifact path=c.bin", &err), SIGNER_HOLD, "another");
	is_int(rec(&j, "log step=a data=x", &err), SIGNER_PASS,
	    "other records: passed on");
	is_int(rec(&j, "done result=success", &err), SIGNER_DONE, "done");
	snprintf(want, sizeof(want), "artifact path=a.txt name=a.txt size=2\n"
	    "sig path=a.txt.minisig of=a.txt format=minisign key=%s\n"
	    "artifact path=./o//b.txt\n"
	    "sig path=./o//b.txt.minisig of=./o//b.txt format=minisign "
	    "key=%s\n"
	    "artifact path=c.bin\n", s.id, s.id);
	d = done(&j, &art);
	ok(strncmp(d, want, strlen(want)) == 0 && nfailed == 0,
	    "done: each held artifact, then the sig of its signature");
	ok(!exists("w/c.bin.minisig"), "a name not matching -n: left alone");
	ok(file_read(dfd, "w/a.txt.minisig", 4096, &t, &err) == 0 &&
	    strstr(t->data, "file:a.txt\tjob:42\thashed\n") != NULL &&
	    strncmp(t->data, "untrusted comment: c\n", 21) == 0,
	    "trusted comment names the file and the job");
	buf_free(t);
	ok(file_read(dfd, "w/o/b.txt.minisig", 4096, &t, &err) == 0 &&
	    strstr(t->data, "file:o/b.txt\tjob:42") != NULL,
	    "an artifact's name is its path in the work tree");
	buf_free(t);
	ok(strstr(d, "\nartifact path=SHA256 name=SHA256 size=") != NULL,
	    "then the list as an artifact");
	snprintf(want, sizeof(want), "\nsig path=SHA256.minisig of=SHA256 "
	    "format=minisign key=%s\n", s.id);
	ok(strstr(d, want) != NULL, "and its signature");
	is_str(record_get(&art, "result"), "success", "done left alone");
	ok(file_read(dfd, "w/SHA256", 4096, &t, &err) == 0, "list read");
	is_str(t->data, "SHA256 (a.txt) = 87428fc522803d31065e7bce3cf03fe47509"
	    "6631e5e07bbd7a0fde60c4cf25c7\nSHA256 (o/b.txt) = 0263829989b6fd9"
	    "54f72baaf2fc64bc2e2f01d692d4de72986ea808f6e99813f\n",
	    "the job's artifacts by name: their paths in the work tree");
	buf_free(t);
	record_free(&art);
	is_str(done(&j, &art), "", "a second done: nothing held, no list");
	record_free(&art);

	/* Failures of one artifact do not stop the others. */
	ok(rec(&j, "artifact path=../a.txt", &err) == SIGNER_HOLD &&
	    rec(&j, "artifact path=/etc/passwd name=x.txt", &err) ==
	    SIGNER_HOLD && rec(&j, "artifact name=x.txt", &err) ==
	    SIGNER_HOLD && rec(&j, "artifact path=o/b.txt name=b.txt", &err) ==
	    SIGNER_HOLD && rec(&j, "artifact path=gone.txt", &err) ==
	    SIGNER_HOLD && rec(&j, "artifact path=a.txt", &err) == SIGNER_HOLD,
	    "artifacts held");
	d = done(&j, &art);
	is_int(nfailed, 5, "five fail");
	ok(strstr(d, "! ../a.txt: not an artifact name") != NULL,
	    "a path out of the work tree");
	ok(strstr(d, "! /etc/passwd: an absolute path is no artifact name") !=
	    NULL, "an absolute path");
	ok(strstr(d, "! artifact record without a path") != NULL, "no path");
	ok(strstr(d, "! o/b.txt: named b.txt, but an artifact's name is its "
	    "path in the work tree (o/b.txt)") != NULL,
	    "a name that is not the path");
	ok(strstr(d, "! gone.txt: No such file") != NULL, "a missing file");
	ok(strstr(d, "\nartifact path=a.txt\nsig path=a.txt.minisig ") !=
	    NULL && strstr(d, "\nartifact path=SHA256 ") != NULL,
	    "the good one is signed and listed");
	is_str(record_get(&art, "result"), "error",
	    "the job's done record: result=error");
	ok(record_get(&art, "reason") != NULL && strncmp(record_get(&art,
	    "reason"), "bb-sign: ../a.txt: not an artifact name", 39) == 0,
	    "with the stage and the first cause");
	record_free(&art);
	is_str(done(&j, &art), "", "the next job starts clean");
	is_str(record_get(&art, "result"), "success", "and may succeed");
	record_free(&art);

	/* A build that failed keeps its result and reason. */
	ok(rec(&j, "artifact path=gone.txt", &err) == SIGNER_HOLD, "held");
	buf_reset(got);
	record_init(&art);
	(void)record_parse(&art, "done result=failure step=t reason=rc%202",
	    40, NULL);
	(void)signer_job_done(&j, &art, &out);
	ok(nfailed == 1 && strcmp(record_get(&art, "result"), "failure") == 0 &&
	    strcmp(record_get(&art, "reason"), "rc 2") == 0 &&
	    strcmp(record_get(&art, "step"), "t") == 0,
	    "a failed build: its done record unchanged");
	record_free(&art);

	/* Two artifacts with one name: nothing signed, the job fails. */
	put("w/a.txt.minisig", "mine\n", 0644);
	put("w/SHA256", "old\n", 0644);
	ok(rec(&j, "artifact path=a.txt", &err) == SIGNER_HOLD &&
	    rec(&j, "artifact path=a.txt.minisig", &err) == SIGNER_HOLD,
	    "an artifact, and one named as its signature would be");
	d = done(&j, &art);
	is_str(d, "! two artifacts named a.txt.minisig: the signature of "
	    "a.txt and a.txt.minisig\n", "refused, naming both");
	is_str(record_get(&art, "result"), "error", "done: result=error");
	is_str(record_get(&art, "reason"), "bb-sign: two artifacts named "
	    "a.txt.minisig: the signature of a.txt and a.txt.minisig",
	    "the stage and the cause in the reason");
	ok(file_read(dfd, "w/a.txt.minisig", 4096, &t, &err) == 0 &&
	    strcmp(t->data, "mine\n") == 0, "the build's file is left alone");
	buf_free(t);
	record_free(&art);
	ok(rec(&j, "artifact path=SHA256", &err) == SIGNER_HOLD &&
	    rec(&j, "artifact path=a.txt", &err) == SIGNER_HOLD, "held");
	ok(strstr(done(&j, &art), "! two artifacts named SHA256: SHA256 and "
	    "the checksum list\n") != NULL, "an artifact named as the list");
	record_free(&art);
	ok(rec(&j, "artifact path=c.bin", &err) == SIGNER_HOLD &&
	    rec(&j, "artifact path=c.bin", &err) == SIGNER_HOLD, "held");
	ok(strstr(done(&j, &art), "! two artifacts named c.bin: c.bin and "
	    "c.bin\n") != NULL, "the same artifact twice, even unsigned");
	record_free(&art);

	/* A new job flushes what a job without done left. */
	ok(rec(&j, "artifact path=a.txt", &err) == SIGNER_HOLD &&
	    rec(&j, "job id=43", &err) == SIGNER_FLUSH && j.held.n == 1,
	    "a new job with records held: flush");
	signer_job_clear(&j);
	ok(j.held.n == 0, "cleared");
	ok(rec(&j, "workdir path=/nonexistent", &err) == -1 &&
	    err.code == EX_NOINPUT, "workdir that cannot be opened");
	ok(rec(&j, "artifact path=a.txt", &err) == SIGNER_HOLD &&
	    strstr(done(&j, &art), "! a.txt: no work tree") != NULL,
	    "then artifacts fail");
	is_str(record_get(&art, "reason"), "bb-sign: workdir /nonexistent: "
	    "No such file or directory", "the job fails with the first cause");
	record_free(&art);
	signer_job_free(&j);

	/* A key that could not be loaded: nothing signed, nothing lost. */
	signer_job_init(&j, &s, NULL, "SHA256", SUMLIST_BSD);
	bb_error_set(&err, EX_NOPERM, "k.key: readable by others");
	signer_job_nokey(&j, &err);
	ok(rec(&j, "job id=44", &err) == SIGNER_PASS &&
	    rec(&j, "artifact path=a.txt", &err) == SIGNER_HOLD, "held");
	is_str(done(&j, &art), "artifact path=a.txt\n! k.key: readable by "
	    "others\n", "without a key: the artifact goes on unsigned");
	is_str(record_get(&art, "reason"), "bb-sign: k.key: readable by "
	    "others", "and the job fails, saying why");
	record_free(&art);
	is_str(done(&j, &art), "! k.key: readable by others\n",
	    "every job");
	is_str(record_get(&art, "result"), "error", "fails");
	record_free(&art);
	signer_job_free(&j);
	buf_free(got);
	signer_free(&s);
	explicit_bzero(&sk, sizeof(sk));
	buf_freezero(b);
	close(dfd);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	ok(system(path) == 0, "clean up");
	return tap_done();
}
