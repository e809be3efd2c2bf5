/* csv.h — private: a streaming CSV tokenizer shared by every CSV reader of mzatlas.
 *
 * Reads in large blocks, splits records in place (no allocation per field), handles comma or
 * semicolon separators, quoted fields with "" escapes (also across line breaks), CRLF, a UTF-8
 * BOM, a missing final newline, and blank lines. Computes the SHA-256 of the bytes as it reads
 * (of a large regular file: in a thread of its own that reads the file once more). */
#ifndef MZATLAS_CSV_H
#define MZATLAS_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mzatlas/mz_error.h"

/** Longest record accepted, in bytes. */
#define MZ_CSV_MAX_RECORD (64u * 1024u)
/** Most fields in a record. */
#define MZ_CSV_MAX_FIELDS 4096u

typedef struct mz_csv mz_csv_t;

/** sep: ',' or ';', or 0 to detect from the first record (more ';' than ',' outside quotes →
 *  ';'). A missing file, a directory or an unreadable file fail with MZ_ERR_IO. */
mz_csv_t *mz_csv_open(const char *path, char sep, mz_error_t *err);
mz_csv_t *mz_csv_open_mem(const char *name, const void *data, size_t size, char sep,
                          mz_error_t *err);
void mz_csv_close(mz_csv_t *c);

/** Next non-blank record: 1 = record, 0 = end, -1 = error. */
int mz_csv_next(mz_csv_t *c, mz_error_t *err);
size_t mz_csv_nfields(const mz_csv_t *c);
/** Field i of the current record, NUL-terminated, quotes removed (valid until the next call). */
const char *mz_csv_field(const mz_csv_t *c, size_t i);
size_t mz_csv_field_len(const mz_csv_t *c, size_t i);
/** Line where the current record starts (1-based). */
long mz_csv_line(const mz_csv_t *c);
char mz_csv_sep(const mz_csv_t *c);
const char *mz_csv_name(const mz_csv_t *c);
uint64_t mz_csv_bytes_read(const mz_csv_t *c);
uint64_t mz_csv_bytes_total(const mz_csv_t *c);
/** Hex SHA-256 of all bytes read so far (complete after the end was reached). */
const char *mz_csv_sha256(mz_csv_t *c);

/* ---- the fast path of record readers (extract.c) ----
 * A reader may take simple records straight from the buffer: mz_csv_raw gives the unread bytes
 * [*p, *end) and the line number of *p. A '\n' sentinel follows at *end, so a scan for the end of
 * a line always stops, and then MZ_CSV_PAD zero bytes, so that wide loads may read past it. The reader may write into the bytes of records it takes. It reports what it took
 * (whole lines: `bytes` including their '\n', `lines` of them) with mz_csv_raw_take before any
 * other call; the record after them it may leave to mz_csv_next, which reads it the general way.
 * mz_csv_raw returns false until the separator is known and a BOM is skipped (after the
 * header). */
#define MZ_CSV_PAD 64u
bool mz_csv_raw(mz_csv_t *c, char **p, char **end, long *line);
void mz_csv_raw_take(mz_csv_t *c, size_t bytes, long lines);

/** Whether s[0..len) is well-formed UTF-8. */
bool mz_utf8_valid(const char *s, size_t len);

#endif
