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
#include "held.h"
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
	struct held		 held;	/* the job's artifact records */
	char			 failed[BB_ERROR_MAX];	/* the job's first */
	struct bb_error		 nokey;	/* why the key is not there */
};

/* What signer_job_record tells the caller to do with the record. */
enum signer_action {
	SIGNER_PASS,		/* write it on now */
	SIGNER_HOLD,		/* held until the job's done record */
	SIGNER_FLUSH,		/* a new job: write the held lines, then it */
	SIGNER_DONE		/* done: signer_job_done, then write it */
};

/* Where signer_job_done writes (the caller's functions). */
struct signer_out {
	void	(*line)(void *, const char *, size_t);	/* a held line */
	void	(*record)(void *, const struct record *);
	void	(*failed)(void *, const struct bb_error *); /* say so */
	void	*arg;
};

void	signer_job_init(struct signer_job *, struct signer *, const char *,
	    const char *, enum sumlist_style);
void	signer_job_free(struct signer_job *);

/*
 * The key could not be loaded (err says why): each job's artifacts go on
 * unsigned and its done record says the job failed, with err.
 */
void	signer_job_nokey(struct signer_job *, const struct bb_error *);

/* Forgets the held lines (once the caller has written them). */
void	signer_job_clear(struct signer_job *);

/*
 * Follows a record (line is its raw text, len bytes).  workdir: artifact
 * paths are relative to its path from now on.  job: a new job (its id
 * goes in trusted comments).  artifact: held until the job's done record.
 * Returns an enum signer_action, or -1 when the record failed (the caller
 * says so and writes the record on; an artifact is then not held); the
 * job's done record will say so.
 */
int	signer_job_record(struct signer_job *, const struct record *,
	    const char *, size_t, struct bb_error *);

/*
 * At the job's done record: checks that the held artifacts, the
 * signatures and the checksum list to be made have a name each
 * (artifact.h).  If so, writes each held artifact line through o followed
 * by the sig record of its signature (when its name matches the glob),
 * then writes and signs the checksum list of those and writes its
 * artifact and sig records; a file that fails is said through o->failed
 * and the others go on.  If two would have one name, nothing is signed,
 * the held artifacts are dropped and o->failed says which two.  When
 * anything of the job failed (here or in signer_job_record), done is
 * changed so that the job fails with the first cause (artifact_fail_done:
 * "bb-sign: ...").  Returns 1 if done was changed, else 0; the held lines
 * are forgotten.
 */
int	signer_job_done(struct signer_job *, struct record *,
	    const struct signer_out *);

#endif
