#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/tree.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "hubconn.h"

/* The connections of one address (an IPv6 one by its /64). */
struct addr {
	RB_ENTRY(addr)	 entry;
	unsigned char	 key[16];
	unsigned int	 open;		/* all */
	unsigned int	 untrusted;
	char		 name[HUBCONN_ADDRLEN];
};

struct hubconn {
	TAILQ_ENTRY(hubconn)	 entry;
	struct addr		*addr;
	int			 fd;
	int			 trusted;
	int			 over;		/* it came over a limit */
	long long		 deadline;	/* 0: none */
};

static int
addr_cmp(struct addr *a, struct addr *b)
{
	return memcmp(a->key, b->key, sizeof(a->key));
}

RB_HEAD(addrs, addr);
RB_GENERATE_STATIC(addrs, addr, entry, addr_cmp)

TAILQ_HEAD(conns, hubconn);

struct hubconns {
	struct hubconns_conf	 conf;
	struct addrs		 addrs;
	struct conns		 conns;
	unsigned int		 n;
	struct hubconns_news	 news;
	struct hubconns_news	 total;	/* up to the last hubconns_news */
};

struct hubconns *
hubconns_new(const struct hubconns_conf *conf)
{
	struct hubconns *cs;

	if ((cs = calloc(1, sizeof(*cs))) == NULL)
		return NULL;
	cs->conf = *conf;
	RB_INIT(&cs->addrs);
	TAILQ_INIT(&cs->conns);
	return cs;
}

void
hubconns_free(struct hubconns *cs)
{
	struct hubconn *c;

	if (cs == NULL)
		return;
	while ((c = TAILQ_FIRST(&cs->conns)) != NULL)
		hubconns_close(cs, c);
	free(cs);
}

int
hubconns_room(const struct hubconns *cs)
{
	return cs->n < cs->conf.cap + cs->conf.reserve;
}

void
hubconns_shed(struct hubconns *cs)
{
	cs->news.shed++;
}

/* Puts the key and the name of sa in a. */
static void
addr_key(const struct sockaddr *sa, socklen_t len, struct addr *a)
{
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	struct in6_addr net;
	char b[INET6_ADDRSTRLEN];

	memset(a->key, 0, sizeof(a->key));
	(void)strlcpy(a->name, "unknown", sizeof(a->name));
	if (sa != NULL && sa->sa_family == AF_INET &&
	    len >= (socklen_t)sizeof(*sin)) {
		sin = (const struct sockaddr_in *)sa;
		a->key[10] = a->key[11] = 0xff;
		memcpy(a->key + 12, &sin->sin_addr, 4);
	} else if (sa != NULL && sa->sa_family == AF_INET6 &&
	    len >= (socklen_t)sizeof(*sin6)) {
		sin6 = (const struct sockaddr_in6 *)sa;
		memcpy(a->key, &sin6->sin6_addr, 16);
		/* One site has a whole /64; an IPv4 one, mapped, stays. */
		if (!IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			memset(a->key + 8, 0, 8);
			memcpy(&net, a->key, sizeof(net));
			if (inet_ntop(AF_INET6, &net, b, sizeof(b)) != NULL)
				(void)snprintf(a->name, sizeof(a->name),
				    "%s/64", b);
			return;
		}
	} else
		return;
	if (inet_ntop(AF_INET, a->key + 12, b, sizeof(b)) != NULL)
		(void)strlcpy(a->name, b, sizeof(a->name));
}

static long long
deadline(const struct hubconns *cs, const struct hubconn *c,
    enum hubconn_phase phase, long long now)
{
	switch (phase) {
	case HUBCONN_HEAD:
		return now + (c->over && !c->trusted ? cs->conf.over_ms :
		    cs->conf.head_ms);
	case HUBCONN_BODY:
		return now + cs->conf.body_ms;
	case HUBCONN_BUSY:
		break;
	}
	return 0;
}

struct hubconn *
hubconns_open(struct hubconns *cs, const struct sockaddr *sa, socklen_t len,
    int fd, long long now)
{
	struct hubconn *c;
	struct addr key, *a;

	addr_key(sa, len, &key);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((a = RB_FIND(addrs, &cs->addrs, &key)) == NULL) {
		if ((a = calloc(1, sizeof(*a))) == NULL) {
			free(c);
			return NULL;
		}
		memcpy(a->key, key.key, sizeof(a->key));
		memcpy(a->name, key.name, sizeof(a->name));
		RB_INSERT(addrs, &cs->addrs, a);
	}
	c->addr = a;
	c->fd = fd;
	c->over = a->untrusted >= cs->conf.peraddr || cs->n >= cs->conf.cap;
	a->open++;
	a->untrusted++;
	cs->n++;
	c->deadline = deadline(cs, c, HUBCONN_HEAD, now);
	TAILQ_INSERT_TAIL(&cs->conns, c, entry);
	return c;
}

void
hubconns_close(struct hubconns *cs, struct hubconn *c)
{
	struct addr *a;

	if (c == NULL)
		return;
	a = c->addr;
	if (!c->trusted)
		a->untrusted--;
	if (--a->open == 0) {
		RB_REMOVE(addrs, &cs->addrs, a);
		free(a);
	}
	cs->n--;
	TAILQ_REMOVE(&cs->conns, c, entry);
	free(c);
}

void
hubconns_trust(struct hubconns *cs, struct hubconn *c)
{
	(void)cs;
	if (c == NULL || c->trusted)
		return;
	c->trusted = 1;
	c->addr->untrusted--;
}

int
hubconns_over(struct hubconns *cs, struct hubconn *c)
{
	if (c == NULL || c->trusted)
		return 0;
	if (c->addr->untrusted <= cs->conf.peraddr && cs->n <= cs->conf.cap)
		return 0;
	cs->news.refused++;
	(void)strlcpy(cs->news.addr, c->addr->name, sizeof(cs->news.addr));
	cs->news.addr_open = c->addr->untrusted;
	/* Its connection closes after the answer, or soon. */
	c->over = 1;
	return 1;
}

void
hubconns_phase(struct hubconns *cs, struct hubconn *c,
    enum hubconn_phase phase, long long now)
{
	if (c != NULL)
		c->deadline = deadline(cs, c, phase, now);
}

size_t
hubconns_sweep(struct hubconns *cs, long long now, void (*drop)(void *, int),
    void *arg)
{
	struct hubconn *c;
	size_t n = 0;

	TAILQ_FOREACH(c, &cs->conns, entry) {
		if (c->deadline == 0 || c->deadline > now)
			continue;
		c->deadline = 0;
		drop(arg, c->fd);
		n++;
	}
	cs->news.dropped += n;
	return n;
}

const char *
hubconn_addr(const struct hubconn *c)
{
	return c != NULL ? c->addr->name : "unknown";
}

int
hubconns_news(struct hubconns *cs, struct hubconns_news *news)
{
	*news = cs->news;
	news->open = cs->n;
	cs->total.refused += cs->news.refused;
	cs->total.shed += cs->news.shed;
	cs->total.dropped += cs->news.dropped;
	memset(&cs->news, 0, sizeof(cs->news));
	return news->refused > 0 || news->shed > 0 || news->dropped > 0;
}

void
hubconns_totals(const struct hubconns *cs, struct hubconns_news *t)
{
	memset(t, 0, sizeof(*t));
	t->refused = cs->total.refused + cs->news.refused;
	t->shed = cs->total.shed + cs->news.shed;
	t->dropped = cs->total.dropped + cs->news.dropped;
	t->open = cs->n;
}

unsigned int
hubconns_count(const struct hubconns *cs)
{
	return cs->n;
}
