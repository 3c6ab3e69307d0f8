/* Unit tests of lib/worker/job.c: input, environment, steps and their results. */
#include <sys/stat.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "job.h"
#include "run.h"
#include "tap.h"

static char dir[] = "/tmp/bb-job.XXXXXX";
static char warnings[4096];

static void
on_warn(void *arg __unused, const char *msg)
{
	(void)strlcat(warnings, msg, sizeof(warnings));
	(void)strlcat(warnings, "\n", sizeof(warnings));
}

/* Runs job_read over text; returns what it passed on. */
static char *
input(const char *text, const char *workdir, struct job_input *in, int *rv,
    struct bb_error *err)
{
	struct emit *e;
	char *out = NULL;
	size_t len;
	FILE *fp;
	int p[2];

	if (pipe(p) == -1 || write(p[1], text, strlen(text)) == -1)
		abort();
	close(p[1]);
	fp = open_memstream(&out, &len);
	e = emit_new(fp, 0);
	*rv = job_read(p[0], "stdin", e, workdir, -1, NULL, in, err);
	close(p[0]);
	fclose(fp);
	emit_free(e);
	return out;
}

static void
test_read(void)
{
	struct job_input in;
	struct bb_error err;
	char *out;
	int rv;

	out = input("session a=1\njob id=7 name=j7\nstep name=a cmd=true\n"
	    "workdir path=/x k=v\nfoo\n", "/y", &in, &rv, &err);
	is_int(rv, 0, "job_read");
	is_str(out, "session a=1\njob id=7 name=j7\nworkdir path=/y k=v\n"
	    "foo\n", "others passed on; the workdir path replaced");
	is_str(in.workdir, "/x", "the workdir record's own path");
	is_str(in.name, "j7", "the job record's name");
	ok(in.recipe != NULL && in.recipe->nsteps == 1, "the recipe");
	free(out);
	job_input_free(&in);

	out = input("job id=1\nstep name=a cmd=true\nenv name=BB_X value=1\n",
	    NULL, &in, &rv, &err);
	is_int(rv, -1, "a bad recipe record");
	is_str(err.msg, "stdin: line 3: env record: variables named BB_* are "
	    "bb-run's own", "names the line");
	is_int(err.code, EX_DATAERR, "EX_DATAERR");
	is_str(out, "job id=1\n", "what came before was passed on");
	free(out);
	job_input_free(&in);

	out = input("workdir path=/a\nworkdir path=/b\n", NULL, &in, &rv,
	    &err);
	is_str(err.msg, "stdin: line 2: a second workdir record",
	    "a second workdir record");
	free(out);
	job_input_free(&in);
	out = input("workdir x=1\n", NULL, &in, &rv, &err);
	is_str(err.msg, "stdin: line 1: workdir record without a path",
	    "a workdir record without a path");
	free(out);
	job_input_free(&in);
	out = input("job id=1\n", NULL, &in, &rv, &err);
	is_str(err.msg, "stdin: recipe has no steps", "no steps");
	free(out);
	job_input_free(&in);
}

/* Runs the recipe text in dir; returns the records. */
static char *
run(const char *text, char **envp, struct job *j, int *rv)
{
	struct bb_error err;
	struct recipe *r;
	char *out = NULL;
	size_t len;
	FILE *fp;

	memset(j, 0, sizeof(*j));
	warnings[0] = '\0';
	if (recipe_parse(text, strlen(text), "t", &r, &err) == -1) {
		printf("# %s\n", err.msg);
		abort();
	}
	fp = open_memstream(&out, &len);
	j->recipe = r;
	j->name = "unit";
	j->workdir = dir;
	j->workfd = open(dir, O_RDONLY | O_DIRECTORY);
	j->home = "/home/x";
	j->grace = 1;
	j->wakefd = -1;
	j->out = emit_new(fp, 0);
	j->warn = on_warn;
	*rv = job_setup(j, envp, &err);
	if (*rv == 0)
		*rv = job_run(j, &err);
	if (*rv == -1)
		(void)strlcat(warnings, err.msg, sizeof(warnings));
	fclose(fp);
	emit_free(j->out);
	close(j->workfd);
	job_free(j);
	recipe_free(r);
	return out;
}

static int
has(const char *s, const char *what)
{
	if (strstr(s, what) != NULL)
		return 1;
	printf("# no \"%s\" in:\n%s", what, s);
	return 0;
}

static void
test_run(void)
{
	char *env[] = { "HOME=/root", "CI_TOKEN=tok-123456", "X_KEY=",
	    "PLAIN=p", NULL };
	struct job j;
	char *out, path[64];
	int rv;

	out = run("env A=1\nsecret CI_TOKEN\n"
	    "step e: echo \"$A $CI_TOKEN $BB_JOB $BB_STEP $HOME $PLAIN.\"\n",
	    env, &j, &rv);
	is_int(rv, 0, "job_run");
	ok(has(out, "data:1 [masked] unit e /home/x .%0A"),
	    "the environment: env, secret (masked), BB_*, HOME; nothing else");
	ok(has(out, "done result=success"), "success");
	is_int(j.result, JOB_SUCCESS, "JOB_SUCCESS");
	free(out);

	out = run("step a: exit 1\nstep b: echo b\nstep c always: echo c\n",
	    env, &j, &rv);
	ok(has(out, "step=a state=finished") && has(out, "rc=1 ") &&
	    has(out, "status step=b state=finished") &&
	    has(out, "result=skipped") && has(out, "data:c%0A"),
	    "a failure skips the next step, not the always step");
	ok(has(out, "done result=failure") &&
	    has(out, "step=a reason=step%20a%20exited%20with%20status%201"),
	    "done: the first failure");
	is_int(j.result, JOB_FAILURE, "JOB_FAILURE");
	free(out);

	out = run("step a continue: false\nstep b timeout=1s: sleep 30\n"
	    "step c: echo never\n", env, &j, &rv);
	ok(has(out, "signal=TERM") && has(out,
	    "done result=timeout") && has(out, "reason=step%20b%20timed%20"
	    "out%20after%201s"), "a timeout is worse than a failure");
	is_int(j.result, JOB_TIMEOUT, "JOB_TIMEOUT");
	free(out);

	(void)snprintf(path, sizeof(path), "%s/sub", dir);
	(void)mkdir(path, 0755);
	out = run("secret MISSING_TOKEN\n"
	    "step a dir=sub: echo x > f.bin; sleep 30 & echo started\n"
	    "collect sub/*.bin\n", env, &j, &rv);
	ok(has(out, "artifact path=sub/f.bin name=sub/f.bin size=2 sha256="
	    "73cb3858a687a8494ca3323053016282f3dad39d42cf62ca4e79dda2aac7d9ac"
	    "\n"), "an artifact, with the sha256 of \"x\\n\"");
	ok(has(warnings, "secret MISSING_TOKEN is not set\n") &&
	    has(warnings, "step a: stopped 1 process it left running\n"),
	    "warnings: a missing secret, a leftover");
	free(out);

	out = run("env LONG_KEY=x\nstep a: true\n", env, &j, &rv);
	is_int(rv, 0, "a value too short to mask is no error");
	free(out);
}

int
main(void)
{
	struct bb_error err;
	char cmd[64];

	(void)signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL || run_init(&err) == -1)
		abort();
	test_read();
	test_run();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "clean up");
	return tap_done();
}
