#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "artifact.h"
#include "collect.h"
#include "digest.h"
#include "duration.h"
#include "job.h"
#include "run.h"

/* The state of one run of the steps. */
struct jobrun {
	struct job		*j;
	const struct recipe_step *step;		/* running now */
	enum job_result		 result;
	const char		*decider;	/* the step that decided */
	char			 reason[256];
	int			 stopped;	/* run only the always steps */
	int			 discard;	/* the output is gone */
	struct timespec		 deadline;	/* the job's, or 0 */
};

const char *
job_result_name(enum job_result r)
{
	static const char *const names[] = {
		"success", "failure", "timeout", "cancelled",
	};

	return names[r];
}

void
job_input_free(struct job_input *in)
{
	size_t i;

	for (i = 0; i < in->nvalues; i++)
		freezero(in->values[i], strlen(in->values[i]));
	free(in->values);
	recipe_free(in->recipe);
	free(in->workdir);
	free(in->name);
	free(in->upstream);
	free(in->hub);
	memset(in, 0, sizeof(*in));
}

/* Keeps the value of key of rec to mask it; 0, or -1 on ENOMEM. */
static int
keep_value(struct job_input *in, const struct record *rec, const char *key)
{
	const char *v;
	char **nv;

	if ((v = record_get(rec, key)) == NULL || *v == '\0')
		return 0;
	if ((nv = reallocarray(in->values, in->nvalues + 1,
	    sizeof(*nv))) == NULL)
		return -1;
	in->values = nv;
	if ((in->values[in->nvalues] = strdup(v)) == NULL)
		return -1;
	in->nvalues++;
	return 0;
}

/*
 * One record of the input: consumed, or passed on.  Returns 0, -1 on a
 * system error, -2 for bad input (the caller adds the line number).
 */
static int
input_record(struct job_input *in, struct record *rec, const char *line,
    size_t len, struct emit *e, const char *workdir, struct bb_error *err)
{
	const char *v;
	size_t n;

	switch (recipe_add_record(in->recipe, rec, err)) {
	case 1:
		return 0;
	case -1:
		goto bad;
	default:
		break;
	}
	if ((record_is(rec, "session") && keep_value(in, rec, "token") == -1) ||
	    (record_is(rec, "job") && keep_value(in, rec, "lease") == -1)) {
		bb_error_errno(err, EX_OSERR, "reading input");
		return -1;
	}
	if (record_is(rec, "workdir")) {
		if (in->workdir != NULL) {
			bb_error_set(err, EX_DATAERR, "a second workdir "
			    "record");
			goto bad;
		}
		if ((v = record_getn(rec, "path", &n)) == NULL ||
		    strlen(v) != n || n == 0) {
			bb_error_set(err, EX_DATAERR, "workdir record "
			    "without a path");
			goto bad;
		}
		if ((in->workdir = strdup(v)) == NULL) {
			bb_error_errno(err, EX_OSERR, "reading input");
			return -1;
		}
		if (workdir != NULL) {
			if (record_set(rec, "path", workdir, err) == -1)
				return -1;
			(void)emit_record(e, rec);
			return 0;
		}
	} else if (record_is(rec, "error") && in->upstream == NULL) {
		const char *tool = record_get(rec, "tool");

		v = record_get(rec, "msg");
		if (asprintf(&in->upstream, "%s: %s", tool != NULL ? tool :
		    "a stage", v != NULL ? v : "failed") == -1) {
			in->upstream = NULL;
			bb_error_errno(err, EX_OSERR, "reading input");
			return -1;
		}
	} else if (record_is(rec, "session") && in->hub == NULL &&
	    (v = record_get(rec, "hub")) != NULL) {
		if ((in->hub = strdup(v)) == NULL) {
			bb_error_errno(err, EX_OSERR, "reading input");
			return -1;
		}
	} else if (record_is(rec, "job") && in->name == NULL &&
	    (v = record_get(rec, "name")) != NULL && recipe_valid_name(v)) {
		if ((in->name = strdup(v)) == NULL) {
			bb_error_errno(err, EX_OSERR, "reading input");
			return -1;
		}
	}
	(void)emit_pass(e, line, len);
	return 0;
bad:
	err->code = EX_DATAERR;
	return -2;
}

int
job_read(int fd, const char *name, struct emit *e, const char *workdir,
    int wakefd, volatile sig_atomic_t *cancel, struct job_input *in,
    struct bb_error *err)
{
	struct record_reader rd;
	struct record rec;
	struct pollfd pfd[2];
	const char *line;
	char junk[64];
	size_t len;
	int r, rv = -1;

	memset(in, 0, sizeof(*in));
	record_init(&rec);
	if (record_reader_init(&rd, fd, name) == -1 ||
	    (in->recipe = recipe_new()) == NULL) {
		bb_error_errno(err, EX_OSERR, "%s", name);
		goto out;
	}
	for (;;) {
		while ((r = record_reader_next(&rd, &rec, &line, &len,
		    err)) == 1) {
			r = input_record(in, &rec, line, len, e, workdir,
			    err);
			if (r == -1)
				goto out;
			if (r == -2) {
				bb_error_prefix(err, "%s: line %zu", name,
				    rd.lineno);
				goto out;
			}
		}
		if (r == -1)
			goto out;
		if (rd.eof)
			break;
		pfd[0].fd = fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = wakefd;
		pfd[1].events = POLLIN;
		if (cancel != NULL && *cancel != 0) {
			in->cancelled = 1;
			rv = 0;
			goto out;
		}
		if (poll(pfd, wakefd == -1 ? 1 : 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			bb_error_errno(err, EX_OSERR, "poll");
			goto out;
		}
		if (wakefd != -1 && (pfd[1].revents & POLLIN))
			while (read(wakefd, junk, sizeof(junk)) > 0)
				;
		if (pfd[0].revents == 0)
			continue;
		if (record_reader_fill(&rd, err) == -1 && errno != EINTR &&
		    errno != EAGAIN)
			goto out;
	}
	if (recipe_check(in->recipe, err) == -1) {
		bb_error_prefix(err, "%s", name);
		goto out;
	}
	rv = 0;
out:
	record_reader_free(&rd);
	record_free(&rec);
	return rv;
}

static void __printflike(2, 3)
warn(struct job *j, const char *fmt, ...)
{
	char msg[BB_ERROR_MAX];
	va_list ap;

	if (j->warn == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	j->warn(j->warnarg, msg);
}

static int
env_add(struct job *j, const char *name, const char *value)
{
	char **v, *s;

	if (asprintf(&s, "%s=%s", name, value) == -1)
		return -1;
	if ((v = reallocarray(j->env, j->nenv + 2, sizeof(*v))) == NULL) {
		freezero(s, strlen(s));
		return -1;
	}
	j->env = v;
	j->env[j->nenv++] = s;
	j->env[j->nenv] = NULL;
	return 0;
}

/* The value of name in envp, or NULL. */
static const char *
env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; *envp != NULL; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

static int
masked_name(const struct job *j, const char *name)
{
	return mask_name_match(name, j->masks, j->nmasks) ||
	    mask_name_match(name, j->recipe->mask, j->recipe->nmask);
}

static int
cpus(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

int
job_setup(struct job *j, char *const *envp, struct bb_error *err)
{
	const struct recipe *r = j->recipe;
	const char *v, *path = JOB_PATH, *home = j->home;
	char name[256], jobs[16];
	size_t i, n;

	if ((j->mask = mask_new()) == NULL)
		goto nomem;
	/* Masked: what looks secret in bb-run's environment and the job's. */
	for (i = 0; envp[i] != NULL; i++) {
		n = strcspn(envp[i], "=");
		if (envp[i][n] != '=' || n >= sizeof(name))
			continue;
		memcpy(name, envp[i], n);
		name[n] = '\0';
		v = envp[i] + n + 1;
		if (masked_name(j, name) && mask_add(j->mask, v, strlen(v),
		    err) == -1)
			goto toolong;
	}
	for (i = 0; i < j->nvalues; i++)
		if (mask_add(j->mask, j->values[i], strlen(j->values[i]),
		    err) == -1) {
			if (err->code == EX_DATAERR)
				err->code = EX_CONFIG;
			bb_error_prefix(err, "a credential to mask");
			return -1;
		}
	for (i = 0; i < r->nenv; i++) {
		if (strcmp(r->env[i].name, "PATH") == 0)
			path = r->env[i].value;
		else if (strcmp(r->env[i].name, "HOME") == 0)
			home = r->env[i].value;
		v = r->env[i].value;
		(void)strlcpy(name, r->env[i].name, sizeof(name));
		if (masked_name(j, name) &&
		    mask_add(j->mask, v, strlen(v), err) == -1)
			goto toolong;
	}
	if (env_add(j, "PATH", path) == -1 ||
	    (home != NULL && env_add(j, "HOME", home) == -1))
		goto nomem;
	for (i = 0; i < r->nenv; i++)
		if (strcmp(r->env[i].name, "PATH") != 0 &&
		    strcmp(r->env[i].name, "HOME") != 0 &&
		    env_add(j, r->env[i].name, r->env[i].value) == -1)
			goto nomem;
	/* The job's configuration: each matrix axis, of one value here. */
	for (i = 0; i < r->naxes; i++)
		if (r->axes[i].nvalues == 1 && env_add(j, r->axes[i].name,
		    r->axes[i].values[0]) == -1)
			goto nomem;
	for (i = 0; i < r->nsecret; i++) {
		if ((v = env_get(envp, r->secret[i])) == NULL) {
			warn(j, "secret %s is not set", r->secret[i]);
			continue;
		}
		(void)strlcpy(name, r->secret[i], sizeof(name));
		switch (mask_add(j->mask, v, strlen(v), err)) {
		case -1:
			goto toolong;
		case 0:
			if (strlen(v) < MASK_MIN)
				warn(j, "secret %s is shorter than %d bytes: "
				    "not masked", r->secret[i], MASK_MIN);
			break;
		}
		if (env_add(j, r->secret[i], v) == -1)
			goto nomem;
	}
	(void)snprintf(jobs, sizeof(jobs), "%d", cpus());
	if ((j->name != NULL && env_add(j, "BB_JOB", j->name) == -1) ||
	    env_add(j, "BB_JOBS", jobs) == -1 ||
	    env_add(j, "BB_WORKDIR", j->workdir) == -1 ||
	    env_add(j, "BB_STEP", "") == -1)
		goto nomem;
	j->stepvar = j->nenv - 1;
	for (i = 0; j->caches != NULL && i < r->ncache; i++) {
		recipe_cache_var(r->cache[i].name, name, sizeof(name));
		if (env_add(j, name, j->caches[i]) == -1)
			goto nomem;
	}
	return 0;
nomem:
	bb_error_errno(err, EX_OSERR, "environment");
	return -1;
toolong:
	if (err->code == EX_DATAERR)
		err->code = EX_CONFIG;	/* the value, not the input, is bad */
	bb_error_prefix(err, "variable %s: cannot mask its value", name);
	return -1;
}

void
job_free(struct job *j)
{
	size_t i;

	for (i = 0; i < j->nenv; i++)
		freezero(j->env[i], strlen(j->env[i]));
	free(j->env);
	j->env = NULL;
	j->nenv = 0;
	mask_free(j->mask);
	j->mask = NULL;
}

static int
on_out(void *arg, int fd, const char *p, size_t n, const struct timespec *t)
{
	struct jobrun *jr = arg;

	if (jr->discard)
		return 0;
	return emit_log(jr->j->out, jr->step->name, fd, t, p, n);
}

static int
on_beat(void *arg, const struct timespec *t)
{
	struct jobrun *jr = arg;

	if (jr->discard)
		return 0;
	return emit_beat(jr->j->out, jr->step->name, t);
}

/* The job's result gets worse: keep the first step and reason of each. */
static void __printflike(4, 5)
decide(struct jobrun *jr, enum job_result r, const char *step,
    const char *fmt, ...)
{
	va_list ap;

	if (r <= jr->result)
		return;
	jr->result = r;
	jr->decider = step;
	va_start(ap, fmt);
	(void)vsnprintf(jr->reason, sizeof(jr->reason), fmt, ap);
	va_end(ap);
}

static const char *
signame(int sig)
{
	static char buf[16];

	return run_signame(sig, buf, sizeof(buf));
}

/* The job is cancelled: by a signal, or because the output failed. */
static void
cancel(struct jobrun *jr, const char *step, int output)
{
	struct job *j = jr->j;

	if (output)
		decide(jr, JOB_CANCELLED, step, "%s", j->out->err == EPIPE ?
		    "the reader of the output went away" :
		    "the output failed");
	else
		decide(jr, JOB_CANCELLED, step, "cancelled by signal %s",
		    signame(j->signo ? *j->signo : SIGTERM));
	jr->stopped = 1;
}

/* What became of a step: its result, and the job's. */
static const char *
judge(struct jobrun *jr, const struct recipe_step *s,
    const struct run_result *res)
{
	struct job *j = jr->j;
	const char *what = NULL;
	long long secs = 0;
	char d[32];

	if (res->stop != RUN_STOP_NONE)
		jr->stopped = 1;
	switch (res->stop) {
	case RUN_STOP_TIMEOUT:
		what = "timed out after";
		secs = s->timeout;
		break;
	case RUN_STOP_DEADLINE:
		what = "was stopped by the job's timeout of";
		secs = j->recipe->timeout;
		break;
	case RUN_STOP_SILENT:
		what = "was silent for";
		secs = j->silent;
		break;
	case RUN_STOP_CANCEL:
	case RUN_STOP_OUTPUT:
		cancel(jr, s->name, res->stop == RUN_STOP_OUTPUT);
		return "cancelled";
	case RUN_STOP_NONE:
		break;
	}
	if (what != NULL) {
		duration_format(secs, d, sizeof(d));
		decide(jr, JOB_TIMEOUT, s->name, "step %s %s %s", s->name,
		    what, d);
		return "timeout";
	}
	if (WIFEXITED(res->status) && WEXITSTATUS(res->status) == 0)
		return "success";
	if (WIFEXITED(res->status))
		decide(jr, JOB_FAILURE, s->name, "step %s exited with "
		    "status %d", s->name, WEXITSTATUS(res->status));
	else
		decide(jr, JOB_FAILURE, s->name, "step %s was killed by "
		    "signal %s", s->name, signame(WTERMSIG(res->status)));
	if (!s->cont)
		jr->stopped = 1;
	return "failure";
}

/*
 * Before a step (or with at_end, once they are all done): whether to run
 * only the always steps from now on, and why.
 */
static void
check_job(struct jobrun *jr, int at_end)
{
	struct job *j = jr->j;
	struct timespec now;
	char d[32];

	if (j->cancel != NULL && *j->cancel != 0)
		cancel(jr, NULL, 0);
	if (j->out->failed) {
		cancel(jr, NULL, 1);
		jr->discard = 1;
	}
	if (at_end)
		return;
	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	if (jr->deadline.tv_sec != 0 && (now.tv_sec > jr->deadline.tv_sec ||
	    (now.tv_sec == jr->deadline.tv_sec &&
	    now.tv_nsec >= jr->deadline.tv_nsec))) {
		duration_format(j->recipe->timeout, d, sizeof(d));
		decide(jr, JOB_TIMEOUT, NULL, "the job timed out after %s", d);
		jr->stopped = 1;
		memset(&jr->deadline, 0, sizeof(jr->deadline));
	}
}

static int
run_one(struct jobrun *jr, const struct recipe_step *s, struct bb_error *err)
{
	struct job *j = jr->j;
	struct run_spec spec;
	struct run_result res;
	struct timespec t;
	const char *result;
	char *var;

	if (asprintf(&var, "BB_STEP=%s", s->name) == -1) {
		bb_error_errno(err, EX_OSERR, "environment");
		return -1;
	}
	free(j->env[j->stepvar]);
	j->env[j->stepvar] = var;
	memset(&spec, 0, sizeof(spec));
	spec.cmd = s->cmd;
	spec.workfd = j->workfd;
	spec.dir = s->dir;
	spec.workdir = j->workdir;
	spec.sandbox = j->sandbox;
	spec.track = j->track;
	spec.env = j->env;
	spec.setuser = j->setuser;
	spec.uid = j->uid;
	spec.gid = j->gid;
	spec.groups = j->groups;
	spec.ngroups = j->ngroups;
	spec.timeout = s->timeout;
	spec.deadline = jr->deadline;
	spec.grace = j->grace;
	spec.beat = j->beat;
	spec.silent = j->silent;
	spec.mask = j->mask;
	spec.wakefd = j->wakefd;
	spec.cancel = j->cancel;
	spec.cancel_seen = j->cancel ? *j->cancel : 0;
	spec.watchfd = jr->discard ? -1 : fileno(j->out->fp);
	spec.out = on_out;
	spec.beatfn = on_beat;
	spec.arg = jr;
	jr->step = s;
	(void)clock_gettime(CLOCK_REALTIME, &t);
	(void)emit_started(j->out, s->name, &t);
	if (j->out->failed && !jr->discard) {
		/* The reader left just now: cancel, but clean up. */
		check_job(jr, 1);
		if (!s->always)
			return 0;
		spec.watchfd = -1;
	}
	if (run_step(&spec, &res, err) == -1) {
		bb_error_prefix(err, "step %s", s->name);
		return -1;
	}
	result = judge(jr, s, &res);
	(void)clock_gettime(CLOCK_REALTIME, &t);
	(void)emit_finished(j->out, s->name, &t, res.status, res.elapsed_ms,
	    result);
	if (res.leftovers > 0)
		warn(j, "step %s: stopped %zu process%s it left running",
		    s->name, res.leftovers, res.leftovers == 1 ? "" : "es");
	if (res.unkillable > 0)
		warn(j, "step %s: %zu process%s outlived SIGKILL", s->name,
		    res.unkillable, res.unkillable == 1 ? "" : "es");
	return 0;
}

static void
collect(struct jobrun *jr)
{
	struct job *j = jr->j;
	struct bb_error err;
	struct collect c;
	char hex[DIGEST_HEXLEN + 1];
	struct stat st;
	off_t size;
	size_t i;
	int fd, exec;

	collect_init(&c);
	for (i = 0; i < j->recipe->ncollect; i++)
		if (collect_glob(&c, j->workfd, j->recipe->collect[i],
		    &err) == -1)
			warn(j, "%s", err.msg);
	for (i = 0; i < c.nrefused; i++)
		warn(j, "collect: %s leads out of the work tree: not "
		    "collected", c.refused[i]);
	for (i = 0; i < c.nunnamed; i++)
		warn(j, "collect: %s: not an artifact name (at most %d bytes, "
		    "no backslashes or control characters): not collected",
		    c.unnamed[i], ARTIFACT_NAME_MAX);
	for (i = 0; i < c.n; i++) {
		if (j->cancel != NULL && *j->cancel != 0)
			break;
		if ((fd = collect_open(j->workfd, c.path[i], &err)) == -1 ||
		    digest_fd(fd, c.path[i], hex, &size, &err) == -1) {
			warn(j, "collect: %s", err.msg);
			if (fd != -1)
				close(fd);
			continue;
		}
		exec = fstat(fd, &st) == 0 && (st.st_mode & 0111) != 0;
		close(fd);
		/* The path in the tree is the artifact's name. */
		(void)emit_artifact(j->out, c.path[i], c.path[i],
		    (long long)size, hex, exec);
	}
	collect_free(&c);
}

static long long
since_ms(const struct timespec *t0)
{
	struct timespec now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)(now.tv_sec - t0->tv_sec) * 1000 +
	    (now.tv_nsec - t0->tv_nsec) / 1000000;
}

int
job_run(struct job *j, struct bb_error *err)
{
	struct jobrun jr;
	struct timespec t0, t;
	const struct recipe_step *s;
	time_t started;
	size_t i;

	memset(&jr, 0, sizeof(jr));
	jr.j = j;
	started = time(NULL);
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if (j->recipe->timeout > 0) {
		jr.deadline = t0;
		jr.deadline.tv_sec += j->recipe->timeout;
	}
	for (i = 0; i < j->recipe->nsteps; i++) {
		s = &j->recipe->steps[i];
		check_job(&jr, 0);
		if (jr.stopped && (!s->always ||
		    (j->cancel != NULL && *j->cancel >= 2))) {
			(void)clock_gettime(CLOCK_REALTIME, &t);
			(void)emit_finished(j->out, s->name, &t, -1, 0,
			    "skipped");
			continue;
		}
		if (run_one(&jr, s, err) == -1) {
			(void)emit_error(j->out, err->msg);
			(void)emit_done(j->out, "error", started, since_ms(&t0),
			    s->name, err->msg);
			return -1;
		}
	}
	check_job(&jr, 1);
	if (jr.result != JOB_CANCELLED)
		collect(&jr);
	check_job(&jr, 1);
	j->result = jr.result;
	j->elapsed_ms = since_ms(&t0);
	(void)emit_done(j->out, job_result_name(jr.result), started,
	    j->elapsed_ms, jr.result == JOB_SUCCESS ? NULL : jr.decider,
	    jr.result == JOB_SUCCESS ? NULL : jr.reason);
	return 0;
}
