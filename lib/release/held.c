#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "artifact.h"
#include "held.h"

void
held_init(struct held *h)
{
	memset(h, 0, sizeof(*h));
}

void
held_clear(struct held *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->v[i].line);
	free(h->v);
	held_init(h);
}

int
held_add(struct held *h, const char *line, size_t len, const char *what,
    struct bb_error *err)
{
	struct held_line *v;
	char *c;

	if (h->bytes + len > HELD_MAX) {
		bb_error_set(err, EX_DATAERR, "over %d bytes of %s records "
		    "in one job", HELD_MAX, what);
		return -1;
	}
	if ((v = reallocarray(h->v, h->n + 1, sizeof(*v))) == NULL)
		goto nomem;
	h->v = v;
	if ((c = malloc(len + 1)) == NULL)
		goto nomem;
	memcpy(c, line, len);
	c[len] = '\0';
	v[h->n].line = c;
	v[h->n++].len = len;
	h->bytes += len;
	return 0;
nomem:
	bb_error_errno(err, EX_OSERR, "%s record", what);
	return -1;
}

int
held_name(const struct held *h, size_t i, char *name, size_t len,
    struct bb_error *err)
{
	struct record r;
	int rv;

	record_init(&r);
	rv = record_parse(&r, h->v[i].line, h->v[i].len, err);
	if (rv == 0)
		rv = artifact_record_name(&r, name, len, err);
	record_free(&r);
	return rv;
}
