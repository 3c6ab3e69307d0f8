/*
 * The files the hub's pages load, built into bb-hub so that it serves
 * them wherever it is installed and needs nothing beside it: the style
 * sheet (lib/hub/hub.css), the script (lib/hub/hub.js) and the icon
 * (lib/hub/hub.svg).
 */
#ifndef BB_HUBASSET_H
#define BB_HUBASSET_H

#include <stddef.h>

struct hubasset {
	const char	*path;		/* as served: "/hub.css" */
	const char	*type;		/* its Content-Type */
	const char	*data;
	size_t		 len;
};

/* Returns the file served at path, or NULL. */
const struct hubasset	*hubasset_find(const char *);

#endif
