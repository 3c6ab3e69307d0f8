/*
 * Fetching a job's artifacts into a directory (bb-hub fetch): from the
 * hub directory itself, or from a hub by URL through its admin API with a
 * token.  The artifacts are those of one attempt, the job's last by
 * default.
 *
 * Each file is written to a new temporary file beside its place, checked
 * against the digest the hub recorded for it, synced and renamed into
 * place; a file already there with that digest is left as it is.  A name
 * that is a path (a/b/x) gets its directories made, never outside the
 * target directory: a name that breaks the rule of artifact names
 * (absolute, an empty, "." or ".." component) is refused, and no symbolic
 * link is followed on the way.
 */
#ifndef BB_HUBFETCH_H
#define BB_HUBFETCH_H

#include <sys/types.h>

#include "error.h"
#include "http.h"
#include "hub.h"

struct hubfetch {
	long long	 attempt;	/* 0: the job's last */
	int		 dirfd;		/* the target directory */
	/* Called with each file once it is in place (may be NULL). */
	void		(*done)(void *, const char *, off_t, int);
	void		*arg;		/* (the last: 1 when it was there) */
	long long	 files;		/* files in place */
};

/*
 * Fetches job id's artifacts from the hub directory hd into f->dirfd.
 * Returns 0 (f->files counts them), or -1: EX_DATAERR for an unknown job,
 * an attempt with no artifacts, a bad name or a digest that differs.
 * Stops at the first failure.
 */
int	hubfetch_local(struct hub_dir *, long long, struct hubfetch *,
	    struct bb_error *);

/*
 * As hubfetch_local, from the hub that client c talks to (its token set),
 * through GET /v1/admin/jobs/ID and its artifacts (bb-protocol(7)); the
 * failures of lib/http.h besides.
 */
int	hubfetch_remote(struct http_client *, long long, struct hubfetch *,
	    struct bb_error *);

/*
 * Returns 1 if name is an artifact name (lib/artifact.h
 * artifact_name_valid: a relative path, no empty, "." or ".." component),
 * one that can be made a file of under the target directory; else 0.
 */
int	hubfetch_valid_name(const char *);

#endif
