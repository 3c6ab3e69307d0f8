/*
 * A worker's caches (bb-recipe(5) "cache NAME [max SIZE]"): directories
 * kept between jobs of one recipe name from one hub, under a root that
 * bb-run(1) -c names:
 *
 *	ROOT/HUB/RECIPE/NAME/data	what the steps see as $BB_CACHE_NAME
 *	ROOT/HUB/RECIPE/NAME/info	a "cache" record: hub, recipe, name,
 *					max; its mtime is the last use
 *	ROOT/HUB/RECIPE/NAME/lock	flock(2): shared while a job uses
 *					the cache, exclusive to remove it
 *
 * HUB is the first 16 hex digits of the SHA-256 of the hub's URL ("local"
 * without a hub), so that no two hubs' jobs share a cache.  A cache is
 * removed whole: when a job leaves it over its max, when the disk is
 * short (least recently used first), or when an admin clears it; never
 * while a job uses it.  Removal renames it to ROOT/.gone-* first, so that
 * a job never sees half of one.
 */
#ifndef BB_CACHE_H
#define BB_CACHE_H

#include <sys/types.h>

#include <time.h>

#include "error.h"
#include "recipe.h"

#define CACHE_HUBKEY_LEN	16
#define CACHE_LOCAL		"local"		/* the key of no hub */

/* A cache a job holds. */
struct cache_use {
	char		*dir;		/* ROOT/HUB/RECIPE/NAME */
	char		*data;		/* dir/data, for the steps */
	int		 lockfd;	/* holds the shared lock */
	long long	 max;		/* bytes, 0: none */
};

/*
 * Opens the cache c of recipe for hub (a URL, or NULL) under root: makes
 * it if need be (data owned by uid and gid when chown is set), takes its
 * shared lock, writes its info (the time of use).  Fills u.  Returns 0,
 * or -1 (EX_CANTCREAT, EX_IOERR, naming the path).
 */
int	cache_open(const char *root, const char *hub, const char *recipe,
	    const struct recipe_cache *c, int chown, uid_t, gid_t,
	    struct cache_use *u, struct bb_error *);

/*
 * Ends a job's use of u: notes the time of use, measures the cache and,
 * when it is over its max and no other job holds it, removes it.  Puts
 * its size in *size and 1 in *evicted when it was removed.  Frees what u
 * holds, in any case.  Returns 0 or -1 (the cache is then kept).
 */
int	cache_close(struct cache_use *, long long *size, int *evicted,
	    struct bb_error *);

/* Frees what u holds and lets its lock go. */
void	cache_release(struct cache_use *);

struct cache_entry {
	char		*dir;
	char		*hub;		/* the URL the info names, or NULL */
	char		*recipe;
	char		*name;
	long long	 max;
	long long	 size;		/* bytes on disk */
	time_t		 used;
	int		 busy;		/* a job holds it */
};

/*
 * Lists the caches under root, least recently used first, into a new
 * array *out of *n entries (cache_list_free frees it); a root that does
 * not exist holds none.  What an interrupted removal left is removed.
 * Returns 0 or -1.
 */
int	cache_list(const char *, struct cache_entry **, size_t *,
	    struct bb_error *);
void	cache_list_free(struct cache_entry *, size_t);

/*
 * Returns 1 if e is named by pattern: "NAME", "RECIPE/NAME" or
 * "RECIPE/" (every cache of the recipe).
 */
int	cache_match(const struct cache_entry *, const char *);

/*
 * Removes the cache of e unless a job holds it.  Returns 1 when removed,
 * 0 when held, -1 on failure.
 */
int	cache_remove(const struct cache_entry *, struct bb_error *);

/*
 * Removes caches under root, least recently used first, until enough(arg)
 * returns 1 (checked before each), skipping those in use.  Adds the
 * number removed to *n.  Returns 1 when enough said so, 0 when no cache
 * was left to remove, -1 on failure (of enough too: it sets err).
 */
int	cache_evict(const char *, int (*)(void *, struct bb_error *), void *,
	    size_t *, struct bb_error *);

/* Puts the key of hub (a URL, or NULL) in out (CACHE_HUBKEY_LEN + 1). */
void	cache_hubkey(const char *, char *);

#endif
