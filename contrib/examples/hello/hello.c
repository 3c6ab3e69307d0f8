/* hello: greets whoever is named, as a build farm's first job. */
#include <stdio.h>
#include <string.h>

#include "config.h"

int
main(int argc, char *argv[])
{
	const char *who = argc > 1 ? argv[1] : "world";

	if (argc > 2 || strlen(who) > 64) {
		fprintf(stderr, "usage: hello [name]\n");
		return 64;
	}
	printf("hello, %s (%s %s)\n", who, PACKAGE, VERSION);
	return 0;
}
