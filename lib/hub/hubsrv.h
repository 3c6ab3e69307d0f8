/*
 * The inside of bb-hub's HTTP server, shared by the modules that serve
 * bb-protocol(7): the server's state, a request, and the few services
 * of the core (lib/hub/hubhttp.c) that the handlers use.  cmd/ never
 * includes it; it uses lib/hub/hubhttp.h.
 *
 *	hubhttp.c	the core: libmicrohttpd, a request's life, the loop
 *	hubstart.c	the set-up: address, TLS, connection limits
 *	hublisten.c	the listening socket: accepting, shedding
 *	hubconn.c	connections: limits per address and in all,
 *			deadlines
 *	hubroute.c	the routing table and its path matcher
 *	hubgate.c	who may call: credentials checked per route
 *	hubreq.c	answers: responses, refusals, bodies, blobs
 *	hubwork.c	the worker's calls: hello, reports, artifacts, finish
 *	hubclaim.c	claims and their long poll
 *	hubadmin.c	the admin API
 *	hubpublic.c	pages, /healthz, /metrics
 *
 * Who frees what: the core allocates a struct hubreq at a request's
 * first call and frees it, with everything it points to (name, caps,
 * body, w, resp), when libmicrohttpd says the request is over
 * (hubhttp.c completed()).  Handlers fill it and never free it.
 */
#ifndef BB_HUBSRV_H
#define BB_HUBSRV_H

#include <sys/queue.h>

#include <microhttpd.h>

#include "buf.h"
#include "hub.h"
#include "hubhttp.h"
#include "hubmetrics.h"
#include "hubroute.h"

struct addrinfo;
struct hubconn;
struct hubconns;
struct hubgate;
struct hublisten;

/* A request, from its first call to its end. */
struct hubreq {
	struct hub_server	*s;
	struct MHD_Connection	*c;
	struct hubconn		*conn;		/* its connection, or NULL */
	const struct hubroute	*route;		/* NULL until routed */
	long long		 id;		/* the job in the path */
	char			*name;		/* artifact or worker */
	char			 lease[64 + 1];	/* as the client sent it */
	char			 worker[HUBDB_NAME_MAX + 1];
	char			*caps;
	int			 started;	/* first call seen */
	int			 answered;	/* a response is queued */
	int			 broken;	/* no response could be made */
	int			 authed;	/* it showed good credentials */
	int			 deferred;	/* stored by the core's flush */
	struct buf		*body;		/* record bodies */
	int			 toolarge;
	int			 ioerr;
	struct blob_writer	*w;		/* raw bodies */
	char			 want[DIGEST_HEXLEN + 1];	/* or "" */
	long long		 busy;		/* job of a transfer */
	/* Parked (a claim) or deferred (a report). */
	TAILQ_ENTRY(hubreq)	 entry;
	int			 parked;
	long long		 until;
	struct MHD_Response	*resp;		/* ready while suspended */
	unsigned int		 status;
	long long		 claimed;	/* job handed out */
	char			 claimlease[HUBAUTH_LEASE_LEN + 1];
};

TAILQ_HEAD(hubreqs, hubreq);

struct hubsrv_busy {
	long long	id;
	int		n;
};

struct hubgc;

/* The results of a build, as the durations histogram labels them. */
#define HUBSRV_RESULTS	5
extern const char *const hubsrv_results[HUBSRV_RESULTS];

struct hubsrv_metrics {
	unsigned long long	claims;
	unsigned long long	expiries;
	unsigned long long	events;
	unsigned long long	log_bytes;	/* of the records stored */
	unsigned long long	bytes;
	unsigned long long	codes[600];
	/* Attempts that a worker finished, by result. */
	struct hubmetrics_hist	durations[HUBSRV_RESULTS];
};

struct hub_server {
	struct hub_conf		 conf;
	struct hub_dir		*hd;
	struct MHD_Daemon	*d;
	char			 url[300];
	struct buf		*admin;		/* the admin token */
	struct buf		*metrics;	/* the metrics token */
	struct buf		*cert;
	struct buf		*key;
	struct hubreqs		 waiters;	/* parked claims */
	struct hubreqs		 pending;	/* reports for flush() */
	size_t			 nwaiters;
	int			 wake;		/* jobs may be claimable */
	int			 flush;		/* reports are pending */
	int			 resumed;	/* run MHD at once */
	int			 stopping;
	int			 wakefd;	/* hubwake_open's, or -1 */
	long long		 next_tick;
	long long		 next_sweep;
	long long		 next_gc;	/* at start, then daily */
	struct hubgc		*gc;		/* a run under way */
	struct hubsrv_busy	*busy;
	size_t			 nbusy;
	struct hubgate		*gate;
	struct hubconns		*conns;		/* lib/hub/hubconn.h */
	struct hublisten	*listen;	/* NULL: none, or stopping */
	long long		 mhdlog_since;	/* libmicrohttpd's messages */
	unsigned int		 mhdlog_n;	/* since then */
	unsigned long long	 mhdlog_quiet;	/* not shown */
	struct hubsrv_metrics	 m;
};

/* Hands a message to the administrator's log (conf.log). */
void	hubsrv_log(struct hub_server *, const char *, ...)
	    __printflike(2, 3);

/*
 * Notes that a transfer of job id is under way: its lease does not run
 * out before the request ends (the core renews it then).
 */
void	hubsrv_busy_add(struct hub_server *, long long);

/*
 * Moves the chains of stages on (lib/hub/hubstage.h): after a finish, and
 * at each tick for what a restart or an expiry left.
 */
void	hubsrv_stages(struct hub_server *);

/* How long ago (ms) a worker may have been seen to count as connected. */
long long	hubsrv_connected_window(const struct hub_server *);

/* The set-up of the server (hubstart.c). */

/*
 * Reads a listening address, [http://|https://]HOST:PORT (HOST may be
 * [IPv6], empty or * for 0.0.0.0; https when no scheme is given).
 * Returns 0, or -1 (EX_USAGE).
 */
int	hubsrv_parse_listen(const char *, int *tls, char *host,
	    size_t hostlen, char *port, size_t portlen, struct bb_error *);

/* Connections taken over the cap, to be answered (lib/hub/hubconn.h). */
unsigned int	hubsrv_reserve(unsigned int);

/*
 * Sets the connection limits in s->conf (lowering the cap to what
 * RLIMIT_NOFILE allows) and makes s->conns.  Returns 0 or -1.
 */
int	hubsrv_limits(struct hub_server *, struct bb_error *);

/*
 * Reads the certificate and key of an https address into s (tls), or
 * refuses them for http.  Returns 0, or -1 (EX_USAGE, or the file's).
 */
int	hubsrv_load_tls(struct hub_server *, const struct hub_conf *, int tls,
	    struct bb_error *);

/*
 * Makes s->url, the URL the server listens on at ai and host, and
 * writes it to conf.addr_file if it names one.  Returns 0 or -1.
 */
int	hubsrv_write_url(struct hub_server *, const struct addrinfo *,
	    const char *host, int tls, struct bb_error *);

#endif
