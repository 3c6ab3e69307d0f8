/*
 * What the files of the hub's database (lib/hub/hubdb*.c) share and
 * nothing else includes: the connection, its cache of prepared
 * statements, the helpers that bind, step and end transactions, the
 * making of records from rows and the checks of a lease.  The rest of
 * the hub uses lib/hub/hubdb.h only.
 *
 *	hubdb.c			opening, statements, transactions
 *	hubdb_schema.c		the schema, its steps, migration
 *	hubdb_worker.c		workers and their sessions
 *	hubdb_job.c		jobs: the queue, claims, leases, expiry
 *	hubdb_pipeline.c	chains of stages: submit, what is due
 *	hubdb_log.c		the records of an attempt (in its log file,
 *				lib/hub/hublog.h), finish, the log
 *	hubdb_artifact.c	artifacts of an attempt
 *	hubdb_show.c		jobs and workers as records for people
 *	hubdb_gc.c		retention: pins, expired jobs, blob references
 *
 * Unless said otherwise a helper returns -1 with err set when the
 * database fails.
 */
#ifndef BB_HUBDB_IMPL_H
#define BB_HUBDB_IMPL_H

#include <sqlite3.h>

#include "error.h"
#include "hubdb.h"
#include "hublog.h"
#include "record.h"

struct hubdb_stmt_cache {
	const char	*sql;
	sqlite3_stmt	*st;
};

struct hubdb {
	sqlite3			*db;
	char			*path;
	struct hublog		*logs;		/* the attempts' logs */
	long long		 version;	/* PRAGMA data_version */
	int			 batch;		/* in hubdb_batch */
	int			 lazy;		/* in hubdb_lazy */
	long long		 changes;	/* counted by hubdb_run */
	unsigned long long	 flushes;	/* commits flushed to disk */
	struct hubdb_stmt_cache	*stmts;		/* grows as needed */
	size_t			 nstmts;
	size_t			 maxstmts;
	char			*note;		/* what opening did */
};

/* The schema (hubdb_schema.c) */

/* Returns the newest schema version, the one this code uses. */
int		 hubdb_schema_latest(void);

/*
 * Returns the schema version of h's database: 1 for the first release's,
 * 0 when it is not a hub's database, -1 on failure.
 */
int		 hubdb_schema_version(struct hubdb *, struct bb_error *);

/* Makes the schema, the newest, in h's empty database.  0 or -1. */
int		 hubdb_schema_create(struct hubdb *, struct bb_error *);

/*
 * Brings h's database to the newest schema: refuses (EX_CONFIG) one that
 * is not a hub's or is newer than this code; copies an older one to
 * PATH.vN.bak and migrates it in one transaction, and then says so in
 * h->note.  Returns 0 or -1 (the database is then as it was).
 */
int		 hubdb_schema_upgrade(struct hubdb *, struct bb_error *);

/* Statements (hubdb.c) */

/*
 * Returns the cached statement for sql, reset, or NULL.  The cache is
 * keyed by the pointer: sql must be a string literal.
 */
sqlite3_stmt	*hubdb_stmt(struct hubdb *, const char *, struct bb_error *);

/*
 * Returns the cached statement for sql (a string literal) with its
 * parameters bound, one per letter of types: 'i' a long long, 't' a C
 * string or NULL, 'b' a blob (a pointer, then its size_t length), 's' a
 * text of a given length (the same).  The values are copied.  Returns
 * NULL on failure.
 */
sqlite3_stmt	*hubdb_stmtf(struct hubdb *, struct bb_error *, const char *,
		    const char *, ...);

/* As hubdb_stmtf, then runs the statement, which returns no row.  0 or -1. */
int		 hubdb_runf(struct hubdb *, struct bb_error *, const char *,
		    const char *, ...);

/* As hubdb_stmtf, then tells whether the query has a row: 1, 0 or -1. */
int		 hubdb_exists(struct hubdb *, struct bb_error *, const char *,
		    const char *, ...);

/* Steps a statement that returns no row, and resets it.  0 or -1. */
int		 hubdb_run(struct hubdb *, sqlite3_stmt *, struct bb_error *);

/*
 * Steps once: 1 with a row (the caller resets the statement when it is
 * done with the row), 0 without, -1 on failure.
 */
int		 hubdb_row(struct hubdb *, sqlite3_stmt *, struct bb_error *);

/* Runs the statements of sql, which return no rows.  0 or -1. */
int		 hubdb_exec(struct hubdb *, const char *, struct bb_error *);

/* Returns column i of the row as a C string, or NULL. */
const char	*hubdb_text(sqlite3_stmt *, int);

/* Transactions (hubdb.c) */

/*
 * Starts a change: a transaction of its own (BEGIN IMMEDIATE), or inside
 * a batch (hubdb_batch) a savepoint of the batch's transaction.
 */
int		 hubdb_begin(struct hubdb *, struct bb_error *);

/*
 * Ends a change: commits when rv is not -1, else rolls back.  Returns
 * rv, or -1 when the commit fails.
 */
int		 hubdb_end(struct hubdb *, int, struct bb_error *);

/* Resets every statement and rolls back the change under way. */
void		 hubdb_rollback(struct hubdb *);

/* Pipelines (hubdb_pipeline.c) */

/*
 * Inside a change: cancels the stages after job id that wait, saying that
 * job id was cancelled.  0 or -1.
 */
int		 hubdb_stage_stop_after(struct hubdb *, long long, long long,
		    struct bb_error *);

/* Rows as records (hubdb_show.c) */

/*
 * Makes r a record of type from the first ncols columns of st's row: a
 * key per column that is not NULL, named as the column; a column named
 * info holds a worker's info records, of which some are kept as
 * info.NAME keys.
 */
void		 hubdb_row_record(struct record *, const char *,
		    sqlite3_stmt *, int);

/* Calls fn with r; returns 0, or -1 (EX_IOERR "write") if fn fails. */
int		 hubdb_emit(int (*)(void *, const struct record *), void *,
		    const struct record *, struct bb_error *);

/* Calls fn with a record of type per row of st.  Returns 0 or -1. */
int		 hubdb_emit_rows(struct hubdb *, sqlite3_stmt *, const char *,
		    int (*)(void *, const struct record *), void *,
		    struct bb_error *);

/* Leases (hubdb_job.c); each inside a change (hubdb_begin) */

/*
 * Checks lease and worker against job id.  Puts the job's attempt in *n.
 * Returns HUB_OK, HUB_NOTFOUND, HUB_CANCELLED, HUB_STALE, HUB_FINISHED
 * (each with a message in err) or -1.
 */
int		 hubdb_check_lease(struct hubdb *, long long, const char *,
		    const char *, long long *, struct bb_error *);

/*
 * Moves the lease end of running job id to now + ttl, unless that would
 * move it by less than a tenth of ttl or RENEW_MIN_MS, whichever is less.
 * 0 or -1.
 */
#define RENEW_MIN_MS	1000
int		 hubdb_renew(struct hubdb *, long long, long long, long long,
		    struct bb_error *);

/*
 * Puts running job id back in the queue; its attempt ended now in the
 * way how ("expired", "declined", "removed").  0 or -1.
 */
int		 hubdb_requeue(struct hubdb *, long long, const char *,
		    long long, struct bb_error *);

/*
 * hubdb_check_lease for a call that ends the attempt in the way how
 * ("declined", "finished", "abandoned"), which leaves the lease over:
 * over is the set of answers that say so (HUBDB_OVER(HUB_STALE) |
 * HUBDB_OVER(HUB_FINISHED)).  When it is over because this worker ended
 * the attempt of this lease in that way already, the call is a repeat:
 * HUB_OK with *repeat set, *n that attempt's number and (when result is
 * not NULL, 16 bytes) its result.  Else as hubdb_check_lease, *repeat 0.
 */
#define HUBDB_OVER(rv)	(1U << (rv))
int		 hubdb_check_end(struct hubdb *, long long, const char *,
		    const char *, const char *how, unsigned int over,
		    char *result, long long *n, int *repeat, struct bb_error *);

#endif
