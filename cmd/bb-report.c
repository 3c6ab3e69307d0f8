/*
 * bb-report: send a job's records to the hub as they come, upload its
 * files, finish it; keep what is not delivered in the spool and send it
 * later (--resend).  Or, without a hub, tell the records to people (-o).
 */
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "bg.h"
#include "cli.h"
#include "duration.h"
#include "netopt.h"
#include "pretty.h"
#include "record.h"
#include "report.h"
#include "spool.h"

#define MAXTIME_DEFAULT	600	/* -t, seconds */

enum { OPT_RESEND = NETOPT_OWN };

struct opts {
	const char	*basedir;	/* -b */
	const char	*out;		/* -o */
	long long	 maxtime;	/* -t, seconds */
	struct netopt	 net;		/* --ca, --pin */
	const char	*died;		/* -r */
	int		 resend;	/* --resend */
};

static volatile sig_atomic_t stop, signalled;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: bb-report -b basedir [-t maxtime] "
	    "[--ca path] [--pin sha256//hash]\n"
	    "       bb-report -b basedir --resend [-r reason] [-t maxtime] "
	    "[--ca path] [--pin sha256//hash]\n"
	    "       bb-report -o file\n");
	exit(EX_USAGE);
}

static void
on_signal(int sig)
{
	signalled = sig;
	stop = 1;
}

static void
catch_signals(void)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	for (i = 0; i < nitems(sigs); i++)
		(void)sigaction(sigs[i], &sa, NULL);
}

static void
say(void *arg, const char *msg)
{
	(void)arg;
	warnx("%s", msg);
}

/* The hub took a job's finish: a finish record on standard output. */
static void
finished(void *arg, const char *id, const char *result, const char *reason)
{
	struct record r;
	struct bb_error e;

	(void)arg;
	record_init(&r);
	if (record_start(&r, "finish", &e) == -1 ||
	    record_set(&r, "job", id, &e) == -1 ||
	    record_set(&r, "result", result, &e) == -1 ||
	    (reason != NULL && record_set(&r, "reason", reason, &e) == -1) ||
	    record_write(stdout, &r, &e) == -1)
		warnx("standard output: %s", e.msg);
	else if (fflush(stdout) == EOF)
		warn("standard output");
	record_free(&r);
}

/* Without a hub: the records told for people. */
static int
local_report(const char *path)
{
	struct record_reader rd;
	struct bb_error e;
	struct pretty *p;
	struct record r;
	FILE *fp = stdout;
	int n, fd;

	if (strcmp(path, "-") != 0) {
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0644)) == -1 || (fp = fdopen(fd, "w")) == NULL)
			err(EX_CANTCREAT, "%s", path);
	}
	record_init(&r);
	if (record_reader_init(&rd, STDIN_FILENO, "standard input") == -1 ||
	    (p = pretty_new(fp, &e)) == NULL)
		err(EX_OSERR, "report");
	while ((n = record_read(&rd, &r, NULL, NULL, &e)) == 1)
		if (pretty_record(p, &r, &e) == -1)
			goto fail;
	if (n == -1) {
		(void)pretty_end(p, &e);
		errx(EX_DATAERR, "%s", e.msg);
	}
	if (pretty_end(p, &e) == -1)
		goto fail;
	if (fp != stdout && fclose(fp) == EOF)
		err(EX_IOERR, "%s", path);
	if (!pretty_done(p))
		errx(EX_DATAERR, "the input ended before a done record");
	pretty_free(p);
	record_reader_free(&rd);
	record_free(&r);
	return 0;
fail:
	if (errno == EPIPE)
		exit(EX_IOERR);
	errx(EX_IOERR, "%s: %s", strcmp(path, "-") == 0 ? "standard output" :
	    path, strerror(errno));
}

/* Reads what standard input has: one read, then its whole lines. */
static void
take_input(struct report *rep, struct record_reader *rd, struct record *r)
{
	struct bb_error e;
	const char *line;
	size_t len;
	ssize_t n;
	int got;

	if ((n = record_reader_fill(rd, &e)) == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		report_eof(rep, duration_now_ms(), &e);
		return;
	}
	while ((got = record_reader_next(rd, r, &line, &len, &e)) == 1)
		if (report_input(rep, r, line, len, duration_now_ms(),
		    &e) == -1)
			return;
	if (got == -1) {
		rd->eof = 1;
		report_eof(rep, duration_now_ms(), &e);
	} else if (rd->eof)
		report_eof(rep, duration_now_ms(), NULL);
}

/*
 * Runs rep to its end: reads rd (if not NULL) as it comes, hands calls
 * to the background threads, takes their results.  Returns the exit
 * status and the message in e.
 */
static int
drive(struct report *rep, struct bg **bg, int wakefd,
    struct record_reader *rd, struct bb_error *e)
{
	struct report_call *call[REPORT_LANES] = { NULL }, *c;
	struct pollfd pfd[2];
	struct record r;
	long long now, wake;
	char drain[64];
	int i, nfds, timeout;

	record_init(&r);
	for (;;) {
		now = duration_now_ms();
		if (signalled && !report_over(rep))
			report_abort(rep, EX_TEMPFAIL, "interrupted: what is "
			    "not delivered stays in the spool");
		for (i = 0; i < REPORT_LANES; i++)
			if (call[i] != NULL && bg_poll(bg[i])) {
				report_done(rep, call[i], now);
				call[i] = NULL;
			}
		wake = -1;
		/* A busy lane has no call, but its deadlines count. */
		for (i = 0; i < REPORT_LANES && !report_over(rep); i++) {
			if ((c = report_next(rep, i, now, &wake)) == NULL)
				continue;
			call[i] = c;
			if (bg_start(bg[i], report_exec, c, e) == -1)
				errx(EX_SOFTWARE, "%s", e->msg);
		}
		if (report_over(rep)) {
			/* The calls under way end within a second or so. */
			stop = 1;
			if (!report_busy(rep))
				break;
		}
		nfds = 0;
		pfd[nfds].fd = wakefd;
		pfd[nfds++].events = POLLIN;
		if (rd != NULL && !rd->eof && !report_over(rep)) {
			pfd[nfds].fd = rd->fd;
			pfd[nfds++].events = POLLIN;
		}
		timeout = wake < 0 ? -1 : wake <= now ? 0 :
		    wake - now > 60000 ? 60000 : (int)(wake - now);
		if (poll(pfd, nfds, timeout) == -1) {
			if (errno == EINTR)
				continue;
			err(EX_OSERR, "poll");
		}
		if (pfd[0].revents)
			while (read(wakefd, drain, sizeof(drain)) > 0)
				;
		if (nfds > 1 && pfd[1].revents)
			take_input(rep, rd, &r);
	}
	record_free(&r);
	return report_end(rep, e);
}

static struct report *
new_report(const struct opts *o, int basefd)
{
	struct report_opts ro;
	struct report *rep;
	struct bb_error e;

	memset(&ro, 0, sizeof(ro));
	ro.basefd = basefd;
	ro.basedir = o->basedir;
	ro.net = &o->net;
	ro.maxtime_ms = o->maxtime * 1000;
	ro.stop = &stop;
	ro.died = o->died;
	ro.warn = say;
	ro.finished = finished;
	if ((rep = report_new(&ro, &e)) == NULL)
		cli_die(&e);
	return rep;
}

/* bb-report: the records of standard input, to the hub. */
static int
send_input(const struct opts *o, int basefd, struct bg **bg, int wakefd)
{
	struct record_reader rd;
	struct report *rep;
	struct bb_error e;
	int code;

	if (record_reader_init(&rd, STDIN_FILENO, "standard input") == -1)
		err(EX_OSERR, "reader");
	rep = new_report(o, basefd);
	code = drive(rep, bg, wakefd, &rd, &e);
	if (code != 0)
		warnx("%s", e.msg);
	report_free(rep);
	record_reader_free(&rd);
	return code;
}

/*
 * The session record of standard input, for the token, and the job
 * records that follow it: attempts that died before they had a spool,
 * which get one (report_spool_job) for the resend to take up.
 */
static void
read_session(int basefd, struct record *s)
{
	struct record_reader rd;
	struct record r;
	struct bb_error e;
	const char *line;
	size_t len;
	int n, have = 0;

	if (record_reader_init(&rd, STDIN_FILENO, "standard input") == -1)
		err(EX_OSERR, "reader");
	record_init(&r);
	while ((n = record_read(&rd, &r, &line, &len, &e)) == 1) {
		if (record_is(&r, "session") && !have) {
			if (record_parse(s, line, len, &e) == -1)
				errx(EX_DATAERR, "%s", e.msg);
			have = 1;
		} else if (record_is(&r, "job") && have &&
		    report_spool_job(basefd, &r, s, &e) == -1)
			warnx("line %zu: %s", rd.lineno, e.msg);
	}
	if (n == -1)
		errx(EX_DATAERR, "%s", e.msg);
	if (!have)
		errx(EX_DATAERR, "no session record on standard input");
	record_free(&r);
	record_reader_free(&rd);
}

/* bb-report --resend: what earlier runs left in the spool. */
static int
resend(const struct opts *o, int basefd, struct bg **bg, int wakefd)
{
	struct report *rep;
	struct record session;
	struct bb_error e;
	char **names;
	size_t i;
	int r, code, worst = 0;

	record_init(&session);
	read_session(basefd, &session);
	if (spool_list(basefd, &names, &e) == -1)
		cli_die(&e);
	for (i = 0; names[i] != NULL && !signalled; i++) {
		rep = new_report(o, basefd);
		stop = 0;
		r = report_resume(rep, names[i], &session, duration_now_ms(),
		    &e);
		if (r == 1)
			warnx("%s/%s: in use by another bb-report; left alone",
			    SPOOL_DIR, names[i]);
		code = r == 1 ? 0 : drive(rep, bg, wakefd, NULL, &e);
		report_free(rep);
		if (r == 1)
			continue;
		if (e.msg[0] != '\0')
			warnx("%s", e.msg);
		switch (code) {
		case 0:
		case EX_UNAVAILABLE:	/* lease lost or cancelled: dropped */
		case EX_PROTOCOL:
		case EX_CONFIG:		/* another hub's: left alone */
			break;
		case EX_NOPERM:
		case EX_TEMPFAIL:
			/* The rest would fare no better. */
			spool_names_free(names);
			record_free(&session);
			return code;
		default:
			if (worst == 0)
				worst = code;
			break;
		}
	}
	spool_names_free(names);
	record_free(&session);
	return signalled ? EX_TEMPFAIL : worst;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		NETOPT_TLS,
		{ "resend", no_argument, NULL, OPT_RESEND },
		{ NULL, 0, NULL, 0 }
	};
	struct bg *bg[REPORT_LANES];
	struct bb_error e;
	struct opts o;
	int ch, basefd, wake[2], code, i;

	cli_start(argc, argv, "bb-report");
	(void)signal(SIGPIPE, SIG_IGN);
	/* A file size limit fails a write (EFBIG) rather than kill us. */
	(void)signal(SIGXFSZ, SIG_IGN);
	memset(&o, 0, sizeof(o));
	o.maxtime = MAXTIME_DEFAULT;
	netopt_init(&o.net);
	while ((ch = netopt_getopt(&o.net, argc, argv, "+b:o:r:t:", longopts,
	    &e)) != -1) {
		switch (ch) {
		case 'b':
			o.basedir = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 'r':
			o.died = optarg;
			break;
		case 't':
			if (duration_parse(optarg, 1, DURATION_MAX, &o.maxtime,
			    &e) == -1) {
				warnx("-t %s: %s", optarg, e.msg);
				usage();
			}
			break;
		case OPT_RESEND:
			o.resend = 1;
			break;
		case NETOPT_BAD:
			cli_die(&e);
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0 || (o.out == NULL) == (o.basedir == NULL) ||
	    (o.out != NULL && o.resend) || (o.died != NULL && !o.resend))
		usage();
	if (o.out != NULL) {
		code = local_report(o.out);
		netopt_free(&o.net);
		return code;
	}

	if ((basefd = open(o.basedir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		err(EX_CANTCREAT, "%s", o.basedir);
	catch_signals();
	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) == -1)
		err(EX_OSERR, "pipe");
	for (i = 0; i < REPORT_LANES; i++)
		if ((bg[i] = bg_new(wake[1], &e)) == NULL)
			cli_die(&e);
	if (o.resend)
		code = resend(&o, basefd, bg, wake[0]);
	else
		code = send_input(&o, basefd, bg, wake[0]);
	for (i = 0; i < REPORT_LANES; i++)
		bg_free(bg[i]);
	close(wake[0]);
	close(wake[1]);
	close(basefd);
	netopt_free(&o.net);
	return code;
}
