/* mz_reproduce.h — checking the quantitative findings of chapter 2 of the 2010 ies report against
 * the results of a run, and the `mzatlas demo` job (synthetic sample → pipeline → findings).
 *
 * Every finding is evaluated from the computed results (mz_results_find, the partitions, the
 * network join); nothing is taken from the sample's calibration. The findings and their lines
 * in the report: reference/report-findings-2010.md; docs/reproducing-the-2010-report.md. */
#ifndef MZATLAS_MZ_REPRODUCE_H
#define MZATLAS_MZ_REPRODUCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mz_error.h"
#include "mz_run.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One finding. Texts are in the language current at evaluation time. */
typedef struct mz_finding {
    const char *id;        /**< "R6", "H5/H6", … (as in report-findings-2010.md) */
    int line;              /**< line of the report text (sources/000_6f29fe1c775ab2e6.txt) */
    const char *statement; /**< what the report says, with its line */
    char *expected;        /**< the report's value or condition */
    char *obtained;        /**< what the run gives */
    bool ok;
} mz_finding_t;

typedef struct mz_reproduction mz_reproduction_t;

/** Evaluate every finding on a computed run (after mz_run_compute). A finding that cannot be
 *  evaluated (e.g. a region missing) is not ok and says why in `obtained`; only out of memory
 *  returns NULL. The run should use the report's rules (rate rule base, ages 18-64). */
mz_reproduction_t *mz_reproduce_2010(mz_run_t *run, mz_error_t *err);
void mz_reproduction_destroy(mz_reproduction_t *r);

size_t mz_reproduction_count(const mz_reproduction_t *r);
const mz_finding_t *mz_reproduction_get(const mz_reproduction_t *r, size_t i);
/** Finding by id, or NULL. */
const mz_finding_t *mz_reproduction_find(const mz_reproduction_t *r, const char *id);
size_t mz_reproduction_ok_count(const mz_reproduction_t *r);

/** reproduction.csv: `finding,statement,expected,obtained,ok` (ok is 1 or 0), UTF-8. */
mz_status_t mz_reproduction_write_csv(const mz_reproduction_t *r, FILE *f, mz_error_t *err);
/** The same, written atomically to path. */
mz_status_t mz_reproduction_write(const mz_reproduction_t *r, const char *path, mz_error_t *err);

/* ---- the demo job ---- */

/** Default output directory of `mzatlas demo`. */
#define MZ_DEMO_OUT_DEFAULT "out/demo"

typedef struct mz_demo_options {
    const char *out;          /**< output directory; NULL = MZ_DEMO_OUT_DEFAULT */
    const char *sample;       /**< extract to evaluate; NULL = generate the synthetic sample */
    uint32_t seed;            /**< when generating */
    long persons;             /**< when generating; 0 = 1 % */
    unsigned outputs;         /**< MZ_OUT_* bits; 0 = every output */
    const char *command_line; /**< recorded in run.json */
} mz_demo_options_t;

void mz_demo_options_init(mz_demo_options_t *opt);

/** What the demo did. Owned by the caller: mz_demo_result_finish. */
typedef struct mz_demo_result {
    mz_reproduction_t *reproduction;
    char *sample;             /**< where the evaluated sample is now (in the output directory
                                   when generated) */
    uint64_t records;
    int year;
    bool synthetic;
    size_t flagged;           /**< regions that need action */
} mz_demo_result_t;

/** Generate the 2007 sample (unless opt->sample), run the whole pipeline with the report's rules
 *  (rate rule base, ages 18-64, region merging), write every output into opt->out plus
 *  reproduction.csv and the generated sample (synthetic-2007.csv). Returns MZ_OK also when a
 *  finding is not reproduced (see res->reproduction). */
mz_status_t mz_demo_run(const mz_demo_options_t *opt, mz_demo_result_t *res, mz_error_t *err);
void mz_demo_result_finish(mz_demo_result_t *res);

#ifdef __cplusplus
}
#endif
#endif
