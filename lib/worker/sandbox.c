#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <linux/capability.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "sandbox.h"
#include "file.h"

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

/* Binds the host's src at dst (a mount point made for it). */
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

/* The /dev of the step: a few devices, its own pts and shm. */
static int
make_dev(const char *root, struct bb_error *err)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
		{ "pts/ptmx", "ptmx" },
	};
	char dev[PATH_MAX], p[PATH_MAX], h[PATH_MAX];
	size_t i;

	TRY("/dev", join(dev, root, "/dev"));
	TRY("mount tmpfs /dev", tmpfs(dev, "mode=0755,size=64k"));
	for (i = 0; i < nitems(devices); i++) {
		TRY(devices[i], join(h, "/dev/", devices[i]));
		TRY(devices[i], join(p, dev, h + 4));
		if (access(h, F_OK) == 0)
			TRY(h, bind_at(h, p, 0));
	}
	for (i = 0; i < nitems(links); i++) {
		TRY("/dev", join(p, dev, "/"));
		TRY("/dev", strlcat(p, links[i][1], sizeof(p)) >= sizeof(p) ?
		    -1 : 0);
		TRY(p, symlink(links[i][0], p));
	}
	TRY("/dev/shm", join(p, dev, "/shm"));
	TRY("mount tmpfs /dev/shm", tmpfs(p, "mode=1777"));
	TRY("/dev/pts", join(p, dev, "/pts"));
	TRY("/dev/pts", mkdirs(p));
	/* Terminals are a nicety: a kernel that refuses them is no error. */
	(void)mount("devpts", p, "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=0620");
	TRY("/dev read-only", set_ro(dev, 0));
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
 * Makes the absolute path (as seen under root) empty: a directory gets a
 * tmpfs, a file /dev/null.  A path the view does not hold, or a symbolic
 * link, is left.  Returns 0, or -1 with errno set.
 */
static int
hide(const char *root, const char *path)
{
	char p[PATH_MAX];
	struct stat st;

	if (path[0] != '/')
		return 0;
	if (join(p, root, path) == -1)
		return -1;
	if (lstat(p, &st) == -1)
		return 0;
	if (S_ISDIR(st.st_mode))
		return mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV,
		    "mode=0755,size=64k");
	if (!S_ISLNK(st.st_mode))
		return mount("/dev/null", p, NULL, MS_BIND, NULL);
	return 0;
}

/* Builds the view in root (a new tmpfs) and moves into it. */
static int
make_view(const struct sandbox *sb, struct bb_error *err)
{
	char root[PATH_MAX], p[PATH_MAX], q[PATH_MAX], link[PATH_MAX];
	struct stat st;
	ssize_t n;
	size_t i;

	TRY("make / private", mount(NULL, "/", NULL, MS_REC | MS_PRIVATE,
	    NULL));
	TRY("root", join(root, sb->scratch, "/root"));
	TRY("mount tmpfs /", tmpfs(root, "mode=0755,size=1m"));
	for (i = 0; i < nitems(system_dirs); i++) {
		if (lstat(system_dirs[i], &st) == -1)
			continue;
		TRY(system_dirs[i], join(p, root, system_dirs[i]));
		if (S_ISLNK(st.st_mode)) {
			n = readlink(system_dirs[i], link, sizeof(link) - 1);
			TRY(system_dirs[i], n == -1 ? -1 : 0);
			link[n] = '\0';
			TRY(system_dirs[i], symlink(link, p));
		} else if (S_ISDIR(st.st_mode))
			TRY(system_dirs[i], bind_at(system_dirs[i], p, 1));
	}
	TRY("/dev", make_dev(root, err));
	TRY("/proc", join(p, root, "/proc"));
	TRY("/proc", mkdirs(p));
	TRY("mount /proc", mount("proc", p, "proc", MS_NOSUID | MS_NODEV |
	    MS_NOEXEC, NULL));
	TRY("/tmp", join(p, root, "/tmp"));
	TRY("/tmp", join(q, sb->scratch, "/tmp"));
	TRY("/tmp", bind_at(q, p, 0));
	TRY("/var/tmp", join(p, root, "/var/tmp"));
	if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
		TRY("/var/tmp", mount(q, p, NULL, MS_BIND, NULL));
	if (stat("/run/systemd/resolve", &st) == -1) {
		TRY("/run", join(p, root, "/run"));
		TRY("/run", mkdirs(p));
	}
	/* Hidden paths, but those in a shared directory: these after it. */
	for (i = 0; i < sb->nhide; i++)
		if (!in_share(sb, sb->hide[i]))
			TRY(sb->hide[i], hide(root, sb->hide[i]));
	if (sb->home != NULL && sb->home[0] == '/' && sb->home[1] != '\0') {
		TRY("HOME", join(p, root, sb->home));
		TRY("HOME", join(q, sb->scratch, "/home"));
		TRY(sb->home, bind_at(q, p, 0));
	}
	for (i = 0; i < sb->nshare; i++) {
		TRY(sb->share[i], join(p, root, sb->share[i]));
		TRY(sb->share[i], bind_at(sb->share[i], p, 0));
	}
	for (i = 0; i < sb->nhide; i++)
		if (in_share(sb, sb->hide[i]))
			TRY(sb->hide[i], hide(root, sb->hide[i]));
	TRY(sb->workdir, join(p, root, sb->workdir));
	TRY(sb->workdir, bind_at(sb->workdir, p, 0));
	/* The mount points are made: nothing new at the top. */
	for (i = 0; i < sb->nhide; i++)
		if (join(p, root, sb->hide[i]) == 0 && lstat(p, &st) == 0 &&
		    S_ISDIR(st.st_mode))
			(void)set_ro(p, 0);
	TRY("/ read-only", set_ro(root, 0));
	TRY("chdir /", chdir(root));
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

	TRY("unshare user", unshare(CLONE_NEWUSER));
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

/* Waits for pid, reaping any other child meanwhile (pid 1's duty). */
static int
wait_for(pid_t pid)
{
	pid_t p;
	int status;

	for (;;) {
		p = waitpid(-1, &status, 0);
		if (p == pid)
			return status;
		if (p == -1 && errno != EINTR)
			return -1;
	}
}

/* The namespace's first process: makes the view, runs the step. */
static int
first(const struct sandbox *sb, const char *cwd, int statusfd,
    struct bb_error *err)
{
	sigset_t all, none;
	pid_t pid;
	int status;

	/* make_view's own message names the mount or path at fault. */
	if (make_view(sb, err) == -1)
		return -1;
	sigfillset(&all);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	TRY("fork", (pid = fork()));
	if (pid == 0) {
		close(statusfd);
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
	TRY("signals", on_forward(pid, 1));
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	status = wait_for(pid);
	if (write(statusfd, &status, sizeof(status)) != sizeof(status))
		_exit(126);
	/* The end of pid 1: the kernel kills what the step left. */
	_exit(0);
}

int
sandbox_enter(const struct sandbox *sb, const char *cwd,
    struct bb_error *err)
{
	sigset_t all, none;
	pid_t parent = getppid(), pid;
	uid_t uid = getuid();
	gid_t gid = getgid();
	ssize_t n;
	int p[2], status, flags;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != parent)
		_exit(126);
	if (uid != 0 && map_user(uid, gid, err) == -1)
		return -1;
	flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
	if (!sb->network)
		flags |= CLONE_NEWNET;
	TRY("unshare", unshare(flags));
	TRY("pipe", pipe2(p, O_CLOEXEC));
	sigfillset(&all);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	TRY("fork", (pid = fork()));
	if (pid == 0) {
		close(p[0]);
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		return first(sb, cwd, p[1], err);
	}
	close(p[1]);
	if (on_forward(pid, 0) == -1)
		_exit(126);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	status = wait_for(pid);
	do
		n = read(p[0], &status, sizeof(status));
	while (n == -1 && errno == EINTR);
	/* No word from the first process: it ended as status says. */
	end_as(status);
}

int
sandbox_scratch(const char *tmpdir, int own, uid_t uid, gid_t gid,
    char **out, struct bb_error *err)
{
	static const char *const subs[] = { "root", "tmp", "home" };
	static const mode_t modes[] = { 0755, 01777, 0700 };
	char *dir = NULL, p[PATH_MAX];
	size_t i;

	if (asprintf(&dir, "%s/bb-run.XXXXXX", tmpdir) == -1) {
		bb_error_errno(err, EX_OSERR, "scratch directory");
		return -1;
	}
	if (mkdtemp(dir) == NULL) {
		bb_error_errno(err, EX_CANTCREAT, "%s", dir);
		free(dir);
		return -1;
	}
	for (i = 0; i < nitems(subs); i++) {
		(void)snprintf(p, sizeof(p), "%s/%s", dir, subs[i]);
		if (mkdir(p, modes[i]) == -1 || chmod(p, modes[i]) == -1 ||
		    (own && i > 0 && chown(p, uid, gid) == -1)) {
			bb_error_errno(err, EX_CANTCREAT, "%s", p);
			(void)file_rmtree(dir, 0, NULL);
			free(dir);
			return -1;
		}
	}
	*out = dir;
	return 0;
}

int
sandbox_scratch_remove(const char *dir, struct bb_error *err)
{
	return file_rmtree(dir, 0, err);
}

int
sandbox_probe(const struct sandbox *sb, struct bb_error *err)
{
	struct bb_error e;
	char msg[BB_ERROR_MAX];
	pid_t pid;
	ssize_t n;
	size_t len = 0;
	int p[2], status;

	if (pipe2(p, O_CLOEXEC) == -1) {
		bb_error_errno(err, EX_OSERR, "sandbox: pipe");
		return -1;
	}
	if ((pid = fork()) == -1) {
		bb_error_errno(err, EX_OSERR, "sandbox: fork");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		(void)setsid();
		if (sandbox_enter(sb, "/", &e) == 0)
			_exit(0);
		if (write(p[1], e.msg, strlen(e.msg)) == -1)
			_exit(127);
		_exit(126);
	}
	close(p[1]);
	while (len < sizeof(msg) - 1 &&
	    ((n = read(p[0], msg + len, sizeof(msg) - 1 - len)) > 0 ||
	    (n == -1 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	msg[len] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	bb_error_set(err, EX_UNAVAILABLE, "%s", len > 0 ? msg :
	    "sandbox: cannot be made");
	return -1;
}
