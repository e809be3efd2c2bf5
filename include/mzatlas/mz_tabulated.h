/* mz_tabulated.h — tabulated extracts (DESIGN.md "Tabulated extract"): checked tables of weighted
 * counts, as researchers may take them out of a research data centre, instead of person records.
 *
 * One or several table files are collected (e.g. one per stratum), then applied to the cells in
 * one step: disjoint parts are summed, the same count given twice is refused, a total given beside
 * its complete parts (group `all` beside `with` and `without`, a stratum beside all its Kreise, the
 * Land beside all strata) is checked against them and refused when it contradicts them. Counts
 * for an age band other than the run's are not used. After applying, notes say which indicators
 * the tables do not allow and why. Tables carry no design information: no standard errors. */
#ifndef MZATLAS_MZ_TABULATED_H
#define MZATLAS_MZ_TABULATED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mz_cells.h"
#include "mz_error.h"
#include "mz_gazetteer.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Whether a CSV file is a tabulated extract: its header has the columns region, measure and
 *  weighted. 1 = yes, 0 = no, -1 = the file cannot be read (err filled). */
int mz_tabulated_detect(const char *path, mz_error_t *err);

typedef struct mz_tables mz_tables_t;

/** Collector for table files. year: expected survey year (0 = the first row's); band: the run's
 *  age band (a row's `ages` must be `all` or equal to it to be used). */
mz_tables_t *mz_tables_create(const mz_gazetteer_t *gz, mz_age_band_t band, int year,
                              mz_error_t *err);
void mz_tables_destroy(mz_tables_t *t);

/** What one file held. */
typedef struct mz_tables_file_info {
    uint64_t rows;
    uint64_t bytes;
    char sha256[65];
} mz_tables_file_info_t;

/** Read one table file. Errors name the file, line, column and value. A row that repeats a count
 *  of an earlier row (same region, ages, group, measure; in this or an earlier file) is an
 *  overlap and refused. */
mz_status_t mz_tables_add_file(mz_tables_t *t, const char *path, mz_tables_file_info_t *info,
                               mz_error_t *err);
/** Read from memory (tests and fuzzing); `name` is used in messages. */
mz_status_t mz_tables_add_mem(mz_tables_t *t, const char *name, const void *data, size_t size,
                              mz_tables_file_info_t *info, mz_error_t *err);

/** Check the collected tables against each other and add them to the cells (units, stratum-only
 *  and Land-only slots, see mz_cells_add_cell). Call once, after the last file. */
mz_status_t mz_tables_apply(mz_tables_t *t, mz_cells_t *cells, mz_error_t *err);

/** Survey year of the tables (0 before the first row). */
int mz_tables_year(const mz_tables_t *t);
/** The distinct values of the optional `source` column, joined by "; " ("" when none). */
const char *mz_tables_source(const mz_tables_t *t);
/** Notes in the current language, after mz_tables_apply: which indicators cannot be computed and
 *  why, which rows were not used. */
size_t mz_tables_note_count(const mz_tables_t *t);
const char *mz_tables_note(const mz_tables_t *t, size_t i);

#ifdef __cplusplus
}
#endif
#endif
