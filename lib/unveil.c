#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/landlock.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "unveil.h"

/* Newer than the kernel headers of Debian 12. */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE	(1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP	(1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP	(1ULL << 1)
#endif

#define FS_ABI1		((1ULL << 13) - 1)	/* EXECUTE to MAKE_SYM */
#define FS_FILE		(LANDLOCK_ACCESS_FS_EXECUTE |			\
			 LANDLOCK_ACCESS_FS_WRITE_FILE |		\
			 LANDLOCK_ACCESS_FS_READ_FILE |			\
			 LANDLOCK_ACCESS_FS_TRUNCATE)

/* The ruleset attribute as the newest kernels read it. */
struct ruleset_attr {
	uint64_t	fs;
	uint64_t	net;
	uint64_t	scoped;
};

/* What every confined program may still read: it has to run. */
static const char *const system_paths[] = {
	"/usr", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin",
	"/etc", "/dev/urandom", "/dev/random", "/proc/self",
	"/sys/devices/system/cpu",
};

#define RULES_MAX	64

struct rule {
	int		 fd;		/* O_PATH */
	uint64_t	 access;
};

/*
 * The state of this process's list, as the kernel keeps unveil(2)'s on
 * OpenBSD: the rules bb_unveil gathers, made one ruleset when locked.
 * One ruleset, since every Landlock layer denies linking and renaming
 * across directories unless it grants it: a second layer for the network
 * alone would forbid them.
 */
static int abi = -1;
static struct rule rules[RULES_MAX];
static size_t nrules;
static int nonet;
static int locked;

int
bb_landlock_abi(void)
{
	long v;

	if (abi == -1) {
		v = syscall(SYS_landlock_create_ruleset, NULL, 0,
		    LANDLOCK_CREATE_RULESET_VERSION);
		abi = v < 0 ? 0 : (int)v;
	}
	return abi;
}

static uint64_t
fs_handled(void)
{
	uint64_t a = FS_ABI1;

	if (abi >= 2)
		a |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		a |= LANDLOCK_ACCESS_FS_TRUNCATE;
	return a;
}

static uint64_t
rights(const char *perms, int dir)
{
	uint64_t a = 0;
	const char *p;

	for (p = perms; *p != '\0'; p++)
		switch (*p) {
		case 'r':
			a |= LANDLOCK_ACCESS_FS_READ_FILE;
			if (dir)
				a |= LANDLOCK_ACCESS_FS_READ_DIR;
			break;
		case 'w':
			a |= LANDLOCK_ACCESS_FS_WRITE_FILE |
			    LANDLOCK_ACCESS_FS_TRUNCATE;
			break;
		case 'c':
			if (dir)
				a |= LANDLOCK_ACCESS_FS_MAKE_REG |
				    LANDLOCK_ACCESS_FS_MAKE_DIR |
				    LANDLOCK_ACCESS_FS_MAKE_SYM |
				    LANDLOCK_ACCESS_FS_REMOVE_FILE |
				    LANDLOCK_ACCESS_FS_REMOVE_DIR |
				    LANDLOCK_ACCESS_FS_REFER;
			break;
		case 'd':
			if (dir)
				a |= LANDLOCK_ACCESS_FS_REMOVE_DIR;
			break;
		case 'x':
			a |= LANDLOCK_ACCESS_FS_EXECUTE;
			break;
		}
	a &= fs_handled();
	return dir ? a : a & FS_FILE;
}

static int
add_rule(const char *path, const char *perms, int depth)
{
	struct stat st;
	char parent[PATH_MAX], *slash;
	uint64_t access;
	int fd, saved;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) == -1) {
		/* Not there yet: making it is up to its directory. */
		if (errno != ENOENT || depth > 0 ||
		    strpbrk(perms, "cw") == NULL ||
		    strlcpy(parent, path, sizeof(parent)) >= sizeof(parent))
			return -1;
		if ((slash = strrchr(parent, '/')) == NULL)
			(void)strlcpy(parent, ".", sizeof(parent));
		else if (slash == parent)
			parent[1] = '\0';
		else
			*slash = '\0';
		return add_rule(parent, strchr(perms, 'r') ? "rwc" : "wc", 1);
	}
	if (fstat(fd, &st) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if ((access = rights(perms, S_ISDIR(st.st_mode))) == 0) {
		close(fd);
		return 0;
	}
	if (nrules == RULES_MAX) {
		close(fd);
		errno = ENOSPC;
		return -1;
	}
	rules[nrules].fd = fd;
	rules[nrules++].access = access;
	return 0;
}

static void
drop_rules(void)
{
	while (nrules > 0)
		close(rules[--nrules].fd);
}

/* The ruleset of the rules gathered, the network too if pledged away. */
static int
make_ruleset(void)
{
	struct landlock_path_beneath_attr pb;
	struct ruleset_attr ra;
	size_t i;
	int fd, saved;

	memset(&ra, 0, sizeof(ra));
	ra.fs = fs_handled();
	if (nonet && abi >= 4)
		ra.net = LANDLOCK_ACCESS_NET_BIND_TCP |
		    LANDLOCK_ACCESS_NET_CONNECT_TCP;
	fd = (int)syscall(SYS_landlock_create_ruleset, &ra, ra.net != 0 ?
	    offsetof(struct ruleset_attr, scoped) : sizeof(ra.fs), 0);
	if (fd == -1)
		return -1;
	for (i = 0; i < nrules; i++) {
		memset(&pb, 0, sizeof(pb));
		pb.parent_fd = rules[i].fd;
		pb.allowed_access = rules[i].access;
		if (syscall(SYS_landlock_add_rule, fd,
		    LANDLOCK_RULE_PATH_BENEATH, &pb, 0) == -1) {
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
	}
	return fd;
}

static int
restrict_self(int fd)
{
	int saved;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    syscall(SYS_landlock_restrict_self, fd, 0) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

int
bb_unveil(const char *path, const char *perms)
{
	size_t i;
	int fd, saved;

	if (bb_landlock_abi() < 1)
		return 0;
	if (locked) {
		errno = EPERM;
		return -1;
	}
	if (path != NULL)
		return add_rule(path, perms != NULL ? perms : "", 0);
	locked = 1;
	for (i = 0; i < nitems(system_paths); i++)
		if (add_rule(system_paths[i], "r", 1) == -1 &&
		    errno != ENOENT)
			goto fail;
	if (add_rule("/dev/null", "rw", 1) == -1 && errno != ENOENT)
		goto fail;
	if ((fd = make_ruleset()) == -1)
		goto fail;
	drop_rules();
	return restrict_self(fd);
fail:
	saved = errno;
	drop_rules();
	errno = saved;
	return -1;
}

int
bb_unveil_dir_of(const char *path, const char *perms)
{
	char dir[PATH_MAX], *slash;

	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		return bb_unveil(".", perms);
	if (slash == dir)
		slash++;
	*slash = '\0';
	return bb_unveil(dir, perms);
}

int
bb_confine_tree(const char *path)
{
	if (bb_unveil(path, "rwc") == -1 ||
	    bb_pledge("stdio rpath wpath cpath", NULL) == -1)
		return -1;
	return bb_unveil(NULL, NULL);
}

/* Returns 1 if the space-separated list has the word w. */
static int
has_word(const char *list, const char *w)
{
	size_t n = strlen(w);
	const char *s;

	for (s = list; (s = strstr(s, w)) != NULL; s += n)
		if ((s == list || s[-1] == ' ') && (s[n] == '\0' ||
		    s[n] == ' '))
			return 1;
	return 0;
}

int
bb_pledge(const char *promises, const char *execpromises)
{
	struct ruleset_attr ra;
	int fd;

	(void)execpromises;
	if (promises == NULL || bb_landlock_abi() < 4 ||
	    has_word(promises, "inet"))
		return 0;
	if (!locked) {
		nonet = 1;	/* with the rules of bb_unveil(NULL, NULL) */
		return 0;
	}
	/* XXX A layer of its own: renames across directories end here. */
	memset(&ra, 0, sizeof(ra));
	ra.net = LANDLOCK_ACCESS_NET_BIND_TCP |
	    LANDLOCK_ACCESS_NET_CONNECT_TCP;
	fd = (int)syscall(SYS_landlock_create_ruleset, &ra,
	    offsetof(struct ruleset_attr, scoped), 0);
	if (fd == -1)
		return -1;
	return restrict_self(fd);
}
