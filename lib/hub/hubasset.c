/*
 * The files of lib/hub/hubasset.h, taken into the object file as they
 * are by the assembler's .incbin (make runs the compiler in the top
 * folder; the Makefile rebuilds this file when they change).
 */
#include <string.h>

#include "compat.h"
#include "hubasset.h"

__asm__(
	"	.pushsection .rodata\n"
	"hubasset_css:\n"
	"	.incbin \"lib/hub/hub.css\"\n"
	"hubasset_css_end:\n"
	"hubasset_js:\n"
	"	.incbin \"lib/hub/hub.js\"\n"
	"hubasset_js_end:\n"
	"hubasset_svg:\n"
	"	.incbin \"lib/hub/hub.svg\"\n"
	"hubasset_svg_end:\n"
	"	.popsection\n");

extern const char	hubasset_css[], hubasset_css_end[];
extern const char	hubasset_js[], hubasset_js_end[];
extern const char	hubasset_svg[], hubasset_svg_end[];

const struct hubasset *
hubasset_find(const char *path)
{
	static struct hubasset a[3];
	size_t i;

	a[0] = (struct hubasset){ "/hub.css", "text/css; charset=utf-8",
	    hubasset_css, (size_t)(hubasset_css_end - hubasset_css) };
	a[1] = (struct hubasset){ "/hub.js",
	    "text/javascript; charset=utf-8", hubasset_js,
	    (size_t)(hubasset_js_end - hubasset_js) };
	a[2] = (struct hubasset){ "/hub.svg", "image/svg+xml", hubasset_svg,
	    (size_t)(hubasset_svg_end - hubasset_svg) };
	for (i = 0; i < nitems(a); i++)
		if (strcmp(path, a[i].path) == 0)
			return &a[i];
	return NULL;
}
