/*
 * What the hub answers to people and monitors, without a token
 * (bb-hub(8) "Status page, health, metrics"): the status page and a
 * job's page (made by lib/hub/hubpage.h), /healthz and the Prometheus
 * text of /metrics.  Each handler answers r by lib/hub/hubreq.h; none
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

/* GET /jobs/ID: a job's recipe, attempts, steps, artifacts and log. */
void	hubpublic_job(struct hubreq *);

#endif
