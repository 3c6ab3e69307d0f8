/*
 * What bb-hub's server does before it serves (lib/hub/hubsrv.h): its
 * listening address read, the certificate and key of an https address,
 * the connection limits set within what RLIMIT_NOFILE allows, and the
 * URL it listens on written for those who start it (serve -w); and
 * the settings a hub has when bb-hub serve is given none.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "file.h"
#include "hubconn.h"
#include "hubdb.h"
#include "hublisten.h"
#include "hubsrv.h"

int
hubsrv_parse_listen(const char *spec, int *tls, char *host, size_t hostlen,
    char *port, size_t portlen, struct bb_error *err)
{
	const char *p = spec, *colon;
	size_t n;

	*tls = 1;
	if (strncmp(p, "http://", 7) == 0) {
		*tls = 0;
		p += 7;
	} else if (strncmp(p, "https://", 8) == 0)
		p += 8;
	if (*p == '[') {
		if ((colon = strchr(p, ']')) == NULL || colon[1] != ':')
			goto bad;
		n = (size_t)(colon - p - 1);
		p++;
		colon++;
	} else {
		if ((colon = strrchr(p, ':')) == NULL)
			goto bad;
		n = (size_t)(colon - p);
	}
	if (n >= hostlen || strlen(colon + 1) >= portlen ||
	    colon[1] == '\0')
		goto bad;
	memcpy(host, p, n);
	host[n] = '\0';
	(void)strlcpy(port, colon + 1, portlen);
	if (port[strspn(port, "0123456789")] != '\0')
		goto bad;
	if (host[0] == '\0' || strcmp(host, "*") == 0)
		(void)strlcpy(host, "0.0.0.0", hostlen);
	return 0;
bad:
	bb_error_set(err, EX_USAGE, "bad listen address \"%s\": expected "
	    "[http://|https://]HOST:PORT", spec);
	return -1;
}

static unsigned int
raise_nofile(unsigned int want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return want > 900 ? 900 : want;
	if (rl.rlim_cur < (rlim_t)want + 64) {
		rl.rlim_cur = (rlim_t)want + 64;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want + 64)
		want = rl.rlim_cur > 128 ? (unsigned int)rl.rlim_cur - 64 : 64;
	return want;
}

unsigned int
hubsrv_reserve(unsigned int cap)
{
	return cap / 8 + 16;
}

int
hubsrv_limits(struct hub_server *s, struct bb_error *err)
{
	struct hubconns_conf cc;
	unsigned int cap = s->conf.connections, want, have;

	want = cap + hubsrv_reserve(cap) + HUBLISTEN_LINGER;
	if ((have = raise_nofile(want)) < want) {
		have = have > HUBLISTEN_LINGER + 32 ? have - HUBLISTEN_LINGER :
		    32;
		cap = (have - 16) * 8 / 9;
		if (cap < 16)
			cap = 16;
	}
	s->conf.connections = cap;
	if (s->conf.peraddr == 0)
		s->conf.peraddr = HUBCONN_PERADDR;
	if (s->conf.headtime <= 0)
		s->conf.headtime = HUBCONN_HEAD_MS;
	memset(&cc, 0, sizeof(cc));
	cc.cap = cap;
	cc.reserve = hubsrv_reserve(cap);
	cc.peraddr = s->conf.peraddr;
	cc.head_ms = s->conf.headtime;
	cc.over_ms = HUBCONN_OVER_MS < cc.head_ms ? HUBCONN_OVER_MS :
	    cc.head_ms;
	cc.body_ms = HUBCONN_BODY_MS;
	if ((s->conns = hubconns_new(&cc)) == NULL) {
		bb_error_errno(err, EX_OSERR, "hub");
		return -1;
	}
	return 0;
}

int
hubsrv_load_tls(struct hub_server *s, const struct hub_conf *conf, int tls,
    struct bb_error *err)
{
	if (tls && (conf->cert == NULL || conf->key == NULL)) {
		bb_error_set(err, EX_USAGE, "%s: https needs a certificate "
		    "and a key (or listen on http:// explicitly)",
		    conf->listen);
		return -1;
	}
	if (!tls && (conf->cert != NULL || conf->key != NULL)) {
		bb_error_set(err, EX_USAGE, "%s: a certificate and a key are "
		    "for https", conf->listen ? conf->listen : "no address");
		return -1;
	}
	if (tls && (file_read(AT_FDCWD, conf->cert, 1024 * 1024, &s->cert,
	    err) == -1 || file_read_secret(AT_FDCWD, conf->key, 1024 * 1024,
	    &s->key, err) == -1))
		return -1;
	return 0;
}

int
hubsrv_write_url(struct hub_server *s, const struct addrinfo *ai, const char *host,
    int tls, struct bb_error *err)
{
	char line[sizeof(s->url) + 1];
	int n;

	(void)snprintf(s->url, sizeof(s->url), "%s://%s%s%s:%u", tls ?
	    "https" : "http", ai->ai_family == AF_INET6 ? "[" : "", host,
	    ai->ai_family == AF_INET6 ? "]" : "", hublisten_port(s->listen));
	if (s->conf.addr_file == NULL)
		return 0;
	n = snprintf(line, sizeof(line), "%s\n", s->url);
	return file_write_atomic(AT_FDCWD, s->conf.addr_file, line,
	    (size_t)n, 0644, err);
}

void
hub_conf_defaults(struct hub_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->listen = "https://0.0.0.0:8443";
	c->keepalive = 30 * 1000;
	c->ttl = 3 * c->keepalive;
	c->maxwait = 60 * 1000;
	c->attempts = 3;
	c->connections = 10000;
	c->keep_builds = HUBDB_KEEP_BUILDS;
	c->keep_days = HUBDB_KEEP_DAYS;
}
