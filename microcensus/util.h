/* util.h — private helpers shared inside libmzatlas: strings, number parsing, a string map. */
#ifndef MZATLAS_UTIL_H
#define MZATLAS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/** Open-addressing map from byte strings to dense ids 0, 1, 2, … (insertion order). The keys
 *  are stored back to back in one block (a map of 240,000 PSU ids takes about 30 bytes each). */
typedef struct mz_strmap {
    uint32_t *slots;     /* 0 = empty; else id+1, with 8 bits of the key's hash on top while
                          * the ids fit in 24 bits (a lookup then reads few other keys) */
    bool wide;           /* ids beyond 24 bits: slots hold id+1 only */
    size_t nslots;
    char *arena;         /* the keys, each followed by a NUL */
    size_t arena_len, arena_cap;
    uint32_t *koff;      /* [count + 1] start of each key in arena, then arena_len */
    size_t count, kcap;
} mz_strmap_t;
void mz_strmap_init(mz_strmap_t *m);
void mz_strmap_finish(mz_strmap_t *m);
/** Id of key, inserting it if new (*added set); returns -1 on out of memory. */
long mz_strmap_intern(mz_strmap_t *m, const char *key, size_t len, bool *added);
/** Id of key or -1. */
long mz_strmap_find(const mz_strmap_t *m, const char *key, size_t len);

/* The aggregation's inner loops: add w to row[m] (or 1 to n[m]) for every bit m set in `bits`,
 * m < 10, and +0.0 (or 0) to the others, without branches. Adding +0.0 leaves every sum as it
 * is (sums of positive weights are never -0.0), so the result is bit for bit that of adding to
 * the set measures only; two lanes at a time where the compiler has vector types. */
#if defined(__GNUC__)
typedef double mz_v2d_t __attribute__((vector_size(16)));
typedef int64_t mz_v2i_t __attribute__((vector_size(16)));
static const mz_v2i_t mz_lane_mask[4] = {{0, 0}, {-1, 0}, {0, -1}, {-1, -1}};

static inline void mz_row_add_masked(double *row, double w, uint32_t bits)
{
    const mz_v2d_t wv = {w, w};
    for (int j = 0; j < 10; j += 2) {
        mz_v2d_t x;
        memcpy(&x, row + j, sizeof x);
        x += (mz_v2d_t)((mz_v2i_t)wv & mz_lane_mask[(bits >> j) & 3u]);
        memcpy(row + j, &x, sizeof x);
    }
}

static inline void mz_row_count_masked(int64_t *row, uint32_t bits)
{
    for (int j = 0; j < 10; j += 2) {
        mz_v2i_t x;
        memcpy(&x, row + j, sizeof x);
        x -= mz_lane_mask[(bits >> j) & 3u];
        memcpy(row + j, &x, sizeof x);
    }
}
#else
static inline void mz_row_add_masked(double *row, double w, uint32_t bits)
{
    for (int m = 0; m < 10; m++) {
        uint64_t u;
        double d;
        memcpy(&u, &w, sizeof u);
        u &= (uint64_t)0 - (uint64_t)((bits >> m) & 1u);
        memcpy(&d, &u, sizeof d);
        row[m] += d;
    }
}

static inline void mz_row_count_masked(int64_t *row, uint32_t bits)
{
    for (int m = 0; m < 10; m++)
        row[m] += (bits >> m) & 1u;
}
#endif

/** Monotonic clock in seconds. */
double mz_now(void);

/** The fast paths (the canonical reader's specialised record parser, its hashing and read-ahead
 *  threads, the variance's shared PSU totals and workers) are on unless the environment sets
 *  MZATLAS_GENERIC=1 or mz_set_fast_paths(false) was called. Tests and benchmarks switch them off
 *  to compare with the general code, which must give identical results. Set it before reading
 *  starts. */
bool mz_fast_paths(void);
void mz_set_fast_paths(bool on);
/** Threads a run may use at once: 1 without the fast paths, else MZATLAS_THREADS if set (>= 1),
 *  else the number of online CPUs; at most 64. The results never depend on it. */
int mz_max_threads(void);

#endif
