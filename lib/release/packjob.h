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
#include "record.h"

/* The name of an archive when no -n template is given. */
#define PACKJOB_TEMPLATE		"{name}-{version}-{os}-{arch}"
#define PACKJOB_TEMPLATE_JOB		"{name}-{job}-{os}-{arch}"
#define PACKJOB_TEMPLATE_BARE		"{name}-{os}-{arch}"

struct packjob {
	char			*workdir;	/* workdir path= */
	char			*recipe;	/* recipe name= */
	char			*jobname;	/* job name= */
	char			*job;		/* job id= */
	char			*version;	/* env name=VERSION value= */
	long long		 started;	/* done started=, or -1 */
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
 * is NULL from the default template: PACKJOB_TEMPLATE when the version is
 * known, else PACKJOB_TEMPLATE_JOB when the job is, else
 * PACKJOB_TEMPLATE_BARE.  {os} is the system's name in lower case and
 * {arch} its machine, as uname(1) prints them; the format's suffix is
 * added.  Returns 0 or -1 (EX_USAGE).
 */
int	packjob_name(const char *, const char *, const char *, const char *,
	    enum pack_format, char *, size_t, struct bb_error *);

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
