/*
 * A minimal TAP producer for the unit tests: each check prints "ok N" or
 * "not ok N" with its description, and tap_done prints the plan and
 * returns the exit status.
 */
#ifndef BB_TAP_H
#define BB_TAP_H

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static void __attribute__((__format__(__printf__, 2, 3)))
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_n++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	fflush(stdout);
}

#define ok(cond, ...)	tap_ok(!!(cond), __VA_ARGS__)

#define is_int(got, want, ...) do {					\
	long long g_ = (got), w_ = (want);				\
	tap_ok(g_ == w_, __VA_ARGS__);					\
	if (g_ != w_)							\
		printf("#   got %lld, want %lld\n", g_, w_);	\
} while (0)

#define is_str(got, want, ...) do {					\
	const char *g_ = (got), *w_ = (want);				\
	int c_ = g_ != NULL && w_ != NULL ? strcmp(g_, w_) == 0 :	\
	    g_ == w_;							\
	tap_ok(c_, __VA_ARGS__);					\
	if (!c_)							\
		printf("#   got \"%s\", want \"%s\"\n",		\
		    g_ ? g_ : "(null)", w_ ? w_ : "(null)");		\
} while (0)

static void __attribute__((__unused__))
tap_diag(const char *s)
{
	printf("# %s\n", s);
}

/*
 * Stops the test when what it needs cannot be set up: prints "Bail out!"
 * and the reason, which prove shows as a failure of the whole file.
 */
static void __attribute__((__noreturn__, __unused__,
    __format__(__printf__, 1, 2)))
tap_bail(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	exit(1);
}

/*
 * Makes a fresh directory from the template dir (ending in XXXXXX, changed
 * in place) and returns a descriptor open on it; bails out if it cannot.
 */
static int __attribute__((__unused__))
tap_tmpdir(char *dir)
{
	int fd;

	if (mkdtemp(dir) == NULL)
		tap_bail("mkdtemp %s: %s", dir, strerror(errno));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		tap_bail("open %s: %s", dir, strerror(errno));
	return fd;
}

/*
 * True when s is a string that is not empty and does not hold what: a
 * secret left out of a message, say.  An empty s proves nothing.
 */
static int __attribute__((__unused__))
tap_lacks(const char *s, const char *what)
{
	return s != NULL && *s != '\0' && strstr(s, what) == NULL;
}

/* True with BB_SLOW=1: the slow tests run at full size (make check-slow). */
static int __attribute__((__unused__))
tap_slow(void)
{
	const char *s = getenv("BB_SLOW");

	return s != NULL && strcmp(s, "1") == 0;
}

/* Whether dir/name exists (a dangling link does). */
static int __attribute__((__unused__))
tap_exists(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	(void)snprintf(p, sizeof(p), "%s/%s", dir, name);
	return lstat(p, &st) == 0;
}

/* The entries of dir but "." and "..", or -1. */
static int __attribute__((__unused__))
tap_entries(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
