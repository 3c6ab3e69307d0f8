#include <sys/types.h>

#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "mask.h"

#define FIRST_VEC	8	/* first bytes sought 16 bytes at a time */

struct secret {
	char	*v;
	size_t	 len;
};

struct mask {
	struct secret	*s;		/* longest first */
	size_t		 n;
	unsigned char	 first[256];	/* 1 if a value starts with the byte */
	unsigned char	 firsts[FIRST_VEC];	/* those, if so few */
	size_t		 nfirst;	/* FIRST_VEC + 1: more */
	uint8_t		 pair[8192];	/* the 2 first bytes' set */
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
	size_t i, k;

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
	if (!m->first[(unsigned char)v[0]]) {
		m->first[(unsigned char)v[0]] = 1;
		if (m->nfirst < FIRST_VEC)
			m->firsts[m->nfirst] = (unsigned char)v[0];
		if (m->nfirst <= FIRST_VEC)
			m->nfirst++;
	}
	k = (size_t)(unsigned char)v[0] << 8 | (unsigned char)v[1];
	m->pair[k / 8] |= (uint8_t)(1 << (k % 8));
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
	ms->hold = buf_new(2 * MASK_MAXLEN);
	return ms->hold == NULL ? -1 : 0;
}

void
mask_stream_free(struct mask_stream *ms)
{
	buf_freezero(ms->hold);
	ms->hold = NULL;
}

/* Whether a value may begin at d[i]: its first two bytes are a value's. */
static inline int
pair_ok(const struct mask *m, const unsigned char *d, size_t i, size_t len)
{
	size_t k;

	if (i + 1 >= len)
		return 1;	/* the second byte is not there yet */
	k = (size_t)d[i] << 8 | d[i + 1];
	return m->pair[k / 8] >> (k % 8) & 1;
}

/*
 * Returns the first place from i on where a value may begin, or len.
 * Bytes no value begins with are skipped sixteen at a time when the
 * values begin with few bytes (memchr(3) for one), one at a time else.
 */
static size_t
candidate(const struct mask *m, const unsigned char *d, size_t i, size_t len)
{
	const unsigned char *p;

	if (m->nfirst == 1) {
		while (i < len &&
		    (p = memchr(d + i, m->firsts[0], len - i)) != NULL) {
			i = (size_t)(p - d);
			if (pair_ok(m, d, i, len))
				return i;
			i++;
		}
		return len;
	}
#ifdef __SSE2__
	if (m->nfirst <= FIRST_VEC) {
		__m128i want[FIRST_VEC], v, hit;
		size_t k, j;
		unsigned bits;

		for (k = 0; k < m->nfirst; k++)
			want[k] = _mm_set1_epi8((char)m->firsts[k]);
		for (; i + 16 <= len; i += 16) {
			v = _mm_loadu_si128((const __m128i *)(const void *)
			    (d + i));
			hit = _mm_cmpeq_epi8(v, want[0]);
			for (k = 1; k < m->nfirst; k++)
				hit = _mm_or_si128(hit,
				    _mm_cmpeq_epi8(v, want[k]));
			bits = (unsigned)_mm_movemask_epi8(hit);
			for (; bits != 0; bits &= bits - 1) {
				j = i + (size_t)__builtin_ctz(bits);
				if (pair_ok(m, d, j, len))
					return j;
			}
		}
	}
#endif
	for (; i < len; i++)
		if (m->first[d[i]] && pair_ok(m, d, i, len))
			return i;
	return len;
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

	while ((i = candidate(m, (const unsigned char *)d, i, len)) < len) {
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

/*
 * The bytes come straight from p, not copied first: only what may begin a
 * secret is held (fewer than MASK_MAXLEN bytes), and once more bytes come,
 * the held ones are looked at again with at most MASK_MAXLEN of them, so
 * that any value that begins in the held bytes ends in what they see.
 */
int
mask_feed(const struct mask *m, struct mask_stream *ms, const void *p,
    size_t len, struct buf *out)
{
	const char *s = p;
	size_t n, old, done, back;

	if (m == NULL || m->n == 0)
		return buf_add(out, p, len);
	while (len > 0 && ms->hold->len > 0) {
		n = len < MASK_MAXLEN ? len : MASK_MAXLEN;
		old = ms->hold->len;
		if (buf_add(ms->hold, s, n) == -1)
			return -1;
		s += n;
		len -= n;
		if (scan(m, ms->hold->data, ms->hold->len, 0, out, &done) == -1)
			return -1;
		if (done >= old) {
			/* What is not dealt with came from p: go back to it. */
			back = ms->hold->len - done;
			s -= back;
			len += back;
			explicit_bzero(ms->hold->data, ms->hold->len);
			buf_reset(ms->hold);
		} else
			buf_consume(ms->hold, done);
	}
	if (len == 0)
		return 0;
	if (scan(m, s, len, 0, out, &done) == -1)
		return -1;
	/* What is left can only be a proper prefix of a value. */
	return buf_add(ms->hold, s + done, len - done);
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
