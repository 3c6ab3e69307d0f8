/*
 * The options of the stages that talk to a hub, in one table: --ca and
 * --pin (bb-connect(1), bb-claim(1), bb-unpack(1), bb-report(1)),
 * --maxdelay and --maxretries (bb-connect, bb-claim); and the client
 * settings and the retries that they make.
 *
 * A command puts NETOPT_TLS (and NETOPT_RETRY) in its getopt_long(3)
 * table, its own long options from NETOPT_OWN on, and hands every
 * option that is not its own to netopt_set.
 */
#ifndef BB_NETOPT_H
#define BB_NETOPT_H

#include <getopt.h>
#include <signal.h>

#include "error.h"
#include "http.h"
#include "record.h"

enum {
	NETOPT_CA = 0x100,
	NETOPT_PIN,
	NETOPT_MAXDELAY,
	NETOPT_MAXRETRIES,
	NETOPT_OWN		/* a command's own long options from here */
};

/* Entries of a getopt_long table: --ca path, --pin sha256//hash. */
#define NETOPT_TLS							\
	{ "ca",		required_argument,	NULL,	NETOPT_CA },	\
	{ "pin",	required_argument,	NULL,	NETOPT_PIN }

/* Entries of a getopt_long table: --maxdelay seconds, --maxretries n. */
#define NETOPT_RETRY							\
	{ "maxdelay",	required_argument,	NULL,	NETOPT_MAXDELAY }, \
	{ "maxretries",	required_argument,	NULL,	NETOPT_MAXRETRIES }

/*
 * What a stage's message says to do when the hub's certificate cannot
 * be verified (http_opts tls_hint): --ca, and the setting of worker.conf
 * that bb-worker(8) turns into it.  A pin alone does not help: libcurl
 * checks it after the certificate is verified.
 */
#define NETOPT_TLS_HINT	"trust it with --ca FILE (CA= in worker.conf), " \
	"FILE the hub's CA certificate, or its own certificate if " \
	"self-signed (a --pin or PIN= is checked as well, not instead)"

#define NETOPT_MAXDELAY_DEFAULT	300	/* seconds, as Buildbot's worker */

struct netopt {
	char		*ca;		/* --ca as given, absolute after
					   netopt_check; or NULL */
	const char	*pin;		/* --pin, or NULL */
	long long	 maxdelay;	/* seconds */
	long long	 maxretries;	/* -1: not given */
};

/* Sets n to the defaults; netopt_free frees its ca. */
void	netopt_init(struct netopt *);
void	netopt_free(struct netopt *);

/*
 * Takes the option ch of the table above with its value arg.  Returns
 * 1 when ch is one of them, 0 when it is not (the command's own, or
 * getopt's '?'), -1 for a bad value (EX_USAGE; the message names the
 * option, "--maxdelay 0: ...").  --ca and --pin are taken as they are:
 * netopt_check, or the client that uses them, checks them.
 */
int	netopt_set(struct netopt *, int ch, const char *arg,
	    struct bb_error *);

/*
 * getopt_long(3) over argv with optstring and longopts, taking the
 * options of the table above into n as netopt_set does.  Returns the
 * next option that is not one of them (the command's own, or '?'), -1
 * at the end, or NETOPT_BAD for a bad value of one of them (err set).
 */
#define NETOPT_BAD	(-2)
int	netopt_getopt(struct netopt *, int, char **, const char *,
	    const struct option *, struct bb_error *);

/*
 * Checks --ca and --pin now, for a command that passes them on (in the
 * session record, to stages that run in other directories): the CA
 * must exist and is made absolute (else EX_CONFIG), the pin must start
 * with sha256// (else EX_USAGE).  Returns 0 or -1.
 */
int	netopt_check(struct netopt *, struct bb_error *);

/*
 * Sets up r for the tries n allows (tries: the number of tries when
 * --maxretries was not given, 0 for no limit) with notify.  The rest of
 * r is zeroed.
 */
void	netopt_retry(const struct netopt *, int tries,
	    void (*notify)(void *, const struct bb_error *, long),
	    struct http_retry *);

/*
 * Fills o (zeroed first) with what a client for hub needs: the ca and
 * pin of its session (as bb-connect(1) was given them) unless n (which
 * may be NULL) has its own --ca and --pin; plain http only when hub is
 * an http URL; stop; NETOPT_TLS_HINT as the tls_hint.  Any of hub, ca
 * and pin may be NULL (no hub: https and absolute URLs only).  The
 * strings point into n and the arguments; http_client_new copies them.
 */
void	netopt_http(const struct netopt *, const char *hub, const char *ca,
	    const char *pin, volatile sig_atomic_t *stop, struct http_opts *);

/* As netopt_http, with the hub, ca and pin of a session record (or NULL). */
void	netopt_http_session(const struct netopt *, const struct record *,
	    volatile sig_atomic_t *stop, struct http_opts *);

#endif
