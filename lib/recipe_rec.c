/*
 * A recipe as it travels in records (bb-record(5): recipe, env, secret,
 * mask, cache, matrix, exclude, step, collect, stage), from the hub to
 * bb-run: read one record at a time with the checks of the text, and
 * written, a stage at a time or all of them.
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "duration.h"
#include "recipe_impl.h"
#include "size.h"

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
		why = v == NULL ? "needs name" : bad ? NULL : recipe_add_stage(r, v);
		goto out;
	}
	r = recipe_last_stage(r);
	if (record_is(rec, "recipe")) {
		if ((v = str(rec, "name", &bad)) != NULL && !bad)
			why = recipe_add_name(r, v);
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
				why = recipe_add_require(r, c);
			free(list);
		}
	} else if (record_is(rec, "env")) {
		const char *name = str(rec, "name", &bad);

		v = str(rec, "value", &bad);
		why = name && v ? recipe_add_env(r, name, v) : "needs name and value";
	} else if (record_is(rec, "secret")) {
		v = str(rec, "name", &bad);
		why = v ? recipe_add_secret(r, v) : "needs name";
	} else if (record_is(rec, "mask")) {
		v = str(rec, "name", &bad);
		why = v ? recipe_add_mask(r, v) : "needs name";
	} else if (record_is(rec, "collect")) {
		v = str(rec, "glob", &bad);
		why = v ? recipe_add_collect(r, v) : "needs glob";
	} else if (record_is(rec, "matrix")) {
		const char *name = str(rec, "name", &bad);

		v = str(rec, "values", &bad);
		why = name && v ? bad ? NULL : recipe_add_axis(r, name, v, 0) :
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
				why = recipe_add_exclude(r, w, n);
			free(list);
		}
	} else if (record_is(rec, "cache")) {
		n = 0;
		if (record_get(rec, "max") != NULL && record_get_num(rec,
		    "max", 0, SIZE_MAX_BYTES, &n, err) == -1)
			return -1;
		v = str(rec, "name", &bad);
		why = v ? recipe_add_cache(r, v, n) : "needs name";
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
			why = recipe_add_step(r, &st);
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

int
recipe_join_pairs(const struct recipe_exclude *x, struct buf *b, int sep)
{
	size_t i;

	buf_reset(b);
	for (i = 0; i < x->npairs; i++)
		if ((i > 0 && buf_addc(b, sep) == -1) || buf_addf(b, "%s=%s",
		    x->pairs[i].name, x->pairs[i].value) == -1)
			return -1;
	return 0;
}

int
recipe_join_list(char *const *v, size_t n, struct buf *b)
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
	return recipe_join_list(r->require, r->nrequire, b);
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
		if (recipe_join_list(r->axes[i].values, r->axes[i].nvalues, caps) ==
		    -1)
			goto nomem;
		if (record_set(&rec, "name", r->axes[i].name, err) == -1 ||
		    record_set(&rec, "values", caps->data, err) == -1 ||
		    emit(b, &rec, err) == -1)
			goto out;
	}
	for (i = 0; i < r->nexcludes; i++) {
		(void)record_start(&rec, "exclude", err);
		if (recipe_join_pairs(&r->excludes[i], caps, ',') == -1)
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
