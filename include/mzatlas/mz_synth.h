/* mz_synth.h — the synthetic, calibrated Mikrozensus sample for Niedersachsen (`mzatlas synth`,
 * `mzatlas demo`; docs/reproducing-the-2010-report.md).
 *
 * Real Mikrozensus records are not public. The generator writes a canonical extract (DESIGN.md)
 * that looks like a 1 % sample: persons in Auswahlbezirke (PSUs) of 10–20 persons inside design
 * strata, Kreis populations and shares of persons with migration background (MH) from the real
 * aggregated LSN counts in data/real scaled to the 2007 totals, and labour-market figures
 * calibrated so that the findings of chapter 2 of the 2010 ies report come out of the normal
 * pipeline. Every record carries `synthetic = 1`.
 *
 * The aggregate figures of every Kreis (population, MH, age classes, employed, unemployed,
 * self-employed, sectors) are fixed by the calibration and do not depend on the seed; the seed
 * decides who is who: ages, sex, German or foreign MH, which persons hold which status and how
 * persons are clustered in PSUs. The same options give byte-identical files. */
#ifndef MZATLAS_MZ_SYNTH_H
#define MZATLAS_MZ_SYNTH_H

#include <stdint.h>
#include <stdio.h>

#include "mz_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Calibration totals: Niedersachsen 2007, persons and persons with MH (Mikrozensus 2007). */
#define MZ_SYNTH_POPULATION_2007 7977850.0
#define MZ_SYNTH_WITH_MH_2007 1258762.0
/** Default seed of `mzatlas synth` and `mzatlas demo`. */
#define MZ_SYNTH_SEED_DEFAULT 2007u
/** Smallest and largest sample size accepted. */
#define MZ_SYNTH_PERSONS_MIN 1000L
#define MZ_SYNTH_PERSONS_MAX 20000000L
/** Earliest survey year (migration background is surveyed since 2005). */
#define MZ_SYNTH_YEAR_MIN 2005

typedef struct mz_synth_options {
    int year;                 /**< survey year; 0 = 2007 */
    uint32_t seed;            /**< random seed (GSL mt19937) */
    long persons;             /**< sample size; 0 = 1 % of the population (79,779) */
    const char *regions_path; /**< gazetteer CSV; NULL = bundled data/regions/gazetteer-ni.csv */
} mz_synth_options_t;

/** Defaults: year 2007, seed MZ_SYNTH_SEED_DEFAULT, 1 % sample, bundled gazetteer. */
void mz_synth_options_init(mz_synth_options_t *opt);

/** What was written. */
typedef struct mz_synth_summary {
    int year;
    long persons;         /**< records */
    long psus;            /**< Auswahlbezirke */
    long units;           /**< Kreise (regional units) */
    double population;    /**< sum of the weights */
    double with_mh;       /**< sum of the weights of persons with MH */
} mz_synth_summary_t;

/** Write the sample to `path` atomically (a temporary file beside it, renamed into place when
 *  complete; on failure nothing is left behind and an existing file is unchanged). summary may
 *  be NULL. Errors: MZ_ERR_USAGE for options out of range, MZ_ERR_IO, MZ_ERR_DATA for a
 *  gazetteer with units the generator has no figures for. */
mz_status_t mz_synth_write(const mz_synth_options_t *opt, const char *path,
                           mz_synth_summary_t *summary, mz_error_t *err);

/** Write the sample to an open stream; `name` is used in messages. */
mz_status_t mz_synth_write_stream(const mz_synth_options_t *opt, FILE *f, const char *name,
                                  mz_synth_summary_t *summary, mz_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
