/*
 * bb-recipe(5): what a job runs, as a person writes it, and as it travels
 * in records (recipe, env, secret, mask, cache, matrix, exclude, step,
 * collect, stage).  The recipe record carries the job's name, timeout,
 * requirements and network=off.  A recipe may go on with stages, each a
 * recipe of its own in r->next, run one after the other by the hub.
 */
#ifndef BB_RECIPE_H
#define BB_RECIPE_H

#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "record.h"

#define RECIPE_MAX	(1024 * 1024)	/* longest recipe file */
#define RECIPE_NSTEPS	1000		/* most steps in one recipe */
#define RECIPE_NCACHE	16		/* most caches in one recipe */
#define RECIPE_NAXES	8		/* most matrix axes */
#define RECIPE_NVALUES	32		/* most values of an axis */
#define RECIPE_NCOMBOS	256		/* most combinations of a matrix */
#define RECIPE_NSTAGES	16		/* most stages, the first included */

struct recipe_step {
	char		*name;
	char		*cmd;		/* given to /bin/sh -c */
	char		*dir;		/* relative to the work tree, or NULL */
	long long	 timeout;	/* seconds, 0 for none */
	int		 cont;		/* continue after a failure */
	int		 always;	/* run even after a failure or cancel */
};

struct recipe_env {
	char	*name;
	char	*value;
};

/* A matrix axis: the job is built once for each of its values. */
struct recipe_axis {
	char		*name;		/* a variable's name */
	char		**values;
	size_t		 nvalues;
};

/* The combinations whose axes have these values are not built. */
struct recipe_exclude {
	struct recipe_env	*pairs;		/* axis name, value */
	size_t			 npairs;
};

/* A directory kept on the worker between jobs of the recipe's name. */
struct recipe_cache {
	char		*name;		/* lower case: BB_CACHE_NAME in upper */
	long long	 max;		/* bytes, 0: no size of its own */
};

struct recipe {
	char			*name;		/* the job's name, or NULL */
	long long		 timeout;	/* whole job, seconds, 0: none */
	int			 nonet;		/* "network off": loopback only */
	char			**require;	/* capabilities the worker needs */
	size_t			 nrequire;
	struct recipe_env	*env;
	size_t			 nenv;
	char			**secret;	/* variables passed and masked */
	size_t			 nsecret;
	char			**mask;		/* name globs of masked vars */
	size_t			 nmask;
	char			**collect;	/* artifact globs */
	size_t			 ncollect;
	struct recipe_cache	*cache;
	size_t			 ncache;
	struct recipe_axis	*axes;		/* the first stage's only */
	size_t			 naxes;
	struct recipe_exclude	*excludes;
	size_t			 nexcludes;
	struct recipe_step	*steps;
	size_t			 nsteps;
	struct recipe		*next;		/* the next stage, or NULL */
};

/* Returns a new empty recipe, or NULL. */
struct recipe	*recipe_new(void);

/* Frees r and its stages. */
void		 recipe_free(struct recipe *);

/*
 * Parses the text of a recipe file; name (the file's) prefixes messages,
 * which read "NAME:LINE: what was expected".  Returns 0 and the recipe in
 * *out, or -1 with EX_DATAERR.
 */
int	recipe_parse(const char *, size_t, const char *, struct recipe **,
	    struct bb_error *);

/* Reads and parses the recipe file at path ("-" is standard input). */
int	recipe_parse_file(const char *, struct recipe **, struct bb_error *);

/*
 * Appends the recipe file at path to r as its next stage(s): a file
 * without a job line is named by the file's name, less ".recipe".
 * Returns 0, or -1 (EX_DATAERR when that name is no name).
 */
int	recipe_append_file(struct recipe *, const char *, struct bb_error *);

/*
 * Returns 1 if type is one of the recipe's record types (recipe, env,
 * secret, mask, cache, matrix, exclude, step, collect, stage), else 0.
 */
int	recipe_record_type(const char *);

/*
 * Adds one record to r (to its last stage; a stage record starts a new
 * one).  Returns 1 if it was a recipe record and was added, 0 if it is of
 * another type (r unchanged), -1 if it is a recipe record that is
 * malformed (EX_DATAERR).
 */
int	recipe_add_record(struct recipe *, const struct record *,
	    struct bb_error *);

/* Returns the value of the recipe's env variable name, or NULL. */
const char	*recipe_getenv(const struct recipe *, const char *);

/*
 * Sets the recipe's env variable name to value, replacing the value it
 * has.  Returns 0, or -1 (EX_DATAERR) for a name or value that an env
 * line cannot hold, or a secret of that name.
 */
int	recipe_setenv(struct recipe *, const char *, const char *,
	    struct bb_error *);

/*
 * Checks what only the whole recipe can tell, for each stage: steps or
 * collect globs (a stage without steps collects what it was given), a
 * job name when it has caches (they are kept by it), excludes that name
 * the matrix's axes and values, a matrix in the first stage only, stage
 * names that differ.
 */
int	recipe_check(const struct recipe *, struct bb_error *);

/*
 * Appends r and its stages as records, one a line, to b; each stage after
 * the first starts with its stage record.  Returns 0 or -1.
 */
int	recipe_encode(const struct recipe *, struct buf *, struct bb_error *);

/* Appends the records of r alone (not its next stages), name included. */
int	recipe_encode_stage(const struct recipe *, struct buf *,
	    struct bb_error *);

/* Appends r as recipe text that recipe_parse reads back the same. */
int	recipe_format(const struct recipe *, struct buf *, struct bb_error *);

/* Returns a new copy of r and its stages, or NULL (err set). */
struct recipe	*recipe_copy(const struct recipe *, struct bb_error *);

/*
 * Puts r's requirements (of its stage alone), comma-separated, in b,
 * replacing what b holds.  Returns 0, or -1 when b cannot hold them.
 */
int	recipe_require_list(const struct recipe *, struct buf *);

/* Returns the number of stages of r, itself included. */
size_t	recipe_nstages(const struct recipe *);

/*
 * Sets the axis name of r to the comma-separated values, replacing the
 * values it has (bb-hub submit -m) and dropping the excludes of values it
 * has no more.  Returns 0, or -1 (EX_DATAERR) for a bad name or value.
 */
int	recipe_set_axis(struct recipe *, const char *, const char *,
	    struct bb_error *);

/*
 * Expands r's matrix: one copy of r a combination of its axes' values (the
 * first axis changing slowest), but those an exclude names, each with
 * every axis of one value, in r and in its stages, whose stages have the
 * first's env VERSION and PROFILE unless they set their own.  A recipe without a
 * matrix gives one copy.  The array *out of *n recipes is the caller's
 * (recipe_free each, then free).  Returns 0, or -1 (EX_DATAERR: more than
 * RECIPE_NCOMBOS, or every one excluded).
 */
int	recipe_expand(const struct recipe *, struct recipe ***, size_t *,
	    struct bb_error *);

/*
 * Appends the configuration of a recipe whose axes have one value each,
 * "NAME=VALUE NAME=VALUE" in the order of its axes, to b (nothing when it
 * has no matrix).  Returns 0 or -1.
 */
int	recipe_config(const struct recipe *, struct buf *, struct bb_error *);

/*
 * Valid names: steps and the job, env variables, capabilities, caches,
 * matrix values.
 */
int	recipe_valid_name(const char *);
int	recipe_valid_cache(const char *);
int	recipe_valid_value(const char *);
int	recipe_valid_var(const char *);
int	recipe_valid_cap(const char *);

#define RECIPE_CACHE_VAR	"BB_CACHE_"	/* and the name in upper case */

/*
 * Writes the variable that names cache name's directory to the steps,
 * "BB_CACHE_" and name in upper case, to out (len bytes).
 */
void	recipe_cache_var(const char *, char *, size_t);

/*
 * Returns 1 if path is relative and has no ".." component (a directory
 * or glob inside the work tree), else 0.
 */
int	recipe_valid_relpath(const char *);

#endif
