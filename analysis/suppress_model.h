/* suppress_model.h — private: the linear model of indicators.csv shared by the secondary
 * suppression (suppress.c) and the audit (audit.c).
 *
 * Unknowns: for every slot (a Kreis, or the stratum-only records of a stratum), every group
 * (with / without MH) and every kind of person, the weighted number of persons (system
 * MZ_SDC_WEIGHTED) and the number of cases (system MZ_SDC_CASES). The kinds split the persons
 * so that every measure is a sum of kinds (person model): in the age band employed by sector and
 * self-employment, unemployed, inactive; outside the band employed by sector and
 * self-employment, and the rest. Every numerator, denominator and case count of a row is then a
 * sum of unknowns over the row's slots, which carries all relations at once: groups
 * (all = with + without), the hierarchy (regions → stratum → Land), the partitions, and the
 * identities between indicators (the employed are the sum of the four sectors, the labour force
 * is employed plus unemployed, …). The measure model (one unknown per measure) drops the
 * identities between measures; it is the fallback for inputs that do not fit the person model. */
#ifndef MZATLAS_SUPPRESS_MODEL_H
#define MZATLAS_SUPPRESS_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mzatlas/mz_suppress.h"

enum { MZ_SDC_WEIGHTED = 0, MZ_SDC_CASES = 1, MZ_SDC_NSYS = 2 };

/** One row of the published table, as the model sees it. */
typedef struct mz_sdc_row {
    mz_indicator_t ind;
    mz_group_t group;
    const size_t *slots;   /**< slots the row's region covers */
    size_t nslots;
    double cost;           /**< cost of withholding the row */
    /* what the row publishes (each false = not published) */
    bool has_num, has_den, has_n, has_est;
    double num, den, n, est;
    long gap_row;          /**< row of the gap of the same indicator and region, or -1 */
} mz_sdc_row_t;

typedef struct mz_sdc_model {
    mz_ptable_t *pt;       /**< unit i = row i */
    size_t nslots, nkinds, nvars;
    size_t *slot_class;    /**< slots that lie in exactly the same rows share their unknowns
                            *   (SIZE_MAX: in no row) */
    size_t nclasses;
    unsigned *class_stamp; /**< scratch: classes already summed in one term */
    unsigned stamp;
    uint32_t sig[32];      /**< measures (bit mz_measure_t) each kind counts in */
    bool relaxed;
    double *acc;           /**< dense accumulator over the unknowns of one system */
    unsigned char *mark;   /**< acc[v] is in touched */
    size_t *touched;
    size_t ntouched;
} mz_sdc_model_t;

/** Build the table of rows[0..nrows) (unit i = row i; published when any has_* is set; with and
 *  without are linked to their gap). band_all: the age band covers every age, so there are no
 *  persons outside it. relaxed: the measure model. Targets may only use rows passed here. */
mz_status_t mz_sdc_build(mz_sdc_model_t *m, const mz_sdc_row_t *rows, size_t nrows,
                         size_t nslots, bool band_all, bool relaxed, mz_error_t *err);
/** Build with the person model, or with the measure model when the published values do not fit
 *  it; *fits false when they fit neither (m is then built with the measure model). */
mz_status_t mz_sdc_build_fitting(mz_sdc_model_t *m, const mz_sdc_row_t *rows, size_t nrows,
                                 size_t nslots, bool band_all, bool *fits, mz_error_t *err);
void mz_sdc_finish(mz_sdc_model_t *m);

/** A target on the numerator (which = 0) or denominator (which = 1) of a row's region, in
 *  system sys, with true value `value` and protection ±prot. Returns its index or -1. */
long mz_sdc_target(mz_sdc_model_t *m, const mz_sdc_row_t *row, int which, size_t sys,
                   double value, double prot, mz_error_t *err);

/** Protection of a weighted value: max(protection × value, min_count, 1 person). */
double mz_sdc_prot_weighted(double value, double protection, double min_count);
/** Protection of a case count: max(protection × cases, 1 case). */
double mz_sdc_prot_cases(double cases, double protection);

/** The secret parts of a rate under the case rule: bit 0 numerator, bit 1 denominator (cases
 *  1 … min_cases-1). Fills the weighted values and cases of both terms. 0 for gaps and for
 *  indicators not reported for the group. */
unsigned mz_sdc_sensitive(const mz_cell_t *cell, mz_indicator_t ind, mz_group_t g,
                          const mz_rules_t *rules, double weighted[2], int64_t cases[2]);

/** The cell a region's rows are computed from. */
void mz_sdc_region_cell(const mz_results_t *res, const mz_region_t *r, mz_cell_t *out);
/** Whether a stratum has records without a Kreis (its cell is more than its Kreise). */
bool mz_sdc_stratum_only(const mz_results_t *res, const mz_region_t *stratum);

#endif
