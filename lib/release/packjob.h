/*
 * bb-pack as a filter: it follows a job's records, holds its artifact and
 * sig records until its done record, then packs the files they name into
 * one archive in the work tree and describes it as a new artifact record.
 */
#ifndef BB_PACKJOB_H
#define BB_PACKJOB_H

#include <sys/types.h>

#include "error.h"
#include "held.h"
#include "pack.h"
#include "profile.h"
#include "record.h"

/*
 * The name of an archive when no -n template is given; a job of a matrix
 * adds "-{AXIS}" for each axis but os and arch, which are the template's.
 */
#define PACKJOB_TEMPLATE		"{name}-{version}-{os}-{arch}"
#define PACKJOB_AXES			8

/* A matrix axis of the job and its value (bb-recipe(5)). */
struct packjob_axis {
	char	*name;
	char	*value;
};

struct packjob {
	char			*workdir;	/* workdir path= */
	char			*recipe;	/* recipe name= */
	char			*jobname;	/* job name= */
	char			*chain;		/* job chain= */
	char			*job;		/* job id= */
	char			*version;	/* env name=VERSION value= */
	char			*profile;	/* env name=PROFILE value= */
	long long		 started;	/* done started=, or -1 */
	struct packjob_axis	 axes[PACKJOB_AXES];	/* matrix name= values= */
	size_t			 naxes;
	struct held		 held;		/* artifact and sig lines */
	char			**paths;	/* of the held records */
	size_t			 npaths;
};

/* What packjob_feed tells the caller to do with the record. */
enum packjob_action {
	PACKJOB_PASS,		/* write it on now */
	PACKJOB_HOLD,		/* held: nothing to write */
	PACKJOB_FLUSH,		/* a new job: write the held lines, then it */
	PACKJOB_DONE		/* done: pack, then write it */
};

/* What the command line says about names and times. */
struct packjob_opts {
	const char		*tmpl;		/* -n, or NULL */
	const char		*name;		/* -N, or NULL */
	const char		*version;	/* -V, or NULL */
	int			 profile_set;	/* -P */
	enum profile		 profile;
	time_t			 when;		/* the date of new versions */
	int			 mtime_set;	/* -t or SOURCE_DATE_EPOCH */
	struct pack_opts	 pack;
};

void	packjob_init(struct packjob *);
void	packjob_free(struct packjob *);

/*
 * Takes one record (and its raw line) and says what to do with it.
 * Returns an enum packjob_action, or -1 (EX_DATAERR) for an artifact or
 * sig record without a path, a done record with a bad started time, or
 * too many held bytes.
 */
int	packjob_feed(struct packjob *, const struct record *, const char *,
	    size_t, struct bb_error *);

/* Forgets the held lines and paths (once the caller has dealt with them). */
void	packjob_clear(struct packjob *);

/*
 * Builds an archive's file name (NAME_MAX + 1 bytes) from tmpl, or when it
 * is NULL from PACKJOB_TEMPLATE (and the axes), with the values of
 * {name}, {version} and {job} given (NULL: not known) and of {AXIS} for
 * each of the naxes axes.  {os} is the system's name in lower case and
 * {arch} its machine, as uname(1) prints them, unless an axis of that name
 * says otherwise (a cross-compiled build); the format's suffix is added.
 * Returns 0 or -1 (EX_USAGE).
 */
int	packjob_name(const char *, const char *, const char *, const char *,
	    const struct packjob_axis *, size_t, enum pack_format, char *,
	    size_t, struct bb_error *);

/*
 * The file name (NAME_MAX + 1 bytes) of an archive of profile p written
 * in the directory dirfd, by the template of o, with {name} and {job} as
 * given (NULL: not known).  The version is the one given, which p must
 * take (profile_check), else when the template uses it a new one
 * (profile_version at o->when), counting up over the archives of any
 * format with that name, os and arch in dirfd.  Returns 0 or -1.
 */
int	packjob_archive_name(const struct packjob_opts *, enum profile,
	    const char *, const char *, const char *,
	    const struct packjob_axis *, size_t, int, char *, size_t,
	    struct bb_error *);

/* packjob_pack refused the job's artifacts: two have one name. */
#define PACKJOB_REFUSED	(-2)

/*
 * Packs the held paths into the work tree as an archive named by the
 * template, and fills art with its artifact record (path, name, size,
 * sha256, members) and, if the options ask for a checksum file, sum with
 * that file's.  Returns 0, or -1 with nothing left behind, or
 * PACKJOB_REFUSED (EX_DATAERR naming both) when two of the held records,
 * the archive and its checksum file have one name (artifact.h): the
 * job's artifacts must not go on then.
 */
int	packjob_pack(struct packjob *, const struct packjob_opts *,
	    struct record *, struct record *, struct bb_error *);

#endif
