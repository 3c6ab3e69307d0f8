/*
 * The sandbox of a job (bb-run(1), SECURITY): a mount, PID, IPC and UTS
 * namespace of its own (a user namespace too when not run as root, and a
 * network namespace when the recipe says "network off"), made once for
 * the job with the system calls themselves, as bubblewrap makes them.
 * The steps see the system read-only, the work tree read-write at its
 * own path, a private /tmp and HOME kept for the job (file systems in
 * memory, gone with it), a small /dev and their own /proc, and nothing
 * else: no home directory, no /run, nothing of BASEDIR but the work tree.
 * The first process of the PID namespace holds it for the job; when a
 * step's shell ends, it kills every process the step left, and when it
 * ends, the kernel kills whatever is left in the namespace.
 */
#ifndef BB_SANDBOX_H
#define BB_SANDBOX_H

#include <sys/types.h>

#include "error.h"

struct sandbox {
	/* Set by the caller. */
	const char	*workdir;	/* absolute; read-write */
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

	/* Set by sandbox_start. */
	int		 userns;	/* a user namespace too */
	pid_t		 pid;		/* the namespace's first process */
	int		 pidfd;		/* its pidfd, -1 when there is none */
	int		 ctl;		/* requests to it */
	struct bb_error	 why;		/* why there is none */
};

/*
 * Makes the job's namespaces and its view of the file system, held by
 * the first process of its PID namespace, a child of the caller that
 * dies with it (PR_SET_PDEATHSIG).  Nothing is made on the host's file
 * system.  Returns 0, or -1 with why in err and in sb->why (EX_UNAVAILABLE,
 * naming the mount or path at fault): sandbox_enter then fails with it.
 */
int	sandbox_start(struct sandbox *, struct bb_error *);

/*
 * Ends the namespaces of the job: their first process, and with it every
 * process left in them, is gone when it returns.  Safe to call when
 * sandbox_start failed.
 */
void	sandbox_stop(struct sandbox *);

/*
 * For the child that will run a step, after setsid: joins the job's
 * namespaces and returns 0 in the step's own process, inside, with its
 * working directory cwd (a path in the view), the user switched when
 * sb->dropuser and every capability dropped; the caller then execs.  The
 * calling process stays outside and never returns: it forwards SIGTERM,
 * SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 and SIGCONT to the step's
 * process group, has every process the step left killed once the step
 * ended, and ends as the step ended (the same exit status, or killed by
 * the same signal).  It and the step die with SIGKILL when their parent
 * dies (PR_SET_PDEATHSIG).  Returns -1 when the step cannot enter the
 * sandbox, with err set (EX_OSERR naming what failed, or sb->why), in
 * the calling process or the step's: the caller says why and exits 126.
 */
int	sandbox_enter(const struct sandbox *, const char *cwd,
	    struct bb_error *);

/*
 * Sends sig, and SIGCONT unless sig is SIGKILL, to every process in the
 * job's namespaces: those of the running step, whatever their session
 * or group.  Returns at once, 0 or -1.  Asked for while no step runs, it
 * reaches no one: every step starts after the requests made before it.
 */
int	sandbox_signal(const struct sandbox *, int);

#endif
