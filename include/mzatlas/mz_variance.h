/* mz_variance.h — standard errors and confidence intervals of the estimates (docs/methodology.md).
 *
 * With design columns (psu, stratum on every record) the standard errors are design-based:
 * Taylor linearisation of each ratio over the per-PSU totals the aggregation kept, with-replacement
 * variance within design strata, domain estimation keeping all PSUs — the values R's survey
 * package gives for svydesign(ids=~psu, strata=~stratum, weights=~weight, nest=TRUE) with svyratio
 * and, for the gap, svyby(..., covmat=TRUE) + svycontrast. Without design columns an
 * approximation from Kish's effective sample size is used and flagged (se_approx). */
#ifndef MZATLAS_MZ_VARIANCE_H
#define MZATLAS_MZ_VARIANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mz_cells.h"
#include "mz_error.h"
#include "mz_extract.h"
#include "mz_gazetteer.h"
#include "mz_results.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How confidence intervals are formed. Gaps always use MZ_CI_NORMAL. */
typedef enum mz_ci_method {
    MZ_CI_NORMAL = 0, /**< estimate ± z·SE (default; as confint() on svyratio/svyby) */
    MZ_CI_LOGIT,      /**< on the logit scale, t quantile with the domain's design df
                       *   (as svyciprop(method = "logit")) */
    MZ_CI_BETA        /**< Korn–Graubard: beta quantiles with the effective sample size,
                       *   df-adjusted (as svyciprop(method = "beta")) */
} mz_ci_method_t;

/** What a design stratum with a single PSU contributes (R: options(survey.lonely.psu)). */
typedef enum mz_lonely_psu {
    MZ_LONELY_ADJUST = 0, /**< the PSU's deviation from the grand mean (0 for a linearised
                           *   ratio), squared (default) */
    MZ_LONELY_REMOVE,     /**< nothing */
    MZ_LONELY_FAIL        /**< the run fails (MZ_ERR_DATA) */
} mz_lonely_psu_t;

/** Which variance the estimates carry. */
typedef enum mz_variance_method {
    MZ_VAR_NONE = 0, /**< no standard errors (tabulated input) */
    MZ_VAR_DESIGN,   /**< design-based Taylor linearisation */
    MZ_VAR_KISH      /**< approximation from Kish's effective sample size (se_approx) */
} mz_variance_method_t;

typedef struct mz_variance_options {
    double ci_level;          /**< confidence level in percent, 0 < level < 100 (default 95) */
    mz_ci_method_t ci_method; /**< default MZ_CI_NORMAL */
    mz_lonely_psu_t lonely_psu; /**< default MZ_LONELY_ADJUST */
    double deff;              /**< design effect assumed by the approximation, > 0 (default 1) */
} mz_variance_options_t;

void mz_variance_options_init(mz_variance_options_t *opt);

const char *mz_ci_method_id(mz_ci_method_t m);           /**< "normal", "logit", "beta" */
int mz_ci_method_parse(const char *s);                   /**< -1 if unknown */
const char *mz_lonely_psu_id(mz_lonely_psu_t p);         /**< "adjust", "remove", "fail" */
int mz_lonely_psu_parse(const char *s);                  /**< -1 if unknown */
/** "none", "design_taylor", "kish_approximation" */
const char *mz_variance_method_id(mz_variance_method_t m);

/** What mz_variance_compute did (recorded in run.json). */
typedef struct mz_variance_info {
    mz_variance_method_t method;
    bool approximate;      /**< true for MZ_VAR_KISH */
    size_t psus;           /**< PSUs in the design (0 without design) */
    size_t design_strata;
    size_t lonely_strata;  /**< design strata with a single PSU */
    size_t rows_with_se;   /**< rows that got a finite standard error */
} mz_variance_info_t;

/* ---- what the approximation needs: sums of squared weights ---- */

/** Sums of weights and squared weights per unit (and stratum-only slot), group and measure,
 *  fed record by record during the single reading pass. */
typedef struct mz_kish mz_kish_t;

mz_kish_t *mz_kish_create(const mz_gazetteer_t *gz, mz_age_band_t band, mz_error_t *err);
void mz_kish_destroy(mz_kish_t *k);
/** Add one record (the same record given to mz_cells_add_record). */
void mz_kish_add_record(mz_kish_t *k, const mz_record_t *rec);
/** The same for n records. */
void mz_kish_add_records(mz_kish_t *k, const mz_record_t *recs, size_t n);
/** Number of records added. */
uint64_t mz_kish_records(const mz_kish_t *k);
/** For mz_extract_scan: the Kish rows (kw, kw2 of rows) of records like `rec`; false when the
 *  record has no unit or stratum of the gazetteer (mz_kish_add_record would ignore it). Add
 *  their count with mz_kish_add_count. */
bool mz_kish_rows(mz_kish_t *k, const mz_record_t *rec, mz_scan_rows_t *rows);
void mz_kish_add_count(mz_kish_t *k, uint64_t records);
/** The sums of slot i (units first, then one slot per stratum for records without a unit):
 *  w and w2 [MZ_NGRP][MZ_NMEAS]; false when there is no slot i. For tests. */
bool mz_kish_slot(const mz_kish_t *k, size_t i, double w[MZ_NGRP][MZ_NMEAS],
                  double w2[MZ_NGRP][MZ_NMEAS]);

/* ---- the computation ---- */

/** Fill se, ci_low, ci_high and se_approx of every row of res whose estimate is finite.
 *  Design-based when the cells carry design totals for every record; otherwise the Kish
 *  approximation when kish (may be NULL) holds every record behind a row; otherwise nothing.
 *  Memory: a few arrays over PSUs and design strata; the records are not read again.
 *  info may be NULL. Fails with MZ_ERR_DATA under MZ_LONELY_FAIL when a design stratum has a
 *  single PSU, MZ_ERR_USAGE for invalid options. */
mz_status_t mz_variance_compute(mz_results_t *res, const mz_kish_t *kish,
                                const mz_variance_options_t *opt, mz_variance_info_t *info,
                                mz_error_t *err);

/** Confidence interval in percent for an estimate `est` (percent) with standard error `se`
 *  (percent). `proportion`: the estimate is a share of persons (0–100), so logit and beta apply
 *  (otherwise, e.g. for gaps, the normal interval is used). `n`: unweighted cases of the
 *  denominator; `df`: design degrees of freedom (<= 0: unknown, normal quantiles instead of t).
 *  level in percent. NaN bounds when est or se is not finite. */
void mz_ci_interval(mz_ci_method_t method, double level, double est, double se, bool proportion,
                    double n, double df, double *lo, double *hi);

#ifdef __cplusplus
}
#endif
#endif
