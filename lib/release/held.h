/*
 * Records a pipeline filter holds back until a job's done record (bb-sign
 * and bb-pack hold a job's artifact records, so that they can check the
 * job's artifact names, or pack the files, before any is passed on).
 */
#ifndef BB_HELD_H
#define BB_HELD_H

#include <stddef.h>

#include "error.h"

/* The most bytes of lines held for one job. */
#define HELD_MAX	(16 * 1024 * 1024)

struct held_line {
	char	*line;		/* raw, without the newline, NUL-ended */
	size_t	 len;
};

struct held {
	struct held_line	*v;
	size_t			 n;
	size_t			 bytes;
};

/* Makes h empty; held_clear forgets and frees the lines it holds. */
void	held_init(struct held *);
void	held_clear(struct held *);

/*
 * Holds a copy of the len bytes of line.  Returns 0, or -1: EX_DATAERR
 * (what names the records in the message) when the job's lines would be
 * over HELD_MAX bytes, EX_OSERR.
 */
int	held_add(struct held *, const char *, size_t, const char *,
	    struct bb_error *);

/*
 * Puts in name (len bytes) the artifact name of held line i, an artifact
 * or sig record (artifact_record_name).  Returns 0, or -1 (EX_DATAERR).
 */
int	held_name(const struct held *, size_t, char *, size_t,
	    struct bb_error *);

#endif
