/*
 * bb-connect: say hello to a hub with the worker's name and secret, and
 * print the session record that the later stages use.
 */
#include <sys/types.h>

#include <err.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "caps.h"
#include "cli.h"
#include "duration.h"
#include "file.h"
#include "http.h"
#include "netopt.h"
#include "probe.h"
#include "record.h"
#include "session.h"
#include "stamp.h"

enum { OPT_PROBE = NETOPT_OWN };

struct opts {
	const char	*basedir;	/* -b */
	const char	*hub;		/* -H, BB_HUB or BB_HUB_URL */
	const char	*name;		/* -n */
	const char	*secret_file;	/* -s */
	int		 secret_fd;	/* -S */
	int		 plain;		/* -p */
	long long	 keepalive;	/* -k, seconds; 0: the hub's */
	long long	 slots;		/* -j */
	struct caps	 caps;		/* detected and -c */
	const char	*probe;		/* --probe */
	struct netopt	 net;		/* --ca, --pin, --max* */
};

static __dead void
usage(void)
{
	fprintf(stderr, "usage: bb-connect [-p] [-b basedir] [-c caps] "
	    "[-H url] [-j slots] [-k keepalive]\n"
	    "                  [-n name] [-S fd | -s file] [--ca path] "
	    "[--maxdelay seconds]\n"
	    "                  [--maxretries n] [--pin sha256//hash] "
	    "[--probe tool,...]\n");
	exit(EX_USAGE);
}

/* The secret from -s, -S or BB_SECRET, which is removed in any case. */
static struct buf *
secret_read(const struct opts *o)
{
	struct bb_error e;
	struct buf *env = NULL, *s = NULL;
	int r;

	r = session_secret_env("BB_SECRET", &env, &e);
	if (o->secret_file != NULL) {
		buf_freezero(env);
		if (file_read_secret(AT_FDCWD, o->secret_file,
		    SESSION_SECRETMAX + 1, &s, &e) == -1 ||
		    session_check_secret(s->data, s->len, &e) == -1) {
			if (e.code == EX_DATAERR || e.code == EX_NOINPUT)
				e.code = EX_CONFIG;
			bb_error_prefix(&e, "secret %s", o->secret_file);
			cli_die(&e);
		}
		return s;
	}
	if (o->secret_fd != -1) {
		buf_freezero(env);
		if (session_secret_fd(o->secret_fd, &s, &e) == -1) {
			if (e.code == EX_DATAERR || e.code == EX_NOINPUT)
				e.code = EX_CONFIG;
			bb_error_prefix(&e, "secret on fd %d", o->secret_fd);
			cli_die(&e);
		}
		close(o->secret_fd);
		return s;
	}
	if (r == -1) {
		e.code = EX_CONFIG;
		cli_die(&e);
	}
	if (r == 0)
		errx(EX_USAGE, "no secret: give -s file, -S fd or BB_SECRET");
	return env;
}

/*
 * The hello records: hello, info from BASEDIR/info/, tools.  A probed
 * tool that answers is also offered as a capability, so that a recipe's
 * "require cc make" finds a worker that has them.
 */
static struct buf *
hello_body(struct opts *o)
{
	struct bb_error e;
	struct probe p;
	struct buf *b, *tools;
	char os[CAPS_NAMEMAX], arch[CAPS_NAMEMAX], item[128];
	const char *s, *search;
	size_t n, count = 0;

	if ((b = buf_new(SESSION_HELLOMAX)) == NULL ||
	    (tools = buf_new(SESSION_HELLOMAX)) == NULL)
		err(EX_OSERR, "hello");
	if ((search = getenv("PATH")) == NULL)
		search = PROBE_PATH;
	for (s = o->probe; s != NULL && *s != '\0'; s += n + (s[n] == ',')) {
		n = strcspn(s, ",");
		if (++count > PROBE_MAX)
			errx(EX_USAGE, "--probe: more than %d tools",
			    PROBE_MAX);
		(void)snprintf(item, sizeof(item), "%.*s", (int)n, s);
		if (probe_parse(item, &p, &e) == -1)
			errx(EX_USAGE, "--probe: %s", e.msg);
		if (probe_run(&p, search, 0, &e) == -1) {
			warnx("probe %s", e.msg);
			continue;
		}
		if (session_hello_tool(tools, &p, &e) == -1 ||
		    caps_add(&o->caps, p.name, &e) == -1)
			cli_die(&e);
	}
	if (caps_system(os, sizeof(os), arch, sizeof(arch), &e) == -1 ||
	    session_hello_body(b, os, arch, o->slots, &o->caps, &e) == -1 ||
	    (o->basedir != NULL && session_hello_info(b, o->basedir,
	    &e) == -1))
		cli_die(&e);
	if (buf_add(b, tools->data, tools->len) == -1)
		err(EX_OSERR, "hello");
	buf_free(tools);
	return b;
}

static void
parse_args(int argc, char *argv[], struct opts *o)
{
	static const struct option longopts[] = {
		NETOPT_TLS,
		NETOPT_RETRY,
		{ "probe",	required_argument,	NULL,	OPT_PROBE },
		{ NULL,		0,			NULL,	0 }
	};
	struct bb_error e;
	const char *errstr;
	int ch;

	while ((ch = netopt_getopt(&o->net, argc, argv, "+b:c:H:j:k:n:pS:s:",
	    longopts, &e)) != -1) {
		switch (ch) {
		case 'b':
			o->basedir = optarg;
			break;
		case 'c':
			if (caps_add_list(&o->caps, optarg, &e) == -1)
				errx(EX_USAGE, "-c: %s", e.msg);
			break;
		case 'H':
			o->hub = optarg;
			break;
		case 'j':
			o->slots = strtonum(optarg, 1, SESSION_SLOTSMAX,
			    &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-j %s: %s (1 to %d)", optarg,
				    errstr, SESSION_SLOTSMAX);
			break;
		case 'k':
			if (duration_parse(optarg, 1, 86400, &o->keepalive,
			    &e) == -1)
				errx(EX_USAGE, "-k %s: %s", optarg, e.msg);
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'p':
			o->plain = 1;
			break;
		case 'S':
			o->secret_fd = (int)strtonum(optarg, 0, INT_MAX,
			    &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-S %s: %s", optarg, errstr);
			break;
		case 's':
			o->secret_file = optarg;
			break;
		case OPT_PROBE:
			o->probe = optarg;
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
	if (o->secret_file != NULL && o->secret_fd != -1)
		errx(EX_USAGE, "-s and -S exclude each other");
	if (o->secret_fd >= 0 && o->secret_fd <= 2)
		errx(EX_USAGE, "-S %d: a standard descriptor cannot hold the "
		    "secret", o->secret_fd);
}

int
main(int argc, char *argv[])
{
	static char host[HOST_NAME_MAX + 1];
	struct session_opts so;
	struct bb_error e;
	struct http_client *c;
	struct http_opts ho;
	struct http_retry r;
	struct record answer, out;
	struct buf *secret, *body;
	struct opts o;
	char base[HTTP_URL_MAX];

	cli_start(argc, argv, "bb-connect");
	(void)signal(SIGPIPE, SIG_IGN);
	memset(&o, 0, sizeof(o));
	caps_init(&o.caps);
	o.secret_fd = -1;
	o.slots = 1;
	netopt_init(&o.net);
	if (caps_detect(&o.caps, &e) == -1)
		cli_die(&e);
	parse_args(argc, argv, &o);
	if (o.hub == NULL && (o.hub = getenv("BB_HUB")) == NULL)
		o.hub = BB_HUB_URL;
	if (strncasecmp(o.hub, "http://", 7) == 0 && !o.plain)
		errx(EX_USAGE, "%s: plain http sends the secret unencrypted; "
		    "use https, or -p to allow it", o.hub);
	if (http_url_normalise(o.hub, o.plain, base, &e) == -1)
		errx(EX_USAGE, "hub %s", e.msg);
	if (strncmp(base, "http://", 7) == 0 && !http_url_loopback(base))
		warnx("warning: %s is plain http: the secret and the session "
		    "token travel unencrypted", base);
	if (o.name == NULL) {
		if (gethostname(host, sizeof(host) - 1) == -1)
			err(EX_OSERR, "gethostname");
		o.name = host;
	}
	if (!session_valid_name(o.name))
		errx(EX_USAGE, "bad worker name \"%s\": letters, digits and "
		    "._- expected, at most %d bytes", o.name, SESSION_NAMEMAX);

	/* The worker's shutdown stamp ends the wait as SIGTERM does. */
	if (o.basedir != NULL && stamp_watch(o.basedir, STAMP_EVERY, &e) == -1)
		errx(e.code, "-b %s", e.msg);
	secret = secret_read(&o);
	body = hello_body(&o);

	netopt_http(&o.net, NULL, NULL, NULL, NULL, &ho);
	ho.allow_http = o.plain;
	if ((c = http_client_new(base, &ho, &e)) == NULL)
		cli_die(&e);
	netopt_retry(&o.net, 0, cli_warn_retry, &r);
	record_init(&answer);
	record_init(&out);
	if (session_hello(c, o.name, secret->data, body, &r, &answer,
	    &e) == -1) {
		buf_freezero(secret);
		if (e.code == EX_NOPERM)
			errx(EX_NOPERM, "worker %s: name or secret refused: %s",
			    o.name, e.msg);
		cli_die(&e);
	}
	buf_freezero(secret);
	so.hub = base;
	so.name = o.name;
	so.slots = o.slots;
	so.caps = &o.caps;
	so.ca = o.net.ca;
	so.pin = o.net.pin;
	so.keepalive = o.keepalive;
	if (session_make(&answer, &so, &out, &e) == -1)
		errx(e.code, "POST %s/v1/hello: %s", base, e.msg);
	if (record_write(stdout, &out, &e) == -1 || fflush(stdout) == EOF)
		err(EX_IOERR, "stdout");
	record_freezero(&answer);
	record_freezero(&out);
	http_client_free(c);
	buf_free(body);
	caps_free(&o.caps);
	netopt_free(&o.net);
	return 0;
}
