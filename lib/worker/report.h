/*
 * The work of bb-report(1) for one job: records numbered (seq=), written
 * to the spool (lib/worker/spool.h) before they are sent, sent to the hub in
 * batches of events, artifact and signature files uploaded with their
 * digest, and the job finished with the log digest once everything is
 * acknowledged; a finish refused with 412 has the missing records sent
 * again from the spool.  See bb-protocol(7).
 *
 * It is a state machine driven by a poll(2) loop that owns no thread:
 * report_input and report_eof feed it; report_next hands out the next
 * call of a lane (one call at a time per lane, each lane with its own
 * HTTP connection), which the loop runs with report_exec in a thread of
 * its choosing (lib/worker/bg.h) and gives back with report_done.  Everything
 * but report_exec runs in the loop's thread.
 *
 * The code is in three files (lib/worker/report_impl.h draws the inside):
 * report.c, the state machine and its scheduler; report_spool.c, what it
 * does with the spool; report_call.c, the HTTP calls to the hub.
 */
#ifndef BB_REPORT_H
#define BB_REPORT_H

#include <sys/types.h>

#include <limits.h>
#include <signal.h>

#include "buf.h"
#include "digest.h"
#include "error.h"
#include "http.h"
#include "netopt.h"
#include "record.h"

#define REPORT_FLUSH_MS		250	/* longest wait of a record */
#define REPORT_SYNC_MS		1000	/* longest a record is not on disk */
#define REPORT_BATCH_MAX	(256 * 1024)	/* bytes of an events body */
#define REPORT_PENDING_MAX	(1024 * 1024)	/* held before the job */
#define REPORT_KEEPALIVE	30	/* seconds, when no record says */

enum {
	REPORT_EVENTS,		/* events batches and the finish */
	REPORT_UPLOADS,		/* artifact and signature files */
	REPORT_LANES
};

enum {
	REPORT_CALL_EVENTS = 1,
	REPORT_CALL_FINISH,
	REPORT_CALL_UPLOAD,
	REPORT_CALL_ABANDON
};

struct report_opts {
	int		 basefd;	/* BASEDIR */
	const char	*basedir;	/* its path, for messages, or NULL */
	const struct netopt *net;	/* --ca and --pin, or NULL: the
					   session's */
	long long	 maxtime_ms;	/* most time to try after the input
					   ended; 0: no limit */
	size_t		 batch_max;	/* 0: REPORT_BATCH_MAX */
	long long	 flush_ms;	/* 0: REPORT_FLUSH_MS */
	volatile sig_atomic_t *stop;	/* set: calls under way end */
	/*
	 * Why an attempt that a previous run left without a done record
	 * died, for the hub ("worker restarted"); NULL: a default.
	 */
	const char	*died;
	/* Says something to people (a retry, a refused artifact). */
	void		(*warn)(void *, const char *);
	/* The hub took the finish: job id, result, reason (or NULL). */
	void		(*finished)(void *, const char *, const char *,
			    const char *);
	void		*arg;
};

/*
 * One call to the hub.  report_next fills it; report_exec runs it (in
 * any thread); report_done reads its result.
 */
struct report_call {
	int		 lane;
	int		 kind;		/* REPORT_CALL_* */
	struct http_client *c;
	struct http_req	 req;
	char		 url[HTTP_URL_MAX];
	struct buf	*body;		/* of an events batch or a finish */
	long long	 first, last;	/* seq of an events batch (0 0) */
	off_t		 end;		/* where it ends in the spool */
	int		 repair;	/* a batch of missing records */
	int		 finish;	/* the batch ends with the finish */
	/* A finish: its record is made when it first runs. */
	int		 made;		/* the finish record is in body */
	int		 spoolfd;
	off_t		 spoolend;
	char		 result[16];
	char		*reason;
	/* An upload. */
	long long	 seq;		/* of its artifact or sig record */
	int		 dirfd;		/* the work tree */
	char		*path;
	char		*name;
	long long	 size;		/* -1: not known (a signature) */
	char		 sha256[DIGEST_HEXLEN + 1];	/* or "" */
	char		 hdr[DIGEST_HEADERLEN + 1];	/* Content-Digest */
	const char	*headers[2];
	volatile sig_atomic_t *stop;
	/* The result. */
	int		 rc;		/* 0: 2xx */
	int		 local;		/* failed here, not on the hub */
	struct http_resp resp;
	struct bb_error	 err;
};

struct report;

/* Returns a new report, or NULL with err set.  Free with report_free. */
struct report	*report_new(const struct report_opts *, struct bb_error *);
void		 report_free(struct report *);

/*
 * Takes one input record at time now (milliseconds).  session and job
 * records give the hub, token, lease and job; they are not sent.  Every
 * other record is numbered, spooled and queued (r is changed: it gets
 * its seq).  line (len bytes), if not NULL, is the record as it was
 * read: it is sent as it is, with its seq field added at the end.
 * Returns 0, or -1 when the report cannot go on (a second job, no
 * spool): report_over is then 1.
 */
int	report_input(struct report *, struct record *, const char *line,
	    size_t len, long long now, struct bb_error *);

/*
 * The input ended at time now: cleanly (why NULL), or because of what
 * why says (a malformed line: it is reported to the hub as an error
 * record, and it is the exit status in the end).
 */
void	report_eof(struct report *, long long now, const struct bb_error *);

/*
 * Takes up the spool basefd/spool/name that a previous run left, with
 * session, a fresh session record, for the token.  The input counts as
 * ended at time now.  Once all is delivered, an attempt without a done
 * record is abandoned: the hub is told it died (o.died says why) and
 * queues the job again.  Returns 0, 1 when another process holds the
 * spool, or -1 (err set; EX_DATAERR for a damaged spool).
 */
int	report_resume(struct report *, const char *,
	    const struct record *, long long now, struct bb_error *);

/*
 * Makes the spool of the attempt of a job record that died before a
 * bb-report made one, with the session record as its context, so that
 * report_resume takes it up (and, as it holds no done record, tells the
 * hub the attempt died).  Returns 0, 1 when the attempt has a spool
 * already, or -1 (err set).
 */
int	report_spool_job(int basefd, const struct record *job,
	    const struct record *session, struct bb_error *);

/* Stops: the report is over with code (and msg), the spool kept. */
void	report_abort(struct report *, int, const char *);

/*
 * Returns the next call of lane to run now, or NULL; *wake is lowered to
 * the time (ms) when there may be one (it is left alone when only a
 * call's end or more input can bring one).
 */
struct report_call	*report_next(struct report *, int lane, long long now,
			    long long *wake);

/* Runs a call: the HTTP exchange, and an upload's checks.  Any thread. */
void	report_exec(void *);

/* Takes the result of a call that report_next handed out. */
void	report_done(struct report *, struct report_call *, long long now);

/* Returns 1 once the report is over: calls under way should stop. */
int	report_over(const struct report *);

/* Returns the number of calls handed out and not yet done. */
int	report_busy(const struct report *);

/*
 * Once over and not busy: removes the spool or keeps it, as the end
 * demands, and returns the exit status (sysexits(3)), with a message in
 * err (an empty one when there is nothing to say).
 */
int	report_end(struct report *, struct bb_error *);

/*
 * Parses ranges of sequence numbers, "1-40,45,47-57" (bb-protocol(7)),
 * with a ",..." at the end allowed, into a new array of n [lo, hi]
 * pairs (*out, free(3) it).  Returns 0, or -1 (EX_PROTOCOL).
 */
int	report_parse_ranges(const char *, long long (**)[2], size_t *,
	    struct bb_error *);

/*
 * Puts the path of the artifact name of the job id in out (size bytes):
 * /v1/jobs/ID/artifacts/NAME, NAME percent-encoded by curl_easy_escape(3)
 * (every byte but A-Z a-z 0-9 - . _ ~ as %XX).  Returns 0, or -1 with err
 * set (EX_SOFTWARE when it does not fit, EX_OSERR).
 */
int	report_artifact_url(const char *id, const char *name, char *,
	    size_t, struct bb_error *);

#endif
