/* Unit tests of lib/hub/hubwire.c: Content-Digest and names in paths. */
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
