#include <string.h>

#include "buildinfo.h"

#ifndef BB_VERSION
#define BB_VERSION	"unknown"
#endif
#ifndef BB_COMMIT
#define BB_COMMIT	"unknown"
#endif
#ifndef BB_BUILT
#define BB_BUILT	"unknown"
#endif

int
buildinfo_asked(int argc, char *const argv[])
{
	return argc == 2 && strcmp(argv[1], "--version") == 0;
}

const char *
buildinfo(void)
{
	return BB_VERSION " (commit " BB_COMMIT ", built " BB_BUILT ")";
}

const char *
buildinfo_version(void)
{
	return BB_VERSION;
}
