/*
 * Unit tests of lib/worker/cache.c: where a cache lives (by hub, recipe
 * and name), what survives a job, removal over the max, in use and least
 * recently used first, and what an interrupted removal left.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "tap.h"

static char root[] = "/tmp/bb-cache-test.XXXXXX";

static int
exists(const char *fmt, const char *a)
{
	char p[PATH_MAX];
	struct stat st;

	(void)snprintf(p, sizeof(p), fmt, a);
	return stat(p, &st) == 0;
}

static void
put(const char *dir, const char *name, size_t n)
{
	char p[PATH_MAX], *b;
	FILE *f;

	(void)snprintf(p, sizeof(p), "%s/%s", dir, name);
	if ((f = fopen(p, "w")) == NULL || (b = calloc(1, n + 1)) == NULL)
		tap_bail("%s", p);
	memset(b, 'x', n);
	(void)fwrite(b, 1, n, f);
	fclose(f);
	free(b);
}

/* Sets the time of use of the cache dir to t. */
static void
used_at(const char *dir, time_t t)
{
	struct timespec ts[2] = { { t, 0 }, { t, 0 } };
	char p[PATH_MAX];

	(void)snprintf(p, sizeof(p), "%s/info", dir);
	(void)utimensat(AT_FDCWD, p, ts, 0);
}

static int evict_calls, evict_until;

static int
enough(void *arg, struct bb_error *err)
{
	(void)arg;
	(void)err;
	return ++evict_calls > evict_until;
}

int
main(void)
{
	struct recipe_cache cc = { "ccache", 0 }, big = { "big", 8192 };
	struct cache_use u, v;
	struct cache_entry *e;
	struct bb_error err;
	char key[CACHE_HUBKEY_LEN + 1], key2[CACHE_HUBKEY_LEN + 1];
	char dir[PATH_MAX], gone[PATH_MAX];
	long long size;
	size_t n, removed;
	int evicted;

	if (mkdtemp(root) == NULL)
		tap_bail("mkdtemp");
	umask(022);

	cache_hubkey("https://hub.example:8443", key);
	cache_hubkey("https://other.example:8443", key2);
	ok(strlen(key) == CACHE_HUBKEY_LEN && strcmp(key, key2) != 0,
	    "two hubs, two keys: %s %s", key, key2);
	cache_hubkey(NULL, key2);
	is_str(key2, CACHE_LOCAL, "no hub: local");

	/* A job writes; the next job of the recipe sees it. */
	ok(cache_open(root, "https://hub.example:8443", "hello", &cc, 0, 0, 0,
	    &u, &err) == 0, "open a new cache");
	(void)snprintf(dir, sizeof(dir), "%s/%s/hello/ccache/data", root,
	    key);
	is_str(u.data, dir, "in ROOT/HUB/RECIPE/NAME/data");
	put(u.data, "stamp", 10);
	ok(cache_close(&u, &size, &evicted, &err) == 0 && !evicted &&
	    size > 0, "closed, kept, not empty");
	ok(cache_open(root, "https://hub.example:8443", "hello", &cc, 0, 0, 0,
	    &u, &err) == 0 && exists("%s/stamp", u.data),
	    "the next job sees what the first wrote");
	ok(cache_open(root, "https://other.example:8443", "hello", &cc, 0, 0,
	    0, &v, &err) == 0 && !exists("%s/stamp", v.data),
	    "another hub's job does not");
	cache_release(&v);
	ok(cache_open(root, "https://hub.example:8443", "other", &cc, 0, 0, 0,
	    &v, &err) == 0 && !exists("%s/stamp", v.data),
	    "nor another recipe's");
	cache_release(&v);

	/* In use, it is not removed. */
	ok(cache_list(root, &e, &n, &err) == 0 && n == 3, "three caches");
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].recipe, "hello") == 0 &&
		    e[i].hub != NULL && strcmp(e[i].hub,
		    "https://hub.example:8443") == 0) {
			ok(e[i].busy, "the one in use is busy");
			ok(cache_remove(&e[i], &err) == 0, "and kept");
		}
	cache_list_free(e, n);
	(void)cache_close(&u, &size, &evicted, &err);

	/* Over its max, it goes when the job ends. */
	ok(cache_open(root, NULL, "hello", &big, 0, 0, 0, &u, &err) == 0,
	    "a cache with a max");
	put(u.data, "small", 100);
	(void)snprintf(dir, sizeof(dir), "%s", u.dir);
	ok(cache_close(&u, &size, &evicted, &err) == 0 && !evicted,
	    "under its max: kept");
	ok(cache_open(root, NULL, "hello", &big, 0, 0, 0, &u, &err) == 0,
	    "again");
	put(u.data, "large", 64 * 1024);
	ok(cache_close(&u, &size, &evicted, &err) == 0 && evicted &&
	    size > 8192, "over its max: removed");
	ok(!exists("%s", dir), "gone from its place");

	/* Over its max, but another job holds it: kept. */
	ok(cache_open(root, NULL, "hello", &big, 0, 0, 0, &u, &err) == 0 &&
	    cache_open(root, NULL, "hello", &big, 0, 0, 0, &v, &err) == 0,
	    "two jobs hold one cache");
	put(u.data, "large", 64 * 1024);
	ok(cache_close(&u, &size, &evicted, &err) == 0 && !evicted,
	    "over its max, held by the other: kept");
	ok(cache_close(&v, &size, &evicted, &err) == 0 && evicted,
	    "the last one out removes it");

	/* Least recently used first. */
	ok(cache_list(root, &e, &n, &err) == 0 && n == 3, "three again");
	used_at(e[0].dir, 1000);
	used_at(e[1].dir, 3000);
	used_at(e[2].dir, 2000);
	(void)snprintf(dir, sizeof(dir), "%s", e[1].dir);
	cache_list_free(e, n);
	evict_calls = 0;
	evict_until = 2;
	removed = 0;
	ok(cache_evict(root, enough, NULL, &removed, &err) == 1 &&
	    removed == 2, "two removed until there was enough");
	ok(cache_list(root, &e, &n, &err) == 0 && n == 1 &&
	    strcmp(e[0].dir, dir) == 0, "the most recently used is left");
	ok(cache_match(&e[0], e[0].name) && cache_match(&e[0], "hello/") ==
	    (strcmp(e[0].recipe, "hello") == 0), "match by name, recipe/");
	cache_list_free(e, n);
	evict_calls = 0;
	evict_until = 100;
	removed = 0;
	ok(cache_evict(root, enough, NULL, &removed, &err) == 0 &&
	    removed == 1, "none left to remove: 0");

	/* What an interrupted removal left goes at the next listing. */
	(void)snprintf(gone, sizeof(gone), "%s/.gone-abc", root);
	(void)mkdir(gone, 0755);
	(void)snprintf(dir, sizeof(dir), "%s/.gone-abc/ro", root);
	(void)mkdir(dir, 0755);
	put(dir, "f", 10);
	(void)chmod(dir, 0555);
	ok(cache_list(root, &e, &n, &err) == 0 && n == 0 &&
	    !exists("%s", gone), "a left-over .gone- removed, read-only "
	    "directories and all");
	cache_list_free(e, n);

	ok(cache_open(root, NULL, "../x", &cc, 0, 0, 0, &u, &err) == -1,
	    "a recipe name with a slash refused");
	ok(cache_list("/nonexistent/bb-cache", &e, &n, &err) == 0 && n == 0,
	    "no root: no caches");
	(void)snprintf(dir, sizeof(dir), "rm -rf '%s'", root);
	if (system(dir) != 0)
		tap_diag("rm -rf failed");
	return tap_done();
}
