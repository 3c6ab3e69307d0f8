/*
 * Portability shims that libbsd does not give.  Included by every lib/
 * header, so a file that includes any of them has these.
 */
#ifndef BB_COMPAT_H
#define BB_COMPAT_H

#include <sys/cdefs.h>

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif
#ifndef __printflike
#define __printflike(f, a) __attribute__((__format__(__printf__, f, a)))
#endif

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#endif
