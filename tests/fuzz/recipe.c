/*
 * libFuzzer target for the bb-recipe(5) parser: arbitrary text must never
 * crash recipe_parse, and a recipe that parses must come back equal from
 * its records (recipe_encode, record_parse, recipe_add_record) and from
 * its text (recipe_format, recipe_parse).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "recipe.h"

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
list_eq(char **a, size_t na, char **b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

static int
same(const struct recipe *a, const struct recipe *b)
{
	const struct recipe_step *x, *y;
	size_t i;

	if (!str_eq(a->name, b->name) || a->timeout != b->timeout ||
	    !list_eq(a->require, a->nrequire, b->require, b->nrequire) ||
	    !list_eq(a->secret, a->nsecret, b->secret, b->nsecret) ||
	    !list_eq(a->mask, a->nmask, b->mask, b->nmask) ||
	    !list_eq(a->collect, a->ncollect, b->collect, b->ncollect) ||
	    a->nenv != b->nenv || a->nsteps != b->nsteps)
		return 0;
	for (i = 0; i < a->nenv; i++)
		if (strcmp(a->env[i].name, b->env[i].name) != 0 ||
		    strcmp(a->env[i].value, b->env[i].value) != 0)
			return 0;
	for (i = 0; i < a->nsteps; i++) {
		x = &a->steps[i];
		y = &b->steps[i];
		if (strcmp(x->name, y->name) != 0 ||
		    strcmp(x->cmd, y->cmd) != 0 || !str_eq(x->dir, y->dir) ||
		    x->timeout != y->timeout || x->cont != y->cont ||
		    x->always != y->always)
			return 0;
	}
	return 1;
}

/* The recipe as records, read back one line at a time. */
static struct recipe *
via_records(const struct recipe *r)
{
	struct bb_error err;
	struct recipe *back;
	struct record rec;
	struct buf *b;
	char *s, *nl;

	if ((b = buf_new(64 * 1024 * 1024)) == NULL)
		return NULL;
	if (recipe_encode(r, b, &err) == -1)
		abort();	/* what parsed must encode */
	back = recipe_new();
	record_init(&rec);
	for (s = b->data; back != NULL && *s != '\0'; s = nl + 1) {
		if ((nl = strchr(s, '\n')) == NULL ||
		    (size_t)(nl - s) + 1 > RECORD_MAX ||
		    record_parse(&rec, s, (size_t)(nl - s), &err) == -1 ||
		    recipe_add_record(back, &rec, &err) != 1)
			abort();
	}
	if (recipe_check(back, &err) == -1)
		abort();
	record_free(&rec);
	buf_free(b);
	return back;
}

/* The recipe as text, parsed again. */
static struct recipe *
via_text(const struct recipe *r)
{
	struct bb_error err;
	struct recipe *back = NULL;
	struct buf *b;

	if ((b = buf_new(64 * 1024 * 1024)) == NULL)
		return NULL;
	if (recipe_format(r, b, &err) == -1 ||
	    recipe_parse(b->data, b->len, "formatted", &back, &err) == -1)
		abort();
	buf_free(b);
	return back;
}

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bb_error err;
	struct recipe *r = NULL, *back;

	if (recipe_parse((const char *)data, size, "fuzz", &r, &err) == -1) {
		if (strncmp(err.msg, "fuzz", 4) != 0)
			abort();	/* every message names the file */
		return 0;
	}
	if ((back = via_records(r)) != NULL) {
		if (!same(r, back))
			abort();
		recipe_free(back);
	}
	if ((back = via_text(r)) != NULL) {
		if (!same(r, back))
			abort();
		recipe_free(back);
	}
	recipe_free(r);
	return 0;
}
