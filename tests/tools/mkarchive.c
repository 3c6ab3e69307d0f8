/*
 * mkarchive: writes an archive, hostile ones included, from a list of
 * members on standard input, with libarchive's writer.
 *
 *	mkarchive [-f tar|ustar|pax|gnutar|zip] [-z none|gzip|bzip2|xz|zstd|lz4]
 *	    OUT < LIST
 *
 * One member a line (names and targets may use %XX for any byte; all
 * members have mtime 1700000000):
 *
 *	file NAME [MODE [SIZE]]	SIZE bytes of "line N\n" text
 *	text NAME WORD		the content WORD and a newline
 *	dir NAME [MODE]
 *	symlink NAME TARGET
 *	hardlink NAME TARGET
 *	chr NAME | blk NAME | fifo NAME | sock NAME
 *	many PREFIX N		N empty files PREFIX0 ... PREFIX<N-1>
 *	nosize NAME SIZE	a file whose header has no size (zip only)
 *	claim NAME SIZE		a header that says SIZE bytes, 1 KiB of
 *				data, and the archive ends there (cut)
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#define MTIME	1700000000

static void
decode(char *s)
{
	char *d = s;
	unsigned int c;

	for (; *s != '\0'; s++) {
		if (s[0] == '%' && sscanf(s + 1, "%2x", &c) == 1) {
			*d++ = (char)c;
			s += 2;
		} else
			*d++ = *s;
	}
	*d = '\0';
}

static void
put(struct archive *a, struct archive_entry *e)
{
	if (archive_write_header(a, e) < ARCHIVE_WARN)
		errx(EX_SOFTWARE, "header %s: %s", archive_entry_pathname(e),
		    archive_error_string(a));
}

static void
data(struct archive *a, long long size)
{
	char block[8192];
	long long n = 0, i = 0;
	size_t len;

	while (n < size) {
		len = 0;
		while (len < sizeof(block) - 32 && n + (long long)len < size)
			len += (size_t)snprintf(block + len, 32, "line %lld\n",
			    i++);
		if (n + (long long)len > size)
			len = (size_t)(size - n);
		if (archive_write_data(a, block, len) < 0)
			errx(EX_SOFTWARE, "data: %s", archive_error_string(a));
		n += (long long)len;
	}
}

int
main(int argc, char *argv[])
{
	struct archive *a;
	struct archive_entry *e;
	char line[8192], *w[4], *p;
	const char *fmt = "pax", *z = "none";
	long long size, i, n;
	int ch, nw, zip;

	while ((ch = getopt(argc, argv, "f:z:")) != -1) {
		switch (ch) {
		case 'f':
			fmt = optarg;
			break;
		case 'z':
			z = optarg;
			break;
		default:
			goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		goto usage;
	zip = strcmp(fmt, "zip") == 0;
	if ((a = archive_write_new()) == NULL ||
	    archive_write_set_format_by_name(a, fmt) != ARCHIVE_OK ||
	    (strcmp(z, "none") != 0 &&
	    archive_write_add_filter_by_name(a, z) != ARCHIVE_OK) ||
	    archive_write_set_bytes_per_block(a, 0) != ARCHIVE_OK ||
	    archive_write_open_filename(a, argv[0]) != ARCHIVE_OK)
		errx(EX_SOFTWARE, "%s: %s", argv[0], archive_error_string(a));
	e = archive_entry_new();
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		nw = 0;
		for (p = strtok(line, " "); p != NULL && nw < 4;
		    p = strtok(NULL, " "))
			decode(w[nw++] = p);
		if (nw < 2)
			continue;
		archive_entry_clear(e);
		archive_entry_set_pathname(e, w[1]);
		archive_entry_set_mtime(e, MTIME, 0);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, nw > 2 ? strtol(w[2], NULL, 8) :
		    0644);
		if (strcmp(w[0], "file") == 0) {
			size = nw > 3 ? strtoll(w[3], NULL, 10) : 0;
			archive_entry_set_size(e, size);
			put(a, e);
			data(a, size);
		} else if (strcmp(w[0], "text") == 0 && nw == 3) {
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, (la_int64_t)strlen(w[2]) + 1);
			put(a, e);
			archive_write_data(a, w[2], strlen(w[2]));
			archive_write_data(a, "\n", 1);
		} else if (strcmp(w[0], "dir") == 0) {
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, nw > 2 ?
			    strtol(w[2], NULL, 8) : 0755);
			put(a, e);
		} else if (strcmp(w[0], "symlink") == 0 && nw == 3) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_perm(e, 0777);
			archive_entry_set_symlink(e, w[2]);
			put(a, e);
		} else if (strcmp(w[0], "hardlink") == 0 && nw == 3) {
			archive_entry_set_hardlink(e, w[2]);
			archive_entry_set_size(e, 0);
			put(a, e);
		} else if (strcmp(w[0], "chr") == 0 ||
		    strcmp(w[0], "blk") == 0) {
			archive_entry_set_filetype(e, w[0][0] == 'c' ?
			    AE_IFCHR : AE_IFBLK);
			archive_entry_set_rdev(e, makedev(1, 3));
			put(a, e);
		} else if (strcmp(w[0], "fifo") == 0) {
			archive_entry_set_filetype(e, AE_IFIFO);
			put(a, e);
		} else if (strcmp(w[0], "sock") == 0) {
			archive_entry_set_filetype(e, AE_IFSOCK);
			put(a, e);
		} else if (strcmp(w[0], "many") == 0 && nw == 3) {
			n = strtoll(w[2], NULL, 10);
			for (i = 0; i < n; i++) {
				char name[4096];

				(void)snprintf(name, sizeof(name), "%s%lld",
				    w[1], i);
				archive_entry_set_pathname(e, name);
				archive_entry_set_size(e, 0);
				put(a, e);
			}
		} else if (strcmp(w[0], "nosize") == 0 && nw == 3 && zip) {
			archive_entry_set_perm(e, 0644);
			archive_entry_unset_size(e);
			put(a, e);
			data(a, strtoll(w[2], NULL, 10));
		} else if (strcmp(w[0], "claim") == 0 && nw == 3) {
			archive_entry_set_perm(e, 0644);
			archive_entry_set_size(e, strtoll(w[2], NULL, 10));
			put(a, e);
			data(a, 1024);
			/* No close: that would write all the bytes claimed. */
			_exit(0);
		} else
			errx(EX_DATAERR, "bad line: %s", w[0]);
	}
	archive_entry_free(e);
	if (archive_write_free(a) != ARCHIVE_OK)
		errx(EX_IOERR, "%s: close", argv[0]);
	return 0;
usage:
	fprintf(stderr, "usage: mkarchive [-f format] [-z filter] out "
	    "< list\n");
	return EX_USAGE;
}
