/* mz_output.h — writing outputs: atomic output directories and the CSV/JSON tables. */
#ifndef MZATLAS_MZ_OUTPUT_H
#define MZATLAS_MZ_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "mz_error.h"
#include "mz_run.h"

#ifdef __cplusplus
extern "C" {
#endif

/** An output directory being written: files go into a staging directory beside the final one,
 *  which replaces the final directory only on commit. */
typedef struct mz_outdir mz_outdir_t;

/** Start writing `dir`. Fails with MZ_ERR_IO when dir exists and is not a directory, or when
 *  its parent is not writable. */
mz_outdir_t *mz_outdir_begin(const char *dir, mz_error_t *err);
/** Path of a file inside the staging directory (written to buf). Creates subdirectories of rel. */
const char *mz_outdir_file(mz_outdir_t *od, const char *rel, char *buf, size_t size);
/** Replace dir by the staging directory. The outdir is freed either way. */
mz_status_t mz_outdir_commit(mz_outdir_t *od, mz_error_t *err);
/** Drop the staging directory; dir stays as it was. NULL is accepted. */
void mz_outdir_abort(mz_outdir_t *od);

/** Write the tables of DESIGN.md "Output directory". */
mz_status_t mz_write_indicators_csv(mz_run_t *run, FILE *f, mz_error_t *err);
mz_status_t mz_write_action_csv(mz_run_t *run, FILE *f, mz_error_t *err);
mz_status_t mz_write_regions_csv(mz_run_t *run, FILE *f, mz_error_t *err);
mz_status_t mz_write_run_json(mz_run_t *run, const char *const *outputs, size_t n_outputs,
                              FILE *f, mz_error_t *err);

/** Write one CSV field (quoted when it holds a separator, quote or line break), followed by
 *  ',' or, for the last field of a row, '\n'. */
void mz_csv_put_field(FILE *f, const char *s, bool last);

/** Write a number for CSV: shortest round-trip representation, "" for NaN. */
void mz_format_number(double x, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
