/* mz_suppress.h — disclosure control: secondary suppression of secret cells and the audit of a
 * published output directory (docs/confidentiality.md).
 *
 * Three layers:
 *  - a generic protection table (mz_ptable_t): unknowns x >= 0, published cells that are linear
 *    functions of them, grouped into suppression units (a unit is published or withheld as a
 *    whole). GLPK computes the feasible interval of any linear function of the unknowns given
 *    the published cells; mz_ptable_protect() withholds further units until every target's
 *    interval covers its protection range;
 *  - mz_suppress_apply(): the model of indicators.csv (persons of each unit and group split into
 *    disjoint kinds, every published numerator, denominator and case count a sum of them) and
 *    the secondary suppression of a table of results;
 *  - mz_audit_*(): an independent check of an output directory against the extracts it was made
 *    from: feasible intervals of the secret cells from what the directory publishes, and a search
 *    of every CSV, SVG and xlsx file for withheld values. */
#ifndef MZATLAS_MZ_SUPPRESS_H
#define MZATLAS_MZ_SUPPRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "mz_error.h"
#include "mz_results.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ generic protection table */

typedef struct mz_ptable mz_ptable_t;

/** A table with nsys independent systems of unknowns (e.g. weighted counts and case counts);
 *  system s has nvars[s] unknowns, each bounded below by 0 and unbounded above. integral[s]
 *  (may be NULL: none) marks systems whose unknowns are whole numbers: their intervals are
 *  rounded inwards to whole numbers. */
mz_ptable_t *mz_ptable_create(size_t nsys, const size_t *nvars, const bool *integral,
                              mz_error_t *err);
void mz_ptable_destroy(mz_ptable_t *t);

/** Change the bounds of one unknown (hi may be INFINITY). */
mz_status_t mz_ptable_bounds(mz_ptable_t *t, size_t sys, size_t var, double lo, double hi,
                             mz_error_t *err);
/** A suppression unit with the cost of withholding it (lower = preferred as a complement).
 *  Returns its index, or -1 (err set). */
long mz_ptable_add_unit(mz_ptable_t *t, double cost, bool published, mz_error_t *err);
/** A cell of unit `unit`: the linear function sum(coefs[i] * x[vars[i]]) of system sys, whose
 *  value is `value`. While the unit is published the cell is known to equal its value. */
mz_status_t mz_ptable_add_cell(mz_ptable_t *t, size_t unit, size_t sys, size_t n,
                               const size_t *vars, const double *coefs, double value,
                               mz_error_t *err);
/** Whenever `unit` is withheld, `follower` is withheld too. */
mz_status_t mz_ptable_link(mz_ptable_t *t, size_t unit, size_t follower, mz_error_t *err);
/** A sensitive value: the linear function with true value `value`; its feasible interval must
 *  reach down to value - lower and up to value + upper (each clipped to what the bounds of the
 *  unknowns allow at all). Returns the target's index, or -1 (err set). */
long mz_ptable_add_target(mz_ptable_t *t, size_t sys, size_t n, const size_t *vars,
                          const double *coefs, double value, double lower, double upper,
                          mz_error_t *err);

/** Withhold a unit (and what it is linked to) by hand. */
mz_status_t mz_ptable_suppress(mz_ptable_t *t, size_t unit, mz_error_t *err);
bool mz_ptable_unit_published(const mz_ptable_t *t, size_t unit);
/** Whether mz_ptable_protect() withheld the unit (a complementary suppression). */
bool mz_ptable_unit_complement(const mz_ptable_t *t, size_t unit);
size_t mz_ptable_unit_count(const mz_ptable_t *t);
size_t mz_ptable_target_count(const mz_ptable_t *t);

/** Whether the published cells can hold at all (some x >= 0 meets them). */
mz_status_t mz_ptable_feasible(mz_ptable_t *t, bool *feasible, mz_error_t *err);

/** The feasible interval of a target given the published cells: *lo and *hi (INFINITY when
 *  unbounded above). Fails with MZ_ERR_DATA when the published cells contradict each other. */
mz_status_t mz_ptable_interval(mz_ptable_t *t, size_t target, double *lo, double *hi,
                               mz_error_t *err);

/** How a target stands. */
typedef enum mz_protection {
    MZ_PROT_OK = 0,        /**< the interval covers the protection range */
    MZ_PROT_NARROW,        /**< not exact, but narrower than the protection range */
    MZ_PROT_EXACT          /**< recomputable: the interval is a single value */
} mz_protection_t;
/** Judge an interval computed for target i. */
mz_protection_t mz_ptable_judge(const mz_ptable_t *t, size_t target, double lo, double hi);

typedef struct mz_ptable_stats {
    size_t targets;       /**< targets checked */
    size_t complements;   /**< units withheld by mz_ptable_protect (links included) */
    size_t unprotected;   /**< targets that could not be protected (should be 0) */
    size_t solves;        /**< linear programs solved */
} mz_ptable_stats_t;

/** Secondary suppression: for each target in turn, while its interval misses the protection
 *  range on one side, withhold the cheapest published unit among those whose cells bound that
 *  side (nonzero dual value in the LP), then solve again. Withholding only widens intervals, so
 *  one pass protects every target. stats may be NULL. */
mz_status_t mz_ptable_protect(mz_ptable_t *t, mz_ptable_stats_t *stats, mz_error_t *err);

/* ------------------------------------------------------------- suppression of the results */

/** Default protection: the interval of a secret value must reach ±50 % of it (or ±min-count
 *  persons, whichever is larger; ±50 % or at least one case for case counts). */
#define MZ_PROTECTION_DEFAULT 0.5

typedef struct mz_suppress_info {
    size_t primary;       /**< rows secret by the case rule (rates, not gaps) */
    size_t secondary;     /**< rows withheld as complements ("." too; rates, not gaps) */
    size_t gaps;          /**< gap rows withheld because one of their rates became a complement */
    size_t targets;       /**< secret values protected (weighted and case counts) */
    size_t unprotected;   /**< secret values that could not be protected (should be 0) */
    size_t solves;        /**< linear programs solved */
    bool relaxed;         /**< the inputs do not fit the person model; measures treated as
                           *   independent unknowns (tabulated inputs with rounding) */
} mz_suppress_info_t;

/** Secondary suppression of a table of results: rows that would let a secret value be
 *  recomputed, or narrowed below ±protection × value (at least ±min-count persons), get the
 *  symbol "." too (and the gaps built on them). protection: fraction, e.g. 0.5. info may be
 *  NULL. */
mz_status_t mz_suppress_apply(mz_results_t *res, double protection, mz_suppress_info_t *info,
                              mz_error_t *err);

/* ---------------------------------------------------------------------------- the audit */

typedef enum mz_audit_kind {
    MZ_AUDIT_RECOMPUTABLE = 0, /**< a secret value can be recomputed exactly */
    MZ_AUDIT_NARROW,           /**< its feasible interval misses the protection range */
    MZ_AUDIT_PUBLISHED,        /**< a withheld row shows a value in indicators.csv */
    MZ_AUDIT_SYMBOL,           /**< a secret row is not marked "." (or a gap is published beside
                               *   a withheld rate) */
    MZ_AUDIT_LEAK,             /**< a withheld value appears in a file */
    MZ_AUDIT_MISMATCH,         /**< a row or value does not match the recomputation */
    MZ_AUDIT_INCONSISTENT,     /**< the published values contradict the definitions */
    MZ_AUDIT_UNCHECKED         /**< a file could not be checked */
} mz_audit_kind_t;

/** Stable id of a finding kind ("recomputable", "narrow", "published", …). */
const char *mz_audit_kind_id(mz_audit_kind_t k);

/** One finding. Messages never contain a withheld value. */
typedef struct mz_audit_finding {
    mz_audit_kind_t kind;
    char file[256];      /**< relative to the audited directory */
    char where[128];     /**< line, sheet and cell, … ("" when not about a place) */
    char cell[256];      /**< indicator/level/region/group the finding is about ("" if none) */
    char message[512];   /**< what is wrong, in the current language */
} mz_audit_finding_t;

typedef struct mz_audit_options {
    double protection;   /**< fraction (default MZ_PROTECTION_DEFAULT) */
} mz_audit_options_t;

void mz_audit_options_init(mz_audit_options_t *o);

typedef struct mz_audit_stats {
    size_t rows;            /**< rows of indicators.csv */
    size_t secret_rows;     /**< rows marked "." */
    size_t primary_rows;    /**< rows secret by the case rule (rates, recomputed) */
    size_t targets;         /**< secret values whose interval was computed */
    size_t files;           /**< files searched for withheld values */
    size_t skipped;         /**< files not searched (PNG, PDF, …) */
    size_t withheld_values; /**< distinct withheld values searched for */
    bool relaxed;           /**< measure model used */
} mz_audit_stats_t;

typedef struct mz_audit mz_audit_t;

/** Audit directory `dir` against `reference`: a run computed from the same extracts with the
 *  same options (its values, including the withheld ones, stay in memory and are never
 *  written). Findings are collected, not printed; NULL only on errors (missing
 *  indicators.csv: MZ_ERR_IO; unreadable table: MZ_ERR_DATA). */
mz_audit_t *mz_audit_dir(const mz_results_t *reference, const char *dir,
                         const mz_audit_options_t *opt, mz_error_t *err);
void mz_audit_destroy(mz_audit_t *a);
size_t mz_audit_count(const mz_audit_t *a);
const mz_audit_finding_t *mz_audit_finding(const mz_audit_t *a, size_t i);
const mz_audit_stats_t *mz_audit_stats(const mz_audit_t *a);

#ifdef __cplusplus
}
#endif
#endif
