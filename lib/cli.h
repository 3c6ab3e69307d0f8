/*
 * What the commands of cmd/ say and do alike when they stop: an error
 * from lib/ told on standard error, its control bytes made visible
 * (STYLE.md: untrusted bytes never reach a terminal raw), and the exit
 * with its sysexits(3) code.
 *
 * The one module of lib/ that prints and exits: it is for cmd/ only.  No
 * other module calls it (tests/cmd/layout.t checks that only this file
 * includes <err.h>).
 */
#ifndef BB_CLI_H
#define BB_CLI_H

#include "error.h"

/*
 * What every command does first: opens /dev/null on any of fd 0-2 that
 * is closed, and answers --version, when it is the only argument, with
 * "NAME VERSION (commit C, built D)" and exit 0 (EX_IOERR when standard
 * output fails).
 */
void	cli_start(int, char *[], const char *name);

/*
 * Prints "PROGNAME: msg" on standard error as warnx(3) does, with tabs,
 * newlines and other control bytes written as \t, \n and \ooo.
 */
void	cli_warn(const char *);

/*
 * Says that a try failed and when the next comes: "MSG; trying again in
 * N s", N rounded up (the notify of an http_retry; arg is not used).
 */
void	cli_warn_retry(void *, const struct bb_error *, long ms);

/*
 * Prints err's message as cli_warn does and exits with its code
 * (EX_SOFTWARE when it has none).
 */
__dead void	cli_die(const struct bb_error *);

#endif
