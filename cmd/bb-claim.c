/*
 * bb-claim: read a session record, wait for a job the worker can run,
 * print the job and its recipe, then pass the input on.
 */
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "caps.h"
#include "cli.h"
#include "claim.h"
#include "disk.h"
#include "duration.h"
#include "http.h"
#include "netopt.h"
#include "record.h"
#include "session.h"
#include "size.h"
#include "stamp.h"

#define INPUT_MAX	(1024 * 1024)	/* records passed on */
#define ONCE_RETRIES	3		/* --once: tries after the first */
#define WAIT_DEFAULT	60		/* when the session has no wait */
#define ONCE_SLACK	60		/* --once: -t is the wait and this */
#define DISK_RECHECK	60		/* seconds between disk checks */
#define DECLINE_TRIES	4
#define DECLINE_MAX_MS	5000
#define POLL_MIN_MS	1000		/* a poll that ends at once waits */
#define ANSWER_MS	2000		/* -t: time left for the answer */

enum { OPT_MIN_FREE = NETOPT_OWN, OPT_MIN_INODES, OPT_ONCE };

struct opts {
	const char	*basedir;	/* -b */
	const char	*caps;		/* -c */
	long long	 wait;		/* -w; -1: the session's */
	long long	 maxtime;	/* -t, seconds; 0: no limit */
	int		 once;		/* --once */
	struct netopt	 net;		/* --ca, --pin, --max* */
	long long	 min_free;	/* --min-free */
	long long	 min_inodes;	/* --min-inodes */
};

/* The signal that stops a poll, and the flag that ends transfers. */
static volatile sig_atomic_t caught, stop;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: bb-claim [-b basedir] [-c caps] [-t maxtime] "
	    "[-w seconds]\n"
	    "                [--ca path]"
	    " [--maxdelay seconds] [--maxretries n]\n"
	    "                [--min-free size] [--min-inodes n] [--once]\n"
	    "                [--pin sha256//hash]\n");
	exit(EX_USAGE);
}

static void
on_signal(int sig)
{
	caught = sig;
	stop = 1;
}

static void
on_retry(void *arg, const struct bb_error *e, long ms)
{
	if (!stop)
		cli_warn_retry(arg, e, ms);
}

/* Ends the process by the signal that stopped it, printing nothing. */
static __dead void
die_by_signal(void)
{
	sigset_t set;
	int sig = caught;

	(void)signal(sig, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	(void)raise(sig);
	_exit(128 + sig);
}

static void
block_signals(int how)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	(void)sigprocmask(how, &set, NULL);
}

/*
 * Reads standard input to its end: every record, to pass on, and the
 * first session record.
 */
static void
read_input(struct buf *pass, struct record *session)
{
	struct record_reader rd;
	struct bb_error e;
	struct record r;
	const char *line;
	size_t len;
	int n, found = 0;

	record_init(&r);
	if (record_reader_init(&rd, STDIN_FILENO, "stdin") == -1)
		err(EX_OSERR, "stdin");
	while ((n = record_read(&rd, &r, &line, &len, &e)) == 1) {
		if (buf_add(pass, line, len) == -1 || buf_addc(pass, '\n') == -1)
			errx(EX_DATAERR, "stdin: over %d bytes of records",
			    INPUT_MAX);
		if (!found && record_is(&r, "session")) {
			if (record_parse(session, line, len, &e) == -1)
				cli_die(&e);
			found = 1;
		}
	}
	if (n == -1)
		cli_die(&e);
	if (!found)
		errx(EX_DATAERR, "stdin: no session record (bb-connect(1) "
		    "prints one)");
	record_freezero(&r);
	record_reader_free(&rd);
}

/* Writes the job, its recipe and the input; exits. */
static __dead void
print_job(const struct claim_job *j, const struct buf *pass)
{
	struct bb_error e;

	if (record_write(stdout, &j->job, &e) == -1 ||
	    fwrite(j->recipe->data, 1, j->recipe->len, stdout) !=
	    j->recipe->len ||
	    fwrite(pass->data, 1, pass->len, stdout) != pass->len ||
	    fflush(stdout) == EOF)
		err(EX_IOERR, "stdout");
	exit(0);
}

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	static const struct option longopts[] = {
		NETOPT_TLS,
		NETOPT_RETRY,
		{ "min-free",	required_argument,	NULL,	OPT_MIN_FREE },
		{ "min-inodes",	required_argument,	NULL,	OPT_MIN_INODES },
		{ "once",	no_argument,		NULL,	OPT_ONCE },
		{ NULL,		0,			NULL,	0 }
	};
	struct bb_error e;
	const char *errstr;
	int ch;

	while ((ch = netopt_getopt(&o->net, argc, argv, "+b:c:t:w:",
	    longopts, &e)) != -1) {
		switch (ch) {
		case 'b':
			o->basedir = optarg;
			break;
		case 'c':
			o->caps = optarg;
			break;
		case 't':
			if (duration_parse(optarg, 1, DURATION_MAX,
			    &o->maxtime, &e) == -1)
				errx(EX_USAGE, "-t: %s", e.msg);
			break;
		case 'w':
			if (duration_parse(optarg, 0, 86400, &o->wait,
			    &e) == -1)
				errx(EX_USAGE, "-w: %s", e.msg);
			break;
		case OPT_MIN_FREE:
			if (strcmp(optarg, "0") == 0)
				o->min_free = 0;
			else if (size_parse(optarg, &o->min_free,
			    &e) == -1)
				errx(EX_USAGE, "--min-free: %s", e.msg);
			break;
		case OPT_MIN_INODES:
			o->min_inodes = strtonum(optarg, 0, LLONG_MAX,
			    &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "--min-inodes %s: %s", optarg,
				    errstr);
			break;
		case OPT_ONCE:
			o->once = 1;
			break;
		case NETOPT_BAD:
			cli_die(&e);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (netopt_check(&o->net, &e) == -1)
		cli_die(&e);
}

/* Milliseconds left before the deadline (LLONG_MAX: none); 0 when over. */
static long long
left_ms(long long deadline)
{
	long long left;

	if (deadline == 0)
		return LLONG_MAX;
	left = deadline - duration_now_ms();
	return left > 0 ? left : 0;
}

/* The wait of the next poll: -w, or less, so that it ends in time. */
static long long
poll_wait(long long wait, long long deadline)
{
	long long left = left_ms(deadline);

	if (left == LLONG_MAX || left - ANSWER_MS >= wait * 1000)
		return wait;
	return left > ANSWER_MS ? (left - ANSWER_MS) / 1000 : 0;
}

/*
 * Waits ms, or until a signal, or until the deadline; then dies by the
 * signal if one came.
 */
static void
pause_ms(long ms, long long deadline)
{
	if (ms > left_ms(deadline))
		ms = (long)left_ms(deadline);
	(void)http_sleep_ms(ms, &stop);
	if (caught)
		die_by_signal();
}

int
main(int argc, char *argv[])
{
	struct sigaction sa;
	struct claim_needs needs;
	struct claim_job job;
	struct session s;
	struct caps caps;
	struct bb_error e;
	struct http_client *c;
	struct http_retry r, dr;
	struct record rec;
	struct buf *pass;
	struct opts o;
	char why[CLAIM_WHYMAX], maxtime[32], *caches = NULL;
	size_t evicted = 0;
	long long started, deadline = 0;
	int n;

	cli_start(argc, argv, "bb-claim");
	(void)signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	o.wait = -1;
	netopt_init(&o.net);
	o.min_free = 1024LL * 1024 * 1024;
	o.min_inodes = 10000;
	parse_args(argc, argv, &o);

	if ((pass = buf_new(INPUT_MAX)) == NULL)
		err(EX_OSERR, NULL);
	record_init(&rec);
	read_input(pass, &rec);
	if (session_parse(&rec, &s, &e) == -1)
		errx(EX_DATAERR, "stdin: %s", e.msg);
	record_freezero(&rec);
	caps_init(&caps);
	if (o.caps != NULL || s.caps == NULL) {
		if (caps_detect(&caps, &e) == -1)
			cli_die(&e);
		if (o.caps != NULL && caps_add_list(&caps, o.caps, &e) == -1)
			errx(EX_USAGE, "-c: %s", e.msg);
	} else if (caps_add_list(&caps, s.caps, &e) == -1)
		errx(EX_DATAERR, "stdin: session record: caps: %s", e.msg);
	if (o.wait == -1)
		o.wait = s.wait != -1 ? s.wait : WAIT_DEFAULT;
	if (o.maxtime == 0 && o.once)
		o.maxtime = o.wait + ONCE_SLACK;
	duration_format(o.maxtime, maxtime, sizeof(maxtime));
	memset(&needs, 0, sizeof(needs));
	needs.caps = &caps;
	needs.basedir = o.basedir;
	if (o.basedir != NULL) {
		if (asprintf(&caches, "%s/cache", o.basedir) == -1)
			err(EX_OSERR, NULL);
		needs.caches = caches;
		needs.evicted = &evicted;
	}
	needs.min_free = o.min_free;
	needs.min_inodes = o.min_inodes;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1)
		err(EX_OSERR, "sigaction");
	/* The worker's shutdown stamp ends the wait as SIGTERM does. */
	if (o.basedir != NULL && stamp_watch(o.basedir, STAMP_EVERY, &e) == -1)
		errx(e.code, "-b %s", e.msg);
	if ((c = session_client(&s, &o.net, &stop, &e)) == NULL)
		cli_die(&e);
	netopt_retry(&o.net, o.once ? ONCE_RETRIES + 1 : 0, on_retry, &r);
	claim_job_init(&job);
	if (o.maxtime > 0)
		deadline = duration_now_ms() + o.maxtime * 1000;

	for (;;) {
		if (caught)
			die_by_signal();
		/* Time is up, and no job came: "none", as --once says. */
		if (left_ms(deadline) == 0)
			exit(EX_UNAVAILABLE);
		evicted = 0;
		if ((n = claim_check_disk(&needs, why, sizeof(why),
		    &e)) == -1)
			cli_die(&e);
		if (evicted > 0)
			warnx("removed %zu cache%s in %s for room", evicted,
			    evicted == 1 ? "" : "s", caches);
		if (n == 0) {
			warnx("not claiming: %s", why);
			if (o.once)
				exit(EX_UNAVAILABLE);
			pause_ms(DISK_RECHECK * 1000L, deadline);
			continue;
		}
		r.n = 0;
		r.deadline_ms = deadline;
		started = duration_now_ms();
		n = claim_poll(c, poll_wait(o.wait, deadline), &r, &job, &e);
		if (caught && n != 1)
			die_by_signal();
		if (n == -1) {
			if (e.code == EX_NOPERM)
				errx(EX_NOPERM, "%s (the session ended: "
				    "connect again)", e.msg);
			/* Tries left, but not the time for them. */
			if (e.code == EX_TEMPFAIL && deadline != 0 &&
			    (r.tries == 0 || r.n < r.tries))
				errx(EX_TEMPFAIL, "%s; no job within %s, "
				    "giving up", e.msg, maxtime);
			cli_die(&e);
		}
		if (n == 0) {
			if (o.once)
				exit(EX_UNAVAILABLE);
			if (duration_now_ms() - started < POLL_MIN_MS)
				pause_ms(POLL_MIN_MS, deadline);
			continue;
		}

		/* A job: it is printed whole or declined, signal or not. */
		block_signals(SIG_BLOCK);
		stop = 0;
		if ((n = claim_decide(&job, &needs, why, sizeof(why),
		    &e)) == -1)
			cli_die(&e);
		if (n == 1) {
			if (claim_cap_keepalive(&job, s.keepalive, &e) == -1)
				cli_die(&e);
			print_job(&job, pass);
		}
		warnx("declining job %lld (%s): %s", job.id,
		    record_get(&job.job, "name") != NULL ?
		    record_get(&job.job, "name") : "no name", why);
		memset(&dr, 0, sizeof(dr));
		dr.tries = DECLINE_TRIES;
		dr.max_ms = DECLINE_MAX_MS;
		dr.notify = on_retry;
		if (claim_decline(c, &job, why, &dr, &e) == -1)
			warnx("%s; the job's lease will run out instead",
			    e.msg);
		claim_job_free(&job);
		if (caught)
			die_by_signal();
		if (o.once)
			exit(EX_UNAVAILABLE);
		block_signals(SIG_UNBLOCK);
		/* A hub that offers the declined job again is not hammered. */
		if (duration_now_ms() - started < POLL_MIN_MS)
			pause_ms(POLL_MIN_MS, deadline);
	}
}
