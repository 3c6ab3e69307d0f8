#include <sys/types.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "blob.h"
#include "hubdb.h"
#include "hubsrc.h"
#include "hubstage.h"

/* The files of a stage, as hubdb_stage_files gives them. */
struct files {
	struct blob_store	*blobs;
	struct hubsrc_file	*v;
	size_t			 n;
	off_t			 total;
};

static int
add_file(void *arg, const char *name, const char *hex, off_t size,
    int exec, struct bb_error *err)
{
	struct files *f = arg;
	struct hubsrc_file *nv;
	off_t got;
	int fd;

	f->total += size;
	if (f->total > HUB_SOURCE_MAX) {
		bb_error_set(err, EX_DATAERR, "its artifacts are more than a "
		    "source may be, %lld bytes", HUB_SOURCE_MAX);
		return -1;
	}
	if ((fd = blob_open(f->blobs, hex, &got, err)) == -1) {
		bb_error_prefix(err, "artifact %s", name);
		return -1;
	}
	if ((nv = reallocarray(f->v, f->n + 1, sizeof(*nv))) == NULL ||
	    (nv[f->n].name = strdup(name)) == NULL) {
		if (nv != NULL)
			f->v = nv;
		close(fd);
		bb_error_errno(err, EX_OSERR, "artifact %s", name);
		return -1;
	}
	f->v = nv;
	nv[f->n].fd = fd;
	nv[f->n].size = got;
	nv[f->n].exec = exec;
	f->n++;
	return 0;
}

static void
files_free(struct files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		free(f->v[i].name);
		close(f->v[i].fd);
	}
	free(f->v);
}

static int
to_blob(void *arg, const void *p, size_t len, struct bb_error *err)
{
	return blob_writer_add(arg, p, len, err);
}

/*
 * Packs what attempt n of job id kept into a new source blob (hex, size).
 * Returns 0, 1 when it cannot be (err says why: the chain stops), or -1
 * when the database fails.
 */
static int
pack(struct hub_dir *hd, long long id, long long n, char *hex, off_t *size,
    struct bb_error *err)
{
	struct files f = { hd->blobs, NULL, 0, 0 };
	struct blob_writer *w = NULL;
	int rv = 1;

	if (hubdb_stage_files(hd->db, id, n, add_file, &f, err) == -1) {
		rv = err->code == EX_IOERR ? -1 : 1;
		goto out;
	}
	if (blob_writer_new(hd->blobs, HUB_SOURCE_MAX, &w, err) == -1)
		goto out;
	if (hubsrc_pack_files(f.v, f.n, 0, to_blob, w, err) == -1) {
		blob_writer_abort(w);
		goto out;
	}
	if (blob_writer_commit(w, NULL, hex, size, err) == -1)
		goto out;
	rv = 0;
out:
	files_free(&f);
	return rv;
}

static void __printflike(3, 4)
say(void (*log)(void *, const char *), void *arg, const char *fmt, ...)
{
	char msg[BB_ERROR_MAX];
	va_list ap;

	if (log == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log(arg, msg);
}

int
hubstage_advance(struct hub_dir *hd, long long now,
    void (*log)(void *, const char *), void *arg, struct hubstage_moved *m,
    struct bb_error *err)
{
	struct hubdb_due *v;
	struct bb_error why;
	char hex[DIGEST_HEXLEN + 1], reason[2 * BB_ERROR_MAX + 256];
	off_t size;
	size_t n, i;
	int rv = -1, r;

	if (hubdb_stages_due(hd->db, &v, &n, err) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].state, "success") == 0) {
			if ((r = pack(hd, v[i].prev, v[i].attempt, hex, &size,
			    &why)) == -1) {
				*err = why;
				goto out;
			}
			if (r == 0) {
				if ((r = hubdb_stage_queue(hd->db, v[i].id, hex,
				    size, err)) == -1)
					goto out;
				if (r == HUB_OK) {
					m->queued++;
					say(log, arg, "job %lld: queued, with "
					    "what job %lld kept", v[i].id,
					    v[i].prev);
				}
				continue;
			}
			(void)snprintf(reason, sizeof(reason), "stage %s (job "
			    "%lld) succeeded, but its artifacts cannot go on: "
			    "%s", v[i].name, v[i].prev, why.msg);
		} else
			(void)snprintf(reason, sizeof(reason), "stage %s (job "
			    "%lld) ended %s%s%s", v[i].name, v[i].prev,
			    v[i].state, v[i].reason != NULL ? ": " : "",
			    v[i].reason != NULL ? v[i].reason : "");
		if (hubdb_stage_stop(hd->db, v[i].id, reason, now, err) == -1)
			goto out;
		m->stopped++;
		say(log, arg, "job %lld: cancelled: %s", v[i].id, reason);
	}
	rv = 0;
out:
	hubdb_due_free(v, n);
	return rv;
}
