/*
 * Unit tests of lib/hub/hubreq.c: a record body read a record at a time
 * (hubreq_next_record, hubreq_first_record), and the refusals it queues
 * for a line with no newline or one that is no record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "buf.h"
#include "compat.h"
#include "hubreq.h"
#include "hubsrv.h"
#include "record.h"
#include "tap.h"

/* A request whose body is text; deferred, so a refusal is only kept. */
static void
req_init(struct hubreq *r, const char *text)
{
	memset(r, 0, sizeof(*r));
	r->deferred = 1;
	if ((r->body = buf_new(4096)) == NULL ||
	    buf_add(r->body, text, strlen(text)) == -1)
		tap_bail("buf");
}

static void
req_free(struct hubreq *r)
{
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	buf_free(r->body);
}

static void
test_next_record(void)
{
	struct hubreq r;
	struct record rec;
	const char *line;
	size_t pos = 0, lineno = 0, len;

	record_init(&rec);
	req_init(&r, "hello name=w1\ninfo os=linux\n");
	is_int(hubreq_next_record(&r, &pos, &lineno, &rec, &line, &len), 1,
	    "the first record");
	ok(record_is(&rec, "hello") && lineno == 1 && len == 13 &&
	    strncmp(line, "hello name=w1", len) == 0,
	    "  a hello record, line 1, its line without the newline");
	is_int(hubreq_next_record(&r, &pos, &lineno, &rec, &line, &len), 1,
	    "the second record");
	ok(record_is(&rec, "info") && lineno == 2, "  an info record, line 2");
	is_int(hubreq_next_record(&r, &pos, &lineno, &rec, &line, &len), 0,
	    "then the end");
	ok(r.resp == NULL && r.status == 0, "  nothing refused");
	req_free(&r);

	req_init(&r, "hello name=w1\ninfo os=%zz\n");
	pos = lineno = 0;
	(void)hubreq_next_record(&r, &pos, &lineno, &rec, &line, &len);
	is_int(hubreq_next_record(&r, &pos, &lineno, &rec, &line, &len), -1,
	    "a line that is no record is refused");
	ok(r.resp != NULL && r.status == 400 && lineno == 2, "  with a 400");
	req_free(&r);

	req_init(&r, "hello name=w1");
	pos = lineno = 0;
	is_int(hubreq_next_record(&r, &pos, &lineno, &rec, &line, &len), -1,
	    "a last line with no newline is refused");
	ok(r.resp != NULL && r.status == 400, "  with a 400");
	req_free(&r);

	req_init(&r, "");
	pos = lineno = 0;
	is_int(hubreq_next_record(&r, &pos, &lineno, &rec, &line, &len), 0,
	    "an empty body: the end at once");
	req_free(&r);

	req_init(&r, "decline reason=x\nmore\n");
	is_int(hubreq_first_record(&r, &rec, &pos), 1,
	    "hubreq_first_record takes the first");
	ok(record_is(&rec, "decline") && pos == 17,
	    "  and says where the next line starts");
	req_free(&r);
	record_free(&rec);
}

int
main(void)
{
	test_next_record();
	return tap_done();
}
