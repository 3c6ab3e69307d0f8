/*
 * Unit tests of lib/strv.c: an array of strings and its strings freed
 * (the ASan pass sees a leak or a double free), NULL and empty taken.
 */
#include <stdlib.h>
#include <string.h>

#include "strv.h"
#include "tap.h"

int
main(void)
{
	char **v;
	size_t i, n;

	strv_free(NULL, 0);
	ok(1, "NULL is fine");
	strv_free(NULL, 3);
	ok(1, "NULL with a count is fine");
	if ((v = calloc(3, sizeof(*v))) == NULL)
		tap_bail("calloc");
	strv_free(v, 0);
	ok(1, "an empty array");
	if ((v = calloc(3, sizeof(*v))) == NULL)
		tap_bail("calloc");
	for (i = 0; i < 3; i++)
		if ((v[i] = strdup("x")) == NULL)
			tap_bail("strdup");
	strv_free(v, 3);
	ok(1, "three strings and the array");
	if ((v = calloc(2, sizeof(*v))) == NULL ||
	    (v[0] = strdup("a")) == NULL)
		tap_bail("alloc");
	strv_free(v, 2);
	ok(1, "a NULL string among them (free(NULL))");

	v = NULL;
	n = 0;
	ok(strv_add(&v, &n, "one") == 0 && strv_add(&v, &n, "two") == 0 &&
	    n == 2 && strcmp(v[0], "one") == 0 && strcmp(v[1], "two") == 0,
	    "strv_add appends copies");
	ok(strv_has(v, n, "two") && strv_has(v, n, "one"), "strv_has finds "
	    "each");
	ok(!strv_has(v, n, "tw") && !strv_has(v, n, "three") &&
	    !strv_has(v, n, ""), "  and nothing else");
	ok(!strv_has(NULL, 0, "one"), "an empty array has nothing");
	strv_free(v, n);
	return tap_done();
}
