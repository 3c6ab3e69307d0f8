/*
 * Who may call the hub: checks the credentials a request carries against
 * what its route asks (lib/hub/hubroute.h): a worker's name and secret
 * (HTTP Basic, at hello), a session token (and a Bb-Lease header for a
 * job's calls), the admin token, or for pages and /metrics the admin or
 * metrics token in the ways a browser or a scraper sends them (a Basic
 * password, the HUBGATE_COOKIE cookie, Bearer; bb-hub(8) SECURITY).
 * A secret is slow to check (PBKDF2),
 * so one checked once is known afterwards by a SHA-256 of the name, the
 * secret and the kept hash, in a cache of at most HUBGATE_CACHE_MAX.
 */
#ifndef BB_HUBGATE_H
#define BB_HUBGATE_H

#define HUBGATE_CACHE_MAX	10000
#define HUBGATE_COOKIE		"bb_admin"	/* a page's admin token */

struct hubreq;
struct hubgate;

/* Returns an empty cache of checked secrets, or NULL.  hubgate_free. */
struct hubgate	*hubgate_new(void);

/* Wipes and frees the cache (NULL is fine). */
void	hubgate_free(struct hubgate *);

/*
 * Checks r's credentials for r->route.  Returns 0 with r->worker,
 * r->caps (a worker's calls) and r->lease (a job's calls) set, and
 * r->authed when credentials were shown and good (not on open routes
 * and public pages), or -1 with the refusal (400, 401 or 500) queued.
 */
int	hubgate_check(struct hubreq *);

#endif
