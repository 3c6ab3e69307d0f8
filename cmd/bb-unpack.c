/*
 * bb-unpack: download a job's source, check it and unpack it safely into
 * a fresh work directory; or unpack a local archive with the same care.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "disk.h"
#include "file.h"
#include "http.h"
#include "netopt.h"
#include "record.h"
#include "size.h"
#include "unpack.h"
#include "unveil.h"

#define RETRIES		4	/* downloads tried again */
#define RETRY_FIRST_MS	1000
#define RETRY_MAX_MS	30000

struct opts {
	const char	*workroot;	/* -d */
	const char	*dir;		/* -C */
	const char	*file;
	struct netopt	 net;		/* --ca, --pin */
	int		 retries;	/* -r */
	struct unpack	 u;		/* -m, -n */
};

static volatile sig_atomic_t stop;
static int confined;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: bb-unpack [-d workroot] [-m bytes] "
	    "[-n entries] [-r retries] [--ca path]\n"
	    "                 [--pin sha256//hash]\n"
	    "       bb-unpack [-m bytes] [-n entries] -C dir file\n");
	exit(EX_USAGE);
}

/*
 * getopt's answer ch ('?' or ':') named by what the command line says:
 * getopt's own message would name argv[0], which is the file once the
 * options after it are read.
 */
static __dead void
bad_option(int ch, char *argv[])
{
	char opt[64], msg[128];

	if (optopt > 0 && optopt <= UCHAR_MAX && isprint(optopt))
		(void)snprintf(opt, sizeof(opt), "-%c", optopt);
	else
		(void)snprintf(opt, sizeof(opt), "%s", optind > 0 ?
		    argv[optind - 1] : "?");
	(void)snprintf(msg, sizeof(msg), ch == ':' ? "%s needs an argument" :
	    "%s: unknown option", opt);
	cli_warn(msg);
	usage();
}

static void
on_signal(int sig)
{
	stop = sig;
}

/* Catches the signals that end us, so that a half tree is removed. */
static void
catch_signals(int on)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on ? on_signal : SIG_DFL;
	for (i = 0; i < nitems(sigs); i++)
		(void)sigaction(sigs[i], &sa, NULL);
}

/* After a stop: die of the signal that asked for it. */
static void
die_if_stopped(void)
{
	if (stop == 0)
		return;
	catch_signals(0);
	(void)raise(stop);
}

static void
warn_archive(void *arg, const char *msg)
{
	(void)arg;
	warnx("%s", msg);
}

/*
 * Says what failed: an error record for the stages below (filter mode),
 * then the message and the exit status.
 */
static __dead void
fail(int filter, const struct bb_error *err)
{
	struct record r;

	die_if_stopped();
	if (filter) {
		record_init(&r);
		if (record_start(&r, "error", NULL) == 0 &&
		    record_set(&r, "tool", "bb-unpack", NULL) == 0 &&
		    record_set(&r, "msg", err->msg, NULL) == 0)
			(void)record_write(stdout, &r, NULL);
		record_free(&r);
	}
	cli_die(err);
}

/* Writes a line to standard output; a reader gone is EX_IOERR. */
static void
put_line(const char *line, size_t len)
{
	if (fwrite(line, 1, len, stdout) != len || putchar('\n') == EOF ||
	    fflush(stdout) == EOF) {
		if (errno == EPIPE)
			exit(EX_IOERR);
		err(EX_IOERR, "stdout");
	}
}

/*
 * Prints the workdir record of a tree just made.  When a signal came
 * meanwhile, or the record cannot be written, nobody will know of the
 * tree: it is removed (keep_top: a directory that was there before stays,
 * empty), then bb-unpack dies of the signal or exits.
 */
static void
announce(const char *path, int keep_top)
{
	struct bb_error e;
	struct record r;
	int saved, rv;

	catch_signals(0);
	record_init(&r);
	rv = stop == 0 && record_start(&r, "workdir", &e) == 0 &&
	    record_set(&r, "path", path, &e) == 0 &&
	    record_write(stdout, &r, &e) == 0;
	saved = errno;
	record_free(&r);
	if (rv)
		return;
	(void)file_rmtree(path, keep_top, NULL);
	die_if_stopped();
	errno = saved;
	if (errno == EPIPE)
		exit(EX_IOERR);
	if (e.code == EX_IOERR)
		err(EX_IOERR, "stdout");
	errx(e.code, "stdout: %s", e.msg);
}

/*
 * From the first job on, the kernel lets bb-unpack write only beneath
 * the work root and read only there, in the CA it trusts and in the
 * system's files (bb_unveil, Landlock).
 */
static void
confine(const char *root, const char *ca)
{
	if (confined++)
		return;
	if (bb_unveil(root, "rwc") == -1 ||
	    (ca != NULL && bb_unveil(ca, "r") == -1 && errno != ENOENT) ||
	    bb_unveil(NULL, NULL) == -1)
		err(EX_OSERR, "landlock %s", root);
}

/* A client for the hub of a session record, or for no hub. */
static struct http_client *
client_new(const struct opts *o, const struct record *session,
    struct bb_error *err)
{
	struct http_client *c;
	struct http_opts ho;
	const char *hub = NULL, *token = NULL;

	if (session != NULL &&
	    (hub = record_get(session, "hub")) == NULL) {
		bb_error_set(err, EX_DATAERR, "no hub");
		return NULL;
	}
	if (session != NULL)
		token = record_get(session, "token");
	/* No session, no hub: absolute URLs only, https only. */
	netopt_http_session(&o->net, session, &stop, &ho);
	if ((c = http_client_new(hub, &ho, err)) == NULL)
		return NULL;
	if (token != NULL && http_client_set_token(c, token, err) == -1) {
		http_client_free(c);
		return NULL;
	}
	return c;
}

/* Downloads and unpacks the job of record r, then prints its workdir. */
static void
do_job(struct opts *o, struct http_client **cp, const struct record *r,
    size_t lineno, const char *root)
{
	struct unpack_job job;
	struct http_retry rt;
	struct bb_error e;
	char path[PATH_MAX];

	if (unpack_job_parse(r, &job, &e) == -1) {
		bb_error_prefix(&e, "line %zu", lineno);
		fail(1, &e);
	}
	if (*cp == NULL && (*cp = client_new(o, NULL, &e)) == NULL)
		fail(1, &e);
	confine(root, o->net.ca);
	memset(&rt, 0, sizeof(rt));
	rt.tries = o->retries + 1;
	rt.first_ms = RETRY_FIRST_MS;
	rt.max_ms = RETRY_MAX_MS;
	rt.notify = cli_warn_retry;
	catch_signals(1);
	if (unpack_job(&o->u, *cp, &rt, &job, root, path, sizeof(path),
	    &e) == -1) {
		bb_error_prefix(&e, "job %s", job.id);
		fail(1, &e);
	}
	announce(path, 0);
}

/*
 * The pipeline: a job is unpacked once the session that says where its
 * hub is has been seen, whichever of the two comes first (bb-claim(1)
 * prints the job, then passes the session on); a job with no session at
 * all is tried at the end of the input, for an absolute source URL.
 */
static int
filter(struct opts *o)
{
	struct record_reader rd;
	struct record r, held;
	struct http_client *c = NULL;
	struct bb_error e;
	char root[PATH_MAX];
	const char *line;
	size_t len, heldline = 0;
	int n;

	if (realpath(o->workroot, root) == NULL)
		err(EX_CANTCREAT, "%s", o->workroot);
	if (record_reader_init(&rd, STDIN_FILENO, "stdin") == -1)
		err(EX_OSERR, "stdin");
	record_init(&r);
	record_init(&held);
	while ((n = record_read(&rd, &r, &line, &len, &e)) == 1) {
		put_line(line, len);
		if (record_is(&r, "session")) {
			http_client_free(c);
			if ((c = client_new(o, &r, &e)) == NULL) {
				bb_error_prefix(&e, "line %zu: session",
				    rd.lineno);
				fail(1, &e);
			}
			confine(root, o->net.ca != NULL ? o->net.ca :
			    record_get(&r, "ca"));
			if (heldline != 0) {
				do_job(o, &c, &held, heldline, root);
				heldline = 0;
			}
			continue;
		}
		if (!record_is(&r, "job"))
			continue;
		if (c != NULL) {
			do_job(o, &c, &r, rd.lineno, root);
			continue;
		}
		if (record_parse(&held, line, len, &e) == -1)
			fail(1, &e);
		heldline = rd.lineno;
	}
	if (n == -1)
		fail(1, &e);
	if (heldline != 0)
		do_job(o, &c, &held, heldline, root);
	http_client_free(c);
	record_free(&held);
	record_free(&r);
	record_reader_free(&rd);
	return 0;
}

static int
local(struct opts *o)
{
	struct bb_error e;
	char path[PATH_MAX];
	int fd = STDIN_FILENO, made = 0;

	if (strcmp(o->file, "-") != 0 &&
	    (fd = file_open_input(AT_FDCWD, o->file, &e)) == -1)
		cli_die(&e);
	if (mkdir(o->dir, 0755) == 0)
		made = 1;
	else if (errno != EEXIST)
		err(EX_CANTCREAT, "mkdir %s", o->dir);
	if (realpath(o->dir, path) == NULL)
		err(EX_CANTCREAT, "%s", o->dir);
	/* A directory made here is removed again if the archive is refused. */
	if ((made && bb_unveil_dir_of(path, "d") == -1) ||
	    bb_confine_tree(path) == -1)
		err(EX_OSERR, "landlock %s", path);
	catch_signals(1);
	if (unpack_fd(&o->u, fd, strcmp(o->file, "-") == 0 ? "stdin" :
	    o->file, path, &e) == -1) {
		if (made)
			(void)rmdir(path);
		fail(0, &e);
	}
	announce(path, !made);
	if (fd != STDIN_FILENO)
		close(fd);
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		NETOPT_TLS,
		{ NULL,		0,			NULL,	0 }
	};
	struct opts o;
	struct bb_error e;
	const char *errstr;
	int ch, rv;

	cli_start(argc, argv, "bb-unpack");
	/* Names in archives are UTF-8 (pax): write them as they are. */
	(void)setlocale(LC_CTYPE, "C.UTF-8");
	setvbuf(stdout, NULL, _IOLBF, 0);
	(void)signal(SIGPIPE, SIG_IGN);

	memset(&o, 0, sizeof(o));
	unpack_init(&o.u);
	netopt_init(&o.net);
	o.u.stop = &stop;
	o.u.warn = warn_archive;
	o.retries = RETRIES;
	/* Options may also follow the file, as tar's -C does. */
	for (;;) {
		opterr = 0;
		while ((ch = netopt_getopt(&o.net, argc, argv, "+:C:d:m:n:r:",
		    longopts, &e)) != -1) {
			switch (ch) {
			case 'C':
				o.dir = optarg;
				break;
			case 'd':
				o.workroot = optarg;
				break;
			case 'm':
				if (size_parse(optarg, &o.u.max_bytes,
				    &e) == -1)
					errx(EX_USAGE, "-m %s", e.msg);
				break;
			case 'n':
				o.u.max_entries = strtonum(optarg, 1,
				    100000000, &errstr);
				if (errstr != NULL)
					errx(EX_USAGE, "-n %s: %s (1 to "
					    "100000000)", optarg, errstr);
				break;
			case 'r':
				o.retries = (int)strtonum(optarg, 0, 100,
				    &errstr);
				if (errstr != NULL)
					errx(EX_USAGE, "-r %s: %s (0 to 100)",
					    optarg, errstr);
				break;
			case NETOPT_BAD:
				cli_die(&e);
			default:
				bad_option(ch, argv);
			}
		}
		argc -= optind;
		argv += optind;
		if (argc == 0)
			break;
		if (o.file != NULL)
			usage();
		o.file = argv[0];
		/* Start again after the file (glibc: 0 resets getopt). */
		optind = 0;
	}
	if (o.file != NULL) {
		if (o.dir == NULL || o.workroot != NULL || o.net.ca != NULL ||
		    o.net.pin != NULL)
			usage();
		rv = local(&o);
	} else {
		if (o.dir != NULL)
			usage();
		if (o.workroot == NULL)
			o.workroot = ".";
		rv = filter(&o);
	}
	if (fflush(stdout) == EOF)
		err(EX_IOERR, "stdout");
	netopt_free(&o.net);
	return rv;
}
