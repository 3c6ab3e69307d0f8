/* Unit tests of lib/release/template.c. */
#include <string.h>
#include <sysexits.h>

#include "tap.h"
#include "template.h"

int
main(void)
{
	struct template_var v[] = {
		{ "name", "hello" }, { "version", "1.2" }, { "os", "linux" },
		{ "arch", "x86_64" }, { "job", NULL }, { "bad", "a/b" },
	};
	struct bb_error err;
	char out[300], longt[400];

	ok(template_expand("{name}-{version}-{os}-{arch}", v, 4, ".tar.gz",
	    out, sizeof(out), &err) == 0, "expands");
	is_str(out, "hello-1.2-linux-x86_64.tar.gz", "values and suffix");
	ok(template_expand("x.tar.gz", v, 4, ".tar.gz", out, sizeof(out),
	    &err) == 0, "suffix present");
	is_str(out, "x.tar.gz", "suffix not added twice");
	ok(template_expand("{name}{name}", v, 4, "", out, sizeof(out),
	    &err) == 0 && strcmp(out, "hellohello") == 0, "repeated key");
	ok(template_expand("{job}", v, 5, ".zip", out, sizeof(out),
	    &err) == -1 && err.code == EX_USAGE, "no value: error");
	is_str(err.msg, "{job}: no value for {job}", "names it");
	ok(template_expand("{colour}", v, 5, "", out, sizeof(out),
	    &err) == -1, "unknown key");
	is_str(err.msg, "{colour}: unknown placeholder {colour}: expected "
	    TEMPLATE_KEYS, "lists the keys");
	ok(template_expand("{bad}", v, 6, "", out, sizeof(out), &err) == -1,
	    "value with a slash");
	ok(template_expand("a/b", v, 6, "", out, sizeof(out), &err) == -1,
	    "template with a slash");
	ok(template_expand("{name", v, 4, "", out, sizeof(out), &err) == -1,
	    "unclosed brace");
	ok(template_expand("name}", v, 4, "", out, sizeof(out), &err) == -1,
	    "stray brace");
	ok(template_expand("..", v, 4, "", out, sizeof(out), &err) == -1 &&
	    template_expand("", v, 4, "", out, sizeof(out), &err) == -1,
	    "\"..\" and nothing are no names");
	ok(template_expand("a\tb", v, 4, "", out, sizeof(out), &err) == -1,
	    "control byte");
	memset(longt, 'x', 300);
	longt[300] = '\0';
	ok(template_expand(longt, v, 4, "", out, sizeof(out), &err) == -1,
	    "over NAME_MAX");
	ok(template_expand("{name}", v, 4, ".tar", out, 5, &err) == -1,
	    "over the output buffer");
	ok(template_uses("{name}-{version}", "version") &&
	    !template_uses("{name}-{versions}", "version") &&
	    !template_uses("version", "version"), "template_uses");
	return tap_done();
}
