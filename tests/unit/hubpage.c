/* Unit tests of lib/hub/hubpage.c: escaping and the pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hubpage.h"
#include "tap.h"

int
main(void)
{
	char dir[] = "/tmp/bb-unit.XXXXXX", path[256];
	struct buf *b = buf_new(1 << 20), *rb = buf_new(1 << 20);
	struct hubdb_event ev[2];
	struct hubdb_ack ack;
	struct hubdb_hello hello = { "1", "Linux", "x86_64", "linux", 1,
	    "info name=host value=<b>box</b>\n", 32 };
	struct bb_error err;
	struct recipe *rc;
	struct record job;
	struct hubdb *h;
	const char *l1 = "status step=build state=started t=1 seq=1";
	const char *l2 = "log step=build fd=1 t=1 data=<img%20src=x>&\"'%1B%0A "
	    "seq=2";
	long long id;

	ok(hubpage_escape(b, "<a href=\"x\">'&'</a>", 19) == 0, "escape");
	is_str(b->data, "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
	    "the five characters");
	buf_reset(b);
	ok(hubpage_escape(b, "a\x1b[1m\tb\nc\0d", 11) == 0, "controls");
	is_str(b->data, "a\\x1b[1m\tb\nc\\x00d", "shown, but tab and newline");
	buf_reset(b);
	ok(hubpage_escape(b, "caf\xc3\xa9", 5) == 0 &&
	    strcmp(b->data, "caf\xc3\xa9") == 0, "UTF-8 as it is");

	(void)close(tap_tmpdir(dir));
	(void)snprintf(path, sizeof(path), "%s/hub.db", dir);
	if (hubdb_create(path, &err) == -1 || hubdb_open(path, &h, &err) == -1)
		tap_bail("a database: %s", err.msg);
	(void)hubdb_worker_add(h, "w<1>", "x", 1000, &err);
	(void)hubdb_hello(h, "w<1>", &hello, "t", 2000, &err);
	(void)recipe_parse("job page\nrequire linux\nstep build: make\n", 38,
	    "t", &rc, &err);
	ok(hubdb_submit(h, rc, "ab", 1, 0, 3000, &id, &err) == HUB_OK,
	    "a job");
	recipe_free(rc);
	record_init(&job);
	ok(hubdb_claim(h, "w<1>", "linux", 0, 4000, 10000, &job, rb, &err) ==
	    HUB_OK, "claimed");
	ev[0] = (struct hubdb_event){ 1, l1, 6, l1, strlen(l1) };
	ev[1] = (struct hubdb_event){ 2, l2, 3, l2, strlen(l2) };
	ok(hubdb_events(h, id, record_get(&job, "lease"), "w<1>", ev, 2, 5000,
	    10000, &ack, &err) == HUB_OK, "events");

	buf_reset(b);
	ok(hubpage_index(h, 5000, 60000, b, &err) == 0, "the status page");
	ok(strstr(b->data, "<td>w&lt;1&gt;</td><td>yes</td>") != NULL,
	    "the worker, escaped");
	ok(strstr(b->data, "&lt;b&gt;box&lt;/b&gt;") != NULL, "its host");
	ok(strstr(b->data, "<a href=\"jobs/1\">1</a></td><td>page</td>"
	    "<td class=\"running\">running") != NULL, "the running job");
	ok(strstr(b->data, "<script") == NULL, "no script");

	buf_reset(b);
	is_int(hubpage_job(h, id, b, &err), HUB_OK, "the job's page");
	ok(strstr(b->data, "&lt;img src=x&gt;&amp;&quot;&#39;\\x1b\n") !=
	    NULL, "the log, escaped");
	ok(strstr(b->data, "<img") == NULL, "nothing the build printed is "
	    "markup");
	ok(strstr(b->data, "<b>== build</b>") != NULL, "where a step starts");
	ok(strstr(b->data, "<a href=\"../\">hub</a>") != NULL,
	    "a relative link back");
	buf_reset(b);
	is_int(hubpage_job(h, 99, b, &err), HUB_NOTFOUND, "no job 99");
	record_free(&job);
	hubdb_close(h);
	buf_free(b);
	buf_free(rb);
	(void)snprintf(path, sizeof(path), "rm -rf %s", dir);
	ok(system(path) == 0, "clean up");
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
