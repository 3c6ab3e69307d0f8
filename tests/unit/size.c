/* Unit tests of lib/size.c. */
#include <sysexits.h>

#include "size.h"
#include "tap.h"

int
main(void)
{
	static const struct {
		long long	 n;
		const char	*s;
	} f[] = {
		{ 1, "1" }, { 100, "100" }, { 1024, "1K" }, { 1536, "1536" },
		{ 1536LL << 10, "1536K" }, { 2LL << 30, "2G" },
		{ 1LL << 50, "1024T" },
	};
	struct bb_error err;
	char buf[32];
	long long v;
	size_t i;

	ok(size_parse("10", &v, &err) == 0 && v == 10, "size 10");
	ok(size_parse("4G", &v, &err) == 0 && v == 4LL << 30, "size 4G");
	ok(size_parse("500M", &v, &err) == 0 && v == 500LL << 20,
	    "size 500M");
	ok(size_parse("3K", &v, &err) == 0 && v == 3072, "size 3K");
	ok(size_parse("1024T", &v, &err) == 0 && v == 1LL << 50,
	    "size 1024T");
	ok(size_parse("1025T", &v, &err) == -1 && err.code == EX_USAGE,
	    "size over 2^50 refused");
	ok(size_parse("0", &v, &err) == -1, "size 0 refused");
	ok(size_parse("-1", &v, &err) == -1, "size -1 refused");
	ok(size_parse("4GB", &v, &err) == -1, "size 4GB refused");
	ok(size_parse("4X", &v, &err) == -1, "size 4X refused");
	ok(size_parse("", &v, &err) == -1, "empty size refused");
	ok(size_parse("99999999999999999999", &v, &err) == -1,
	    "huge size refused");
	for (i = 0; i < nitems(f); i++) {
		size_format(f[i].n, buf, sizeof(buf));
		is_str(buf, f[i].s, "format %lld", f[i].n);
		ok(size_parse(buf, &v, &err) == 0 && v == f[i].n,
		    "%s reads back", buf);
	}
	return tap_done();
}
