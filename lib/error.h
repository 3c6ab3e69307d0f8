/*
 * Errors from lib/: a function that fails returns -1 (or NULL) and leaves
 * a message and a sysexits(3) code in the caller's struct bb_error.  lib/
 * never prints and never exits; cmd/ decides what to do.
 */
#ifndef BB_ERROR_H
#define BB_ERROR_H

#include <stdarg.h>

#include "compat.h"

#define BB_ERROR_MAX	512

struct bb_error {
	int	code;			/* sysexits(3) code, EX_SOFTWARE if unset */
	char	msg[BB_ERROR_MAX];	/* lower case, names the object */
};

/*
 * Sets err (which may be NULL) to code and the formatted message.  A
 * message longer than BB_ERROR_MAX - 1 bytes loses its middle ("..."),
 * so that its start (what failed) and its end (why) are kept.  errno is
 * kept, here and below.
 */
void	bb_error_set(struct bb_error *, int, const char *, ...)
	    __printflike(3, 4);
void	bb_error_vset(struct bb_error *, int, const char *, va_list)
	    __printflike(3, 0);

/* As bb_error_set, appending ": strerror(errno)" for the current errno. */
void	bb_error_errno(struct bb_error *, int, const char *, ...)
	    __printflike(3, 4);

/* Puts "prefix: " in front of the message already in err. */
void	bb_error_prefix(struct bb_error *, const char *, ...)
	    __printflike(2, 3);

/* Clears err. */
void	bb_error_clear(struct bb_error *);

#endif
