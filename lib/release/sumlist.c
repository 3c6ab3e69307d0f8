#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/crypto.h>

#include "sumlist.h"

#define BSD_TAG		"SHA256 ("
#define BSD_SEP		") = "

void
sumlist_init(struct sumlist *l)
{
	memset(l, 0, sizeof(*l));
}

void
sumlist_clear(struct sumlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->e[i].name);
	l->n = 0;
}

void
sumlist_free(struct sumlist *l)
{
	sumlist_clear(l);
	free(l->e);
	sumlist_init(l);
}

const struct sumlist_entry *
sumlist_find(const struct sumlist *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->e[i].name, name) == 0)
			return &l->e[i];
	return NULL;
}

static int
check_name(const char *name, enum sumlist_style style, struct bb_error *err)
{
	size_t len = strlen(name);

	if (len == 0 || len > SUMLIST_NAMEMAX) {
		bb_error_set(err, EX_DATAERR, "%s: name %s for a checksum "
		    "list", len ? name : "\"\"", len ? "too long" : "empty");
		return -1;
	}
	if (strchr(name, '\n') != NULL || strchr(name, '\r') != NULL) {
		bb_error_set(err, EX_DATAERR, "a name with a newline cannot "
		    "be in a checksum list");
		return -1;
	}
	if (style == SUMLIST_BSD && strchr(name, ')') != NULL) {
		bb_error_set(err, EX_DATAERR, "%s: a name with ')' cannot be "
		    "in a BSD checksum list (signify -C cannot read it)", name);
		return -1;
	}
	if (style == SUMLIST_GNU && strchr(name, '\\') != NULL) {
		bb_error_set(err, EX_DATAERR, "%s: a name with '\\' cannot be "
		    "in a GNU checksum list", name);
		return -1;
	}
	return 0;
}

static int
add(struct sumlist *l, const char *name, size_t nlen, const char *hex,
    struct bb_error *err)
{
	struct sumlist_entry *e;
	size_t cap;

	if (l->n == l->cap) {
		cap = l->cap ? l->cap * 2 : 16;
		if ((e = reallocarray(l->e, cap, sizeof(*e))) == NULL) {
			bb_error_errno(err, EX_OSERR, "checksum list");
			return -1;
		}
		l->e = e;
		l->cap = cap;
	}
	e = &l->e[l->n];
	if ((e->name = strndup(name, nlen)) == NULL) {
		bb_error_errno(err, EX_OSERR, "checksum list");
		return -1;
	}
	memcpy(e->hex, hex, DIGEST_HEXLEN);
	e->hex[DIGEST_HEXLEN] = '\0';
	l->n++;
	return 0;
}

int
sumlist_can_add(const struct sumlist *l, const char *name,
    enum sumlist_style style, struct bb_error *err)
{
	if (check_name(name, style, err) == -1)
		return -1;
	if (sumlist_find(l, name) != NULL) {
		bb_error_set(err, EX_DATAERR, "%s: listed twice", name);
		return -1;
	}
	return 0;
}

int
sumlist_add(struct sumlist *l, const char *name, const char *hex,
    enum sumlist_style style, struct bb_error *err)
{
	if (sumlist_can_add(l, name, style, err) == -1)
		return -1;
	if (!digest_valid_hex(hex)) {
		bb_error_set(err, EX_SOFTWARE, "%s: bad sha256", name);
		return -1;
	}
	return add(l, name, strlen(name), hex, err);
}

int
sumlist_format(const struct sumlist *l, enum sumlist_style style,
    struct buf *b, struct bb_error *err)
{
	size_t i;
	int r;

	for (i = 0; i < l->n; i++) {
		if (style == SUMLIST_BSD)
			r = buf_addf(b, BSD_TAG "%s" BSD_SEP "%s\n",
			    l->e[i].name, l->e[i].hex);
		else
			r = buf_addf(b, "%s  %s\n", l->e[i].hex, l->e[i].name);
		if (r == -1) {
			bb_error_errno(err, EX_DATAERR, "checksum list");
			return -1;
		}
	}
	return 0;
}

/* Checks and copies a hex digest of either case into lower case. */
static int
take_hex(const char *s, size_t len, char *hex)
{
	unsigned char md[DIGEST_LEN];

	if (len != DIGEST_HEXLEN || digest_unhex(s, DIGEST_LEN, md) == -1)
		return -1;
	digest_tohex(md, DIGEST_LEN, hex);
	return 0;
}

static int
parse_line(struct sumlist *l, const char *s, size_t len, const char *name,
    size_t lineno, struct bb_error *err)
{
	char hex[DIGEST_HEXLEN + 1];
	const char *file, *sep = NULL, *p;
	size_t flen;

	if (len > 7 && memcmp(s, BSD_TAG, sizeof(BSD_TAG) - 1) == 0) {
		/* The last ") = " ends the name. */
		for (p = s; (p = memmem(p, len - (size_t)(p - s), BSD_SEP,
		    sizeof(BSD_SEP) - 1)) != NULL; p++)
			sep = p;
		if (sep == NULL)
			goto bad;
		file = s + sizeof(BSD_TAG) - 1;
		flen = (size_t)(sep - file);
		p = sep + sizeof(BSD_SEP) - 1;
		if (take_hex(p, len - (size_t)(p - s), hex) == -1)
			goto bad;
	} else if (len > DIGEST_HEXLEN + 2 && s[DIGEST_HEXLEN] == ' ' &&
	    (s[DIGEST_HEXLEN + 1] == ' ' || s[DIGEST_HEXLEN + 1] == '*')) {
		if (take_hex(s, DIGEST_HEXLEN, hex) == -1)
			goto bad;
		file = s + DIGEST_HEXLEN + 2;
		flen = len - DIGEST_HEXLEN - 2;
	} else if ((p = memchr(s, ' ', len)) != NULL && p > s &&
	    p[1] == '(') {
		bb_error_set(err, EX_DATAERR, "%s: line %zu: %.*s: only "
		    "SHA256 lists are supported", name, lineno,
		    (int)(p - s > 16 ? 16 : p - s), s);
		return -1;
	} else
		goto bad;
	if (flen == 0 || flen > SUMLIST_NAMEMAX || memchr(file, '\0', flen))
		goto bad;
	return add(l, file, flen, hex, err);
bad:
	bb_error_set(err, EX_DATAERR, "%s: line %zu: malformed checksum line",
	    name, lineno);
	return -1;
}

int
sumlist_parse(struct sumlist *l, const char *text, size_t len,
    const char *name, struct bb_error *err)
{
	const char *s = text, *e, *end = text + len;
	size_t lineno = 0;

	while (s < end) {
		lineno++;
		if ((e = memchr(s, '\n', (size_t)(end - s))) == NULL) {
			bb_error_set(err, EX_DATAERR, "%s: line %zu: truncated "
			    "(no newline)", name, lineno);
			return -1;
		}
		if (parse_line(l, s, (size_t)(e - s), name, lineno, err) == -1)
			return -1;
		s = e + 1;
	}
	if (lineno == 0) {
		bb_error_set(err, EX_DATAERR, "%s: empty checksum list", name);
		return -1;
	}
	return 0;
}

int
sumlist_check(const struct sumlist_entry *e, int dirfd, struct bb_error *err)
{
	char hex[DIGEST_HEXLEN + 1];

	if (digest_file(dirfd, e->name, hex, NULL, err) == -1)
		return -1;
	if (CRYPTO_memcmp(hex, e->hex, DIGEST_HEXLEN) != 0) {
		bb_error_set(err, SUMLIST_BAD, "%s: sha256 does not match the "
		    "checksum list: the file was modified", e->name);
		return -1;
	}
	return 0;
}
