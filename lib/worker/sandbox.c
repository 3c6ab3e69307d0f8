#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/capability.h>
#include <linux/sched.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "sandbox.h"

/* The system, read-only: what a build runs and reads. */
static const char *const system_dirs[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	"/etc", "/opt", "/var", "/sys", "/run/systemd/resolve",
};

/* Device nodes bound from the host into a /dev of its own. */
static const char *const devices[] = {
	"null", "zero", "full", "random", "urandom", "tty",
};

/* Signals passed on to the step. */
static const int forwarded[] = {
	SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGCONT,
};

/*
 * Where the view is built: a tmpfs mounted for a moment on the first of
 * these directories that the host has (in the new mount namespace only,
 * and moved away by pivot_root at once), holding the view in NEW and the
 * host's root in OLD.
 */
static const char *const bases[] = { "/tmp", "/mnt", "/dev" };
#define NEW	"/new"
#define OLD	"/old"

/* A request to the namespace's first process: kill what a step left. */
#define SWEEP	0

static volatile sig_atomic_t fwd_pid;

static void
forward(int sig)
{
	int saved = errno;

	if (fwd_pid != 0)
		(void)kill((pid_t)fwd_pid, sig);
	errno = saved;
}

static int
on_forward(pid_t pid, int group)
{
	struct sigaction sa;
	size_t i;

	fwd_pid = group ? -pid : pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < nitems(forwarded); i++)
		if (sigaction(forwarded[i], &sa, NULL) == -1)
			return -1;
	return 0;
}

/* dst = a + b, or -1 (ENAMETOOLONG). */
static int
join(char *dst, const char *a, const char *b)
{
	int n = snprintf(dst, PATH_MAX, "%s%s", a, b);

	if (n < 0 || n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* mkdir -p of path, each new directory 0755. */
static int
mkdirs(const char *path)
{
	char p[PATH_MAX], *s;

	if (strlcpy(p, path, sizeof(p)) >= sizeof(p)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			return -1;
		*s = c;
		if (c == '\0')
			return 0;
	}
}

static int
set_ro(const char *path, int recursive)
{
	struct mount_attr a;

	memset(&a, 0, sizeof(a));
	a.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	return mount_setattr(AT_FDCWD, path, recursive ? AT_RECURSIVE : 0, &a,
	    sizeof(a));
}

/* Binds src (a path under OLD) at dst (a mount point made for it). */
static int
bind_at(const char *src, const char *dst, int ro)
{
	struct stat st;
	int fd;

	if (stat(src, &st) == -1)
		return -1;
	if (S_ISDIR(st.st_mode)) {
		if (mkdirs(dst) == -1)
			return -1;
	} else if ((fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) !=
	    -1)
		close(fd);
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) == -1)
		return -1;
	return ro ? set_ro(dst, 1) : 0;
}

/* Binds the host's path at the same path in the view. */
static int
bind_host(const char *path, int ro)
{
	char src[PATH_MAX], dst[PATH_MAX];

	if (join(src, OLD, path) == -1 || join(dst, NEW, path) == -1)
		return -1;
	return bind_at(src, dst, ro);
}

static int
tmpfs(const char *dst, const char *opts)
{
	if (mkdirs(dst) == -1)
		return -1;
	return mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV, opts);
}

/* Fails with what failed, for the message. */
#define TRY(what, call) do {						\
	if ((call) == -1) {						\
		bb_error_errno(err, EX_OSERR, "sandbox: %s", (what));	\
		return -1;						\
	}								\
} while (0)

/* The /dev of the job: a few devices, its own pts and shm. */
static int
make_dev(struct bb_error *err)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
		{ "pts/ptmx", "ptmx" },
	};
	char p[PATH_MAX], h[PATH_MAX];
	size_t i;

	TRY("mount tmpfs /dev", tmpfs(NEW "/dev", "mode=0755,size=64k"));
	for (i = 0; i < nitems(devices); i++) {
		TRY(devices[i], join(h, OLD "/dev/", devices[i]));
		TRY(devices[i], join(p, NEW "/dev/", devices[i]));
		if (access(h, F_OK) == 0)
			TRY(h + strlen(OLD), bind_at(h, p, 0));
	}
	for (i = 0; i < nitems(links); i++) {
		TRY("/dev", join(p, NEW "/dev/", links[i][1]));
		TRY(p, symlink(links[i][0], p));
	}
	TRY("mount tmpfs /dev/shm", tmpfs(NEW "/dev/shm", "mode=1777"));
	TRY("/dev/pts", mkdirs(NEW "/dev/pts"));
	/* Terminals are a nicety: a kernel that refuses them is no error. */
	(void)mount("devpts", NEW "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=0620");
	TRY("/dev read-only", set_ro(NEW "/dev", 0));
	return 0;
}

/* Brings the loopback interface of a new network namespace up. */
static int
loopback_up(void)
{
	struct ifreq ifr;
	int s, rv = -1;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	(void)strlcpy(ifr.ifr_name, "lo", sizeof(ifr.ifr_name));
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		rv = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return rv;
}

/* Returns 1 if path lies inside one of the directories shared. */
static int
in_share(const struct sandbox *sb, const char *path)
{
	size_t i, n;

	for (i = 0; i < sb->nshare; i++) {
		n = strlen(sb->share[i]);
		while (n > 1 && sb->share[i][n - 1] == '/')
			n--;
		if (strncmp(path, sb->share[i], n) == 0 &&
		    (path[n] == '/' || path[n] == '\0' || n == 1))
			return 1;
	}
	return 0;
}

/*
 * Makes the absolute path (as seen in the view) empty: a directory gets
 * a tmpfs, a file /dev/null.  A path the view does not hold, or a
 * symbolic link, is left.  Returns 0, or -1 with errno set.
 */
static int
hide(const char *path)
{
	char p[PATH_MAX];
	struct stat st;

	if (path[0] != '/')
		return 0;
	if (join(p, NEW, path) == -1)
		return -1;
	if (lstat(p, &st) == -1)
		return 0;
	if (S_ISDIR(st.st_mode))
		return mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV,
		    "mode=0755,size=64k");
	if (!S_ISLNK(st.st_mode))
		return mount(NEW "/dev/null", p, NULL, MS_BIND, NULL);
	return 0;
}

/* The private /tmp and HOME of the job, and /var/tmp. */
static int
make_scratch(const struct sandbox *sb, struct bb_error *err)
{
	char p[PATH_MAX], opts[64];
	struct stat st;

	TRY("mount tmpfs /tmp", tmpfs(NEW "/tmp", "mode=1777"));
	if (stat(NEW "/var/tmp", &st) == 0 && S_ISDIR(st.st_mode))
		TRY("/var/tmp", mount(NEW "/tmp", NEW "/var/tmp", NULL, MS_BIND,
		    NULL));
	if (sb->home == NULL || sb->home[0] != '/' || sb->home[1] == '\0')
		return 0;
	(void)snprintf(opts, sizeof(opts), "mode=0700,uid=%lu,gid=%lu",
	    (unsigned long)(sb->dropuser ? sb->uid : getuid()),
	    (unsigned long)(sb->dropuser ? sb->gid : getgid()));
	TRY("HOME", join(p, NEW, sb->home));
	TRY(sb->home, tmpfs(p, opts));
	return 0;
}

/*
 * Builds the view and moves into it: a tmpfs is the root for a moment,
 * with the host's root below it (bubblewrap's way, which needs no
 * directory made on the host), the view is bound together in NEW from
 * OLD, and NEW becomes the root.
 */
static int
make_view(const struct sandbox *sb, struct bb_error *err)
{
	char p[PATH_MAX], q[PATH_MAX], link[PATH_MAX];
	const char *base = NULL;
	struct stat st;
	ssize_t n;
	size_t i;

	TRY("make / private", mount(NULL, "/", NULL, MS_REC | MS_PRIVATE,
	    NULL));
	for (i = 0; i < nitems(bases) && base == NULL; i++)
		if (lstat(bases[i], &st) == 0 && S_ISDIR(st.st_mode))
			base = bases[i];
	if (base == NULL) {
		bb_error_set(err, EX_OSERR, "sandbox: no /tmp to build it in");
		return -1;
	}
	TRY("mount tmpfs", mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=0755,size=64k"));
	TRY(base, chdir(base));
	TRY("mkdir", mkdir(&NEW[1], 0755));
	TRY("mkdir", mkdir(&OLD[1], 0755));
	TRY("pivot_root", (int)syscall(SYS_pivot_root, ".", &OLD[1]));
	TRY("chdir /", chdir("/"));
	TRY("mount tmpfs /", mount("tmpfs", NEW, "tmpfs", MS_NOSUID | MS_NODEV,
	    "mode=0755,size=1m"));
	for (i = 0; i < nitems(system_dirs); i++) {
		TRY(system_dirs[i], join(q, OLD, system_dirs[i]));
		if (lstat(q, &st) == -1)
			continue;
		TRY(system_dirs[i], join(p, NEW, system_dirs[i]));
		if (S_ISLNK(st.st_mode)) {
			n = readlink(q, link, sizeof(link) - 1);
			TRY(system_dirs[i], n == -1 ? -1 : 0);
			link[n] = '\0';
			TRY(system_dirs[i], symlink(link, p));
		} else if (S_ISDIR(st.st_mode))
			TRY(system_dirs[i], bind_at(q, p, 1));
	}
	TRY("/dev", make_dev(err));
	TRY("/proc", mkdirs(NEW "/proc"));
	TRY("mount /proc", mount("proc", NEW "/proc", "proc", MS_NOSUID |
	    MS_NODEV | MS_NOEXEC, NULL));
	TRY("/tmp", make_scratch(sb, err));
	if (stat(OLD "/run/systemd/resolve", &st) == -1)
		TRY("/run", mkdirs(NEW "/run"));
	/* Hidden paths, but those in a shared directory: these after it. */
	for (i = 0; i < sb->nhide; i++)
		if (!in_share(sb, sb->hide[i]))
			TRY(sb->hide[i], hide(sb->hide[i]));
	for (i = 0; i < sb->nshare; i++)
		TRY(sb->share[i], bind_host(sb->share[i], 0));
	for (i = 0; i < sb->nhide; i++)
		if (in_share(sb, sb->hide[i]))
			TRY(sb->hide[i], hide(sb->hide[i]));
	TRY(sb->workdir, bind_host(sb->workdir, 0));
	/* The mount points are made: nothing new at the top. */
	for (i = 0; i < sb->nhide; i++)
		if (join(p, NEW, sb->hide[i]) == 0 && lstat(p, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			(void)set_ro(p, 0);
	TRY("/ read-only", set_ro(NEW, 0));
	TRY("chdir /", chdir(NEW));
	TRY("pivot_root", (int)syscall(SYS_pivot_root, ".", "."));
	TRY("umount the old /", umount2(".", MNT_DETACH));
	TRY("chdir /", chdir("/"));
	if (!sb->network)
		TRY("loopback", loopback_up());
	return 0;
}

/* Maps id to itself in /proc/self/ (file: uid_map or gid_map). */
static int
write_map(const char *file, unsigned long id, struct bb_error *err)
{
	char path[64], line[64];
	int fd, n, rv;

	(void)snprintf(path, sizeof(path), "/proc/self/%s", file);
	n = snprintf(line, sizeof(line), "%lu %lu 1\n", id, id);
	TRY(file, (fd = open(path, O_WRONLY | O_CLOEXEC)));
	rv = write(fd, line, (size_t)n) == n ? 0 : -1;
	close(fd);
	TRY(file, rv);
	return 0;
}

/* The user namespace of an unprivileged caller: itself, mapped. */
static int
map_user(uid_t uid, gid_t gid, struct bb_error *err)
{
	int fd;

	if ((fd = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC)) != -1) {
		TRY("setgroups deny", write(fd, "deny", 4) == 4 ? 0 : -1);
		close(fd);
	}
	if (write_map("uid_map", uid, err) == -1 ||
	    write_map("gid_map", gid, err) == -1)
		return -1;
	return 0;
}

/* Every capability gone, for good: the bounding set too. */
static int
drop_caps(void)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];
	int c;

	for (c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == -1 && errno == EINVAL)
			break;
	memset(&h, 0, sizeof(h));
	memset(d, 0, sizeof(d));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	return (int)syscall(SYS_capset, &h, d);
}

/* Ends the calling process as status says: an exit or a signal. */
static void __dead
end_as(int status)
{
	struct rlimit none = { 0, 0 };
	sigset_t set;
	int sig;

	if (WIFEXITED(status))
		_exit(WEXITSTATUS(status));
	sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGKILL;
	(void)setrlimit(RLIMIT_CORE, &none);
	(void)signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	(void)kill(getpid(), sig);
	_exit(128 + sig);
}

/* The namespaces the job gets, and a step joins. */
static int
ns_flags(const struct sandbox *sb)
{
	int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;

	if (!sb->network)
		flags |= CLONE_NEWNET;
	if (sb->userns)
		flags |= CLONE_NEWUSER;
	return flags;
}

/*
 * Kills every process of the namespace but the calling one, its first,
 * and reaps them: kill(-1) there reaches them all, whatever session or
 * group they made; what a dying parent leaves comes to the first
 * process, whose children they then are.
 */
static void
kill_all(void)
{
	(void)kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) != -1 || errno == EINTR)
		(void)kill(-1, SIGKILL);
}

/* Closes every descriptor from 3 on but a and b. */
static void
close_but(int a, int b)
{
	int lo = a < b ? a : b, hi = a < b ? b : a;

	if (lo > 3)
		(void)close_range(3, (unsigned)lo - 1, 0);
	if (hi > lo + 1)
		(void)close_range((unsigned)lo + 1, (unsigned)hi - 1, 0);
	(void)close_range((unsigned)hi + 1, ~0U, 0);
}

/*
 * The first process of the job's PID namespace: makes the view, says
 * so on statusfd (closing it, or writing why it failed), then serves
 * the requests of ctl: a signal for every process of the namespace, or
 * SWEEP, answered once nothing but itself is left.  It ends when ctl
 * ends (bb-run closed it or died), and with it the namespace.
 */
static void __dead
holder(const struct sandbox *sb, uid_t uid, gid_t gid, int ctl,
    int statusfd)
{
	struct signalfd_siginfo si;
	struct pollfd pfd[2];
	struct bb_error e, *err = &e;
	sigset_t all, chld;
	ssize_t n;
	int sig, fd;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	close_but(ctl, statusfd);
	if ((sb->userns && map_user(uid, gid, &e) == -1) ||
	    make_view(sb, &e) == -1)
		goto fail;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if ((pfd[1].fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) ==
	    -1) {
		bb_error_errno(err, EX_OSERR, "sandbox: signalfd");
		goto fail;
	}
	close(statusfd);
	sigfillset(&all);
	sigdelset(&all, SIGCHLD);
	(void)sigprocmask(SIG_UNBLOCK, &all, NULL);
	pfd[0].fd = ctl;
	pfd[0].events = pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		/* Orphans of the step come here: reap them. */
		if (pfd[1].revents != 0) {
			while (read(pfd[1].fd, &si, sizeof(si)) > 0)
				;
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		}
		if (pfd[0].revents == 0)
			continue;
		n = recv(ctl, &sig, sizeof(sig), 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n != sizeof(sig))
			_exit(0);	/* the end: the kernel kills the rest */
		if (sig == SWEEP) {
			kill_all();
			(void)send(ctl, &sig, sizeof(sig), MSG_NOSIGNAL);
		} else if (sig > 0 && sig < NSIG) {
			(void)kill(-1, sig);
			if (sig != SIGKILL)
				(void)kill(-1, SIGCONT);
		}
	}
fail:
	if (write(statusfd, e.msg, strlen(e.msg)) == -1)
		_exit(127);
	_exit(126);
}

int
sandbox_start(struct sandbox *sb, struct bb_error *err)
{
	struct clone_args ca;
	char msg[BB_ERROR_MAX];
	sigset_t all, old;
	siginfo_t si;
	uid_t uid = getuid();
	gid_t gid = getgid();
	size_t len = 0;
	ssize_t n;
	int sp[2], st[2], pidfd = -1;
	pid_t pid;

	sb->pid = 0;
	sb->pidfd = sb->ctl = -1;
	sb->userns = uid != 0;
	bb_error_clear(&sb->why);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1) {
		bb_error_errno(&sb->why, EX_UNAVAILABLE, "sandbox: socketpair");
		goto fail;
	}
	if (pipe2(st, O_CLOEXEC) == -1) {
		bb_error_errno(&sb->why, EX_UNAVAILABLE, "sandbox: pipe");
		close(sp[0]);
		close(sp[1]);
		goto fail;
	}
	memset(&ca, 0, sizeof(ca));
	ca.flags = (uint64_t)ns_flags(sb) | CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	/* No handler of bb-run's may run in the child. */
	sigfillset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, &old);
	pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0) {
		close(sp[0]);
		close(st[0]);
		holder(sb, uid, gid, sp[1], st[1]);
	}
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	close(sp[1]);
	close(st[1]);
	if (pid == -1) {
		bb_error_errno(&sb->why, EX_UNAVAILABLE, "sandbox: new "
		    "namespaces");
		close(sp[0]);
		close(st[0]);
		goto fail;
	}
	/* The first process says why it failed, or just closes. */
	while (len < sizeof(msg) - 1 &&
	    ((n = read(st[0], msg + len, sizeof(msg) - 1 - len)) > 0 ||
	    (n == -1 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	msg[len] = '\0';
	close(st[0]);
	sb->pid = pid;
	sb->pidfd = pidfd;
	sb->ctl = sp[0];
	if (len == 0) {
		memset(&si, 0, sizeof(si));
		/* It must be alive: else it died before saying anything. */
		if (waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED | WNOHANG) ==
		    0 && si.si_pid == 0)
			return 0;
		(void)strlcpy(msg, "sandbox: its first process died",
		    sizeof(msg));
	}
	sandbox_stop(sb);
	bb_error_set(&sb->why, EX_UNAVAILABLE, "%s", msg);
fail:
	if (err != NULL)
		*err = sb->why;
	return -1;
}

void
sandbox_stop(struct sandbox *sb)
{
	siginfo_t si;

	if (sb->ctl != -1)
		close(sb->ctl);
	sb->ctl = -1;
	if (sb->pidfd == -1)
		return;
	/* Its end takes every process of the namespace with it. */
	(void)syscall(SYS_pidfd_send_signal, sb->pidfd, SIGKILL, NULL, 0);
	while (waitid(P_PIDFD, (id_t)sb->pidfd, &si, WEXITED) == -1 &&
	    errno == EINTR)
		;
	close(sb->pidfd);
	sb->pidfd = -1;
	sb->pid = 0;
}

int
sandbox_signal(const struct sandbox *sb, int sig)
{
	if (sb->ctl == -1 || sig <= 0)
		return -1;
	return send(sb->ctl, &sig, sizeof(sig), MSG_NOSIGNAL |
	    MSG_DONTWAIT) == sizeof(sig) ? 0 : -1;
}

/*
 * Asks the namespace's first process to kill every process there but
 * itself, and waits until it did.  Before a step, it is also the bar
 * past which no signal asked for an earlier step reaches a process.
 */
static void
sweep(const struct sandbox *sb)
{
	int req = SWEEP, ack;
	ssize_t n;

	if (send(sb->ctl, &req, sizeof(req), MSG_NOSIGNAL) != sizeof(req))
		return;
	do
		n = recv(sb->ctl, &ack, sizeof(ack), 0);
	while (n == -1 && errno == EINTR);
}

int
sandbox_enter(const struct sandbox *sb, const char *cwd,
    struct bb_error *err)
{
	sigset_t all, none;
	pid_t parent = getppid(), pid;
	int status;

	if (sb->pidfd == -1) {
		*err = sb->why;
		return -1;
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != parent)
		_exit(126);
	TRY("setns", setns(sb->pidfd, ns_flags(sb)));
	sweep(sb);
	sigfillset(&all);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	TRY("fork", (pid = fork()));
	if (pid == 0) {
		/* The step: its parent is outside, its first process is not. */
		(void)setsid();
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		TRY(cwd, chdir(cwd));
		if (sb->dropuser) {
			TRY("setgroups", setgroups(sb->ngroups, sb->groups));
			TRY("setgid", setgid(sb->gid));
			TRY("setuid", setuid(sb->uid));
		}
		TRY("drop capabilities", drop_caps());
		return 0;
	}
	if (on_forward(pid, 1) == -1)
		_exit(126);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			_exit(126);
	/* The step is over: so is all it left, before it is said to be. */
	fwd_pid = 0;
	sweep(sb);
	end_as(status);
}
