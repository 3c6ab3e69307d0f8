/*
 * Unit tests of lib/hub/hubwire.c: Content-Digest, Range and names in
 * paths.
 */
#include <stdlib.h>
#include <string.h>

#include "hubwire.h"
#include "tap.h"

#define ABC	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define ABC64	"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="

int
main(void)
{
	char hex[DIGEST_HEXLEN + 1], b64[HUBWIRE_B64LEN + 1], *s;
	size_t len;
	off_t off, n;

	ok(hubwire_content_digest("sha-256=:" ABC64 ":", hex) == 0 &&
	    strcmp(hex, ABC) == 0, "sha-256=:BASE64:");
	ok(hubwire_content_digest("sha-512=:AAAA:, SHA-256=:" ABC64 ": ",
	    hex) == 0 && strcmp(hex, ABC) == 0,
	    "among other algorithms, any case, blanks");
	ok(hubwire_content_digest("sha-256=" ABC64, hex) == -1,
	    "without the colons");
	ok(hubwire_content_digest("sha-256=:" ABC ":", hex) == -1, "hex");
	ok(hubwire_content_digest("sha-256=:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qc"
	    "tBD/YfIAFa==:", hex) == -1, "too short");
	ok(hubwire_content_digest("sha-256=:!ngWv48Bz+pBQUDeXa4iI7ADYaOWF3qc"
	    "tBD/YfIAFa0=:", hex) == -1, "not base64");
	ok(hubwire_content_digest("sha-512=:AAAA:", hex) == -1, "no sha-256");
	ok(hubwire_content_digest("", hex) == -1, "empty");
	hubwire_digest_b64(ABC, b64);
	is_str(b64, ABC64, "hex to base64");

	/* Range, on 100 bytes. */
	ok(hubwire_range("bytes=10-", 100, &off, &n) == 1 && off == 10 &&
	    n == 90, "bytes=10-: 10 to the end");
	ok(hubwire_range("bytes=0-0", 100, &off, &n) == 1 && off == 0 &&
	    n == 1, "bytes=0-0: one byte");
	ok(hubwire_range("Bytes = 90-200 ", 100, &off, &n) == 1 && off == 90 &&
	    n == 10, "a last byte past the end is the end; any case, blanks");
	ok(hubwire_range("bytes=-30", 100, &off, &n) == 1 && off == 70 &&
	    n == 30, "bytes=-30: the last 30");
	ok(hubwire_range("bytes=-300", 100, &off, &n) == 1 && off == 0 &&
	    n == 100, "a suffix longer than the whole: the whole");
	ok(hubwire_range("bytes=99-", 100, &off, &n) == 1 && off == 99 &&
	    n == 1, "the last byte");
	is_int(hubwire_range("bytes=100-", 100, &off, &n), -1,
	    "at the end: not satisfiable");
	is_int(hubwire_range("bytes=99999999999999999999999-", 100, &off, &n),
	    -1, "far past it, no overflow");
	is_int(hubwire_range("bytes=-0", 100, &off, &n), -1,
	    "a suffix of nothing: not satisfiable");
	is_int(hubwire_range("bytes=0-", 0, &off, &n), -1,
	    "any range of nothing: not satisfiable");
	is_int(hubwire_range("bytes=5-3", 100, &off, &n), 0,
	    "last before first: ignored");
	is_int(hubwire_range("bytes=0-1,5-6", 100, &off, &n), 0,
	    "several ranges: ignored (the whole is sent)");
	is_int(hubwire_range("items=0-1", 100, &off, &n), 0,
	    "another unit: ignored");
	is_int(hubwire_range("bytes=-", 100, &off, &n), 0, "bytes=-: ignored");
	is_int(hubwire_range("bytes=a-", 100, &off, &n), 0, "letters: ignored");
	is_int(hubwire_range("bytes 0-1", 100, &off, &n), 0, "no =: ignored");

	s = hubwire_pct_decode("a%20b%2Fc%41", 12, &len);
	ok(s != NULL && len == 6 && memcmp(s, "a b/cA", 6) == 0, "decode");
	free(s);
	s = hubwire_pct_decode("a%00b", 5, &len);
	ok(s != NULL && len == 3 && s[1] == '\0', "%%00 decodes to a NUL");
	ok(s != NULL && !hubwire_valid_artifact(s, len),
	    "which a name may not hold");
	free(s);
	ok(hubwire_pct_decode("a%2", 3, &len) == NULL, "a cut escape");
	ok(hubwire_pct_decode("a%zz", 4, &len) == NULL, "a bad escape");
	ok(hubwire_valid_artifact("hello-1.0.tar.gz", 16), "a name");
	ok(hubwire_valid_artifact("caf\xc3\xa9 x", 7), "UTF-8 and blanks");
	ok(!hubwire_valid_artifact("", 0), "empty");
	ok(!hubwire_valid_artifact(".", 1) && !hubwire_valid_artifact("..", 2),
	    ". and ..");
	ok(!hubwire_valid_artifact("../x", 4) &&
	    !hubwire_valid_artifact("/etc/passwd", 11) &&
	    !hubwire_valid_artifact("a//b", 4) &&
	    !hubwire_valid_artifact("a\\b", 3), "absolute, .., // and \\");
	ok(hubwire_valid_artifact("a/b/x", 5),
	    "a nested name: its path in the work tree");
	ok(!hubwire_valid_artifact("a\0b", 3), "no NUL inside");
	ok(!hubwire_valid_artifact("a\nb", 3) &&
	    !hubwire_valid_artifact("a\x7f", 2), "control bytes");
	s = calloc(1, 257);
	memset(s, 'a', 256);
	ok(!hubwire_valid_artifact(s, 256), "a component of 256 bytes: no");
	s[255] = '\0';
	ok(hubwire_valid_artifact(s, 255), "one of 255: yes");
	free(s);
	return tap_done();
}
