/*
 * The hub's connections: how many are open, from which address, and how
 * long each may take to send its request (bb-hub(8) SECURITY).  No one
 * client may make the hub silent:
 *
 *  - A connection is trusted once a request on it showed good
 *    credentials (a worker's session, the admin token...).  Untrusted
 *    connections are counted per address (an IPv6 address by its /64);
 *    a request without credentials on a connection whose address holds
 *    more than peraddr of them, or when more than cap connections are
 *    open in all, is refused (503) and its connection closed.  So a
 *    worker with many slots, or many workers behind one NAT, are held
 *    back by no limit but cap, and one address that floods the hub
 *    blocks only itself.
 *  - A connection has head_ms from its start, or from its last answer,
 *    to send a whole request head (an idle connection is closed then
 *    too); over_ms when it came over a limit; a record body body_ms.
 *    Raw uploads, answers being sent and parked claims have no deadline
 *    here (libmicrohttpd's idle timeout still holds).
 *  - Up to cap + reserve connections are served, so that at the cap a
 *    client still gets its 503, and a worker with credentials its answer;
 *    beyond that, a connection is refused at once (hubhttp.c).
 *
 * It keeps no socket of its own and calls nothing of libmicrohttpd: the
 * core (lib/hub/hubhttp.c) tells it what happens and closes what
 * hubconns_sweep names.  Times are milliseconds (hub_now()).
 */
#ifndef BB_HUBCONN_H
#define BB_HUBCONN_H

#include <sys/socket.h>

#include <stddef.h>

#define HUBCONN_PERADDR		64	/* untrusted connections an address */
#define HUBCONN_HEAD_MS		10000	/* to send a request head */
#define HUBCONN_OVER_MS		2000	/* the same, over a limit */
#define HUBCONN_BODY_MS		60000	/* to send a body of records */
#define HUBCONN_ADDRLEN		64	/* an address as text */

struct hubconn;
struct hubconns;

struct hubconns_conf {
	unsigned int	cap;		/* connections served in all */
	unsigned int	reserve;	/* more taken, to be answered */
	unsigned int	peraddr;	/* untrusted ones an address */
	long long	head_ms;
	long long	over_ms;
	long long	body_ms;
};

/* What a connection is doing: each has its own deadline. */
enum hubconn_phase {
	HUBCONN_HEAD,		/* waiting for a request head */
	HUBCONN_BODY,		/* reading a body of records */
	HUBCONN_BUSY		/* the hub's turn: no deadline */
};

/* What happened since the last hubconns_news, for the log. */
struct hubconns_news {
	unsigned long long	refused;	/* 503: over a limit */
	unsigned long long	shed;		/* over cap + reserve */
	unsigned long long	dropped;	/* past a deadline */
	char			addr[HUBCONN_ADDRLEN];	/* last refused */
	unsigned int		addr_open;	/* untrusted from there */
	unsigned int		open;		/* in all, now */
};

/* Returns the bookkeeping for conf (copied), or NULL.  hubconns_free. */
struct hubconns	*hubconns_new(const struct hubconns_conf *);

/* Frees it and every connection it still holds (NULL is fine). */
void	hubconns_free(struct hubconns *);

/* Returns 1 if one more connection may be served, 0 if it must be shed. */
int	hubconns_room(const struct hubconns *);

/* Counts a connection that was shed (closed at once, or answered 503). */
void	hubconns_shed(struct hubconns *);

/*
 * Takes a new connection from addr (len bytes; NULL: none known) on fd,
 * waiting for its first request head.  Returns it, or NULL when out of
 * memory (the connection then goes uncounted).
 */
struct hubconn	*hubconns_open(struct hubconns *, const struct sockaddr *,
		    socklen_t, int, long long);

/* Forgets a connection that closed (NULL is fine). */
void	hubconns_close(struct hubconns *, struct hubconn *);

/* Marks c trusted: a request on it showed good credentials. */
void	hubconns_trust(struct hubconns *, struct hubconn *);

/*
 * Returns 1 if a request without credentials on c is to be refused now:
 * c's address holds more than peraddr untrusted connections, or more
 * than cap are open.  Counts the refusal for hubconns_news.
 */
int	hubconns_over(struct hubconns *, struct hubconn *);

/* Moves c into phase at now, with that phase's deadline. */
void	hubconns_phase(struct hubconns *, struct hubconn *, enum hubconn_phase,
	    long long);

/*
 * Calls drop(arg, fd) for each connection past its deadline at now (the
 * caller shuts the socket down; the connection stays counted until
 * hubconns_close) and clears that deadline.  Returns how many.
 */
size_t	hubconns_sweep(struct hubconns *, long long,
	    void (*)(void *, int), void *);

/* Returns c's address as text, such as "192.0.2.7" or "2001:db8::/64". */
const char	*hubconn_addr(const struct hubconn *);

/*
 * Puts what happened since the last call in *news and starts counting
 * again.  Returns 1 if there is anything to tell, else 0.
 */
int	hubconns_news(struct hubconns *, struct hubconns_news *);

/*
 * Puts the counts since the start in *t (refused, shed, dropped, and the
 * connections open now), for /metrics; addr is left empty.
 */
void	hubconns_totals(const struct hubconns *, struct hubconns_news *);

/* Returns the number of connections open. */
unsigned int	hubconns_count(const struct hubconns *);

#endif
