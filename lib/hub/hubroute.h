/*
 * The hub's routing table: every endpoint of bb-protocol(7) and bb-hub(8)
 * as a method, a path pattern and the handler that answers it, with the
 * rules the core applies before the handler runs (who may call, how
 * large a body may be).  hubroute_match finds the route of a request, or
 * says why there is none: 404 (no such path), 405 (the path takes other
 * methods, listed for an Allow header), or a bad path parameter.
 *
 * A pattern is literal bytes and parameters:
 *	:id		one path segment, a job id: decimal digits, 1 to
 *			LLONG_MAX; else 404
 *	*artifact	the rest of the path, %-decoded, an artifact name
 *			(lib/hub/hubwire.h); else 400
 *	*worker		the rest of the path, %-decoded, a worker's name
 *			(lib/hub/hub.h hub_valid_worker); else 404
 * Matching is byte for byte: no "." or ".." segments, empty segments or
 * trailing slashes are taken for anything but themselves, and the path
 * is not decoded before it is split (a %2F stays in its segment).  HEAD
 * is taken wherever GET is.
 *
 * The table is data: tests/unit/hubroute.c walks it.
 */
#ifndef BB_HUBROUTE_H
#define BB_HUBROUTE_H

#include <stddef.h>

struct hubreq;

enum hubroute_auth {
	HUBROUTE_OPEN,		/* anyone */
	HUBROUTE_BASIC,		/* a worker's name and secret (hello) */
	HUBROUTE_SESSION,	/* a session token */
	HUBROUTE_LEASE,		/* a session token and a Bb-Lease header */
	HUBROUTE_ADMIN,		/* the admin token, as a Bearer token */
	/*
	 * People's pages: the admin token as a Bearer token, a Basic
	 * password or the bb_admin cookie; anyone when the administrator
	 * made the pages public (bb-hub serve -P).  Only for GET: a
	 * browser sends Basic credentials and cookies by itself.
	 */
	HUBROUTE_PAGE,
	/* Monitors: as PAGE, with the metrics token too, and no cookie. */
	HUBROUTE_METRICS
};

/* Reports stored together, one transaction for all (the core's flush). */
#define HUBROUTE_BATCH	0x1
/*
 * Its changes in the database may wait to be flushed to disk (hubdb_lazy):
 * events, whose records are in the attempts' log files (hublog.h).
 */
#define HUBROUTE_LAZY	0x2

struct hubroute {
	const char		*method;
	const char		*pattern;
	enum hubroute_auth	 auth;
	size_t			 body;	/* largest record body; 0: none kept */
	int			 flags;
	/*
	 * Called at the request's first call, once it is authenticated,
	 * with its Content-Length (-1: none given): starts a raw upload.
	 * NULL for most.  Refuses by answering.
	 */
	void			(*start)(struct hubreq *, long long);
	/* Called with the whole body: answers (or parks) the request. */
	void			(*handler)(struct hubreq *);
};

extern const struct hubroute	hubroute_table[];
extern const size_t		hubroute_count;

#define HUBROUTE_ALLOW_MAX	64

struct hubroute_match {
	const struct hubroute	*route;
	long long		 id;		/* :id, or 0 */
	char			*name;		/* *artifact, *worker or NULL */
	/* Why there is no route. */
	unsigned int		 status;	/* 400, 404 or 405 */
	const char		*reason;	/* bb-protocol(7) ERRORS */
	char			 msg[128];
	char			 allow[HUBROUTE_ALLOW_MAX];	/* for 405 */
};

/*
 * Finds the route of method and path (len bytes, the query cut off).
 * Returns 0 with m->route, m->id and m->name (decoded; the caller frees
 * it with free(3)), or -1 with m->status, m->reason, m->msg and, for
 * 405, m->allow (such as "GET, HEAD, POST").  A path parameter that
 * cannot be decoded (or memory that runs out while decoding it) is
 * refused as the parameter says (400 or 404).
 */
int	hubroute_match(const char *, const char *, size_t,
	    struct hubroute_match *);

#endif
