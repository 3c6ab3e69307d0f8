/*
 * bb-record(5): the line format every pipeline stage reads and writes.
 *
 *	TYPE key=value key=value ...
 *
 * TYPE and keys match [a-z][a-z0-9_.-]*; a value is any byte string with
 * bytes 0x00-0x20, '%' and 0x7F written as %XX.  The last field may be
 * raw instead, key:value to the end of the line, with only '%' and the
 * control bytes but tab written as %XX (a log's text, nearly as it is).
 * A line is at most RECORD_MAX bytes, newline included: record_encode
 * writes none longer and record_parse reads none longer; this is the
 * only copy of the limit.  A key appears at most once.
 */
#ifndef BB_RECORD_H
#define BB_RECORD_H

#include <sys/types.h>

#include <stdio.h>

#include "buf.h"
#include "error.h"

#define RECORD_MAX	65536	/* longest line, newline included */
#define RECORD_NAMEMAX	64	/* longest type or key */

struct record_field {
	size_t	key;		/* offset of the key in mem */
	size_t	val;		/* offset of the decoded value in mem */
	size_t	vlen;
	int	raw;		/* written last, raw (record_set_raw) */
};

struct record {
	char			 type[RECORD_NAMEMAX + 1];
	struct record_field	*f;
	size_t			 nf;
	size_t			 fcap;
	struct buf		*mem;	/* keys and values, each NUL-ended */
	size_t			 rawpos;	/* record_parse: where the space
						   before the raw field is in
						   the line, or 0 */
};

/* Makes r an empty record; record_free releases what it holds. */
void	record_init(struct record *);
void	record_free(struct record *);

/* As record_free, wiping the keys and values first (a token, a secret). */
void	record_freezero(struct record *);

/* Empties r (no type, no fields) and keeps its memory. */
void	record_clear(struct record *);

/* Empties r and gives it a type; -1 if the type is not a valid name. */
int	record_start(struct record *, const char *type, struct bb_error *);

/* Returns 1 if s is a valid TYPE or key, else 0. */
int	record_valid_name(const char *s);

/*
 * Sets key to a value: a C string, len bytes (any bytes, NUL included), or
 * a printf result.  An existing key is replaced.  Return 0 or -1.
 */
int	record_set(struct record *, const char *, const char *,
	    struct bb_error *);
int	record_setn(struct record *, const char *, const void *, size_t,
	    struct bb_error *);
int	record_setf(struct record *, struct bb_error *, const char *,
	    const char *, ...) __printflike(4, 5);

/* Removes key from r, if present. */
void	record_unset(struct record *, const char *);

/*
 * Makes key (which r has) the raw field of r: written last, as key:value
 * to the end of the line; the field that was raw before is no longer.
 * NULL makes no field raw.  Returns 0, or -1 when r has no such key.
 */
int	record_set_raw(struct record *, const char *);

/* Returns the key of r's raw field, or NULL when it has none. */
const char	*record_raw(const struct record *);

/*
 * Returns the value of key, NUL-terminated (it may hold NULs itself: use
 * record_getn for the length), or NULL when r has no such key.  Valid
 * until r changes.
 */
const char	*record_get(const struct record *, const char *);
const char	*record_getn(const struct record *, const char *, size_t *);

/* Returns the key or value of field i (0 <= i < r->nf). */
const char	*record_key(const struct record *, size_t);
const char	*record_val(const struct record *, size_t, size_t *);

/*
 * Reads key as a decimal integer within [min, max] into *out.  Returns 0,
 * or -1 when key is missing or its value is not such a number (EX_DATAERR).
 */
int	record_get_num(const struct record *, const char *, long long,
	    long long, long long *, struct bb_error *);

/* Returns 1 if r is of the given type. */
int	record_is(const struct record *, const char *);

/*
 * Decodes one line (without its newline) into r, either form of field;
 * a raw field stays raw (and r->rawpos says where it begins).  Returns
 * 0, or -1 with EX_DATAERR and a message that says what is wrong and at
 * which byte; a line over RECORD_MAX (its newline counted) is refused
 * here, so that every reader holds the same limit.
 */
int	record_parse(struct record *, const char *, size_t, struct bb_error *);

/*
 * Calls fn with each record of the len bytes of encoded lines at p, in
 * order, skipping a line that does not parse and a last one without its
 * newline.  Returns 0, or -1 as soon as fn does.
 */
int	record_each(const char *, size_t,
	    int (*)(void *, const struct record *), void *);

/* Appends r, encoded and ended by a newline, to b.  -1 if over RECORD_MAX. */
int	record_encode(const struct record *, struct buf *, struct bb_error *);

/*
 * Writes r as one line to fp.  Returns 0, or -1 (EX_IOERR; errno EPIPE
 * when the reader has gone).
 */
int	record_write(FILE *, const struct record *, struct bb_error *);

/*
 * Writes line (len bytes, without its newline) and a newline to fp with
 * one write(2), after what fp holds: a filter passing a record on (a
 * line-buffered stream makes several writes of a long line).  Returns
 * 0, or -1 with errno (EPIPE when the reader has gone).
 */
int	record_pass(FILE *, const char *, size_t);

/* Returns the length of len bytes of v once %-encoded. */
size_t	record_encoded_len(const void *, size_t);

/*
 * Returns how many leading bytes of v (at most len) fit in room bytes once
 * encoded: used to split long data over several records.
 */
size_t	record_fit(const void *, size_t, size_t room);

/* Encodes len bytes of v onto b.  Return 0 or -1 (over b's cap). */
int	record_escape(struct buf *, const void *, size_t);

/* As the three above, for the value of a raw field. */
size_t	record_raw_len(const void *, size_t);
size_t	record_raw_fit(const void *, size_t, size_t room);
int	record_raw_escape(struct buf *, const void *, size_t);

/*
 * Appends to b as many leading bytes of v (at most len) as fit in room
 * bytes (and in what b's cap leaves) once written as a raw value; when
 * not all fit, it cuts after the last newline that fits, if one does.
 * Returns how many bytes of v it took (0 when not one fits), or -1 out
 * of memory.
 */
ssize_t	record_raw_add(struct buf *, const void *, size_t, size_t room);

/*
 * A reader of records from a file descriptor, with line numbers.  It can be
 * driven by poll(2): record_reader_fill does one read(2), and
 * record_reader_next returns the next whole line already buffered.
 */
struct record_reader {
	int		 fd;
	struct buf	*in;
	size_t		 pos;		/* start of the unread bytes in in */
	size_t		 lineno;	/* lines returned so far */
	int		 eof;
	char		 name[256];	/* for messages; may be empty */
};

/* Sets up rd on fd; name (or NULL) prefixes its messages. -1 on ENOMEM. */
int	record_reader_init(struct record_reader *, int, const char *);
void	record_reader_free(struct record_reader *);

/*
 * One read(2).  Returns the bytes read, 0 at end of file (rd->eof is set),
 * or -1 with errno (EAGAIN and EINTR included) and err set.
 */
ssize_t	record_reader_fill(struct record_reader *, struct bb_error *);

/*
 * Decodes the next whole buffered line into r, and points *line and *len
 * (either may be NULL) at its raw bytes, newline excluded, valid until the
 * next call.  Returns 1 for a record, 0 when more input is needed (or, if
 * rd->eof, at the clean end), -1 on a malformed line, an over-long line or
 * a last line without a newline: the message names the line number.
 */
int	record_reader_next(struct record_reader *, struct record *,
	    const char **, size_t *, struct bb_error *);

/* Blocking: fills and decodes.  Returns 1, 0 at end of input, or -1. */
int	record_read(struct record_reader *, struct record *, const char **,
	    size_t *, struct bb_error *);

#endif
