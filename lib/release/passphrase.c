#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <readpassphrase.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "file.h"
#include "passphrase.h"

void
passphrase_init(struct passphrase *pp)
{
	pp->file = NULL;
	pp->fd = -1;
}

/* Reads one line from fd a byte at a time, so nothing after it is used. */
static int
read_line_fd(int fd, char *buf, size_t size, struct bb_error *err)
{
	size_t n = 0;
	ssize_t r;
	char c;

	for (;;) {
		if ((r = read(fd, &c, 1)) == -1) {
			if (errno == EINTR)
				continue;
			bb_error_errno(err, EX_IOERR,
			    "read passphrase from descriptor %d", fd);
			return -1;
		}
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= size) {
			bb_error_set(err, EX_DATAERR, "passphrase from "
			    "descriptor %d: longer than %zu bytes", fd,
			    size - 1);
			return -1;
		}
		buf[n++] = c;
	}
	buf[n] = '\0';
	return 0;
}

static int
read_file(const char *path, char *buf, size_t size, struct bb_error *err)
{
	struct buf *b = NULL;
	char *nl;
	int rv = -1;

	if (file_read_secret(AT_FDCWD, path, size * 4, &b, err) == -1)
		goto out;
	if ((nl = memchr(b->data, '\n', b->len)) != NULL)
		*nl = '\0';
	if (strlcpy(buf, b->data, size) >= size) {
		bb_error_set(err, EX_DATAERR, "%s: passphrase longer than %zu "
		    "bytes", path, size - 1);
		goto out;
	}
	rv = 0;
out:
	buf_freezero(b);
	return rv;
}

static int
ask(const char *prompt, int twice, char *buf, size_t size,
    struct bb_error *err)
{
	char again[PASSPHRASE_MAX];
	int rv = -1;

	if (readpassphrase(prompt, buf, size, RPP_REQUIRE_TTY) == NULL) {
		if (errno == ENOTTY || errno == ENXIO || errno == ENOENT)
			bb_error_set(err, EX_USAGE, "no terminal to ask for "
			    "the passphrase: give it with -P file or -F fd");
		else
			bb_error_errno(err, EX_IOERR, "read passphrase");
		return -1;
	}
	if (!twice)
		return 0;
	if (readpassphrase("confirm passphrase: ", again,
	    size < sizeof(again) ? size : sizeof(again),
	    RPP_REQUIRE_TTY) == NULL) {
		bb_error_errno(err, EX_IOERR, "read passphrase");
		goto out;
	}
	if (strcmp(buf, again) != 0) {
		bb_error_set(err, EX_USAGE, "the passphrases do not match");
		goto out;
	}
	rv = 0;
out:
	explicit_bzero(again, sizeof(again));
	return rv;
}

int
passphrase_get(const struct passphrase *pp, const char *prompt, int twice,
    char *buf, size_t size, struct bb_error *err)
{
	int rv;

	if (size > PASSPHRASE_MAX)
		size = PASSPHRASE_MAX;
	if (pp->file != NULL)
		rv = read_file(pp->file, buf, size, err);
	else if (pp->fd != -1)
		rv = read_line_fd(pp->fd, buf, size, err);
	else
		rv = ask(prompt, twice, buf, size, err);
	if (rv == 0 && buf[0] == '\0') {
		bb_error_set(err, EX_USAGE, "empty passphrase");
		rv = -1;
	}
	if (rv == -1)
		explicit_bzero(buf, size);
	return rv;
}
