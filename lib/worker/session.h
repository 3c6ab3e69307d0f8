/*
 * A worker's session with its hub (bb-protocol(7)): the hello that a
 * worker says with its name and secret, and the session record that
 * bb-connect(1) prints and the later stages read:
 *
 *	session hub=URL worker=NAME token=TOKEN keepalive=30 ttl=90
 *	    wait=60 slots=2 caps=linux,x86_64,... [ca=PATH] [pin=PIN]
 *
 * with any other key the hub answered (max_batch, max_artifact).  The
 * record carries the token: it stays inside the pipe and BASEDIR.
 */
#ifndef BB_SESSION_H
#define BB_SESSION_H

#include <signal.h>
#include <stddef.h>

#include "buf.h"
#include "caps.h"
#include "error.h"
#include "http.h"
#include "netopt.h"
#include "probe.h"
#include "record.h"

#define SESSION_SECRETMAX	1024	/* longest worker secret */
#define SESSION_TOKENMAX	1024	/* longest session token */
#define SESSION_NAMEMAX		64	/* longest worker name */
#define SESSION_INFOMAX		4096	/* longest BASEDIR/info/ file */
#define SESSION_HELLOMAX	65536	/* longest hello body */
#define SESSION_SLOTSMAX	1000

/* The settings of a session that bb-connect adds to the hub's answer. */
struct session_opts {
	const char	*hub;		/* normalised base URL */
	const char	*name;		/* the worker's name */
	long long	 slots;
	const struct caps *caps;
	const char	*ca;		/* absolute path, or NULL */
	const char	*pin;		/* or NULL */
	long long	 keepalive;	/* seconds, the most the worker waits
					   between reports; 0: the hub's */
};

/* A session record, read (session_parse). */
struct session {
	char		*hub;
	char		*worker;	/* NULL if the record has none */
	char		*token;		/* wiped by session_free */
	char		*caps;		/* comma-separated, or NULL */
	char		*ca;		/* or NULL */
	char		*pin;		/* or NULL */
	long long	 keepalive;	/* -1 when absent, as the next three */
	long long	 ttl;
	long long	 wait;
	long long	 slots;
};

/* Returns 1 if s can be a worker's name (bb-hub(8) add-worker), else 0. */
int	session_valid_name(const char *);

/*
 * Checks a worker secret (1 to SESSION_SECRETMAX bytes, no control byte)
 * without repeating it.  Returns 0, or -1 (EX_DATAERR).
 */
int	session_check_secret(const char *, size_t, struct bb_error *);

/*
 * Reads a secret from fd up to its end (a pipe, or a file that is not
 * readable by group or others, else EX_NOPERM), drops one trailing
 * newline and checks it.  *out is the caller's to buf_freezero.
 * Returns 0 or -1.
 */
int	session_secret_fd(int, struct buf **, struct bb_error *);

/*
 * Reads the secret in the environment variable var into *out, then
 * removes the variable from the environment and wipes its NAME=value
 * string in place (so no child and no /proc/PID/environ reader sees it).
 * Returns 1 when the variable was set, 0 when it was not, -1 when its
 * value is not a usable secret.
 */
int	session_secret_env(const char *, struct buf **, struct bb_error *);

/*
 * Appends the hello record (version, os, arch, slots, caps) to body.
 * Returns 0 or -1.
 */
int	session_hello_body(struct buf *, const char *os, const char *arch,
	    long long slots, const struct caps *, struct bb_error *);

/*
 * Appends an info record for each of the files admin, host and
 * access_uri of basedir/info/ that exists and is not empty, its text
 * with leading and trailing white space removed.  A missing directory
 * or file is skipped.  Returns 0, or -1 (EX_CONFIG: unreadable, or over
 * SESSION_INFOMAX bytes; the message names the file).
 */
int	session_hello_info(struct buf *, const char *basedir,
	    struct bb_error *);

/* Appends a tool record (name, version, path). Returns 0 or -1. */
int	session_hello_tool(struct buf *, const struct probe *,
	    struct bb_error *);

/*
 * Makes the session record that bb-connect prints from the hub's answer
 * to hello: hub first, then the answer's keys, then slots, caps, ca and
 * pin from o; its keepalive is o's when that is shorter.  The answer must be a session record with a token and
 * keepalive, ttl and wait in range, else EX_PROTOCOL (the message never
 * holds the token).  Returns 0 or -1.
 */
int	session_make(const struct record *answer, const struct session_opts *,
	    struct record *out, struct bb_error *);

/*
 * Reads a session record into s (strings copied).  Returns 0, or -1
 * with EX_DATAERR naming the missing or bad key.
 */
int	session_parse(const struct record *, struct session *,
	    struct bb_error *);

/* Frees what s holds and wipes its token (s may be empty). */
void	session_free(struct session *);


/*
 * Says hello to the hub of c as name with secret and body (the hello
 * records), trying again on transient failures as r says.  Puts the
 * hub's session record into answer.  Returns 0, or -1 with err set as
 * http_do_retry does (EX_NOPERM: the name or secret was refused) or
 * EX_PROTOCOL for an answer that is not one session record.
 */
int	session_hello(struct http_client *, const char *name,
	    const char *secret, const struct buf *body, struct http_retry *,
	    struct record *answer, struct bb_error *);

/*
 * Returns a new client for the session's hub, with its CA and pin (or
 * the --ca and --pin of n, which may be NULL) and token, whose transfers
 * end when *stop is set (stop may be NULL).  A plain http hub is
 * allowed: bb-connect(1) allowed it.  NULL with err set on failure.
 */
struct http_client	*session_client(const struct session *,
			    const struct netopt *, volatile sig_atomic_t *stop,
			    struct bb_error *);

#endif
