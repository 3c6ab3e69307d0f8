#include <stdlib.h>
#include <string.h>

#include "strv.h"

void
strv_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int
strv_has(char *const *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return 1;
	return 0;
}

int
strv_add(char ***v, size_t *n, const char *s)
{
	char **nv, *d;

	if ((nv = reallocarray(*v, *n + 1, sizeof(*nv))) == NULL)
		return -1;
	*v = nv;
	if ((d = strdup(s)) == NULL)
		return -1;
	nv[(*n)++] = d;
	return 0;
}
