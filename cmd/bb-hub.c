/*
 * bb-hub: the reference hub of bb.  It holds jobs, hands them to workers
 * (bb-protocol(7)) and keeps their results; its admin commands work on
 * the hub directory itself.
 */
#include <sys/types.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "duration.h"
#include "file.h"
#include "http.h"
#include "hub.h"
#include "hubfetch.h"
#include "hubgc.h"
#include "hubhttp.h"
#include "hubtext.h"
#include "hubwake.h"
#include "profile.h"

struct opts {
	const char		*cmd;		/* the command's name */
	const char		*dir;
	int			 records;	/* -r */
	long long		 limit;		/* jobs -n */
	const char		*state;		/* jobs -s */
	long long		 attempt;	/* log -a, submit -a */
	const char		*profile;	/* submit -P */
	const char		*version;	/* submit -V */
	struct hubdb_policy	 policy;	/* gc -D, -N */
	int			 policy_set;	/* which of them: 1 D, 2 N */
	int			 dir_set;	/* -d given */
	const char		*url;		/* fetch -H */
	const char		*ca;		/* fetch -C */
	const char		*out;		/* fetch -o */
	const char		*token;		/* fetch -t */
	int			 each;		/* submit -e */
	int			 force;		/* submit -f */
	char			*axes[RECIPE_NAXES];	/* submit -m */
	size_t			 naxes;
	const char		*stages[RECIPE_NSTAGES];	/* submit -S */
	size_t			 nstages;
};

/* What a command on the hub directory works on (on_dir opens it). */
struct target {
	struct hub_dir		*hd;
	long long		 id;		/* the job operand */
	const char		*name;		/* the worker operand */
};

static volatile sig_atomic_t stop;

static const char *const synopsis[] = {
	"init dir",
	"serve [-P] [-A attempts] [-c cert] [-D days] [-K keepalive] "
	"[-k key]\n"
	"                    [-L lease] [-l address] [-N builds] "
	"[-n connections]\n"
	"                    [-p per-address] [-t timeout] [-W maxwait] "
	"[-w file] dir",
	"add-worker [-d dir] name",
	"remove-worker [-d dir] name",
	("submit [-ef] [-a attempts] [-d dir] [-m name=values] "
	"[-P profile]\n"
	"                     [-S recipe] [-V version] recipe source"),
	"jobs [-r] [-d dir] [-n limit] [-s state]",
	"show [-r] [-d dir] job",
	"log [-r] [-a attempt] [-d dir] job",
	"cancel [-d dir] job",
	"pin [-d dir] job",
	"unpin [-d dir] job",
	"gc [-D days] [-d dir] [-N builds]",
	("fetch [-a attempt] [-C ca] [-d dir | -H url] [-o outdir]\n"
	"                    [-t tokenfile] job"),
	"workers [-r] [-d dir]",
};

/* Prints the synopsis, or the line of command cmd (if not NULL). */
static __dead void
usage(const char *cmd)
{
	size_t i, n;

	for (i = 0, n = 0; i < nitems(synopsis); i++) {
		if (cmd != NULL && (strncmp(synopsis[i], cmd, strlen(cmd)) !=
		    0 || synopsis[i][strlen(cmd)] != ' '))
			continue;
		fprintf(stderr, "%s bb-hub %s\n", n++ == 0 ? "usage:" :
		    "      ", synopsis[i]);
	}
	exit(EX_USAGE);
}

/* A usage error of command cmd that names what is wrong. */
static __dead void __printflike(2, 3)
usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s: ", getprogname(), cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(cmd);
}

/* getopt's answer ch ('?' or ':') about optopt, for command cmd. */
static __dead void
bad_option(const char *cmd, int ch)
{
	if (ch == ':')
		usage_err(cmd, "-%c needs an argument", optopt);
	if (isprint(optopt))
		usage_err(cmd, "-%c is not an option of %s", optopt, cmd);
	usage_err(cmd, "an option that is not one of %s", cmd);
}

/* Checks that cmd has n operands (argc of them, in argv). */
static void
operands(const char *cmd, int argc, char **argv, int n, const char *what)
{
	if (argc < n)
		usage_err(cmd, "no %s given", what);
	if (argc > n)
		usage_err(cmd, "'%s' is one argument too many", argv[n]);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
log_stderr(void *arg, const char *msg)
{
	(void)arg;
	warnx("%s", msg);
}

/*
 * Standard output failed.  When it is a pipe whose reader has gone (as
 * with | head), stop quietly; else say so.
 */
static __dead void
stdout_failed(void)
{
	struct pollfd p = { STDOUT_FILENO, 0, 0 };

	if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR))
		exit(0);
	errx(EX_IOERR, "cannot write to standard output");
}

static __dead void
fail(const struct bb_error *e)
{
	if (ferror(stdout))
		stdout_failed();
	cli_die(e);
}

/* Exits with the outcome of a hub call that is not HUB_OK. */
static void
check(int rv, const struct bb_error *e)
{
	if (rv == HUB_OK)
		return;
	if (rv == -1)
		fail(e);
	errx(EX_DATAERR, "%s", e->msg);
}

static void
finish_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		stdout_failed();
}

/* The one operand of a command on a job: its number. */
static long long
job_operand(const struct opts *o, int argc, char **argv)
{
	const char *errstr;
	long long id;

	operands(o->cmd, argc, argv, 1, "job");
	id = strtonum(argv[0], 1, LLONG_MAX, &errstr);
	if (errstr != NULL)
		usage_err(o->cmd, "'%s' is not a job number", argv[0]);
	return id;
}

static struct hub_dir *
open_dir(const struct opts *o)
{
	struct hub_dir *hd;
	struct bb_error e;

	if (o->dir == NULL)
		errx(EX_USAGE, "no hub directory: use -d or set BB_HUB_DIR");
	if (hub_dir_open(o->dir, &hd, &e) == -1)
		fail(&e);
	if (hubdb_opened(hd->db) != NULL)
		warnx("%s", hubdb_opened(hd->db));
	return hd;
}

/* A command's end: the hub directory closed, standard output flushed. */
static int
done(struct hub_dir *hd)
{
	hub_dir_close(hd);
	finish_stdout();
	return 0;
}

static long long
duration_ms(const char *s, const char *what, long long min, long long max)
{
	struct bb_error e;
	long long secs;

	if (duration_parse(s, min, max, &secs, &e) == -1)
		errx(EX_USAGE, "%s %s", what, e.msg);
	return secs * 1000;
}

/* A number of days or builds to keep (-D, -N) of command cmd. */
static long long
keep_number(const char *cmd, const char *opt, const char *s)
{
	const char *errstr;
	long long n;

	n = strtonum(s, 0, HUBDB_KEEP_MAX, &errstr);
	if (errstr != NULL)
		usage_err(cmd, "%s %s: %s (0 to %d)", opt, s, errstr,
		    HUBDB_KEEP_MAX);
	return n;
}

static int
cmd_serve(int argc, char **argv)
{
	struct hub_conf c;
	struct hub_server *s;
	struct bb_error e;
	struct sigaction sa;
	sigset_t block, old;
	const char *errstr;
	int ch, lease_set = 0;

	hub_conf_defaults(&c);
	c.log = log_stderr;
	opterr = 0;
	while ((ch = getopt(argc, argv, "+:A:c:D:K:k:L:l:N:n:Pp:t:W:w:")) !=
	    -1) {
		switch (ch) {
		case 'A':
			c.attempts = (int)strtonum(optarg, 1,
			    HUB_ATTEMPTS_MAX, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-A %s: %s", optarg, errstr);
			break;
		case 'c':
			c.cert = optarg;
			break;
		case 'D':
			c.keep_days = keep_number("serve", "-D", optarg);
			break;
		case 'K':
			c.keepalive = duration_ms(optarg, "-K", 1, 3600);
			break;
		case 'k':
			c.key = optarg;
			break;
		case 'L':
			c.ttl = duration_ms(optarg, "-L", 1, 86400);
			lease_set = 1;
			break;
		case 'l':
			c.listen = optarg;
			break;
		case 'N':
			c.keep_builds = keep_number("serve", "-N", optarg);
			break;
		case 'n':
			c.connections = (unsigned int)strtonum(optarg, 16,
			    1000000, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-n %s: %s", optarg, errstr);
			break;
		case 'P':
			c.public = 1;
			break;
		case 'p':
			c.peraddr = (unsigned int)strtonum(optarg, 1, 1000000,
			    &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-p %s: %s", optarg, errstr);
			break;
		case 't':
			c.headtime = duration_ms(optarg, "-t", 1, 3600);
			break;
		case 'W':
			c.maxwait = duration_ms(optarg, "-W", 1, 3600);
			break;
		case 'w':
			c.addr_file = optarg;
			break;
		default:
			bad_option("serve", ch);
		}
	}
	argc -= optind;
	argv += optind;
	operands("serve", argc, argv, 1, "hub directory");
	c.dir = argv[0];
	if (!lease_set)
		c.ttl = 3 * c.keepalive;
	if (c.ttl <= c.keepalive)
		errx(EX_USAGE, "-L must be longer than -K");

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)sigemptyset(&block);
	(void)sigaddset(&block, SIGTERM);
	(void)sigaddset(&block, SIGINT);
	(void)sigaddset(&block, SIGHUP);
	(void)sigprocmask(SIG_BLOCK, &block, &old);
	(void)sigdelset(&old, SIGTERM);
	(void)sigdelset(&old, SIGINT);
	(void)sigdelset(&old, SIGHUP);

	if (hub_server_start(&c, &s, &e) == -1)
		fail(&e);
	warnx("listening on %s%s", hub_server_url(s), c.public ? "; pages "
	    "and /metrics are public (-P)" : "");
	if (hub_server_run(s, &stop, &old, &e) == -1) {
		hub_server_free(s);
		fail(&e);
	}
	hub_server_free(s);
	warnx("stopped");
	return 0;
}

static int
cmd_init(int argc, char **argv)
{
	struct bb_error e;

	operands("init", argc - 1, argv + 1, 1, "directory");
	if (hub_dir_init(argv[1], &e) == -1)
		fail(&e);
	return 0;
}

static void
cmd_add_worker(const struct opts *o, const struct target *t)
{
	struct bb_error e;
	char secret[HUBAUTH_TOKEN_LEN + 1];
	int rv;

	(void)o;
	rv = hub_add_worker(t->hd, t->name, secret, &e);
	if (rv == HUB_EXISTS)
		errx(EX_DATAERR, "%s", e.msg);
	if (rv != HUB_OK)
		fail(&e);
	printf("%s\n", secret);
	explicit_bzero(secret, sizeof(secret));
}

static void
cmd_remove_worker(const struct opts *o, const struct target *t)
{
	struct bb_error e;
	long long n;

	(void)o;
	check(hubdb_worker_remove(t->hd->db, t->name, hub_now(), &n, &e),
	    &e);
	if (n > 0)
		warnx("%lld jobs of %s back in the queue", n, t->name);
}

/* Adds the stages of -S to rc (recipe_append_file), then checks rc. */
static void
add_stages(const struct opts *o, struct recipe *rc)
{
	struct bb_error e;
	size_t i;

	for (i = 0; i < o->nstages; i++)
		if (recipe_append_file(rc, o->stages[i], &e) == -1)
			errx(e.code, "-S %s", e.msg);
	if (recipe_check(rc, &e) == -1)
		errx(EX_DATAERR, "%s", e.msg);
}

/* Says that pipeline s was built already, on standard error. */
static void
say_built(const struct hub_submitted *s)
{
	warnx("job %lld built %s%s%s%s%s from this source already: not "
	    "queued (-f queues it)", s->built, s->name ? s->name : "it",
	    *s->config ? " " : "", s->config, s->platform ? " on " : "",
	    s->platform ? s->platform : "");
}

static int
cmd_submit(const struct opts *o, int argc, char **argv)
{
	struct hub_submit_req q;
	struct hub_submitted *v;
	struct hub_dir *hd;
	struct recipe *rc;
	struct bb_error e;
	enum profile p = PROFILE_RELEASE;
	char hex[DIGEST_HEXLEN + 1], *eq;
	const char *ver;
	size_t n, i, queued = 0;
	off_t size;

	if (argc < 2)
		usage_err(o->cmd, "no %s given", argc == 0 ? "recipe and source" :
		    "source");
	operands(o->cmd, argc, argv, 2, "");
	if (recipe_parse_file(argv[0], &rc, &e) == -1 ||
	    recipe_check(rc, &e) == -1)
		fail(&e);
	/* -V and -P travel as the recipe's env VERSION and PROFILE. */
	if ((o->version != NULL &&
	    recipe_setenv(rc, "VERSION", o->version, &e) == -1) ||
	    (o->profile != NULL &&
	    recipe_setenv(rc, "PROFILE", o->profile, &e) == -1))
		errx(EX_USAGE, "%s", e.msg);
	/* A release refuses a dev- version: say so now, not after a build. */
	if (((ver = recipe_getenv(rc, "PROFILE")) != NULL &&
	    profile_parse(ver, &p, &e) == -1) ||
	    ((ver = recipe_getenv(rc, "VERSION")) != NULL &&
	    profile_check(p, ver, &e) == -1))
		errx(o->version != NULL || o->profile != NULL ? EX_USAGE :
		    EX_DATAERR, "%s: %s", argv[0], e.msg);
	for (i = 0; i < o->naxes; i++) {
		if ((eq = strchr(o->axes[i], '=')) == NULL)
			usage_err(o->cmd, "-m %s: expected name=value,value...",
			    o->axes[i]);
		*eq = '\0';
		if (recipe_set_axis(rc, o->axes[i], eq + 1, &e) == -1)
			usage_err(o->cmd, "-m: %s", e.msg);
		*eq = '=';
	}
	add_stages(o, rc);
	hd = open_dir(o);
	if (hub_put_source(hd, argv[1], hex, &size, &e) == -1)
		fail(&e);
	memset(&q, 0, sizeof(q));
	q.recipe = rc;
	q.source = hex;
	q.attempts = (int)o->attempt;
	q.force = o->force;
	q.each = o->each;
	if (hub_submit_many(hd, &q, &v, &n, &e) != HUB_OK)
		fail(&e);
	hubwake_ring(hd->path);
	/* A number a line; with a configuration or platform, they follow. */
	for (i = 0; i < n; i++) {
		if (v[i].id == 0) {
			say_built(&v[i]);
			continue;
		}
		queued++;
		printf("%lld", v[i].id);
		if (*v[i].config != '\0')
			printf(" %s", v[i].config);
		if (v[i].platform != NULL)
			printf(" on %s", v[i].platform);
		putchar('\n');
	}
	hub_submitted_free(v, n);
	recipe_free(rc);
	(void)done(hd);
	if (queued == 0)
		errx(EX_DATAERR, "%s: nothing queued: built already",
		    argv[0]);
	return 0;
}

static int
print_rec(void *arg, const struct record *r)
{
	struct bb_error e;

	(void)arg;
	if (record_write(stdout, r, &e) == -1)
		return -1;
	return 0;
}

static void
cmd_jobs(const struct opts *o, const struct target *t)
{
	struct bb_error e;

	if (!o->records && hubtext_jobs_head(stdout) == -1)
		stdout_failed();
	check(hubdb_jobs(t->hd->db, o->state, o->limit, o->records ?
	    print_rec : hubtext_job_line, stdout, &e), &e);
}

static void
cmd_workers(const struct opts *o, const struct target *t)
{
	struct bb_error e;

	if (!o->records && hubtext_workers_head(stdout) == -1)
		stdout_failed();
	/* Connected: seen within the default wait and lease. */
	check(hubdb_workers(t->hd->db, hub_now(), (60 + 90 + 10) * 1000,
	    o->records ? print_rec : hubtext_worker_line, stdout, &e), &e);
}

static void
cmd_show(const struct opts *o, const struct target *t)
{
	struct bb_error e;

	check(hubdb_job(t->hd->db, t->id, o->records ? print_rec :
	    hubtext_show, stdout, &e), &e);
}

/* The job's record, for the line that ends its log. */
struct logend {
	long long	attempt;	/* the job's last attempt */
	char		state[32];
	char		*reason;
};

static int
keep_job(void *arg, const struct record *r)
{
	struct logend *le = arg;
	const char *v;

	if (!record_is(r, "job"))
		return 0;
	le->attempt = (v = record_get(r, "attempt")) != NULL ?
	    strtoll(v, NULL, 10) : 0;
	(void)strlcpy(le->state, (v = record_get(r, "state")) != NULL &&
	    *v != '\0' ? v : "-", sizeof(le->state));
	if ((v = record_get(r, "reason")) != NULL &&
	    (le->reason = strdup(v)) == NULL)
		return -1;
	return 0;
}

static void
cmd_log(const struct opts *o, const struct target *t)
{
	struct hubtext_log lo;
	struct logend le;
	struct bb_error e;
	long long n = o->attempt;

	memset(&lo, 0, sizeof(lo));
	lo.fp = stdout;
	lo.raw = o->records;
	lo.tty = isatty(STDOUT_FILENO);
	check(hubdb_log(t->hd->db, t->id, &n, 0, 0, hubtext_log, &lo, &e),
	    &e);
	/*
	 * The job's result last where its done record did not say it: a
	 * stage after the build (a sign, pack or upload error) made it
	 * worse, or the attempt ended with no done record (a lease ran out).
	 */
	memset(&le, 0, sizeof(le));
	if (!lo.raw) {
		check(hubdb_job(t->hd->db, t->id, keep_job, &le, &e), &e);
		if (le.attempt == n)
			(void)hubtext_log_end(&lo, le.state, le.reason);
		free(le.reason);
	}
}

/* cancel, pin and unpin: a change of one job. */
static void
cmd_cancel(const struct opts *o, const struct target *t)
{
	struct bb_error e;

	if (strcmp(o->cmd, "cancel") == 0)
		check(hubdb_cancel(t->hd->db, t->id, hub_now(), &e), &e);
	else
		check(hubdb_pin(t->hd->db, t->id, strcmp(o->cmd, "pin") == 0,
		    &e), &e);
}

static void
cmd_gc(const struct opts *o, const struct target *t)
{
	struct hubdb_policy p;
	struct hubgc_result res;
	struct bb_error e;
	int rv;

	/* The server's policy, unless told otherwise. */
	p.keep_builds = HUBDB_KEEP_BUILDS;
	p.keep_days = HUBDB_KEEP_DAYS;
	if (hubdb_policy_get(t->hd->db, &p, &e) == -1)
		fail(&e);
	if (o->policy_set & 1)
		p.keep_days = o->policy.keep_days;
	if (o->policy_set & 2)
		p.keep_builds = o->policy.keep_builds;
	rv = hubgc_run(t->hd, &p, hub_now(), &res, &e);
	printf("removed %lld jobs and %lld blobs, %lld bytes (kept: the "
	    "last %lld builds of each name, %lld days)\n", res.jobs, res.blobs,
	    res.bytes, p.keep_builds, p.keep_days);
	if (res.logs > 0)
		printf("removed %lld log files that no job attempt owned\n",
		    res.logs);
	if (rv == -1)
		fail(&e);
}

static void
fetched(void *arg, const char *name, off_t size, int there)
{
	const char *out = arg;

	(void)size;
	(void)there;
	(void)hubtext_fetched(stdout, out, name);
}

/* The token of fetch -H: -t file, else BB_HUB_TOKEN; never argv. */
static struct buf *
fetch_token(const struct opts *o)
{
	struct buf *t;
	struct bb_error e;
	const char *v;

	if (o->token != NULL) {
		if (file_read_secret(AT_FDCWD, o->token, 1024, &t, &e) == -1)
			fail(&e);
		return t;
	}
	if ((v = getenv("BB_HUB_TOKEN")) == NULL || *v == '\0')
		usage_err(o->cmd, "-H %s needs a token: -t file or "
		    "BB_HUB_TOKEN", o->url);
	if ((t = buf_new(1024)) == NULL || buf_adds(t, v) == -1)
		errx(EX_USAGE, "BB_HUB_TOKEN: too long");
	return t;
}

static int
cmd_fetch(const struct opts *o, int argc, char **argv)
{
	struct hubfetch f;
	struct hub_dir *hd = NULL;
	struct http_client *c = NULL;
	struct http_opts ho;
	struct buf *token;
	struct bb_error e;
	long long id;
	int rv;

	id = job_operand(o, argc, argv);
	if (o->url != NULL && o->dir_set)
		usage_err(o->cmd, "-d and -H exclude each other");
	memset(&f, 0, sizeof(f));
	f.attempt = o->attempt;
	f.done = fetched;
	f.arg = (void *)o->out;
	if (o->out != NULL && file_mkdirs(o->out, 0755, &e) == -1)
		fail(&e);
	if ((f.dirfd = open(o->out != NULL ? o->out : ".", O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1)
		err(EX_CANTCREAT, "%s", o->out != NULL ? o->out : ".");
	if (o->url == NULL) {
		hd = open_dir(o);
		rv = hubfetch_local(hd, id, &f, &e);
	} else {
		token = fetch_token(o);
		memset(&ho, 0, sizeof(ho));
		ho.ca = o->ca;
		ho.allow_http = 1;
		ho.tls_hint = "trust it with -C FILE, FILE the hub's CA "
		    "certificate, or its own certificate if self-signed";
		if (strncasecmp(o->url, "http://", 7) == 0 &&
		    !http_url_loopback(o->url))
			warnx("warning: %s is plain http: the token travels "
			    "unencrypted", o->url);
		if ((c = http_client_new(o->url, &ho, &e)) == NULL ||
		    http_client_set_token(c, token->data, &e) == -1) {
			buf_freezero(token);
			errx(e.code == EX_DATAERR ? EX_USAGE : e.code,
			    "-H %s: %s", o->url, e.msg);
		}
		buf_freezero(token);
		rv = hubfetch_remote(c, id, &f, &e);
	}
	close(f.dirfd);
	if (rv == -1)
		fail(&e);
	http_client_free(c);
	return done(hd);
}

/* fn takes its operands; on gets its operand ("", "job", "worker name"). */
static const struct hubcmd {
	const char	*name;
	const char	*opts;		/* for getopt */
	int		(*fn)(const struct opts *, int, char **);
	void		(*on)(const struct opts *, const struct target *);
	const char	*operand;
} cmds[] = {
	{ "add-worker",	"+:d:",		NULL, cmd_add_worker, "worker name" },
	{ "remove-worker", "+:d:", NULL, cmd_remove_worker, "worker name" },
	{ "submit",	"+:P:S:V:a:d:efm:", cmd_submit, NULL, NULL },
	{ "jobs",	"+:d:n:rs:",	NULL, cmd_jobs, "" },
	{ "show",	"+:d:r",	NULL, cmd_show, "job" },
	{ "log",	"+:a:d:r",	NULL, cmd_log, "job" },
	{ "cancel",	"+:d:",		NULL, cmd_cancel, "job" },
	{ "pin",	"+:d:",		NULL, cmd_cancel, "job" },
	{ "unpin",	"+:d:",		NULL, cmd_cancel, "job" },
	{ "gc",		"+:D:d:N:",	NULL, cmd_gc, "" },
	{ "fetch",	"+:a:C:d:H:o:t:", cmd_fetch, NULL, NULL },
	{ "workers",	"+:d:r",	NULL, cmd_workers, "" },
};

/* A command on the hub directory: its operand checked, the directory open. */
static int
on_dir(const struct opts *o, const struct hubcmd *c, int argc, char **argv)
{
	struct target t = { NULL, 0, NULL };

	if (strcmp(c->operand, "job") == 0)
		t.id = job_operand(o, argc, argv);
	else
		operands(o->cmd, argc, argv, c->operand[0] != '\0',
		    c->operand);
	t.name = argv[0];
	if (o->state != NULL && !hubdb_valid_state(o->state))
		usage_err(o->cmd, "-s %s: not a job state", o->state);
	t.hd = open_dir(o);
	c->on(o, &t);
	return done(t.hd);
}

int
main(int argc, char *argv[])
{
	struct opts o;
	const char *errstr;
	size_t i;
	int ch;

	cli_start(argc, argv, "bb-hub");
	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	(void)signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		fprintf(stderr, "%s: no command given\n", getprogname());
		usage(NULL);
	}
	memset(&o, 0, sizeof(o));
	o.cmd = argv[1];
	argc--;
	argv++;
	if (strcmp(o.cmd, "init") == 0)
		return cmd_init(argc, argv);
	if (strcmp(o.cmd, "serve") == 0)
		return cmd_serve(argc, argv);
	for (i = 0; i < nitems(cmds); i++)
		if (strcmp(o.cmd, cmds[i].name) == 0)
			break;
	if (i == nitems(cmds)) {
		fprintf(stderr, "%s: '%s' is not a command\n", getprogname(),
		    o.cmd);
		usage(NULL);
	}
	o.dir = getenv("BB_HUB_DIR");
	o.limit = 100;
	opterr = 0;
	while ((ch = getopt(argc, argv, cmds[i].opts)) != -1) {
		switch (ch) {
		case 'P':
			o.profile = optarg;
			break;
		case 'V':
			o.version = optarg;
			break;
		case 'a':
			o.attempt = strtonum(optarg, 1, HUB_ATTEMPTS_MAX,
			    &errstr);
			if (errstr != NULL)
				usage_err(o.cmd, "-a %s: %s", optarg, errstr);
			break;
		case 'D':
			o.policy.keep_days = keep_number(o.cmd, "-D", optarg);
			o.policy_set |= 1;
			break;
		case 'C':
			o.ca = optarg;
			break;
		case 'd':
			o.dir = optarg;
			o.dir_set = 1;
			break;
		case 'H':
			o.url = optarg;
			break;
		case 'N':
			o.policy.keep_builds = keep_number(o.cmd, "-N", optarg);
			o.policy_set |= 2;
			break;
		case 'n':
			o.limit = strtonum(optarg, 1, 1000000, &errstr);
			if (errstr != NULL)
				usage_err(o.cmd, "-n %s: %s", optarg, errstr);
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'r':
			o.records = 1;
			break;
		case 'e':
			o.each = 1;
			break;
		case 'f':
			o.force = 1;
			break;
		case 'm':
			if (o.naxes == nitems(o.axes))
				usage_err(o.cmd, "-m: more than %zu axes",
				    nitems(o.axes));
			o.axes[o.naxes++] = optarg;
			break;
		case 'S':
			if (o.nstages == nitems(o.stages) - 1)
				usage_err(o.cmd, "-S: more than %zu stages",
				    nitems(o.stages) - 1);
			o.stages[o.nstages++] = optarg;
			break;
		case 's':
			o.state = optarg;
			break;
		case 't':
			o.token = optarg;
			break;
		default:
			bad_option(o.cmd, ch);
		}
	}
	if (cmds[i].fn != NULL)
		return cmds[i].fn(&o, argc - optind, argv + optind);
	return on_dir(&o, &cmds[i], argc - optind, argv + optind);
}
