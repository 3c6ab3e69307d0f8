/*
 * The output of an archive (lib/release/pack.h): libarchive's blocks
 * gathered into large writes and hashed as they go; for tar.gz, the tar
 * stream compressed in chunks on several cores.
 */
#include <sys/types.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "buf.h"
#include "pack_impl.h"

/* Writes len bytes of output, hashing them. */
static int
out_write(struct pack *p, const char *s, size_t len)
{
	ssize_t n;

	if (p->d != NULL && digest_update(p->d, s, len) == -1) {
		archive_set_error(p->a, EINVAL, "sha256 failed");
		return -1;
	}
	p->osize += (off_t)len;
	while (len > 0) {
		if ((n = write(p->fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			p->oerrno = errno;
			archive_set_error(p->a, errno, "%s", strerror(errno));
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * tar.gz on several cores: the tar stream is cut into PACK_GZ_CHUNK
 * pieces, each compressed by libarchive's gzip filter into a gzip member
 * of its own, several at a time, and the members are written in order.
 * RFC 1952 reads members one after the other; gunzip, tar and bsdtar
 * unpack the whole.  The cuts do not depend on the number of threads, so
 * neither do the bytes.
 */
struct gz_chunk {
	char		*in;
	size_t		 inlen;
	struct buf	*out;
	int		 level;
	int		 failed;
	pthread_t	 th;
};

static la_ssize_t
gz_out(struct archive *a, void *arg, const void *buf, size_t n)
{
	struct gz_chunk *c = arg;

	(void)a;
	return buf_add(c->out, buf, n) == -1 ? -1 : (la_ssize_t)n;
}

static void *
gz_compress(void *arg)
{
	struct gz_chunk *c = arg;
	struct archive *a;
	struct archive_entry *e = NULL;
	char v[8];
	int r;

	c->failed = 1;
	buf_reset(c->out);
	if ((a = archive_write_new()) == NULL)
		return NULL;
	(void)snprintf(v, sizeof(v), "%d", c->level);
	r = archive_write_set_format_raw(a);
	if (r == ARCHIVE_OK)
		r = archive_write_add_filter_gzip(a);
	if (r == ARCHIVE_OK)
		r = archive_write_set_filter_option(a, "gzip", "timestamp",
		    NULL);
	if (r == ARCHIVE_OK)
		r = archive_write_set_filter_option(a, "gzip",
		    "compression-level", v);
	if (r == ARCHIVE_OK)
		r = archive_write_set_bytes_in_last_block(a, 1);
	if (r == ARCHIVE_OK)
		r = archive_write_open(a, c, NULL, gz_out, NULL);
	if (r == ARCHIVE_OK && (e = archive_entry_new()) != NULL) {
		archive_entry_set_filetype(e, AE_IFREG);
		if (archive_write_header(a, e) == ARCHIVE_OK &&
		    archive_write_data(a, c->in, c->inlen) ==
		    (la_ssize_t)c->inlen && archive_write_close(a) ==
		    ARCHIVE_OK)
			c->failed = 0;
	}
	archive_entry_free(e);
	archive_write_free(a);
	return NULL;
}

/* Compresses the first n chunks, at once, and writes them in order. */
static int
gz_batch(struct pack *p, size_t n)
{
	size_t i, started = 1;
	int rv = 0;

	if (n == 0)
		return 0;
	/* The first in this thread, the others in threads of their own. */
	for (i = 1; i < n; i++, started++)
		if (pthread_create(&p->gz[i].th, NULL, gz_compress,
		    &p->gz[i]) != 0)
			break;
	gz_compress(&p->gz[0]);
	for (i = started; i < n; i++)
		gz_compress(&p->gz[i]);
	for (i = 1; i < started; i++)
		(void)pthread_join(p->gz[i].th, NULL);
	for (i = 0; i < n; i++) {
		if (rv == 0 && p->gz[i].failed) {
			archive_set_error(p->a, ENOMEM, "gzip failed");
			p->gzfailed = 1;
			rv = -1;
		}
		if (rv == 0 && out_write(p, p->gz[i].out->data,
		    p->gz[i].out->len) == -1)
			rv = -1;
		p->gz[i].inlen = 0;
	}
	p->gzcur = 0;
	return rv;
}

int
pack_gz_init(struct pack *p, int threads, struct bb_error *err)
{
	size_t i;

	p->ngz = (size_t)(threads < 1 ? 1 : threads > PACK_GZ_THREADS ?
	    PACK_GZ_THREADS : threads);
	if ((p->gz = calloc(p->ngz, sizeof(*p->gz))) == NULL)
		goto nomem;
	for (i = 0; i < p->ngz; i++) {
		p->gz[i].level = p->o.level == -1 ? 6 : p->o.level;
		if ((p->gz[i].in = malloc(PACK_GZ_CHUNK)) == NULL ||
		    (p->gz[i].out = buf_new(2 * PACK_GZ_CHUNK)) == NULL)
			goto nomem;
	}
	return 0;
nomem:
	bb_error_errno(err, EX_OSERR, "archive");
	return -1;
}

void
pack_gz_free(struct pack *p)
{
	size_t i;

	for (i = 0; p->gz != NULL && i < p->ngz; i++) {
		free(p->gz[i].in);
		buf_free(p->gz[i].out);
	}
	free(p->gz);
}

static int
sink_flush(struct pack *p)
{
	int rv;

	rv = out_write(p, p->obuf, p->olen);
	p->olen = 0;
	return rv;
}

/* The sink's buffer is full: written, or, for tar.gz, one more chunk. */
static int
sink_full(struct pack *p)
{
	if (p->gz == NULL)
		return sink_flush(p);
	if (++p->gzcur < p->ngz)
		return 0;
	return gz_batch(p, p->ngz);
}

la_ssize_t
pack_sink_write(struct archive *a, void *arg, const void *buf, size_t n)
{
	struct pack *p = arg;
	size_t room, cap, *len, done = 0;
	char *dst;

	(void)a;
	while (done < n) {
		if (p->gz != NULL) {
			dst = p->gz[p->gzcur].in;
			len = &p->gz[p->gzcur].inlen;
			cap = PACK_GZ_CHUNK;
		} else {
			dst = p->obuf;
			len = &p->olen;
			cap = PACK_OBUF;
		}
		room = cap - *len;
		if (room > n - done)
			room = n - done;
		memcpy(dst + *len, (const char *)buf + done, room);
		*len += room;
		done += room;
		if (*len == cap && sink_full(p) == -1)
			return -1;
	}
	return (la_ssize_t)n;
}

int
pack_sink_close(struct archive *a, void *arg)
{
	struct pack *p = arg;

	(void)a;
	if (p->gz == NULL)
		return sink_flush(p) == -1 ? ARCHIVE_FATAL : ARCHIVE_OK;
	if (p->gz[p->gzcur].inlen > 0)
		p->gzcur++;
	return gz_batch(p, p->gzcur) == -1 ? ARCHIVE_FATAL : ARCHIVE_OK;
}
