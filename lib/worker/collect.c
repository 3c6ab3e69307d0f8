#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/openat2.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <vis.h>

#include "artifact.h"
#include "collect.h"
#include "recipe.h"

#define COLLECT_DEPTH	64	/* most components in a pattern */

struct walk {
	struct collect	*c;
	int		 rootfd;
	char		*comp[COLLECT_DEPTH];
	size_t		 ncomp;
	struct bb_error	*err;
	const char	*pattern;
};

void
collect_init(struct collect *c)
{
	memset(c, 0, sizeof(*c));
}

void
collect_free(struct collect *c)
{
	while (c->n > 0)
		free(c->path[--c->n]);
	while (c->nrefused > 0)
		free(c->refused[--c->nrefused]);
	while (c->nunnamed > 0)
		free(c->unnamed[--c->nunnamed]);
	free(c->path);
	free(c->refused);
	free(c->unnamed);
	memset(c, 0, sizeof(*c));
}

int
collect_openat(int dirfd, const char *path, int flags)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)(flags | O_CLOEXEC);
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

/*
 * Appends a copy of s to the *n strings at *v; if once, only when it is
 * not there yet.  Returns 0 or -1.
 */
static int
push(char ***v, size_t *n, const char *s, int once)
{
	char **nv, *d;
	size_t i;

	for (i = 0; once && i < *n; i++)
		if (strcmp((*v)[i], s) == 0)
			return 0;
	if ((d = strdup(s)) == NULL)
		return -1;
	if ((nv = reallocarray(*v, *n + 1, sizeof(**v))) == NULL) {
		free(d);
		return -1;
	}
	nv[(*n)++] = d;
	*v = nv;
	return 0;
}

static int
is_magic(const char *s)
{
	return strpbrk(s, "*?[\\") != NULL;
}

/* Joins dir and name into dst; -1 if too long. */
static int
join(char *dst, size_t dlen, const char *dir, const char *name)
{
	int n;

	n = snprintf(dst, dlen, "%s%s%s", dir, *dir ? "/" : "", name);
	return n < 0 || (size_t)n >= dlen ? -1 : 0;
}

/* A match: keep it if it is a regular file that stays in the tree. */
static int
found(struct walk *w, const char *path)
{
	struct stat st;
	int fd;

	if ((fd = collect_openat(w->rootfd, path, O_PATH)) == -1) {
		if (errno == EXDEV && push(&w->c->refused, &w->c->nrefused,
		    path, 1) == -1)
			goto fail;
		return 0;
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		return 0;
	}
	close(fd);
	if (!S_ISREG(st.st_mode))
		return 0;
	if (!artifact_name_valid(path)) {
		if (push(&w->c->unnamed, &w->c->nunnamed, path, 1) == -1)
			goto fail;
		return 0;
	}
	if (w->c->n >= COLLECT_MAX) {
		bb_error_set(w->err, EX_DATAERR, "collect %s: more than %d "
		    "files", w->pattern, COLLECT_MAX);
		return -1;
	}
	if (push(&w->c->path, &w->c->n, path, 1) == -1)
		goto fail;
	return 0;
fail:
	bb_error_errno(w->err, EX_OSERR, "collect %s", w->pattern);
	return -1;
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir (relative to the root) that match comp, sorted. */
static int
list(struct walk *w, const char *dir, const char *comp, char ***names,
    size_t *n)
{
	struct dirent *de;
	DIR *d;
	int fd;

	*names = NULL;
	*n = 0;
	if ((fd = collect_openat(w->rootfd, *dir ? dir : ".",
	    O_RDONLY | O_DIRECTORY)) == -1) {
		if (errno == EXDEV && push(&w->c->refused, &w->c->nrefused,
		    dir, 1) == -1)
			goto fail;
		return 0;	/* not a directory in the tree: no match */
	}
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		goto fail;
	}
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fnmatch(comp, de->d_name, FNM_PERIOD) != 0)
			continue;
		if (*n >= COLLECT_MAX) {
			closedir(d);
			bb_error_set(w->err, EX_DATAERR, "collect %s: more "
			    "than %d matches", w->pattern, COLLECT_MAX);
			return -1;
		}
		if (push(names, n, de->d_name, 0) == -1) {
			closedir(d);
			goto fail;
		}
	}
	closedir(d);
	if (*n > 1)
		qsort(*names, *n, sizeof(**names), cmp);
	return 0;
fail:
	bb_error_errno(w->err, EX_OSERR, "collect %s", w->pattern);
	return -1;
}

/* Matches components i... of the pattern below dir. */
static int
walk(struct walk *w, const char *dir, size_t i)
{
	char path[PATH_MAX], **names;
	size_t n, k;
	int rv = 0;

	if (i == w->ncomp)
		return found(w, dir);
	if (!is_magic(w->comp[i])) {
		if (join(path, sizeof(path), dir, w->comp[i]) == -1)
			return 0;
		return walk(w, path, i + 1);
	}
	if (list(w, dir, w->comp[i], &names, &n) == -1)
		return -1;
	for (k = 0; k < n && rv == 0; k++)
		if (join(path, sizeof(path), dir, names[k]) == 0)
			rv = walk(w, path, i + 1);
	while (n > 0)
		free(names[--n]);
	free(names);
	return rv;
}

int
collect_glob(struct collect *c, int rootfd, const char *pattern,
    struct bb_error *err)
{
	struct walk w;
	char *copy, *s, *comp, raw[32], vis[4 * sizeof(raw)];
	int rv = -1;

	memset(&w, 0, sizeof(w));
	w.c = c;
	w.rootfd = rootfd;
	w.err = err;
	w.pattern = pattern;
	if (!recipe_valid_relpath(pattern) || strlen(pattern) >= PATH_MAX) {
		/* libbsd's strnvis leaves a cut result unterminated. */
		(void)strlcpy(raw, pattern, sizeof(raw));
		(void)strnvis(vis, raw, sizeof(vis), VIS_SAFE | VIS_OCTAL);
		bb_error_set(err, EX_DATAERR, "collect %s: not a relative "
		    "path inside the work tree", vis);
		return -1;
	}
	if ((copy = strdup(pattern)) == NULL) {
		bb_error_errno(err, EX_OSERR, "collect");
		return -1;
	}
	for (s = copy; (comp = strsep(&s, "/")) != NULL; ) {
		if (*comp == '\0' || strcmp(comp, ".") == 0)
			continue;
		if (w.ncomp == COLLECT_DEPTH) {
			bb_error_set(err, EX_DATAERR, "collect %s: too deep",
			    pattern);
			goto out;
		}
		w.comp[w.ncomp++] = comp;
	}
	if (w.ncomp == 0)
		rv = 0;		/* the tree itself is no file */
	else
		rv = walk(&w, "", 0);
out:
	free(copy);
	return rv;
}

int
collect_open(int rootfd, const char *path, struct bb_error *err)
{
	struct stat st, st2;
	int pfd, fd;

	/* Look first (O_PATH opens nothing), then open what was seen. */
	if ((pfd = collect_openat(rootfd, path, O_PATH)) == -1) {
		bb_error_errno(err, errno == ENOENT ? EX_NOINPUT : EX_IOERR,
		    "%s", path);
		return -1;
	}
	if (fstat(pfd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(pfd);
		bb_error_set(err, EX_DATAERR, "%s: not a regular file", path);
		return -1;
	}
	close(pfd);
	if ((fd = collect_openat(rootfd, path, O_RDONLY | O_NONBLOCK |
	    O_NOCTTY)) == -1) {
		bb_error_errno(err, EX_IOERR, "%s", path);
		return -1;
	}
	if (fstat(fd, &st2) == -1 || st2.st_dev != st.st_dev ||
	    st2.st_ino != st.st_ino) {
		close(fd);
		bb_error_set(err, EX_IOERR, "%s: changed while opened", path);
		return -1;
	}
	return fd;
}
