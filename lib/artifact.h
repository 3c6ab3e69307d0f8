/*
 * Artifact names: one rule from collect to the hub.  An artifact's name is
 * its path relative to the work tree it was collected from, written
 * plainly (no "." component, no repeated or trailing slash): the same in
 * the artifact record, the signed checksum list, the archive and the hub,
 * so that "signify -C", "sha256sum -c" and "tar -x" agree on every file.
 * Two artifacts of one job with the same name fail the job before anything
 * of it is uploaded.
 */
#ifndef BB_ARTIFACT_H
#define BB_ARTIFACT_H

#include <stddef.h>

#include "error.h"
#include "record.h"

/* The longest name: a checksum list holds it (signify reads 1023). */
#define ARTIFACT_NAME_MAX	1000
/* The longest component of a name. */
#define ARTIFACT_COMP_MAX	255

/*
 * Returns 1 if s is an artifact name: 1 to ARTIFACT_NAME_MAX bytes, a
 * relative path whose components are 1 to ARTIFACT_COMP_MAX bytes, none
 * "." or "..", with no empty component (no leading, trailing or repeated
 * '/'), no '\' and no control byte (below 0x20, or 0x7f).  Else 0.
 */
int	artifact_name_valid(const char *);

/*
 * Puts in out (len bytes, ARTIFACT_NAME_MAX + 1 is enough) the name of
 * the file at path, relative to the work tree: path without its "."
 * components and repeated or trailing slashes.  Returns 0, or -1
 * (EX_DATAERR, naming path and why) when that is not a name.
 */
int	artifact_name(const char *, char *, size_t, struct bb_error *);

/*
 * The name of an artifact or sig record, in out as artifact_name puts it:
 * the name of its path.  A name key, when the record has one, must be that
 * name.  Returns 0, or -1 (EX_DATAERR) for a record without a path, or
 * whose path or name key breaks the rule.
 */
int	artifact_record_name(const struct record *, char *, size_t,
	    struct bb_error *);

/* The names of one job's artifacts, and what each one is. */
struct artifact_set;

/* Returns a new empty set, or NULL (EX_OSERR). */
struct artifact_set	*artifact_set_new(struct bb_error *);
void			 artifact_set_free(struct artifact_set *);

/*
 * Adds name to s, with what it is for messages ("a/b/x", "the signature
 * of a/b/x").  Returns 0, or -1: EX_DATAERR "two artifacts named NAME:
 * WHAT and WHAT" when s has the name already, EX_OSERR.
 */
int	artifact_set_add(struct artifact_set *, const char *, const char *,
	    struct bb_error *);

/*
 * artifact_set_add of name (what) and, when ext is not NULL, of name with
 * ext after it (extwhat): an artifact and the file made beside it (its
 * signature, its checksum file).  Returns 0, or -1 as artifact_set_add.
 */
int	artifact_set_add_with(struct artifact_set *, const char *,
	    const char *, const char *, const char *, struct bb_error *);

/*
 * A stage refused a job's artifacts (tool names the stage, msg says why):
 * the done record r of a job that would have succeeded becomes
 * result=error with the reason "TOOL: MSG", without a step; a job that
 * failed otherwise keeps its result.  Returns 0 or -1.
 */
int	artifact_fail_done(struct record *, const char *, const char *,
	    struct bb_error *);

#endif
