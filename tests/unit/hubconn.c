/*
 * Unit tests of lib/hub/hubconn.c, the hub's connection limits: untrusted
 * connections counted per address (IPv6 by its /64), trusted ones not;
 * refusals over the per-address limit and over the cap; the room for
 * connections to be answered; deadlines by phase; what the log is told.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubconn.h"
#include "tap.h"

static struct hubconns *
conns(unsigned int cap, unsigned int reserve, unsigned int peraddr)
{
	struct hubconns_conf c;

	memset(&c, 0, sizeof(c));
	c.cap = cap;
	c.reserve = reserve;
	c.peraddr = peraddr;
	c.head_ms = 1000;
	c.over_ms = 100;
	c.body_ms = 5000;
	return hubconns_new(&c);
}

static struct hubconn *
open4(struct hubconns *cs, const char *a, int fd, long long now)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	(void)inet_pton(AF_INET, a, &sin.sin_addr);
	return hubconns_open(cs, (struct sockaddr *)&sin, sizeof(sin), fd,
	    now);
}

static struct hubconn *
open6(struct hubconns *cs, const char *a, int fd, long long now)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	(void)inet_pton(AF_INET6, a, &sin6.sin6_addr);
	return hubconns_open(cs, (struct sockaddr *)&sin6, sizeof(sin6), fd,
	    now);
}

static int dropped[16];
static size_t ndropped;

static void
drop(void *arg, int fd)
{
	(void)arg;
	if (ndropped < sizeof(dropped) / sizeof(dropped[0]))
		dropped[ndropped++] = fd;
}

static void
test_peraddr(void)
{
	struct hubconns *cs = conns(100, 10, 3);
	struct hubconns_news n;
	struct hubconn *c[5], *other;
	int i;

	for (i = 0; i < 3; i++)
		c[i] = open4(cs, "192.0.2.7", 10 + i, 0);
	ok(c[0] != NULL && c[2] != NULL, "three connections from one address");
	is_str(hubconn_addr(c[0]), "192.0.2.7", "named by the address");
	ok(!hubconns_over(cs, c[0]) && !hubconns_over(cs, c[2]),
	    "at the limit: served");
	c[3] = open4(cs, "192.0.2.7", 13, 0);
	ok(hubconns_over(cs, c[3]), "one more: refused");
	ok(hubconns_over(cs, c[0]), "and so is every request without "
	    "credentials from there");
	other = open4(cs, "192.0.2.8", 20, 0);
	ok(!hubconns_over(cs, other), "another address is served");
	hubconns_trust(cs, c[1]);
	ok(!hubconns_over(cs, c[1]), "a trusted connection is served");
	ok(!hubconns_over(cs, c[3]), "and counts no longer: the others are "
	    "served again");
	hubconns_trust(cs, c[1]);
	c[4] = open4(cs, "192.0.2.7", 14, 0);
	ok(hubconns_over(cs, c[4]), "trusting twice counts once");
	hubconns_close(cs, c[4]);
	for (i = 0; i < 4; i++)
		hubconns_trust(cs, c[i]);
	for (i = 0; i < 20; i++)
		(void)open4(cs, "192.0.2.7", 100 + i, 0);
	is_int(hubconns_count(cs), 25, "trusted connections are bounded only "
	    "by the cap: 4 trusted and 20 new from one address are open");
	i = hubconns_news(cs, &n);
	ok(i && n.refused == 3 && strcmp(n.addr, "192.0.2.7") == 0 &&
	    n.addr_open == 4 && n.open == 25, "the news: %llu refused, the "
	    "last from %s with %u open, %u in all", n.refused, n.addr,
	    n.addr_open, n.open);
	ok(!hubconns_news(cs, &n) && n.refused == 0, "told once");
	hubconns_free(cs);
}

static void
test_cap(void)
{
	struct hubconns *cs = conns(3, 2, 10);
	struct hubconns_news n;
	struct hubconn *c[6];
	char a[32];
	int i;

	for (i = 0; i < 3; i++) {
		(void)snprintf(a, sizeof(a), "198.51.100.%d", i + 1);
		c[i] = open4(cs, a, i, 0);
	}
	ok(hubconns_room(cs) && !hubconns_over(cs, c[2]),
	    "at the cap: served, and room for more");
	c[3] = open4(cs, "198.51.100.9", 3, 0);
	ok(hubconns_over(cs, c[3]), "over the cap: refused, from any address");
	ok(hubconns_over(cs, c[0]), "every request without credentials is");
	hubconns_trust(cs, c[3]);
	ok(!hubconns_over(cs, c[3]), "but one with credentials is served");
	c[4] = open4(cs, "198.51.100.10", 4, 0);
	ok(!hubconns_room(cs), "cap + reserve: no room, the next is shed");
	hubconns_shed(cs);
	hubconns_close(cs, c[4]);
	ok(hubconns_room(cs), "room again when one closes");
	ok(hubconns_news(cs, &n) && n.shed == 1 && n.refused == 2,
	    "the news counts the shed one");
	hubconns_free(cs);
}

static void
test_ipv6(void)
{
	struct hubconns *cs = conns(100, 10, 2);
	struct hubconn *a, *b, *c, *m;

	a = open6(cs, "2001:db8:1:2::1", 1, 0);
	b = open6(cs, "2001:db8:1:2:ffff::7", 2, 0);
	is_str(hubconn_addr(a), "2001:db8:1:2::/64", "IPv6: named by its /64");
	c = open6(cs, "2001:db8:1:2:abcd::1", 3, 0);
	ok(hubconns_over(cs, c) && hubconns_over(cs, b),
	    "three from one /64 are over a limit of two");
	m = open6(cs, "2001:db8:1:3::1", 4, 0);
	ok(!hubconns_over(cs, m), "another /64 is served");
	hubconns_close(cs, m);
	m = open6(cs, "::ffff:192.0.2.1", 5, 0);
	is_str(hubconn_addr(m), "192.0.2.1", "an IPv4-mapped address is the "
	    "IPv4 one");
	ok(open4(cs, "192.0.2.1", 6, 0) != NULL &&
	    open4(cs, "192.0.2.1", 7, 0) != NULL && hubconns_over(cs, m),
	    "and counts with it");
	ok(hubconns_open(cs, NULL, 0, 8, 0) != NULL, "no address: counted "
	    "as one \"unknown\"");
	(void)a;
	hubconns_free(cs);
}

static void
test_deadlines(void)
{
	struct hubconns *cs = conns(100, 10, 1);
	struct hubconn *a, *b;

	a = open4(cs, "203.0.113.1", 7, 0);
	b = open4(cs, "203.0.113.1", 8, 0);
	ndropped = 0;
	is_int(hubconns_sweep(cs, 99, drop, NULL), 0, "no deadline passed");
	is_int(hubconns_sweep(cs, 100, drop, NULL), 1,
	    "one over the limit has the short deadline (100 ms)");
	is_int(dropped[0], 8, "its socket is named");
	is_int(hubconns_sweep(cs, 999, drop, NULL), 0, "once");
	is_int(hubconns_sweep(cs, 1000, drop, NULL), 1,
	    "the head deadline (1 s from the start)");
	hubconns_close(cs, b);
	hubconns_phase(cs, a, HUBCONN_HEAD, 2000);
	hubconns_phase(cs, a, HUBCONN_BODY, 2500);
	is_int(hubconns_sweep(cs, 7499, drop, NULL), 0,
	    "a body of records: 5 s from its head");
	hubconns_phase(cs, a, HUBCONN_BUSY, 0);
	is_int(hubconns_sweep(cs, 1000000, drop, NULL), 0,
	    "the hub's turn: no deadline");
	hubconns_phase(cs, a, HUBCONN_HEAD, 3000);
	is_int(hubconns_sweep(cs, 3999, drop, NULL) +
	    hubconns_sweep(cs, 4000, drop, NULL), 1,
	    "after an answer, the next head has 1 s");
	hubconns_phase(cs, NULL, HUBCONN_HEAD, 0);
	hubconns_close(cs, NULL);
	hubconns_trust(cs, NULL);
	ok(!hubconns_over(cs, NULL), "an uncounted connection (NULL) is "
	    "served");
	hubconns_free(cs);
}

int
main(void)
{
	test_peraddr();
	test_cap();
	test_ipv6();
	test_deadlines();
	return tap_done();
}
