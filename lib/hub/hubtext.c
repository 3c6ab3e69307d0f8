/*
 * The hub's records told to people (lib/hub/hubtext.h), for bb-hub(8)'s
 * admin commands jobs, workers, show, log and fetch.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vis.h>

#include "hubpage.h"
#include "hubtext.h"

/* Writes len bytes of v made visible; -1 when memory runs out. */
static int
put_vis(FILE *fp, const char *v, size_t len)
{
	char *out;

	if ((out = calloc(len + 1, 4)) == NULL)
		return -1;
	(void)strvisx(out, v, len, VIS_SAFE | VIS_OCTAL | VIS_NOSLASH);
	fputs(out, fp);
	free(out);
	return 0;
}

/* A value of r, "-" when it has none. */
static const char *
get(const struct record *r, const char *key)
{
	const char *v = record_get(r, key);

	return v != NULL && *v != '\0' ? v : "-";
}

static int
put_key(FILE *fp, const struct record *r, const char *key)
{
	return put_vis(fp, get(r, key), strlen(get(r, key)));
}

static int
end(FILE *fp, int rv)
{
	return rv == -1 || ferror(fp) ? -1 : 0;
}

int
hubtext_jobs_head(FILE *fp)
{
	fprintf(fp, "%-6s %-9s %-2s %-16s %s\n", "ID", "STATE", "AT",
	    "WORKER", "NAME");
	return end(fp, 0);
}

int
hubtext_job_line(void *arg, const struct record *r)
{
	FILE *fp = arg;
	int rv;

	fprintf(fp, "%-6s %-9s %-2s %-16s ", get(r, "id"), get(r, "state"),
	    get(r, "attempt"), get(r, "worker"));
	rv = put_key(fp, r, "name");
	if (rv == 0 && record_get(r, "config") != NULL) {
		putc(' ', fp);
		rv = put_key(fp, r, "config");
	}
	/* A stage of a chain: which, of which. */
	if (record_get(r, "stage") != NULL)
		fprintf(fp, " (stage %s of %s, pipeline %s)", get(r, "stage"),
		    get(r, "stages"), get(r, "pipeline"));
	putc('\n', fp);
	return end(fp, rv);
}

int
hubtext_workers_head(FILE *fp)
{
	fprintf(fp, "%-16s %-4s %-5s %-8s %-20s %-12s %s\n", "NAME", "CONN",
	    "SLOTS", "VERSION", "LAST SEEN", "RUNNING", "CAPS");
	return end(fp, 0);
}

/* Writes "    label value" when r has key. */
static int
put_also(FILE *fp, const struct record *r, const char *key,
    const char *label)
{
	const char *v;
	size_t len;
	int rv;

	if ((v = record_getn(r, key, &len)) == NULL || len == 0)
		return 0;
	fprintf(fp, "    %-10s ", label);
	rv = put_vis(fp, v, len);
	putc('\n', fp);
	return rv;
}

int
hubtext_worker_line(void *arg, const struct record *r)
{
	FILE *fp = arg;
	char t[32];
	int rv;

	if (strcmp(get(r, "last_seen"), "0") == 0 ||
	    hubpage_time(get(r, "last_seen"), t, sizeof(t)) == -1)
		(void)strlcpy(t, "-", sizeof(t));
	fprintf(fp, "%-16s %-4s %-5s %-8s %-20s %-12s ", get(r, "name"),
	    strcmp(get(r, "connected"), "1") == 0 ? "yes" : "no",
	    get(r, "slots"), get(r, "version"), t, get(r, "running"));
	rv = put_key(fp, r, "caps");
	putc('\n', fp);
	if (rv == 0)
		rv = put_also(fp, r, "info.access_uri", "access_uri");
	if (rv == 0)
		rv = put_also(fp, r, "info.host", "host");
	if (rv == 0)
		rv = put_also(fp, r, "info.admin", "admin");
	if (rv == 0)
		rv = put_also(fp, r, "tools", "tools");
	return end(fp, rv);
}

int
hubtext_show(void *arg, const struct record *r)
{
	FILE *fp = arg;
	const char *v;
	size_t i, len;
	int rv = 0;

	if (record_is(r, "job")) {
		for (i = 0; i < r->nf && rv == 0; i++) {
			const char *k = record_key(r, i);
			char t[32];

			fprintf(fp, "%-10s ", k);
			v = record_val(r, i, &len);
			if (hubpage_time_key(k) &&
			    hubpage_time(v, t, sizeof(t)) == 0)
				fputs(t, fp);
			else
				rv = put_vis(fp, v, len);
			putc('\n', fp);
		}
	} else if (record_is(r, "step")) {
		fprintf(fp, "step       %s: ", get(r, "name"));
		v = record_getn(r, "cmd", &len);
		rv = put_vis(fp, v ? v : "", v ? len : 0);
		putc('\n', fp);
	} else if (record_is(r, "pipeline")) {
		/* A stage of the job's chain: "stage 2 job 13 sign: ...". */
		fprintf(fp, "stage      %s job %s ", get(r, "stage"),
		    get(r, "id"));
		rv = put_key(fp, r, "name");
		fprintf(fp, ": %s", get(r, "state"));
		if (record_get(r, "worker") != NULL)
			fprintf(fp, " on %s", get(r, "worker"));
		fprintf(fp, ", %s artifacts", get(r, "artifacts"));
		if (rv == 0 && record_get(r, "reason") != NULL) {
			fputs(" (", fp);
			rv = put_key(fp, r, "reason");
			putc(')', fp);
		}
		putc('\n', fp);
	} else if (record_is(r, "attempt"))
		fprintf(fp, "attempt    %s by %s: %s %s\n", get(r, "n"),
		    get(r, "worker"), get(r, "end"), get(r, "result"));
	else if (record_is(r, "artifact")) {
		fprintf(fp, "artifact   %s %s %s ", get(r, "attempt"),
		    get(r, "size"), get(r, "sha256"));
		rv = put_key(fp, r, "name");
		putc('\n', fp);
	}
	return end(fp, rv);
}

int
hubtext_log(void *arg, long long seq, const char *line, size_t len)
{
	struct hubtext_log *lo = arg;
	FILE *fp = lo->fp;
	struct record r;
	const char *v;
	size_t vlen;
	int rv = 0;

	(void)seq;
	if (lo->raw) {
		if (fwrite(line, 1, len, fp) != len || putc('\n', fp) == EOF)
			return -1;
		return 0;
	}
	record_init(&r);
	if (record_parse(&r, line, len, NULL) == -1)
		goto out;
	if (record_is(&r, "log") &&
	    (v = record_getn(&r, "data", &vlen)) != NULL) {
		if (lo->tty)
			rv = put_vis(fp, v, vlen);
		else if (fwrite(v, 1, vlen, fp) != vlen)
			rv = -1;
	} else if (record_is(&r, "status")) {
		fprintf(fp, "== %s %s", get(&r, "step"), get(&r, "state"));
		if (record_get(&r, "result") != NULL)
			fprintf(fp, " %s", get(&r, "result"));
		if (record_get(&r, "rc") != NULL)
			fprintf(fp, " rc=%s", get(&r, "rc"));
		if (record_get(&r, "signal") != NULL)
			fprintf(fp, " signal=%s", get(&r, "signal"));
		if (record_get(&r, "elapsed") != NULL)
			fprintf(fp, " %ss", get(&r, "elapsed"));
		putc('\n', fp);
	} else if (record_is(&r, "done")) {
		(void)strlcpy(lo->done, get(&r, "result"), sizeof(lo->done));
		fprintf(fp, "== done %s", get(&r, "result"));
		if (record_get(&r, "reason") != NULL) {
			putc(' ', fp);
			rv = put_key(fp, &r, "reason");
		}
		putc('\n', fp);
	} else if (record_is(&r, "error")) {
		/* A stage that failed: which one, and why. */
		fprintf(fp, "== error %s: ", get(&r, "tool"));
		if ((v = record_get(&r, "artifact")) != NULL) {
			fputs("artifact ", fp);
			rv = put_vis(fp, v, strlen(v));
			fputs(": ", fp);
		}
		if (rv == 0)
			rv = put_key(fp, &r, "msg");
		putc('\n', fp);
	}
out:
	record_free(&r);
	return end(fp, rv);
}

int
hubtext_fetched(FILE *fp, const char *outdir, const char *name)
{
	int rv;

	if (outdir != NULL)
		fprintf(fp, "%s%s", outdir, outdir[strlen(outdir) - 1] == '/' ?
		    "" : "/");
	rv = put_vis(fp, name, strlen(name));
	putc('\n', fp);
	return end(fp, rv);
}

int
hubtext_log_end(struct hubtext_log *lo, const char *state,
    const char *reason)
{
	int rv = 0;

	if (strcmp(state, "queued") == 0 || strcmp(state, "running") == 0 ||
	    strcmp(state, lo->done) == 0)
		return 0;
	fprintf(lo->fp, "== job %s", state);
	if (reason != NULL) {
		putc(' ', lo->fp);
		rv = put_vis(lo->fp, reason, strlen(reason));
	}
	putc('\n', lo->fp);
	return end(lo->fp, rv);
}
