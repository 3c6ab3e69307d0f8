#include <sys/types.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "file.h"
#include "verifier.h"

#define PEM_TAG		"-----BEGIN "

int
verifier_load(struct verifier *v, const char *path, enum sign_format fmt,
    struct bb_error *err)
{
	struct buf *b = NULL;
	int rv = -1;

	memset(v, 0, sizeof(*v));
	v->fmt = fmt;
	if (file_read(AT_FDCWD, path, CMS_P12_MAX, &b, err) == -1)
		goto out;
	if (sign_is_keyfile(b->data, b->len)) {
		if (fmt == SIGN_CMS) {
			bb_error_set(err, EX_USAGE, "%s: CMS signatures are "
			    "checked with CA certificates, not a public key",
			    path);
			goto out;
		}
		rv = sign_pubkey_parse(b->data, b->len, path, &v->pk, err);
	} else if (strstr(b->data, PEM_TAG) != NULL) {
		if (fmt != SIGN_NONE && fmt != SIGN_CMS) {
			bb_error_set(err, EX_USAGE, "%s: %s signatures are "
			    "checked with a public key, not certificates", path,
			    sign_format_name(fmt));
			goto out;
		}
		v->fmt = SIGN_CMS;
		rv = cms_trust_load(path, &v->trust, err);
	} else
		bb_error_set(err, EX_DATAERR, "%s: not a signify or minisign "
		    "public key, nor PEM certificates", path);
out:
	buf_free(b);
	return rv;
}

void
verifier_free(struct verifier *v)
{
	cms_trust_free(v->trust);
	memset(v, 0, sizeof(*v));
}

/*
 * Reads a signature file into *b and, for an Ed25519 key, parses it into
 * sig (CMS signatures are parsed as they are checked).
 */
static int
read_sig(const struct verifier *v, const char *sigpath, struct buf **b,
    struct sign_sig *sig, struct bb_error *err)
{
	memset(sig, 0, sizeof(*sig));
	if (file_read_input(AT_FDCWD, sigpath, SIGN_SIGFILE_MAX, b, err) == -1)
		return -1;
	if (v->trust != NULL)
		return 0;
	if (sign_sig_parse((*b)->data, (*b)->len, sigpath, sig, err) == -1)
		return -1;
	if (v->fmt != SIGN_NONE && sig->fmt != v->fmt) {
		bb_error_set(err, EX_DATAERR, "%s: a %s signature, not %s",
		    sigpath, sign_format_name(sig->fmt),
		    sign_format_name(v->fmt));
		return -1;
	}
	return 0;
}

/* An embedded signature (signify -e) signs its message: is it path? */
static int
verify_embedded(const struct verifier *v, const struct sign_sig *sig,
    const char *path, struct bb_error *err)
{
	struct buf *f = NULL;
	int rv = -1;

	if (sign_verify_msg(&v->pk, sig, sig->msg, sig->msglen, path,
	    err) == -1)
		goto out;
	if (file_read_input(AT_FDCWD, path, sig->msglen, &f, err) == -1) {
		if (err->code == EX_DATAERR)
			bb_error_set(err, SIGN_BAD, "%s: not the message "
			    "embedded in its signature", path);
		goto out;
	}
	if (f->len != sig->msglen || memcmp(f->data, sig->msg, f->len) != 0) {
		bb_error_set(err, SIGN_BAD, "%s: not the message embedded in "
		    "its signature", path);
		goto out;
	}
	rv = 0;
out:
	buf_free(f);
	return rv;
}

/* Verifies path against one signature file. */
static int
verify_one(const struct verifier *v, const char *path, const char *sigpath,
    char *tc, size_t tcsize, struct bb_error *err)
{
	struct sign_sig sig;
	struct buf *b = NULL;
	int fd = -1, rv = -1;

	if (read_sig(v, sigpath, &b, &sig, err) == -1)
		goto out;
	if (sig.msg != NULL) {
		rv = verify_embedded(v, &sig, path, err);
		goto out;
	}
	if ((fd = file_open_input(AT_FDCWD, path, err)) == -1)
		goto out;
	if (v->trust != NULL)
		rv = cms_verify_fd(v->trust, b->data, b->len, sigpath, fd, path,
		    err);
	else
		rv = sign_verify_fd(&v->pk, &sig, fd, path, err);
	if (rv == 0 && v->trust == NULL)
		(void)strlcpy(tc, sig.trusted, tcsize);
out:
	if (fd != -1)
		close(fd);
	buf_free(b);
	return rv;
}

int
verifier_file(const struct verifier *v, const char *path,
    const char *sigpath, char *tc, size_t tcsize, struct bb_error *err)
{
	static const enum sign_format any[] = { SIGN_SIGNIFY, SIGN_MINISIGN };
	enum sign_format f;
	char sp[PATH_MAX];
	size_t i, tried = 0;
	int n;

	tc[0] = '\0';
	if (sigpath != NULL)
		return verify_one(v, path, sigpath, tc, tcsize, err);
	/*
	 * Without -x: PATH.p7s, PATH.sig or PATH.minisig.  When both of the
	 * last two exist, one by another key does not hide the other.
	 */
	for (i = 0; i < nitems(any); i++) {
		f = v->fmt != SIGN_NONE ? v->fmt : any[i];
		n = snprintf(sp, sizeof(sp), "%s%s", path, sign_format_ext(f));
		if (n < 0 || (size_t)n >= sizeof(sp)) {
			bb_error_set(err, EX_NOINPUT, "%s: name too long",
			    path);
			return -1;
		}
		if (v->fmt != SIGN_NONE)
			return verify_one(v, path, sp, tc, tcsize, err);
		if (access(sp, F_OK) == -1)
			continue;
		tried++;
		if (verify_one(v, path, sp, tc, tcsize, err) == 0)
			return 0;
		if (err->code != EX_NOPERM)
			break;
	}
	if (tried == 0)
		bb_error_set(err, EX_NOINPUT, "%s: no signature (neither "
		    "%s.sig nor %s.minisig)", path, path, path);
	return -1;
}

/* The list a detached signature signs: its path without the extension. */
static int
list_path(const char *sigpath, char *lp, struct bb_error *err)
{
	static const enum sign_format fmts[] = { SIGN_SIGNIFY, SIGN_MINISIGN,
	    SIGN_CMS };
	size_t i, len = strlen(sigpath), elen;
	const char *ext;

	for (i = 0; i < nitems(fmts); i++) {
		ext = sign_format_ext(fmts[i]);
		elen = strlen(ext);
		if (len > elen && len - elen < PATH_MAX &&
		    strcmp(sigpath + len - elen, ext) == 0) {
			memcpy(lp, sigpath, len - elen);
			lp[len - elen] = '\0';
			return 0;
		}
	}
	bb_error_set(err, EX_USAGE, "%s: the signature of a list ends in "
	    ".sig, .minisig or .p7s", sigpath);
	return -1;
}

int
verifier_list(const struct verifier *v, const char *sigpath,
    struct sumlist *l, struct bb_error *err)
{
	struct sign_sig sig;
	struct buf *b = NULL, *list = NULL;
	const char *text;
	char lp[PATH_MAX];
	size_t len;
	int rv = -1;

	if (read_sig(v, sigpath, &b, &sig, err) == -1)
		goto out;
	if (sig.msg != NULL) {
		(void)strlcpy(lp, sigpath, sizeof(lp));
		text = sig.msg;
		len = sig.msglen;
	} else {
		if (list_path(sigpath, lp, err) == -1 ||
		    file_read_input(AT_FDCWD, lp, SUMLIST_MAX, &list, err) == -1)
			goto out;
		text = list->data;
		len = list->len;
	}
	if (v->trust != NULL) {
		if (cms_verify_mem(v->trust, b->data, b->len, sigpath, text,
		    len, lp, err) == -1)
			goto out;
	} else if (sign_verify_msg(&v->pk, &sig, text, len, lp, err) == -1)
		goto out;
	rv = sumlist_parse(l, text, len, lp, err);
out:
	buf_free(list);
	buf_free(b);
	return rv;
}
