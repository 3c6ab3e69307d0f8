#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "error.h"

void
bb_error_vset(struct bb_error *err, int code, const char *fmt, va_list ap)
{
	if (err == NULL)
		return;
	err->code = code ? code : EX_SOFTWARE;
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
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
	size_t n;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	bb_error_vset(err, code, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	(void)snprintf(err->msg + n, sizeof(err->msg) - n, ": %s",
	    strerror(saved));
	errno = saved;
}

void
bb_error_prefix(struct bb_error *err, const char *fmt, ...)
{
	char pre[BB_ERROR_MAX], old[BB_ERROR_MAX];
	va_list ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	/* A message too long for msg is cut: it is still worth reading. */
	if (snprintf(err->msg, sizeof(err->msg), "%s: %s", pre, old) < 0)
		(void)strlcpy(err->msg, old, sizeof(err->msg));
}

void
bb_error_clear(struct bb_error *err)
{
	if (err == NULL)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}
