/*
 * What a command says to --version: bb's version, the commit it was built
 * from ("unknown" outside a git checkout, "-dirty" added when the tree had
 * changes) and the date it was built, which is SOURCE_DATE_EPOCH's when
 * that was set, so that the same sources build the same bytes.  The
 * Makefile gives them as BB_VERSION, BB_COMMIT and BB_BUILT.
 */
#ifndef BB_BUILDINFO_H
#define BB_BUILDINFO_H

/* Returns 1 if the command's only argument is "--version", else 0. */
int	buildinfo_asked(int, char *const []);

/* Returns "VERSION (commit COMMIT, built YYYY-MM-DD)", a constant. */
const char	*buildinfo(void);

/* Returns bb's version alone ("0.1.0"), a constant. */
const char	*buildinfo_version(void);

#endif
