/*
 * A job as bb-run(1) runs it: the recipe read from records (the others
 * passed on), the steps run in order in the work tree under a clean
 * environment, the artifacts collected, and the result.
 */
#ifndef BB_JOB_H
#define BB_JOB_H

#include <sys/types.h>

#include <signal.h>
#include <stddef.h>

#include "emit.h"
#include "error.h"
#include "mask.h"
#include "recipe.h"
#include "sandbox.h"

#define JOB_PATH	"/usr/local/bin:/usr/bin:/bin"

enum job_result {
	JOB_SUCCESS = 0,
	JOB_FAILURE,
	JOB_TIMEOUT,
	JOB_CANCELLED
};

/* What job_read found in its input. */
struct job_input {
	struct recipe	*recipe;
	char		*workdir;	/* the workdir record's path, or NULL */
	char		*name;		/* the job record's name, or NULL */
	char		*upstream;	/* "TOOL: MSG" of the first error
					   record (a stage above failed) */
	char		*hub;		/* the session record's hub, or NULL */
	int		 cancelled;	/* a signal came before the end */
	char		**values;	/* the session's token, the job's lease */
	size_t		 nvalues;
};

/*
 * Reads records from fd (name is for messages) to its end.  Recipe
 * records make in->recipe; every other record is passed on through e at
 * once, unchanged, but for the path of the workdir record, which is
 * replaced by workdir when that is not NULL.  The token of session
 * records and the lease of job records are kept in in->values, to be
 * masked; the first error record a stage above sent is in->upstream,
 * the hub of the first session record in->hub.  Returns 0 (in->cancelled
 * set if *cancel changed while reading: the input is then incomplete),
 * or -1 with EX_DATAERR and the line number for malformed records, a
 * malformed or incomplete recipe, or a second workdir record; EX_IOERR
 * if fd cannot be read.
 */
int	job_read(int, const char *, struct emit *, const char *, int,
	    volatile sig_atomic_t *, struct job_input *, struct bb_error *);
void	job_input_free(struct job_input *);

struct job {
	/* Set by the caller. */
	const struct recipe	*recipe;
	const char		*name;		/* BB_JOB, or NULL */
	const char		*workdir;	/* absolute */
	int			 workfd;
	const char		*home;		/* HOME, or NULL */
	long long		 grace;		/* seconds from TERM to KILL */
	long long		 beat;		/* heartbeat, 0: none */
	long long		 silent;	/* no-output limit, 0: none */
	char			**masks;	/* more name patterns (-m) */
	size_t			 nmasks;
	char *const		*values;	/* more values to mask */
	size_t			 nvalues;
	char *const		*caches;	/* the recipe's caches' paths,
						   in its order, or NULL */
	const struct sandbox	*sandbox;	/* the steps run in it, or NULL */
	struct track		*track;		/* steps noted there, or NULL */
	int			 setuser;	/* run steps as uid, gid */
	uid_t			 uid;
	gid_t			 gid;
	gid_t			*groups;
	size_t			 ngroups;
	int			 wakefd;	/* self-pipe, or -1 */
	volatile sig_atomic_t	*cancel;	/* signals so far */
	volatile sig_atomic_t	*signo;		/* the last one */
	struct emit		*out;
	void			(*warn)(void *, const char *);
	void			*warnarg;

	/* Set by job_setup and job_run. */
	struct mask		*mask;
	char			**env;		/* the steps' environment */
	size_t			 nenv;
	size_t			 stepvar;	/* the slot of BB_STEP */
	enum job_result		 result;
	long long		 elapsed_ms;
};

/*
 * Makes the steps' environment and the set of masked values from envp
 * (bb-run's own environment): PATH, HOME, the recipe's variables and
 * matrix axes (each of one value), its secrets taken from envp, BB_JOB,
 * BB_STEP, BB_WORKDIR, BB_JOBS, and BB_CACHE_NAME for each of j->caches.
 * Masked are the values of the secrets, and of the variables of envp and
 * of the recipe whose names match the default patterns, j->masks or the
 * recipe's masks, and j->values (credentials that are no variable).  A
 * secret that envp lacks, or too short to mask, is warned about.
 * Returns 0 or -1.
 */
int	job_setup(struct job *, char *const *, struct bb_error *);

/*
 * Runs the steps, writes status, log, beat, artifact and done through
 * j->out, and sets j->result.  Returns 0, or -1 if a step could not be
 * started (EX_OSERR; a done record with result=error has been written).
 */
int	job_run(struct job *, struct bb_error *);

/* Wipes the secrets and frees what job_setup made. */
void	job_free(struct job *);

/* Returns "success", "failure", "timeout" or "cancelled". */
const char	*job_result_name(enum job_result);

#endif
