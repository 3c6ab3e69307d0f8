/*
 * Unit tests of lib/hub/hubstart.c, the set-up of bb-hub's server: the
 * listening address read, a certificate and key asked for https only,
 * and the connection limits with their defaults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "hubconn.h"
#include "hubsrv.h"
#include "tap.h"

static void
listen_ok(const char *spec, int want_tls, const char *want_host,
    const char *want_port)
{
	char host[64], port[16];
	struct bb_error err;
	int tls = -1;

	if (hubsrv_parse_listen(spec, &tls, host, sizeof(host), port,
	    sizeof(port), &err) == -1) {
		ok(0, "%s: %s", spec, err.msg);
		return;
	}
	ok(tls == want_tls && strcmp(host, want_host) == 0 &&
	    strcmp(port, want_port) == 0, "%s: %s %s %s", spec,
	    tls ? "https" : "http", host, port);
}

static void
listen_bad(const char *spec)
{
	char host[64], port[16];
	struct bb_error err;
	int tls;

	ok(hubsrv_parse_listen(spec, &tls, host, sizeof(host), port,
	    sizeof(port), &err) == -1 && err.code == EX_USAGE &&
	    strstr(err.msg, "expected [http://|https://]HOST:PORT") != NULL,
	    "refused: \"%s\"", spec);
}

int
main(void)
{
	struct hub_server *s;
	struct hub_conf conf;
	struct bb_error err;

	listen_ok("https://0.0.0.0:8443", 1, "0.0.0.0", "8443");
	listen_ok("127.0.0.1:8080", 1, "127.0.0.1", "8080");
	listen_ok("http://127.0.0.1:0", 0, "127.0.0.1", "0");
	listen_ok("http://[::1]:80", 0, "::1", "80");
	listen_ok("http://*:80", 0, "0.0.0.0", "80");
	listen_ok("https://:443", 1, "0.0.0.0", "443");
	listen_bad("localhost");
	listen_bad("http://h:");
	listen_bad("http://h:8o");
	listen_bad("http://[::1]80");
	listen_bad("http://a-host-name-longer-than-the-room-there-is-for-"
	    "it-in-the-test.example.org:80");

	is_int(hubsrv_reserve(0), 16, "reserve of no cap: 16");
	is_int(hubsrv_reserve(800), 116, "reserve: an eighth, and 16");

	if ((s = calloc(1, sizeof(*s))) == NULL)
		tap_bail("calloc");
	memset(&conf, 0, sizeof(conf));
	conf.listen = "https://0.0.0.0:8443";
	ok(hubsrv_load_tls(s, &conf, 1, &err) == -1 && err.code == EX_USAGE &&
	    strstr(err.msg, "https needs a certificate and a key") != NULL,
	    "https without a certificate: %s", err.msg);
	conf.listen = "http://0.0.0.0:80";
	conf.cert = "cert.pem";
	ok(hubsrv_load_tls(s, &conf, 0, &err) == -1 && err.code == EX_USAGE &&
	    strstr(err.msg, "are for https") != NULL,
	    "a certificate for http: %s", err.msg);
	conf.cert = NULL;
	ok(hubsrv_load_tls(s, &conf, 0, &err) == 0 && s->cert == NULL,
	    "http, nothing to read");
	conf.listen = "https://0.0.0.0:8443";
	conf.cert = "/nonexistent/cert.pem";
	conf.key = "/nonexistent/key.pem";
	ok(hubsrv_load_tls(s, &conf, 1, &err) == -1 &&
	    strstr(err.msg, "/nonexistent/cert.pem") != NULL,
	    "a certificate that is not there is named: %s", err.msg);

	s->conf.connections = 100;
	ok(hubsrv_limits(s, &err) == 0 && s->conns != NULL, "limits set");
	ok(s->conf.connections == 100 && s->conf.peraddr == HUBCONN_PERADDR &&
	    s->conf.headtime == HUBCONN_HEAD_MS, "the cap kept, the defaults "
	    "filled in (%u, %u, %lld)", s->conf.connections,
	    s->conf.peraddr, s->conf.headtime);
	hubconns_free(s->conns);
	free(s);
	{
		struct hub_conf c;

		hub_conf_defaults(&c);
		ok(strcmp(c.listen, "https://0.0.0.0:8443") == 0 &&
		    c.keepalive == 30000 && c.ttl == 3 * c.keepalive &&
		    c.maxwait == 60000 && c.attempts == 3 &&
		    c.connections == 10000 && c.peraddr == 0 && !c.public,
		    "serve's defaults, as bb-hub(8) gives them");
		ok(c.dir == NULL && c.cert == NULL && c.log == NULL,
		    "and nothing else set");
	}
	return tap_done();
}
