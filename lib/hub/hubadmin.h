/*
 * The admin API of bb-protocol(7) (ADMIN CALLS), one handler each (the
 * routing table, lib/hub/hubroute.c, names them): sources, submit, the
 * lists of jobs and workers, a job, its log, source and artifacts,
 * cancel, and adding and removing workers.  The core has checked the
 * admin token before a handler runs.
 *
 * Each handler answers r by lib/hub/hubreq.h; none keeps r or frees it.
 * A log is streamed: its reader belongs to the response, which frees it.
 */
#ifndef BB_HUBADMIN_H
#define BB_HUBADMIN_H

struct hubreq;

/*
 * POST /v1/admin/sources: hubadmin_sources_start (at the first call,
 * given the Content-Length or -1) opens the blob; hubadmin_sources keeps
 * it and answers its digest.
 */
void	hubadmin_sources_start(struct hubreq *, long long);
void	hubadmin_sources(struct hubreq *);

/*
 * POST /v1/admin/jobs: a submit record and a recipe, its matrix and its
 * stages; queues a pipeline a combination (and platform), answering a job
 * record for each, or a built record for one built already.
 */
void	hubadmin_submit(struct hubreq *);

/* GET /v1/admin/jobs[?state=S&limit=N]: job records, newest first. */
void	hubadmin_jobs(struct hubreq *);

/* GET /v1/admin/jobs/ID: the job, its attempts and artifacts. */
void	hubadmin_job(struct hubreq *);

/* GET /v1/admin/jobs/ID/log[?attempt=N]: the records, streamed. */
void	hubadmin_log(struct hubreq *);

/* GET /v1/admin/jobs/ID/source: the job's source tarball. */
void	hubadmin_source(struct hubreq *);

/* GET /v1/admin/jobs/ID/artifacts/NAME[?attempt=N]: an artifact. */
void	hubadmin_artifact(struct hubreq *);

/* POST /v1/admin/jobs/ID/cancel: cancels a queued or running job. */
void	hubadmin_cancel(struct hubreq *);

/* GET /v1/admin/workers: worker records. */
void	hubadmin_workers(struct hubreq *);

/* POST /v1/admin/workers: adds a worker; answers its secret once. */
void	hubadmin_addworker(struct hubreq *);

/* DELETE /v1/admin/workers/NAME: removes it; its jobs are queued again. */
void	hubadmin_rmworker(struct hubreq *);

#endif
