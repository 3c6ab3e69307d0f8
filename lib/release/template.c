#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "template.h"

static int
bad_byte(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '/' || (unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

int
template_expand(const char *tmpl, const struct template_var *v, size_t nv,
    const char *ext, char *out, size_t len, struct bb_error *err)
{
	struct buf *b;
	const char *s = tmpl, *close;
	size_t i, kl, el = strlen(ext);
	int rv = -1;

	if ((b = buf_new(NAME_MAX + 1)) == NULL) {
		bb_error_errno(err, EX_OSERR, "template");
		return -1;
	}
	while (*s != '\0') {
		if (*s == '}') {
			bb_error_set(err, EX_USAGE, "%s: stray '}'", tmpl);
			goto out;
		}
		if (*s != '{') {
			if (buf_addc(b, *s++) == -1)
				goto toolong;
			continue;
		}
		if ((close = strchr(s, '}')) == NULL) {
			bb_error_set(err, EX_USAGE, "%s: '{' without '}'",
			    tmpl);
			goto out;
		}
		kl = (size_t)(close - s - 1);
		for (i = 0; i < nv; i++)
			if (strlen(v[i].key) == kl &&
			    strncmp(v[i].key, s + 1, kl) == 0)
				break;
		if (i == nv) {
			bb_error_set(err, EX_USAGE, "%s: unknown placeholder "
			    "%.*s: expected %s", tmpl, (int)(kl + 2), s,
			    TEMPLATE_KEYS);
			goto out;
		}
		if (v[i].val == NULL || *v[i].val == '\0') {
			bb_error_set(err, EX_USAGE, "%s: no value for {%s}",
			    tmpl, v[i].key);
			goto out;
		}
		if (bad_byte(v[i].val)) {
			bb_error_set(err, EX_USAGE, "{%s}: \"%s\" cannot be "
			    "part of a file name", v[i].key, v[i].val);
			goto out;
		}
		if (buf_adds(b, v[i].val) == -1)
			goto toolong;
		s = close + 1;
	}
	if ((b->len < el || strcmp(b->data + b->len - el, ext) != 0) &&
	    buf_adds(b, ext) == -1)
		goto toolong;
	if (b->len > NAME_MAX)
		goto toolong;
	if (b->len == 0 || strcmp(b->data, ".") == 0 ||
	    strcmp(b->data, "..") == 0 || bad_byte(b->data)) {
		bb_error_set(err, EX_USAGE, "%s: \"%s\" is not a file name",
		    tmpl, b->data);
		goto out;
	}
	if (strlcpy(out, b->data, len) >= len)
		goto toolong;
	rv = 0;
	goto out;
toolong:
	bb_error_set(err, EX_USAGE, "%s: name longer than %d bytes", tmpl,
	    NAME_MAX);
out:
	buf_free(b);
	return rv;
}

int
template_uses(const char *tmpl, const char *key)
{
	const char *s = tmpl;
	size_t kl = strlen(key);

	while ((s = strchr(s, '{')) != NULL) {
		if (strncmp(s + 1, key, kl) == 0 && s[kl + 1] == '}')
			return 1;
		s++;
	}
	return 0;
}
