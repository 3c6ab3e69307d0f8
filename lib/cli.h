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
 * Prints "PROGNAME: msg" on standard error as warnx(3) does, with tabs,
 * newlines and other control bytes written as \t, \n and \ooo.
 */
void	cli_warn(const char *);

/*
 * Prints err's message as cli_warn does and exits with its code
 * (EX_SOFTWARE when it has none).
 */
__dead void	cli_die(const struct bb_error *);

#endif
