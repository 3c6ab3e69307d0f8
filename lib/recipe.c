/*
 * A recipe (lib/recipe.h) and its stages: made, copied and freed; the
 * names, variables, capabilities, caches, paths and commands a recipe
 * may hold; each directive added with its checks, which the text a
 * person writes (recipe_text.c) and the records it travels in
 * (recipe_rec.c) share; and the whole recipe checked.
 */
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "recipe_impl.h"
#include "size.h"
#include "strv.h"

#define CACHE_NAMELEN	32

struct recipe *
recipe_new(void)
{
	return calloc(1, sizeof(struct recipe));
}

void
recipe_free_pairs(struct recipe_env *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

void
recipe_free_axes(struct recipe *r)
{
	size_t i;

	for (i = 0; i < r->naxes; i++) {
		free(r->axes[i].name);
		strv_free(r->axes[i].values, r->axes[i].nvalues);
	}
	free(r->axes);
	r->axes = NULL;
	r->naxes = 0;
}

void
recipe_free_excludes(struct recipe *r)
{
	size_t i;

	for (i = 0; i < r->nexcludes; i++)
		recipe_free_pairs(r->excludes[i].pairs, r->excludes[i].npairs);
	free(r->excludes);
	r->excludes = NULL;
	r->nexcludes = 0;
}

/* Frees one stage, not those after it. */
static void
free_stage(struct recipe *r)
{
	size_t i;

	free(r->name);
	strv_free(r->require, r->nrequire);
	strv_free(r->secret, r->nsecret);
	strv_free(r->mask, r->nmask);
	strv_free(r->collect, r->ncollect);
	recipe_free_pairs(r->env, r->nenv);
	recipe_free_axes(r);
	recipe_free_excludes(r);
	for (i = 0; i < r->ncache; i++)
		free(r->cache[i].name);
	free(r->cache);
	for (i = 0; i < r->nsteps; i++) {
		free(r->steps[i].name);
		free(r->steps[i].cmd);
		free(r->steps[i].dir);
	}
	free(r->steps);
	free(r);
}

void
recipe_free(struct recipe *r)
{
	struct recipe *next;

	for (; r != NULL; r = next) {
		next = r->next;
		free_stage(r);
	}
}

struct recipe *
recipe_last_stage(struct recipe *r)
{
	while (r->next != NULL)
		r = r->next;
	return r;
}

size_t
recipe_nstages(const struct recipe *r)
{
	size_t n;

	for (n = 0; r != NULL; r = r->next)
		n++;
	return n;
}

/* Grows the array at *vp of *np elements of size sz by one, zeroed. */
static void *
grow(void *vp, size_t *np, size_t sz)
{
	void **v = vp;
	char *p;

	if ((p = reallocarray(*v, *np + 1, sz)) == NULL)
		return NULL;
	*v = p;
	memset(p + *np * sz, 0, sz);
	return p + (*np)++ * sz;
}

/*
 * A name of at most 128 bytes: its first byte passes first(), the others
 * are letters, digits or in extra.
 */
static int
valid_token(const char *s, int (*first)(int), const char *extra)
{
	size_t i;

	if (!first((unsigned char)s[0]))
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= 128 || !(isalnum((unsigned char)s[i]) ||
		    strchr(extra, s[i]) != NULL))
			return 0;
	return 1;
}

static int
var_first(int c)
{
	return isalpha(c) || c == '_';
}

int
recipe_valid_name(const char *s)
{
	return valid_token(s, isalnum, "._-");
}

int
recipe_valid_var(const char *s)
{
	return valid_token(s, var_first, "_");
}

int
recipe_valid_cap(const char *s)
{
	return valid_token(s, isalnum, "._:+=/-");
}

int
recipe_valid_value(const char *s)
{
	return strlen(s) <= 64 && valid_token(s, isalnum, "._+-");
}

int
recipe_valid_cache(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return n > 0 && n <= CACHE_NAMELEN && s[n] == '\0' &&
	    islower((unsigned char)s[0]);
}

void
recipe_cache_var(const char *name, char *out, size_t len)
{
	size_t i, n = strlcpy(out, RECIPE_CACHE_VAR, len);

	for (i = 0; name[i] != '\0' && n + 1 < len; i++)
		out[n++] = (char)toupper((unsigned char)name[i]);
	if (n < len)
		out[n] = '\0';
}

int
recipe_valid_relpath(const char *s)
{
	const char *p;
	size_t n;

	if (s[0] == '\0' || s[0] == '/')
		return 0;
	for (p = s; *p != '\0'; p += n + (p[n] == '/')) {
		n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return 0;
		if ((unsigned char)*p < 0x20)
			return 0;
	}
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* A glob, a mask pattern: non-empty, no blanks or control bytes. */
static int
valid_word(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * A command as a recipe line can hold it: no blank at either end, no
 * control bytes but tabs, and newlines only after a backslash.
 */
static int
valid_cmd(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || isblank((unsigned char)s[0]) ||
	    isblank((unsigned char)s[n - 1]) || s[n - 1] == '\\' ||
	    s[n - 1] == '\n')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '\n') {
			if (i == 0 || s[i - 1] != '\\')
				return 0;
		} else if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			return 0;
	}
	return 1;
}

/*
 * Found by tests/fuzz/recipe: a word or value that ends with a backslash
 * cannot be written back at the end of a recipe line, where the backslash
 * joins the next line to it.
 */
static int
ends_backslash(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && s[n - 1] == '\\';
}

/* An env value as a recipe line can hold it. */
static int
valid_value(const char *s)
{
	size_t n = strlen(s);

	if (n > 0 && isblank((unsigned char)s[n - 1]))
		return 0;
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return 0;
	return 1;
}

static struct recipe_step *
find_step(const struct recipe *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nsteps; i++)
		if (strcmp(r->steps[i].name, name) == 0)
			return &r->steps[i];
	return NULL;
}

static struct recipe_env *
find_env(const struct recipe *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nenv; i++)
		if (strcmp(r->env[i].name, name) == 0)
			return &r->env[i];
	return NULL;
}

struct recipe_axis *
recipe_find_axis(const struct recipe *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->naxes; i++)
		if (strcmp(r->axes[i].name, name) == 0)
			return &r->axes[i];
	return NULL;
}

/* Adds a copy of s to v unless v has it: NULL, or why it could not. */
static const char *
add_once(char ***v, size_t *n, const char *s)
{
	if (strv_has(*v, *n, s))
		return NULL;
	if (strv_add(v, n, s) == -1)
		return strerror(errno);
	return NULL;
}

/* Why name cannot be a new variable (env, secret or axis), or NULL. */
static const char *
new_var(const struct recipe *r, const char *name)
{
	if (!recipe_valid_var(name))
		return "bad variable name (letters, digits, '_')";
	if (strncmp(name, "BB_", 3) == 0)
		return "variables named BB_* are bb-run's own";
	if (find_env(r, name) != NULL || strv_has(r->secret, r->nsecret, name) ||
	    recipe_find_axis(r, name) != NULL)
		return "variable set twice";
	return NULL;
}

const char *
recipe_add_name(struct recipe *r, const char *name)
{
	if (r->name != NULL)
		return "the job's name is given twice";
	if (!recipe_valid_name(name))
		return "bad job name (letters, digits, '.', '_', '-')";
	if ((r->name = strdup(name)) == NULL)
		return strerror(errno);
	return NULL;
}

const char *
recipe_add_require(struct recipe *r, const char *cap)
{
	if (!recipe_valid_cap(cap))
		return "bad capability (letters, digits, '._:+=/-')";
	return add_once(&r->require, &r->nrequire, cap);
}

const char *
recipe_add_env(struct recipe *r, const char *name, const char *value)
{
	struct recipe_env *e;
	const char *why;

	if ((why = new_var(r, name)) != NULL)
		return why;
	if (!valid_value(value))
		return "control character or trailing blank in value";
	if (ends_backslash(value))
		return "value ends with a backslash (a recipe line would "
		    "go on)";
	if ((e = grow(&r->env, &r->nenv, sizeof(*r->env))) == NULL)
		return strerror(errno);
	e->name = strdup(name);
	e->value = strdup(value);
	if (e->name == NULL || e->value == NULL)
		return strerror(errno);
	return NULL;
}

const char *
recipe_getenv(const struct recipe *r, const char *name)
{
	const struct recipe_env *e = find_env(r, name);

	return e != NULL ? e->value : NULL;
}

int
recipe_setenv(struct recipe *r, const char *name, const char *value,
    struct bb_error *err)
{
	struct recipe_env *e = find_env(r, name);
	const char *why = NULL;
	char *v;

	if (e == NULL)
		why = recipe_add_env(r, name, value);
	else if (!valid_value(value) || ends_backslash(value))
		why = "a value an env line cannot hold";
	else if ((v = strdup(value)) == NULL)
		why = strerror(errno);
	else {
		free(e->value);
		e->value = v;
	}
	if (why != NULL) {
		bb_error_set(err, EX_DATAERR, "env %s: %s", name, why);
		return -1;
	}
	return 0;
}

const char *
recipe_add_secret(struct recipe *r, const char *name)
{
	const char *why;

	if ((why = new_var(r, name)) != NULL)
		return why;
	if (strv_add(&r->secret, &r->nsecret, name) == -1)
		return strerror(errno);
	return NULL;
}

const char *
recipe_add_mask(struct recipe *r, const char *glob)
{
	if (!valid_word(glob))
		return "bad mask pattern";
	if (ends_backslash(glob))
		return "mask pattern ends with a backslash";
	return add_once(&r->mask, &r->nmask, glob);
}

const char *
recipe_add_collect(struct recipe *r, const char *glob)
{
	if (!valid_word(glob) || !recipe_valid_relpath(glob))
		return "artifact glob must be a relative path inside the "
		    "work tree (no \"..\", no leading \"/\")";
	if (ends_backslash(glob))
		return "artifact glob ends with a backslash";
	return add_once(&r->collect, &r->ncollect, glob);
}

const char *
recipe_add_cache(struct recipe *r, const char *name, long long max)
{
	struct recipe_cache *c;
	size_t i;

	if (!recipe_valid_cache(name))
		return "bad cache name (lower-case letters, digits and '_', "
		    "starting with a letter, at most 32)";
	for (i = 0; i < r->ncache; i++)
		if (strcmp(r->cache[i].name, name) == 0)
			return "cache named twice";
	if (r->ncache >= RECIPE_NCACHE)
		return "more than 16 caches";
	if (max < 0 || max > SIZE_MAX_BYTES)
		return "max out of range";
	if ((c = grow(&r->cache, &r->ncache, sizeof(*r->cache))) == NULL ||
	    (c->name = strdup(name)) == NULL)
		return strerror(errno);
	c->max = max;
	return NULL;
}

const char *
recipe_add_axis(struct recipe *r, const char *name, const char *list, int replace)
{
	struct recipe_axis *a, tmp;
	char *copy, *p, *v;
	const char *why = NULL;

	if (!recipe_valid_var(name))
		return "bad axis name (letters, digits, '_')";
	if (strncmp(name, "BB_", 3) == 0)
		return "variables named BB_* are bb-run's own";
	if (strcmp(name, "name") == 0 || strcmp(name, "version") == 0 ||
	    strcmp(name, "job") == 0)
		return "name, version and job are the archive name's own";
	if (find_env(r, name) != NULL || strv_has(r->secret, r->nsecret, name))
		return "a variable of the recipe already";
	if ((a = recipe_find_axis(r, name)) != NULL && !replace)
		return "axis named twice";
	if (a == NULL && r->naxes >= RECIPE_NAXES)
		return "more than 8 axes";
	memset(&tmp, 0, sizeof(tmp));
	if ((copy = strdup(list)) == NULL)
		return strerror(errno);
	for (p = copy; why == NULL && (v = strsep(&p, ",")) != NULL; ) {
		if (!recipe_valid_value(v))
			why = "bad value (letters, digits, '._+-', at most 64)";
		else if (strv_has(tmp.values, tmp.nvalues, v))
			why = "value given twice";
		else if (tmp.nvalues >= RECIPE_NVALUES)
			why = "more than 32 values";
		else if (strv_add(&tmp.values, &tmp.nvalues, v) == -1)
			why = strerror(errno);
	}
	free(copy);
	if (why == NULL && a == NULL) {
		if ((a = grow(&r->axes, &r->naxes, sizeof(*r->axes))) == NULL ||
		    (a->name = strdup(name)) == NULL)
			why = strerror(errno);
	}
	if (why != NULL) {
		strv_free(tmp.values, tmp.nvalues);
		return why;
	}
	strv_free(a->values, a->nvalues);
	a->values = tmp.values;
	a->nvalues = tmp.nvalues;
	return NULL;
}

const char *
recipe_add_exclude(struct recipe *r, char *const *words, size_t nwords)
{
	struct recipe_exclude *x;
	struct recipe_env *e;
	const char *eq;
	size_t i, k;

	if ((x = grow(&r->excludes, &r->nexcludes, sizeof(*r->excludes))) ==
	    NULL)
		return strerror(errno);
	for (i = 0; i < nwords; i++) {
		if ((eq = strchr(words[i], '=')) == NULL || eq == words[i])
			return "expected NAME=VALUE";
		for (k = 0; k < x->npairs; k++)
			if (strlen(x->pairs[k].name) ==
			    (size_t)(eq - words[i]) && strncmp(x->pairs[k].name,
			    words[i], (size_t)(eq - words[i])) == 0)
				return "an axis named twice";
		if ((e = grow(&x->pairs, &x->npairs, sizeof(*x->pairs))) ==
		    NULL || (e->name = strndup(words[i],
		    (size_t)(eq - words[i]))) == NULL ||
		    (e->value = strdup(eq + 1)) == NULL)
			return strerror(errno);
		if (!recipe_valid_var(e->name) || !recipe_valid_value(e->value))
			return "bad axis name or value";
	}
	if (x->npairs == 0)
		return "expected NAME=VALUE";
	return NULL;
}

const char *
recipe_add_stage(struct recipe *r, const char *name)
{
	struct recipe *s;
	const char *why;

	if (recipe_nstages(r) >= RECIPE_NSTAGES)
		return "more than 16 stages";
	if ((s = recipe_new()) == NULL)
		return strerror(errno);
	if ((why = recipe_add_name(s, name)) != NULL) {
		recipe_free(s);
		return why;
	}
	recipe_last_stage(r)->next = s;
	return NULL;
}

const char *
recipe_add_step(struct recipe *r, const struct recipe_step *st)
{
	struct recipe_step *s;

	if (!recipe_valid_name(st->name))
		return "bad step name (letters, digits, '.', '_', '-')";
	if (find_step(r, st->name) != NULL)
		return "step name used twice";
	if (r->nsteps >= RECIPE_NSTEPS)
		return "too many steps";
	if (st->dir != NULL && !recipe_valid_relpath(st->dir))
		return "dir must be a relative path inside the work tree "
		    "(no \"..\", no leading \"/\")";
	if (!valid_cmd(st->cmd))
		return "bad or empty command";
	if (record_encoded_len(st->cmd, strlen(st->cmd)) > RECORD_MAX - 1024)
		return "command too long";
	if ((s = grow(&r->steps, &r->nsteps, sizeof(*r->steps))) == NULL)
		return strerror(errno);
	s->timeout = st->timeout;
	s->cont = st->cont;
	s->always = st->always;
	s->name = strdup(st->name);
	s->cmd = strdup(st->cmd);
	s->dir = st->dir ? strdup(st->dir) : NULL;
	if (s->name == NULL || s->cmd == NULL || (st->dir && s->dir == NULL))
		return strerror(errno);
	return NULL;
}

int
recipe_check(const struct recipe *r, struct bb_error *err)
{
	const struct recipe *s, *t;
	const struct recipe_axis *a, *fa;
	const struct recipe_exclude *x;
	size_t i, k;

	for (s = r; s != NULL; s = s->next) {
		if (s->nsteps == 0 && s->ncollect == 0) {
			bb_error_set(err, EX_DATAERR, "recipe has no steps");
			goto bad;
		}
		if (s->ncache > 0 && s->name == NULL) {
			bb_error_set(err, EX_DATAERR, "cache %s: the recipe "
			    "has no job name, which its caches are kept by",
			    s->cache[0].name);
			goto bad;
		}
		for (i = 0; i < s->nexcludes; i++) {
			x = &s->excludes[i];
			if (s != r) {
				bb_error_set(err, EX_DATAERR, "exclude: a "
				    "matrix is the first stage's");
				goto bad;
			}
			for (k = 0; k < x->npairs; k++)
				if ((a = recipe_find_axis(s, x->pairs[k].name)) ==
				    NULL || !strv_has(a->values, a->nvalues,
				    x->pairs[k].value)) {
					bb_error_set(err, EX_DATAERR, "exclude "
					    "%s=%s: not an axis and a value of "
					    "the matrix", x->pairs[k].name,
					    x->pairs[k].value);
					goto bad;
				}
		}
		/* A later stage has the first's combination, expanded. */
		for (i = 0; s != r && i < s->naxes; i++) {
			a = &s->axes[i];
			if ((fa = recipe_find_axis(r, a->name)) == NULL ||
			    a->nvalues != 1 || fa->nvalues != 1 ||
			    strcmp(a->values[0], fa->values[0]) != 0) {
				bb_error_set(err, EX_DATAERR, "matrix %s: a "
				    "matrix is the first stage's", a->name);
				goto bad;
			}
		}
		for (t = r; s->name != NULL && t != s; t = t->next)
			if (t->name != NULL && strcmp(t->name, s->name) == 0) {
				bb_error_set(err, EX_DATAERR, "two stages are "
				    "named %s", s->name);
				goto bad;
			}
	}
	return 0;
bad:
	if (s != r && s->name != NULL)
		bb_error_prefix(err, "stage %s", s->name);
	return -1;
}

struct recipe *
recipe_copy(const struct recipe *r, struct bb_error *err)
{
	struct recipe *c = NULL;
	struct record rec;
	struct buf *b;
	const char *p, *nl, *end;

	record_init(&rec);
	if ((b = buf_new(RECIPE_MAX * 4)) == NULL || (c = recipe_new()) ==
	    NULL) {
		bb_error_errno(err, EX_OSERR, "recipe");
		goto bad;
	}
	if (recipe_encode(r, b, err) == -1)
		goto bad;
	end = b->data + b->len;
	for (p = b->data; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if (record_parse(&rec, p, (size_t)(nl - p), err) == -1 ||
		    recipe_add_record(c, &rec, err) != 1)
			goto bad;
	}
	record_free(&rec);
	buf_free(b);
	return c;
bad:
	record_free(&rec);
	buf_free(b);
	recipe_free(c);
	return NULL;
}
