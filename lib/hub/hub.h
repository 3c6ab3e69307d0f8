/*
 * A hub directory, as bb-hub(8) describes it:
 *
 *	DIR/hub.db		the state (lib/hub/hubdb.h), mode 0600
 *	DIR/blobs/		sources and artifacts (lib/hub/blob.h)
 *	DIR/logs/		the attempts' logs (lib/hub/hublog.h)
 *	DIR/admin.token		the admin API's token, mode 0600
 *	DIR/metrics.token	the read-only token of /metrics, mode 0600
 *	DIR/wake		the server's doorbell (lib/hub/hubwake.h)
 *
 * and what both the admin commands and the admin API do with it.
 */
#ifndef BB_HUB_H
#define BB_HUB_H

#include <sys/types.h>

#include "blob.h"
#include "error.h"
#include "hubauth.h"
#include "hubdb.h"
#include "hublog.h"

#define HUB_SOURCE_MAX		(1024LL * 1024 * 1024)
#define HUB_ARTIFACT_MAX	(4LL * 1024 * 1024 * 1024)
#define HUB_ATTEMPTS_MAX	100

struct hub_dir {
	char			*path;
	struct hubdb		*db;
	struct blob_store	*blobs;
	struct hublog		*logs;
};

/* Returns the time in milliseconds since the epoch. */
long long	hub_now(void);

/* Makes a new hub directory at path (which may exist, empty).  0 or -1. */
int	hub_dir_init(const char *, struct bb_error *);

/* Opens the hub directory at path.  Returns 0 and *out, or -1. */
int	hub_dir_open(const char *, struct hub_dir **, struct bb_error *);
void	hub_dir_close(struct hub_dir *);

/*
 * Reads the admin token into a new buffer *out (the caller's to
 * buf_freezero).  Returns 0 or -1.
 */
int	hub_admin_token(struct hub_dir *, struct buf **, struct bb_error *);

/*
 * Reads the metrics token as hub_admin_token does, making it first in a
 * hub directory that has none.  Returns 0 or -1.
 */
int	hub_metrics_token(struct hub_dir *, struct buf **, struct bb_error *);

/* Returns 1 if name is a valid worker name. */
int	hub_valid_worker(const char *);

/*
 * Adds worker name with a new secret, put in secret (HUBAUTH_TOKEN_LEN +
 * 1 bytes; the caller wipes it).  HUB_OK, HUB_EXISTS, or -1 (EX_DATAERR
 * for a bad name).
 */
int	hub_add_worker(struct hub_dir *, const char *, char *,
	    struct bb_error *);

/*
 * Puts a source into the blob store: a directory is packed (lib/hub/hubsrc.h),
 * anything else is copied as it is.  Puts its digest in hex and its size
 * in *size.  Returns 0 or -1.
 */
int	hub_put_source(struct hub_dir *, const char *, char *, off_t *,
	    struct bb_error *);

/*
 * Queues the recipe with the source blob hex (which must be in the
 * store), as hub_submit_many with force does: the first job's number in
 * *id.  attempts 0 is the default.  HUB_OK and *id, or -1 (EX_DATAERR
 * when the source is unknown or the recipe incomplete).
 */
int	hub_submit(struct hub_dir *, const struct recipe *, const char *,
	    int, long long *, struct bb_error *);

/* What a submit asks (bb-hub submit, POST /v1/admin/jobs). */
struct hub_submit_req {
	const struct recipe	*recipe;	/* its matrix, its stages */
	const char		*source;	/* a blob's hex */
	int			 attempts;	/* 0: the hub's */
	int			 force;		/* queue what was built too */
	int			 each;		/* each workers' platform */
};

/* What became of one pipeline of a submit. */
struct hub_submitted {
	long long	 id;		/* its first job, or 0 */
	long long	 built;		/* or the job that built it already */
	char		*name;		/* the job's name, or NULL */
	char		*config;	/* "CC=gcc OPT=O2", or "" */
	char		*platform;	/* the workers' capabilities, or NULL */
};

/*
 * Queues a pipeline (a job a stage) for each combination of the recipe's
 * matrix and, with each, for each distinct platform of the workers that
 * have said hello and meet the first stage's requirements (its first job
 * goes only to a worker of exactly that platform).  Unless force, one
 * built already (hubdb_submit_all) is not queued.  The array *out of *n
 * (hub_submitted_free) says what became of each.  HUB_OK, or -1
 * (EX_DATAERR when the source is unknown, the recipe incomplete, its
 * matrix too large, or no worker's platform meets its requirements).
 */
int	hub_submit_many(struct hub_dir *, const struct hub_submit_req *,
	    struct hub_submitted **, size_t *, struct bb_error *);
void	hub_submitted_free(struct hub_submitted *, size_t);

#endif
