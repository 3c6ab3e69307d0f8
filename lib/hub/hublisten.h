/*
 * The hub's listening socket.  The hub accepts connections itself and
 * hands them to libmicrohttpd (MHD_add_connection), so that it never
 * stops accepting: libmicrohttpd, at its connection limit, leaves new
 * clients waiting in the backlog without a word.  A connection the hub
 * cannot take (lib/hub/hubconn.h: more than cap + reserve are open) is
 * shed at once: over plain HTTP it gets a 503 with Retry-After, written
 * as it comes, and is closed after a moment (its request read and
 * dropped, so that the close does not reset the answer away); over TLS
 * it is closed.  Either way the log says so, once a second at most.
 */
#ifndef BB_HUBLISTEN_H
#define BB_HUBLISTEN_H

#include <netdb.h>

#include "error.h"

#define HUBLISTEN_BACKLOG	4096
#define HUBLISTEN_BATCH		256	/* accepted in one turn at most */
#define HUBLISTEN_LINGER	64	/* shed connections read and dropped */
#define HUBLISTEN_LINGER_MS	1000

struct hub_server;
struct hublisten;

/*
 * Listens on ai (tls: the connections speak TLS); name is the address
 * for messages.  Returns the listener, or NULL with err set.
 */
struct hublisten	*hublisten_open(const struct addrinfo *, int,
			    const char *, struct bb_error *);

/*
 * Returns the socket to poll for connections waiting at now, or -1
 * while accepting is paused (and lowers *wait, ms, to the pause's end).
 */
int	hublisten_fd(const struct hublisten *, long long, long long *);

/* Returns the port listened on, or 0. */
unsigned int	hublisten_port(const struct hublisten *);

/*
 * Accepts the connections waiting (at most HUBLISTEN_BATCH): each goes
 * to s's libmicrohttpd if s->conns has room, or is shed.  Returns 1 if
 * more may be waiting, else 0.
 */
int	hublisten_accept(struct hublisten *, struct hub_server *, long long);

/* Reads and closes the shed connections, done or out of time at now. */
void	hublisten_linger(struct hublisten *, long long);

/* Stops listening and closes every shed connection (NULL is fine). */
void	hublisten_close(struct hublisten *);

#endif
