/*
 * Unit tests of lib/release/pack.c: formats and levels, and every format
 * packed twice to the same bytes, with its checksum file.
 */
#include "pack_test.h"

int
main(void)
{
	char dir[] = "/tmp/bb-unit-pack.XXXXXX", path[4200], want[4200];
	char *in[8], line[512];
	struct pack_opts o = { .format = PACK_TAR, .level = -1,
	    .mtime = 1700000000, .digest = 1, .warn = warn_cb };
	struct pack_result res;
	struct bb_error err;
	enum pack_format f;
	FILE *fp;

	ok(pack_format_parse("tgz", &f, &err) == 0 && f == PACK_TGZ, "tgz");
	ok(pack_format_parse("zip", &f, &err) == 0 && f == PACK_ZIP, "zip");
	ok(pack_format_parse("rar", &f, &err) == -1 && err.code == EX_USAGE,
	    "rar: unknown");
	ok(pack_format_from_name("a/b-1.0.tar.zst", &f) == 0 &&
	    f == PACK_TZST, "format from a name");
	ok(pack_format_from_name(".tar", &f) == -1 &&
	    pack_format_from_name("x.gz", &f) == -1, "no format: no name");
	is_str(pack_format_ext(PACK_TXZ), ".tar.xz", "canonical suffix");
	is_str(pack_format_name(PACK_TGZ), "tar.gz", "canonical name");
	ok(pack_level_check(PACK_TZST, 19, &err) == 0 &&
	    pack_level_check(PACK_TZST, 0, &err) == -1 &&
	    pack_level_check(PACK_TGZ, 0, &err) == 0 &&
	    pack_level_check(PACK_TGZ, 10, &err) == -1 &&
	    pack_level_check(PACK_TAR, 1, &err) == -1, "levels");

	tree_setup(dir);
	snprintf(path, sizeof(path), "%s/out.tar", dir);
	in[0] = ".";
	ok(pack_run(path, -1, dfd, in, 1, &o, &res, &err) == 0, "pack_run");
	snprintf(path, sizeof(path), "%s/out.tar.sha256", dir);
	ok(access(path, F_OK) == -1, "no checksum file unless asked");

	/* Every format, twice: the same bytes. */
	for (f = PACK_TGZ; f <= PACK_ZIP; f++) {
		char h1[DIGEST_HEXLEN + 1];

		o.format = f;
		o.sumfile = 1;
		snprintf(path, sizeof(path), "%s/r%s", dir, pack_format_ext(f));
		in[0] = "a"; in[1] = "a-c"; in[2] = "a.txt"; in[3] = "link";
		ok(pack_run(path, -1, dfd, in, 4, &o, &res, &err) == 0,
		    "%s packed", pack_format_name(f));
		memcpy(h1, res.sha256, sizeof(h1));
		ok(pack_run(path, -1, dfd, in, 4, &o, &res, &err) == 0 &&
		    strcmp(h1, res.sha256) == 0, "%s: same sha256 twice",
		    pack_format_name(f));
	}
	/* The checksum file of the last: as sha256sum writes it. */
	snprintf(path, sizeof(path), "%s/r.zip.sha256", dir);
	snprintf(want, sizeof(want), "%s  r.zip\n", res.sha256);
	line[0] = '\0';
	if ((fp = fopen(path, "r")) != NULL) {
		if (fgets(line, sizeof(line), fp) == NULL)
			line[0] = '\0';
		fclose(fp);
	}
	is_str(line, want, "the checksum file: sha256sum's line");
	tree_cleanup(dir);
	return tap_done();
}
