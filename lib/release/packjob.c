#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>

#include <ctype.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "artifact.h"
#include "digest.h"
#include "packjob.h"
#include "strv.h"
#include "template.h"

void
packjob_init(struct packjob *j)
{
	memset(j, 0, sizeof(*j));
	j->started = -1;
}

void
packjob_clear(struct packjob *j)
{
	held_clear(&j->held);
	strv_free(j->paths, j->npaths);
	j->paths = NULL;
	j->npaths = 0;
}

static void
forget_job(struct packjob *j)
{
	free(j->workdir);
	free(j->recipe);
	free(j->jobname);
	free(j->chain);
	free(j->job);
	free(j->version);
	free(j->profile);
	j->workdir = j->recipe = j->jobname = j->job = j->version = NULL;
	j->chain = NULL;
	j->profile = NULL;
	j->started = -1;
	for (; j->naxes > 0; j->naxes--) {
		free(j->axes[j->naxes - 1].name);
		free(j->axes[j->naxes - 1].value);
	}
}

/* Keeps a matrix record's axis and its one value. */
static int
keep_axis(struct packjob *j, const struct record *r)
{
	const char *n = record_get(r, "name"), *v = record_get(r, "values");
	struct packjob_axis *a;
	size_t i;

	if (n == NULL || v == NULL || strchr(v, ',') != NULL)
		return 0;
	for (i = 0; i < j->naxes; i++)
		if (strcmp(j->axes[i].name, n) == 0)
			break;
	if (i == PACKJOB_AXES)
		return 0;
	a = &j->axes[i];
	free(a->value);
	if (i == j->naxes && (a->name = strdup(n)) == NULL)
		return -1;
	if (i == j->naxes)
		j->naxes++;
	return (a->value = strdup(v)) == NULL ? -1 : 0;
}

void
packjob_free(struct packjob *j)
{
	packjob_clear(j);
	forget_job(j);
}

/* Replaces *dst by a copy of key's value in r, if r has the key. */
static int
keep(char **dst, const struct record *r, const char *key)
{
	const char *v;
	char *c;

	if ((v = record_get(r, key)) == NULL)
		return 0;
	if ((c = strdup(v)) == NULL)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

static int
hold(struct packjob *j, const struct record *r, const char *line,
    size_t len, struct bb_error *err)
{
	const char *path;
	char **p, *c;

	if ((path = record_get(r, "path")) == NULL || *path == '\0') {
		bb_error_set(err, EX_DATAERR, "%s record without a path",
		    r->type);
		return -1;
	}
	if ((c = strdup(path)) == NULL)
		goto nomem;
	if ((p = reallocarray(j->paths, j->npaths + 1, sizeof(*p))) == NULL) {
		free(c);
		goto nomem;
	}
	j->paths = p;
	if (held_add(&j->held, line, len, "artifact and sig", err) == -1) {
		free(c);
		return -1;
	}
	p[j->npaths++] = c;
	return PACKJOB_HOLD;
nomem:
	bb_error_errno(err, EX_OSERR, "%s record", r->type);
	return -1;
}

int
packjob_feed(struct packjob *j, const struct record *r, const char *line,
    size_t len, struct bb_error *err)
{
	const char *v;
	int rv = PACKJOB_PASS;

	if (record_is(r, "artifact") || record_is(r, "sig"))
		return hold(j, r, line, len, err);
	if (record_is(r, "job")) {
		forget_job(j);
		if (keep(&j->job, r, "id") == -1 ||
		    keep(&j->jobname, r, "name") == -1 ||
		    keep(&j->chain, r, "chain") == -1)
			goto nomem;
		return j->held.n > 0 ? PACKJOB_FLUSH : PACKJOB_PASS;
	}
	if (record_is(r, "workdir")) {
		if (keep(&j->workdir, r, "path") == -1)
			goto nomem;
	} else if (record_is(r, "recipe")) {
		if (keep(&j->recipe, r, "name") == -1)
			goto nomem;
	} else if (record_is(r, "matrix")) {
		if (keep_axis(j, r) == -1)
			goto nomem;
	} else if (record_is(r, "env")) {
		if ((v = record_get(r, "name")) != NULL &&
		    ((strcmp(v, "VERSION") == 0 &&
		    keep(&j->version, r, "value") == -1) ||
		    (strcmp(v, "PROFILE") == 0 &&
		    keep(&j->profile, r, "value") == -1)))
			goto nomem;
	} else if (record_is(r, "done")) {
		if (record_get(r, "started") != NULL &&
		    record_get_num(r, "started", 0, LLONG_MAX, &j->started,
		    err) == -1)
			return -1;
		rv = PACKJOB_DONE;
	}
	return rv;
nomem:
	bb_error_errno(err, EX_OSERR, "%s record", r->type);
	return -1;
}

int
packjob_name(const char *tmpl, const char *name, const char *version,
    const char *job, const struct packjob_axis *axes, size_t naxes,
    enum pack_format f, char *out, size_t len, struct bb_error *err)
{
	struct template_var v[5 + PACKJOB_AXES];
	struct utsname u;
	char os[sizeof(u.sysname)], def[NAME_MAX + 1];
	size_t i, nv = 5;

	if (uname(&u) == -1) {
		bb_error_errno(err, EX_OSERR, "uname");
		return -1;
	}
	for (i = 0; u.sysname[i] != '\0' && i < sizeof(os) - 1; i++)
		os[i] = (char)tolower((unsigned char)u.sysname[i]);
	os[i] = '\0';
	v[0] = (struct template_var){ "name", name };
	v[1] = (struct template_var){ "version", version };
	v[2] = (struct template_var){ "os", os };
	v[3] = (struct template_var){ "arch", u.machine };
	v[4] = (struct template_var){ "job", job };
	(void)strlcpy(def, PACKJOB_TEMPLATE, sizeof(def));
	for (i = 0; i < naxes && i < PACKJOB_AXES; i++) {
		if (strcmp(axes[i].name, "os") == 0)
			v[2].val = axes[i].value;
		else if (strcmp(axes[i].name, "arch") == 0)
			v[3].val = axes[i].value;
		else {
			v[nv++] = (struct template_var){ axes[i].name,
			    axes[i].value };
			(void)strlcat(def, "-{", sizeof(def));
			(void)strlcat(def, axes[i].name, sizeof(def));
			(void)strlcat(def, "}", sizeof(def));
		}
	}
	return template_expand(tmpl != NULL ? tmpl : def, v, nv,
	    pack_format_ext(f), out, len, err);
}

/* What a new version is checked against: the archives already there. */
struct taken {
	const char			*tmpl;
	const char			*name;
	const char			*job;
	const struct packjob_axis	*axes;
	size_t				 naxes;
	int				 dirfd;
};

/* 1 if an archive of version v, of any format, is in the directory. */
static int
taken(void *arg, const char *v, struct bb_error *err)
{
	const struct taken *t = arg;
	struct stat st;
	char name[NAME_MAX + 1];
	enum pack_format f;

	for (f = PACK_TGZ; f <= PACK_ZIP; f++) {
		if (packjob_name(t->tmpl, t->name, v, t->job, t->axes,
		    t->naxes, f, name, sizeof(name), err) == -1)
			return -1;
		if (fstatat(t->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return 1;
	}
	return 0;
}

int
packjob_archive_name(const struct packjob_opts *o, enum profile p,
    const char *name, const char *version, const char *job,
    const struct packjob_axis *axes, size_t naxes, int dirfd, char *out,
    size_t len, struct bb_error *err)
{
	struct taken t = { o->tmpl, name, job, axes, naxes, dirfd };
	char v[PROFILE_VERSION_MAX + 1];

	if (version != NULL) {
		if (profile_check(p, version, err) == -1)
			return -1;
	} else if (template_uses(o->tmpl != NULL ? o->tmpl :
	    PACKJOB_TEMPLATE, "version")) {
		if (profile_version(p, o->when, taken, &t, v, sizeof(v),
		    err) == -1)
			return -1;
		version = v;
	}
	return packjob_name(o->tmpl, name, version, job, axes, naxes,
	    o->pack.format, out, len, err);
}

/* The archive's file name, from the options and what the job said. */
static int
archive_name(const struct packjob *j, const struct packjob_opts *o,
    enum profile p, int dirfd, char *out, size_t len, struct bb_error *err)
{
	const char *name, *base;

	/* A later stage of a pipeline packs under the pipeline's name. */
	name = o->name != NULL ? o->name : j->chain != NULL ? j->chain :
	    j->recipe != NULL ? j->recipe : j->jobname;
	if (name == NULL) {
		base = strrchr(j->workdir, '/');
		name = base != NULL && base[1] != '\0' ? base + 1 : j->workdir;
	}
	if (o->version == NULL && j->version != NULL &&
	    profile_check(p, j->version, err) == -1) {
		err->code = EX_DATAERR;	/* the job's, not the command's */
		bb_error_prefix(err, "the job's VERSION");
		return -1;
	}
	return packjob_archive_name(o, p, name, o->version != NULL ?
	    o->version : j->version, j->job, j->axes, j->naxes, dirfd, out,
	    len, err);
}

/*
 * Checks that the held records, the archive name and (if sum) its checksum
 * file have names of their own.  Returns 0, -1 for a record that breaks
 * the name rule, or PACKJOB_REFUSED for two with one name.
 */
static int
check_names(const struct packjob *j, const char *name, int sum,
    struct bb_error *err)
{
	struct artifact_set *set;
	char n[ARTIFACT_NAME_MAX + 1];
	size_t i;
	int rv = -1;

	if ((set = artifact_set_new(err)) == NULL)
		return -1;
	for (i = 0; i < j->held.n; i++) {
		if (held_name(&j->held, i, n, sizeof(n), err) == -1)
			goto out;
		if (artifact_set_add(set, n, n, err) == -1) {
			rv = PACKJOB_REFUSED;
			goto out;
		}
	}
	if (artifact_set_add_with(set, name, "the archive", sum ? ".sha256" :
	    NULL, "the archive's checksum file", err) == -1) {
		rv = PACKJOB_REFUSED;
		goto out;
	}
	rv = 0;
out:
	artifact_set_free(set);
	return rv;
}

static int
describe(struct record *r, const char *name, const char *hex, off_t size,
    struct bb_error *err)
{
	if (record_start(r, "artifact", err) == -1 ||
	    record_set(r, "path", name, err) == -1 ||
	    record_set(r, "name", name, err) == -1 ||
	    record_setf(r, err, "size", "%lld", (long long)size) == -1 ||
	    record_set(r, "sha256", hex, err) == -1)
		return -1;
	return 0;
}

int
packjob_pack(struct packjob *j, const struct packjob_opts *o,
    struct record *art, struct record *sum, struct bb_error *err)
{
	struct pack_result res;
	struct pack_opts po = o->pack;
	enum profile p = o->profile;
	char name[NAME_MAX + 1], path[PATH_MAX], sumname[NAME_MAX + 8];
	char hex[DIGEST_HEXLEN + 1];
	off_t size;
	int rootfd = -1, rv = -1;

	if (j->workdir == NULL) {
		bb_error_set(err, EX_DATAERR, "no workdir record before done");
		return -1;
	}
	if (!o->profile_set && j->profile != NULL &&
	    profile_parse(j->profile, &p, err) == -1) {
		err->code = EX_DATAERR;
		bb_error_prefix(err, "the job's PROFILE");
		return -1;
	}
	if (p == PROFILE_DEV)
		po.sumfile = 0;	/* dev builds skip the checksum file */
	if ((rootfd = open(j->workdir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		bb_error_errno(err, EX_NOINPUT, "%s", j->workdir);
		goto out;
	}
	if (archive_name(j, o, p, rootfd, name, sizeof(name), err) == -1)
		goto out;
	if ((rv = check_names(j, name, po.sumfile, err)) != 0)
		goto out;
	rv = -1;
	if (snprintf(path, sizeof(path), "%s/%s", j->workdir, name) >=
	    (int)sizeof(path)) {
		bb_error_set(err, EX_DATAERR, "%s/%s: path too long",
		    j->workdir, name);
		goto out;
	}
	if (!o->mtime_set && j->started != -1)
		po.mtime = (time_t)j->started;
	po.digest = 1;
	if (pack_run(path, -1, rootfd, j->paths, j->npaths, &po, &res,
	    err) == -1)
		goto out;
	if (describe(art, name, res.sha256, res.size, err) == -1 ||
	    record_setf(art, err, "members", "%zu", res.members) == -1)
		goto out;
	record_clear(sum);
	if (po.sumfile) {
		(void)snprintf(sumname, sizeof(sumname), "%s.sha256", name);
		if (digest_file(rootfd, sumname, hex, &size, err) == -1 ||
		    describe(sum, sumname, hex, size, err) == -1)
			goto out;
	}
	rv = 0;
out:
	if (rootfd != -1)
		close(rootfd);
	return rv;
}
