#include <sys/types.h>

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mask.h"

#define MASK_CHUNK	65536	/* bytes scanned at a time */

struct secret {
	char	*v;
	size_t	 len;
};

struct mask {
	struct secret	*s;		/* longest first */
	size_t		 n;
	unsigned char	 first[256];	/* 1 if a value starts with the byte */
};

static const char *const default_patterns[] = {
	"*_TOKEN", "*_SECRET", "*_PASSWORD", "*_KEY",
};

struct mask *
mask_new(void)
{
	return calloc(1, sizeof(struct mask));
}

void
mask_free(struct mask *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++)
		freezero(m->s[i].v, m->s[i].len);
	free(m->s);
	freezero(m, sizeof(*m));
}

size_t
mask_count(const struct mask *m)
{
	return m->n;
}

/* Adds one value, keeping the longest first; 1 added, 0 known, -1. */
static int
add_one(struct mask *m, const char *v, size_t len)
{
	struct secret *s;
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->s[i].len == len && memcmp(m->s[i].v, v, len) == 0)
			return 0;
	if (m->n >= MASK_NMAX) {
		errno = ENOSPC;
		return -1;
	}
	if ((s = reallocarray(m->s, m->n + 1, sizeof(*s))) == NULL)
		return -1;
	m->s = s;
	for (i = m->n; i > 0 && m->s[i - 1].len < len; i--)
		m->s[i] = m->s[i - 1];
	if ((m->s[i].v = malloc(len)) == NULL) {
		memmove(&m->s[i], &m->s[i + 1], (m->n - i) * sizeof(*s));
		return -1;
	}
	memcpy(m->s[i].v, v, len);
	m->s[i].len = len;
	m->n++;
	m->first[(unsigned char)v[0]] = 1;
	return 1;
}

int
mask_add(struct mask *m, const void *p, size_t len, struct bb_error *err)
{
	const char *v = p, *line, *nl, *end = v + len;
	size_t n;
	int r, added = 0;

	if (len > MASK_MAXLEN) {
		bb_error_set(err, EX_DATAERR, "secret longer than %d bytes",
		    MASK_MAXLEN);
		return -1;
	}
	if (len < MASK_MIN)
		return 0;
	if ((r = add_one(m, v, len)) == -1)
		goto fail;
	added |= r;
	if (memchr(v, '\n', len) == NULL)
		return added;
	for (line = v; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		n = (size_t)(nl - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		if (n >= MASK_MIN && (r = add_one(m, line, n)) == -1)
			goto fail;
	}
	return 1;
fail:
	bb_error_errno(err, EX_OSERR, "adding a secret to mask");
	return -1;
}

int
mask_name_match(const char *name, char *const *pats, size_t n)
{
	size_t i;

	for (i = 0; i < nitems(default_patterns); i++)
		if (fnmatch(default_patterns[i], name, FNM_CASEFOLD) == 0)
			return 1;
	for (i = 0; i < n; i++)
		if (fnmatch(pats[i], name, FNM_CASEFOLD) == 0)
			return 1;
	return 0;
}

int
mask_stream_init(struct mask_stream *ms)
{
	ms->hold = buf_new(MASK_MAXLEN + MASK_CHUNK);
	return ms->hold == NULL ? -1 : 0;
}

void
mask_stream_free(struct mask_stream *ms)
{
	buf_freezero(ms->hold);
	ms->hold = NULL;
}

/*
 * Scans the len bytes at d, appending what is safe to out.  Returns how
 * many bytes were dealt with: the rest (unless final) may begin a secret.
 */
static int
scan(const struct mask *m, const char *d, size_t len, int final,
    struct buf *out, size_t *done)
{
	const struct secret *s;
	size_t i = 0, from = 0, k, left, match;

	while (i < len) {
		if (!m->first[(unsigned char)d[i]]) {
			i++;
			continue;
		}
		left = len - i;
		match = 0;
		for (k = 0; k < m->n; k++) {
			s = &m->s[k];
			if (s->len <= left) {
				if (memcmp(d + i, s->v, s->len) == 0) {
					match = s->len;
					break;
				}
			} else if (!final && memcmp(d + i, s->v, left) == 0)
				break;	/* a longer value may follow */
		}
		if (k < m->n && match == 0)
			break;		/* hold from i */
		if (match == 0) {
			i++;
			continue;
		}
		if (buf_add(out, d + from, i - from) == -1 ||
		    buf_adds(out, MASK_TEXT) == -1)
			return -1;
		i += match;
		from = i;
	}
	if (buf_add(out, d + from, i - from) == -1)
		return -1;
	*done = i;
	return 0;
}

int
mask_feed(const struct mask *m, struct mask_stream *ms, const void *p,
    size_t len, struct buf *out)
{
	const char *s = p;
	size_t n, done;

	if (m == NULL || m->n == 0)
		return buf_add(out, p, len);
	while (len > 0) {
		n = len < MASK_CHUNK ? len : MASK_CHUNK;
		if (buf_add(ms->hold, s, n) == -1)
			return -1;
		s += n;
		len -= n;
		if (scan(m, ms->hold->data, ms->hold->len, 0, out, &done) == -1)
			return -1;
		/* What is left can only be a proper prefix of a value. */
		buf_consume(ms->hold, done);
	}
	return 0;
}

int
mask_finish(const struct mask *m, struct mask_stream *ms, struct buf *out)
{
	size_t done;

	if (m == NULL || m->n == 0 || ms->hold->len == 0)
		return 0;
	if (scan(m, ms->hold->data, ms->hold->len, 1, out, &done) == -1)
		return -1;
	explicit_bzero(ms->hold->data, ms->hold->len);
	buf_reset(ms->hold);
	return 0;
}
