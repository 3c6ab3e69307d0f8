/*
 * What bb-run writes: bb-record(5) lines (status, log, beat, artifact,
 * done, workdir, error, and the records it passes on), or the same run
 * as text for people, with untrusted bytes made safe by strvis(3).
 *
 * The first failed write (EPIPE when the reader has gone) makes every
 * later call a no-op; the caller looks at failed and err.
 */
#ifndef BB_EMIT_H
#define BB_EMIT_H

#include <stdio.h>
#include <time.h>

#include "buf.h"
#include "error.h"
#include "recipe.h"
#include "record.h"

struct emit {
	FILE		*fp;
	int		 human;		/* text for people, not records */
	int		 failed;	/* a write failed */
	int		 err;		/* its errno */
	int		 bol;		/* human: at the start of a line */
	struct buf	*b;
	struct record	 rec;
};

/* Returns a new writer to fp, or NULL. */
struct emit	*emit_new(FILE *, int human);
void		 emit_free(struct emit *);

/*
 * Each returns 0, or -1 once a write has failed (see failed, err).
 * Times are CLOCK_REALTIME; durations milliseconds.
 */

/* A record passed through as it came: line without its newline. */
int	emit_pass(struct emit *, const char *, size_t);

/* A record built by the caller. */
int	emit_record(struct emit *, const struct record *);

/* workdir path=PATH */
int	emit_workdir(struct emit *, const char *);

/*
 * What the later stages need of the recipe (bb-pack names the archive
 * with it): recipe name=NAME, the env records of the variables
 * VERSION and PROFILE, when the recipe has them, and a matrix record
 * for each axis of one value.  Nothing for people.
 */
int	emit_recipe(struct emit *, const struct recipe *);

/* status step=NAME state=started t=T */
int	emit_started(struct emit *, const char *, const struct timespec *);

/*
 * status step=NAME state=finished t=T rc=N|signal=NAME elapsed=S
 * result=R; status < 0 for a step that was not run (no rc or signal).
 */
int	emit_finished(struct emit *, const char *, const struct timespec *,
	    int, long long, const char *);

/*
 * log step=NAME fd=N t=T data:BYTES (data the raw field), split over as
 * many records as the line limit needs (cut after a newline where one
 * fits).
 */
int	emit_log(struct emit *, const char *, int, const struct timespec *,
	    const char *, size_t);

/* beat step=NAME t=T */
int	emit_beat(struct emit *, const char *, const struct timespec *);

/* artifact path=P name=N size=S sha256=H [exec=1] (exec: executable) */
int	emit_artifact(struct emit *, const char *, const char *, long long,
	    const char *, int);

/* done result=R started=T elapsed=S [step=NAME reason=TEXT] */
int	emit_done(struct emit *, const char *, time_t, long long,
	    const char *, const char *);

/* error tool=bb-run msg=TEXT */
int	emit_error(struct emit *, const char *);

/* Formats t as Unix seconds with milliseconds into buf. */
const char	*emit_time(const struct timespec *, char *, size_t);

/* Formats ms milliseconds as seconds with a decimal fraction. */
const char	*emit_ms(long long, char *, size_t);

#endif
