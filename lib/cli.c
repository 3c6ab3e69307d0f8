#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <vis.h>

#include "buildinfo.h"
#include "cli.h"
#include "file.h"

#define CLI_VIS		(VIS_TAB | VIS_NL | VIS_CSTYLE | VIS_OCTAL)

void
cli_start(int argc, char *argv[], const char *name)
{
	file_sanitise_stdfd();
	if (buildinfo_asked(argc, argv)) {
		printf("%s %s\n", name, buildinfo());
		exit(fflush(stdout) == EOF ? EX_IOERR : 0);
	}
}

void
cli_warn(const char *msg)
{
	char *v = NULL;

	if (stravis(&v, msg, CLI_VIS) == -1)
		warnx("%s", "(message lost: out of memory)");
	else
		warnx("%s", v);
	free(v);
}

void
cli_warn_retry(void *arg, const struct bb_error *err, long ms)
{
	char msg[BB_ERROR_MAX + 64];

	(void)arg;
	(void)snprintf(msg, sizeof(msg), "%s; trying again in %ld s",
	    err->msg, (ms + 999) / 1000);
	cli_warn(msg);
}

void
cli_die(const struct bb_error *err)
{
	cli_warn(err->msg);
	exit(err->code != 0 ? err->code : EX_SOFTWARE);
}
