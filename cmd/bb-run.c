/*
 * bb-run: runs a job's steps, each under /bin/sh in its own process group
 * with its timeout, streams status, log and beat records, collects the
 * artifacts and reports the result.  See bb-run(1).
 */
#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <locale.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cli.h"
#include "disk.h"
#include "duration.h"
#include "emit.h"
#include "file.h"
#include "job.h"
#include "mask.h"
#include "recipe.h"
#include "run.h"
#include "sandbox.h"
#include "track.h"

#define BEAT_DEFAULT	5
#define GRACE_DEFAULT	10
#define MASKS_MAX	64
#define GROUPS_MAX	256
#define PATHS_MAX	16

enum sandbox_mode { SANDBOX_AUTO, SANDBOX_ON, SANDBOX_NONE };

struct opts {
	long long	 beat;
	const char	*caches;		/* -c */
	int		 list;			/* -l */
	int		 clear;			/* -x */
	const char	*dir;
	const char	*file;
	long long	 grace;
	char		*hide[PATHS_MAX];	/* -H */
	size_t		 nhide;
	char		*share[PATHS_MAX];	/* -B */
	size_t		 nshare;
	char		*maskfiles[PATHS_MAX];	/* -M */
	size_t		 nmaskfiles;
	char		*masks[MASKS_MAX];
	size_t		 nmasks;
	enum sandbox_mode sandbox;		/* -S */
	const char	*track;			/* -R */
	const char	*sweep;			/* -K */
	const char	*user;
	int		 verbose;
	long long	 silent;
};

static volatile sig_atomic_t cancelled, lastsig, wakefd_w = -1;

static void __dead
usage(void)
{
	fprintf(stderr, "usage: bb-run [-v] [-B dir] [-b interval] [-C dir] "
	    "[-c dir] [-f recipe]\n"
	    "              [-g grace] [-H path] [-M file] [-m pattern] "
	    "[-R dir] [-S sandbox]\n"
	    "              [-u user] [-w silence]\n"
	    "       bb-run -K dir\n"
	    "       bb-run -c dir -l\n"
	    "       bb-run -c dir -x [cache ...]\n");
	exit(EX_USAGE);
}

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig != SIGCHLD) {
		cancelled++;
		lastsig = sig;
	}
	/* A full pipe already wakes the loop: the result can be ignored. */
	if (wakefd_w != -1 && write(wakefd_w, "", 1) == -1)
		errno = saved;
	errno = saved;
}

static void
on_warn(void *arg __unused, const char *msg)
{
	warnx("%s", msg);
}

/* Ends what dead bb-runs that noted their steps in dir left. */
static void
sweep(const char *dir)
{
	struct bb_error e;
	size_t n = 0;

	if (track_sweep(dir, &n, on_warn, NULL, &e) == -1)
		cli_die(&e);
}

static long long
duration_arg(const char *s, long long min, const char *what)
{
	struct bb_error e;
	long long n;

	if (duration_parse(s, min, DURATION_MAX, &n, &e) == -1)
		errx(EX_USAGE, "%s: %s", what, e.msg);
	return n;
}

/*
 * A fatal error once output has begun: an error record and a done record
 * with result=error go down the pipe, the message to standard error.
 */
static void __dead
fatal(struct emit *e, const struct bb_error *err, time_t started)
{
	(void)emit_error(e, err->msg);
	(void)emit_done(e, "error", started, 0, NULL, err->msg);
	cli_die(err);
}

/* Exits when the output cannot be written: before anything was run. */
static void
check_output(struct emit *e)
{
	if (!e->failed)
		return;
	if (e->err == EPIPE)
		exit(1);
	errc(EX_IOERR, e->err, "stdout");
}

static void
setup_signals(int *wakefd)
{
	struct sigaction sa;
	int p[2];

	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) == -1)
		err(EX_OSERR, "pipe");
	*wakefd = p[0];
	wakefd_w = p[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGHUP, &sa, NULL) == -1 ||
	    sigaction(SIGCHLD, &sa, NULL) == -1)
		err(EX_OSERR, "sigaction");
}

static void
setup_user(struct job *j, const char *user, const char **home)
{
	static gid_t groups[GROUPS_MAX];
	struct passwd *pw;
	int n = GROUPS_MAX;

	if ((pw = getpwnam(user)) == NULL)
		errx(EX_NOUSER, "-u %s: no such user", user);
	if (getuid() != 0 && pw->pw_uid != getuid())
		errx(EX_NOPERM, "-u %s: only root can run steps as another "
		    "user", user);
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		errx(EX_OSERR, "-u %s: more than %d groups", user, GROUPS_MAX);
	j->setuser = 1;
	j->uid = pw->pw_uid;
	j->gid = pw->pw_gid;
	j->groups = groups;
	j->ngroups = (size_t)n;
	*home = pw->pw_dir;
}

/* A path of an option that may be given up to PATHS_MAX times. */
static void
add_path(char **v, size_t *n, char *path, const char *opt)
{
	if (*n == PATHS_MAX)
		errx(EX_USAGE, "%s: more than %d paths", opt, PATHS_MAX);
	if (path[0] != '/' && strcmp(opt, "-M") != 0)
		errx(EX_USAGE, "%s %s: not an absolute path", opt, path);
	v[(*n)++] = path;
}

/*
 * The values to mask that are no variable: the credentials of the input
 * (the session's token, the job's lease) and what the -M files hold, read
 * here and never written anywhere.  The caller frees with job_input_free.
 */
static void
mask_values(const struct opts *o, struct job_input *in)
{
	struct bb_error e;
	struct buf *b;
	char **v;
	size_t i;

	for (i = 0; i < o->nmaskfiles; i++) {
		if (file_read_secret(AT_FDCWD, o->maskfiles[i], MASK_MAXLEN,
		    &b, &e) == -1)
			errx(e.code, "-M %s", e.msg);
		if ((v = reallocarray(in->values, in->nvalues + 1,
		    sizeof(*v))) == NULL ||
		    (v[in->nvalues] = strdup(b->data)) == NULL)
			err(EX_OSERR, "-M %s", o->maskfiles[i]);
		in->values = v;
		in->nvalues++;
		buf_freezero(b);
	}
}

/* The steps' HOME, which the sandbox gives a private directory. */
static const char *
env_home(char **env)
{
	for (; *env != NULL; env++)
		if (strncmp(*env, "HOME=", 5) == 0)
			return *env + 5;
	return NULL;
}

/*
 * Starts the sandbox of -S for j in sb, or says why there is none.
 * Returns 0 or -1 (err set).
 */
static int
setup_sandbox(const struct opts *o, struct job *j, const struct recipe *r,
    char *const *share, size_t nshare, struct sandbox *sb,
    struct bb_error *e)
{
	/* No step: nothing runs that a sandbox would hold. */
	if (r->nsteps == 0)
		return 0;
	if (o->sandbox == SANDBOX_NONE) {
		if (r->nonet)
			warnx("network off: not kept without the sandbox "
			    "(-S none)");
		return 0;
	}
	memset(sb, 0, sizeof(*sb));
	sb->workdir = j->workdir;
	sb->home = env_home(j->env);
	sb->hide = o->hide;
	sb->nhide = o->nhide;
	sb->share = share;
	sb->nshare = nshare;
	sb->network = !r->nonet;
	sb->dropuser = j->setuser;
	sb->uid = j->uid;
	sb->gid = j->gid;
	sb->groups = j->groups;
	sb->ngroups = j->ngroups;
	/*
	 * -S on: a sandbox that cannot be made ends the job with its error
	 * at the first step (run_step, EX_UNAVAILABLE), before its shell
	 * runs, as sandbox_enter fails then.
	 */
	if (sandbox_start(sb, e) == 0 || o->sandbox == SANDBOX_ON) {
		j->sandbox = sb;
		return 0;
	}
	warnx("no sandbox, the steps run without one: %s", e->msg);
	if (r->nonet)
		warnx("network off: not kept without the sandbox");
	return 0;
}

/* Wipes in place what bb-run's environment holds of the secrets. */
static void
wipe_environ(const struct job *j, char **envp)
{
	const struct recipe *r = j->recipe;
	char *eq;
	size_t i, k;
	int secret;

	for (i = 0; envp[i] != NULL; i++) {
		if ((eq = strchr(envp[i], '=')) == NULL)
			continue;
		*eq = '\0';
		secret = mask_name_match(envp[i], j->masks, j->nmasks) ||
		    mask_name_match(envp[i], r->mask, r->nmask);
		for (k = 0; k < r->nsecret && !secret; k++)
			secret = strcmp(envp[i], r->secret[k]) == 0;
		*eq = '=';
		if (secret)
			explicit_bzero(eq + 1, strlen(eq + 1));
	}
}

/*
 * A recipe's later stages and the combinations of its matrix are the
 * hub's to run (bb-hub submit makes a job of each): here, the first
 * stage of the first combination runs, and a warning says so.
 */
static int
first_combination(struct recipe **rp, struct bb_error *e)
{
	struct recipe *r = *rp, **v;
	struct buf *b;
	size_t n, i;

	if (r->next != NULL) {
		warnx("stage %s and those after it: not run here (bb-hub "
		    "runs stages)", r->next->name);
		recipe_free(r->next);
		r->next = NULL;
	}
	for (i = 0; i < r->naxes && r->axes[i].nvalues == 1; i++)
		;
	if (i == r->naxes)
		return 0;
	if (recipe_expand(r, &v, &n, e) == -1)
		return -1;
	if ((b = buf_new(RECORD_MAX)) == NULL ||
	    recipe_config(v[0], b, e) == -1) {
		bb_error_errno(e, EX_OSERR, "matrix");
		buf_free(b);
		return -1;
	}
	warnx("matrix: %zu combinations; only the first runs here (bb-hub "
	    "runs each): %s", n, b->data);
	buf_free(b);
	for (i = 1; i < n; i++)
		recipe_free(v[i]);
	recipe_free(r);
	*rp = v[0];
	free(v);
	return 0;
}

/* The caches of a job (bb-recipe(5) cache). */
struct caches {
	char			*root;		/* -c, or made for this run */
	int			 temporary;	/* root goes at the end */
	struct cache_use	 use[RECIPE_NCACHE];
	char			*data[RECIPE_NCACHE];
	size_t			 n;
};

/*
 * Opens the recipe's caches under -c (for the hub of the session, kept by
 * the job's name), or, without -c, in a directory of this run's that goes
 * when it ends.
 */
static int
open_caches(const struct opts *o, const struct job *j, const char *hub,
    struct caches *c, struct bb_error *e)
{
	const struct recipe *r = j->recipe;
	char tmp[PATH_MAX];
	const char *tmpdir = getenv("TMPDIR");
	size_t i;

	memset(c, 0, sizeof(*c));
	if (r->ncache == 0)
		return 0;
	if (j->name == NULL) {
		bb_error_set(e, EX_DATAERR, "cache %s: the job has no name, "
		    "which its caches are kept by", r->cache[0].name);
		return -1;
	}
	if (o->caches != NULL) {
		if ((c->root = strdup(o->caches)) == NULL) {
			bb_error_errno(e, EX_OSERR, "-c");
			return -1;
		}
	} else {
		if (tmpdir == NULL || tmpdir[0] != '/')
			tmpdir = "/tmp";
		if (snprintf(tmp, sizeof(tmp), "%s/bb-cache.XXXXXX", tmpdir) >=
		    (int)sizeof(tmp) || mkdtemp(tmp) == NULL ||
		    (c->root = strdup(tmp)) == NULL) {
			bb_error_errno(e, EX_CANTCREAT, "%s/bb-cache.*",
			    tmpdir);
			return -1;
		}
		c->temporary = 1;
		warnx("no -c: the caches of this job are not kept");
	}
	for (i = 0; i < r->ncache; i++) {
		if (cache_open(c->root, hub, j->name, &r->cache[i], j->setuser,
		    j->uid, j->gid, &c->use[i], e) == -1)
			return -1;
		c->data[i] = c->use[i].data;
		c->n++;
	}
	return 0;
}

/* Ends the job's use of its caches: those over their max go. */
static void
close_caches(const struct recipe *r, struct caches *c)
{
	struct bb_error e;
	char sz[16], mx[16];
	long long size;
	size_t i;
	int evicted;

	for (i = 0; i < c->n; i++) {
		if (cache_close(&c->use[i], &size, &evicted, &e) == -1)
			warnx("cache %s: %s", r->cache[i].name, e.msg);
		else if (evicted && !c->temporary) {
			disk_format(size, sz, sizeof(sz));
			disk_format(r->cache[i].max, mx, sizeof(mx));
			warnx("cache %s: %s, over its max of %s: removed",
			    r->cache[i].name, sz, mx);
		}
	}
	if (c->temporary && file_rmtree(c->root, 0, &e) == -1)
		warnx("%s", e.msg);
	free(c->root);
	c->root = NULL;
}

/* bb-run -c dir -l: the caches, least recently used first. */
static int
list_caches(const char *root)
{
	struct cache_entry *v;
	struct bb_error e;
	struct tm tm;
	char sz[16], mx[16], when[32];
	size_t n, i;

	if (cache_list(root, &v, &n, &e) == -1)
		cli_die(&e);
	printf("%-6s %-6s %-16s %s\n", "SIZE", "MAX", "USED", "CACHE");
	for (i = 0; i < n; i++) {
		disk_format(v[i].size, sz, sizeof(sz));
		if (v[i].max > 0)
			disk_format(v[i].max, mx, sizeof(mx));
		else
			(void)strlcpy(mx, "-", sizeof(mx));
		if (v[i].used == 0 || localtime_r(&v[i].used, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm) == 0)
			(void)strlcpy(when, "-", sizeof(when));
		printf("%-6s %-6s %-16s %s/%s%s%s%s\n", sz, mx, when,
		    v[i].recipe, v[i].name, v[i].busy ? " (in use)" : "",
		    v[i].hub != NULL ? " of " : "",
		    v[i].hub != NULL ? v[i].hub : "");
	}
	cache_list_free(v, n);
	if (fflush(stdout) == EOF)
		err(EX_IOERR, "stdout");
	return 0;
}

/* bb-run -c dir -x [cache ...]: removes caches, all or those named. */
static int
clear_caches(const char *root, char **pats, int npats)
{
	struct cache_entry *v;
	struct bb_error e;
	size_t n, i;
	int k, r, rv = 0, *used;

	if (cache_list(root, &v, &n, &e) == -1)
		cli_die(&e);
	if ((used = calloc((size_t)npats + 1, sizeof(*used))) == NULL)
		err(EX_OSERR, NULL);
	for (i = 0; i < n; i++) {
		for (k = 0; k < npats; k++)
			if (cache_match(&v[i], pats[k]))
				break;
		if (npats > 0 && k == npats)
			continue;
		used[k] = 1;
		if ((r = cache_remove(&v[i], &e)) == -1) {
			warnx("%s", e.msg);
			rv = e.code;
		} else if (r == 0) {
			warnx("%s/%s: in use by a job: kept", v[i].recipe,
			    v[i].name);
			if (rv == 0)
				rv = EX_TEMPFAIL;
		} else
			printf("removed %s/%s\n", v[i].recipe, v[i].name);
	}
	for (k = 0; k < npats; k++)
		if (!used[k]) {
			warnx("%s: no such cache", pats[k]);
			if (rv == 0)
				rv = EX_DATAERR;
		}
	free(used);
	cache_list_free(v, n);
	if (fflush(stdout) == EOF)
		err(EX_IOERR, "stdout");
	return rv;
}

int
main(int argc, char *argv[])
{
	extern char **environ;
	struct opts o;
	struct job j;
	struct job_input in;
	struct bb_error e;
	struct emit *out;
	struct passwd *pw;
	struct sandbox sb;
	struct caches caches;
	char *share[PATHS_MAX + RECIPE_NCACHE];
	char cdir[PATH_MAX], wdir[PATH_MAX], kdir[PATH_MAX];
	size_t i, nshare;
	const char *home;
	time_t started = time(NULL);
	int ch, wakefd, rv;

	cli_start(argc, argv, "bb-run");
	memset(&o, 0, sizeof(o));
	memset(&j, 0, sizeof(j));
	memset(&in, 0, sizeof(in));
	o.beat = BEAT_DEFAULT;
	o.grace = GRACE_DEFAULT;
	while ((ch = getopt(argc, argv, "+B:b:C:H:K:M:R:S:c:f:g:lm:u:vw:x"))
	    != -1) {
		switch (ch) {
		case 'b':
			o.beat = duration_arg(optarg, 0, "-b");
			break;
		case 'C':
			o.dir = optarg;
			break;
		case 'c':
			o.caches = optarg;
			break;
		case 'l':
			o.list = 1;
			break;
		case 'x':
			o.clear = 1;
			break;
		case 'B':
			add_path(o.share, &o.nshare, optarg, "-B");
			break;
		case 'H':
			add_path(o.hide, &o.nhide, optarg, "-H");
			break;
		case 'K':
			o.sweep = optarg;
			break;
		case 'M':
			add_path(o.maskfiles, &o.nmaskfiles, optarg, "-M");
			break;
		case 'R':
			o.track = optarg;
			break;
		case 'S':
			if (strcmp(optarg, "on") == 0)
				o.sandbox = SANDBOX_ON;
			else if (strcmp(optarg, "none") == 0)
				o.sandbox = SANDBOX_NONE;
			else if (strcmp(optarg, "auto") == 0)
				o.sandbox = SANDBOX_AUTO;
			else
				errx(EX_USAGE, "-S %s: not on, none or auto",
				    optarg);
			break;
		case 'f':
			o.file = optarg;
			break;
		case 'g':
			o.grace = duration_arg(optarg, 0, "-g");
			break;
		case 'm':
			if (o.nmasks == MASKS_MAX)
				errx(EX_USAGE, "-m: more than %d patterns",
				    MASKS_MAX);
			o.masks[o.nmasks++] = optarg;
			break;
		case 'u':
			o.user = optarg;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'w':
			o.silent = duration_arg(optarg, 1, "-w");
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (o.list || o.clear) {
		if (o.caches == NULL || (o.list && o.clear) ||
		    (o.list && argc != 0))
			usage();
		return o.list ? list_caches(o.caches) :
		    clear_caches(o.caches, argv, argc);
	}
	if (argc != 0)
		usage();
	if (o.sweep != NULL) {
		if (o.file != NULL || o.dir != NULL || o.track != NULL)
			usage();
		sweep(o.sweep);
		return 0;
	}
	if (o.file == NULL && isatty(STDIN_FILENO))
		errx(EX_USAGE, "no recipe: give -f recipe, or records on "
		    "standard input");

	home = getenv("HOME");
	if (home == NULL && (pw = getpwuid(getuid())) != NULL)
		home = pw->pw_dir;
	if (o.user != NULL)
		setup_user(&j, o.user, &home);
	if (o.verbose || isatty(STDOUT_FILENO)) {
		o.verbose = 1;
		(void)setlocale(LC_CTYPE, "");
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	(void)signal(SIGPIPE, SIG_IGN);
	setup_signals(&wakefd);
	if (run_init(&e) == -1)
		cli_die(&e);
	if (o.dir != NULL && realpath(o.dir, cdir) == NULL)
		err(EX_NOINPUT, "-C %s", o.dir);
	if (o.caches != NULL) {
		if (file_mkdirs(o.caches, 0755, &e) == -1)
			errx(e.code, "-c %s", e.msg);
		if (realpath(o.caches, kdir) == NULL)
			err(EX_CANTCREAT, "-c %s", o.caches);
		o.caches = kdir;
	}
	if ((out = emit_new(stdout, o.verbose)) == NULL)
		err(EX_OSERR, NULL);

	if (o.file != NULL) {
		if (recipe_parse_file(o.file, &in.recipe, &e) == -1)
			fatal(out, &e, started);
	} else {
		if (job_read(STDIN_FILENO, "stdin", out, o.dir ? cdir : NULL,
		    wakefd, &cancelled, &in, &e) == -1)
			fatal(out, &e, started);
		check_output(out);
		if (in.cancelled) {
			(void)emit_done(out, "cancelled", started, 0, NULL,
			    "cancelled before the recipe was read");
			exit(1);
		}
		/* A stage above failed (bb-unpack): nothing to run. */
		if (in.upstream != NULL) {
			(void)emit_done(out, "error", started, 0, NULL,
			    in.upstream);
			check_output(out);
			exit(1);
		}
	}

	/* The work tree: -C, else the workdir record, else here. */
	if (realpath(o.dir ? cdir : in.workdir ? in.workdir : ".", wdir) ==
	    NULL || (j.workfd = open(wdir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1) {
		bb_error_errno(&e, EX_NOINPUT, "work tree %s", o.dir ? o.dir :
		    in.workdir ? in.workdir : ".");
		fatal(out, &e, started);
	}
	if (in.workdir == NULL)
		(void)emit_workdir(out, wdir);
	if (first_combination(&in.recipe, &e) == -1)
		fatal(out, &e, started);
	(void)emit_recipe(out, in.recipe);
	check_output(out);

	mask_values(&o, &in);
	j.values = in.values;
	j.nvalues = in.nvalues;
	j.recipe = in.recipe;
	j.name = in.recipe->name ? in.recipe->name : in.name;
	j.workdir = wdir;
	j.home = home;
	j.grace = o.grace;
	j.beat = o.beat;
	j.silent = o.silent;
	j.masks = o.masks;
	j.nmasks = o.nmasks;
	j.wakefd = wakefd;
	j.cancel = &cancelled;
	j.signo = &lastsig;
	j.out = out;
	j.warn = on_warn;
	if (open_caches(&o, &j, in.hub, &caches, &e) == -1)
		fatal(out, &e, started);
	j.caches = caches.data;
	if (job_setup(&j, environ, &e) == -1)
		fatal(out, &e, started);
	wipe_environ(&j, environ);
	nshare = 0;
	for (i = 0; i < o.nshare; i++)
		share[nshare++] = o.share[i];
	for (i = 0; i < caches.n; i++)
		share[nshare++] = caches.data[i];
	if (setup_sandbox(&o, &j, in.recipe, share, nshare, &sb, &e) == -1)
		fatal(out, &e, started);
	if (o.track != NULL) {
		sweep(o.track);
		if ((j.track = track_start(o.track, wdir, NULL, &e)) == NULL)
			fatal(out, &e, started);
	}
	rv = job_run(&j, &e);
	if (j.sandbox != NULL)
		sandbox_stop(&sb);
	track_end(j.track);
	close_caches(in.recipe, &caches);
	if (rv == -1 && e.code == EX_UNAVAILABLE && j.sandbox != NULL)
		warnx("no sandbox (-S none runs the steps without one)");
	if (rv == -1)
		cli_die(&e);

	rv = j.result == JOB_SUCCESS ? 0 : 1;
	if (!out->failed && fflush(stdout) == EOF) {
		out->failed = 1;
		out->err = errno;
	}
	if (out->failed && out->err != EPIPE)
		errc(EX_IOERR, out->err, "stdout");
	job_free(&j);
	job_input_free(&in);
	emit_free(out);
	close(j.workfd);
	return rv;
}
