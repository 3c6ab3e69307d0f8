/*
 * A job's records told for people, as they come: each step with its
 * output and result, errors, then the artifacts with their size and
 * sha256, and the job's result.  Every byte from the records is made
 * safe for a terminal: printable ASCII and well-formed UTF-8 pass,
 * anything else (controls, escapes, bidirectional overrides, broken
 * UTF-8) is written as a C-style escape such as \033.  Secrets never
 * appear: session and job records are not shown but for the job's id
 * and name.
 */
#ifndef BB_PRETTY_H
#define BB_PRETTY_H

#include <stdio.h>

#include "error.h"
#include "record.h"

struct pretty;

/* Returns a new report written to fp, or NULL (EX_OSERR). */
struct pretty	*pretty_new(FILE *, struct bb_error *);
void		 pretty_free(struct pretty *);

/*
 * Tells one record and flushes.  Returns 0, or -1 (EX_IOERR, errno EPIPE
 * when the reader has gone).
 */
int	pretty_record(struct pretty *, const struct record *,
	    struct bb_error *);

/*
 * Ends the report: the artifacts and the result (or that there was no
 * done record).  Returns 0, or -1 as pretty_record.
 */
int	pretty_end(struct pretty *, struct bb_error *);

/* Returns 1 if a done record came. */
int	pretty_done(const struct pretty *);

/*
 * Appends len bytes of s to b made safe for a terminal, as above; a
 * newline is escaped too unless keep_nl.  carry (4 bytes) and *ncarry
 * hold a UTF-8 sequence cut at the end of s for the next call; with
 * carry NULL, a cut sequence is escaped.  Returns 0 or -1 (over b's cap).
 */
int	pretty_safe(struct buf *, const char *, size_t, int keep_nl,
	    char *carry, size_t *ncarry);

#endif
