/*
 * The sandbox of a step (bb-run(1), SECURITY): a mount, PID, IPC and UTS
 * namespace of its own (a user namespace too when not run as root, and a
 * network namespace when the recipe says "network off"), made with the
 * system calls themselves, as bubblewrap makes them.  The step sees the
 * system read-only, its work tree read-write at its own path, a private
 * /tmp and HOME kept for the job, a small /dev and its own /proc, and
 * nothing else: no home directory, no /run, nothing of BASEDIR but the
 * work tree.  The first process of the PID namespace takes every other
 * one with it when it ends.
 */
#ifndef BB_SANDBOX_H
#define BB_SANDBOX_H

#include <sys/types.h>

#include "error.h"

struct sandbox {
	const char	*workdir;	/* absolute; read-write */
	const char	*scratch;	/* made by sandbox_scratch */
	const char	*home;		/* HOME, bound to a private one; or NULL */
	char *const	*hide;		/* absolute paths made empty */
	size_t		 nhide;
	char *const	*share;		/* directories bound read-write */
	size_t		 nshare;
	int		 network;	/* 0: loopback only */
	int		 dropuser;	/* set*id to uid, gid, groups inside */
	uid_t		 uid;
	gid_t		 gid;
	const gid_t	*groups;
	size_t		 ngroups;
};

/*
 * Makes the job's scratch directory in tmpdir (its private /tmp and
 * HOME, and the mount point of its root), the two given to uid and gid
 * when chown is set.  The path goes to *out (the caller frees it).
 * Returns 0, or -1 (EX_CANTCREAT).
 */
int	sandbox_scratch(const char *tmpdir, int chown, uid_t, gid_t,
	    char **out, struct bb_error *);

/* Removes the scratch directory and what the steps left in it. */
int	sandbox_scratch_remove(const char *, struct bb_error *);

/*
 * For the child that will run a step, after setsid: makes the namespaces
 * and the view, and returns 0 in the step's own process, inside, with
 * its working directory cwd (a path in the view), the user switched when
 * sb->dropuser and every capability dropped; the caller then execs.  The
 * calling process stays outside and never returns: it forwards SIGTERM,
 * SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGCONT to the step, and
 * ends as the step ended (the same exit status, or killed by the same
 * signal).  It and the namespace's first process die with SIGKILL when
 * their parent dies (PR_SET_PDEATHSIG), and with them every process of
 * the step.  Returns -1 when the sandbox cannot be made, with err set
 * (EX_OSERR, naming the step that failed: unshare, a mount), in the
 * calling process or the namespace's first one: the caller says why and
 * exits 126.
 */
int	sandbox_enter(const struct sandbox *, const char *cwd,
	    struct bb_error *);

/*
 * Tries to make a sandbox like sb and run nothing in it.  Returns 0, or
 * -1 with why in err (EX_UNAVAILABLE).
 */
int	sandbox_probe(const struct sandbox *, struct bb_error *);

#endif
