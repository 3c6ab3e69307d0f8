/* Unit tests of lib/hub/hubauth.c: tokens and secret hashes. */
#include <stdio.h>
#include <string.h>

#include "hubauth.h"
#include "tap.h"

int
main(void)
{
	char a[HUBAUTH_TOKEN_LEN + 1], b[HUBAUTH_TOKEN_LEN + 1];
	char l[HUBAUTH_LEASE_LEN + 1], hash[HUBAUTH_HASH_MAX];
	char h2[HUBAUTH_HASH_MAX], hex[DIGEST_HEXLEN + 1];
	struct bb_error err;

	hubauth_random(a, HUBAUTH_TOKEN_LEN);
	hubauth_random(b, HUBAUTH_TOKEN_LEN);
	hubauth_random(l, HUBAUTH_LEASE_LEN);
	ok(strlen(a) == 64 && strspn(a, "0123456789abcdef") == 64,
	    "a token is 64 hex digits");
	ok(strlen(l) == 32 && strspn(l, "0123456789abcdef") == 32,
	    "a lease is 32");
	ok(strcmp(a, b) != 0, "two tokens differ");

	hubauth_token_hash("abc", 3, hex);
	is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f2"
	    "0015ad", "a token's hash is its sha256");

	ok(hubauth_secret_hash("s3cret", 6, hash, &err) == 0, "hash a secret");
	ok(strncmp(hash, "pbkdf2-sha256$20000$", 20) == 0 &&
	    strlen(hash) == 20 + 32 + 1 + 64, "pbkdf2-sha256$ROUNDS$SALT$HASH");
	ok(strstr(hash, "s3cret") == NULL, "the secret is not in it");
	ok(hubauth_secret_hash("s3cret", 6, h2, &err) == 0 &&
	    strcmp(hash, h2) != 0, "salted: the same secret hashes otherwise");
	ok(hubauth_secret_check("s3cret", 6, hash), "the secret matches");
	ok(hubauth_secret_check("s3cret", 6, h2), "both hashes");
	ok(!hubauth_secret_check("s3cres", 6, hash), "another does not");
	ok(!hubauth_secret_check("s3cret", 5, hash), "nor a prefix");
	ok(!hubauth_secret_check("s3cret", 6, NULL), "no hash: no match");
	ok(!hubauth_secret_check("s3cret", 6, "pbkdf2-sha256$x$y$z"),
	    "a malformed hash: no match");
	hash[strlen(hash) - 1] ^= 1;
	ok(!hubauth_secret_check("s3cret", 6, hash), "a changed hash");

	ok(hubauth_equal("abc", "abc"), "equal");
	ok(!hubauth_equal("abc", "abd") && !hubauth_equal("abc", "ab"),
	    "not equal");
	return tap_done();
}
