/* mz_extract.h — streaming reader for the canonical Mikrozensus extract (CSV, see DESIGN.md).
 *
 * The reader hands out one validated person record at a time; memory does not grow with the
 * number of records. Strings in a record are borrowed until the next call. */
#ifndef MZATLAS_MZ_EXTRACT_H
#define MZATLAS_MZ_EXTRACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mz_error.h"
#include "mz_gazetteer.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Migration status codes (column `mig`). */
enum { MZ_MIG_NONE = 0, MZ_MIG_GERMAN_WITH_MH = 1, MZ_MIG_FOREIGN = 2 };
/** ILO status codes (column `ilo`). */
enum { MZ_ILO_EMPLOYED = 1, MZ_ILO_UNEMPLOYED = 2, MZ_ILO_INACTIVE = 3 };
/** Economic sectors (column `sector`). */
enum {
    MZ_SECTOR_NONE = 0,
    MZ_SECTOR_AGRICULTURE = 1,
    MZ_SECTOR_PRODUCTION = 2,
    MZ_SECTOR_TRADE = 3,
    MZ_SECTOR_SERVICES = 4
};

/** One validated person record. */
/** Longest sampling unit (psu) or sampling stratum id, in bytes; longer ones are refused by the
 *  readers with the file, line, column and value. */
#define MZ_ID_MAX 200

typedef struct mz_record {
    int year;
    int unit;            /**< gazetteer unit index, or -1 when the extract gives only a stratum */
    int stratum;         /**< gazetteer stratum index (of the unit, or from column schicht) */
    const char *psu;     /**< sampling unit id, NULL when absent (borrowed) */
    const char *design_stratum; /**< sampling stratum id, NULL when absent (borrowed) */
    double weight;       /**< persons represented, > 0 */
    int age;
    int sex;             /**< 1, 2, or 0 when absent */
    int mig;
    int ilo;
    int selfemp;
    int sector;
    long line;           /**< line in the file where the record starts */
} mz_record_t;

typedef struct mz_extract_reader mz_extract_reader_t;

/** Options for reading. */
typedef struct mz_extract_options {
    int year;            /**< expected survey year; 0 = take the first record's year */
    const mz_gazetteer_t *gazetteer; /**< required */
    bool sequential;     /**< no read-ahead thread: after a bad record (mz_extract_next returned
                              -1 for a record that could be read but not validated) reading may
                              go on with the next record; used by --max-errors */
} mz_extract_options_t;

/** Open a file. Returns NULL and fills err (MZ_ERR_IO for a missing/unreadable file, MZ_ERR_DATA
 *  for a bad header). */
mz_extract_reader_t *mz_extract_open(const char *path, const mz_extract_options_t *opt,
                                     mz_error_t *err);
/** Read from memory (the buffer must outlive the reader); `name` is used in messages. */
mz_extract_reader_t *mz_extract_open_mem(const char *name, const void *data, size_t size,
                                         const mz_extract_options_t *opt, mz_error_t *err);
/** Next record: 1 = record filled, 0 = end of input, -1 = error (err filled). */
int mz_extract_next(mz_extract_reader_t *r, mz_record_t *rec, mz_error_t *err);
/** The next records, many at a time: *recs points to *n >= 1 records, valid (with their strings)
 *  until the next call. 1 = records, 0 = end of input, -1 = error (err filled; the records
 *  before the bad one came in earlier calls). Consecutive records of one PSU in an array share
 *  their psu and design_stratum pointers (the aggregation uses this). Use either this or
 *  mz_extract_next on a reader, not both. */
int mz_extract_next_batch(mz_extract_reader_t *r, const mz_record_t **recs, size_t *n,
                          mz_error_t *err);
void mz_extract_close(mz_extract_reader_t *r);

/** Rows of sums that the records of a run add to (mz_extract_scan): ten per group (0 without,
 *  1 with migration background), in the order of the measures of mz_cells.h. */
typedef struct mz_scan_rows {
    double *w[2];       /**< weighted sums */
    int64_t *n[2];      /**< unweighted counts */
    double *kw[2];      /**< Kish sums: weights … */
    double *kw2[2];     /**< … and squared weights */
    double *part[2];    /**< the PSU's sums; NULL without design columns */
} mz_scan_rows_t;

/** Where mz_extract_scan puts the records. */
typedef struct mz_scan_sink {
    void *ctx;
    /** The age band of the `_band` measures, and the measures of a record (a bit set) by whether
     *  its age is in the band and by (ilo - 1) * 10 + selfemp * 5 + sector. */
    int age_lo, age_hi;
    uint32_t measures[2][30];
    /** A run of records begins: until the next call of run or record, the records have the unit,
     *  stratum, psu and design stratum of `first` (the run's first record, which the scanner
     *  adds itself after this call). Fill rows, or fail (err filled: reading stops). */
    mz_status_t (*run)(void *ctx, const mz_record_t *first, mz_scan_rows_t *rows,
                       mz_error_t *err);
    /** A record that the scanner leaves to the caller (read by the general path): add it as one
     *  record. A run begins anew after it. */
    mz_status_t (*record)(void *ctx, const mz_record_t *rec, mz_error_t *err);
    /** Out: records the scanner added through rows (not those passed to `record`). */
    uint64_t records;
} mz_scan_sink_t;

/** Read all (remaining) records and add them to the sink: each record's weight to the sums of its
 *  group and measures in w, kw and part, its square to kw2, 1 to its counts in n — in record
 *  order, as adding the records one by one would. Records of the fast path do not become
 *  mz_record_t at all; the others go to sink->record. 0 = end of input, -1 = error (err filled:
 *  the reader's, or the sink's). Call it instead of mz_extract_next/_batch, not after them. */
int mz_extract_scan(mz_extract_reader_t *r, mz_scan_sink_t *sink, mz_error_t *err);


/** Whether the file has the design columns psu and stratum. */
bool mz_extract_has_design(const mz_extract_reader_t *r);
/** Whether the file declares itself synthetic (column `synthetic` with value 1). */
bool mz_extract_is_synthetic(const mz_extract_reader_t *r);
/** The survey year (after the first record, or the expected year). */
int mz_extract_year(const mz_extract_reader_t *r);
/** Bytes consumed so far and total bytes (0 when unknown), for progress. */
uint64_t mz_extract_bytes_read(const mz_extract_reader_t *r);
uint64_t mz_extract_bytes_total(const mz_extract_reader_t *r);
/** SHA-256 of all bytes read, as 64 hex digits; valid after mz_extract_next returned 0. */
const char *mz_extract_sha256(const mz_extract_reader_t *r);

#ifdef __cplusplus
}
#endif
#endif
