/* mz_source.h — a generic source of person records: canonical or profile-mapped CSV, Stata .dta,
 * SPSS .sav and SAS .sas7bdat (via ReadStat). Every format yields the same validated
 * mz_record_t as the canonical CSV reader (mz_extract.h), with errors that name the file, the row
 * (CSV: line; other formats: record number), the variable and the value.
 *
 * Reading streams: records are handed to a callback one at a time (ReadStat is callback-driven);
 * memory does not grow with the number of records. */
#ifndef MZATLAS_MZ_SOURCE_H
#define MZATLAS_MZ_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "mz_error.h"
#include "mz_extract.h"
#include "mz_gazetteer.h"
#include "mz_profile.h"

#ifdef __cplusplus
extern "C" {
#endif

/** File formats of record extracts, chosen by the file name's extension (case-insensitive). */
typedef enum mz_input_format {
    MZ_FORMAT_CSV = 0,   /**< anything not listed below */
    MZ_FORMAT_DTA,       /**< .dta (Stata) */
    MZ_FORMAT_SAV,       /**< .sav, .zsav (SPSS) */
    MZ_FORMAT_SAS7BDAT   /**< .sas7bdat (SAS) */
} mz_input_format_t;

mz_input_format_t mz_source_format(const char *path);
/** "csv", "dta", "sav", "sas7bdat". */
const char *mz_source_format_id(mz_input_format_t fmt);

typedef struct mz_source_options {
    int year;                        /**< expected survey year; 0 = the first record's */
    const mz_gazetteer_t *gazetteer; /**< required */
    const mz_profile_t *profile;     /**< NULL = canonical variable names */
} mz_source_options_t;

/** What was read. */
typedef struct mz_source_info {
    mz_input_format_t format;
    uint64_t records;
    uint64_t bytes;
    char sha256[65];  /**< of the whole file */
    bool design;      /**< psu and stratum present */
    bool synthetic;   /**< the file declares itself synthetic */
    int year;
    uint64_t skipped; /**< records left out by the profile's filters (e.g. other Länder) */
} mz_source_info_t;

/** Receives each record (borrowed: valid during the call). Return MZ_OK to go on; anything else
 *  stops reading and is returned by mz_source_read (with err as filled by the callback). */
typedef mz_status_t (*mz_record_fn)(void *ctx, const mz_record_t *rec, mz_error_t *err);

/** Read every record of a file. A CSV without a profile (or with the canonical one) goes through
 *  the canonical reader unchanged. A variable the profile names but the file lacks is an error
 *  naming the data file, the variable and the profile file and line. */
mz_status_t mz_source_read(const char *path, const mz_source_options_t *opt, mz_record_fn fn,
                           void *ctx, mz_source_info_t *info, mz_error_t *err);

/* ---- several record extracts at once ---- */

/** Tracks which input file each unit and stratum-only slot came from, so that several extracts
 *  (e.g. one per stratum) can be merged only when they are disjoint. */
typedef struct mz_owners mz_owners_t;

mz_owners_t *mz_owners_create(const mz_gazetteer_t *gz, mz_error_t *err);
void mz_owners_destroy(mz_owners_t *o);
/** Start the next input file (its path is kept for messages). */
mz_status_t mz_owners_begin_file(mz_owners_t *o, const char *path, mz_error_t *err);
/** Check a record of the current file: its unit (or stratum-only slot) must not have come from an
 *  earlier file, and stratum-only records must not share a stratum with Kreis records of another
 *  file. Returns MZ_ERR_DATA naming both files. */
mz_status_t mz_owners_check(mz_owners_t *o, const mz_record_t *rec, mz_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
