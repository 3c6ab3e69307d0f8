/* Unit tests of lib/recipe.c: bb-recipe(5) text and records. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "recipe.h"
#include "tap.h"

static const char good[] =
    "# hello: a small C program\n"
    "job hello\n"
    "timeout 30m\n"
    "\n"
    "require linux cc\n"
    "require make\n"
    "env CFLAGS=-O2 -g\n"
    "env EMPTY=\n"
    "secret DEPLOY_TOKEN\n"
    "mask *_CREDENTIALS\n"
    "cache ccache max 2G\n"
    "cache go_mod\n"
    "   # an indented comment\n"
    "step configure: ./configure --prefix=/usr\r\n"
    "step build timeout=10m dir=src: make -j\"$BB_JOBS\" \\\n"
    "    all\n"
    "step test continue: make check # not a comment\n"
    "step clean always timeout=1h30m: rm -rf tmp\n"
    "collect src/hello dist/*.tar.gz\n";

static struct recipe *
parse(const char *text, struct bb_error *err)
{
	struct recipe *r = NULL;

	if (recipe_parse(text, strlen(text), "t.recipe", &r, err) == -1)
		return NULL;
	return r;
}

static void
test_good(void)
{
	struct bb_error err;
	struct recipe *r;

	r = parse(good, &err);
	ok(r != NULL, "parses a good recipe");
	if (r == NULL) {
		printf("# %s\n", err.msg);
		return;
	}
	is_str(r->name, "hello", "job name");
	is_int(r->timeout, 1800, "job timeout");
	is_int(r->nrequire, 3, "three capabilities");
	is_str(r->require[2], "make", "require over two lines");
	is_int(r->nenv, 2, "two env");
	is_str(r->env[0].value, "-O2 -g", "env value keeps its spaces");
	is_str(r->env[1].value, "", "empty env value");
	is_str(r->secret[0], "DEPLOY_TOKEN", "secret");
	is_str(r->mask[0], "*_CREDENTIALS", "mask");
	is_int(r->nsteps, 4, "four steps");
	is_str(r->steps[0].cmd, "./configure --prefix=/usr", "CR stripped");
	is_str(r->steps[1].cmd, "make -j\"$BB_JOBS\" \\\n    all",
	    "continued command keeps its backslash-newline");
	is_int(r->steps[1].timeout, 600, "step timeout");
	is_str(r->steps[1].dir, "src", "step dir");
	is_str(r->steps[2].cmd, "make check # not a comment",
	    "a # in a command is the shell's");
	ok(r->steps[2].cont && !r->steps[2].always, "continue");
	ok(r->steps[3].always && r->steps[3].timeout == 5400, "always");
	is_int(r->ncollect, 2, "two globs");
	is_int(r->ncache, 2, "two caches");
	ok(strcmp(r->cache[0].name, "ccache") == 0 &&
	    r->cache[0].max == 2LL << 30, "cache ccache max 2G");
	ok(strcmp(r->cache[1].name, "go_mod") == 0 && r->cache[1].max == 0,
	    "cache go_mod, no max");
	recipe_free(r);
}

static void
test_roundtrip(void)
{
	struct recipe *r, *back;
	struct record_reader rd;
	struct bb_error err;
	struct record rec;
	struct buf *recs = buf_new(RECIPE_MAX), *t1 = buf_new(RECIPE_MAX);
	struct buf *t2 = buf_new(RECIPE_MAX);
	int p[2], rv, n = 0;

	r = parse(good, &err);
	ok(recipe_encode(r, recs, &err) == 0, "encode as records");
	ok(strstr(recs->data, "step name=build timeout=600 dir=src cmd="
	    "make%20-j\"$BB_JOBS\"%20\\%0A%20%20%20%20all\n") != NULL,
	    "step record");
	ok(strstr(recs->data, "recipe name=hello timeout=1800 "
	    "require=linux,cc,make\n") != NULL, "recipe record");
	ok(pipe(p) == 0 && write(p[1], recs->data, recs->len) ==
	    (ssize_t)recs->len, "records into a pipe");
	close(p[1]);
	back = recipe_new();
	record_init(&rec);
	record_reader_init(&rd, p[0], NULL);
	while ((rv = record_read(&rd, &rec, NULL, NULL, &err)) == 1)
		n += recipe_add_record(back, &rec, &err) == 1;
	is_int(rv, 0, "read them back");
	is_int(n, 13, "every record is a recipe record");
	ok(strstr(recs->data, "cache name=ccache max=2147483648\n"
	    "cache name=go_mod\n") != NULL, "cache records");
	ok(recipe_format(r, t1, &err) == 0 &&
	    recipe_format(back, t2, &err) == 0, "format both");
	is_str(t2->data, t1->data, "text -> records -> text is lossless");
	recipe_free(back);
	back = parse(t1->data, &err);
	buf_reset(t2);
	ok(back != NULL && recipe_format(back, t2, &err) == 0 &&
	    strcmp(t1->data, t2->data) == 0, "format parses back the same");

	(void)record_start(&rec, "status", &err);
	is_int(recipe_add_record(back, &rec, &err), 0,
	    "other records are not taken");
	(void)record_start(&rec, "step", &err);
	(void)record_set(&rec, "name", "x", &err);
	(void)record_set(&rec, "cmd", "a\nb", &err);
	ok(recipe_add_record(back, &rec, &err) == -1 &&
	    err.code == EX_DATAERR, "a command a recipe line cannot hold "
	    "is refused: %s", err.msg);
	(void)record_start(&rec, "env", &err);
	(void)record_set(&rec, "name", "WINDIR", &err);
	(void)record_set(&rec, "value", "C:\\", &err);
	ok(recipe_add_record(back, &rec, &err) == -1 &&
	    strstr(err.msg, "ends with a backslash") != NULL,
	    "a value a recipe line cannot end with is refused: %s", err.msg);
	(void)record_start(&rec, "step", &err);
	(void)record_set(&rec, "cmd", "true", &err);
	(void)record_set(&rec, "name", "build", &err);
	ok(recipe_add_record(back, &rec, &err) == -1 &&
	    strstr(err.msg, "used twice") != NULL, "duplicate step record");
	close(p[0]);
	record_reader_free(&rd);
	record_free(&rec);
	recipe_free(r);
	recipe_free(back);
	buf_free(recs);
	buf_free(t1);
	buf_free(t2);
}

static void
test_bad(void)
{
	static const struct {
		const char *text;
		const char *msg;
	} bad[] = {
		{ "", "t.recipe: recipe has no steps" },
		{ "job a\n", "recipe has no steps" },
		{ "step a: x\nfrobnicate\n",
		    "t.recipe:2: unknown directive \"frobnicate\"" },
		{ "job\nstep a: x\n", "t.recipe:1: expected \"job NAME\"" },
		{ "job a b\n", ":1: expected \"job NAME\"" },
		{ "job a\njob b\n", ":2: job: the job's name is given twice" },
		{ "job a/b\n", ":1: job: bad job name" },
		{ "timeout\n", ":1: expected \"timeout DURATION\"" },
		{ "timeout 10x\n", ":1: timeout: bad duration \"10x\"" },
		{ "timeout 1m\ntimeout 2m\n", ":2: timeout: given twice" },
		{ "require\n", ":1: expected \"require CAPABILITY...\"" },
		{ "require a,b\n", ":1: require: bad capability" },
		{ "env X\n", ":1: expected \"env NAME=VALUE\"" },
		{ "env =x\n", ":1: expected \"env NAME=VALUE\"" },
		{ "env 1X=a\n", ":1: env 1X: bad variable name" },
		{ "env BB_JOB=a\n", ":1: env BB_JOB: variables named BB_*" },
		{ "env A=1\nenv A=2\n", ":2: env A: variable set twice" },
		{ "env A=1\nsecret A\n", ":2: secret: variable set twice" },
		{ "secret A\nsecret A\n", ":2: secret: variable set twice" },
		{ "secret BB_JOB\n", ":1: secret: variables named BB_*" },
		{ "secret 1X\n", ":1: secret: bad variable name" },
		{ "step\n", ":1: expected \"step NAME" },
		{ "step: x\n", ":1: step without a name" },
		{ "step a\n", ":1: expected \"step NAME" },
		{ "step a:\n", ":1: step a: no command after ':'" },
		{ "step a:   \n", ":1: step a: no command after ':'" },
		{ "step a fast: x\n", ":1: step a: unknown option \"fast\"" },
		{ "step a timeout=: x\n", ":1: step a: bad duration" },
		{ "step a timeout=0s: x\n", ":1: step a: duration \"0s\" out" },
		{ "step a dir=../x: x\n", ":1: step a: dir must be a relative" },
		{ "step a dir=/tmp: x\n", ":1: step a: dir must be" },
		{ "step a: x\nstep a: y\n", ":2: step a: step name used twice" },
		{ "step a: x\ncollect ../x\n", ":2: collect: artifact glob" },
		{ "step a: x\ncollect /etc/*\n", ":2: collect: artifact glob" },
		{ "step a: x\ncollect a/../../b\n", ":2: collect: artifact" },
		{ "collect\n", ":1: expected \"collect GLOB...\"" },
		{ "step a: x\nstep b: y \\\n", ":2: backslash at the end" },
		{ "\n\nstep a: x\x01y\n", "t.recipe:3: control character 0x01" },
		/* Found by tests/fuzz/recipe: a long one overran strnvis. */
		{ "step a: x\n\xa9\xa9\xa9\xa9\xa9\xa9\xa9\xa9\xa9\xa9\xa9"
		    "\xa9\xa9\xa9\xa9\xa9\xa9\xa9\xa9\xa9\xa9\xa9\xa9x\n",
		    ":2: unknown directive \"\\251\\251\\251\\251\\251"
		    "\\251\\251\\251\\251\\251\\251\\251\\251\\251"
		    "\\251\" (expected" },
		{ "step a: \\\n  \n", ":1: step a: bad or empty command" },
		/* Found by tests/fuzz/recipe: not written back the same. */
		{ "step a: x\ncollect h\\\\\nb\n",
		    ":2: collect: artifact glob ends with a backslash" },
		{ "step a: x\nmask A\\\\\nstep b: y\n",
		    ":2: mask: mask pattern ends with a backslash" },
		{ "job a\ncache\n", ":2: expected \"cache NAME [max SIZE]\"" },
		{ "job a\ncache c max\n", ":2: expected \"cache NAME" },
		{ "job a\ncache c min 1G\n", ":2: expected \"cache NAME" },
		{ "job a\ncache c max 1G x\n", ":2: expected \"cache NAME" },
		{ "job a\ncache c max 1Q\n", ":2: cache c: 1Q: not a size" },
		{ "job a\ncache CC\n", ":2: cache CC: bad cache name" },
		{ "job a\ncache _c\n", ":2: cache _c: bad cache name" },
		{ "job a\ncache c\ncache c\n", ":3: cache c: cache named twice" },
		{ "cache c\nstep a: x\n", "cache c: the recipe has no job name" },
	};
	struct bb_error err;
	struct recipe *r;
	size_t i;

	for (i = 0; i < nitems(bad); i++) {
		bb_error_clear(&err);
		r = parse(bad[i].text, &err);
		ok(r == NULL && err.code == EX_DATAERR &&
		    strstr(err.msg, bad[i].msg) != NULL,
		    "bad recipe %zu: %s", i, bad[i].msg);
		if (r != NULL || strstr(err.msg, bad[i].msg) == NULL)
			printf("#   message: %s\n", err.msg);
		recipe_free(r);
	}
	/* The first line of a continued command is the one named. */
	r = parse("step a: x\n\nstep b: y \\\n z\nbogus\n", &err);
	ok(r == NULL && strstr(err.msg, "t.recipe:5: unknown") != NULL,
	    "line numbers count continued lines: %s", err.msg);
	recipe_free(r);
}

/* network off: parsed, carried in the recipe record, formatted back. */
/* require, mask and collect keep each word once. */
static void
test_once(void)
{
	struct bb_error err;
	struct recipe *r;

	r = parse("job a\nrequire cc cc\nmask K* K* T*\nstep a: x\n"
	    "collect out/* out/*\n", &err);
	ok(r != NULL, "a recipe that gives words twice parses");
	if (r == NULL)
		return;
	is_int(r->nrequire, 1, "  a capability required twice is kept once");
	is_int(r->nmask, 2, "  a mask pattern given twice is kept once");
	is_int(r->ncollect, 1, "  an artifact glob given twice is kept once");
	recipe_free(r);
}

static void
test_network(void)
{
	struct recipe *r, *back;
	struct record_reader rd;
	struct bb_error err;
	struct record rec;
	struct buf *recs = buf_new(RECIPE_MAX), *t = buf_new(RECIPE_MAX);
	int p[2];

	r = parse("network off\nstep a: true\n", &err);
	ok(r != NULL && r->nonet, "network off is parsed");
	ok(r != NULL && recipe_encode(r, recs, &err) == 0 &&
	    strncmp(recs->data, "recipe network=off\n", 19) == 0,
	    "and carried as network=off: %s", recs->data);
	ok(pipe(p) == 0 && write(p[1], recs->data, recs->len) ==
	    (ssize_t)recs->len, "records into a pipe");
	close(p[1]);
	back = recipe_new();
	record_init(&rec);
	record_reader_init(&rd, p[0], NULL);
	while (record_read(&rd, &rec, NULL, NULL, &err) == 1)
		(void)recipe_add_record(back, &rec, &err);
	ok(back->nonet && recipe_format(back, t, &err) == 0 &&
	    strcmp(t->data, "network off\nstep a: true\n") == 0,
	    "read back and formatted: %s", t->data);
	recipe_free(r);
	r = parse("network on\nstep a: true\n", &err);
	ok(r != NULL && !r->nonet, "network on is the default made explicit");
	recipe_free(r);
	ok(parse("network maybe\nstep a: true\n", &err) == NULL &&
	    strstr(err.msg, "expected \"network on\" or \"network off\"") !=
	    NULL, "anything else is refused: %s", err.msg);
	(void)record_start(&rec, "recipe", &err);
	(void)record_set(&rec, "network", "no", &err);
	ok(recipe_add_record(back, &rec, &err) == -1, "network=no in a "
	    "record too: %s", err.msg);
	record_free(&rec);
	record_reader_free(&rd);
	close(p[0]);
	recipe_free(back);
	buf_free(recs);
	buf_free(t);
}

/* Reads records (one a line) into a new recipe. */
static struct recipe *
from_records(const char *text, struct bb_error *err)
{
	struct recipe *r = recipe_new();
	struct record rec;
	const char *p, *nl;

	record_init(&rec);
	for (p = text; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		if (record_parse(&rec, p, (size_t)(nl - p), err) == -1 ||
		    recipe_add_record(r, &rec, err) != 1) {
			recipe_free(r);
			r = NULL;
			break;
		}
	}
	record_free(&rec);
	if (r != NULL && recipe_check(r, err) == -1) {
		recipe_free(r);
		r = NULL;
	}
	return r;
}

static void
test_matrix(void)
{
	static const char text[] =
	    "job hello\n"
	    "matrix CC=gcc,clang OPT=O0,O2\n"
	    "matrix arch=x86_64\n"
	    "exclude CC=clang OPT=O0\n"
	    "env CFLAGS=-$OPT\n"
	    "step build: $CC $CFLAGS -o hello hello.c\n"
	    "collect hello\n";
	struct recipe *r, *r2, **v, *back;
	struct bb_error err;
	struct buf *b = buf_new(RECIPE_MAX), *t = buf_new(RECIPE_MAX);
	size_t n, i;

	r = parse(text, &err);
	ok(r != NULL && r->naxes == 3 && r->nexcludes == 1, "a matrix of "
	    "three axes and an exclude");
	if (r == NULL) {
		printf("# %s\n", err.msg);
		return;
	}
	ok(recipe_encode(r, b, &err) == 0 && strstr(b->data,
	    "matrix name=CC values=gcc,clang\nmatrix name=OPT values=O0,O2\n"
	    "matrix name=arch values=x86_64\nexclude match=CC=clang,OPT=O0\n")
	    != NULL, "as records");
	back = from_records(b->data, &err);
	ok(back != NULL && recipe_format(r, t, &err) == 0, "read back");
	buf_reset(b);
	ok(back != NULL && recipe_format(back, b, &err) == 0 &&
	    strcmp(b->data, t->data) == 0, "the same text");
	ok(strstr(t->data, "matrix CC=gcc,clang\nmatrix OPT=O0,O2\n"
	    "matrix arch=x86_64\nexclude CC=clang OPT=O0\n") != NULL,
	    "formatted: a line an axis");
	recipe_free(back);

	ok(recipe_expand(r, &v, &n, &err) == 0 && n == 3,
	    "2x2x1 less one excluded: three jobs");
	for (i = 0; i < n; i++) {
		buf_reset(b);
		(void)recipe_config(v[i], b, &err);
		ok(recipe_check(v[i], &err) == 0 && v[i]->nexcludes == 0,
		    "combination %zu: %s", i, b->data);
	}
	buf_reset(b);
	(void)recipe_config(v[2], b, &err);
	is_str(b->data, "CC=clang OPT=O2 arch=x86_64", "the last one");
	for (i = 0; i < n; i++)
		recipe_free(v[i]);
	free(v);

	ok(recipe_set_axis(r, "CC", "tcc", &err) == 0 && r->axes[0].nvalues ==
	    1, "submit -m replaces an axis's values");
	ok(recipe_set_axis(r, "CROSS", "yes,no", &err) == 0 && r->naxes == 4,
	    "or adds one");
	ok(r->nexcludes == 0 && recipe_check(r, &err) == 0,
	    "the exclude of clang, which the axis has no more, is dropped");
	r2 = parse("job a\nmatrix A=1,2\nexclude A=3\nstep s: x\n", &err);
	ok(r2 == NULL && strstr(err.msg, "exclude A=3: not an axis and a "
	    "value") != NULL, "an exclude must name a value: %s", err.msg);
	ok(recipe_set_axis(r, "CFLAGS", "a", &err) == -1 &&
	    strstr(err.msg, "a variable of the recipe") != NULL,
	    "an axis is no env variable too: %s", err.msg);
	ok(recipe_set_axis(r, "X", "a b", &err) == -1, "a value with a "
	    "blank refused");
	recipe_free(r);

	r = parse("job a\nmatrix A=1,2\nexclude A=1\nexclude A=2\n"
	    "step s: x\n", &err);
	ok(r != NULL && recipe_expand(r, &v, &n, &err) == -1 &&
	    strstr(err.msg, "excludes every combination") != NULL,
	    "everything excluded: %s", err.msg);
	recipe_free(r);
	r = parse("job a\nmatrix A=1,2,3,4,5,6,7,8 B=1,2,3,4,5,6,7,8 "
	    "C=1,2,3,4,5\nstep s: x\n", &err);
	ok(r != NULL && recipe_expand(r, &v, &n, &err) == -1 &&
	    strstr(err.msg, "more than 256") != NULL, "320 combinations: %s",
	    err.msg);
	recipe_free(r);
	r = parse("job a\nstep s: x\n", &err);
	ok(r != NULL && recipe_expand(r, &v, &n, &err) == 0 && n == 1,
	    "no matrix: one job");
	buf_reset(b);
	ok(recipe_config(v[0], b, &err) == 0 && b->len == 0,
	    "with no configuration");
	recipe_free(v[0]);
	free(v);
	recipe_free(r);
	buf_free(b);
	buf_free(t);
}

static void
test_stages(void)
{
	static const char text[] =
	    "job hello\n"
	    "require cc\n"
	    "matrix CC=gcc,clang\n"
	    "step build: make\n"
	    "collect hello\n"
	    "\n"
	    "stage sign\n"
	    "require signer\n"
	    "collect hello\n";
	struct recipe *r, **v, *back;
	struct bb_error err;
	struct buf *b = buf_new(RECIPE_MAX), *t = buf_new(RECIPE_MAX);
	size_t n;

	r = parse(text, &err);
	ok(r != NULL && recipe_nstages(r) == 2, "two stages");
	if (r == NULL) {
		printf("# %s\n", err.msg);
		return;
	}
	is_str(r->next->name, "sign", "the stage's name");
	ok(r->next->nsteps == 0 && r->next->ncollect == 1 &&
	    strcmp(r->next->require[0], "signer") == 0,
	    "no steps: it collects what it was given, on a signer");
	ok(recipe_encode(r, b, &err) == 0 && strstr(b->data,
	    "collect glob=hello\nstage name=sign\nrecipe require=signer\n"
	    "collect glob=hello\n") != NULL, "as records");
	back = from_records(b->data, &err);
	ok(back != NULL && recipe_nstages(back) == 2, "read back");
	ok(recipe_format(r, t, &err) == 0 && back != NULL, "formatted");
	buf_reset(b);
	ok(back != NULL && recipe_format(back, b, &err) == 0 &&
	    strcmp(t->data, b->data) == 0, "the same text");
	ok(strstr(t->data, "collect hello\n\nstage sign\nrequire signer\n")
	    != NULL, "with its stage line");
	recipe_free(back);
	buf_reset(b);
	ok(recipe_encode_stage(r->next, b, &err) == 0 && strcmp(b->data,
	    "recipe name=sign require=signer\ncollect glob=hello\n") == 0,
	    "a stage alone, as the hub hands it out");

	ok(recipe_expand(r, &v, &n, &err) == 0 && n == 2 &&
	    recipe_nstages(v[1]) == 2 && v[1]->next->naxes == 1 &&
	    strcmp(v[1]->next->axes[0].values[0], "clang") == 0,
	    "each combination's stages have its values");
	ok(recipe_check(v[1], &err) == 0, "and check");
	recipe_free(v[0]);
	recipe_free(v[1]);
	free(v);
	recipe_free(r);

	r = parse("job a\nstep s: x\nstage b\nmatrix A=1,2\ncollect x\n",
	    &err);
	ok(r == NULL && strstr(err.msg, "stage b: matrix A: a matrix is the "
	    "first stage's") != NULL, "a matrix in a later stage: %s",
	    err.msg);
	r = parse("job a\nstage b\nstep s: x\n", &err);
	ok(r == NULL && strstr(err.msg, ":2: stage b: before it, recipe has "
	    "no steps") != NULL, "an empty stage before: %s", err.msg);
	r = parse("job a\nstep s: x\nstage a\ncollect x\n", &err);
	ok(r == NULL && strstr(err.msg, "two stages are named a") != NULL,
	    "two stages of one name: %s", err.msg);
	r = parse("job a\nstep s: x\nstage b\njob c\ncollect x\n", &err);
	ok(r == NULL && strstr(err.msg, ":4: job: the job's name is given "
	    "twice") != NULL, "a stage's name is its own: %s", err.msg);
	r = parse("collect x\n", &err);
	ok(r != NULL && r->nsteps == 0, "a recipe that only collects");
	recipe_free(r);
	buf_free(b);
	buf_free(t);
}

/* Writes text to dir/name, for recipe_append_file. */
static void
put(const char *dir, const char *name, const char *text)
{
	char path[512];
	int fd;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		tap_bail("write %s: %s", path, strerror(errno));
	close(fd);
}

/* Stages from files (bb-hub submit -S): named by the file if need be. */
static void
test_append_file(void)
{
	char dir[] = "/tmp/bb-recipe-XXXXXX", path[512];
	struct bb_error err;
	struct recipe *r;

	close(tap_tmpdir(dir));
	put(dir, "sign.recipe", "step s: true\n");
	put(dir, "named.recipe", "job pack\nstep p: true\n");
	put(dir, "x y.recipe", "step s: true\n");
	r = parse("job build\nstep b: true\n", &err);
	if (r == NULL)
		tap_bail("parse: %s", err.msg);
	(void)snprintf(path, sizeof(path), "%s/sign.recipe", dir);
	is_int(recipe_append_file(r, path, &err), 0, "a stage from a file");
	(void)snprintf(path, sizeof(path), "%s/named.recipe", dir);
	is_int(recipe_append_file(r, path, &err), 0, "and another");
	ok(r->next != NULL && strcmp(r->next->name, "sign") == 0,
	    "named by its file, less .recipe, without a job line");
	ok(r->next != NULL && r->next->next != NULL &&
	    strcmp(r->next->next->name, "pack") == 0 &&
	    r->next->next->next == NULL, "by its job line with one, last");
	(void)snprintf(path, sizeof(path), "%s/x y.recipe", dir);
	is_int(recipe_append_file(r, path, &err), -1, "a file's name that is "
	    "no job name");
	ok(err.code == EX_DATAERR && strstr(err.msg, "x y.recipe: no job "
	    "name") != NULL, "is refused, naming the file: %s", err.msg);
	ok(r->next->next->next == NULL, "and adds nothing");
	(void)snprintf(path, sizeof(path), "%s/none.recipe", dir);
	is_int(recipe_append_file(r, path, &err), -1, "a missing file");
	recipe_free(r);
	(void)snprintf(path, sizeof(path), "%s/sign.recipe", dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/named.recipe", dir);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/x y.recipe", dir);
	(void)unlink(path);
	(void)rmdir(dir);
}

int
main(void)
{
	test_good();
	test_matrix();
	test_stages();
	test_roundtrip();
	test_network();
	test_bad();
	test_once();
	test_append_file();
	return tap_done();
}
