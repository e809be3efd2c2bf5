/* mz_results.h — regions (Land, strata, planning regions), partitions of units into regions per
 * indicator, and the table of estimates that every output is written from. */
#ifndef MZATLAS_MZ_RESULTS_H
#define MZATLAS_MZ_RESULTS_H

#include <stdbool.h>
#include <stddef.h>

#include "mz_cells.h"
#include "mz_indicators.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A region: the Land, a stratum, or a planning region (one Kreis or merged Kreise). */
typedef struct mz_region {
    mz_level_t level;
    char *code;      /**< "03", "RA_01", "03455" or "03455+03462" */
    char *name;      /**< "Niedersachsen", "Oldenburger Raum", "Friesland/Wittmund" */
    char *members;   /**< member AGS joined by '+' (sorted) */
    int stratum;     /**< gazetteer stratum index; -1 for the Land */
    int *units;      /**< member unit indices, sorted by AGS */
    size_t nunits;
    char *why;       /**< why merged (which cell failed), "" when not merged */
} mz_region_t;

/** Build a planning region from units (sorted by AGS inside). */
mz_status_t mz_region_init_units(mz_region_t *r, const mz_gazetteer_t *gz, const int *units,
                                 size_t n, mz_error_t *err);
/** Set the explanation of a merge (copied). */
mz_status_t mz_region_set_why(mz_region_t *r, const char *why);
void mz_region_finish(mz_region_t *r);

/** The regions of one indicator: every present unit in exactly one region. */
typedef struct mz_partition {
    mz_region_t *regions;
    size_t count;
} mz_partition_t;

void mz_partition_finish(mz_partition_t *p);
/** Every unit with data its own region (no merging). */
mz_status_t mz_partition_singletons(const mz_cells_t *cells, mz_partition_t *out,
                                    mz_error_t *err);

/** One row of indicators.csv. */
typedef struct mz_estimate {
    mz_indicator_t ind;
    mz_group_t group;
    const mz_region_t *region; /**< owned by the results */
    mz_point_t p;
    double se, ci_low, ci_high; /**< NaN when not available */
    bool se_approx;             /**< SE from the approximation, not from the design */
} mz_estimate_t;

typedef struct mz_results mz_results_t;

/** Compute every estimate: Land, every stratum with data, and the regions of partitions[ind]
 *  (the results take ownership of the partitions; pass NULL for singletons). */
mz_results_t *mz_results_build(const mz_cells_t *cells, mz_partition_t partitions[MZ_NIND],
                               const mz_rules_t *rules, mz_error_t *err);
void mz_results_destroy(mz_results_t *res);

size_t mz_results_count(const mz_results_t *res);
mz_estimate_t *mz_results_get(mz_results_t *res, size_t i);
const mz_estimate_t *mz_results_at(const mz_results_t *res, size_t i);
/** Find a row; NULL if absent. */
const mz_estimate_t *mz_results_find(const mz_results_t *res, mz_indicator_t ind,
                                     mz_level_t level, const char *code, mz_group_t g);
const mz_partition_t *mz_results_partition(const mz_results_t *res, mz_indicator_t ind);
const mz_region_t *mz_results_land(const mz_results_t *res);
size_t mz_results_strata_count(const mz_results_t *res);
const mz_region_t *mz_results_stratum(const mz_results_t *res, size_t i);
const mz_rules_t *mz_results_rules(const mz_results_t *res);
const mz_cells_t *mz_results_cells(const mz_results_t *res);

/** Whether the region's unemployment gap needs action: published and round1(gap) >= flag. */
bool mz_estimate_needs_action(const mz_estimate_t *e, const mz_rules_t *rules);

/** Certainty of a gap flag from its confidence interval. */
typedef enum mz_certainty {
    MZ_CERT_NONE = 0,   /**< no CI available, or not flagged and upper bound below the flag */
    MZ_CERT_CERTAIN,    /**< lower CI bound >= flag */
    MZ_CERT_PROBABLE,   /**< estimate >= flag > lower bound */
    MZ_CERT_POSSIBLE    /**< not flagged, upper bound >= flag */
} mz_certainty_t;
mz_certainty_t mz_estimate_certainty(const mz_estimate_t *e, const mz_rules_t *rules);
const char *mz_certainty_id(mz_certainty_t c); /**< "", "certain", "probable", "possible" */

#ifdef __cplusplus
}
#endif
#endif
