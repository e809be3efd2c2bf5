/* mz_indicators.h — indicator definitions (DESIGN.md "Indicators"), reliability rules, the
 * partition of units into regions, and the table of estimates. */
#ifndef MZATLAS_MZ_INDICATORS_H
#define MZATLAS_MZ_INDICATORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mz_cells.h"
#include "mz_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mz_indicator {
    MZ_IND_MIGRATION_SHARE = 0,
    MZ_IND_EMPLOYMENT_RATE,
    MZ_IND_SELF_EMPLOYMENT_SHARE,
    MZ_IND_UNEMPLOYMENT_RATE,
    MZ_IND_SECTOR_AGRICULTURE,
    MZ_IND_SECTOR_PRODUCTION,
    MZ_IND_SECTOR_TRADE,
    MZ_IND_SECTOR_SERVICES,
    MZ_NIND
} mz_indicator_t;

typedef enum mz_group { MZ_G_WITH = 0, MZ_G_WITHOUT, MZ_G_ALL, MZ_G_GAP, MZ_NG } mz_group_t;

typedef enum mz_level { MZ_LEVEL_LAND = 0, MZ_LEVEL_SCHICHT, MZ_LEVEL_REGION } mz_level_t;

/** Publication symbols, ordered from best to worst. */
typedef enum mz_symbol {
    MZ_SYM_NONE = 0,   /**< "" published */
    MZ_SYM_LIMITED,    /**< "()" Aussagewert eingeschränkt */
    MZ_SYM_WITHHELD,   /**< "/" Zahlenwert nicht sicher genug */
    MZ_SYM_SECRET      /**< "." geheim */
} mz_symbol_t;

typedef enum mz_rate_rule { MZ_RATE_BOTH = 0, MZ_RATE_BASE } mz_rate_rule_t;

/** The rules in force. */
typedef struct mz_rules {
    double min_count;      /**< weighted count below this: "/" (default 5000) */
    double limited_below;  /**< weighted count below this: "()" (default 10000) */
    mz_rate_rule_t rate_rule;
    int64_t min_cases;     /**< fewer unweighted cases (but more than 0): "." (default 3) */
    double gap_flag;       /**< flag regions whose rounded gap is >= this (default 10) */
} mz_rules_t;

void mz_rules_init(mz_rules_t *rules);

/** Stable id ("migration_share", "sector_migration_share:production", …). */
const char *mz_indicator_id(mz_indicator_t ind);
/** Parse an id; -1 if unknown. */
int mz_indicator_parse(const char *id);
/** Human title in the current language. */
const char *mz_indicator_title(mz_indicator_t ind);
/** Whether the indicator is reported for groups with/without/gap (else only "all"). */
bool mz_indicator_has_groups(mz_indicator_t ind);
/** Whether the indicator uses the age band. */
bool mz_indicator_uses_band(mz_indicator_t ind);

const char *mz_group_id(mz_group_t g);      /**< "with", "without", "all", "gap" */
const char *mz_level_id(mz_level_t l);      /**< "land", "schicht", "region" */
const char *mz_symbol_str(mz_symbol_t s);   /**< "", "()", "/", "." */
static inline mz_symbol_t mz_symbol_worst(mz_symbol_t a, mz_symbol_t b) { return a > b ? a : b; }
static inline bool mz_symbol_withheld(mz_symbol_t s) { return s >= MZ_SYM_WITHHELD; }

/** A ratio's numerator or denominator: the sum over groups in gmask (bit MZ_GRP_*) and measures
 *  in mmask (bit mz_measure_t) of a cell. Linear, so it also applies to PSU totals. */
typedef struct mz_term {
    uint32_t gmask;
    uint32_t mmask;
} mz_term_t;

/** Numerator and denominator of indicator `ind` for group g (not MZ_G_GAP). Returns false when
 *  the indicator is not reported for that group. */
bool mz_indicator_terms(mz_indicator_t ind, mz_group_t g, mz_term_t *num, mz_term_t *den);
double mz_term_weighted(const mz_term_t *t, const mz_cell_t *c);
/** Unweighted cases; -1 when unknown. */
int64_t mz_term_cases(const mz_term_t *t, const mz_cell_t *c);
/** Whether the cell knows every measure of the term. */
bool mz_term_known(const mz_term_t *t, const mz_cell_t *c);
/** Sum of a term over PSU-part totals (same layout as mz_cell_t.w). */
double mz_term_sum(const mz_term_t *t, const double w[MZ_NGRP][MZ_NMEAS]);

/** Symbol of a weighted count alone under the count rule. */
mz_symbol_t mz_rules_count_symbol(const mz_rules_t *rules, double weighted);

/** A point estimate with its rule outcome, before variance. */
typedef struct mz_point {
    double estimate;   /**< percent (or percentage points for the gap); NaN when undefined */
    double numerator, denominator;   /**< weighted; NaN for the gap */
    int64_t n;         /**< unweighted cases of the denominator (gap: both denominators) */
    mz_symbol_t symbol;
    bool known;        /**< false when the cell lacks a needed measure */
} mz_point_t;

/** Estimate indicator ind for group g on a cell under the rules. */
mz_point_t mz_point_estimate(const mz_cell_t *cell, mz_indicator_t ind, mz_group_t g,
                             const mz_rules_t *rules);

/** Whether a cell passes the rules for an indicator (every reported group and the gap are
 *  published, i.e. not "/" or "."). If not and why is non-NULL, writes which group failed. */
bool mz_cell_passes(const mz_cell_t *cell, mz_indicator_t ind, const mz_rules_t *rules,
                    char *why, size_t why_size);

/** Round to one decimal as published (half away from zero, robust to binary representation). */
double mz_round1(double x);

#ifdef __cplusplus
}
#endif
#endif
