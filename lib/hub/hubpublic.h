/*
 * What the hub answers to people and monitors, without a token
 * (bb-hub(8) "Status page, health, metrics"): the status page and a
 * job's page (made by lib/hub/hubpage.h) with the files they load,
 * /healthz and the Prometheus text of /metrics.  Each handler answers r by lib/hub/hubreq.h; none
 * keeps r or frees it.
 */
#ifndef BB_HUBPUBLIC_H
#define BB_HUBPUBLIC_H

struct hubreq;

/* GET /healthz: 200 "ok" while the database answers, else 503. */
void	hubpublic_health(struct hubreq *);

/* GET /metrics: jobs by state, claims, leases, events, bytes, answers. */
void	hubpublic_metrics(struct hubreq *);

/* GET /: workers, running and queued jobs, recent builds. */
void	hubpublic_index(struct hubreq *);

/*
 * GET /jobs/ID[?attempt=N][&all=1]: a job's steps, artifacts, attempts,
 * recipe and log.
 */
void	hubpublic_job(struct hubreq *);

/*
 * GET /jobs/ID/live?attempt=N&after=SEQ: what the job's page needs to
 * follow it (lib/hub/hubpage.h hubpage_live).
 */
void	hubpublic_live(struct hubreq *);

/* GET /hub.css, /hub.js, /hub.svg: what the pages load (hubasset.h). */
void	hubpublic_asset(struct hubreq *);

#endif
