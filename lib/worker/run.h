/*
 * Running one step of a job: /bin/sh -c COMMAND in a new session (its own
 * process group), its output read with poll(2) and masked, timeouts and
 * cancellation by SIGTERM, then SIGKILL after a grace period, and every
 * process the step leaves behind found (the caller is a child subreaper)
 * and stopped.
 */
#ifndef BB_RUN_H
#define BB_RUN_H

#include <sys/types.h>

#include <signal.h>
#include <time.h>

#include "error.h"
#include "mask.h"
#include "sandbox.h"
#include "track.h"

#define RUN_FLUSH_MS	200		/* a partial line waits this long */
#define RUN_PARTIAL_MAX	16384		/* or until it is this long */
#define RUN_PATH	"/bin/sh"

/* Why a step was stopped before it ended by itself. */
enum run_stop {
	RUN_STOP_NONE = 0,
	RUN_STOP_TIMEOUT,	/* its own timeout */
	RUN_STOP_DEADLINE,	/* the job's timeout */
	RUN_STOP_SILENT,	/* no output for too long */
	RUN_STOP_CANCEL,	/* a signal to the caller */
	RUN_STOP_OUTPUT		/* the output failed or its reader left */
};

/*
 * Called with a chunk of the step's output (fd 1 or 2), already masked,
 * and the time its first byte was read (CLOCK_REALTIME).  Chunks end
 * with a newline unless a partial line waited RUN_FLUSH_MS, grew to
 * RUN_PARTIAL_MAX bytes, or the stream ended.  Returns 0, or -1 when the
 * output failed: the step is then stopped (RUN_STOP_OUTPUT) and the
 * callbacks are not called again.
 */
typedef int	(*run_out_fn)(void *, int, const char *, size_t,
		    const struct timespec *);

/* Called when the step was silent for the heartbeat interval. */
typedef int	(*run_beat_fn)(void *, const struct timespec *);

struct run_spec {
	const char		*cmd;		/* given to /bin/sh -c */
	int			 workfd;	/* the work tree */
	const char		*dir;		/* below it, or NULL */
	const char		*workdir;	/* its path (for the sandbox) */
	const struct sandbox	*sandbox;	/* NULL: run the step as it is */
	struct track		*track;		/* the step's group noted, or NULL */
	char *const		*env;		/* the whole environment */
	int			 setuser;	/* switch to uid, gid, groups */
	uid_t			 uid;
	gid_t			 gid;
	const gid_t		*groups;
	size_t			 ngroups;
	long long		 timeout;	/* seconds, 0 for none */
	struct timespec		 deadline;	/* CLOCK_MONOTONIC, 0: none */
	long long		 grace;		/* seconds from TERM to KILL */
	long long		 beat;		/* heartbeat, seconds, 0: none */
	long long		 silent;	/* stop after this, 0: never */
	const struct mask	*mask;		/* NULL: nothing to mask */
	int			 wakefd;	/* self-pipe read end, or -1 */
	volatile sig_atomic_t	*cancel;	/* bumped by signal handlers */
	sig_atomic_t		 cancel_seen;	/* stop when *cancel differs */
	int			 watchfd;	/* reader gone on POLLERR; -1 */
	run_out_fn		 out;
	run_beat_fn		 beatfn;
	void			*arg;
};

struct run_result {
	int		 status;	/* wait(2) status of the shell */
	enum run_stop	 stop;
	long long	 elapsed_ms;
	size_t		 leftovers;	/* processes stopped once it ended */
	size_t		 unkillable;	/* processes that outlived SIGKILL */
};

/*
 * Makes the calling process a child subreaper (PR_SET_CHILD_SUBREAPER),
 * so that processes the steps orphan become its children.  Returns 0 or
 * -1 (EX_OSERR).
 */
int	run_init(struct bb_error *);

/*
 * Runs one step to its end and fills *res.  The shell gets a new session,
 * default signal dispositions and an empty signal mask, /dev/null as
 * standard input, pipes as standard output and error, no other open
 * descriptor, spec->dir (resolved beneath workfd: a failure is reported
 * on its standard error, exit status 126) as its working directory.  On
 * a timeout, a cancel or an output failure, the group and every
 * descendant get SIGTERM, then SIGKILL after the grace period.  Once the
 * shell has ended, remaining descendants get SIGHUP, then SIGKILL after
 * the grace period; the call returns when none is left.  With
 * spec->sandbox (started by sandbox_start), the shell runs in it
 * (sandbox_enter), and what it leaves ends with it.  The shell gets SIGKILL if the caller dies
 * (PR_SET_PDEATHSIG).  Returns 0, or -1 if the step could not be started
 * (EX_OSERR) or its sandbox could not be made (EX_UNAVAILABLE, saying
 * why; the shell never ran, and the step is over).
 */
int	run_step(const struct run_spec *, struct run_result *,
	    struct bb_error *);

/*
 * Sends sig (and SIGCONT) to every live descendant of root, found
 * through /proc.  Returns how many there were; their pids go to pids (up
 * to npids of them) if it is not NULL.
 */
size_t	run_signal_tree(pid_t, int, pid_t *, size_t);

/* Returns the name of a signal without "SIG" ("TERM"), or its number. */
const char	*run_signame(int, char *, size_t);

#endif
