#include <sys/tree.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "artifact.h"

int
artifact_name_valid(const char *s)
{
	size_t len = strlen(s), comp = 0, i;

	if (len == 0 || len > ARTIFACT_NAME_MAX || s[0] == '/' ||
	    s[len - 1] == '/')
		return 0;
	for (i = 0; i <= len; i++) {
		if (s[i] == '/' || s[i] == '\0') {
			/* The component that ends here is s[i - comp, i). */
			if (comp == 0 || comp > ARTIFACT_COMP_MAX ||
			    (comp == 1 && s[i - 1] == '.') ||
			    (comp == 2 && s[i - 1] == '.' && s[i - 2] == '.'))
				return 0;
			comp = 0;
			continue;
		}
		if (s[i] == '\\' || (unsigned char)s[i] < 0x20 ||
		    s[i] == 0x7f)
			return 0;
		comp++;
	}
	return 1;
}

int
artifact_name(const char *path, char *out, size_t len, struct bb_error *err)
{
	const char *s = path, *c;
	size_t n, o = 0;

	if (*path == '/') {
		bb_error_set(err, EX_DATAERR, "%s: an absolute path is no "
		    "artifact name: names are relative to the work tree",
		    path);
		return -1;
	}
	while (*s != '\0') {
		for (c = s; *c != '\0' && *c != '/'; c++)
			;
		n = (size_t)(c - s);
		if (n > 0 && !(n == 1 && s[0] == '.')) {
			if (o + (o > 0) + n >= len)
				goto bad;
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, s, n);
			o += n;
		}
		s = *c == '/' ? c + 1 : c;
	}
	if (o == 0)
		goto bad;
	out[o] = '\0';
	if (artifact_name_valid(out))
		return 0;
bad:
	bb_error_set(err, EX_DATAERR, "%s: not an artifact name (a path in "
	    "the work tree of at most %d bytes, without \"..\", backslashes "
	    "or control characters)", path, ARTIFACT_NAME_MAX);
	return -1;
}

int
artifact_record_name(const struct record *r, char *out, size_t len,
    struct bb_error *err)
{
	const char *path, *name;
	size_t n;

	if ((path = record_getn(r, "path", &n)) == NULL || n == 0 ||
	    n != strlen(path)) {
		bb_error_set(err, EX_DATAERR, "%s record without a path",
		    r->type);
		return -1;
	}
	if (artifact_name(path, out, len, err) == -1)
		return -1;
	if ((name = record_get(r, "name")) != NULL &&
	    strcmp(name, out) != 0) {
		bb_error_set(err, EX_DATAERR, "%s: named %s, but an "
		    "artifact's name is its path in the work tree (%s)", path,
		    name, out);
		return -1;
	}
	return 0;
}

struct named {
	RB_ENTRY(named)	 entry;
	char		*name;
	char		*what;
};

static int
named_cmp(const struct named *a, const struct named *b)
{
	return strcmp(a->name, b->name);
}

RB_HEAD(names, named);
RB_GENERATE_STATIC(names, named, entry, named_cmp)

struct artifact_set {
	struct names	 names;
};

struct artifact_set *
artifact_set_new(struct bb_error *err)
{
	struct artifact_set *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		bb_error_errno(err, EX_OSERR, "artifact names");
		return NULL;
	}
	RB_INIT(&s->names);
	return s;
}

static void
named_free(struct named *n)
{
	if (n == NULL)
		return;
	free(n->name);
	free(n->what);
	free(n);
}

void
artifact_set_free(struct artifact_set *s)
{
	struct named *n, *t;

	if (s == NULL)
		return;
	RB_FOREACH_SAFE(n, names, &s->names, t) {
		RB_REMOVE(names, &s->names, n);
		named_free(n);
	}
	free(s);
}

int
artifact_set_add(struct artifact_set *s, const char *name, const char *what,
    struct bb_error *err)
{
	struct named *n, *old;

	if ((n = calloc(1, sizeof(*n))) == NULL ||
	    (n->name = strdup(name)) == NULL ||
	    (n->what = strdup(what)) == NULL) {
		named_free(n);
		bb_error_errno(err, EX_OSERR, "artifact %s", name);
		return -1;
	}
	if ((old = RB_INSERT(names, &s->names, n)) != NULL) {
		bb_error_set(err, EX_DATAERR, "two artifacts named %s: %s and "
		    "%s", name, old->what, what);
		named_free(n);
		return -1;
	}
	return 0;
}

int
artifact_set_add_with(struct artifact_set *s, const char *name,
    const char *what, const char *ext, const char *extwhat,
    struct bb_error *err)
{
	char *beside;
	int rv;

	if (artifact_set_add(s, name, what, err) == -1)
		return -1;
	if (ext == NULL)
		return 0;
	if (asprintf(&beside, "%s%s", name, ext) == -1) {
		bb_error_errno(err, EX_OSERR, "artifact %s", name);
		return -1;
	}
	rv = artifact_set_add(s, beside, extwhat, err);
	free(beside);
	return rv;
}

int
artifact_fail_done(struct record *r, const char *tool, const char *msg,
    struct bb_error *err)
{
	const char *result = record_get(r, "result");

	if (result != NULL && strcmp(result, "success") != 0)
		return 0;
	record_unset(r, "step");
	if (record_set(r, "result", "error", err) == -1 ||
	    record_setf(r, err, "reason", "%s: %s", tool, msg) == -1)
		return -1;
	return 0;
}
