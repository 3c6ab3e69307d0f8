/* Unit tests of lib/worker/netopt.c. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "netopt.h"
#include "tap.h"

/* netopt_getopt: the command sees its own options only. */
static void
test_getopt(void)
{
	static const struct option table[] = {
		NETOPT_TLS, NETOPT_RETRY,
		{ "once",	no_argument,	NULL,	NETOPT_OWN },
		{ NULL, 0, NULL, 0 }
	};
	char *argv[] = { "cmd", "--maxdelay", "1m", "-b", "dir", "--once",
	    "--pin", "sha256//x=", "-q", "file", NULL };
	char *bad[] = { "cmd", "--maxretries", "x", "-b", "dir", NULL };
	struct bb_error err;
	struct netopt net;
	int argc = (int)nitems(argv) - 1;

	netopt_init(&net);
	optind = 0;
	opterr = 0;
	is_int(netopt_getopt(&net, argc, argv, "+b:", table, &err), 'b',
	    "netopt_getopt: -b, after --maxdelay taken");
	ok(net.maxdelay == 60 && strcmp(optarg, "dir") == 0,
	    "  --maxdelay 1m set, -b's value given");
	is_int(netopt_getopt(&net, argc, argv, "+b:", table, &err),
	    NETOPT_OWN, "  then the command's own --once");
	is_int(netopt_getopt(&net, argc, argv, "+b:", table, &err), '?',
	    "  --pin taken, then -q: not an option");
	ok(net.pin != NULL && strcmp(net.pin, "sha256//x=") == 0,
	    "  --pin set");
	is_int(netopt_getopt(&net, argc, argv, "+b:", table, &err), -1,
	    "  the end at the operand");
	is_str(argv[optind], "file", "  which optind names");
	netopt_free(&net);

	netopt_init(&net);
	optind = 0;
	is_int(netopt_getopt(&net, (int)nitems(bad) - 1, bad, "+b:", table,
	    &err), NETOPT_BAD, "a bad --maxretries: NETOPT_BAD");
	ok(err.code == EX_USAGE && strcmp(err.msg, "--maxretries x: invalid")
	    == 0, "  err names it: %s", err.msg);
	netopt_free(&net);
}

int
main(void)
{
	static const struct option table[] = {
		NETOPT_TLS, NETOPT_RETRY, { NULL, 0, NULL, 0 }
	};
	volatile sig_atomic_t stop = 0;
	struct bb_error err;
	struct netopt net;
	struct http_retry retry;
	struct http_opts ho;
	struct record sr;
	char cwd[PATH_MAX], want[PATH_MAX + 8];
	size_t i;

	/* The table: four options, each with its value, each its own. */
	for (i = 0; table[i].name != NULL; i++)
		ok(table[i].has_arg == required_argument &&
		    table[i].val >= NETOPT_CA && table[i].val < NETOPT_OWN,
		    "--%s takes a value", table[i].name);
	is_int(i, 4, "the table holds --ca, --pin, --maxdelay, --maxretries");

	netopt_init(&net);
	ok(net.maxdelay == 300 && net.maxretries == -1 && net.ca == NULL,
	    "net defaults");
	is_int(netopt_set(&net, 'b', "x", &err), 0, "another option is not "
	    "netopt's");
	is_int(netopt_set(&net, NETOPT_OWN, "x", &err), 0, "nor a "
	    "command's own long option");
	ok(netopt_set(&net, NETOPT_MAXDELAY, "2m", &err) == 1 &&
	    net.maxdelay == 120, "--maxdelay 2m");
	ok(netopt_set(&net, NETOPT_MAXDELAY, "0", &err) == -1 &&
	    err.code == EX_USAGE, "--maxdelay 0: %s", err.msg);
	is_str(err.msg, "--maxdelay duration \"0\" out of range (1s to "
	    "86400s)", "  names the option");
	ok(netopt_set(&net, NETOPT_MAXRETRIES, "3", &err) == 1 &&
	    net.maxretries == 3, "--maxretries 3");
	ok(netopt_set(&net, NETOPT_MAXRETRIES, "-1", &err) == -1 &&
	    err.code == EX_USAGE, "--maxretries -1: %s", err.msg);
	is_str(err.msg, "--maxretries -1: too small", "  names the option");
	ok(netopt_set(&net, NETOPT_PIN, "sha256//x=", &err) == 1 &&
	    strcmp(net.pin, "sha256//x=") == 0, "--pin");
	ok(netopt_check(&net, &err) == 0, "--pin sha256//x= checks");
	ok(netopt_set(&net, NETOPT_PIN, "md5//x", &err) == 1,
	    "--pin md5 is taken as it is");
	ok(netopt_check(&net, &err) == -1 && err.code == EX_USAGE,
	    "--pin md5 does not check");
	is_str(err.msg, "--pin md5//x: sha256//BASE64 expected",
	    "  names the option");
	net.pin = NULL;
	ok(netopt_set(&net, NETOPT_CA, "/", &err) == 1 &&
	    netopt_check(&net, &err) == 0 && strcmp(net.ca, "/") == 0,
	    "--ca /");
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		tap_bail("getcwd");
	(void)snprintf(want, sizeof(want), "%s", cwd);
	ok(netopt_set(&net, NETOPT_CA, ".", &err) == 1 &&
	    strcmp(net.ca, ".") == 0, "--ca . is taken as it is");
	ok(netopt_check(&net, &err) == 0 && strcmp(net.ca, want) == 0,
	    "--ca . checked: %s", net.ca);
	ok(netopt_set(&net, NETOPT_CA, "/nonexistent/ca.pem", &err) == 1,
	    "--ca of a missing file is taken");
	ok(netopt_check(&net, &err) == -1 && err.code == EX_CONFIG,
	    "--ca missing: %s", err.msg);
	is_str(err.msg, "--ca /nonexistent/ca.pem: No such file or directory",
	    "  names the option");

	netopt_retry(&net, 7, NULL, &retry);
	ok(retry.tries == 4 && retry.max_ms == 120000, "retry from options");
	net.maxretries = -1;
	netopt_retry(&net, 7, NULL, &retry);
	ok(retry.tries == 7, "retry default tries");
	netopt_free(&net);
	ok(net.ca == NULL && net.maxretries == -1, "netopt_free resets");

	record_init(&sr);
	(void)record_start(&sr, "session", &err);
	(void)record_set(&sr, "hub", "http://127.0.0.1:1", &err);
	(void)record_set(&sr, "ca", "/etc/bb/ca.pem", &err);
	(void)record_set(&sr, "pin", "sha256//AAAA", &err);
	netopt_http_session(&net, &sr, &stop, &ho);
	ok(ho.ca != NULL && strcmp(ho.ca, "/etc/bb/ca.pem") == 0 &&
	    ho.pin != NULL && strcmp(ho.pin, "sha256//AAAA") == 0 &&
	    ho.allow_http && ho.stop == &stop,
	    "netopt_http_session: the session's ca, pin, http");
	netopt_http_session(NULL, &sr, &stop, &ho);
	ok(ho.ca != NULL && strcmp(ho.ca, "/etc/bb/ca.pem") == 0,
	    "netopt_http_session: no options, the session's");
	(void)netopt_set(&net, NETOPT_CA, "/my/ca", &err);
	(void)netopt_set(&net, NETOPT_PIN, "sha256//BBBB", &err);
	netopt_http_session(&net, &sr, NULL, &ho);
	ok(strcmp(ho.ca, "/my/ca") == 0 &&
	    strcmp(ho.pin, "sha256//BBBB") == 0,
	    "netopt_http_session: a stage's own --ca and --pin win");
	(void)record_set(&sr, "hub", "https://h", &err);
	netopt_http_session(&net, &sr, NULL, &ho);
	ok(!ho.allow_http, "netopt_http_session: https hub, no plain http");
	netopt_http_session(&net, NULL, &stop, &ho);
	ok(!ho.allow_http && strcmp(ho.ca, "/my/ca") == 0 &&
	    ho.stop == &stop, "netopt_http_session: no session, no hub: "
	    "https only, the options' ca");
	netopt_http(&net, "HTTP://h", NULL, NULL, NULL, &ho);
	ok(ho.allow_http && strcmp(ho.pin, "sha256//BBBB") == 0,
	    "netopt_http: an http hub");
	record_free(&sr);
	netopt_free(&net);
	test_getopt();
	return tap_done();
}
