/*
 * bb-hub's server: bb-protocol(7) over libmicrohttpd, driven by one
 * thread.  MHD runs on an external epoll descriptor that hub_server_run
 * polls together with the listening socket (the hub accepts, MHD
 * serves: lib/hub/hublisten.h) and a timer; a claim that finds nothing
 * is suspended (parked, no thread, no timeout) until a job comes, its
 * wait ends, its client goes away, or the server stops.
 *
 * This is the server's outside, for cmd/bb-hub.c and tests; its modules
 * share lib/hub/hubsrv.h, which draws the inside.
 */
#ifndef BB_HUBHTTP_H
#define BB_HUBHTTP_H

#include <signal.h>

#include "error.h"
#include "record.h"

#define HUB_EVENTS_MAX		(1024 * 1024)		/* events body */
#define HUB_HELLO_MAX		(64 * 1024)
#define HUB_SUBMIT_MAX		(4 * 1024 * 1024)	/* recipe records */
#define HUB_SMALL_MAX		RECORD_MAX	/* other bodies: one record */
#define HUB_IDLE_TIMEOUT	120			/* seconds */
#define HUB_SESSION_IDLE	(3600LL * 1000)		/* ms */

struct hub_conf {
	const char	*dir;		/* the hub directory */
	const char	*listen;	/* [http://|https://]host:port, or
					   NULL: hub_server_add_connection */
	const char	*cert;		/* PEM files, for https */
	const char	*key;
	const char	*addr_file;	/* gets the URL once listening */
	long long	 keepalive;	/* ms */
	long long	 ttl;		/* a lease's life, ms */
	long long	 maxwait;	/* the longest claim wait, ms */
	int		 attempts;	/* the most attempts of a job */
	long long	 keep_builds;	/* retention (lib/hub/hubgc.h), */
	long long	 keep_days;	/* run at start and then daily */
	unsigned int	 connections;	/* the most connections */
	unsigned int	 peraddr;	/* untrusted ones an address (0:
					   HUBCONN_PERADDR) */
	long long	 headtime;	/* ms to send a request head (0:
					   HUBCONN_HEAD_MS) */
	int		 public;	/* pages and /metrics need no token */
	/* Called with each message for the administrator (stderr). */
	void		(*log)(void *, const char *);
	void		*logarg;
};

/*
 * Fills c with bb-hub serve's defaults (bb-hub(8)): https on port 8443,
 * keepalive 30 s, a lease of three keepalives, claims waiting up to
 * 60 s, 3 attempts, 10000 connections, the retention of hubdb.h.
 */
void	hub_conf_defaults(struct hub_conf *);

struct hub_server;

/*
 * Opens the hub directory and starts listening as conf says (conf and its
 * strings must outlive the server).  Raises RLIMIT_NOFILE to fit the
 * connections.  Returns 0 and *out, or -1.
 */
int	hub_server_start(const struct hub_conf *, struct hub_server **,
	    struct bb_error *);

/* Returns the URL the server listens on, such as http://127.0.0.1:8080. */
const char	*hub_server_url(const struct hub_server *);

/*
 * Serves until *stop becomes non-zero.  Signals are waited for with mask
 * (ppoll(2)), so the caller blocks them and passes the mask that lets
 * them in.  Then answers every parked claim, lets the requests under way
 * end (for a few seconds at most) and stops.  Returns 0 or -1.
 */
int	hub_server_run(struct hub_server *, volatile sig_atomic_t *,
	    const sigset_t *, struct bb_error *);

/*
 * For tests and fuzzers, with conf->listen NULL (the server then listens
 * nowhere and its URL is ""): serves fd, a connected stream socket, as if
 * it had been accepted.  The server closes fd.  Returns 0 or -1.
 */
int	hub_server_add_connection(struct hub_server *, int,
	    struct bb_error *);

/*
 * Does without waiting what hub_server_run does in one turn: stores the
 * pending reports, hands out jobs, runs the timer, lets libmicrohttpd
 * read and answer.  Returns the number of connections open.
 */
unsigned int	hub_server_step(struct hub_server *);

/* Stops the server (resuming what is suspended) and frees it. */
void	hub_server_free(struct hub_server *);

#endif
