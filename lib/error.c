/*
 * Errors of lib/ (lib/error.h).  A message too long for BB_ERROR_MAX
 * loses its middle, not its end: what failed is said first and why it
 * failed last ("open /very/long/...: File name too long"), so both are
 * kept and "..." stands for what went.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "error.h"

#define KEEP_HEAD	(BB_ERROR_MAX / 4)	/* bytes kept before "..." */

/* Puts n bytes of s in err->msg, their middle cut out if they are many. */
static void
put(struct bb_error *err, const char *s, size_t n)
{
	size_t head, tail;

	if (n < sizeof(err->msg)) {
		memmove(err->msg, s, n);
		err->msg[n] = '\0';
		return;
	}
	/* Neither cut falls inside a UTF-8 character. */
	head = KEEP_HEAD;
	while (head > 0 && ((unsigned char)s[head] & 0xc0) == 0x80)
		head--;
	tail = sizeof(err->msg) - 1 - head - 3;
	while (tail > 0 && ((unsigned char)s[n - tail] & 0xc0) == 0x80)
		tail--;
	memmove(err->msg, s, head);
	memcpy(err->msg + head, "...", 3);
	memmove(err->msg + head + 3, s + n - tail, tail);
	err->msg[head + 3 + tail] = '\0';
}

/*
 * Sets err's message to pre (if not NULL) and ": ", fmt's text, and ": "
 * and post (if not NULL), shortened by put.
 */
static void
vmake(struct bb_error *err, const char *pre, const char *post,
    const char *fmt, va_list ap)
{
	char buf[BB_ERROR_MAX], *text = NULL, *all = NULL;
	const char *t = buf;
	va_list aq;
	int n;

	va_copy(aq, ap);
	if ((n = vsnprintf(buf, sizeof(buf), fmt, ap)) < 0)
		buf[0] = '\0';
	else if ((size_t)n >= sizeof(buf) && vasprintf(&text, fmt, aq) != -1)
		t = text;
	va_end(aq);
	if (pre == NULL && post == NULL)
		put(err, t, strlen(t));
	else if (asprintf(&all, "%s%s%s%s%s", pre ? pre : "",
	    pre ? ": " : "", t, post ? ": " : "", post ? post : "") != -1)
		put(err, all, strlen(all));
	else
		/* Out of memory: what fits, cut at its end. */
		(void)snprintf(err->msg, sizeof(err->msg), "%s%s%s%s%s",
		    pre ? pre : "", pre ? ": " : "", t, post ? ": " : "",
		    post ? post : "");
	free(all);
	free(text);
}

void
bb_error_vset(struct bb_error *err, int code, const char *fmt, va_list ap)
{
	int saved = errno;

	if (err == NULL)
		return;
	err->code = code ? code : EX_SOFTWARE;
	vmake(err, NULL, NULL, fmt, ap);
	errno = saved;
}

void
bb_error_set(struct bb_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bb_error_vset(err, code, fmt, ap);
	va_end(ap);
}

void
bb_error_errno(struct bb_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (err == NULL)
		return;
	err->code = code ? code : EX_SOFTWARE;
	va_start(ap, fmt);
	vmake(err, NULL, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
bb_error_prefix(struct bb_error *err, const char *fmt, ...)
{
	char old[BB_ERROR_MAX];
	va_list ap;
	int saved = errno;

	if (err == NULL)
		return;
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	va_start(ap, fmt);
	vmake(err, NULL, old, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
bb_error_clear(struct bb_error *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
