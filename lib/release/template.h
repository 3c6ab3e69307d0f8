/*
 * Names built from a template: "{name}-{version}-{os}-{arch}" and values,
 * plus a suffix, checked to make one safe file name.
 */
#ifndef BB_TEMPLATE_H
#define BB_TEMPLATE_H

#include <stddef.h>

#include "error.h"

/* The placeholders a template may use. */
#define TEMPLATE_KEYS	"{name} {version} {os} {arch} {job} or a matrix axis"

struct template_var {
	const char	*key;		/* "name", without braces */
	const char	*val;		/* NULL: not known */
};

/*
 * Replaces each {key} of tmpl by its value and appends ext unless the
 * result already ends with it.  The result goes in out (len bytes) and
 * must be a plain file name: not empty, not "." or "..", no '/', no byte
 * below 0x20, at most NAME_MAX bytes; a value may hold neither '/' nor such
 * bytes.  Returns 0, or -1 (EX_USAGE) naming an unknown placeholder, one
 * whose value is not known, a stray brace or a bad name.
 */
int	template_expand(const char *, const struct template_var *, size_t,
	    const char *, char *, size_t, struct bb_error *);

/* Returns 1 if tmpl uses {key}, else 0. */
int	template_uses(const char *, const char *);

#endif
