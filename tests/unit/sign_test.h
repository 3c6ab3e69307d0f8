/*
 * What the unit tests of bb-sign's keys and signatures
 * (tests/unit/sign*.c) share: keys and a signature made by signify and
 * minisign themselves, a temporary directory (dir) for the files signed,
 * and a string signed and checked as a file.
 */
#ifndef BB_SIGN_TEST_H
#define BB_SIGN_TEST_H

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "digest.h"
#include "sign.h"
#include "tap.h"

#define UNUSED	__attribute__((__unused__))

/* Made by "signify-openbsd -G -n -c golden", then "-S" of "hello\n". */
static UNUSED const char golden_pub[] =
    "untrusted comment: golden public key\n"
    "RWTy3yEAN0VVtSLmYI6UiFKdEEQL8jyAIRPkNaAzzGpME2rQ3hzCQCAE\n";
static UNUSED const char golden_sec[] =
    "untrusted comment: golden secret key\n"
    "RWRCSwAAAACXZTaVQIJ4ug59bEz45VcadI1IaJYzCsjy3yEAN0VVtWg6jcS9L5CoDOby/"
    "DSO/F1BN/Xlmn4+OuU0deiRKxf2IuZgjpSIUp0QRAvyPIAhE+Q1oDPMakwTatDeHMJAIAQ"
    "=\n";
static UNUSED const char golden_sig[] =
    "untrusted comment: verify with g.pub\n"
    "RWTy3yEAN0VVtb7o2qJe6fcFgBcRWjw369Jcl0Fhb8fvAPnXLtUToYtbUm4FsijMX0OJjg"
    "qK4NteMLfqkowkJJFpY6IV03TcVgM=\n";
/* "signify-openbsd -G" with passphrase "pw": 42 bcrypt rounds. */
static UNUSED const char signify_enc[] =
    "untrusted comment: signify secret key\n"
    "RWRCSwAAACq4Zmh1meCHHOwLn9hty83OdF3KPjJ370G9aBPWrllr96YYlBRam/VgIQTVTp9t"
    "qy/daYzlV5iAAgbFYxhKtgNh7lBBgvYNvaYkus4hS2HK6O1GsnPuyCUxNLNm4zBzJXs=\n";
/* "minisign -G" with password "pw" (scrypt, 1 GiB). */
static UNUSED const char minisign_enc[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWRTY0Iy6hBJ8w46bTmdODCNzj31WnbX8qH+r160+2gPUSWbBx4AAAACAAAAAAAAAEAAAAAA"
    "zSjhpWH/e+MnnRUSMTuYYyrmvKxLtlEFUk/Wq7v4Mxxr7qzGGCmz8AXh9Q8nzqp8vpoKF9O2"
    "rtI+5S6Twfe5NDij+rpCbCbpxsgUl0a/fyzPvzaQHxrRqKk6iZjCdMpakomhKcY805k=\n";
static UNUSED const char minisign_enc_pub[] =
    "untrusted comment: minisign public key 7D359D070128A103\n"
    "RWQDoSgBB501ffvLp9lS00Ij9esmgEdwQwPzL7mJ8gZEIU3yZG+t3W6s\n";
/*
 * The same format with scrypt's smallest limits (16 MiB), password "pw":
 * made by tests/tools/scryptkey from a key of bb-sign -G.  The key of
 * minisign -G above takes 1 GiB and seconds; it is read with BB_SLOW=1.
 */
static UNUSED const char small_enc[] =
    "untrusted comment: minisign encrypted secret key\n"
    "RWRTY0Iye8cHUlkh+MCuIHi+kRSsB6adGR0kYTaSbr6CXU0yCKIAgAAAAAAAAAAAAAEAAAAA"
    "h7de8c5X2uSAvrpNzLS+BhmR4gR/dJy6Je9+aGmGwkcUSc9/uv3aNdTsJ6wAczeizq3muN1g"
    "Tswt4ZTX5LvMe7fEynU+gMUweAIpn6fNDWUdeH0YqQgJ28RjgJhaZc63TxQyGm75YSo=\n";
static UNUSED const char small_enc_pub[] =
    "untrusted comment: minisign public key 2A04AD65A7064806\n"
    "RWQGSAanZa0EKhvPZQXcdaadZKoLWMhhzVjLRbPj2PFQtHeS6dub33MV\n";

static char dir[] = "/tmp/bb-unit-sign.XXXXXX";

/* Returns a descriptor of a new file holding s. */
static UNUSED int
file_with(const char *name, const char *s, size_t len)
{
	char path[300];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd == -1 || write(fd, s, len) != (ssize_t)len ||
	    lseek(fd, 0, SEEK_SET) == -1)
		return -1;
	return fd;
}

static UNUSED int
sign_str(const struct sign_seckey *sk, enum sign_format fmt, const char *msg,
    const char *trusted, struct buf *out, struct bb_error *err)
{
	int fd, rv;

	if ((fd = file_with("msg", msg, strlen(msg))) == -1)
		return -1;
	buf_reset(out);
	rv = sign_fd(sk, fmt, fd, "msg", NULL, trusted, NULL, out, err);
	close(fd);
	return rv;
}

static UNUSED int
verify_str(const struct sign_pubkey *pk, const char *sigtext, size_t len,
    const char *msg, struct bb_error *err)
{
	struct sign_sig sig;
	int fd, rv;

	if (sign_sig_parse(sigtext, len, "msg.sig", &sig, err) == -1)
		return -1;
	if ((fd = file_with("msg", msg, strlen(msg))) == -1)
		return -1;
	rv = sign_verify_fd(pk, &sig, fd, "msg", err);
	close(fd);
	return rv;
}

/* Makes dir, or bails out. */
static UNUSED void
dir_setup(void)
{
	if (mkdtemp(dir) == NULL)
		tap_bail("mkdtemp %s", dir);
}

/* Removes dir.  Reports as one test. */
static UNUSED void
dir_cleanup(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ok(system(cmd) == 0, "clean up");
}

#endif
