/* Unit tests of lib/worker/probe.c. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"
#include "tap.h"

static char dir[] = "/tmp/bb-probe.XXXXXX";

static void
tool(const char *name, const char *body)
{
	char path[512];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		exit(2);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
}

static int
version(const char *out, const char *want)
{
	char v[PROBE_VERSIONMAX + 1], desc[256], *nl;
	int r = probe_version(out, strlen(out), v, sizeof(v));

	(void)snprintf(desc, sizeof(desc), "%s", out);
	while ((nl = strchr(desc, '\n')) != NULL)
		*nl = '|';

	if (want == NULL) {
		tap_ok(r == -1, "no version in \"%s\"", desc);
		return 0;
	}
	tap_ok(r == 0 && strcmp(v, want) == 0, "\"%s\" is %s", desc, want);
	if (r == 0 && strcmp(v, want) != 0)
		printf("#   got %s\n", v);
	return 0;
}

int
main(void)
{
	struct bb_error err;
	struct probe p;
	struct timespec t0, t1;
	char cmd[600];
	double secs;

	ok(probe_parse("cc", &p, &err) == 0 && strcmp(p.opt, "--version") ==
	    0, "cc: --version");
	ok(probe_parse("go", &p, &err) == 0 && strcmp(p.opt, "version") == 0,
	    "go: version");
	ok(probe_parse("java", &p, &err) == 0 &&
	    strcmp(p.opt, "-version") == 0, "java: -version");
	ok(probe_parse("foo:-V", &p, &err) == 0 && strcmp(p.name, "foo") ==
	    0 && strcmp(p.opt, "-V") == 0, "foo:-V");
	ok(probe_parse("../bin/sh", &p, &err) == -1 && err.code == EX_USAGE,
	    "a path is refused: %s", err.msg);
	ok(probe_parse("", &p, &err) == -1, "an empty name is refused");
	ok(probe_parse("a:b c", &p, &err) == -1, "a space is refused");
	ok(probe_parse("a:", &p, &err) == -1, "an empty option is refused");
	ok(probe_parse("a:;rm", &p, &err) == -1, "a ; is refused");

	version("cc (Debian 12.2.0-14) 12.2.0\nCopyright (C) 2022", "12.2.0");
	version("GNU Make 4.3\nBuilt for x86_64-pc-linux-gnu", "4.3");
	version("\nThis is perl 5, version 36, subversion 0 (v5.36.0) built "
	    "for x86_64-linux-gnu-thread-multi", "5.36.0");
	version("GNU bash, version 5.2.15(1)-release (x86_64-pc-linux-gnu)",
	    "5.2.15");
	version("go version go1.19.8 linux/amd64", "1.19.8");
	version("openjdk version \"17.0.8\" 2023-07-18", "17.0.8");
	version("*** Zstandard CLI (64-bit) v1.5.4, by Yann Collet ***",
	    "1.5.4");
	version("curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 "
	    "OpenSSL/3.0.11 zlib/1.2.13", "7.88.1");
	version("Python 3.11.2", "3.11.2");
	version("sh: 0: Illegal option --", NULL);
	version("version 2023-07-18 x86_64", NULL);
	version("", NULL);

	if (mkdtemp(dir) == NULL)
		return 2;
	tool("good", "echo \"good tool 1.2.3 ($*)\"");
	tool("stderr", "echo \"stderr 4.5\" >&2");
	tool("reader", "read x; echo \"reader 1.0 [$x]\"");
	tool("hang", "exec /bin/sleep 60");
	tool("bg", "/bin/sleep 60.123 & echo bg 2.0");
	tool("env", "[ -z \"$BB_SECRET$HOME\" ] && echo env 1.0 ||\n"
	    "echo env 9.9");
	tool("noversion", "echo no version here");
	ok(probe_parse("good", &p, &err) == 0 &&
	    probe_run(&p, dir, 0, &err) == 0, "good answers");
	is_str(p.version, "1.2.3", "its version");
	ok(strstr(p.path, "/good") != NULL && p.path[0] == '/',
	    "its path: %s", p.path);
	ok(probe_parse("stderr", &p, &err) == 0 &&
	    probe_run(&p, dir, 0, &err) == 0 &&
	    strcmp(p.version, "4.5") == 0, "standard error is read");
	ok(probe_parse("reader", &p, &err) == 0 &&
	    probe_run(&p, dir, 0, &err) == 0 &&
	    strcmp(p.version, "1.0") == 0,
	    "a tool that reads gets end of file");
	setenv("BB_SECRET", "s3cr3t", 1);
	ok(probe_parse("env", &p, &err) == 0 &&
	    probe_run(&p, dir, 0, &err) == 0 &&
	    strcmp(p.version, "1.0") == 0, "a clean environment");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(probe_parse("hang", &p, &err) == 0 &&
	    probe_run(&p, dir, 300, &err) == -1 &&
	    err.code == EX_UNAVAILABLE && strstr(err.msg, "no answer") != NULL,
	    "a tool that hangs: %s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ok(secs < 10, "it is killed in time (%.1fs)", secs);
	ok(probe_parse("bg", &p, &err) == 0 &&
	    probe_run(&p, dir, 300, &err) == -1,
	    "a child holding the output open times the probe out");
	(void)snprintf(cmd, sizeof(cmd), "pgrep -f '^sleep 60.123$' >/dev/null");
	ok(system(cmd) != 0, "its process group was killed");
	ok(probe_parse("noversion", &p, &err) == 0 &&
	    probe_run(&p, dir, 0, &err) == -1 &&
	    strstr(err.msg, "no version") != NULL, "no version: %s", err.msg);
	ok(probe_parse("missing", &p, &err) == 0 &&
	    probe_run(&p, dir, 0, &err) == -1 &&
	    err.code == EX_UNAVAILABLE && strstr(err.msg, "not found"),
	    "not found: %s", err.msg);
	ok(probe_parse("good", &p, &err) == 0 &&
	    probe_run(&p, "relative:bin", 0, &err) == -1,
	    "relative directories are not searched");
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		tap_diag("rm -rf failed");
	return tap_done();
}
