/* Unit tests of lib/artifact.c: the one rule for artifact names. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "artifact.h"
#include "tap.h"

static const char *
named(const char *path)
{
	static char out[ARTIFACT_NAME_MAX + 1];
	struct bb_error e;

	if (artifact_name(path, out, sizeof(out), &e) == -1)
		return NULL;
	return out;
}

static void
test_valid(void)
{
	char s[ARTIFACT_NAME_MAX + 2];
	size_t i;

	ok(artifact_name_valid("hello-1.0.tar.gz"), "a plain name");
	ok(artifact_name_valid("a/b/x") && artifact_name_valid("c/y") &&
	    artifact_name_valid(".hidden/x") && artifact_name_valid("a/..b"),
	    "nested names");
	ok(!artifact_name_valid("") && !artifact_name_valid(".") &&
	    !artifact_name_valid(".."), "empty, . and .. are not names");
	ok(!artifact_name_valid("/etc/passwd") &&
	    !artifact_name_valid("a/") && !artifact_name_valid("a//b") &&
	    !artifact_name_valid("a/./b") && !artifact_name_valid("a/../b") &&
	    !artifact_name_valid("../x"),
	    "absolute, trailing, empty, . and .. components are not");
	ok(!artifact_name_valid("a\\b") && !artifact_name_valid("a\nb") &&
	    !artifact_name_valid("a\x7f") && !artifact_name_valid("a\tb"),
	    "backslash and control bytes are not");
	for (i = 0; i < ARTIFACT_NAME_MAX; i++)
		s[i] = i % 200 == 199 && i + 1 < ARTIFACT_NAME_MAX ? '/' : 'x';
	s[ARTIFACT_NAME_MAX] = '\0';
	ok(artifact_name_valid(s), "%d bytes in components of 199 is one",
	    ARTIFACT_NAME_MAX);
	s[ARTIFACT_NAME_MAX] = 'x';
	s[ARTIFACT_NAME_MAX + 1] = '\0';
	ok(!artifact_name_valid(s), "one byte more is not");
	memset(s, 'x', 256);
	s[256] = '\0';
	ok(!artifact_name_valid(s), "nor a component of 256 bytes");
	s[255] = '\0';
	ok(artifact_name_valid(s), "one of 255 is");
}

static void
test_name(void)
{
	struct bb_error e;
	char small[4];

	is_str(named("a/b/x"), "a/b/x", "a plain path is its own name");
	is_str(named("./a//b/./x"), "a/b/x", "./, // and /./ go");
	is_str(named("c/y/"), "c/y", "so does a trailing slash");
	ok(named("/etc/passwd") == NULL, "an absolute path has no name");
	ok(named("a/../../x") == NULL && named("..") == NULL,
	    "nor one with ..");
	ok(named("./") == NULL && named("") == NULL, "nor the tree itself");
	ok(artifact_name("a\\b", small, sizeof(small), &e) == -1 &&
	    e.code == EX_DATAERR && strstr(e.msg, "a\\b: not an artifact "
	    "name") != NULL, "the error names the path: %s", e.msg);
	ok(artifact_name("abcd", small, sizeof(small), &e) == -1,
	    "a name longer than the buffer is refused");
}

static void
test_record(void)
{
	struct record r;
	struct bb_error e;
	char out[ARTIFACT_NAME_MAX + 1];

	record_init(&r);
	(void)record_start(&r, "artifact", NULL);
	(void)record_set(&r, "path", "./a/b/x", NULL);
	ok(artifact_record_name(&r, out, sizeof(out), &e) == 0 &&
	    strcmp(out, "a/b/x") == 0, "a record without a name: its path's");
	(void)record_set(&r, "name", "a/b/x", NULL);
	ok(artifact_record_name(&r, out, sizeof(out), &e) == 0,
	    "a name that is the path's");
	(void)record_set(&r, "name", "x", NULL);
	ok(artifact_record_name(&r, out, sizeof(out), &e) == -1 &&
	    e.code == EX_DATAERR && strstr(e.msg, "named x") != NULL,
	    "another name is refused: %s", e.msg);
	record_unset(&r, "path");
	ok(artifact_record_name(&r, out, sizeof(out), &e) == -1 &&
	    strcmp(e.msg, "artifact record without a path") == 0,
	    "no path: %s", e.msg);
	record_free(&r);
}

static void
test_set(void)
{
	struct artifact_set *s;
	struct bb_error e;

	s = artifact_set_new(&e);
	ok(s != NULL, "a new set");
	ok(artifact_set_add(s, "x", "x", &e) == 0 &&
	    artifact_set_add(s, "x.sig", "the signature of x", &e) == 0 &&
	    artifact_set_add(s, "a/x.sig", "a/x.sig", &e) == 0,
	    "different names");
	ok(artifact_set_add(s, "x.sig", "x.sig", &e) == -1 &&
	    e.code == EX_DATAERR, "the same name twice is refused");
	is_str(e.msg, "two artifacts named x.sig: the signature of x and "
	    "x.sig", "naming both");
	artifact_set_free(s);
	artifact_set_free(NULL);

	/* An artifact and the file beside it. */
	s = artifact_set_new(&e);
	ok(artifact_set_add_with(s, "y", "y", ".sig", "the signature of y",
	    &e) == 0 && artifact_set_add_with(s, "z", "z", NULL, "unused",
	    &e) == 0, "an artifact with its signature, one without");
	ok(artifact_set_add(s, "z.sig", "z.sig", &e) == 0,
	    "  no ext: nothing added beside it");
	ok(artifact_set_add_with(s, "y.sig", "y.sig", NULL, "", &e) == -1,
	    "  the one beside it is in the set");
	is_str(e.msg, "two artifacts named y.sig: the signature of y and "
	    "y.sig", "  named as extwhat says");
	ok(artifact_set_add_with(s, "list", "the list", ".sig", "its "
	    "signature", &e) == 0 && artifact_set_add_with(s, "list.sig",
	    "list.sig", NULL, "", &e) == -1, "a new pair, then its second");
	ok(artifact_set_add_with(s, "w.sha256", "w.sha256", NULL, "", &e) ==
	    0 && artifact_set_add_with(s, "w", "the archive", ".sha256",
	    "its checksum file", &e) == -1 && strcmp(e.msg, "two artifacts "
	    "named w.sha256: w.sha256 and its checksum file") == 0,
	    "the second name's clash is reported");
	artifact_set_free(s);
}

static void
test_done(void)
{
	struct record r;

	record_init(&r);
	(void)record_parse(&r, "done result=success started=5", 29, NULL);
	ok(artifact_fail_done(&r, "bb-sign", "two artifacts named x",
	    NULL) == 0, "a successful job fails");
	is_str(record_get(&r, "result"), "error", "with result=error");
	is_str(record_get(&r, "reason"), "bb-sign: two artifacts named x",
	    "the stage and the cause in the reason");
	is_str(record_get(&r, "started"), "5", "the rest kept");
	(void)record_parse(&r, "done result=failure step=b reason=rc%201",
	    40, NULL);
	ok(artifact_fail_done(&r, "bb-sign", "x", NULL) == 0 &&
	    strcmp(record_get(&r, "result"), "failure") == 0 &&
	    strcmp(record_get(&r, "reason"), "rc 1") == 0 &&
	    strcmp(record_get(&r, "step"), "b") == 0,
	    "a failed build keeps its own result and reason");
	record_free(&r);
}

int
main(void)
{
	test_valid();
	test_name();
	test_record();
	test_set();
	test_done();
	return tap_done();
}
