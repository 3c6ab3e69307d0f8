#include <stdio.h>
#include <string.h>

#include "hubmetrics.h"

const double hubmetrics_bounds[HUBMETRICS_BOUNDS] = {
	1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400
};

void
hubmetrics_observe(struct hubmetrics_hist *h, double secs)
{
	size_t i;

	if (!(secs >= 0))
		secs = 0;
	for (i = 0; i < HUBMETRICS_BOUNDS && secs > hubmetrics_bounds[i]; i++)
		;
	h->n[i]++;
	h->count++;
	h->sum += secs;
}

int
hubmetrics_family(struct buf *b, const char *name, const char *type,
    const char *help)
{
	return buf_addf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

/* Appends {key="value"} with \, " and newline escaped, or nothing. */
static int
label(struct buf *b, const char *key, const char *value, const char *more)
{
	const char *p;

	if (key == NULL && more == NULL)
		return 0;
	if (buf_addc(b, '{') == -1)
		return -1;
	if (key != NULL) {
		if (buf_addf(b, "%s=\"", key) == -1)
			return -1;
		for (p = value; *p != '\0'; p++) {
			if (*p == '\\' || *p == '"') {
				if (buf_addc(b, '\\') == -1 ||
				    buf_addc(b, *p) == -1)
					return -1;
			} else if (*p == '\n') {
				if (buf_adds(b, "\\n") == -1)
					return -1;
			} else if (buf_addc(b, *p) == -1)
				return -1;
		}
		if (buf_addc(b, '"') == -1)
			return -1;
	}
	if (more != NULL && buf_addf(b, "%s%s", key != NULL ? "," : "",
	    more) == -1)
		return -1;
	return buf_addc(b, '}');
}

int
hubmetrics_sample(struct buf *b, const char *name, const char *key,
    const char *value, unsigned long long v)
{
	if (buf_adds(b, name) == -1 || label(b, key, value, NULL) == -1)
		return -1;
	return buf_addf(b, " %llu\n", v);
}

int
hubmetrics_hist(struct buf *b, const char *name, const char *key,
    const char *value, const struct hubmetrics_hist *h)
{
	unsigned long long n = 0;
	char le[32];
	size_t i;

	for (i = 0; i <= HUBMETRICS_BOUNDS; i++) {
		n += h->n[i];
		if (i < HUBMETRICS_BOUNDS)
			(void)snprintf(le, sizeof(le), "le=\"%g\"",
			    hubmetrics_bounds[i]);
		else
			(void)strlcpy(le, "le=\"+Inf\"", sizeof(le));
		if (buf_addf(b, "%s_bucket", name) == -1 ||
		    label(b, key, value, le) == -1 ||
		    buf_addf(b, " %llu\n", n) == -1)
			return -1;
	}
	if (buf_addf(b, "%s_sum", name) == -1 ||
	    label(b, key, value, NULL) == -1 ||
	    buf_addf(b, " %.3f\n", h->sum) == -1 ||
	    buf_addf(b, "%s_count", name) == -1 ||
	    label(b, key, value, NULL) == -1)
		return -1;
	return buf_addf(b, " %llu\n", h->count);
}
