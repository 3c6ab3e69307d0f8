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

#endif
