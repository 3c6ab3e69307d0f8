/*
 * The worker's calls of bb-protocol(7), one handler each (the routing
 * table, lib/hub/hubroute.c, names them): hello, which opens a session;
 * then, under a job's lease, decline, abandon, source, events,
 * artifact and finish.  A claim and its long poll are lib/hub/hubclaim.h's.
 *
 * Each handler is called once the request's body is in (r->body holds a
 * record body; an artifact went to the blob store as it came) and
 * answers it, by lib/hub/hubreq.h.  None keeps r or frees it.
 */
#ifndef BB_HUBWORK_H
#define BB_HUBWORK_H

struct hubreq;

/* POST /v1/hello: a worker's hello record; answers a session record. */
void	hubwork_hello(struct hubreq *);

/* POST /v1/jobs/ID/decline: gives the job back to the queue. */
void	hubwork_decline(struct hubreq *);

/*
 * POST /v1/jobs/ID/abandon: the worker gives up the attempt (it died);
 * the job goes back to the queue at once.
 */
void	hubwork_abandon(struct hubreq *);

/* GET /v1/jobs/ID/source: the job's source tarball. */
void	hubwork_source(struct hubreq *);

/*
 * POST /v1/jobs/ID/events: stores numbered records; answers an ack.
 * Since bb-protocol 4 a finish record may end the batch: the attempt is
 * then finished too, as by hubwork_finish, and the answer is the ack and
 * the finished record.
 */
void	hubwork_events(struct hubreq *);

/*
 * 1 if the body of r (an events batch) ends with a finish record, which
 * must be on disk before the answer, as the batch need not be.
 */
int	hubwork_finishing(const struct hubreq *);

/*
 * PUT /v1/jobs/ID/artifacts/NAME: hubwork_artifact_start (at the first
 * call, given the Content-Length or -1) checks the lease and opens the
 * blob; hubwork_artifact keeps it as the job's artifact.
 */
void	hubwork_artifact_start(struct hubreq *, long long);
void	hubwork_artifact(struct hubreq *);

/* POST /v1/jobs/ID/finish: ends the attempt, if every record is in. */
void	hubwork_finish(struct hubreq *);

#endif
