/*
 * bb-sign: sign and verify artifacts in formats that stock tools check
 * (signify, minisign, CMS), write checksum lists, and sign a job's
 * artifacts in the pipeline.
 */
#include <sys/types.h>

#include <err.h>
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
#include <vis.h>

#include "cli.h"
#include "passphrase.h"
#include "record.h"
#include "sign.h"
#include "signer.h"
#include "sumlist.h"
#include "unveil.h"
#include "verifier.h"

enum mode {
	MODE_FILTER,
	MODE_GENERATE,
	MODE_SIGN,
	MODE_LIST,
	MODE_VERIFY
};

struct opts {
	enum mode		 mode;
	enum sign_format	 fmt;
	enum sumlist_style	 style;
	struct passphrase	 pp;
	int			 encrypt;
	int			 list;
	int			 quiet;
	const char		*comment;
	const char		*glob;
	const char		*job;
	const char		*listname;
	const char		*pubkey;
	const char		*seckey;
	const char		*sigfile;
};

static __dead void
usage(void)
{
	fprintf(stderr,
	    "usage: bb-sign -G [-E] [-c comment] [-f format] [-F fd | -P file] "
	    "-p pubkey\n"
	    "               -s seckey\n"
	    "       bb-sign -S [-c comment] [-f format] [-F fd | -P file] "
	    "[-j job]\n"
	    "               [-x sigfile] -s seckey file ...\n"
	    "       bb-sign -l [-g] [-c comment] [-f format] [-F fd | -P file] "
	    "[-j job]\n"
	    "               [-o list] [-s seckey] file ...\n"
	    "       bb-sign -V [-q] [-f format] [-x sigfile] -p pubkey "
	    "file ...\n"
	    "       bb-sign -V -l [-q] [-f format] -p pubkey -x sigfile "
	    "[file ...]\n"
	    "       bb-sign [-gl] [-c comment] [-f format] [-F fd | -P file] "
	    "[-n glob]\n"
	    "               [-o list] [-s seckey]\n");
	exit(EX_USAGE);
}

/* Reports a failure; the first one decides the exit status. */
static void
failed(int *status, const struct bb_error *err)
{
	cli_warn(err->msg);
	if (*status == 0)
		*status = err->code;
}

/* Prints "name: what" to stdout, the name made visible. */
static void
report(const char *name, const char *what, const char *tc)
{
	char *vn = NULL, *vt = NULL;
	const int flags = VIS_TAB | VIS_NL | VIS_CSTYLE | VIS_OCTAL;

	if (stravis(&vn, name, flags) == -1 ||
	    (tc != NULL && *tc != '\0' && stravis(&vt, tc, flags) == -1))
		err(EX_OSERR, "%s", name);
	if (vt != NULL)
		printf("%s: %s, trusted comment: %s\n", vn, what, vt);
	else
		printf("%s: %s\n", vn, what);
	free(vn);
	free(vt);
}

/*
 * Once the keys are read, the kernel keeps bb-sign to its inputs and
 * outputs (bb_unveil, Landlock); a path that is not there is left to
 * fail as it would have.
 */
static void
unveil_path(int rv, const char *path)
{
	if (rv == -1 && errno != ENOENT)
		err(EX_OSERR, "landlock %s", path);
}

/* Nothing else but the system's files from now on, and no network. */
static void
lock(void)
{
	if (bb_pledge("stdio rpath wpath cpath", NULL) == -1 ||
	    bb_unveil(NULL, NULL) == -1)
		err(EX_OSERR, "landlock");
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL && s[1] != '\0' ? s + 1 : path;
}

static int
generate(const struct opts *o)
{
	struct sign_seckey sk;
	struct sign_pubkey pk;
	struct bb_error e;
	struct buf *sec = NULL, *pub = NULL;
	char pass[PASSPHRASE_MAX];
	enum sign_format fmt = o->fmt;

	if (fmt == SIGN_NONE)
		fmt = o->encrypt ? SIGN_MINISIGN : SIGN_SIGNIFY;
	if (fmt == SIGN_CMS)
		errx(EX_USAGE, "-G makes Ed25519 keys; make a PKCS#12 file "
		    "with openssl pkcs12 -export");
	if (o->encrypt && fmt == SIGN_SIGNIFY)
		errx(EX_CONFIG, "bb-sign cannot make passphrase-protected "
		    "signify keys (no bcrypt_pbkdf): use -f minisign, or "
		    "signify-openbsd -G");
	if (strcmp(o->pubkey, o->seckey) == 0)
		errx(EX_USAGE, "-p and -s name the same file");
	if (access(o->seckey, F_OK) == 0 || access(o->pubkey, F_OK) == 0)
		errx(EX_CANTCREAT, "%s: already exists (bb-sign never "
		    "replaces a key)", access(o->seckey, F_OK) == 0 ?
		    o->seckey : o->pubkey);
	if (o->encrypt && passphrase_get(&o->pp, "passphrase: ", 1, pass,
	    sizeof(pass), &e) == -1)
		cli_die(&e);
	if ((sec = buf_new(SIGN_KEYFILE_MAX)) == NULL ||
	    (pub = buf_new(SIGN_KEYFILE_MAX)) == NULL)
		err(EX_OSERR, NULL);
	if (sign_keygen(&sk, &pk, &e) == -1 ||
	    sign_seckey_encode(&sk, fmt, o->comment, o->encrypt ? pass : NULL,
	    sec, &e) == -1 ||
	    sign_pubkey_encode(&pk, fmt, o->comment, pub, &e) == -1)
		cli_die(&e);
	explicit_bzero(pass, sizeof(pass));
	explicit_bzero(&sk, sizeof(sk));
	if (sign_write_new(o->seckey, sec->data, sec->len, 0600, &e) == -1)
		cli_die(&e);
	buf_freezero(sec);
	if (sign_write_new(o->pubkey, pub->data, pub->len, 0644, &e) == -1) {
		(void)unlink(o->seckey);
		cli_die(&e);
	}
	buf_free(pub);
	return 0;
}

static int
sign_files(const struct opts *o, int argc, char **argv)
{
	struct signer s;
	struct bb_error e;
	int i, status = 0;

	if (signer_load(&s, o->seckey, o->fmt, o->comment, &o->pp, &e) == -1)
		cli_die(&e);
	for (i = 0; i < argc; i++) {
		unveil_path(bb_unveil(argv[i], "r"), argv[i]);
		if (o->sigfile == NULL)
			unveil_path(bb_unveil_dir_of(argv[i], "rwc"), argv[i]);
	}
	if (o->sigfile != NULL)
		unveil_path(bb_unveil_dir_of(o->sigfile, "rwc"), o->sigfile);
	lock();
	for (i = 0; i < argc; i++)
		if (signer_file(&s, AT_FDCWD, argv[i], o->sigfile,
		    base_name(argv[i]), o->job, time(NULL), NULL, NULL,
		    &e) == -1)
			failed(&status, &e);
	signer_free(&s);
	return status;
}

static int
write_list(const struct opts *o, int argc, char **argv)
{
	struct signer s, *sp = NULL;
	struct sumlist l;
	struct bb_error e;
	char hex[DIGEST_HEXLEN + 1], sig[PATH_MAX];
	int i, status = 0;

	if (o->seckey != NULL) {
		if (signer_load(&s, o->seckey, o->fmt, o->comment, &o->pp,
		    &e) == -1)
			cli_die(&e);
		sp = &s;
	}
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], o->listname) == 0)
			errx(EX_USAGE, "%s: the list would replace a file it "
			    "lists", argv[i]);
	for (i = 0; i < argc; i++)
		unveil_path(bb_unveil(argv[i], "r"), argv[i]);
	unveil_path(bb_unveil_dir_of(o->listname, "rwc"), o->listname);
	lock();
	sumlist_init(&l);
	for (i = 0; i < argc; i++)
		if (sumlist_can_add(&l, argv[i], o->style, &e) == -1 ||
		    digest_file(AT_FDCWD, argv[i], hex, NULL, &e) == -1 ||
		    sumlist_add(&l, argv[i], hex, o->style, &e) == -1)
			failed(&status, &e);
	if (l.n > 0 && signer_list(sp, AT_FDCWD, o->listname, &l, o->style,
	    o->job, time(NULL), sig, &e) == -1)
		failed(&status, &e);
	sumlist_free(&l);
	if (sp != NULL)
		signer_free(sp);
	return status;
}

static void
check_entry(const struct sumlist_entry *ent, int quiet, int *status)
{
	struct bb_error e;

	if (sumlist_check(ent, AT_FDCWD, &e) == -1) {
		if (!quiet)
			report(ent->name, "FAIL", NULL);
		failed(status, &e);
	} else if (!quiet)
		report(ent->name, "OK", NULL);
}

static int
verify_list(const struct verifier *v, const struct opts *o, int argc,
    char **argv)
{
	const struct sumlist_entry *ent;
	struct sumlist l;
	struct bb_error e;
	size_t j;
	int i, status = 0;

	sumlist_init(&l);
	if (verifier_list(v, o->sigfile, &l, &e) == -1)
		cli_die(&e);
	for (j = 0; argc == 0 && j < l.n; j++)
		check_entry(&l.e[j], o->quiet, &status);
	for (i = 0; i < argc; i++) {
		if ((ent = sumlist_find(&l, argv[i])) != NULL) {
			check_entry(ent, o->quiet, &status);
			continue;
		}
		bb_error_set(&e, EX_DATAERR, "%s: not in the checksum list %s",
		    argv[i], o->sigfile);
		failed(&status, &e);
	}
	sumlist_free(&l);
	return status;
}

static int
verify(const struct opts *o, int argc, char **argv)
{
	struct verifier v;
	struct bb_error e;
	char tc[SIGN_TRUSTEDMAX + 1];
	int i, status = 0;

	if (verifier_load(&v, o->pubkey, o->fmt, &e) == -1)
		cli_die(&e);
	/* Signatures beside the files, or -x; a list names its files. */
	for (i = 0; i < argc; i++)
		unveil_path(bb_unveil_dir_of(argv[i], "r"), argv[i]);
	if (o->sigfile != NULL)
		unveil_path(bb_unveil(o->sigfile, "r"), o->sigfile);
	if (o->list)
		unveil_path(bb_unveil(".", "r"), ".");
	lock();
	if (o->list)
		status = verify_list(&v, o, argc, argv);
	for (i = 0; !o->list && i < argc; i++) {
		if (verifier_file(&v, argv[i], o->sigfile, tc, sizeof(tc),
		    &e) == -1)
			failed(&status, &e);
		else if (!o->quiet)
			report(argv[i], "OK", tc);
	}
	verifier_free(&v);
	return status;
}

static void
emit(const struct record *r)
{
	struct bb_error e;

	if (record_write(stdout, r, &e) == -1) {
		if (errno == EPIPE)
			errx(EX_IOERR, "stdout: reader gone");
		cli_die(&e);
	}
}

/* Says what failed on stderr and in an error record, and carries on. */
static void
filter_failed(int *status, const struct bb_error *fe)
{
	struct record r;
	struct bb_error e;

	failed(status, fe);
	record_init(&r);
	if (record_start(&r, "error", &e) == -1 ||
	    record_set(&r, "tool", "bb-sign", &e) == -1 ||
	    record_set(&r, "msg", fe->msg, &e) == -1)
		cli_die(&e);
	emit(&r);
	record_free(&r);
}

static void
put_line(const char *line, size_t len)
{
	if (record_pass(stdout, line, len) == -1) {
		if (errno == EPIPE)
			errx(EX_IOERR, "stdout: reader gone");
		err(EX_IOERR, "stdout");
	}
}

static void
out_line(void *arg __unused, const char *line, size_t len)
{
	put_line(line, len);
}

static void
out_record(void *arg __unused, const struct record *r)
{
	emit(r);
}

static void
out_failed(void *arg, const struct bb_error *e)
{
	filter_failed(arg, e);
}

static void
put_held(struct signer_job *j)
{
	size_t i;

	for (i = 0; i < j->held.n; i++)
		put_line(j->held.v[i].line, j->held.v[i].len);
	signer_job_clear(j);
}

static int
filter(const struct opts *o)
{
	struct record_reader rd;
	struct record in;
	struct signer s, *sp = NULL;
	struct signer_job j;
	struct signer_out out;
	struct bb_error e, keyerr;
	const char *line, *wd;
	size_t len;
	int r, status = 0, confined = 0;

	if (o->pp.fd == STDIN_FILENO)
		errx(EX_USAGE, "-F 0: standard input carries the records");
	keyerr.msg[0] = '\0';
	if (o->seckey != NULL) {
		if (signer_load(&s, o->seckey, o->fmt, o->comment, &o->pp,
		    &keyerr) == 0)
			sp = &s;
	}
	signer_job_init(&j, sp, o->glob, o->list ? o->listname : NULL,
	    o->style);
	/* Without its key the pipe goes on: each job fails, saying why. */
	if (keyerr.msg[0] != '\0')
		signer_job_nokey(&j, &keyerr);
	if (o->job != NULL && (j.job = strdup(o->job)) == NULL)
		err(EX_OSERR, NULL);
	out.line = out_line;
	out.record = out_record;
	out.failed = out_failed;
	out.arg = &status;
	record_init(&in);
	if (record_reader_init(&rd, STDIN_FILENO, "stdin") == -1)
		err(EX_OSERR, NULL);
	while ((r = record_read(&rd, &in, &line, &len, &e)) == 1) {
		/* The first job's tree is all bb-sign may reach then on. */
		if (!confined && record_is(&in, "workdir") &&
		    (wd = record_get(&in, "path")) != NULL) {
			if (bb_confine_tree(wd) == -1)
				err(EX_OSERR, "landlock %s", wd);
			confined = 1;
		}
		switch (signer_job_record(&j, &in, line, len, &e)) {
		case SIGNER_HOLD:
			break;
		case SIGNER_FLUSH:
			put_held(&j);
			put_line(line, len);
			break;
		case SIGNER_DONE:
			if (signer_job_done(&j, &in, &out))
				emit(&in);
			else
				put_line(line, len);
			break;
		case SIGNER_PASS:
			put_line(line, len);
			break;
		default:
			filter_failed(&status, &e);
			put_line(line, len);
			break;
		}
	}
	if (r == -1) {
		put_held(&j);
		fflush(stdout);
		cli_die(&e);
	}
	if (j.held.n > 0) {
		warnx("stdin: input ended before the done record: %zu "
		    "artifact record%s passed on unsigned", j.held.n,
		    j.held.n == 1 ? "" : "s");
		put_held(&j);
		if (status == 0)
			status = EX_DATAERR;
	}
	if (keyerr.msg[0] != '\0' && status == 0)
		failed(&status, &keyerr);	/* no job to say it */
	record_reader_free(&rd);
	record_free(&in);
	signer_job_free(&j);
	if (sp != NULL)
		signer_free(sp);
	return status;
}

static void
set_mode(struct opts *o, enum mode m)
{
	if (o->mode != MODE_FILTER && o->mode != m)
		usage();
	o->mode = m;
}

int
main(int argc, char *argv[])
{
	struct opts o;
	const char *errstr;
	int ch, status;

	cli_start(argc, argv, "bb-sign");
	memset(&o, 0, sizeof(o));
	passphrase_init(&o.pp);
	o.style = SUMLIST_BSD;
	while ((ch = getopt(argc, argv, "+EF:GP:SVc:f:gj:ln:o:p:qs:x:")) !=
	    -1) {
		switch (ch) {
		case 'E':
			o.encrypt = 1;
			break;
		case 'F':
			o.pp.fd = (int)strtonum(optarg, 0, INT_MAX, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-F %s: descriptor is %s",
				    optarg, errstr);
			if (fcntl(o.pp.fd, F_GETFD) == -1)
				err(EX_USAGE, "-F %s", optarg);
			break;
		case 'G':
			set_mode(&o, MODE_GENERATE);
			break;
		case 'P':
			o.pp.file = optarg;
			break;
		case 'S':
			set_mode(&o, MODE_SIGN);
			break;
		case 'V':
			set_mode(&o, MODE_VERIFY);
			break;
		case 'c':
			o.comment = optarg;
			break;
		case 'f':
			if ((o.fmt = sign_format_parse(optarg)) == SIGN_NONE)
				errx(EX_USAGE, "-f %s: not signify, minisign "
				    "or cms", optarg);
			break;
		case 'g':
			o.style = SUMLIST_GNU;
			break;
		case 'j':
			o.job = optarg;
			break;
		case 'l':
			o.list = 1;
			break;
		case 'n':
			o.glob = optarg;
			break;
		case 'o':
			o.listname = optarg;
			break;
		case 'p':
			o.pubkey = optarg;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 's':
			o.seckey = optarg;
			break;
		case 'x':
			o.sigfile = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	if (o.pp.file != NULL && o.pp.fd != -1)
		usage();
	if (o.listname == NULL)
		o.listname = o.style == SUMLIST_GNU ? "SHA256SUMS" : "SHA256";
	if ((o.mode == MODE_SIGN || o.mode == MODE_FILTER) && o.list &&
	    argc > 0)
		o.mode = MODE_LIST;
	if ((o.pp.file != NULL || o.pp.fd != -1) && o.mode == MODE_GENERATE)
		o.encrypt = 1;
	if ((o.encrypt && o.mode != MODE_GENERATE) ||
	    (o.glob != NULL && o.mode != MODE_FILTER) ||
	    (o.sigfile != NULL && o.mode == MODE_LIST))
		usage();

	switch (o.mode) {
	case MODE_GENERATE:
		if (argc != 0 || o.pubkey == NULL || o.seckey == NULL)
			usage();
		status = generate(&o);
		break;
	case MODE_SIGN:
		if (argc == 0 || o.seckey == NULL ||
		    (o.sigfile != NULL && argc != 1))
			usage();
		status = sign_files(&o, argc, argv);
		break;
	case MODE_LIST:
		status = write_list(&o, argc, argv);
		break;
	case MODE_VERIFY:
		if (o.pubkey == NULL || (o.list && o.sigfile == NULL) ||
		    (!o.list && argc == 0) ||
		    (!o.list && o.sigfile != NULL && argc != 1))
			usage();
		status = verify(&o, argc, argv);
		break;
	default:
		if (argc != 0 || (o.seckey == NULL && !o.list))
			usage();
		if (setvbuf(stdout, NULL, _IOLBF, 0) != 0)
			err(EX_OSERR, "stdout");
		(void)signal(SIGPIPE, SIG_IGN);
		status = filter(&o);
		break;
	}
	if (fflush(stdout) == EOF) {
		if (errno == EPIPE)
			errx(EX_IOERR, "stdout: reader gone");
		err(EX_IOERR, "stdout");
	}
	return status;
}
