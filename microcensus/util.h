/* util.h — private helpers shared inside libmzatlas: strings, number parsing, a string map. */
#ifndef MZATLAS_UTIL_H
#define MZATLAS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

char *mz_strdup(const char *s);
/** Parse a whole string as a decimal integer (optional sign); false on anything else. */
bool mz_parse_long(const char *s, long *out);
/** Parse a whole string as a finite decimal number; with decimal_comma a ',' is the decimal
 *  separator (a '.' is accepted too). No thousands separators, no hex, no inf/nan. */
bool mz_parse_double(const char *s, bool decimal_comma, double *out);

/** A growable string. */
typedef struct mz_str {
    char *s;
    size_t len, cap;
} mz_str_t;
bool mz_str_append(mz_str_t *b, const char *s);
bool mz_str_appendf(mz_str_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Take the string (never NULL on success: "" for empty); the buffer is reset. */
char *mz_str_take(mz_str_t *b);
void mz_str_free(mz_str_t *b);

/** Open-addressing map from byte strings to dense ids 0, 1, 2, … (insertion order). */
typedef struct mz_strmap {
    uint32_t *slots;     /* id+1, 0 = empty */
    size_t nslots;
    char **keys;
    size_t *klen;
    size_t count, kcap;
} mz_strmap_t;
void mz_strmap_init(mz_strmap_t *m);
void mz_strmap_finish(mz_strmap_t *m);
/** Id of key, inserting it if new (*added set); returns -1 on out of memory. */
long mz_strmap_intern(mz_strmap_t *m, const char *key, size_t len, bool *added);
/** Id of key or -1. */
long mz_strmap_find(const mz_strmap_t *m, const char *key, size_t len);

/** Monotonic clock in seconds. */
double mz_now(void);

#endif
