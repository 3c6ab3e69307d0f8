/*
 * A recipe as a person writes it (bb-recipe(5)): the text parsed line by
 * line (lines joined by a backslash, comments, control bytes refused,
 * stage lines starting the next stage, each error naming its file and
 * line), and a recipe written back as text that parses to the same.
 */
#include <sys/types.h>

#include <ctype.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <vis.h>

#include "duration.h"
#include "file.h"
#include "recipe_impl.h"
#include "size.h"

#define MATRIX_SYNTAX	"\"matrix NAME=VALUE,VALUE... ...\""
#define EXCLUDE_SYNTAX	"\"exclude NAME=VALUE ...\""
#define CACHE_SYNTAX	"\"cache NAME [max SIZE]\""
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
	if ((why = recipe_add_step(r, &st)) != NULL)
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
	struct recipe *r = recipe_last_stage(head);
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
		if ((why = recipe_add_name(r, name)) != NULL)
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
		return words(p, rest, "require", "CAPABILITY", r, recipe_add_require);
	} else if (strcmp(kw, "env") == 0) {
		while (isblank((unsigned char)*rest))
			rest++;
		if ((eq = strchr(rest, '=')) == NULL || eq == rest)
			return perr(p, "expected \"env NAME=VALUE\"");
		*eq = '\0';
		if ((why = recipe_add_env(r, rest, eq + 1)) != NULL)
			return perr(p, "env %s: %s", rest, why);
	} else if (strcmp(kw, "secret") == 0) {
		return words(p, rest, "secret", "VARIABLE", r, recipe_add_secret);
	} else if (strcmp(kw, "mask") == 0) {
		return words(p, rest, "mask", "PATTERN", r, recipe_add_mask);
	} else if (strcmp(kw, "collect") == 0) {
		return words(p, rest, "collect", "GLOB", r, recipe_add_collect);
	} else if (strcmp(kw, "matrix") == 0) {
		char *w;
		int n = 0;

		while ((w = word(&rest)) != NULL) {
			if ((eq = strchr(w, '=')) == NULL || eq == w)
				return perr(p, "expected %s", MATRIX_SYNTAX);
			*eq = '\0';
			if ((why = recipe_add_axis(r, w, eq + 1, 0)) != NULL)
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
		if ((why = recipe_add_exclude(r, v, (size_t)n)) != NULL)
			return perr(p, "exclude: %s", why);
	} else if (strcmp(kw, "stage") == 0) {
		char *name = word(&rest);

		if (name == NULL || word(&rest) != NULL)
			return perr(p, "expected \"stage NAME\"");
		if (recipe_check(r, &derr) == -1)
			return perr(p, "stage %s: before it, %s", name,
			    derr.msg);
		if ((why = recipe_add_stage(head, name)) != NULL)
			return perr(p, "stage %s: %s", name, why);
	} else if (strcmp(kw, "cache") == 0) {
		char *name = word(&rest), *m = word(&rest), *sz = word(&rest);
		long long max = 0;

		if (name == NULL || (m != NULL && (strcmp(m, "max") != 0 ||
		    sz == NULL)) || word(&rest) != NULL)
			return perr(p, "expected %s", CACHE_SYNTAX);
		if (sz != NULL && size_parse(sz, &max, &derr) == -1)
			return perr(p, "cache %s: %s", name, derr.msg);
		if ((why = recipe_add_cache(r, name, max)) != NULL)
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
recipe_append_file(struct recipe *r, const char *path, struct bb_error *err)
{
	struct recipe *st;
	const char *base;
	size_t n;

	if (recipe_parse_file(path, &st, err) == -1)
		return -1;
	if (st->name == NULL) {
		base = strrchr(path, '/');
		base = base != NULL ? base + 1 : path;
		n = strlen(base);
		if (n > 7 && strcmp(base + n - 7, ".recipe") == 0)
			n -= 7;
		if ((st->name = strndup(base, n)) == NULL) {
			bb_error_errno(err, EX_OSERR, "%s", path);
			recipe_free(st);
			return -1;
		}
		if (!recipe_valid_name(st->name)) {
			bb_error_set(err, EX_DATAERR, "%s: no job name, and "
			    "the file's is no name", path);
			recipe_free(st);
			return -1;
		}
	}
	recipe_last_stage(r)->next = st;
	return 0;
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
		bad |= recipe_join_list(r->axes[i].values, r->axes[i].nvalues, t);
		bad |= buf_addf(b, "matrix %s=%s\n", r->axes[i].name, t->data);
	}
	for (i = 0; i < r->nexcludes; i++) {
		bad |= recipe_join_pairs(&r->excludes[i], t, ' ');
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
