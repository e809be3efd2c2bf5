/* mz_run.h — the whole job: extracts → cells → partitions → estimates → outputs. The CLI's
 * run, flag, demo and batch commands are thin layers over this. */
#ifndef MZATLAS_MZ_RUN_H
#define MZATLAS_MZ_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "mz_cells.h"
#include "mz_error.h"
#include "mz_gazetteer.h"
#include "mz_indicators.h"
#include "mz_networks.h"
#include "mz_results.h"
#include "mz_suppress.h"
#include "mz_variance.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Outputs a run can write (bit set). run.json is always written. */
enum {
    MZ_OUT_CSV = 1u << 0,   /**< indicators.csv, action.csv, regions.csv */
    MZ_OUT_XLSX = 1u << 1,
    MZ_OUT_MAPS = 1u << 2
};

typedef struct mz_run_options {
    int year;                 /**< 0 = the records' year */
    const char *regions_path; /**< gazetteer CSV; NULL = bundled */
    mz_rules_t rules;
    mz_age_band_t band;       /**< default 18-64 */
    unsigned outputs;         /**< MZ_OUT_* bits */
    unsigned formats;         /**< map/chart file formats, MZ_FMT_* bits (mz_charts.h); default all */
    double dpi;               /**< PNG resolution of maps and charts (default 200; 300 for print) */
    bool merge;               /**< merge Kreise into reliable regions (when available) */
    int max_errors;           /**< report up to this many bad records of a canonical extract
                                   before stopping (default 1: stop at the first) */
    bool common_partition;    /**< with merge: one partition valid for every indicator */
    mz_variance_options_t variance; /**< standard errors and confidence intervals */
    double protection;        /**< secret cells: protection range as a fraction of the value
                               *   (default 0.5; at least ±min-count persons) */
    const char *command_line; /**< recorded in run.json */
    const char *profile;      /**< --profile NAME|FILE (mz_profile.h); NULL = canonical names */
} mz_run_options_t;

void mz_run_options_init(mz_run_options_t *opt);

/** Directory of the bundled data (env MZATLAS_DATA, else the installed or source data/). */
const char *mz_data_dir(void);
/** Path of a bundled data file, e.g. "regions/gazetteer-ni.csv" (static buffer per call site is
 *  not used: the result is written to buf). */
const char *mz_data_path(const char *rel, char *buf, size_t size);

typedef struct mz_run mz_run_t;

/** One input file as recorded in run.json. */
typedef struct mz_input_info {
    char *path;
    char sha256[65];
    uint64_t bytes;
    uint64_t records;
    bool design;     /**< has psu and stratum */
    bool synthetic;
} mz_input_info_t;

/** Stage timings in seconds. */
typedef struct mz_timings {
    double read, aggregate, merge, estimate, variance, outputs;
} mz_timings_t;

mz_run_t *mz_run_create(const mz_run_options_t *opt, mz_error_t *err);
void mz_run_destroy(mz_run_t *run);

/** Read one extract into the run's cells. Several may be added (same year; record extracts must
 *  hold different Kreise). The format is chosen per file: canonical CSV, CSV through the run's
 *  profile, Stata/SPSS/SAS (mz_source.h), or a tabulated extract detected by its header
 *  (mz_tabulated.h; tables are applied in mz_run_compute and cannot be mixed with records). */
mz_status_t mz_run_add_extract(mz_run_t *run, const char *path, mz_error_t *err);
/** Bad records reported before a run stopped (with --max-errors > 1), formatted as
 *  `file:line: column 'x': value 'v': message`. The run's own error then summarises them. */
size_t mz_run_record_error_count(const mz_run_t *run);
const char *mz_run_record_error(const mz_run_t *run, size_t i);
/** Partitions, estimates and rules. Call once after all inputs were added. */
mz_status_t mz_run_compute(mz_run_t *run, mz_error_t *err);
/** Move the file src into the output directory as rel when the outputs are written, in the
 *  same atomic step (e.g. the demo's generated sample). An input read from src is recorded in
 *  run.json and the workbook at its final place. At most 8 files. */
mz_status_t mz_run_adopt_file(mz_run_t *run, const char *src, const char *rel, mz_error_t *err);
/** Write the chosen outputs atomically into dir (replaced only when complete). */
mz_status_t mz_run_write(mz_run_t *run, const char *dir, mz_error_t *err);

int mz_run_year(const mz_run_t *run);
bool mz_run_synthetic(const mz_run_t *run);
const mz_run_options_t *mz_run_options(const mz_run_t *run);
const mz_gazetteer_t *mz_run_gazetteer(const mz_run_t *run);
const mz_networks_t *mz_run_networks(const mz_run_t *run);
const mz_cells_t *mz_run_cells(const mz_run_t *run);
mz_results_t *mz_run_results(mz_run_t *run);
size_t mz_run_input_count(const mz_run_t *run);
const mz_input_info_t *mz_run_input(const mz_run_t *run, size_t i);
const mz_timings_t *mz_run_timings(const mz_run_t *run);
/** How the standard errors were computed (valid after mz_run_compute). */
const mz_variance_info_t *mz_run_variance_info(const mz_run_t *run);
/** Secondary suppression of secret cells (valid after mz_run_compute). */
const mz_suppress_info_t *mz_run_suppress_info(const mz_run_t *run);
/** Notes for the user in the current language (valid after mz_run_compute): indicators that
 *  tabulated inputs do not allow and why, unverified profile mappings. */
size_t mz_run_note_count(const mz_run_t *run);
const char *mz_run_note(const mz_run_t *run, size_t i);
/** Source named by the inputs (column `source` of tabulated extracts), "" when none. */
const char *mz_run_source(const mz_run_t *run);
/** Whether the inputs are tabulated extracts (no person records, no standard errors). */
bool mz_run_tabulated(const mz_run_t *run);

#ifdef __cplusplus
}
#endif
#endif
