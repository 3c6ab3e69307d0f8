#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "record.h"
#include "track.h"

#define TRACK_FILE_MAX	(64 * 1024)
#define ENVIRON_MAX	(256 * 1024)	/* read of a process's environment */
#define STEPS_MAX	1000		/* a recipe's steps at most */
#define SWEEP_ROUNDS	100		/* 20 ms each */

struct track {
	int		 dirfd;
	char		 name[64];
	struct buf	*text;		/* the records so far */
};

/* A process as /proc tells it. */
struct pinfo {
	pid_t			pgrp;
	unsigned long long	start;
};

static int
proc_info(pid_t pid, struct pinfo *pi)
{
	char path[64], buf[1024], *p, *f;
	ssize_t n;
	int fd, i;

	(void)snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) S ppid pgrp ...": comm may hold anything. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return -1;
	p += 2;
	if (p[0] == 'Z' || p[0] == 'X')
		return -1;
	memset(pi, 0, sizeof(*pi));
	/* Fields from the state on: 3 state, 5 pgrp, 22 starttime. */
	for (i = 3; (f = strsep(&p, " ")) != NULL; i++) {
		if (i == 5)
			pi->pgrp = (pid_t)strtol(f, NULL, 10);
		else if (i == 22) {
			pi->start = strtoull(f, NULL, 10);
			return 0;
		}
	}
	return -1;
}

unsigned long long
track_starttime(pid_t pid)
{
	struct pinfo pi;

	return proc_info(pid, &pi) == -1 ? 0 : pi.start;
}

/*
 * The note needs to outlive bb-run, not the machine: the processes it
 * names end with a reboot, so it is replaced whole but not synced to disk
 * (two flushes less on the way to each step).  A note that a power loss
 * left empty or cut names no process alive: track_sweep removes it.
 */
static int
save(struct track *t, struct bb_error *err)
{
	return file_write_replace(t->dirfd, t->name, t->text->data,
	    t->text->len, 0644, err);
}

struct track *
track_start(const char *dir, const char *workdir, const char *scratch,
    struct bb_error *err)
{
	struct track *t;
	struct record r;

	record_init(&r);
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->text = buf_new(TRACK_FILE_MAX)) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", dir);
		goto fail;
	}
	t->dirfd = -1;
	if ((mkdir(dir, 0755) == -1 && errno != EEXIST) ||
	    (t->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		bb_error_errno(err, EX_CANTCREAT, "%s", dir);
		goto fail;
	}
	(void)snprintf(t->name, sizeof(t->name), "run.%ld", (long)getpid());
	if (record_start(&r, "track", err) == -1 ||
	    record_setf(&r, err, "pid", "%ld", (long)getpid()) == -1 ||
	    record_setf(&r, err, "start", "%llu",
	    track_starttime(getpid())) == -1 ||
	    record_set(&r, "workdir", workdir, err) == -1 ||
	    (scratch != NULL && record_set(&r, "scratch", scratch,
	    err) == -1) ||
	    record_encode(&r, t->text, err) == -1 || save(t, err) == -1) {
		bb_error_prefix(err, "%s", dir);
		goto fail;
	}
	record_free(&r);
	return t;
fail:
	record_free(&r);
	if (t != NULL) {
		if (t->dirfd != -1)
			close(t->dirfd);
		buf_free(t->text);
		free(t);
	}
	return NULL;
}

int
track_step(struct track *t, pid_t pid, struct bb_error *err)
{
	struct record r;
	int rv = -1;

	if (t == NULL)
		return 0;
	record_init(&r);
	if (record_start(&r, "step", err) == 0 &&
	    record_setf(&r, err, "pgid", "%ld", (long)pid) == 0 &&
	    record_setf(&r, err, "start", "%llu", track_starttime(pid)) ==
	    0 && record_encode(&r, t->text, err) == 0 && save(t, err) == 0)
		rv = 0;
	record_free(&r);
	return rv;
}

void
track_end(struct track *t)
{
	if (t == NULL)
		return;
	(void)unlinkat(t->dirfd, t->name, 0);
	close(t->dirfd);
	buf_free(t->text);
	free(t);
}

/* What a record file says about a run. */
struct run {
	pid_t			 pid;
	unsigned long long	 start;
	char			*workdir;
	char			*scratch;
	pid_t			 pgid[STEPS_MAX];
	unsigned long long	 pstart[STEPS_MAX];
	size_t			 nsteps;
};

static void
run_free(struct run *r)
{
	free(r->workdir);
	free(r->scratch);
	memset(r, 0, sizeof(*r));
}

static int
read_run(int dirfd, const char *name, struct run *run, struct bb_error *err)
{
	struct buf *b = NULL;
	struct record r;
	const char *s, *nl, *end, *v;
	long long n, st;
	int rv = -1;

	memset(run, 0, sizeof(*run));
	record_init(&r);
	if (file_read(dirfd, name, TRACK_FILE_MAX, &b, err) == -1)
		goto out;
	end = b->data + b->len;
	for (s = b->data; s < end; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		if (record_parse(&r, s, (size_t)(nl - s), err) == -1)
			goto out;
		if (record_get_num(&r, record_is(&r, "track") ? "pid" : "pgid",
		    1, INT_MAX, &n, err) == -1 ||
		    record_get_num(&r, "start", 0, LLONG_MAX, &st, err) == -1)
			goto out;
		if (record_is(&r, "track")) {
			run->pid = (pid_t)n;
			run->start = (unsigned long long)st;
			if ((v = record_get(&r, "workdir")) != NULL &&
			    v[0] == '/')
				run->workdir = strdup(v);
			if ((v = record_get(&r, "scratch")) != NULL &&
			    v[0] == '/')
				run->scratch = strdup(v);
		} else if (record_is(&r, "step") && run->nsteps < STEPS_MAX) {
			run->pgid[run->nsteps] = (pid_t)n;
			run->pstart[run->nsteps++] = (unsigned long long)st;
		}
	}
	rv = run->pid != 0 ? 0 : -1;
	if (rv == -1)
		bb_error_set(err, EX_DATAERR, "%s: no track record", name);
out:
	record_free(&r);
	buf_free(b);
	return rv;
}

/* Returns 1 if pid's environment holds the line want (NUL included). */
static int
has_env(pid_t pid, const char *want, size_t wlen)
{
	char path[64], *buf, *p, *end;
	ssize_t n;
	size_t len = 0;
	int fd, found = 0;

	(void)snprintf(path, sizeof(path), "/proc/%ld/environ", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	if ((buf = malloc(ENVIRON_MAX)) == NULL) {
		close(fd);
		return 0;
	}
	while (len < ENVIRON_MAX &&
	    (n = read(fd, buf + len, ENVIRON_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	end = buf + len;
	for (p = buf; p < end && !found; p += strnlen(p, (size_t)(end - p)) + 1)
		found = (size_t)(end - p) >= wlen && memcmp(p, want, wlen) == 0;
	free(buf);
	return found;
}

/* Whether pid, started at start, is one of run's. */
static int
of_run(const struct run *run, pid_t pid, const struct pinfo *pi,
    const char *want, size_t wlen)
{
	size_t i;

	if (pi->start < run->start || pid == getpid())
		return 0;
	for (i = 0; i < run->nsteps; i++)
		if (pi->pgrp == run->pgid[i] && pi->start >= run->pstart[i])
			return 1;
	return want != NULL && has_env(pid, want, wlen);
}

/* One pass over /proc: SIGKILL to each process of run.  How many. */
static size_t
kill_run(const struct run *run, const char *want, size_t wlen)
{
	struct dirent *de;
	struct pinfo pi;
	const char *errstr;
	size_t n = 0;
	DIR *d;
	pid_t pid;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		pid = (pid_t)strtonum(de->d_name, 1, INT_MAX, &errstr);
		if (errstr != NULL || proc_info(pid, &pi) == -1)
			continue;
		if (of_run(run, pid, &pi, want, wlen) &&
		    kill(pid, SIGKILL) == 0)
			n++;
	}
	closedir(d);
	return n;
}

int
track_sweep(const char *dir, size_t *killed,
    void (*say)(void *, const char *), void *arg, struct bb_error *err)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	struct bb_error e;
	struct dirent *de;
	struct run run;
	char *want = NULL, line[BB_ERROR_MAX];
	size_t wlen = 0, n, total, round;
	DIR *d;
	int dirfd;

	if ((dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		bb_error_errno(err, EX_NOINPUT, "%s", dir);
		return -1;
	}
	if ((d = fdopendir(dirfd)) == NULL) {
		bb_error_errno(err, EX_NOINPUT, "%s", dir);
		close(dirfd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "run.", 4) != 0 ||
		    strchr(de->d_name, '.') != de->d_name + 3)
			continue;
		if (read_run(dirfd, de->d_name, &run, &e) == -1) {
			/*
			 * Notes are replaced whole while the machine runs:
			 * one that cannot be read is what a power loss
			 * left, and its processes are gone.
			 */
			if (say != NULL)
				say(arg, e.msg);
			run_free(&run);
			(void)unlinkat(dirfd, de->d_name, 0);
			continue;
		}
		if (track_starttime(run.pid) == run.start) {
			run_free(&run);
			continue;	/* that bb-run is alive */
		}
		want = NULL;
		if (run.workdir != NULL && (wlen = (size_t)asprintf(&want,
		    "BB_WORKDIR=%s", run.workdir) + 1) == 0)
			want = NULL;
		total = 0;
		for (round = 0; round < SWEEP_ROUNDS; round++) {
			if ((n = kill_run(&run, want, wlen)) == 0)
				break;
			if (round == 0)
				total = n;
			(void)nanosleep(&tick, NULL);
		}
		free(want);
		if (run.scratch != NULL)
			(void)file_rmtree(run.scratch, 0, NULL);
		(void)unlinkat(dirfd, de->d_name, 0);
		*killed += total;
		if (say != NULL) {
			(void)snprintf(line, sizeof(line), "stopped %zu "
			    "process%s left by bb-run %ld, which died (work "
			    "tree %s)", total, total == 1 ? "" : "es",
			    (long)run.pid, run.workdir ? run.workdir : "?");
			say(arg, line);
		}
		run_free(&run);
	}
	closedir(d);
	return 0;
}
