/*
 * The formats of bb-sign's files (lib/release/sign.h), and the text that
 * key and signature files share: an "untrusted comment:" line, a line of
 * base64, written (sign_add_line, sign_add_b64) and read
 * (sign_parse_b64_file).  Keys are in sign_key.c, signatures in
 * sign_sig.c.
 */
#include <sys/types.h>

#include <string.h>
#include <sysexits.h>

#include <sodium.h>

#include "sign_impl.h"

static const char *format_names[] = {
	[SIGN_NONE] = "none",
	[SIGN_SIGNIFY] = "signify",
	[SIGN_MINISIGN] = "minisign",
	[SIGN_CMS] = "cms",
};

static const char *format_exts[] = {
	[SIGN_NONE] = "",
	[SIGN_SIGNIFY] = ".sig",
	[SIGN_MINISIGN] = ".minisig",
	[SIGN_CMS] = ".p7s",
};

const char *
sign_format_name(enum sign_format fmt)
{
	return format_names[fmt];
}

enum sign_format
sign_format_parse(const char *s)
{
	size_t i;

	for (i = SIGN_SIGNIFY; i < nitems(format_names); i++)
		if (strcmp(s, format_names[i]) == 0)
			return (enum sign_format)i;
	return SIGN_NONE;
}

const char *
sign_format_ext(enum sign_format fmt)
{
	return format_exts[fmt];
}

int
sign_sodium_ready(struct bb_error *err)
{
	if (sodium_init() == -1) {
		bb_error_set(err, EX_SOFTWARE, "libsodium cannot start");
		return -1;
	}
	return 0;
}

int
sign_add_line(struct buf *b, const char *prefix, const char *text,
    struct bb_error *err)
{
	if (strchr(text, '\n') != NULL || strchr(text, '\r') != NULL) {
		bb_error_set(err, EX_USAGE, "a comment is one line");
		return -1;
	}
	if (buf_adds(b, prefix) == -1 || buf_adds(b, text) == -1 ||
	    buf_addc(b, '\n') == -1) {
		bb_error_errno(err, EX_OSERR, "comment");
		return -1;
	}
	return 0;
}

int
sign_add_b64(struct buf *b, const void *p, size_t len, struct bb_error *err)
{
	size_t n = sodium_base64_ENCODED_LEN(len,
	    sodium_base64_VARIANT_ORIGINAL);
	char *d;

	if ((d = buf_reserve(b, n + 1)) == NULL) {
		bb_error_errno(err, EX_OSERR, "base64");
		return -1;
	}
	sodium_bin2base64(d, n, p, len, sodium_base64_VARIANT_ORIGINAL);
	b->len += n - 1;
	b->data[b->len++] = '\n';
	b->data[b->len] = '\0';
	return 0;
}

int
sign_comment_check(const char *comment, struct bb_error *err)
{
	if (comment != NULL && strlen(comment) > SIGN_COMMENTMAX) {
		bb_error_set(err, EX_USAGE, "comment longer than %d bytes",
		    SIGN_COMMENTMAX);
		return -1;
	}
	return 0;
}

int
sign_next_line(const char *text, size_t len, size_t *pos, const char **line,
    size_t *llen, int *nl)
{
	const char *s, *e;

	if (*pos >= len)
		return 0;
	s = text + *pos;
	e = memchr(s, '\n', len - *pos);
	*line = s;
	if (e == NULL) {
		*llen = len - *pos;
		*pos = len;
		*nl = 0;
	} else {
		*llen = (size_t)(e - s);
		*pos += *llen + 1;
		*nl = 1;
	}
	return 1;
}

int
sign_parse_b64_file(const char *text, size_t len, size_t *pos, const char *name,
    const char *what, uint8_t *raw, size_t rawmax, size_t *rawlen,
    struct bb_error *err)
{
	const char *line;
	size_t llen;
	int nl;

	if (!sign_next_line(text, len, pos, &line, &llen, &nl) || !nl ||
	    llen < sizeof(COMMENT_PREFIX) - 1 ||
	    memcmp(line, COMMENT_PREFIX, sizeof(COMMENT_PREFIX) - 1) != 0) {
		bb_error_set(err, EX_DATAERR, "%s: line 1: malformed %s (no "
		    "\"untrusted comment:\" line)", name, what);
		return -1;
	}
	if (llen > SIGN_COMMENTMAX + sizeof(COMMENT_PREFIX) + 24) {
		bb_error_set(err, EX_DATAERR, "%s: line 1: comment too long",
		    name);
		return -1;
	}
	if (!sign_next_line(text, len, pos, &line, &llen, &nl) ||
	    sodium_base642bin(raw, rawmax, line, llen, NULL, rawlen, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0) {
		bb_error_set(err, EX_DATAERR, "%s: line 2: truncated or "
		    "malformed %s (not base64)", name, what);
		return -1;
	}
	return 0;
}
