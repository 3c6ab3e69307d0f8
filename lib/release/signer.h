/*
 * What bb-sign does with a key: sign files and write the signatures next
 * to them, write checksum lists and sign them, and follow a job's records
 * (workdir, job, artifact, done) to do so in the pipeline.
 */
#ifndef BB_SIGNER_H
#define BB_SIGNER_H

#include <limits.h>
#include <time.h>

#include "cms.h"
#include "error.h"
#include "passphrase.h"
#include "record.h"
#include "sign.h"
#include "sumlist.h"

#define SIGNER_IDMAX	CMS_IDLEN	/* longest key id */

struct signer {
	enum sign_format	 fmt;
	struct sign_seckey	 sk;		/* signify, minisign */
	struct cms_signer	*cms;		/* cms */
	char			 id[SIGNER_IDMAX + 1];
	const char		*comment;	/* untrusted comment, or NULL */
	char			 dflt[PATH_MAX + 32];	/* default comment */
};

/*
 * Loads the secret key at path: a signify or minisign key, or a PKCS#12
 * file.  fmt is the format to sign in, or SIGN_NONE for the key's own
 * (signify, minisign or cms).  comment is the untrusted comment of
 * signatures (NULL: "verify with KEY.pub" as signify writes it).  The key
 * file must not be readable by others.  Returns 0 or -1.
 */
int	signer_load(struct signer *, const char *, enum sign_format,
	    const char *, const struct passphrase *, struct bb_error *);

/* Wipes and frees what s holds. */
void	signer_free(struct signer *);

/*
 * Signs the file dirfd/path and writes its signature to dirfd/sigpath
 * (NULL: path with the format's extension), replacing an old one.  name
 * and job (or NULL) go in minisign's trusted comment with the time now.
 * If sha256 is not NULL the file's SHA-256 is put there in hex.  The
 * signature's path is put in sigout (PATH_MAX bytes) if not NULL.
 * Returns 0 or -1.
 */
int	signer_file(struct signer *, int, const char *, const char *,
	    const char *, const char *, time_t, char *, char *,
	    struct bb_error *);

/*
 * Writes the checksum list l to dirfd/list and, if s is not NULL, signs
 * it: signify's signed list (signature and list in one file, as
 * "signify -S -e" makes and "signify -C" checks), or a detached minisign
 * or CMS signature; the signature's path goes in sigout (PATH_MAX bytes).
 * Returns 0 or -1.
 */
int	signer_list(struct signer *, int, const char *, const struct sumlist *,
	    enum sumlist_style, const char *, time_t, char *,
	    struct bb_error *);

/* bb-sign in the pipeline: what it knows of the current job. */
struct signer_job {
	struct signer		*s;	/* NULL: checksum list only */
	const char		*glob;	/* artifact names to sign, or NULL */
	const char		*list;	/* checksum list name, or NULL */
	enum sumlist_style	 style;
	int			 dirfd;	/* the workdir (AT_FDCWD: none) */
	char			 workdir[PATH_MAX];
	char			*job;	/* the job's id, or NULL */
	struct sumlist		 sums;	/* artifacts signed so far */
};

void	signer_job_init(struct signer_job *, struct signer *, const char *,
	    const char *, enum sumlist_style);
void	signer_job_free(struct signer_job *);

/*
 * Follows a record.  workdir: artifact paths are relative to its path
 * from now on.  job: a new job (its id goes in trusted comments, the
 * checksum list starts empty).  artifact: if its name matches the glob,
 * signs it, and puts the record that says so in out (a sig record; type
 * empty when there is nothing to say).  Returns 0, or -1 when the record
 * failed (the failure is the file's: carry on with the others).
 */
int	signer_job_record(struct signer_job *, const struct record *,
	    struct record *, struct bb_error *);

/*
 * At the job's done record: writes and signs the checksum list of the
 * job's artifacts, and puts the artifact record of the list in art and
 * the sig record of its signature in sig (types empty when there is
 * nothing to say: no list asked for, or no artifacts).  Returns 0 or -1.
 */
int	signer_job_done(struct signer_job *, struct record *, struct record *,
	    struct bb_error *);

#endif
