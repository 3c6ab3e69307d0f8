/*
 * The inside of a recipe (lib/recipe.h), shared by the four files that
 * make it and by nothing else:
 *
 *	recipe.c	the recipe and its stages: made, copied, freed; its
 *			names, variables, paths and commands checked; each
 *			directive added (the checks the text and the
 *			record forms share); the whole checked
 *	recipe_text.c	the text a person writes: parsed line by line
 *			(joined lines, comments, line numbers in messages),
 *			and written back
 *	recipe_rec.c	the records it travels in: read one at a time, and
 *			written
 *	recipe_matrix.c	the matrix: an axis set, the recipe expanded into
 *			its combinations (less the excluded), a
 *			combination's configuration
 *
 * Each recipe_add_* takes a directive's value into r (its last stage),
 * copied, and returns NULL, or what is wrong with it (a constant
 * string) for the caller to place: a line of the text, a record.
 */
#ifndef BB_RECIPE_IMPL_H
#define BB_RECIPE_IMPL_H

#include "buf.h"
#include "recipe.h"

const char	*recipe_add_name(struct recipe *, const char *);
const char	*recipe_add_require(struct recipe *, const char *);
const char	*recipe_add_env(struct recipe *, const char *name,
		    const char *value);
const char	*recipe_add_secret(struct recipe *, const char *);
const char	*recipe_add_mask(struct recipe *, const char *);
const char	*recipe_add_collect(struct recipe *, const char *);
const char	*recipe_add_cache(struct recipe *, const char *name,
		    long long max);

/* The axis name with the values of list (with replace: new values). */
const char	*recipe_add_axis(struct recipe *, const char *name,
		    const char *list, int replace);

/* An exclude: "NAME=VALUE" words (or one word of them, comma-joined). */
const char	*recipe_add_exclude(struct recipe *, char *const *words,
		    size_t nwords);

/* Starts a new stage named name after the last one of r. */
const char	*recipe_add_stage(struct recipe *, const char *name);

/* The step st, its strings copied. */
const char	*recipe_add_step(struct recipe *, const struct recipe_step *);

/* The last stage of r (r itself when it has none after it). */
struct recipe	*recipe_last_stage(struct recipe *);

/* The axis of r named name, or NULL. */
struct recipe_axis	*recipe_find_axis(const struct recipe *, const char *);

/* Free what they name: pairs (n of them), r's axes, r's excludes. */
void	recipe_free_pairs(struct recipe_env *, size_t);
void	recipe_free_axes(struct recipe *);
void	recipe_free_excludes(struct recipe *);

/*
 * Puts into b (emptied first) the pairs of an exclude, "NAME=VALUE"
 * joined by sep, or n strings joined by commas.  Returns 0 or -1.
 */
int	recipe_join_pairs(const struct recipe_exclude *, struct buf *, int sep);
int	recipe_join_list(char *const *, size_t, struct buf *);

#endif
