/*
 * Unit tests of lib/hub/hubpage.c and hubpage_job.c: escaping, the
 * reasons a job waits, the status page, a job's page and its live part.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubdb_test.h"
#include "hubpage.h"

/* Returns 1 if the page in b has s. */
static int
has(const struct buf *b, const char *s)
{
	return strstr(b->data, s) != NULL;
}

/* hubpage_why of require for the workers w, into a fresh string. */
static const char *
why(const char *require, const struct hubpage_worker *w, size_t n)
{
	static struct buf *b;

	if (b == NULL)
		b = buf_new(4096);
	buf_reset(b);
	(void)hubpage_why(b, require, w, n, 10000);
	return b->data;
}

static void
test_why(void)
{
	struct hubpage_worker w[3] = {
		{ "a", "linux,x86_64", 2, 0, 9990, 1, 0 },
		{ "b", "linux,arm64", 1, 1, 9990, 1, 0 },
		{ "c<", "docker,linux", 1, 0, 6400, 0, 0 },
	};

	is_str(why("linux", w, 0), "no worker: add one with "
	    "<code>bb-hub add-worker</code>", "why: no worker at all");
	is_str(why("windows", w, 3), "no worker with <code>windows</code>",
	    "why: a capability nobody has");
	is_str(why("windows,gpu,linux", w, 3), "no worker with "
	    "<code>windows</code> or <code>gpu</code>",
	    "why: the capabilities nobody has, not those some have");
	is_str(why("arm64,docker", w, 3), "no worker with all of "
	    "<code>arm64</code>, <code>docker</code>",
	    "why: each is somewhere, but not together");
	is_str(why("docker", w, 3), "no worker that can run it is connected: "
	    "c&lt; (seen 1h 00m ago)", "why: the one that can is offline");
	is_str(why("arm64", w, 3), "every worker that can run it is busy: "
	    "b 1/1", "why: the one that can is busy");
	is_str(why("linux", w, 3), "waiting for a claim by a",
	    "why: a worker with a free slot");
	is_str(why("", w, 3), "waiting for a claim by a", "why: no "
	    "requirement");
	w[0].declined = 1;
	is_str(why("x86_64", w, 3), "declined by a", "why: declined");
	w[2].seen = 0;
	is_str(why("docker", w, 3), "no worker that can run it is connected: "
	    "c&lt; (never seen)", "why: never seen");
}

int
main(void)
{
	struct buf *b = buf_new(1 << 20);
	struct hubdb_ack ack;
	struct hubdb_hello hello = { "1", "Linux", "x86_64", "linux", 1,
	    "info name=host value=<b>box</b>\n"
	    "info name=access_uri value=javascript:alert(1)\n"
	    "tool name=cc version=12<\n", 90 };
	char l1[64], l2[64];
	const char *lines = "status step=build state=started t=1.5 seq=1\n"
	    "log step=build fd=1 t=2 data=<img%20src=x>&\"'%1B%0A seq=2\n"
	    "log step=build fd=2 t=2 data=oops%0A seq=3\n";
	long long id, id2, id3;

	ok(hubpage_escape(b, "<a href=\"x\">'&'</a>", 19) == 0, "escape");
	is_str(b->data, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
	    "the five characters");
	buf_reset(b);
	ok(hubpage_escape(b, "a\x1b[1m\tb\nc\0d", 11) == 0, "controls");
	is_str(b->data, "a\\x1b[1m\tb\nc\\x00d", "shown, but tab and newline");
	buf_reset(b);
	ok(hubpage_escape(b, "caf\xc3\xa9", 5) == 0 &&
	    strcmp(b->data, "caf\xc3\xa9") == 0, "UTF-8 as it is");
	test_why();

	/* The page a browser gets with a 401. */
	buf_reset(b);
	ok(hubpage_signin(b, 0) == 0, "the sign-in page");
	ok(strncmp(b->data, "<!DOCTYPE html>", 15) == 0 &&
	    strstr(b->data, "needs the admin token") != NULL &&
	    strstr(b->data, "<code>bb_admin</code>") != NULL &&
	    strstr(b->data, "<script") == NULL &&
	    strstr(b->data, "</body></html>\n") != NULL,
	    "says it needs the admin token, the cookie too; loads nothing");
	buf_reset(b);
	ok(hubpage_signin(b, 1) == 0 &&
	    strstr(b->data, "metrics.token") != NULL &&
	    strstr(b->data, "bb_admin") == NULL,
	    "for /metrics: the metrics token, no cookie");

	db_setup();
	hello.infolen = strlen(hello.info);
	(void)hubdb_worker_add(h, "w<1>", "x", 1000, &err);
	(void)hubdb_hello(h, "w<1>", &hello, "t", 2000, &err);
	(void)hubdb_worker_add(h, "w2", "x", 1000, &err);
	id = submit("job page\nrequire linux\nstep build: make\n"
	    "step test: make check\n");
	id2 = submit("job later\nrequire docker\nstep build: make\n");
	ok(id > 0 && id2 > 0, "two jobs");
	is_int(claim("w<1>", "linux", 4000, l1), id, "the first runs");
	ok(events(id, l1, "w<1>", 5000, lines, &ack) == HUB_OK, "its log");

	/* The status page. */
	buf_reset(b);
	ok(hubpage_index(h, 5000, 60000, b, &err) == 0, "the status page");
	ok(has(b, "<td data-label=\"worker\" class=\"wrap\">w&lt;1&gt;</td>"
	    "<td data-label=\"health\"><span class=\"dot busy\"></span>"),
	    "the worker, escaped, busy");
	ok(has(b, "&lt;b&gt;box&lt;/b&gt;"), "its host, escaped");
	ok(has(b, "javascript:alert(1)") && !has(b, "href=\"javascript"),
	    "an access_uri that is not http, https or ssh is no link");
	ok(has(b, "cc 12&lt;"), "its tools");
	ok(has(b, "<span class=\"dot never\"></span><span class=\"never\">"
	    "never seen</span>"), "a worker never seen");
	ok(has(b, "<a href=\"jobs/1\">1</a></td><td data-label=\"name\" "
	    "class=\"wrap\">page</td><td data-label=\"step\">build "
	    "<span class=\"dim\">1/2</span>"), "the running job, its step");
	ok(has(b, "no worker with <code>docker</code>"),
	    "why the queued job waits");
	ok(has(b, "<li><b>1</b> running</li><li><b>1</b> queued</li>"
	    "<li><b>1</b> of 2 workers up</li>"), "the counts");
	ok(has(b, "<script src=\"hub.js\" defer></script>") &&
	    strstr(strstr(b->data, "<script") + 1, "<script") == NULL,
	    "one script, the hub's file");
	ok(!has(b, "style=") && !has(b, "<style") && !has(b, " on"),
	    "no inline style or handler");

	/* The job's page while it runs. */
	buf_reset(b);
	is_int(hubpage_job(h, id, 0, 0, 6000, b, &err), HUB_OK,
	    "the job's page");
	ok(has(b, "&lt;img src=x&gt;&amp;&quot;&#39;\\x1b\n"),
	    "the log, escaped");
	ok(!has(b, "<img"), "nothing the build printed is markup");
	ok(has(b, "<span class=\"err\">oops\n</span>"), "standard error");
	ok(has(b, "<span class=\"step\">== build</span>"),
	    "where a step starts");
	ok(has(b, "<a href=\"../\">bb hub</a>"), "a relative link back");
	ok(has(b, "data-job=\"1\" data-attempt=\"1\" data-last=\"1\" "
	    "data-state=\"running\""), "what the script needs");
	ok(has(b, "id=\"after\" data-after=\"3\""), "the last record shown");
	ok(has(b, "<tr class=\"current\"><td data-label=\"step\" "
	    "class=\"wrap\">build</td><td data-label=\"result\"><span "
	    "class=\"badge running\">running</span>"), "the step that runs");
	ok(has(b, "<td data-label=\"step\" class=\"wrap\">test</td>"
	    "<td data-label=\"result\"><span class=\"pending\">pending"),
	    "the step to come");

	/* Its live part. */
	buf_reset(b);
	is_int(hubpage_live(h, id, 1, 2, 6000, b, &err), HUB_OK, "live");
	ok(has(b, "<div id=\"live\" data-now=\"6\" data-attempt=\"1\" "
	    "data-after=\"3\" data-more=\"0\" data-state=\"running\">"),
	    "the state and the last record");
	ok(has(b, "<pre id=\"more\"><span class=\"err\">oops\n</span></pre>")
	    && !has(b, "img"), "only the records after 2");
	ok(has(b, "<section id=\"summary\">") && !has(b, "id=\"steps\""),
	    "the summary; no steps when none changed");
	buf_reset(b);
	is_int(hubpage_live(h, id, 1, 0, 6000, b, &err), HUB_OK,
	    "live from the start");
	ok(has(b, "<section id=\"steps\">") &&
	    has(b, "<section id=\"artifacts\">"), "steps and artifacts too");
	buf_reset(b);
	is_int(hubpage_live(h, id, 2, 0, 6000, b, &err), HUB_OK,
	    "live of another attempt");
	ok(has(b, "data-reload=\"1\""), "says to reload");
	is_int(hubpage_live(h, 99, 1, 0, 6000, b, &err), HUB_NOTFOUND,
	    "live of no job");

	/* It ends with an artifact and its signature. */
	ok(events(id, l1, "w<1>", 7000,
	    "status step=build state=finished t=8 rc=0 elapsed=1.25 "
	    "result=success seq=4\n"
	    "status step=test state=finished t=8 result=skipped seq=5\n"
	    "done result=success seq=6\n", &ack) == HUB_OK &&
	    hubdb_artifact(h, id, l1, "w<1>", "a b&c.txt", "ab", 5, 7000, TTL,
	    &err) == HUB_OK &&
	    hubdb_artifact(h, id, l1, "w<1>", "a b&c.txt.sig", "cd", 5, 7000,
	    TTL, &err) == HUB_OK &&
	    hubdb_artifact(h, id, l1, "w<1>", "dist/x 1.tgz", "ef", 5, 7000,
	    TTL, &err) == HUB_OK, "the rest of the log, three artifacts");
	{
		char sha[DIGEST_HEXLEN + 1], res[16], all[1024];
		int attempt;

		(void)snprintf(all, sizeof(all), "%s%s", lines,
		    "status step=build state=finished t=8 rc=0 elapsed=1.25 "
		    "result=success seq=4\n"
		    "status step=test state=finished t=8 result=skipped "
		    "seq=5\n"
		    "done result=success seq=6\n");
		sha256_hex(all, strlen(all), sha);
		is_int(hubdb_finish(h, id, l1, "w<1>", "success", NULL, 6, sha,
		    8000, &attempt, res, NULL, NULL, &err), HUB_OK, "it ends");
	}
	buf_reset(b);
	is_int(hubpage_job(h, id, 0, 0, 9000, b, &err), HUB_OK,
	    "the finished job's page");
	ok(has(b, "<a download href=\"1/artifacts/a%20b%26c.txt?attempt=1\">"
	    "a b&amp;c.txt</a>"), "a link to the artifact, encoded");
	ok(has(b, "<a download href=\"1/artifacts/a%20b%26c.txt.sig?attempt=1"
	    "\">sig</a>"), "and to its signature");
	ok(!has(b, ">a b&amp;c.txt.sig</a>"), "which has no row of its own");
	ok(has(b, "<a download href=\"1/artifacts/dist/x%201.tgz?attempt=1\">"
	    "dist/x 1.tgz</a>"), "a path: its parts encoded, not its slashes");
	ok(has(b, "<span class=\"badge success\">success</span></td>"
	    "<td data-label=\"exit\" class=\"num\">0</td><td data-label="
	    "\"took\" class=\"num\">1.2s</td>") ||
	    has(b, "class=\"num\">1.3s</td>"), "a step's result and time");
	ok(has(b, "<span class=\"badge skipped\">skipped</span>"),
	    "a skipped step");
	ok(has(b, "<span class=\"end success\">== done success</span>"),
	    "the end of the log");
	buf_reset(b);
	is_int(hubpage_live(h, id, 1, 6, 9000, b, &err), HUB_OK,
	    "live of the finished job");
	ok(has(b, "data-state=\"success\"") && has(b, "id=\"artifacts\""),
	    "its final state and artifacts");

	/* A job that waits has no log yet; no job 99. */
	buf_reset(b);
	is_int(hubpage_job(h, id2, 0, 0, 9000, b, &err), HUB_OK,
	    "a queued job's page");
	ok(has(b, "the job has not started"), "no log yet");
	is_int(hubpage_job(h, 99, 0, 0, 5000, b, &err), HUB_NOTFOUND,
	    "no job 99");

	/* A long log: the page shows its end. */
	id3 = submit("job long\nrequire linux\nstep build: make\n");
	is_int(claim("w<1>", "linux", 10000, l2), id3, "a third job");
	{
		char line[128];
		long long i;

		(void)hubdb_batch(h, 1, &err);
		for (i = 1; i <= 20010; i++) {
			(void)snprintf(line, sizeof(line), "log step=build "
			    "fd=1 t=1 data=line%lld%%0A seq=%lld\n", i, i);
			if (events(id3, l2, "w<1>", 10000, line, &ack) !=
			    HUB_OK)
				break;
		}
		ok(hubdb_batch(h, 0, &err) == 0 && i == 20011,
		    "20010 records");
	}
	buf_reset(b);
	is_int(hubpage_job(h, id3, 0, 0, 11000, b, &err), HUB_OK,
	    "its page");
	ok(has(b, "10 earlier records are not shown") &&
	    !has(b, "line10\n") && has(b, "line11\n") && has(b, "line20010\n"),
	    "the last 20000 records");
	buf_reset(b);
	is_int(hubpage_job(h, id3, 1, 1, 11000, b, &err), HUB_OK,
	    "all of it");
	ok(has(b, "line1\n") && !has(b, "not shown"), "from the first");

	buf_free(b);
	db_teardown();
	{
		char t[32];

		ok(hubpage_time("1795242914", t, sizeof(t)) == 0 &&
		    strcmp(t, "2026-11-21 06:35:14Z") == 0, "hubpage_time");
		ok(hubpage_time_key("started") && !hubpage_time_key("id"),
		    "hubpage_time_key");
		ok(hubpage_time("x1", t, sizeof(t)) == -1 &&
		    strcmp(t, "-") == 0, "hubpage_time of a non-time");
	}
	return tap_done();
}
