#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/openat2.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "duration.h"
#include "run.h"

#define READ_MAX	(256 * 1024)	/* one read(2): the pipe's size */
#define PEND_MAX	(1024 * 1024)	/* masked bytes not yet given out */
#define SCAN_MS		50		/* /proc scans while sweeping */
#define PIPE_WAIT_MS	1000		/* open pipes with nobody left */
#define KILL_WAIT_MS	5000		/* processes that outlive SIGKILL */
#define TRACK_MAX	1024		/* leftovers counted one by one */

struct stream {
	int			 fd;		/* -1 once at its end */
	int			 which;		/* 1 or 2 */
	struct mask_stream	 ms;
	struct buf		*pend;		/* masked, not yet given out */
	struct timespec		 t;		/* when pend's first byte came */
	long long		 due;		/* when to flush pend, or 0 */
};

struct proc {
	pid_t	pid;
	pid_t	ppid;
	char	state;
	int	mark;
};

struct step {
	const struct run_spec	*spec;
	struct run_result	*res;
	struct stream		 s[2];
	char			*rbuf;
	pid_t			 pid;
	int			 alive;		/* the shell has not ended */
	int			 sink_ok;	/* output callbacks may be called */
	long long		 t0;
	long long		 ended;		/* when the shell ended */
	long long		 kill_at;	/* SIGKILL then, or 0 */
	long long		 killed;	/* when SIGKILL was sent, or 0 */
	long long		 last_scan;
	size_t			 left;		/* found at the last scan */
	long long		 pipe_wait;	/* give up on the pipes then */
	long long		 next_beat;
	long long		 last_read;
	int			 pidfd;		/* readable when the shell ends */
	int			 sbfd;		/* why the sandbox failed, or -1 */
	pid_t			 seen[TRACK_MAX];
	size_t			 nseen;
};

int
run_init(struct bb_error *err)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == -1) {
		bb_error_errno(err, EX_OSERR, "prctl PR_SET_CHILD_SUBREAPER");
		return -1;
	}
	return 0;
}

const char *
run_signame(int sig, char *buf, size_t len)
{
	const char *s;

	if ((s = sigabbrev_np(sig)) != NULL)
		return s;
	(void)snprintf(buf, len, "%d", sig);
	return buf;
}

static int
proc_cmp(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* Reads every process's pid, parent and state from /proc. */
static size_t
scan_procs(struct proc **out)
{
	struct proc *v = NULL, *nv;
	struct dirent *de;
	size_t n = 0, cap = 0;
	char path[64], buf[512], *p;
	const char *errstr;
	ssize_t len;
	DIR *d;
	int fd;
	long long pid;

	*out = NULL;
	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		pid = strtonum(de->d_name, 1, INT_MAX, &errstr);
		if (errstr != NULL)
			continue;
		(void)snprintf(path, sizeof(path), "/proc/%lld/stat", pid);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = '\0';
		/* "pid (comm) S ppid ...": comm may hold anything. */
		if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ' ||
		    p[2] == '\0' || p[3] != ' ')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		v[n].pid = (pid_t)pid;
		v[n].state = p[2];
		v[n].ppid = (pid_t)strtol(p + 4, NULL, 10);
		v[n].mark = 0;
		n++;
	}
	closedir(d);
	*out = v;
	return n;
}

/*
 * Whether the calling process has no child at all, not even a zombie: it
 * then has no descendant either, and /proc need not be read (a scan
 * reads every process of the machine).
 */
static int
childless(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_ALL, 0, &si, WEXITED | WSTOPPED | WCONTINUED |
	    WNOHANG | WNOWAIT) == -1 && errno == ECHILD;
}

size_t
run_signal_tree(pid_t root, int sig, pid_t *pids, size_t npids)
{
	struct proc *v, key, *parent;
	size_t n, i, count = 0;
	int more;

	if (root == getpid() && childless())
		return 0;
	n = scan_procs(&v);
	if (n > 1)
		qsort(v, n, sizeof(*v), proc_cmp);
	/* Mark the descendants of root: a parent marked marks its child. */
	do {
		more = 0;
		for (i = 0; i < n; i++) {
			if (v[i].mark)
				continue;
			if (v[i].ppid == root) {
				v[i].mark = more = 1;
				continue;
			}
			key.pid = v[i].ppid;
			parent = bsearch(&key, v, n, sizeof(*v), proc_cmp);
			if (parent != NULL && parent->mark)
				v[i].mark = more = 1;
		}
	} while (more);
	for (i = 0; i < n; i++) {
		if (!v[i].mark || v[i].state == 'Z' || v[i].state == 'X')
			continue;
		if (sig != 0) {
			(void)kill(v[i].pid, sig);
			if (sig != SIGKILL && sig != SIGCONT)
				(void)kill(v[i].pid, SIGCONT);
		}
		if (pids != NULL && count < npids)
			pids[count] = v[i].pid;
		count++;
	}
	free(v);
	return count;
}

static int
stream_init(struct stream *s, int fd, int which)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->which = which;
	if (mask_stream_init(&s->ms) == -1 ||
	    (s->pend = buf_new(PEND_MAX)) == NULL)
		return -1;
	return 0;
}

static void
stream_free(struct stream *s)
{
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	mask_stream_free(&s->ms);
	buf_freezero(s->pend);
	s->pend = NULL;
}

/*
 * Sends the signal to the step's group and to all that came of it.  In
 * the sandbox, the first process of the job's namespace signals them
 * all while the step runs, and the step's own process outside stays to
 * say how it ended.
 */
static void
signal_all(struct step *st, int sig)
{
	const struct sandbox *sb = st->spec->sandbox;

	if (sb != NULL && !st->alive)
		return;
	if (sb == NULL || sig != SIGKILL) {
		(void)kill(-st->pid, sig);
		if (sig != SIGKILL)
			(void)kill(-st->pid, SIGCONT);
	}
	if (sb != NULL)
		(void)sandbox_signal(sb, sig);
	else
		(void)run_signal_tree(getpid(), sig, NULL, 0);
}

static void
stop(struct step *st, enum run_stop why, long long now)
{
	if (st->res->stop != RUN_STOP_NONE || st->kill_at != 0)
		return;
	st->res->stop = why;
	signal_all(st, SIGTERM);
	st->kill_at = now + st->spec->grace * 1000;
}

/* Gives n bytes of pend to the output callback. */
static void
emit(struct step *st, struct stream *s, size_t n)
{
	if (n == 0)
		return;
	if (st->sink_ok && st->spec->out != NULL &&
	    st->spec->out(st->spec->arg, s->which, s->pend->data, n,
	    &s->t) == -1) {
		st->sink_ok = 0;
		stop(st, RUN_STOP_OUTPUT, duration_now_ms());
	}
	buf_consume(s->pend, n);
	s->due = 0;
	if (st->spec->beat > 0)
		st->next_beat = duration_now_ms() + st->spec->beat * 1000;
}

/* After new bytes: whole lines go out now, a partial line waits. */
static void
deliver(struct step *st, struct stream *s, long long now)
{
	const char *nl;

	if (s->pend->len == 0)
		return;
	nl = memrchr(s->pend->data, '\n', s->pend->len);
	if (nl != NULL) {
		emit(st, s, (size_t)(nl - s->pend->data) + 1);
		(void)clock_gettime(CLOCK_REALTIME, &s->t);
	}
	if (s->pend->len >= RUN_PARTIAL_MAX)
		emit(st, s, s->pend->len);
	else if (s->pend->len > 0 && s->due == 0)
		s->due = now + RUN_FLUSH_MS;
}

static void
stream_end(struct step *st, struct stream *s)
{
	if (s->fd == -1)
		return;
	close(s->fd);
	s->fd = -1;
	if (mask_finish(st->spec->mask, &s->ms, s->pend) == -1)
		buf_reset(s->pend);	/* cannot happen: pend has room */
	emit(st, s, s->pend->len);
}

static void
stream_read(struct step *st, struct stream *s, long long now)
{
	const struct mask *m = st->spec->mask;
	char *d = NULL;
	ssize_t n;

	/* Nothing to mask: read straight into pend, not copied again. */
	if (m == NULL || mask_count(m) == 0)
		d = buf_reserve(s->pend, READ_MAX);
	n = read(s->fd, d != NULL ? d : st->rbuf, READ_MAX);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		stream_end(st, s);
		return;
	}
	st->last_read = now;
	if (s->pend->len == 0)
		(void)clock_gettime(CLOCK_REALTIME, &s->t);
	if (d != NULL) {
		s->pend->len += (size_t)n;
		s->pend->data[s->pend->len] = '\0';
		deliver(st, s, now);
		return;
	}
	if (mask_feed(st->spec->mask, &s->ms, st->rbuf, (size_t)n,
	    s->pend) == -1) {
		/*
		 * pend is full: cannot be, PEND_MAX > 2 * READ_MAX (masking
		 * at most doubles) + MASK_MAXLEN + RUN_PARTIAL_MAX.
		 */
		emit(st, s, s->pend->len);
		return;
	}
	deliver(st, s, now);
}

/*
 * The child: becomes the step's shell, or exits 126/127 saying why (on
 * sbfd when the sandbox cannot be made, on its standard error else).
 */
static void __dead
child(const struct run_spec *spec, pid_t parent, int nullfd, int outfd,
    int errfd, int sbfd)
{
	struct open_how how;
	struct bb_error e;
	char *argv[4], cwd[PATH_MAX];
	sigset_t none;
	int sig, dfd;

	(void)setsid();
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(nullfd, 0) == -1 || dup2(outfd, 1) == -1 ||
	    dup2(errfd, 2) == -1)
		_exit(126);
	if (spec->dir != NULL) {
		memset(&how, 0, sizeof(how));
		how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		dfd = (int)syscall(SYS_openat2, spec->workfd, spec->dir, &how,
		    sizeof(how));
	} else
		dfd = spec->workfd;
	if (dfd == -1 || fchdir(dfd) == -1) {
		dprintf(2, "bb-run: step directory %s: %s\n",
		    spec->dir ? spec->dir : ".", strerror(errno));
		_exit(126);
	}
	if (spec->sandbox != NULL) {
		/* The same directory inside, where the tree is bound. */
		if (snprintf(cwd, sizeof(cwd), "%s/%s", spec->workdir,
		    spec->dir ? spec->dir : ".") >= (int)sizeof(cwd)) {
			dprintf(2, "bb-run: step directory %s: %s\n",
			    spec->dir, strerror(ENAMETOOLONG));
			_exit(126);
		}
		if (sandbox_enter(spec->sandbox, cwd, &e) == -1) {
			if (write(sbfd, e.msg, strlen(e.msg)) == -1)
				dprintf(2, "bb-run: %s\n", e.msg);
			_exit(126);
		}
	} else if (spec->setuser && (setgroups(spec->ngroups, spec->groups) == -1 ||
	    setgid(spec->gid) == -1 || setuid(spec->uid) == -1 ||
	    (spec->uid != 0 && setuid(0) != -1))) {
		dprintf(2, "bb-run: cannot change to uid %lu: %s\n",
		    (unsigned long)spec->uid, strerror(errno));
		_exit(126);
	}
	/* After the change of user, which clears it. */
	if (spec->sandbox == NULL &&
	    (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != parent))
		_exit(126);
	closefrom(3);
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = (char *)spec->cmd;
	argv[3] = NULL;
	execve(RUN_PATH, argv, spec->env);
	dprintf(2, "bb-run: %s: %s\n", RUN_PATH, strerror(errno));
	_exit(127);
}

static int
spawn(struct step *st, struct bb_error *err)
{
	sigset_t all, old;
	pid_t self = getpid();
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, sbp[2] = { -1, -1 };
	int nullfd = -1, rv = -1;

	if ((nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    pipe2(out, O_CLOEXEC) == -1 || pipe2(errp, O_CLOEXEC) == -1 ||
	    (st->spec->sandbox != NULL &&
	    pipe2(sbp, O_CLOEXEC | O_NONBLOCK) == -1)) {
		bb_error_errno(err, EX_OSERR, "pipe");
		goto out;
	}
	/* Bigger pipes: fewer wake-ups for a chatty step. */
	(void)fcntl(out[1], F_SETPIPE_SZ, 256 * 1024);
	sigfillset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, &old);
	st->pid = fork();
	if (st->pid == 0)
		child(st->spec, self, nullfd, out[1], errp[1], sbp[1]);
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	if (st->pid == -1) {
		bb_error_errno(err, EX_OSERR, "fork");
		goto out;
	}
	/* Without it, the end of the shell is seen at the next SIGCHLD. */
	st->pidfd = pidfd_open(st->pid, 0);
	/* Noted before anything else: a crash from here on leaves a trace. */
	(void)track_step(st->spec->track, st->pid, NULL);
	(void)fcntl(out[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(errp[0], F_SETFL, O_NONBLOCK);
	st->s[0].fd = out[0];
	st->s[1].fd = errp[0];
	st->sbfd = sbp[0];
	out[0] = errp[0] = sbp[0] = -1;
	rv = 0;
out:
	if (nullfd != -1)
		close(nullfd);
	if (out[0] != -1)
		close(out[0]);
	if (out[1] != -1)
		close(out[1]);
	if (errp[0] != -1)
		close(errp[0]);
	if (errp[1] != -1)
		close(errp[1]);
	if (sbp[0] != -1)
		close(sbp[0]);
	if (sbp[1] != -1)
		close(sbp[1]);
	return rv;
}

static void
reap(struct step *st, long long now)
{
	pid_t p;
	int status;

	while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
		if (p != st->pid)
			continue;
		st->res->status = status;
		st->alive = 0;
		st->ended = now;
	}
}

static int
seen(struct step *st, pid_t pid)
{
	size_t i;

	for (i = 0; i < st->nseen; i++)
		if (st->seen[i] == pid)
			return 1;
	return 0;
}

/*
 * Once the shell has ended, whatever is left of the step gets SIGHUP (or
 * SIGTERM if the step is being stopped), and SIGKILL once the grace
 * period is over.  Returns 1 when the step is over.
 */
static int
sweep(struct step *st, long long now)
{
	pid_t pids[TRACK_MAX];
	size_t n, i;
	int stopping = st->res->stop != RUN_STOP_NONE;

	if (now - st->last_scan < SCAN_MS && st->last_scan != 0) {
		/* Nobody was left at the last look: done once the pipes are. */
		return st->left == 0 && st->s[0].fd == -1 && st->s[1].fd == -1;
	}
	st->last_scan = now;
	/* A sandboxed step leaves nothing: its end killed the rest. */
	n = st->spec->sandbox != NULL ? 0 : run_signal_tree(getpid(),
	    st->killed ? SIGKILL : 0, pids, nitems(pids));
	st->left = n;
	for (i = 0; i < n && i < nitems(pids); i++) {
		if (seen(st, pids[i]) || st->nseen == TRACK_MAX)
			continue;
		st->seen[st->nseen++] = pids[i];
		if (!stopping)
			st->res->leftovers++;
		if (!st->killed) {
			(void)kill(pids[i], stopping ? SIGTERM : SIGHUP);
			(void)kill(pids[i], SIGCONT);
		}
	}
	if (n > 0 && st->kill_at == 0)
		st->kill_at = now + st->spec->grace * 1000;
	if (n > 0 && st->killed && now - st->killed >= KILL_WAIT_MS) {
		st->res->unkillable = n;
		return 1;
	}
	if (n > 0)
		return 0;
	if (st->s[0].fd == -1 && st->s[1].fd == -1)
		return 1;
	/* Nobody left, yet a pipe is open: someone we cannot see has it. */
	if (st->pipe_wait == 0)
		st->pipe_wait = now + PIPE_WAIT_MS;
	return now >= st->pipe_wait;
}

static long long
min_due(long long a, long long b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

/* When the loop must next wake up, or 0 for never. */
static long long
next_due(const struct step *st)
{
	const struct run_spec *spec = st->spec;
	long long due = 0, dl;
	int i;

	for (i = 0; i < 2; i++)
		due = min_due(due, st->s[i].due);
	due = min_due(due, st->kill_at && !st->killed ? st->kill_at : 0);
	if (st->alive && st->res->stop == RUN_STOP_NONE) {
		if (spec->timeout > 0)
			due = min_due(due, st->t0 + spec->timeout * 1000);
		if (spec->deadline.tv_sec != 0) {
			dl = (long long)spec->deadline.tv_sec * 1000 +
			    spec->deadline.tv_nsec / 1000000;
			due = min_due(due, dl);
		}
		if (spec->silent > 0)
			due = min_due(due, st->last_read + spec->silent * 1000);
		if (spec->beat > 0 && st->sink_ok)
			due = min_due(due, st->next_beat);
	}
	if (!st->alive)
		due = min_due(due, st->last_scan + SCAN_MS);
	return due;
}

/* Stops the step if its time is up or a signal came. */
static void
check_stop(struct step *st, long long now)
{
	const struct run_spec *spec = st->spec;
	long long dl;

	if (spec->cancel != NULL && *spec->cancel != spec->cancel_seen) {
		if (st->alive)
			stop(st, RUN_STOP_CANCEL, now);
		else if (!st->killed && st->kill_at != 0)
			st->kill_at = now;	/* sweeping: no more grace */
	}
	if (!st->alive)
		return;
	dl = (long long)spec->deadline.tv_sec * 1000 +
	    spec->deadline.tv_nsec / 1000000;
	if (spec->timeout > 0 && now >= st->t0 + spec->timeout * 1000)
		stop(st, RUN_STOP_TIMEOUT, now);
	else if (dl != 0 && now >= dl)
		stop(st, RUN_STOP_DEADLINE, now);
	else if (spec->silent > 0 && now >= st->last_read + spec->silent * 1000)
		stop(st, RUN_STOP_SILENT, now);
}

static void
timers(struct step *st, long long now)
{
	struct timespec t;
	int i;

	check_stop(st, now);
	if (st->kill_at != 0 && !st->killed && now >= st->kill_at) {
		signal_all(st, SIGKILL);
		st->killed = now;
	}
	for (i = 0; i < 2; i++)
		if (st->s[i].due != 0 && now >= st->s[i].due)
			emit(st, &st->s[i], st->s[i].pend->len);
	if (st->alive && st->spec->beat > 0 && st->sink_ok &&
	    now >= st->next_beat) {
		st->next_beat = now + st->spec->beat * 1000;
		(void)clock_gettime(CLOCK_REALTIME, &t);
		if (st->spec->beatfn != NULL &&
		    st->spec->beatfn(st->spec->arg, &t) == -1) {
			st->sink_ok = 0;
			stop(st, RUN_STOP_OUTPUT, now);
		}
	}
}

static void
loop(struct step *st)
{
	const struct run_spec *spec = st->spec;
	struct pollfd pfd[5];
	long long now, due;
	char junk[64];
	int i, n, r, tmo, wi = -1, oi = -1, pi = -1, si[2], check = 1;

	for (;;) {
		now = duration_now_ms();
		/*
		 * waitpid(2) only when the shell may have ended (its pidfd,
		 * a signal, a timeout), not after every read.
		 */
		if (check || !st->alive || st->pidfd == -1)
			reap(st, now);
		check = 0;
		timers(st, now);
		if (!st->alive && sweep(st, now))
			break;
		n = 0;
		for (i = 0; i < 2; i++) {
			si[i] = -1;
			if (st->s[i].fd == -1)
				continue;
			si[i] = n;
			pfd[n].fd = st->s[i].fd;
			pfd[n++].events = POLLIN;
		}
		wi = oi = pi = -1;
		if (st->alive && st->pidfd != -1) {
			pi = n;
			pfd[n].fd = st->pidfd;
			pfd[n++].events = POLLIN;
		}
		if (spec->wakefd != -1) {
			wi = n;
			pfd[n].fd = spec->wakefd;
			pfd[n++].events = POLLIN;
		}
		if (spec->watchfd != -1 && st->sink_ok) {
			oi = n;
			pfd[n].fd = spec->watchfd;
			pfd[n++].events = 0;
		}
		due = next_due(st);
		tmo = -1;
		if (due != 0)
			tmo = due <= now ? 0 : (int)(due - now);
		if (tmo == -1 || tmo > 1000)
			tmo = 1000;	/* a lost SIGCHLD costs a second */
		if ((r = poll(pfd, (nfds_t)n, tmo)) == -1) {
			check = 1;
			if (errno == EINTR)
				continue;
			break;	/* cannot be: the set is valid */
		}
		now = duration_now_ms();
		if (r == 0 || (pi != -1 && pfd[pi].revents != 0))
			check = 1;
		if (wi != -1 && (pfd[wi].revents & POLLIN)) {
			check = 1;
			while (read(spec->wakefd, junk, sizeof(junk)) > 0)
				;
		}
		if (oi != -1 && pfd[oi].revents & (POLLERR | POLLHUP)) {
			st->sink_ok = 0;
			stop(st, RUN_STOP_OUTPUT, now);
		}
		for (i = 0; i < 2; i++)
			if (si[i] != -1 && pfd[si[i]].revents != 0)
				stream_read(st, &st->s[i], now);
	}
	for (i = 0; i < 2; i++)
		stream_end(st, &st->s[i]);
}

int
run_step(const struct run_spec *spec, struct run_result *res,
    struct bb_error *err)
{
	struct step st;
	char why[BB_ERROR_MAX];
	ssize_t n;
	int rv = -1;

	memset(res, 0, sizeof(*res));
	memset(&st, 0, sizeof(st));
	st.spec = spec;
	st.res = res;
	st.sink_ok = 1;
	st.pidfd = -1;
	st.sbfd = -1;
	if (stream_init(&st.s[0], -1, 1) == -1 ||
	    stream_init(&st.s[1], -1, 2) == -1 ||
	    (st.rbuf = malloc(READ_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "running a step");
		goto out;
	}
	st.t0 = st.last_read = duration_now_ms();
	st.next_beat = st.t0 + spec->beat * 1000;
	if (spawn(&st, err) == -1)
		goto out;
	st.alive = 1;
	loop(&st);
	res->elapsed_ms = duration_now_ms() - st.t0;
	rv = 0;
	/* Every writer has ended with the shell: a message is all there. */
	if (st.sbfd != -1 && (n = read(st.sbfd, why, sizeof(why) - 1)) > 0) {
		why[n] = '\0';
		bb_error_set(err, EX_UNAVAILABLE, "%s", why);
		rv = -1;
	}
out:
	if (st.sbfd != -1)
		close(st.sbfd);
	if (st.pidfd != -1)
		close(st.pidfd);
	stream_free(&st.s[0]);
	stream_free(&st.s[1]);
	freezero(st.rbuf, st.rbuf ? READ_MAX : 0);
	return rv;
}
