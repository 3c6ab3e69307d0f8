/*
 * Tool versions a worker tells its hub about (bb-connect(1) --probe):
 * each tool is found in a search path and run with its version option,
 * with no input, a clean environment and a time limit, and the version
 * is read from what it prints.
 */
#ifndef BB_PROBE_H
#define BB_PROBE_H

#include <limits.h>
#include <stddef.h>

#include "error.h"

#define PROBE_MAX		64	/* tools in one list */
#define PROBE_NAMEMAX		64	/* longest tool name */
#define PROBE_OPTMAX		32	/* longest version option */
#define PROBE_VERSIONMAX	64	/* longest version kept */
#define PROBE_OUTMAX		4096	/* output read from a tool */
#define PROBE_TIMEOUT_MS	5000	/* a tool's time to answer */
#define PROBE_PATH		"/usr/local/bin:/usr/bin:/bin"

struct probe {
	char	name[PROBE_NAMEMAX + 1];
	char	opt[PROBE_OPTMAX + 1];		/* its version option */
	char	path[PATH_MAX];			/* where it was found */
	char	version[PROBE_VERSIONMAX + 1];
};

/*
 * Reads one item of a probe list: NAME, or NAME:OPTION for a tool whose
 * version option is not the usual one.  Without OPTION: "version" for
 * go, "-version" for java and javac, "--version" for the others.
 * Returns 0, or -1 (EX_USAGE).
 */
int	probe_parse(const char *, struct probe *, struct bb_error *);

/*
 * Finds p->name in the absolute directories of search (a PATH value;
 * NULL: PROBE_PATH) and runs it as "NAME OPTION" with standard input
 * on /dev/null, standard output and error read together, in its own
 * process group, with the environment PATH=search and LC_ALL=C only.
 * After timeout_ms (0: PROBE_TIMEOUT_MS), or once it closed its output,
 * its process group is killed.  Fills p->path and p->version and
 * returns 0, or -1 with EX_UNAVAILABLE when the tool is not found,
 * did not answer in time or printed no version, EX_OSERR when it could
 * not be run.
 */
int	probe_run(struct probe *, const char *search, long timeout_ms,
	    struct bb_error *);

/*
 * Finds the version in the output of a version option: the first word
 * outside parentheses that holds a number with a dot ("12.2.0", "v1.5.4",
 * "go1.19.8", "\"17.0.8\""), or else the first inside them.  Writes it
 * to out and returns 0, or returns -1 when there is none.
 */
int	probe_version(const char *, size_t, char *, size_t);

#endif
