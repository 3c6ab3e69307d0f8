/*
 * Records (lib/record.h): one in memory, its fields set and got, a line
 * parsed into it (every escape and limit of bb-record(5) checked), and
 * it encoded again; values escaped, raw fields fitted to a line.
 * Reading and writing them on descriptors is in record_io.c.
 */
#include <sys/types.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <vis.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "digest.h"
#include "record.h"

/* Keys and values of one record, NULs included; old values pile up here. */
#define RECORD_MEMMAX	(4 * RECORD_MAX)

static const char hex[] = "0123456789ABCDEF";

/*
 * How many bytes each byte takes once encoded: 3 for those written as
 * %XX (0x00-0x20, '%', 0x7F), else 1.  A table, because the log of a
 * step goes through here byte by byte.
 */
static const unsigned char width[256] = {
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/*
 * Whether a raw field's value writes byte c as %XX: as width[] says, but
 * tab and space stand as they are (a raw value is the rest of its line).
 */
static inline int
raw_escaped(unsigned char c)
{
	return width[c] != 1 && c != '\t' && c != ' ';
}

#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/*
 * Returns how many leading bytes of s (len) a raw value holds as they
 * are, and copies them to d if d is not NULL.  With SSE2, sixteen bytes
 * at a time, loaded once for the test and the copy: the bytes up to 0x1F
 * but a tab, '%' and 0x7F are marked, the first mark is the end (d must
 * have len bytes: the block past the end is stored too, for the caller
 * to write over).  Else eight at a time: a word with no byte below 0x20,
 * no '%' and no 0x7F (the tests of "Bit Twiddling Hacks", exact as to
 * whether any byte is one) is skipped whole; one with such a byte (a tab
 * may be it) is looked at byte by byte.
 */
static size_t
raw_span(char *d, const unsigned char *s, size_t len)
{
	uint64_t x, y, z;
	size_t i = 0, end, from;

#ifdef __SSE2__
	const __m128i c1f = _mm_set1_epi8(0x1f), pct = _mm_set1_epi8('%');
	const __m128i del = _mm_set1_epi8(0x7f), tab = _mm_set1_epi8('\t');
	__m128i v, m;
	int bits;

	for (; i + 16 <= len; i += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		if (d != NULL)
			_mm_storeu_si128((__m128i *)(void *)(d + i), v);
		m = _mm_andnot_si128(_mm_cmpeq_epi8(v, tab),
		    _mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v));
		m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, pct),
		    _mm_cmpeq_epi8(v, del)));
		if ((bits = _mm_movemask_epi8(m)) != 0)
			return i + (size_t)__builtin_ctz((unsigned)bits);
	}
#endif
	for (from = i;;) {
		for (; i + 8 <= len; i += 8) {
			memcpy(&x, s + i, 8);
			y = x ^ (0x25 * ONES);
			z = x ^ (0x7f * ONES);
			if ((((x - 0x20 * ONES) & ~x) | ((y - ONES) & ~y) |
			    ((z - ONES) & ~z)) & HIGHS)
				break;
		}
		end = i + 8 < len ? i + 8 : len;
		for (; i < end; i++)
			if (raw_escaped(s[i]))
				break;
		if (i < end || i >= len)
			break;
	}
	if (d != NULL)
		memcpy(d + from, s + from, i - from);
	return i;
}

static int
name_char(unsigned char c, int first)
{
	if (c >= 'a' && c <= 'z')
		return 1;
	if (first)
		return 0;
	return (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* A short, safe rendering of untrusted bytes for a message. */
static void
excerpt(char *dst, size_t dlen, const char *s, size_t n)
{
	char raw[33];

	if (n > sizeof(raw) - 1)
		n = sizeof(raw) - 1;
	memcpy(raw, s, n);
	raw[n] = '\0';
	(void)strnvis(dst, raw, dlen, VIS_SAFE | VIS_OCTAL | VIS_TAB |
	    VIS_NL | VIS_CSTYLE);
}

void
record_init(struct record *r)
{
	memset(r, 0, sizeof(*r));
}

void
record_free(struct record *r)
{
	free(r->f);
	buf_free(r->mem);
	memset(r, 0, sizeof(*r));
}

void
record_freezero(struct record *r)
{
	if (r->mem != NULL)
		explicit_bzero(r->mem->data, r->mem->size);
	record_free(r);
}

void
record_clear(struct record *r)
{
	r->type[0] = '\0';
	r->nf = 0;
	r->rawpos = 0;
	if (r->mem != NULL)
		buf_reset(r->mem);
}

int
record_valid_name(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= RECORD_NAMEMAX || !name_char((unsigned char)s[i],
		    i == 0))
			return 0;
	return 1;
}

int
record_start(struct record *r, const char *type, struct bb_error *err)
{
	record_clear(r);
	if (!record_valid_name(type)) {
		bb_error_set(err, EX_SOFTWARE, "bad record type");
		return -1;
	}
	(void)strlcpy(r->type, type, sizeof(r->type));
	return 0;
}

static int
mem_add(struct record *r, const void *p, size_t n, size_t *off)
{
	if (r->mem == NULL && (r->mem = buf_new(RECORD_MEMMAX)) == NULL)
		return -1;
	*off = r->mem->len;
	if (buf_add(r->mem, p, n) == -1 || buf_addc(r->mem, '\0') == -1)
		return -1;
	return 0;
}

static struct record_field *
find(const struct record *r, const char *key)
{
	size_t i;

	if (r->mem == NULL)
		return NULL;
	for (i = 0; i < r->nf; i++)
		if (strcmp(r->mem->data + r->f[i].key, key) == 0)
			return &r->f[i];
	return NULL;
}

static struct record_field *
new_field(struct record *r, const char *key, size_t klen)
{
	struct record_field *f;
	size_t ncap;

	if (r->nf == r->fcap) {
		ncap = r->fcap ? r->fcap * 2 : 8;
		f = reallocarray(r->f, ncap, sizeof(*f));
		if (f == NULL)
			return NULL;
		r->f = f;
		r->fcap = ncap;
	}
	f = &r->f[r->nf];
	if (mem_add(r, key, klen, &f->key) == -1)
		return NULL;
	f->val = f->key + klen;		/* the key's NUL: an empty value */
	f->vlen = 0;
	f->raw = 0;
	r->nf++;
	return f;
}

int
record_setn(struct record *r, const char *key, const void *val, size_t len,
    struct bb_error *err)
{
	struct record_field *f;
	size_t off;

	if (!record_valid_name(key)) {
		bb_error_set(err, EX_SOFTWARE, "bad record key");
		return -1;
	}
	if ((f = find(r, key)) == NULL &&
	    (f = new_field(r, key, strlen(key))) == NULL)
		goto nomem;
	if (mem_add(r, val, len, &off) == -1)
		goto nomem;
	f->val = off;
	f->vlen = len;
	return 0;
nomem:
	bb_error_errno(err, EX_SOFTWARE, "record %s: key %s", r->type, key);
	return -1;
}

int
record_set(struct record *r, const char *key, const char *val,
    struct bb_error *err)
{
	return record_setn(r, key, val, strlen(val), err);
}

int
record_setf(struct record *r, struct bb_error *err, const char *key,
    const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n, rv;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n == -1) {
		bb_error_errno(err, EX_OSERR, "record %s: key %s", r->type,
		    key);
		return -1;
	}
	rv = record_setn(r, key, s, (size_t)n, err);
	free(s);
	return rv;
}

void
record_unset(struct record *r, const char *key)
{
	struct record_field *f;
	size_t i;

	if ((f = find(r, key)) == NULL)
		return;
	i = (size_t)(f - r->f);
	memmove(&r->f[i], &r->f[i + 1], (r->nf - i - 1) * sizeof(*r->f));
	r->nf--;
}

int
record_set_raw(struct record *r, const char *key)
{
	struct record_field *f = NULL;
	size_t i;

	if (key != NULL && (f = find(r, key)) == NULL)
		return -1;
	for (i = 0; i < r->nf; i++)
		r->f[i].raw = 0;
	if (f != NULL)
		f->raw = 1;
	return 0;
}

const char *
record_raw(const struct record *r)
{
	size_t i;

	for (i = 0; i < r->nf; i++)
		if (r->f[i].raw)
			return record_key(r, i);
	return NULL;
}

const char *
record_getn(const struct record *r, const char *key, size_t *len)
{
	const struct record_field *f;

	if ((f = find(r, key)) == NULL)
		return NULL;
	if (len != NULL)
		*len = f->vlen;
	return r->mem->data + f->val;
}

const char *
record_get(const struct record *r, const char *key)
{
	return record_getn(r, key, NULL);
}

const char *
record_key(const struct record *r, size_t i)
{
	return r->mem->data + r->f[i].key;
}

const char *
record_val(const struct record *r, size_t i, size_t *len)
{
	if (len != NULL)
		*len = r->f[i].vlen;
	return r->mem->data + r->f[i].val;
}

int
record_get_num(const struct record *r, const char *key, long long min,
    long long max, long long *out, struct bb_error *err)
{
	const char *v, *errstr;
	char vis[200];
	size_t len;
	long long n;

	if ((v = record_getn(r, key, &len)) == NULL) {
		bb_error_set(err, EX_DATAERR, "%s record without %s", r->type,
		    key);
		return -1;
	}
	/* A NUL inside the value would hide what follows it from strtonum. */
	if (strlen(v) != len) {
		n = 0;
		errstr = "invalid";
	} else
		n = strtonum(v, min, max, &errstr);
	if (errstr != NULL) {
		excerpt(vis, sizeof(vis), v, len);
		bb_error_set(err, EX_DATAERR, "%s record: %s=\"%s\" is %s",
		    r->type, key, vis, errstr);
		return -1;
	}
	*out = n;
	return 0;
}

int
record_is(const struct record *r, const char *type)
{
	return strcmp(r->type, type) == 0;
}

/* Reads a name ending at a space, '=' or the end; returns its length. */
static size_t
scan_name(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!name_char((unsigned char)s[i], i == 0))
			break;
	return i;
}

/*
 * Decodes the value of the raw field f, from p to end, into r's memory:
 * every byte as it is but %XX, and no control byte but tab.
 */
static int
parse_raw(struct record *r, struct record_field *f, const char *line,
    const char *p, const char *end, struct bb_error *err)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t len = (size_t)(end - p), i = 0, n, off;
	char *d;

	off = r->mem->len;
	if ((d = buf_reserve(r->mem, len + 1)) == NULL) {
		bb_error_errno(err, EX_OSERR, "decoding record");
		return -1;
	}
	while (i < len) {
		n = raw_span(d, s + i, len - i);
		d += n;
		i += n;
		if (i == len)
			break;
		if (s[i] != '%') {
			bb_error_set(err, EX_DATAERR,
			    "unescaped control byte 0x%02x at byte %zu", s[i],
			    (size_t)(p - line) + i + 1);
			return -1;
		}
		if (len - i < 3 || digest_unhex(p + i + 1, 1,
		    (unsigned char *)d) == -1) {
			bb_error_set(err, EX_DATAERR, "bad %%-escape at byte %zu",
			    (size_t)(p - line) + i + 1);
			return -1;
		}
		d++;
		i += 3;
	}
	*d = '\0';
	f->val = off;
	f->vlen = (size_t)(d - (r->mem->data + off));
	r->mem->len = off + f->vlen + 1;
	return 0;
}

int
record_parse(struct record *r, const char *line, size_t len,
    struct bb_error *err)
{
	struct record_field *f;
	char vis[200], key[RECORD_NAMEMAX + 1];
	const char *p = line, *end = line + len;
	size_t n, off, i;
	char *d;

	record_clear(r);
	if (len == 0) {
		bb_error_set(err, EX_DATAERR, "empty line");
		return -1;
	}
	/* The one limit: whoever reads a record refuses what none may write. */
	if (len + 1 > RECORD_MAX) {
		bb_error_set(err, EX_DATAERR, "longer than %d bytes",
		    RECORD_MAX);
		return -1;
	}
	n = scan_name(p, len);
	if (n == 0 || n > RECORD_NAMEMAX || (n < len && p[n] != ' ')) {
		excerpt(vis, sizeof(vis), p, len);
		bb_error_set(err, EX_DATAERR, "bad record type at \"%s\"", vis);
		return -1;
	}
	memcpy(r->type, p, n);
	r->type[n] = '\0';
	p += n;
	while (p < end) {
		p++;				/* the space */
		n = scan_name(p, (size_t)(end - p));
		if (n == 0 || n > RECORD_NAMEMAX || p + n == end ||
		    (p[n] != '=' && p[n] != ':')) {
			excerpt(vis, sizeof(vis), p, (size_t)(end - p));
			bb_error_set(err, EX_DATAERR,
			    "bad field at byte %zu: \"%s\"",
			    (size_t)(p - line) + 1, vis);
			return -1;
		}
		memcpy(key, p, n);
		key[n] = '\0';
		if (find(r, key) != NULL) {
			bb_error_set(err, EX_DATAERR,
			    "duplicate key \"%s\" at byte %zu", key,
			    (size_t)(p - line) + 1);
			return -1;
		}
		if ((f = new_field(r, key, n)) == NULL)
			goto nomem;
		if (p[n] == ':') {
			/* The raw field: the rest of the line. */
			r->rawpos = (size_t)(p - line) - 1;
			f->raw = 1;
			p += n + 1;
			if (parse_raw(r, f, line, p, end, err) == -1)
				return -1;
			break;
		}
		p += n + 1;
		/* Decode the value straight into the record's memory. */
		off = r->mem->len;
		for (i = 0; p + i < end && p[i] != ' '; i++)
			;
		if ((d = buf_reserve(r->mem, i + 1)) == NULL)
			goto nomem;
		for (; p < end && *p != ' '; p++) {
			unsigned char c = (unsigned char)*p;

			if (c == '%') {
				if (end - p < 3 || digest_unhex(p + 1, 1,
				    (unsigned char *)d) == -1) {
					bb_error_set(err, EX_DATAERR,
					    "bad %%-escape at byte %zu",
					    (size_t)(p - line) + 1);
					return -1;
				}
				d++;
				p += 2;
			} else if (c < 0x20 || c == 0x7f) {
				bb_error_set(err, EX_DATAERR,
				    "unescaped control byte 0x%02x at byte %zu",
				    c, (size_t)(p - line) + 1);
				return -1;
			} else
				*d++ = (char)c;
		}
		*d = '\0';
		f->val = off;
		f->vlen = (size_t)(d - (r->mem->data + off));
		r->mem->len = off + f->vlen + 1;
		if (p < end && p + 1 == end) {
			bb_error_set(err, EX_DATAERR,
			    "trailing space at byte %zu", len);
			return -1;
		}
	}
	return 0;
nomem:
	bb_error_errno(err, EX_OSERR, "decoding record");
	return -1;
}

size_t
record_encoded_len(const void *v, size_t len)
{
	const unsigned char *s = v;
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += width[s[i]];
	return n;
}

size_t
record_fit(const void *v, size_t len, size_t room)
{
	const unsigned char *s = v;
	size_t i;

	for (i = 0; i < len; i++) {
		if (width[s[i]] > room)
			break;
		room -= width[s[i]];
	}
	return i;
}

int
record_escape(struct buf *b, const void *v, size_t len)
{
	const unsigned char *s = v;
	size_t i, n = record_encoded_len(v, len);
	unsigned char c;
	char *d;

	/* With two spare bytes, every byte can be written without a branch. */
	if ((d = buf_reserve(b, n + 2)) != NULL) {
		for (i = 0; i < len; i++) {
			c = s[i];
			d[0] = width[c] == 1 ? (char)c : '%';
			d[1] = hex[c >> 4];
			d[2] = hex[c & 0xf];
			d += width[c];
		}
	} else if ((d = buf_reserve(b, n)) != NULL) {
		for (i = 0; i < len; i++) {
			c = s[i];
			if (width[c] == 1)
				*d++ = (char)c;
			else {
				*d++ = '%';
				*d++ = hex[c >> 4];
				*d++ = hex[c & 0xf];
			}
		}
	} else
		return -1;
	b->len = (size_t)(d - b->data);
	b->data[b->len] = '\0';
	return 0;
}

size_t
record_raw_len(const void *v, size_t len)
{
	const unsigned char *s = v;
	size_t i = 0, n = 0, k;

	while (i < len) {
		k = raw_span(NULL, s + i, len - i);
		n += k;
		i += k;
		if (i < len) {
			n += 3;
			i++;
		}
	}
	return n;
}

size_t
record_raw_fit(const void *v, size_t len, size_t room)
{
	const unsigned char *s = v;
	size_t i = 0, k;

	while (i < len) {
		k = raw_span(NULL, s + i, len - i);
		if (k >= room)
			return i + room;
		room -= k;
		i += k;
		if (i == len || room < 3)
			break;
		room -= 3;
		i++;
	}
	return i;
}

ssize_t
record_raw_add(struct buf *b, const void *v, size_t len, size_t room)
{
	const unsigned char *s = v;
	size_t i = 0, k, start = b->len, cut_in = 0, cut_out = 0;
	char *d;

	if (room > b->max - b->len)
		room = b->max - b->len;
	if ((d = buf_reserve(b, room)) == NULL)
		return -1;
	while (i < len) {
		k = raw_span(d, s + i, len - i < room ? len - i : room);
		d += k;
		room -= k;
		i += k;
		if (i == len || room < 3)
			break;
		*d++ = '%';
		*d++ = hex[s[i] >> 4];
		*d++ = hex[s[i] & 0xf];
		room -= 3;
		if (s[i++] == '\n') {
			cut_in = i;
			cut_out = (size_t)(d - b->data);
		}
	}
	b->len = (size_t)(d - b->data);
	if (i < len && cut_in > 0) {
		i = cut_in;
		b->len = cut_out;
	}
	if (i == 0)
		b->len = start;
	b->data[b->len] = '\0';
	return (ssize_t)i;
}

int
record_raw_escape(struct buf *b, const void *v, size_t len)
{
	size_t n = record_raw_len(v, len);

	if (n > b->max - b->len || record_raw_add(b, v, len, n) !=
	    (ssize_t)len)
		return -1;
	return 0;
}

/* Appends one field, " key=value" or " key:value". */
static int
encode_field(const struct record *r, size_t i, struct buf *b)
{
	const char *v;
	size_t vlen;

	v = record_val(r, i, &vlen);
	if (buf_addc(b, ' ') == -1 || buf_adds(b, record_key(r, i)) == -1)
		return -1;
	if (r->f[i].raw)
		return buf_addc(b, ':') == -1 ||
		    record_raw_escape(b, v, vlen) == -1 ? -1 : 0;
	return buf_addc(b, '=') == -1 || record_escape(b, v, vlen) == -1 ?
	    -1 : 0;
}

int
record_encode(const struct record *r, struct buf *b, struct bb_error *err)
{
	size_t start = b->len, i, total, vlen;
	const char *v;

	total = strlen(r->type) + 1;
	for (i = 0; i < r->nf; i++) {
		v = record_val(r, i, &vlen);
		total += 2 + strlen(record_key(r, i)) + (r->f[i].raw ?
		    record_raw_len(v, vlen) : record_encoded_len(v, vlen));
	}
	if (total > RECORD_MAX) {
		bb_error_set(err, EX_SOFTWARE,
		    "%s record of %zu bytes is over the %d byte limit",
		    r->type, total, RECORD_MAX);
		return -1;
	}
	if (buf_adds(b, r->type) == -1)
		goto fail;
	for (i = 0; i < r->nf; i++)
		if (!r->f[i].raw && encode_field(r, i, b) == -1)
			goto fail;
	for (i = 0; i < r->nf; i++)
		if (r->f[i].raw && encode_field(r, i, b) == -1)
			goto fail;
	if (buf_addc(b, '\n') == -1)
		goto fail;
	return 0;
fail:
	bb_error_errno(err, EX_SOFTWARE, "encoding %s record", r->type);
	b->len = start;
	return -1;
}
