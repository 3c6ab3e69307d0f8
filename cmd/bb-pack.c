/*
 * bb-pack: reproducible release archives, alone or as a pipeline filter.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "artifact.h"
#include "cli.h"
#include "file.h"
#include "meter.h"
#include "pack.h"
#include "packjob.h"
#include "record.h"
#include "strv.h"
#include "unveil.h"

#define MTIME_MAX	253402300799LL	/* 9999-12-31T23:59:59Z */

struct opts {
	const char		*dir;		/* -C */
	const char		*out;		/* -o */
	int			 fmt_set;	/* -f */
	int			 keep;		/* -k */
	struct packjob_opts	 job;		/* -N -V -n -t, pack options */
};

struct meter {
	struct timespec	 start;
	double		 last;		/* when it was drawn */
	off_t		 total;
	int		 drawn;
};

static __dead void
usage(void)
{
	fprintf(stderr, "usage: bb-pack [-kS] [-f format] [-j threads] "
	    "[-l level] [-N name] [-n template]\n"
	    "               [-P profile] [-t time] [-V version] [-C dir] "
	    "[-o out] [path ...]\n");
	exit(EX_USAGE);
}

static void
warn_member(void *arg, const struct bb_error *e)
{
	struct meter *m = arg;

	if (m != NULL && m->drawn) {
		fputs("\r\033[K", stderr);
		m->drawn = 0;
	}
	cli_warn(e->msg);
}

static double
since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
progress(void *arg, off_t done)
{
	struct meter *m = arg;
	char line[128];
	double now = since(&m->start);

	if (now - m->last < METER_INTERVAL)
		return;
	m->last = now;
	meter_format(line, sizeof(line), done, m->total, now);
	fprintf(stderr, "\r%s\033[K", line);
	m->drawn = 1;
}

static long long
parse_time(const char *s, const char *what)
{
	const char *e;
	long long t;

	t = strtonum(s, 0, MTIME_MAX, &e);
	if (e != NULL)
		errx(EX_USAGE, "%s \"%s\": %s: expected Unix seconds", what,
		    s, e);
	return t;
}

static void
check_level(const struct pack_opts *po)
{
	struct bb_error e;

	if (po->level != -1 && pack_level_check(po->format, po->level,
	    &e) == -1)
		cli_die(&e);
}

/* Standard output failed: quietly when its reader has gone. */
static __dead void
out_failed(const char *msg)
{
	if (errno == EPIPE)
		exit(EX_IOERR);
	errx(EX_IOERR, "standard output: %s", msg);
}

static void
put_line(const char *line, size_t len)
{
	if (record_pass(stdout, line, len) == -1)
		out_failed(strerror(errno));
}

static void
put_record(const struct record *r)
{
	struct bb_error e;

	if (record_write(stdout, r, &e) == -1)
		out_failed(e.msg);
}

static void
put_held(const struct packjob *j)
{
	size_t i;

	for (i = 0; i < j->held.n; i++)
		put_line(j->held.v[i].line, j->held.v[i].len);
}

/*
 * The job is done: its archive, then the done record itself.  If the
 * archive cannot be made, an error record and the held records (but if
 * the job's artifacts are refused, two with one name: none of them), and
 * the done record of a job that would have succeeded says it did not.
 */
static int
finish_job(struct packjob *j, const struct opts *o, struct record *done,
    const char *line, size_t len)
{
	struct record art, sum, er;
	struct bb_error e;
	int rv = 0, r = 0;

	record_init(&art);
	record_init(&sum);
	record_init(&er);
	if (j->npaths > 0)
		r = packjob_pack(j, &o->job, &art, &sum, &e);
	if (j->npaths > 0 && r == 0) {
		if (o->keep)
			put_held(j);
		put_record(&art);
		if (sum.type[0] != '\0')
			put_record(&sum);
	} else if (j->npaths > 0) {
		cli_warn(e.msg);
		rv = e.code;
		if (record_start(&er, "error", NULL) == -1 ||
		    record_set(&er, "tool", "bb-pack", NULL) == -1 ||
		    record_set(&er, "msg", e.msg, NULL) == -1)
			errx(EX_OSERR, "error record");
		put_record(&er);
		if (r != PACKJOB_REFUSED)
			put_held(j);
		/* The job's result is the worst of its stages. */
		if (artifact_fail_done(done, "bb-pack", e.msg, &e) == -1)
			errx(e.code, "done record: %s", e.msg);
		put_record(done);
		line = NULL;
	}
	if (line != NULL)
		put_line(line, len);
	packjob_clear(j);
	record_free(&art);
	record_free(&sum);
	record_free(&er);
	return rv;
}

static int
filter(const struct opts *o)
{
	struct record_reader rd;
	struct packjob j;
	struct record r;
	struct bb_error e;
	const char *line, *s;
	size_t len;
	int n, rv = 0, code, confined = 0;

	if (record_reader_init(&rd, STDIN_FILENO, "stdin") == -1)
		err(EX_OSERR, "stdin");
	record_init(&r);
	packjob_init(&j);
	while ((n = record_read(&rd, &r, &line, &len, &e)) == 1) {
		/* The first job's tree is all bb-pack may reach then on. */
		if (!confined && record_is(&r, "workdir") &&
		    (s = record_get(&r, "path")) != NULL) {
			if (bb_confine_tree(s) == -1)
				err(EX_OSERR, "landlock %s", s);
			confined = 1;
		}
		switch (packjob_feed(&j, &r, line, len, &e)) {
		case PACKJOB_PASS:
			put_line(line, len);
			break;
		case PACKJOB_HOLD:
			break;
		case PACKJOB_FLUSH:
			put_held(&j);
			packjob_clear(&j);
			put_line(line, len);
			break;
		case PACKJOB_DONE:
			if ((code = finish_job(&j, o, &r, line, len)) != 0 &&
			    rv == 0)
				rv = code;
			break;
		default:
			put_held(&j);
			fflush(stdout);
			errx(e.code, "stdin:%zu: %s", rd.lineno, e.msg);
		}
	}
	if (n == -1) {
		put_held(&j);
		fflush(stdout);
		cli_die(&e);
	}
	if (j.held.n > 0) {
		put_held(&j);
		warnx("stdin: input ended before the done record: %zu "
		    "record%s passed on unpacked", j.held.n,
		    j.held.n == 1 ? "" : "s");
		if (rv == 0)
			rv = EX_DATAERR;
	}
	packjob_free(&j);
	record_free(&r);
	record_reader_free(&rd);
	return rv;
}

/* {name} for a tree packed alone: -N, else the first path's base name. */
static const char *
tree_name(const struct opts *o, const char *path, char *buf, size_t len)
{
	char p[PATH_MAX], *b;

	if (o->job.name != NULL)
		return o->job.name;
	if (strcmp(path, ".") == 0 || *path == '\0') {
		if (realpath(o->dir != NULL ? o->dir : ".", p) == NULL)
			return NULL;
	} else if (strlcpy(p, path, sizeof(p)) >= sizeof(p))
		return NULL;
	while (strlen(p) > 1 && p[strlen(p) - 1] == '/')
		p[strlen(p) - 1] = '\0';
	b = basename(p);
	if (strcmp(b, ".") == 0 || strcmp(b, "/") == 0 ||
	    strlcpy(buf, b, len) >= len)
		return NULL;
	return buf;
}

static int
standalone(struct opts *o, int argc, char **argv)
{
	struct pack_result res;
	struct pack_opts *po = &o->job.pack;
	struct meter m = { .last = -METER_INTERVAL };	/* first: at once */
	struct bb_error e;
	char name[NAME_MAX + 1], base[NAME_MAX + 1], **v = NULL;
	const char *out = o->out;
	size_t i, nv = 0;
	int rootfd, tostdout;

	if (out != NULL && !o->fmt_set && strcmp(out, "-") != 0 &&
	    pack_format_from_name(out, &po->format) == -1)
		errx(EX_USAGE, "%s: cannot tell the format from the name: "
		    "use -f", out);
	check_level(po);
	if ((rootfd = open(o->dir != NULL ? o->dir : ".", O_RDONLY |
	    O_DIRECTORY | O_CLOEXEC)) == -1)
		err(EX_NOINPUT, "%s", o->dir != NULL ? o->dir : ".");
	if (o->job.version != NULL &&
	    profile_check(o->job.profile, o->job.version, &e) == -1)
		errx(e.code, "-V: %s", e.msg);
	if (o->job.profile == PROFILE_DEV)
		po->sumfile = 0;	/* dev builds skip the checksum file */
	if (out == NULL) {
		if (packjob_archive_name(&o->job, o->job.profile,
		    tree_name(o, argv[0], base, sizeof(base)), o->job.version,
		    NULL, NULL, 0, AT_FDCWD, name, sizeof(name), &e) == -1)
			cli_die(&e);
		out = name;
	}
	tostdout = strcmp(out, "-") == 0;
	if (tostdout && isatty(STDOUT_FILENO))
		errx(EX_USAGE, "will not write an archive to a terminal");
	/* The kernel keeps it to reading the tree and writing the archive. */
	if (bb_unveil(o->dir != NULL ? o->dir : ".", "r") == -1 ||
	    (!tostdout && bb_unveil_dir_of(out, "rwc") == -1 &&
	    errno != ENOENT) ||
	    bb_pledge("stdio rpath wpath cpath", NULL) == -1 ||
	    bb_unveil(NULL, NULL) == -1)
		err(EX_OSERR, "landlock");
	po->digest = !tostdout;
	po->sumfile = po->digest && po->sumfile;
	if (isatty(STDERR_FILENO)) {
		clock_gettime(CLOCK_MONOTONIC, &m.start);
		if (pack_paths(rootfd, argv, (size_t)argc, &v, &nv, &e) == 0)
			for (i = 0; i < nv; i++)
				(void)pack_measure(rootfd, v[i], &m.total);
		strv_free(v, nv);
		po->progress = progress;
	}
	po->arg = &m;
	if (pack_run(tostdout ? NULL : out, STDOUT_FILENO, rootfd, argv,
	    (size_t)argc, po, &res, &e) == -1) {
		warn_member(&m, &e);
		return e.code;
	}
	if (m.drawn)
		fputs("\r\033[K", stderr);
	close(rootfd);
	if (o->out == NULL)
		printf("%s\n", out);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct opts o;
	struct bb_error e;
	const char *s, *errstr;
	int ch, rv;

	cli_start(argc, argv, "bb-pack");
	(void)signal(SIGPIPE, SIG_IGN);
	/* zip stores local time: UTC, so that TZ changes no byte. */
	if (setenv("TZ", "UTC0", 1) == -1)
		err(EX_OSERR, "setenv");
	tzset();
	/*
	 * Names are stored as UTF-8 whatever the user's locale: the bytes
	 * on disk go into the archive as they are.
	 */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		errx(EX_OSERR, "no C.UTF-8 locale");

	memset(&o, 0, sizeof(o));
	o.job.pack.level = -1;
	o.job.pack.mtime = PACK_MTIME_DEFAULT;
	o.job.pack.sumfile = 1;
	o.job.when = time(NULL);
	if ((s = getenv("SOURCE_DATE_EPOCH")) != NULL && *s != '\0') {
		o.job.pack.mtime = (time_t)parse_time(s, "SOURCE_DATE_EPOCH");
		o.job.when = o.job.pack.mtime;
		o.job.mtime_set = 1;
	}
	while ((ch = getopt(argc, argv, "+C:N:P:SV:f:j:kl:n:o:t:")) != -1) {
		switch (ch) {
		case 'C':
			o.dir = optarg;
			break;
		case 'N':
			o.job.name = optarg;
			break;
		case 'P':
			if (profile_parse(optarg, &o.job.profile, &e) == -1)
				errx(e.code, "-P: %s", e.msg);
			o.job.profile_set = 1;
			break;
		case 'S':
			o.job.pack.sumfile = 0;
			break;
		case 'V':
			o.job.version = optarg;
			break;
		case 'f':
			if (pack_format_parse(optarg, &o.job.pack.format,
			    &e) == -1)
				cli_die(&e);
			o.fmt_set = 1;
			break;
		case 'j':
			o.job.pack.threads = (int)strtonum(optarg, 1, 256,
			    &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-j %s: %s", optarg, errstr);
			break;
		case 'k':
			o.keep = 1;
			break;
		case 'l':
			o.job.pack.level = (int)strtonum(optarg, 0, 19,
			    &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-l %s: %s", optarg, errstr);
			break;
		case 'n':
			o.job.tmpl = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case 't':
			o.job.pack.mtime = (time_t)parse_time(optarg, "-t");
			o.job.mtime_set = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	if (!o.fmt_set)
		o.job.pack.format = argc == 0 ? PACK_TZST : PACK_TGZ;
	if (o.out != NULL && o.job.tmpl != NULL)
		errx(EX_USAGE, "-o and -n both name the archive: give one");
	if (argc == 0 && (o.out != NULL || o.dir != NULL))
		errx(EX_USAGE, "-o and -C need paths to pack");
	if (argc > 0 && o.keep)
		errx(EX_USAGE, "-k is for the pipeline, without paths");

	if (argc == 0) {
		if (setvbuf(stdout, NULL, _IOLBF, 0) != 0)
			err(EX_OSERR, "setvbuf");
	}
	o.job.pack.warn = warn_member;
	if (argc == 0)
		check_level(&o.job.pack);
	rv = argc == 0 ? filter(&o) : standalone(&o, argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("standard output");
		if (rv == 0)
			rv = EX_IOERR;
	}
	return rv;
}
