/*
 * What the files of the hub's pages share and nothing else includes:
 *
 *	hubpage.c	escaping, times, the frame of a page, the status page
 *	hubpage_job.c	a job's page and the live part its script fetches
 *
 * The appending helpers ignore a full buffer: the page's last append
 * (hubpage_foot) says whether it all fit.
 */
#ifndef BB_HUBPAGE_IMPL_H
#define BB_HUBPAGE_IMPL_H

#include "buf.h"
#include "record.h"

/* Appends s (NULL: nothing) escaped as hubpage_escape does. */
void	hubpage_esc(struct buf *, const char *);

/* Returns the value of key in r, or "" when r has none. */
const char	*hubpage_get(const struct record *, const char *);

/*
 * Appends the start of a page up to its <body>: title, the style sheet
 * and script at base ("" or "../"), and on <body> the page's kind and
 * the hub's time now (Unix seconds), which the script keeps time by.
 * refresh: the page reloads itself every 10 s where scripts do not run.
 */
void	hubpage_head(struct buf *, const char *, const char *, const char *,
	    long long, int);

/* Ends a page.  Returns 0, or -1 when b could not hold it all. */
int	hubpage_foot(struct buf *, const char *);

/* Appends secs as a duration, "42s", "3m 05s", "2h 07m" or "3d 4h". */
void	hubpage_dur(struct buf *, long long);

/* Appends seconds (a decimal string) as "0.4s", "7.0s" or as hubpage_dur. */
void	hubpage_secs(struct buf *, const char *);

/* Appends a size in bytes (a decimal string) as "1.4MiB". */
void	hubpage_size(struct buf *, const char *);

/*
 * Appends a <time> element for the Unix time secs (a decimal string,
 * may have a fraction): "3m 05s ago" as of now, or with since the time
 * gone by since then ("3m 05s"), which the script keeps counting; the
 * UTC date as its title.  Nothing when secs is not a time.
 */
void	hubpage_ago(struct buf *, long long, const char *, int);

/* Appends a badge that shows state (queued, running, success, ...). */
void	hubpage_badge(struct buf *, const char *);

/* Opens a table with the given column heads, separated by '|'. */
void	hubpage_table(struct buf *, const char *);

/*
 * Opens a cell labelled label (its column's head, which phones show
 * beside it), of class class if not NULL.
 */
void	hubpage_td(struct buf *, const char *, const char *);

/* Calls fn with each record of the encoded lines in b, in order. */
int	hubpage_each(const struct buf *,
	    int (*)(void *, const struct record *), void *);

#endif
