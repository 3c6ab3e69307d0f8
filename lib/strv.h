/*
 * Arrays of strings that their owner counts: char **v with n of them,
 * each from malloc(3) (strdup, asprintf), as recipes, cache lists and
 * bb-pack's path lists hold them.
 */
#ifndef BB_STRV_H
#define BB_STRV_H

#include <stddef.h>

/* Frees the n strings of v, then v (NULL is fine). */
void	strv_free(char **, size_t);

/* 1 if s is one of the n strings of v, else 0. */
int	strv_has(char *const *, size_t, const char *);

/*
 * Appends a copy of s to *v and counts it in *n.  Returns 0, or -1 with
 * errno (*v and *n as they were, but *v may have moved).
 */
int	strv_add(char ***, size_t *, const char *);

#endif
