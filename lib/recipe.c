#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <vis.h>

#include "duration.h"
#include "file.h"
#include "recipe.h"
#include "size.h"

#define MATRIX_SYNTAX	"\"matrix NAME=VALUE,VALUE... ...\""
#define EXCLUDE_SYNTAX	"\"exclude NAME=VALUE ...\""
#define CACHE_SYNTAX	"\"cache NAME [max SIZE]\""
#define CACHE_NAMELEN	32
#define STEP_SYNTAX	"\"step NAME [timeout=DURATION] [dir=PATH] " \
			"[continue] [always]: COMMAND\""

struct parser {
	const char	*file;
	size_t		 line;
	struct bb_error	*err;
};

static int __printflike(2, 3)
perr(struct parser *p, const char *fmt, ...)
{
	char msg[BB_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bb_error_set(p->err, EX_DATAERR, "%s:%zu: %s", p->file, p->line, msg);
	return -1;
}

struct recipe *
recipe_new(void)
{
	return calloc(1, sizeof(struct recipe));
}

static void
free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
free_pairs(struct recipe_env *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

static void
free_axes(struct recipe *r)
{
	size_t i;

	for (i = 0; i < r->naxes; i++) {
		free(r->axes[i].name);
		free_list(r->axes[i].values, r->axes[i].nvalues);
	}
	free(r->axes);
	r->axes = NULL;
	r->naxes = 0;
}

static void
free_excludes(struct recipe *r)
{
	size_t i;

	for (i = 0; i < r->nexcludes; i++)
		free_pairs(r->excludes[i].pairs, r->excludes[i].npairs);
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
	free_list(r->require, r->nrequire);
	free_list(r->secret, r->nsecret);
	free_list(r->mask, r->nmask);
	free_list(r->collect, r->ncollect);
	free_pairs(r->env, r->nenv);
	free_axes(r);
	free_excludes(r);
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

static struct recipe *
last_stage(struct recipe *r)
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

static int
push_str(char ***v, size_t *n, const char *s)
{
	char **slot, *d;

	if ((d = strdup(s)) == NULL)
		return -1;
	if ((slot = grow(v, n, sizeof(**v))) == NULL) {
		free(d);
		return -1;
	}
	*slot = d;
	return 0;
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

static struct recipe_axis *
find_axis(const struct recipe *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->naxes; i++)
		if (strcmp(r->axes[i].name, name) == 0)
			return &r->axes[i];
	return NULL;
}

static int
has(char **v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

/*
 * The checks shared by the text and the record forms.  Each returns NULL
 * or what is wrong, for the caller to place.
 */
static const char *
add_name(struct recipe *r, const char *name)
{
	if (r->name != NULL)
		return "the job's name is given twice";
	if (!recipe_valid_name(name))
		return "bad job name (letters, digits, '.', '_', '-')";
	if ((r->name = strdup(name)) == NULL)
		return strerror(errno);
	return NULL;
}

static const char *
add_require(struct recipe *r, const char *cap)
{
	if (!recipe_valid_cap(cap))
		return "bad capability (letters, digits, '._:+=/-')";
	if (has(r->require, r->nrequire, cap))
		return NULL;
	if (push_str(&r->require, &r->nrequire, cap) == -1)
		return strerror(errno);
	return NULL;
}

static const char *
add_env(struct recipe *r, const char *name, const char *value)
{
	struct recipe_env *e;

	if (!recipe_valid_var(name))
		return "bad variable name (letters, digits, '_')";
	if (strncmp(name, "BB_", 3) == 0)
		return "variables named BB_* are bb-run's own";
	if (find_env(r, name) != NULL || has(r->secret, r->nsecret, name) ||
	    find_axis(r, name) != NULL)
		return "variable set twice";
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
		why = add_env(r, name, value);
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

static const char *
add_secret(struct recipe *r, const char *name)
{
	if (!recipe_valid_var(name))
		return "bad variable name (letters, digits, '_')";
	if (strncmp(name, "BB_", 3) == 0)
		return "variables named BB_* are bb-run's own";
	if (find_env(r, name) != NULL || has(r->secret, r->nsecret, name) ||
	    find_axis(r, name) != NULL)
		return "variable set twice";
	if (push_str(&r->secret, &r->nsecret, name) == -1)
		return strerror(errno);
	return NULL;
}

static const char *
add_mask(struct recipe *r, const char *glob)
{
	if (!valid_word(glob))
		return "bad mask pattern";
	if (ends_backslash(glob))
		return "mask pattern ends with a backslash";
	if (has(r->mask, r->nmask, glob))
		return NULL;
	if (push_str(&r->mask, &r->nmask, glob) == -1)
		return strerror(errno);
	return NULL;
}

static const char *
add_collect(struct recipe *r, const char *glob)
{
	if (!valid_word(glob) || !recipe_valid_relpath(glob))
		return "artifact glob must be a relative path inside the "
		    "work tree (no \"..\", no leading \"/\")";
	if (ends_backslash(glob))
		return "artifact glob ends with a backslash";
	if (has(r->collect, r->ncollect, glob))
		return NULL;
	if (push_str(&r->collect, &r->ncollect, glob) == -1)
		return strerror(errno);
	return NULL;
}

static const char *
add_cache(struct recipe *r, const char *name, long long max)
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

/*
 * The axis name with the comma-separated values of list: a new one, or
 * with replace the values of the one there.
 */
static const char *
add_axis(struct recipe *r, const char *name, const char *list, int replace)
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
	if (find_env(r, name) != NULL || has(r->secret, r->nsecret, name))
		return "a variable of the recipe already";
	if ((a = find_axis(r, name)) != NULL && !replace)
		return "axis named twice";
	if (a == NULL && r->naxes >= RECIPE_NAXES)
		return "more than 8 axes";
	memset(&tmp, 0, sizeof(tmp));
	if ((copy = strdup(list)) == NULL)
		return strerror(errno);
	for (p = copy; why == NULL && (v = strsep(&p, ",")) != NULL; ) {
		if (!recipe_valid_value(v))
			why = "bad value (letters, digits, '._+-', at most 64)";
		else if (has(tmp.values, tmp.nvalues, v))
			why = "value given twice";
		else if (tmp.nvalues >= RECIPE_NVALUES)
			why = "more than 32 values";
		else if (push_str(&tmp.values, &tmp.nvalues, v) == -1)
			why = strerror(errno);
	}
	free(copy);
	if (why == NULL && a == NULL) {
		if ((a = grow(&r->axes, &r->naxes, sizeof(*r->axes))) == NULL ||
		    (a->name = strdup(name)) == NULL)
			why = strerror(errno);
	}
	if (why != NULL) {
		free_list(tmp.values, tmp.nvalues);
		return why;
	}
	free_list(a->values, a->nvalues);
	a->values = tmp.values;
	a->nvalues = tmp.nvalues;
	return NULL;
}

/* An exclude: "NAME=VALUE" words (or one word of them, comma-separated). */
static const char *
add_exclude(struct recipe *r, char *const *words, size_t nwords)
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

/* Starts a new stage named name after the last one of r. */
static const char *
add_stage(struct recipe *r, const char *name)
{
	struct recipe *s;
	const char *why;

	if (recipe_nstages(r) >= RECIPE_NSTAGES)
		return "more than 16 stages";
	if ((s = recipe_new()) == NULL)
		return strerror(errno);
	if ((why = add_name(s, name)) != NULL) {
		recipe_free(s);
		return why;
	}
	last_stage(r)->next = s;
	return NULL;
}

static const char *
add_step(struct recipe *r, const struct recipe_step *st)
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

/* Splits the next blank-separated word off *sp; NULL at the end. */
static char *
word(char **sp)
{
	char *s = *sp, *w;

	while (isblank((unsigned char)*s))
		s++;
	if (*s == '\0') {
		*sp = s;
		return NULL;
	}
	w = s;
	while (*s != '\0' && !isblank((unsigned char)*s))
		s++;
	if (*s != '\0')
		*s++ = '\0';
	*sp = s;
	return w;
}

/* Calls add on each word of rest; at least one is needed. */
static int
words(struct parser *p, char *rest, const char *directive, const char *what,
    struct recipe *r, const char *(*add)(struct recipe *, const char *))
{
	const char *why;
	char *w;
	int n = 0;

	while ((w = word(&rest)) != NULL) {
		if ((why = add(r, w)) != NULL)
			return perr(p, "%s: %s", directive, why);
		n++;
	}
	if (n == 0)
		return perr(p, "expected \"%s %s...\"", directive, what);
	return 0;
}

static int
parse_step(struct parser *p, struct recipe *r, char *rest)
{
	struct recipe_step st;
	struct bb_error derr;
	const char *why;
	char *colon, *w, *opts;

	memset(&st, 0, sizeof(st));
	if ((colon = strchr(rest, ':')) == NULL)
		return perr(p, "expected %s", STEP_SYNTAX);
	*colon = '\0';
	opts = rest;
	if ((st.name = word(&opts)) == NULL)
		return perr(p, "step without a name: expected %s",
		    STEP_SYNTAX);
	while ((w = word(&opts)) != NULL) {
		if (strncmp(w, "timeout=", 8) == 0) {
			if (duration_parse(w + 8, 1, DURATION_MAX, &st.timeout,
			    &derr) == -1)
				return perr(p, "step %s: %s", st.name,
				    derr.msg);
		} else if (strncmp(w, "dir=", 4) == 0)
			st.dir = w + 4;
		else if (strcmp(w, "continue") == 0)
			st.cont = 1;
		else if (strcmp(w, "always") == 0)
			st.always = 1;
		else
			return perr(p, "step %s: unknown option \"%.40s\": "
			    "expected %s", st.name, w, STEP_SYNTAX);
	}
	st.cmd = colon + 1;
	while (isblank((unsigned char)*st.cmd))
		st.cmd++;
	if (*st.cmd == '\0')
		return perr(p, "step %s: no command after ':'", st.name);
	if ((why = add_step(r, &st)) != NULL)
		return perr(p, "step %s: %s", st.name, why);
	return 0;
}

/* Splits rest into at most n words; returns how many, or -1 if more. */
static int
split_words(char *rest, char **v, size_t n)
{
	size_t k = 0;
	char *w;

	while ((w = word(&rest)) != NULL) {
		if (k == n)
			return -1;
		v[k++] = w;
	}
	return (int)k;
}

static int
parse_line(struct parser *p, struct recipe *head, char *s)
{
	struct recipe *r = last_stage(head);
	struct bb_error derr;
	const char *why;
	char *kw, *eq, *rest;

	/* Joined lines: a command keeps its backslash-newlines. */
	rest = s;
	if (strncmp(s, "step:", 5) == 0)
		return perr(p, "step without a name: expected %s",
		    STEP_SYNTAX);
	kw = word(&rest);
	if (strcmp(kw, "step") == 0)
		return parse_step(p, r, rest);
	for (eq = rest; (eq = strstr(eq, "\\\n")) != NULL; )
		eq[0] = eq[1] = ' ';
	if (strcmp(kw, "job") == 0) {
		char *name = word(&rest);

		if (name == NULL || word(&rest) != NULL)
			return perr(p, "expected \"job NAME\"");
		if ((why = add_name(r, name)) != NULL)
			return perr(p, "job: %s", why);
	} else if (strcmp(kw, "timeout") == 0) {
		char *d = word(&rest);

		if (d == NULL || word(&rest) != NULL)
			return perr(p, "expected \"timeout DURATION\"");
		if (r->timeout != 0)
			return perr(p, "timeout: given twice");
		if (duration_parse(d, 1, DURATION_MAX, &r->timeout, &derr)
		    == -1)
			return perr(p, "timeout: %s", derr.msg);
	} else if (strcmp(kw, "network") == 0) {
		char *w = word(&rest);

		if (w == NULL || word(&rest) != NULL ||
		    (strcmp(w, "on") != 0 && strcmp(w, "off") != 0))
			return perr(p, "expected \"network on\" or \"network "
			    "off\"");
		r->nonet = strcmp(w, "off") == 0;
	} else if (strcmp(kw, "require") == 0) {
		return words(p, rest, "require", "CAPABILITY", r, add_require);
	} else if (strcmp(kw, "env") == 0) {
		while (isblank((unsigned char)*rest))
			rest++;
		if ((eq = strchr(rest, '=')) == NULL || eq == rest)
			return perr(p, "expected \"env NAME=VALUE\"");
		*eq = '\0';
		if ((why = add_env(r, rest, eq + 1)) != NULL)
			return perr(p, "env %s: %s", rest, why);
	} else if (strcmp(kw, "secret") == 0) {
		return words(p, rest, "secret", "VARIABLE", r, add_secret);
	} else if (strcmp(kw, "mask") == 0) {
		return words(p, rest, "mask", "PATTERN", r, add_mask);
	} else if (strcmp(kw, "collect") == 0) {
		return words(p, rest, "collect", "GLOB", r, add_collect);
	} else if (strcmp(kw, "matrix") == 0) {
		char *w;
		int n = 0;

		while ((w = word(&rest)) != NULL) {
			if ((eq = strchr(w, '=')) == NULL || eq == w)
				return perr(p, "expected %s", MATRIX_SYNTAX);
			*eq = '\0';
			if ((why = add_axis(r, w, eq + 1, 0)) != NULL)
				return perr(p, "matrix %s: %s", w, why);
			n++;
		}
		if (n == 0)
			return perr(p, "expected %s", MATRIX_SYNTAX);
	} else if (strcmp(kw, "exclude") == 0) {
		char *v[RECIPE_NAXES];
		int n = split_words(rest, v, nitems(v));

		if (n <= 0)
			return perr(p, "expected %s", EXCLUDE_SYNTAX);
		if ((why = add_exclude(r, v, (size_t)n)) != NULL)
			return perr(p, "exclude: %s", why);
	} else if (strcmp(kw, "stage") == 0) {
		char *name = word(&rest);

		if (name == NULL || word(&rest) != NULL)
			return perr(p, "expected \"stage NAME\"");
		if (recipe_check(r, &derr) == -1)
			return perr(p, "stage %s: before it, %s", name,
			    derr.msg);
		if ((why = add_stage(head, name)) != NULL)
			return perr(p, "stage %s: %s", name, why);
	} else if (strcmp(kw, "cache") == 0) {
		char *name = word(&rest), *m = word(&rest), *sz = word(&rest);
		long long max = 0;

		if (name == NULL || (m != NULL && (strcmp(m, "max") != 0 ||
		    sz == NULL)) || word(&rest) != NULL)
			return perr(p, "expected %s", CACHE_SYNTAX);
		if (sz != NULL && size_parse(sz, &max, &derr) == -1)
			return perr(p, "cache %s: %s", name, derr.msg);
		if ((why = add_cache(r, name, max)) != NULL)
			return perr(p, "cache %s: %s", name, why);
	} else {
		char raw[16], vis[4 * sizeof(raw)];

		/* libbsd's strnvis leaves a cut result unterminated. */
		(void)strlcpy(raw, kw, sizeof(raw));
		(void)strnvis(vis, raw, sizeof(vis), VIS_SAFE | VIS_OCTAL);
		return perr(p, "unknown directive \"%s\" (expected job, "
		    "timeout, network, require, env, secret, mask, cache, "
		    "matrix, exclude, step, collect or stage)", vis);
	}
	return 0;
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
				if ((a = find_axis(s, x->pairs[k].name)) ==
				    NULL || !has(a->values, a->nvalues,
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
			if ((fa = find_axis(r, a->name)) == NULL ||
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

int
recipe_parse(const char *text, size_t len, const char *name,
    struct recipe **out, struct bb_error *err)
{
	struct parser p = { name ? name : "recipe", 0, err };
	struct recipe *r;
	struct buf *logical = NULL;
	const char *s = text, *end = text + len, *nl;
	size_t n, first = 0, i;
	int rv = -1, cont = 0;

	if ((r = recipe_new()) == NULL ||
	    (logical = buf_new(RECIPE_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", p.file);
		goto out;
	}
	if (len > RECIPE_MAX) {
		bb_error_set(err, EX_DATAERR, "%s: larger than %d bytes",
		    p.file, RECIPE_MAX);
		goto out;
	}
	while (s < end) {
		p.line++;
		nl = memchr(s, '\n', (size_t)(end - s));
		n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		for (i = 0; i < n; i++)
			if (((unsigned char)s[i] < 0x20 && s[i] != '\t' &&
			    !(s[i] == '\r' && i == n - 1)) || s[i] == 0x7f) {
				perr(&p, "control character 0x%02x",
				    (unsigned char)s[i]);
				goto out;
			}
		while (n > 0 && isspace((unsigned char)s[n - 1]))
			n--;
		if (!cont) {
			buf_reset(logical);
			first = p.line;
			for (i = 0; i < n && isblank((unsigned char)s[i]); i++)
				;
			if (i == n || s[i] == '#') {
				s = nl ? nl + 1 : end;
				continue;
			}
		}
		(void)buf_add(logical, s, n);
		s = nl ? nl + 1 : end;
		cont = n > 0 && logical->data[logical->len - 1] == '\\';
		if (cont && s < end) {
			(void)buf_addc(logical, '\n');
			continue;
		}
		if (cont) {
			perr(&p, "backslash at the end of the file");
			goto out;
		}
		i = p.line;
		p.line = first;
		if (parse_line(&p, r, logical->data) == -1)
			goto out;
		p.line = i;
	}
	if (recipe_check(r, err) == -1) {
		bb_error_prefix(err, "%s", p.file);
		goto out;
	}
	*out = r;
	r = NULL;
	rv = 0;
out:
	buf_free(logical);
	recipe_free(r);
	return rv;
}

int
recipe_parse_file(const char *path, struct recipe **out, struct bb_error *err)
{
	struct buf *b = NULL;
	int rv;

	if (strcmp(path, "-") == 0) {
		rv = file_read(AT_FDCWD, "/dev/stdin", RECIPE_MAX, &b, err);
		path = "stdin";
	} else
		rv = file_read(AT_FDCWD, path, RECIPE_MAX, &b, err);
	if (rv == -1)
		return -1;
	rv = recipe_parse(b->data, b->len, path, out, err);
	buf_free(b);
	return rv;
}

int
recipe_record_type(const char *type)
{
	static const char *const types[] = {
		"recipe", "env", "secret", "mask", "cache", "matrix", "exclude",
		"step", "collect", "stage",
	};
	size_t i;

	for (i = 0; i < nitems(types); i++)
		if (strcmp(type, types[i]) == 0)
			return 1;
	return 0;
}

/* A value that must be a C string (no NUL inside); NULL if absent. */
static const char *
str(const struct record *rec, const char *key, int *bad)
{
	const char *v;
	size_t n;

	if ((v = record_getn(rec, key, &n)) == NULL)
		return NULL;
	if (strlen(v) != n)
		*bad = 1;
	return v;
}

static int
flag(const struct record *rec, const char *key, int *bad)
{
	const char *v = str(rec, key, bad);

	if (v == NULL || strcmp(v, "0") == 0)
		return 0;
	if (strcmp(v, "1") != 0)
		*bad = 1;
	return 1;
}

int
recipe_add_record(struct recipe *r, const struct record *rec,
    struct bb_error *err)
{
	const char *why = NULL, *v;
	long long n;
	int bad = 0;

	if (!recipe_record_type(rec->type))
		return 0;
	if (record_is(rec, "stage")) {
		v = str(rec, "name", &bad);
		why = v == NULL ? "needs name" : bad ? NULL : add_stage(r, v);
		goto out;
	}
	r = last_stage(r);
	if (record_is(rec, "recipe")) {
		if ((v = str(rec, "name", &bad)) != NULL && !bad)
			why = add_name(r, v);
		if (why == NULL && record_get(rec, "timeout") != NULL) {
			if (record_get_num(rec, "timeout", 0, DURATION_MAX, &n,
			    err) == -1)
				return -1;
			r->timeout = n;
		}
		if (why == NULL && (v = str(rec, "network", &bad)) != NULL &&
		    !bad) {
			if (strcmp(v, "off") == 0)
				r->nonet = 1;
			else if (strcmp(v, "on") != 0)
				why = "network is on or off";
		}
		if (why == NULL && (v = str(rec, "require", &bad)) != NULL &&
		    !bad && *v != '\0') {
			char *list = strdup(v), *s = list, *c;

			if (list == NULL)
				why = strerror(errno);
			while (why == NULL && (c = strsep(&s, ",")) != NULL)
				why = add_require(r, c);
			free(list);
		}
	} else if (record_is(rec, "env")) {
		const char *name = str(rec, "name", &bad);

		v = str(rec, "value", &bad);
		why = name && v ? add_env(r, name, v) : "needs name and value";
	} else if (record_is(rec, "secret")) {
		v = str(rec, "name", &bad);
		why = v ? add_secret(r, v) : "needs name";
	} else if (record_is(rec, "mask")) {
		v = str(rec, "name", &bad);
		why = v ? add_mask(r, v) : "needs name";
	} else if (record_is(rec, "collect")) {
		v = str(rec, "glob", &bad);
		why = v ? add_collect(r, v) : "needs glob";
	} else if (record_is(rec, "matrix")) {
		const char *name = str(rec, "name", &bad);

		v = str(rec, "values", &bad);
		why = name && v ? bad ? NULL : add_axis(r, name, v, 0) :
		    "needs name and values";
	} else if (record_is(rec, "exclude")) {
		char *list, *p, *w[RECIPE_NAXES];
		size_t n = 0;

		if ((v = str(rec, "match", &bad)) == NULL)
			why = "needs match";
		else if (!bad) {
			if ((list = strdup(v)) == NULL)
				why = strerror(errno);
			for (p = list; why == NULL && p != NULL; n++) {
				if (n == nitems(w))
					why = "more than 8 axes";
				else
					w[n] = strsep(&p, ",");
			}
			if (why == NULL)
				why = add_exclude(r, w, n);
			free(list);
		}
	} else if (record_is(rec, "cache")) {
		n = 0;
		if (record_get(rec, "max") != NULL && record_get_num(rec,
		    "max", 0, SIZE_MAX_BYTES, &n, err) == -1)
			return -1;
		v = str(rec, "name", &bad);
		why = v ? add_cache(r, v, n) : "needs name";
	} else if (record_is(rec, "step")) {
		struct recipe_step st;

		memset(&st, 0, sizeof(st));
		st.name = (char *)str(rec, "name", &bad);
		st.cmd = (char *)str(rec, "cmd", &bad);
		st.dir = (char *)str(rec, "dir", &bad);
		st.cont = flag(rec, "continue", &bad);
		st.always = flag(rec, "always", &bad);
		if (record_get(rec, "timeout") != NULL) {
			if (record_get_num(rec, "timeout", 0, DURATION_MAX,
			    &st.timeout, err) == -1)
				return -1;
		}
		if (st.name == NULL || st.cmd == NULL)
			why = "needs name and cmd";
		else if (!bad)
			why = add_step(r, &st);
	}
out:
	if (bad)
		why = "NUL byte or bad flag in a value";
	if (why != NULL) {
		bb_error_set(err, EX_DATAERR, "%s record: %s", rec->type, why);
		return -1;
	}
	return 1;
}

static int
emit(struct buf *b, struct record *rec, struct bb_error *err)
{
	return record_encode(rec, b, err);
}

/* Joins the pairs of an exclude as "NAME=VALUE,NAME=VALUE" into b. */
static int
join_pairs(const struct recipe_exclude *x, struct buf *b, int sep)
{
	size_t i;

	buf_reset(b);
	for (i = 0; i < x->npairs; i++)
		if ((i > 0 && buf_addc(b, sep) == -1) || buf_addf(b, "%s=%s",
		    x->pairs[i].name, x->pairs[i].value) == -1)
			return -1;
	return 0;
}

/* Joins v (n strings) with commas into b. */
static int
join_list(char *const *v, size_t n, struct buf *b)
{
	size_t i;

	buf_reset(b);
	for (i = 0; i < n; i++)
		if ((i > 0 && buf_addc(b, ',') == -1) ||
		    buf_adds(b, v[i]) == -1)
			return -1;
	return 0;
}

int
recipe_require_list(const struct recipe *r, struct buf *b)
{
	return join_list(r->require, r->nrequire, b);
}

/* The records of one stage; its name in the recipe record if with_name. */
static int
encode_one(const struct recipe *r, int with_name, struct buf *b,
    struct bb_error *err)
{
	struct record rec;
	struct buf *caps = NULL;
	size_t i;
	int rv = -1;

	record_init(&rec);
	if ((caps = buf_new(RECORD_MAX)) == NULL ||
	    recipe_require_list(r, caps) == -1)
		goto nomem;
	(void)record_start(&rec, "recipe", err);
	if ((with_name && r->name &&
	    record_set(&rec, "name", r->name, err) == -1) ||
	    (r->timeout &&
	    record_setf(&rec, err, "timeout", "%lld", r->timeout) == -1) ||
	    (r->nrequire &&
	    record_set(&rec, "require", caps->data, err) == -1) ||
	    (r->nonet && record_set(&rec, "network", "off", err) == -1) ||
	    emit(b, &rec, err) == -1)
		goto out;
	for (i = 0; i < r->nenv; i++) {
		(void)record_start(&rec, "env", err);
		if (record_set(&rec, "name", r->env[i].name, err) == -1 ||
		    record_set(&rec, "value", r->env[i].value, err) == -1 ||
		    emit(b, &rec, err) == -1)
			goto out;
	}
	for (i = 0; i < r->nsecret; i++) {
		(void)record_start(&rec, "secret", err);
		if (record_set(&rec, "name", r->secret[i], err) == -1 ||
		    emit(b, &rec, err) == -1)
			goto out;
	}
	for (i = 0; i < r->nmask; i++) {
		(void)record_start(&rec, "mask", err);
		if (record_set(&rec, "name", r->mask[i], err) == -1 ||
		    emit(b, &rec, err) == -1)
			goto out;
	}
	for (i = 0; i < r->ncache; i++) {
		(void)record_start(&rec, "cache", err);
		if (record_set(&rec, "name", r->cache[i].name, err) == -1 ||
		    (r->cache[i].max && record_setf(&rec, err, "max", "%lld",
		    r->cache[i].max) == -1) ||
		    emit(b, &rec, err) == -1)
			goto out;
	}
	for (i = 0; i < r->naxes; i++) {
		(void)record_start(&rec, "matrix", err);
		if (join_list(r->axes[i].values, r->axes[i].nvalues, caps) ==
		    -1)
			goto nomem;
		if (record_set(&rec, "name", r->axes[i].name, err) == -1 ||
		    record_set(&rec, "values", caps->data, err) == -1 ||
		    emit(b, &rec, err) == -1)
			goto out;
	}
	for (i = 0; i < r->nexcludes; i++) {
		(void)record_start(&rec, "exclude", err);
		if (join_pairs(&r->excludes[i], caps, ',') == -1)
			goto nomem;
		if (record_set(&rec, "match", caps->data, err) == -1 ||
		    emit(b, &rec, err) == -1)
			goto out;
	}
	for (i = 0; i < r->nsteps; i++) {
		const struct recipe_step *s = &r->steps[i];

		(void)record_start(&rec, "step", err);
		if (record_set(&rec, "name", s->name, err) == -1 ||
		    (s->timeout && record_setf(&rec, err, "timeout", "%lld",
		    s->timeout) == -1) ||
		    (s->dir && record_set(&rec, "dir", s->dir, err) == -1) ||
		    (s->cont && record_set(&rec, "continue", "1", err) == -1) ||
		    (s->always && record_set(&rec, "always", "1", err) == -1) ||
		    record_set(&rec, "cmd", s->cmd, err) == -1 ||
		    emit(b, &rec, err) == -1)
			goto out;
	}
	for (i = 0; i < r->ncollect; i++) {
		(void)record_start(&rec, "collect", err);
		if (record_set(&rec, "glob", r->collect[i], err) == -1 ||
		    emit(b, &rec, err) == -1)
			goto out;
	}
	rv = 0;
	goto out;
nomem:
	bb_error_errno(err, EX_OSERR, "encoding recipe");
out:
	buf_free(caps);
	record_free(&rec);
	return rv;
}

int
recipe_encode_stage(const struct recipe *r, struct buf *b,
    struct bb_error *err)
{
	return encode_one(r, 1, b, err);
}

int
recipe_encode(const struct recipe *r, struct buf *b, struct bb_error *err)
{
	struct record rec;
	const struct recipe *s;
	int rv = 0;

	if (encode_one(r, 1, b, err) == -1)
		return -1;
	record_init(&rec);
	for (s = r->next; s != NULL && rv == 0; s = s->next) {
		(void)record_start(&rec, "stage", err);
		if (record_set(&rec, "name", s->name, err) == -1 ||
		    emit(b, &rec, err) == -1 || encode_one(s, 0, b, err) == -1)
			rv = -1;
	}
	record_free(&rec);
	return rv;
}

/* The text of one stage; a later one starts with its stage line. */
static int
format_one(const struct recipe *r, int first, struct buf *b)
{
	struct buf *t;
	char d[32];
	size_t i;
	int bad = 0;

	if ((t = buf_new(RECORD_MAX)) == NULL)
		return -1;
	if (!first)
		bad |= buf_addf(b, "\nstage %s\n", r->name);
	else if (r->name)
		bad |= buf_addf(b, "job %s\n", r->name);
	if (r->timeout) {
		duration_format(r->timeout, d, sizeof(d));
		bad |= buf_addf(b, "timeout %s\n", d);
	}
	if (r->nonet)
		bad |= buf_adds(b, "network off\n");
	if (r->nrequire) {
		bad |= buf_adds(b, "require");
		for (i = 0; i < r->nrequire; i++)
			bad |= buf_addf(b, " %s", r->require[i]);
		bad |= buf_addc(b, '\n');
	}
	for (i = 0; i < r->nenv; i++)
		bad |= buf_addf(b, "env %s=%s\n", r->env[i].name,
		    r->env[i].value);
	for (i = 0; i < r->nsecret; i++)
		bad |= buf_addf(b, "secret %s\n", r->secret[i]);
	for (i = 0; i < r->nmask; i++)
		bad |= buf_addf(b, "mask %s\n", r->mask[i]);
	for (i = 0; i < r->ncache; i++) {
		bad |= buf_addf(b, "cache %s", r->cache[i].name);
		if (r->cache[i].max) {
			size_format(r->cache[i].max, d, sizeof(d));
			bad |= buf_addf(b, " max %s", d);
		}
		bad |= buf_addc(b, '\n');
	}
	for (i = 0; i < r->naxes; i++) {
		bad |= join_list(r->axes[i].values, r->axes[i].nvalues, t);
		bad |= buf_addf(b, "matrix %s=%s\n", r->axes[i].name, t->data);
	}
	for (i = 0; i < r->nexcludes; i++) {
		bad |= join_pairs(&r->excludes[i], t, ' ');
		bad |= buf_addf(b, "exclude %s\n", t->data);
	}
	for (i = 0; i < r->nsteps; i++) {
		const struct recipe_step *s = &r->steps[i];

		bad |= buf_addf(b, "step %s", s->name);
		if (s->timeout) {
			duration_format(s->timeout, d, sizeof(d));
			bad |= buf_addf(b, " timeout=%s", d);
		}
		if (s->dir)
			bad |= buf_addf(b, " dir=%s", s->dir);
		if (s->cont)
			bad |= buf_adds(b, " continue");
		if (s->always)
			bad |= buf_adds(b, " always");
		bad |= buf_addf(b, ": %s\n", s->cmd);
	}
	for (i = 0; i < r->ncollect; i++)
		bad |= buf_addf(b, "collect %s\n", r->collect[i]);
	buf_free(t);
	return bad ? -1 : 0;
}

int
recipe_format(const struct recipe *r, struct buf *b, struct bb_error *err)
{
	const struct recipe *s;

	for (s = r; s != NULL; s = s->next)
		if (format_one(s, s == r, b) == -1) {
			bb_error_errno(err, EX_SOFTWARE, "formatting recipe");
			return -1;
		}
	return 0;
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

int
recipe_set_axis(struct recipe *r, const char *name, const char *values,
    struct bb_error *err)
{
	const char *why;

	struct recipe_exclude *x;
	struct recipe_axis *a;
	size_t i, k;

	if ((why = add_axis(r, name, values, 1)) != NULL) {
		bb_error_set(err, EX_DATAERR, "matrix %s: %s", name, why);
		return -1;
	}
	/* An exclude of a value the axis has no more excludes nothing. */
	a = find_axis(r, name);
	for (i = 0; i < r->nexcludes; ) {
		x = &r->excludes[i];
		for (k = 0; k < x->npairs; k++)
			if (strcmp(x->pairs[k].name, name) == 0 &&
			    !has(a->values, a->nvalues, x->pairs[k].value))
				break;
		if (k == x->npairs) {
			i++;
			continue;
		}
		free_pairs(x->pairs, x->npairs);
		memmove(x, x + 1, (r->nexcludes - i - 1) * sizeof(*x));
		r->nexcludes--;
	}
	return 0;
}

/* 1 if an exclude of r names the combination idx (a value of each axis). */
static int
excluded(const struct recipe *r, const size_t *idx)
{
	const struct recipe_exclude *x;
	const struct recipe_axis *a;
	size_t i, k;

	for (i = 0; i < r->nexcludes; i++) {
		x = &r->excludes[i];
		for (k = 0; k < x->npairs; k++) {
			a = find_axis(r, x->pairs[k].name);
			if (a == NULL || strcmp(a->values[idx[a - r->axes]],
			    x->pairs[k].value) != 0)
				break;
		}
		if (k == x->npairs)
			return 1;
	}
	return 0;
}

/* Makes the copy c the combination idx of r, in each of its stages. */
static const char *
set_combination(const struct recipe *r, const size_t *idx, struct recipe *c)
{
	struct recipe *s;
	const char *why;
	size_t i;

	static const char *const inherit[] = { "VERSION", "PROFILE" };
	const char *v;
	size_t k;

	free_excludes(c);
	for (s = c->next; s != NULL; s = s->next) {
		free_axes(s);
		/* The release a later stage packs is the first stage's. */
		for (k = 0; k < nitems(inherit); k++)
			if ((v = recipe_getenv(c, inherit[k])) != NULL &&
			    recipe_getenv(s, inherit[k]) == NULL &&
			    (why = add_env(s, inherit[k], v)) != NULL)
				return why;
	}
	for (s = c; s != NULL; s = s->next)
		for (i = 0; i < r->naxes; i++)
			if ((why = add_axis(s, r->axes[i].name,
			    r->axes[i].values[idx[i]], 1)) != NULL)
				return why;
	return NULL;
}

int
recipe_expand(const struct recipe *r, struct recipe ***out, size_t *n,
    struct bb_error *err)
{
	struct recipe **v = NULL, **nv, *c;
	size_t idx[RECIPE_NAXES], i, total = 1;
	const char *why;

	*out = NULL;
	*n = 0;
	for (i = 0; i < r->naxes; i++) {
		idx[i] = 0;
		total *= r->axes[i].nvalues;
		if (total > RECIPE_NCOMBOS * RECIPE_NVALUES) {
			bb_error_set(err, EX_DATAERR, "the matrix has more "
			    "than %d combinations", RECIPE_NCOMBOS);
			return -1;
		}
	}
	for (;;) {
		if (!excluded(r, idx)) {
			if (*n == RECIPE_NCOMBOS) {
				bb_error_set(err, EX_DATAERR, "the matrix has "
				    "more than %d combinations",
				    RECIPE_NCOMBOS);
				goto bad;
			}
			if ((c = recipe_copy(r, err)) == NULL)
				goto bad;
			if ((nv = reallocarray(v, *n + 1, sizeof(*v))) ==
			    NULL) {
				recipe_free(c);
				bb_error_errno(err, EX_OSERR, "matrix");
				goto bad;
			}
			v = nv;
			v[(*n)++] = c;
			if ((why = set_combination(r, idx, c)) != NULL) {
				bb_error_set(err, EX_DATAERR, "matrix: %s",
				    why);
				goto bad;
			}
		}
		/* The next combination: the last axis changes fastest. */
		for (i = r->naxes; i > 0; i--) {
			if (++idx[i - 1] < r->axes[i - 1].nvalues)
				break;
			idx[i - 1] = 0;
		}
		if (i == 0)
			break;
	}
	if (*n == 0) {
		bb_error_set(err, EX_DATAERR, "the matrix excludes every "
		    "combination");
		goto bad;
	}
	*out = v;
	return 0;
bad:
	for (i = 0; i < *n; i++)
		recipe_free(v[i]);
	free(v);
	*n = 0;
	return -1;
}

int
recipe_config(const struct recipe *r, struct buf *b, struct bb_error *err)
{
	size_t i;

	for (i = 0; i < r->naxes; i++)
		if ((i > 0 && buf_addc(b, ' ') == -1) || buf_addf(b, "%s=%s",
		    r->axes[i].name, r->axes[i].values[0]) == -1) {
			bb_error_set(err, EX_SOFTWARE, "configuration too "
			    "long");
			return -1;
		}
	return 0;
}
