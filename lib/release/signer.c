#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "artifact.h"
#include "digest.h"
#include "file.h"
#include "signer.h"

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

/* signify's comment: "verify with KEY.pub" for KEY.sec. */
static void
default_comment(struct signer *s, const char *path)
{
	const char *name = base_name(path);
	size_t len = strlen(name);

	if (len > 4 && strcmp(name + len - 4, ".sec") == 0)
		(void)snprintf(s->dflt, sizeof(s->dflt), "verify with %.*s.pub",
		    (int)(len - 4), name);
	else
		(void)snprintf(s->dflt, sizeof(s->dflt), "signature from %s",
		    name);
}

int
signer_load(struct signer *s, const char *path, enum sign_format fmt,
    const char *comment, const struct passphrase *pp, struct bb_error *err)
{
	struct buf *b = NULL;
	struct stat st;
	int rv = -1;

	memset(s, 0, sizeof(*s));
	s->comment = comment;
	default_comment(s, path);
	if (file_read_secret(AT_FDCWD, path, CMS_P12_MAX, &b, err) == -1)
		goto out;
	if (sign_is_keyfile(b->data, b->len)) {
		if (fmt == SIGN_CMS) {
			bb_error_set(err, EX_USAGE, "%s: an Ed25519 key cannot "
			    "make CMS signatures: give a PKCS#12 file", path);
			goto out;
		}
		if (sign_seckey_parse(b->data, b->len, path, pp, &s->sk,
		    err) == -1)
			goto out;
		s->fmt = fmt != SIGN_NONE ? fmt : s->sk.fmt;
		sign_key_id(s->sk.keynum, s->id);
	} else if (cms_is_der(b->data, b->len)) {
		/*
		 * file_read_secret drops a last newline, which in DER is a
		 * byte of the MAC: put it back.
		 */
		if (stat(path, &st) == 0 && st.st_size == (off_t)b->len + 1 &&
		    buf_addc(b, '\n') == -1) {
			bb_error_errno(err, EX_OSERR, "%s", path);
			goto out;
		}
		if (fmt != SIGN_NONE && fmt != SIGN_CMS) {
			bb_error_set(err, EX_USAGE, "%s: a PKCS#12 file makes "
			    "CMS signatures, not %s", path,
			    sign_format_name(fmt));
			goto out;
		}
		if (cms_signer_load(b->data, b->len, path, pp, &s->cms,
		    err) == -1)
			goto out;
		s->fmt = SIGN_CMS;
		(void)strlcpy(s->id, cms_signer_id(s->cms), sizeof(s->id));
	} else {
		bb_error_set(err, EX_DATAERR, "%s: not a signify or minisign "
		    "secret key, nor a PKCS#12 file", path);
		goto out;
	}
	rv = 0;
out:
	buf_freezero(b);
	if (rv == -1)
		signer_free(s);
	return rv;
}

void
signer_free(struct signer *s)
{
	cms_signer_free(s->cms);
	explicit_bzero(s, sizeof(*s));
}

static int
sig_path(char *dst, const char *path, const char *ext, struct bb_error *err)
{
	int n;

	n = snprintf(dst, PATH_MAX, "%s%s", path, ext);
	if (n < 0 || n >= PATH_MAX) {
		bb_error_set(err, EX_CANTCREAT, "%s: name too long", path);
		return -1;
	}
	return 0;
}

int
signer_file(struct signer *s, int dirfd, const char *path,
    const char *sigpath, const char *name, const char *job, time_t now,
    char *sha256, char *sigout, struct bb_error *err)
{
	char sp[PATH_MAX], tc[SIGN_TRUSTEDMAX + 1];
	struct buf *out = NULL;
	int fd, rv = -1;

	if ((fd = file_open_input(dirfd, path, err)) == -1)
		return -1;
	if (sig_path(sp, path, sign_format_ext(s->fmt), err) == -1)
		goto out;
	if (sigpath != NULL && strlcpy(sp, sigpath, sizeof(sp)) >= sizeof(sp)) {
		bb_error_set(err, EX_CANTCREAT, "%s: name too long", sigpath);
		goto out;
	}
	if (strcmp(sp, path) == 0) {
		bb_error_set(err, EX_USAGE, "%s: the signature would replace "
		    "the file it signs", path);
		goto out;
	}
	if ((out = buf_new(SIGN_SIGFILE_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", path);
		goto out;
	}
	if (s->fmt == SIGN_CMS) {
		if (cms_sign_fd(s->cms, fd, path, out, err) == -1)
			goto out;
		if (sha256 != NULL && (lseek(fd, 0, SEEK_SET) == -1 ||
		    digest_fd(fd, path, sha256, NULL, err) == -1))
			goto out;
	} else {
		if (sign_trusted_comment(tc, sizeof(tc), now, name, job,
		    err) == -1 ||
		    sign_fd(&s->sk, s->fmt, fd, path, s->comment ? s->comment :
		    s->dflt, tc, sha256, out, err) == -1)
			goto out;
	}
	if (file_write_atomic(dirfd, sp, out->data, out->len, 0644, err) == -1)
		goto out;
	if (sigout != NULL)
		(void)strlcpy(sigout, sp, PATH_MAX);
	rv = 0;
out:
	buf_free(out);
	close(fd);
	return rv;
}

int
signer_list(struct signer *s, int dirfd, const char *list,
    const struct sumlist *l, enum sumlist_style style, const char *job,
    time_t now, char *sigout, struct bb_error *err)
{
	struct buf *text = NULL, *out = NULL;
	char sp[PATH_MAX];
	int rv = -1;

	sigout[0] = '\0';
	if ((text = buf_new(SUMLIST_MAX)) == NULL ||
	    (out = buf_new(SUMLIST_MAX + SIGN_SIGFILE_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", list);
		goto out;
	}
	if (sumlist_format(l, style, text, err) == -1) {
		bb_error_prefix(err, "%s", list);
		goto out;
	}
	if (file_write_atomic(dirfd, list, text->data, text->len, 0644,
	    err) == -1)
		goto out;
	if (s == NULL) {
		rv = 0;
		goto out;
	}
	if (s->fmt != SIGN_SIGNIFY) {
		rv = signer_file(s, dirfd, list, NULL, base_name(list), job,
		    now, NULL, sigout, err);
		goto out;
	}
	if (sig_path(sp, list, sign_format_ext(s->fmt), err) == -1 ||
	    sign_embedded(&s->sk, text->data, text->len,
	    s->comment ? s->comment : s->dflt, out, err) == -1 ||
	    file_write_atomic(dirfd, sp, out->data, out->len, 0644, err) == -1)
		goto out;
	(void)strlcpy(sigout, sp, PATH_MAX);
	rv = 0;
out:
	buf_free(text);
	buf_free(out);
	return rv;
}

void
signer_job_init(struct signer_job *j, struct signer *s, const char *glob,
    const char *list, enum sumlist_style style)
{
	memset(j, 0, sizeof(*j));
	j->s = s;
	j->glob = glob;
	j->list = list;
	j->style = style;
	j->dirfd = AT_FDCWD;
	sumlist_init(&j->sums);
	held_init(&j->held);
}

void
signer_job_nokey(struct signer_job *j, const struct bb_error *err)
{
	j->s = NULL;
	j->nokey = *err;
}

void
signer_job_clear(struct signer_job *j)
{
	held_clear(&j->held);
}

void
signer_job_free(struct signer_job *j)
{
	if (j->dirfd >= 0)
		close(j->dirfd);
	j->dirfd = AT_FDCWD;
	free(j->job);
	j->job = NULL;
	sumlist_free(&j->sums);
	held_clear(&j->held);
}

static int
on_workdir(struct signer_job *j, const struct record *r,
    struct bb_error *err)
{
	const char *path = record_get(r, "path");

	if (j->dirfd >= 0)
		close(j->dirfd);
	j->dirfd = -1;
	j->workdir[0] = '\0';
	if (path == NULL || path[0] != '/') {
		bb_error_set(err, EX_DATAERR, "workdir record without an "
		    "absolute path");
		return -1;
	}
	if (strlcpy(j->workdir, path, sizeof(j->workdir)) >=
	    sizeof(j->workdir)) {
		bb_error_set(err, EX_DATAERR, "workdir: path too long");
		return -1;
	}
	j->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd == -1) {
		bb_error_errno(err, EX_NOINPUT, "workdir %s", path);
		return -1;
	}
	return 0;
}

static int
on_job(struct signer_job *j, const struct record *r, struct bb_error *err)
{
	const char *id = record_get(r, "id");

	free(j->job);
	j->job = NULL;
	sumlist_clear(&j->sums);
	j->failed[0] = '\0';
	if (id != NULL && (j->job = strdup(id)) == NULL) {
		bb_error_errno(err, EX_OSERR, "job");
		return -1;
	}
	return 0;
}

/* Keeps the first failure of the job for its done record. */
static void
job_failed(struct signer_job *j, const struct bb_error *err)
{
	if (j->failed[0] == '\0')
		(void)strlcpy(j->failed, err->msg, sizeof(j->failed));
}

static int
job_record(struct signer_job *j, const struct record *r, const char *line,
    size_t len, struct bb_error *err)
{
	if (record_is(r, "artifact")) {
		if (held_add(&j->held, line, len, "artifact", err) == -1)
			return -1;
		return SIGNER_HOLD;
	}
	if (record_is(r, "done"))
		return SIGNER_DONE;
	if (record_is(r, "workdir") && on_workdir(j, r, err) == -1)
		return -1;
	if (record_is(r, "job")) {
		if (on_job(j, r, err) == -1)
			return -1;
		if (j->held.n > 0)
			return SIGNER_FLUSH;
	}
	return SIGNER_PASS;
}

int
signer_job_record(struct signer_job *j, const struct record *r,
    const char *line, size_t len, struct bb_error *err)
{
	int rv;

	if ((rv = job_record(j, r, line, len, err)) == -1)
		job_failed(j, err);
	return rv;
}

/* Whether the artifact named name is signed (and listed). */
static int
wanted(const struct signer_job *j, const char *name)
{
	return j->glob == NULL || fnmatch(j->glob, name, 0) == 0;
}

/*
 * Checks that the job's artifacts, the signatures and the list to be made
 * all have names of their own.  Returns 0, or -1 (EX_DATAERR naming both
 * of two with one name).
 */
static int
check_names(struct signer_job *j, struct bb_error *err)
{
	struct artifact_set *set;
	char name[ARTIFACT_NAME_MAX + 1], what[ARTIFACT_NAME_MAX + 32];
	const char *ext = j->s != NULL ? sign_format_ext(j->s->fmt) : NULL;
	size_t i, listed = 0;
	int rv = -1;

	if ((set = artifact_set_new(err)) == NULL)
		return -1;
	for (i = 0; i < j->held.n; i++) {
		if (held_name(&j->held, i, name, sizeof(name), err) == -1)
			continue;	/* its own failure, at its turn */
		(void)snprintf(what, sizeof(what), "the signature of %s",
		    name);
		if (wanted(j, name))
			listed++;
		if (artifact_set_add_with(set, name, name, wanted(j, name) ?
		    ext : NULL, what, err) == -1)
			goto out;
	}
	if (j->list != NULL && listed > 0 &&
	    (artifact_name(j->list, name, sizeof(name), err) == -1 ||
	    artifact_set_add_with(set, name, "the checksum list", ext,
	    "the checksum list's signature", err) == -1))
		goto out;
	rv = 0;
out:
	artifact_set_free(set);
	return rv;
}

/* Signs (or hashes) one held artifact and adds it to the list. */
static int
sign_one(struct signer_job *j, const struct held_line *h,
    const struct signer_out *o, struct bb_error *err)
{
	struct record r, sig;
	char name[ARTIFACT_NAME_MAX + 1], hex[DIGEST_HEXLEN + 1], sp[PATH_MAX];
	const char *path;
	int rv = -1;

	record_init(&r);
	record_init(&sig);
	if (record_parse(&r, h->line, h->len, err) == -1 ||
	    artifact_record_name(&r, name, sizeof(name), err) == -1)
		goto out;
	path = record_get(&r, "path");
	if (!wanted(j, name)) {
		rv = 0;
		goto out;
	}
	if (j->dirfd == -1) {
		bb_error_set(err, EX_NOINPUT, "%s: no work tree (the workdir "
		    "record failed)", path);
		goto out;
	}
	if (j->list != NULL &&
	    sumlist_can_add(&j->sums, name, j->style, err) == -1)
		goto out;
	if (j->s != NULL) {
		if (signer_file(j->s, j->dirfd, path, NULL, name, j->job,
		    time(NULL), j->list ? hex : NULL, sp, err) == -1)
			goto out;
		if (record_start(&sig, "sig", err) == -1 ||
		    record_set(&sig, "path", sp, err) == -1 ||
		    record_set(&sig, "of", path, err) == -1 ||
		    record_set(&sig, "format", sign_format_name(j->s->fmt),
		    err) == -1 ||
		    record_set(&sig, "key", j->s->id, err) == -1)
			goto out;
		o->record(o->arg, &sig);
	} else if (digest_file(j->dirfd, path, hex, NULL, err) == -1)
		goto out;
	if (j->list != NULL &&
	    sumlist_add(&j->sums, name, hex, j->style, err) == -1)
		goto out;
	rv = 0;
out:
	record_free(&r);
	record_free(&sig);
	return rv;
}

/* Writes and signs the checksum list of the job's artifacts. */
static int
write_list(struct signer_job *j, const struct signer_out *o,
    struct bb_error *err)
{
	struct record art, sig;
	char hex[DIGEST_HEXLEN + 1], sp[PATH_MAX];
	char name[ARTIFACT_NAME_MAX + 1];
	off_t size;
	int rv = -1;

	record_init(&art);
	record_init(&sig);
	if (artifact_name(j->list, name, sizeof(name), err) == -1)
		goto out;
	if (j->dirfd == -1) {
		bb_error_set(err, EX_NOINPUT, "%s: no work tree (the workdir "
		    "record failed)", j->list);
		goto out;
	}
	if (signer_list(j->s, j->dirfd, j->list, &j->sums, j->style, j->job,
	    time(NULL), sp, err) == -1 ||
	    digest_file(j->dirfd, j->list, hex, &size, err) == -1)
		goto out;
	if (record_start(&art, "artifact", err) == -1 ||
	    record_set(&art, "path", j->list, err) == -1 ||
	    record_set(&art, "name", name, err) == -1 ||
	    record_setf(&art, err, "size", "%lld", (long long)size) == -1 ||
	    record_set(&art, "sha256", hex, err) == -1)
		goto out;
	if (j->s != NULL && (record_start(&sig, "sig", err) == -1 ||
	    record_set(&sig, "path", sp, err) == -1 ||
	    record_set(&sig, "of", j->list, err) == -1 ||
	    record_set(&sig, "format", sign_format_name(j->s->fmt),
	    err) == -1 ||
	    record_set(&sig, "key", j->s->id, err) == -1))
		goto out;
	o->record(o->arg, &art);
	if (sig.type[0] != '\0')
		o->record(o->arg, &sig);
	rv = 0;
out:
	record_free(&art);
	record_free(&sig);
	return rv;
}

int
signer_job_done(struct signer_job *j, struct record *done,
    const struct signer_out *o)
{
	struct bb_error err;
	size_t i;
	int changed = 0;

	sumlist_clear(&j->sums);
	if (j->nokey.msg[0] != '\0') {
		/* Nothing is signed, nothing lost. */
		for (i = 0; i < j->held.n; i++)
			o->line(o->arg, j->held.v[i].line, j->held.v[i].len);
		o->failed(o->arg, &j->nokey);
		job_failed(j, &j->nokey);
		goto out;
	}
	if (check_names(j, &err) == -1) {
		/* Nothing of the job's artifacts goes on, nothing signed. */
		o->failed(o->arg, &err);
		job_failed(j, &err);
		goto out;
	}
	for (i = 0; i < j->held.n; i++) {
		o->line(o->arg, j->held.v[i].line, j->held.v[i].len);
		if (sign_one(j, &j->held.v[i], o, &err) == -1) {
			o->failed(o->arg, &err);
			job_failed(j, &err);
		}
	}
	if (j->list != NULL && j->sums.n > 0 && write_list(j, o, &err) == -1) {
		o->failed(o->arg, &err);
		job_failed(j, &err);
	}
out:
	/* The job's result is the worst of its stages (bb-record(5)). */
	if (j->failed[0] != '\0') {
		if (artifact_fail_done(done, "bb-sign", j->failed, &err) == -1)
			o->failed(o->arg, &err);
		changed = 1;
	}
	j->failed[0] = '\0';
	sumlist_clear(&j->sums);
	held_clear(&j->held);
	return changed;
}
