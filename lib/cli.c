#include <err.h>
#include <stdlib.h>
#include <sysexits.h>
#include <vis.h>

#include "cli.h"

#define CLI_VIS		(VIS_TAB | VIS_NL | VIS_CSTYLE | VIS_OCTAL)

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
cli_die(const struct bb_error *err)
{
	cli_warn(err->msg);
	exit(err->code != 0 ? err->code : EX_SOFTWARE);
}
