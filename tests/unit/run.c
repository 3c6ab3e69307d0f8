/* Unit tests of lib/worker/run.c: one step, its output, its end, its leftovers. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run.h"
#include "tap.h"

struct sink {
	struct buf	*out[3];	/* by fd */
	int		 chunks[3];
	int		 beats;
	int		 fail_on;	/* fail when a chunk holds this byte */
	volatile sig_atomic_t *cancel;
};

static int
on_out(void *arg, int fd, const char *p, size_t n,
    const struct timespec *t __unused)
{
	struct sink *k = arg;

	(void)buf_add(k->out[fd], p, n);
	k->chunks[fd]++;
	if (k->fail_on && memchr(p, k->fail_on, n) != NULL)
		return -1;
	if (k->cancel != NULL && memchr(p, '!', n) != NULL)
		(*k->cancel)++;
	return 0;
}

static int
on_beat(void *arg, const struct timespec *t __unused)
{
	struct sink *k = arg;

	k->beats++;
	return 0;
}

static char *env[] = { "PATH=/usr/bin:/bin", "FOO=bar baz",
    "API_TOKEN=tok-s3cr3t", NULL };
static int workfd;

static void
sink_init(struct sink *k)
{
	memset(k, 0, sizeof(*k));
	k->out[1] = buf_new(1 << 20);
	k->out[2] = buf_new(1 << 20);
}

static void
sink_free(struct sink *k)
{
	buf_free(k->out[1]);
	buf_free(k->out[2]);
}

static void
spec_init(struct run_spec *s, const char *cmd, struct sink *k)
{
	memset(s, 0, sizeof(*s));
	s->cmd = cmd;
	s->workfd = workfd;
	s->env = env;
	s->grace = 1;
	s->wakefd = -1;
	s->watchfd = -1;
	s->out = on_out;
	s->beatfn = on_beat;
	s->arg = k;
}

/* Runs cmd with default settings; the output is in k. */
static int
run(const char *cmd, struct sink *k, struct run_result *res)
{
	struct run_spec s;
	struct bb_error err;

	sink_init(k);
	spec_init(&s, cmd, k);
	return run_step(&s, res, &err);
}

static void
nothing_left(const char *what)
{
	size_t n = run_signal_tree(getpid(), 0, NULL, 0);

	is_int(n, 0, "%s: no process left", what);
}

static void
test_output(void)
{
	struct run_result res;
	struct sink k;

	is_int(run("echo out; echo err >&2; exit 3", &k, &res), 0,
	    "a step runs");
	is_str(k.out[1]->data, "out\n", "standard output");
	is_str(k.out[2]->data, "err\n", "standard error");
	ok(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 3,
	    "its exit status");
	is_int(res.stop, RUN_STOP_NONE, "not stopped");
	sink_free(&k);

	(void)run("printf 'a\\nb'; sleep 1; printf 'c\\n'", &k, &res);
	is_str(k.out[1]->data, "a\nbc\n", "partial lines keep their bytes");
	is_int(k.chunks[1], 3, "a partial line is flushed after a delay");
	sink_free(&k);

	(void)run("head -c 300000 /dev/zero | tr '\\0' x", &k, &res);
	is_int(k.out[1]->len, 300000, "a long line, all of it");
	ok(k.chunks[1] >= 2, "in pieces (%d)", k.chunks[1]);
	sink_free(&k);

	(void)run("echo \"$FOO|$PATH|$HOME|$API_TOKEN\"; cat; pwd", &k, &res);
	is_str(k.out[1]->data, "bar baz|/usr/bin:/bin||tok-s3cr3t\n/tmp\n",
	    "the environment as given, stdin /dev/null, in the work tree");
	sink_free(&k);

	(void)run("ls /proc/self/fd", &k, &res);
	is_str(k.out[1]->data, "0\n1\n2\n3\n", "only fds 0-2 (3 is ls's)");
	sink_free(&k);

	/* The parent ignores SIGPIPE: the child must not. */
	(void)run("yes | head -1; kill -USR1 $$", &k, &res);
	is_str(k.out[1]->data, "y\n", "signals are reset (yes | head ends)");
	ok(WIFSIGNALED(res.status) && WTERMSIG(res.status) == SIGUSR1,
	    "killed by a signal");
	sink_free(&k);
}

static void
test_dir(void)
{
	struct run_spec s;
	struct run_result res;
	struct bb_error err;
	struct sink k;

	sink_init(&k);
	spec_init(&s, "pwd", &k);
	s.dir = "bb-run-unit-sub";
	(void)mkdirat(workfd, s.dir, 0755);
	(void)run_step(&s, &res, &err);
	is_str(k.out[1]->data, "/tmp/bb-run-unit-sub\n", "dir below the tree");
	sink_free(&k);

	sink_init(&k);
	s.dir = "../etc";
	(void)run_step(&s, &res, &err);
	ok(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 126,
	    "a dir out of the tree: exit 126");
	is_str(k.out[2]->data, "bb-run: step directory ../etc: Invalid "
	    "cross-device link\n", "and says why");
	sink_free(&k);
	(void)unlinkat(workfd, "bb-run-unit-sub", AT_REMOVEDIR);
}

static void
test_stop(void)
{
	struct run_spec s;
	struct run_result res;
	struct bb_error err;
	struct timespec dl;
	struct sink k;
	volatile sig_atomic_t cancel = 0;

	sink_init(&k);
	spec_init(&s, "sleep 300 & sleep 300", &k);
	s.timeout = 1;
	s.grace = 10;
	(void)run_step(&s, &res, &err);
	is_int(res.stop, RUN_STOP_TIMEOUT, "timeout");
	ok(WIFSIGNALED(res.status) && WTERMSIG(res.status) == SIGTERM,
	    "the shell got SIGTERM");
	ok(res.elapsed_ms >= 1000 && res.elapsed_ms < 8000,
	    "ended by SIGTERM, before SIGKILL (%lld ms)", res.elapsed_ms);
	is_int(res.leftovers, 0, "a stopped step has no leftovers");
	nothing_left("timeout");
	sink_free(&k);

	sink_init(&k);
	spec_init(&s, "trap '' TERM; echo ready; while :; do sleep 1; done",
	    &k);
	s.timeout = 1;
	(void)run_step(&s, &res, &err);
	ok(WIFSIGNALED(res.status) && WTERMSIG(res.status) == SIGKILL,
	    "SIGKILL after the grace period");
	ok(res.elapsed_ms >= 2000 && res.elapsed_ms < 10000,
	    "after timeout and grace (%lld ms)", res.elapsed_ms);
	nothing_left("SIGTERM ignored");
	sink_free(&k);

	sink_init(&k);
	spec_init(&s, "sleep 300", &k);
	(void)clock_gettime(CLOCK_MONOTONIC, &dl);
	s.deadline = dl;
	(void)run_step(&s, &res, &err);
	is_int(res.stop, RUN_STOP_DEADLINE, "the job's deadline");
	ok(res.elapsed_ms < 5000, "at once (%lld ms)", res.elapsed_ms);
	sink_free(&k);

	sink_init(&k);
	spec_init(&s, "echo start; sleep 300", &k);
	s.silent = 1;
	(void)run_step(&s, &res, &err);
	is_int(res.stop, RUN_STOP_SILENT, "no output for too long");
	sink_free(&k);

	sink_init(&k);
	k.cancel = &cancel;
	spec_init(&s, "echo go!; sleep 300", &k);
	s.cancel = &cancel;
	(void)run_step(&s, &res, &err);
	is_int(res.stop, RUN_STOP_CANCEL, "cancelled");
	ok(WIFSIGNALED(res.status), "the shell was stopped");
	sink_free(&k);

	sink_init(&k);
	k.fail_on = 'x';
	spec_init(&s, "echo a; echo x; sleep 0.5; echo b; sleep 300", &k);
	(void)run_step(&s, &res, &err);
	is_int(res.stop, RUN_STOP_OUTPUT, "the output failed: stopped");
	is_str(k.out[1]->data, "a\nx\n", "nothing given out after");
	nothing_left("output failed");
	sink_free(&k);

	sink_init(&k);
	spec_init(&s, "sleep 2", &k);
	s.beat = 1;
	(void)run_step(&s, &res, &err);
	ok(k.beats >= 1 && k.beats <= 2, "heartbeats (%d)", k.beats);
	sink_free(&k);
}

static void
test_leftovers(void)
{
	struct run_spec s;
	struct run_result res;
	struct bb_error err;
	struct sink k;

	sink_init(&k);
	spec_init(&s, "sleep 301 & echo started", &k);
	s.grace = 10;
	(void)run_step(&s, &res, &err);
	is_int(res.leftovers, 1, "a background child is a leftover");
	ok(res.elapsed_ms < 8000, "SIGHUP ends it, no SIGKILL needed "
	    "(%lld ms)", res.elapsed_ms);
	nothing_left("background child");
	sink_free(&k);

	(void)run("setsid sh -c 'sleep 302' >/dev/null 2>&1 &", &k, &res);
	ok(res.leftovers >= 1, "a daemon (setsid) is found");
	nothing_left("setsid daemon");
	sink_free(&k);

	(void)run("(sh -c 'sleep 303' </dev/null >/dev/null 2>&1 &) ; "
	    "sleep 0.2", &k, &res);
	ok(res.leftovers >= 1, "a double fork is found");
	nothing_left("double fork");
	sink_free(&k);

	sink_init(&k);
	/* The step ends once its child has said it ignores SIGHUP. */
	spec_init(&s, "(sh -c 'trap \"\" HUP; echo ready; "
	    "exec sleep 304 >/dev/null' &) | head -1", &k);
	(void)run_step(&s, &res, &err);
	ok(res.elapsed_ms >= 1000 && res.elapsed_ms < 8000,
	    "one that ignores SIGHUP is killed after the grace period "
	    "(%lld ms)", res.elapsed_ms);
	ok(WIFEXITED(res.status) && WEXITSTATUS(res.status) == 0,
	    "the step itself succeeded");
	nothing_left("SIGHUP ignored");
	sink_free(&k);
}

static void
test_mask(void)
{
	struct run_spec s;
	struct run_result res;
	struct bb_error err;
	struct sink k;
	struct mask *m;

	m = mask_new();
	(void)mask_add(m, "tok-s3cr3t", 10, &err);
	sink_init(&k);
	spec_init(&s, "echo \"[$API_TOKEN]\"; for c in t o k - s 3 c r 3 t; do "
	    "printf %s $c; sleep 0.05; done; echo; echo \"$API_TOKEN\" >&2",
	    &k);
	s.mask = m;
	(void)run_step(&s, &res, &err);
	is_str(k.out[1]->data, "[[masked]]\n[masked]\n",
	    "a secret is masked, whole and byte by byte");
	is_str(k.out[2]->data, "[masked]\n", "on standard error too");
	sink_free(&k);
	mask_free(m);
}

int
main(void)
{
	struct bb_error err;

	(void)signal(SIGPIPE, SIG_IGN);
	if (run_init(&err) == -1 || (workfd = open("/tmp", O_RDONLY |
	    O_DIRECTORY)) == -1) {
		printf("Bail out! %s\n", err.msg);
		return 1;
	}
	test_output();
	test_dir();
	test_stop();
	test_leftovers();
	test_mask();
	return tap_done();
}
