#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "duration.h"
#include "netopt.h"

void
netopt_init(struct netopt *n)
{
	memset(n, 0, sizeof(*n));
	n->maxdelay = NETOPT_MAXDELAY_DEFAULT;
	n->maxretries = -1;
}

void
netopt_free(struct netopt *n)
{
	free(n->ca);
	netopt_init(n);
}

/* Puts "--name " before the message in err, EX_USAGE unless code. */
static int
bad(struct bb_error *err, int code, const char *name)
{
	char msg[BB_ERROR_MAX];

	if (err == NULL)
		return -1;
	memcpy(msg, err->msg, sizeof(msg));
	bb_error_set(err, code, "--%s %s", name, msg);
	return -1;
}

int
netopt_set(struct netopt *n, int ch, const char *arg, struct bb_error *err)
{
	const char *errstr;
	long long v;

	switch (ch) {
	case NETOPT_CA:
		free(n->ca);
		if ((n->ca = strdup(arg)) == NULL) {
			bb_error_errno(err, EX_OSERR, "%s", arg);
			return bad(err, EX_OSERR, "ca");
		}
		return 1;
	case NETOPT_PIN:
		n->pin = arg;
		return 1;
	case NETOPT_MAXDELAY:
		if (duration_parse(arg, 1, 86400, &v, err) == -1)
			return bad(err, EX_USAGE, "maxdelay");
		n->maxdelay = v;
		return 1;
	case NETOPT_MAXRETRIES:
		v = strtonum(arg, 0, INT_MAX - 1, &errstr);
		if (errstr != NULL) {
			bb_error_set(err, EX_USAGE, "%s: %s", arg, errstr);
			return bad(err, EX_USAGE, "maxretries");
		}
		n->maxretries = v;
		return 1;
	default:
		return 0;
	}
}

int
netopt_getopt(struct netopt *n, int argc, char **argv, const char *optstring,
    const struct option *longopts, struct bb_error *err)
{
	int ch, r;

	while ((ch = getopt_long(argc, argv, optstring, longopts, NULL)) !=
	    -1) {
		if ((r = netopt_set(n, ch, optarg, err)) == -1)
			return NETOPT_BAD;
		if (r == 0)
			return ch;
	}
	return -1;
}

int
netopt_check(struct netopt *n, struct bb_error *err)
{
	char path[PATH_MAX], *abs;

	if (n->ca != NULL) {
		if (realpath(n->ca, path) == NULL) {
			bb_error_errno(err, EX_CONFIG, "%s", n->ca);
			return bad(err, EX_CONFIG, "ca");
		}
		if ((abs = strdup(path)) == NULL) {
			bb_error_errno(err, EX_OSERR, "%s", n->ca);
			return bad(err, EX_OSERR, "ca");
		}
		free(n->ca);
		n->ca = abs;
	}
	if (n->pin != NULL && strncmp(n->pin, "sha256//", 8) != 0) {
		bb_error_set(err, EX_USAGE, "%s: sha256//BASE64 expected",
		    n->pin);
		return bad(err, EX_USAGE, "pin");
	}
	return 0;
}

void
netopt_retry(const struct netopt *n, int tries,
    void (*notify)(void *, const struct bb_error *, long),
    struct http_retry *r)
{
	memset(r, 0, sizeof(*r));
	r->tries = n->maxretries >= 0 ? (int)n->maxretries + 1 : tries;
	r->max_ms = (long)n->maxdelay * 1000;
	r->notify = notify;
}

void
netopt_http(const struct netopt *n, const char *hub, const char *ca,
    const char *pin, volatile sig_atomic_t *stop, struct http_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->ca = n != NULL && n->ca != NULL ? n->ca : ca;
	o->pin = n != NULL && n->pin != NULL ? n->pin : pin;
	o->allow_http = hub != NULL && strncasecmp(hub, "http://", 7) == 0;
	o->stop = stop;
	o->tls_hint = NETOPT_TLS_HINT;
}

void
netopt_http_session(const struct netopt *n, const struct record *session,
    volatile sig_atomic_t *stop, struct http_opts *o)
{
	if (session == NULL)
		netopt_http(n, NULL, NULL, NULL, stop, o);
	else
		netopt_http(n, record_get(session, "hub"),
		    record_get(session, "ca"), record_get(session, "pin"),
		    stop, o);
}
