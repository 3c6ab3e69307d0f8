#include <sys/utsname.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "caps.h"
#include "recipe.h"
#include "strv.h"

void
caps_init(struct caps *c)
{
	c->v = NULL;
	c->n = 0;
}

void
caps_free(struct caps *c)
{
	strv_free(c->v, c->n);
	caps_init(c);
}

int
caps_has(const struct caps *c, const char *cap)
{
	return strv_has(c->v, c->n, cap);
}

int
caps_add(struct caps *c, const char *cap, struct bb_error *err)
{
	if (strlen(cap) > CAPS_NAMEMAX || !recipe_valid_cap(cap)) {
		bb_error_set(err, EX_USAGE, "bad capability \"%.*s\": letters, "
		    "digits and ._:+=/- expected", CAPS_NAMEMAX, cap);
		return -1;
	}
	if (caps_has(c, cap))
		return 0;
	if (c->n >= CAPS_MAX) {
		bb_error_set(err, EX_USAGE, "more than %d capabilities",
		    CAPS_MAX);
		return -1;
	}
	if (strv_add(&c->v, &c->n, cap) == -1) {
		bb_error_errno(err, EX_OSERR, "capabilities");
		return -1;
	}
	return 0;
}

/*
 * Calls fn with each item of a comma-separated list, copied into a
 * buffer of CAPS_NAMEMAX + 1 bytes (a longer one is cut, and refused by
 * recipe_valid_cap's length check in caps_add or by the caller).
 */
static int
each_item(const char *list, int (*fn)(void *, const char *,
    struct bb_error *), void *arg, struct bb_error *err)
{
	char item[CAPS_NAMEMAX + 2];
	const char *p = list;
	size_t n;

	if (*list == '\0')
		return 0;
	for (;;) {
		n = strcspn(p, ",");
		if (n >= sizeof(item))
			n = sizeof(item) - 1;	/* too long: refused below */
		memcpy(item, p, n);
		item[n] = '\0';
		if (fn(arg, item, err) == -1)
			return -1;
		p += strcspn(p, ",");
		if (*p == '\0')
			return 0;
		p++;
	}
}

static int
add_item(void *arg, const char *item, struct bb_error *err)
{
	return caps_add(arg, item, err);
}

int
caps_add_list(struct caps *c, const char *list, struct bb_error *err)
{
	return each_item(list, add_item, c, err);
}

/* Copies s to out in lower case; -1 if it does not fit or is empty. */
static int
lower(const char *s, char *out, size_t len)
{
	size_t i;

	if (*s == '\0' || strlen(s) >= len)
		return -1;
	for (i = 0; s[i] != '\0'; i++)
		out[i] = (char)tolower((unsigned char)s[i]);
	out[i] = '\0';
	return 0;
}

int
caps_system(char *os, size_t oslen, char *arch, size_t archlen,
    struct bb_error *err)
{
	struct utsname u;

	if (uname(&u) == -1) {
		bb_error_errno(err, EX_OSERR, "uname");
		return -1;
	}
	if (lower(u.sysname, os, oslen) == -1 ||
	    lower(u.machine, arch, archlen) == -1) {
		bb_error_set(err, EX_OSERR, "uname: system name or "
		    "architecture empty or too long");
		return -1;
	}
	return 0;
}

int
caps_detect(struct caps *c, struct bb_error *err)
{
	char os[CAPS_NAMEMAX], arch[CAPS_NAMEMAX], kv[CAPS_NAMEMAX + 8];

	if (caps_system(os, sizeof(os) - 5, arch, sizeof(arch) - 5,
	    err) == -1)
		return -1;
	if (caps_add(c, os, err) == -1 || caps_add(c, arch, err) == -1)
		goto bad;
	(void)snprintf(kv, sizeof(kv), "os=%s", os);
	if (caps_add(c, kv, err) == -1)
		goto bad;
	(void)snprintf(kv, sizeof(kv), "arch=%s", arch);
	if (caps_add(c, kv, err) == -1)
		goto bad;
	return 0;
bad:
	bb_error_prefix(err, "detected capabilities");
	return -1;
}

struct missing {
	const struct caps	*have;
	struct buf		*out;
	int			 n;
};

static int
missing_item(void *arg, const char *item, struct bb_error *err)
{
	struct missing *m = arg;

	if (strlen(item) > CAPS_NAMEMAX || !recipe_valid_cap(item)) {
		bb_error_set(err, EX_DATAERR, "bad capability \"%.*s\" in the "
		    "requirements", CAPS_NAMEMAX, item);
		return -1;
	}
	if (caps_has(m->have, item))
		return 0;
	if ((m->n > 0 && buf_addc(m->out, ',') == -1) ||
	    buf_adds(m->out, item) == -1) {
		bb_error_errno(err, EX_DATAERR, "missing capabilities");
		return -1;
	}
	m->n++;
	return 0;
}

int
caps_missing(const struct caps *c, const char *require, struct buf *out,
    struct bb_error *err)
{
	struct missing m;

	m.have = c;
	m.out = out;
	m.n = 0;
	if (each_item(require, missing_item, &m, err) == -1)
		return -1;
	return m.n;
}

int
caps_format(const struct caps *c, struct buf *out, struct bb_error *err)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if ((i > 0 && buf_addc(out, ',') == -1) ||
		    buf_adds(out, c->v[i]) == -1) {
			bb_error_errno(err, EX_SOFTWARE, "capabilities");
			return -1;
		}
	return 0;
}
