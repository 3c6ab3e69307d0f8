/* Unit tests of lib/worker/caps.c. */
#include <string.h>
#include <sysexits.h>

#include "caps.h"
#include "tap.h"

int
main(void)
{
	struct bb_error err;
	struct caps c;
	struct buf *b;
	char os[64], arch[64], big[300];
	int n;

	caps_init(&c);
	b = buf_new(4096);
	ok(caps_add_list(&c, "cc,docker,cc,os=linux,gpu:cuda", &err) == 0,
	    "a list is added");
	is_int(c.n, 4, "a repeated capability is added once");
	ok(caps_has(&c, "docker") && caps_has(&c, "gpu:cuda") &&
	    !caps_has(&c, "dock"), "caps_has matches whole names");
	ok(caps_format(&c, b, &err) == 0, "format");
	is_str(b->data, "cc,docker,os=linux,gpu:cuda", "formatted in order");
	ok(caps_add_list(&c, "", &err) == 0 && c.n == 4,
	    "an empty list adds nothing");
	ok(caps_add_list(&c, "a,,b", &err) == -1 && err.code == EX_USAGE,
	    "an empty item is refused: %s", err.msg);
	ok(caps_add_list(&c, "a b", &err) == -1 &&
	    strstr(err.msg, "\"a b\"") != NULL, "a space is refused: %s",
	    err.msg);
	ok(caps_add(&c, "-x", &err) == -1, "a leading dash is refused");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(caps_add_list(&c, big, &err) == -1, "an over-long name is refused");
	caps_free(&c);

	ok(caps_system(os, sizeof(os), arch, sizeof(arch), &err) == 0,
	    "system detected: %s %s", os, arch);
	ok(strcmp(os, "linux") == 0, "os is linux in lower case");
	ok(caps_detect(&c, &err) == 0 && c.n == 4 && caps_has(&c, os) &&
	    caps_has(&c, arch), "detected: os, arch");
	buf_reset(b);
	(void)snprintf(big, sizeof(big), "os=%s", os);
	ok(caps_has(&c, big), "detected: %s", big);
	(void)snprintf(big, sizeof(big), "arch=%s", arch);
	ok(caps_has(&c, big), "detected: %s", big);

	ok(caps_add_list(&c, "cc,make", &err) == 0, "cc, make added");
	n = caps_missing(&c, "linux,cc", b, &err);
	ok(n == 0 && b->len == 0, "linux,cc is met");
	n = caps_missing(&c, "", b, &err);
	ok(n == 0, "no requirement is met");
	n = caps_missing(&c, "docker,cc,gpu", b, &err);
	is_int(n, 2, "two missing");
	is_str(b->data, "docker,gpu", "the missing ones are named");
	buf_reset(b);
	ok(caps_missing(&c, "cc,,x", b, &err) == -1 &&
	    err.code == EX_DATAERR, "a bad requirement list: %s", err.msg);
	caps_free(&c);
	buf_free(b);
	return tap_done();
}
