/*
 * A recipe's matrix (bb-recipe(5) matrix and exclude): an axis set from
 * outside (bb-hub submit -m), the recipe expanded into a recipe for each
 * combination of the axes' values that no exclude names, each with the
 * combination's values in its env, and a combination told as its
 * configuration ("os=linux cc=gcc").
 */
#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "recipe_impl.h"
#include "strv.h"

int
recipe_set_axis(struct recipe *r, const char *name, const char *values,
    struct bb_error *err)
{
	const char *why;

	struct recipe_exclude *x;
	struct recipe_axis *a;
	size_t i, k;

	if ((why = recipe_add_axis(r, name, values, 1)) != NULL) {
		bb_error_set(err, EX_DATAERR, "matrix %s: %s", name, why);
		return -1;
	}
	/* An exclude of a value the axis has no more excludes nothing. */
	a = recipe_find_axis(r, name);
	for (i = 0; i < r->nexcludes; ) {
		x = &r->excludes[i];
		for (k = 0; k < x->npairs; k++)
			if (strcmp(x->pairs[k].name, name) == 0 &&
			    !strv_has(a->values, a->nvalues, x->pairs[k].value))
				break;
		if (k == x->npairs) {
			i++;
			continue;
		}
		recipe_free_pairs(x->pairs, x->npairs);
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
			a = recipe_find_axis(r, x->pairs[k].name);
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

	recipe_free_excludes(c);
	for (s = c->next; s != NULL; s = s->next) {
		recipe_free_axes(s);
		/* The release a later stage packs is the first stage's. */
		for (k = 0; k < nitems(inherit); k++)
			if ((v = recipe_getenv(c, inherit[k])) != NULL &&
			    recipe_getenv(s, inherit[k]) == NULL &&
			    (why = recipe_add_env(s, inherit[k], v)) != NULL)
				return why;
	}
	for (s = c; s != NULL; s = s->next)
		for (i = 0; i < r->naxes; i++)
			if ((why = recipe_add_axis(s, r->axes[i].name,
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
