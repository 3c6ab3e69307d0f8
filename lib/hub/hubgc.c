#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "hubgc.h"

#define JOBS_STEP	50	/* jobs removed in one step */
#define BLOBS_STEP	1000	/* blobs looked at in one step, about; a
				   removal counts as 20 */
#define PHASE_JOBS	0
#define PHASE_BLOBS	1	/* to 256: the store's directories */
#define LOGS_STEP	1000	/* log files looked at in one step */
#define PHASE_TMP	257
#define PHASE_LOGS	258
#define PHASE_DONE	259

struct hubgc {
	struct hub_dir		*hd;
	struct hubdb_policy	 policy;
	long long		 now;
	int			 phase;
	struct hubgc_result	 res;
	struct bb_error		*err;	/* of the step under way */
	int			 failed;
	long long		 seen;	/* blobs looked at in this step */
	struct hublog_walk	*walk;	/* PHASE_LOGS: the logs looked at */
};

struct hubgc *
hubgc_new(struct hub_dir *hd, const struct hubdb_policy *p, long long now,
    struct bb_error *err)
{
	struct hubgc *g;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		bb_error_errno(err, EX_OSERR, "gc");
		return NULL;
	}
	g->hd = hd;
	g->policy = *p;
	g->now = now;
	return g;
}

void
hubgc_free(struct hubgc *g)
{
	if (g == NULL)
		return;
	hublog_walk_close(g->walk);
	free(g);
}

const struct hubgc_result *
hubgc_result(const struct hubgc *g)
{
	return &g->res;
}

/* hubdb_blob_drop's callback: removes the blob if it is still old. */
static int
drop(void *arg, const char *hex, struct bb_error *err)
{
	struct hubgc *g = arg;
	off_t size;
	int r;

	r = blob_remove_old(g->hd->blobs, hex, g->now - BLOB_GRACE_MS, &size,
	    err);
	if (r == 1 && (hubdb_stat_add(g->hd->db, "gc_blobs", 1, err) == -1 ||
	    hubdb_stat_add(g->hd->db, "gc_bytes", (long long)size,
	    err) == -1))
		return -1;
	if (r == 1) {
		g->res.blobs++;
		g->res.bytes += (long long)size;
	}
	return r;
}

/* blob_list's callback: an old blob is looked at under the lock. */
static int
blob(void *arg, const char *hex, long long mtime, off_t size)
{
	struct hubgc *g = arg;

	(void)size;
	g->seen++;
	if (mtime >= g->now - BLOB_GRACE_MS)
		return 0;
	switch (hubdb_blob_drop(g->hd->db, hex, drop, g, g->err)) {
	case -1:
		g->failed = 1;	/* go on with the others */
		break;
	case 1:
		g->seen += 19;	/* a removal costs a flush to disk */
		break;
	}
	return 0;
}

/*
 * Looks at the next LOGS_STEP log files: one that no attempt owns (a crash
 * between removing a job and its files leaves one) goes once it is as old
 * as an orphan blob must be.  At the end of the walk, or when it cannot
 * go on, the phase is over.  Returns as hubgc_step.
 */
static int
logs_step(struct hubgc *g, struct bb_error *err)
{
	long long job, n, mtime, i;
	off_t size;
	int r = 0, failed = 0;

	if (g->hd->logs == NULL)
		goto over;
	if (g->walk == NULL && hublog_walk_open(g->hd->logs, &g->walk,
	    err) == -1) {
		r = -1;
		goto over;
	}
	for (i = 0; i < LOGS_STEP; i++) {
		if ((r = hublog_walk_next(g->walk, &job, &n, &mtime, &size,
		    err)) != 1)
			goto over;
		if (mtime >= g->now - BLOB_GRACE_MS)
			continue;
		switch (hubdb_log_drop(g->hd->db, job, n, size, err)) {
		case -1:
			failed = 1;	/* go on with the others */
			break;
		case 1:
			g->res.logs++;
			g->res.bytes += (long long)size;
			break;
		}
	}
	return failed ? -1 : 1;
over:
	hublog_walk_close(g->walk);
	g->walk = NULL;
	g->phase++;
	return failed || r == -1 ? -1 : 0;
}

int
hubgc_step(struct hubgc *g, struct bb_error *err)
{
	long long n, bytes;

	switch (g->phase) {
	case PHASE_JOBS:
		if (hubdb_expire_jobs(g->hd->db, g->now, &g->policy,
		    JOBS_STEP, &n, &bytes, err) == -1) {
			g->phase++;
			return -1;
		}
		g->res.jobs += n;
		g->res.bytes += bytes;
		if (n < JOBS_STEP)
			g->phase++;
		return 1;
	case PHASE_TMP:
		(void)blob_clean_tmp(g->hd->blobs, g->now - BLOB_GRACE_MS);
		g->phase++;
		return 1;
	case PHASE_LOGS:
		return logs_step(g, err);
	case PHASE_DONE:
		return 0;
	default:
		/* Directories until about BLOBS_STEP blobs are seen. */
		g->err = err;
		g->failed = 0;
		for (g->seen = 0; g->phase < PHASE_TMP && g->seen < BLOBS_STEP;
		    g->phase++)
			if (blob_list(g->hd->blobs, g->phase - PHASE_BLOBS,
			    blob, g, err) == -1)
				g->failed = 1;
		return g->failed ? -1 : 1;
	}
}

int
hubgc_run(struct hub_dir *hd, const struct hubdb_policy *p, long long now,
    struct hubgc_result *res, struct bb_error *err)
{
	struct hubgc *g;
	struct bb_error e;
	int r, rv = 0;

	if ((g = hubgc_new(hd, p, now, err)) == NULL)
		return -1;
	while ((r = hubgc_step(g, &e)) != 0)
		if (r == -1 && rv == 0) {
			/* The first failure is told; the run goes on. */
			*err = e;
			rv = -1;
		}
	*res = g->res;
	hubgc_free(g);
	return rv;
}
