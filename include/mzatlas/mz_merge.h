/* mz_merge.h — region merging (DESIGN.md "Region merging", docs/region-merging.md).
 *
 * Per indicator and Anpassungsschicht: the partition of the stratum's units (those with data)
 * into connected regions that has the largest number of regions, every region passing the
 * reliability rules for the indicator. Exact for connected parts up to `exact_max` units, a
 * documented heuristic beyond. A stratum that fails as a whole becomes one region (all its
 * units) whose values are then withheld. */
#ifndef MZATLAS_MZ_MERGE_H
#define MZATLAS_MZ_MERGE_H

#include <stdbool.h>
#include <stddef.h>

#include "mz_cells.h"
#include "mz_error.h"
#include "mz_geo.h"
#include "mz_indicators.h"
#include "mz_results.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Connected parts up to this many units are solved exactly by default. */
#define MZ_MERGE_EXACT_DEFAULT 16
/** Upper limit for exact_max (time and memory grow as 3^n and 2^n). */
#define MZ_MERGE_EXACT_LIMIT 20

typedef struct mz_merge_options {
    bool common;       /**< one partition valid for every indicator (see mz_merge_partitions) */
    size_t exact_max;  /**< largest connected part solved exactly; 0 = MZ_MERGE_EXACT_DEFAULT */
} mz_merge_options_t;

void mz_merge_options_init(mz_merge_options_t *opt);

/** What the search did (summed over strata and indicators). */
typedef struct mz_merge_stats {
    size_t strata;      /**< strata partitioned */
    size_t parts;       /**< connected parts solved */
    size_t exact;       /**< parts solved exactly (proven optimal) */
    size_t heuristic;   /**< parts solved by the heuristic */
    size_t withheld;    /**< strata that failed as a whole */
    size_t bridges;     /**< links added to attach islands (units without a common border) */
    size_t evaluations; /**< rule evaluations of candidate regions */
} mz_merge_stats_t;

/** Partition of the units with data for one indicator. nb may be NULL (no unit has a neighbour:
 *  every stratum's units are islands, see docs/region-merging.md). stats may be NULL; it is
 *  added to, not reset. */
mz_status_t mz_merge_indicator(const mz_cells_t *cells, const mz_neighbours_t *nb,
                               const mz_rules_t *rules, mz_indicator_t ind,
                               const mz_merge_options_t *opt, mz_partition_t *out,
                               mz_merge_stats_t *stats, mz_error_t *err);

/** Partitions for every indicator (out[ind]). With opt->common, one partition whose regions
 *  pass the rules for every indicator that passes on the stratum as a whole, copied to every
 *  indicator. On failure every out[i] is left empty. */
mz_status_t mz_merge_partitions(const mz_cells_t *cells, const mz_neighbours_t *nb,
                                const mz_rules_t *rules, const mz_merge_options_t *opt,
                                mz_partition_t out[MZ_NIND], mz_merge_stats_t *stats,
                                mz_error_t *err);

/* ---- the search on an abstract graph (used by the above; exposed for tests and reuse) ---- */

/** Whether the region made of vertices members[0..k-1] (ascending) passes. */
typedef bool (*mz_merge_pred_t)(const int *members, size_t k, void *ctx);
/** Distance between two vertices, for attaching islands (smaller = nearer; INFINITY allowed). */
typedef double (*mz_merge_dist_t)(int a, int b, void *ctx);

typedef struct mz_merge_problem {
    size_t n;                   /**< vertices 0 … n-1, in tie-break order (AGS order) */
    const unsigned char *adj;   /**< n×n, adj[a*n+b] != 0: a and b share a border (symmetric) */
    const double *size;         /**< per vertex (population) for the balance tie-break; NULL: 1 */
    mz_merge_pred_t passes;
    mz_merge_dist_t distance;   /**< NULL: |a - b| */
    void *ctx;                  /**< passed to passes and distance */
    size_t exact_max;           /**< 0 = MZ_MERGE_EXACT_DEFAULT; capped at MZ_MERGE_EXACT_LIMIT */
} mz_merge_problem_t;

typedef struct mz_merge_solution {
    int *region;        /**< per vertex: its region 0 … count-1, numbered by first vertex */
    size_t count;
    bool passing;       /**< false: the whole set fails; then count = 1 (or 0 for n = 0) */
    bool exact;         /**< every part was solved exactly: count is the maximum */
    int *bridges;       /**< pairs of vertices linked although not adjacent (islands) */
    size_t nbridges;
    size_t parts, exact_parts, evaluations;
} mz_merge_solution_t;

/** Solve. The solution is owned by the caller (mz_merge_solution_finish). */
mz_status_t mz_merge_solve(const mz_merge_problem_t *p, mz_merge_solution_t *sol,
                           mz_error_t *err);
void mz_merge_solution_finish(mz_merge_solution_t *sol);

#ifdef __cplusplus
}
#endif
#endif
