/* mz_cells.h — aggregation of person records into cells: per unit (and per stratum for
 * stratum-only records) and group, weighted sums and unweighted counts of each measure; rolled
 * up to strata and the Land. With design columns it also keeps per-PSU totals for the variance. */
#ifndef MZATLAS_MZ_CELLS_H
#define MZATLAS_MZ_CELLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mz_error.h"
#include "mz_extract.h"
#include "mz_gazetteer.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Groups a record falls into. "all" is always the sum of both. */
enum { MZ_GRP_WITHOUT = 0, MZ_GRP_WITH = 1, MZ_NGRP = 2 };

/** Measures counted per group. `_BAND` measures count only ages within the age band. */
typedef enum mz_measure {
    MZ_M_POP = 0,      /**< persons, all ages */
    MZ_M_POP_BAND,     /**< persons in the age band */
    MZ_M_EMP_BAND,     /**< employed in the age band */
    MZ_M_UNEMP_BAND,   /**< unemployed in the age band */
    MZ_M_EMP,          /**< employed, all ages */
    MZ_M_SELF,         /**< self-employed, all ages */
    MZ_M_SEC_AGR,      /**< employed in agriculture, all ages */
    MZ_M_SEC_PROD,
    MZ_M_SEC_TRADE,
    MZ_M_SEC_SERV,
    MZ_NMEAS
} mz_measure_t;

/** Stable id of a measure ("population", "employed_band", …). */
const char *mz_measure_id(mz_measure_t m);

/** A cell: sums for both groups. n = -1 means "unknown" (tables without case counts). */
typedef struct mz_cell {
    double w[MZ_NGRP][MZ_NMEAS];
    int64_t n[MZ_NGRP][MZ_NMEAS];
    uint32_t have; /**< bit m set: measure m is known (always all for records) */
} mz_cell_t;

#define MZ_HAVE_ALL ((uint32_t)((1u << MZ_NMEAS) - 1u))

/** Age band, inclusive. */
typedef struct mz_age_band {
    int lo, hi;
} mz_age_band_t;
/** Parse "18-64" or "all" (0-120). Returns false for anything else. */
bool mz_age_band_parse(const char *s, mz_age_band_t *band);

/** Zero a cell (have = 0). */
void mz_cell_init(mz_cell_t *c);
/** c += d (unknown counts stay unknown; have is intersected unless c was empty). */
void mz_cell_add(mz_cell_t *c, const mz_cell_t *d);

typedef struct mz_cells mz_cells_t;

mz_cells_t *mz_cells_create(const mz_gazetteer_t *gz, mz_age_band_t band, mz_error_t *err);
void mz_cells_destroy(mz_cells_t *cells);

/** Add a record. With psu and design_stratum set, per-PSU totals are kept too. */
mz_status_t mz_cells_add_record(mz_cells_t *cells, const mz_record_t *rec, mz_error_t *err);
/** No more records will be added: frees the lookup of PSU ids (about a third of the memory of
 *  the per-PSU totals); the totals and counts stay. A record with design columns added after
 *  it fails with MZ_ERR_INTERNAL; cells (tabulated input) may still be added. */
void mz_cells_finish(mz_cells_t *cells);
/** The measures a record counts in, as a bit set (bit m: measure m), for an age band. */
uint32_t mz_record_measures(const mz_record_t *rec, mz_age_band_t band);
/** The table of mz_scan_sink_t.measures for a band. */
void mz_measure_table(mz_age_band_t band, uint32_t table[2][30]);

/** For mz_extract_scan: the rows that records like `first` (same unit, stratum, psu, design
 *  stratum) add to — w, n and part of rows; the cell is marked as having records. Fails as
 *  mz_cells_add_record would for `first`. Add the records' count with mz_cells_add_count. */
mz_status_t mz_cells_rows(mz_cells_t *cells, const mz_record_t *first, mz_scan_rows_t *rows,
                          mz_error_t *err);
void mz_cells_add_count(mz_cells_t *cells, uint64_t records);
/** Add n records, as n calls of mz_cells_add_record would (stopping at the first failure), but
 *  faster: records of a PSU that follow one another with the same psu and design_stratum
 *  pointers (mz_extract_next_batch) are taken as the same PSU without comparing the strings. */
mz_status_t mz_cells_add_records(mz_cells_t *cells, const mz_record_t *recs, size_t n,
                                 mz_error_t *err);
/** Add a whole cell (tabulated input): unit >= 0, or unit = -1 and stratum >= 0, or both -1 for
 *  counts given for the Land only (they enter the Land total, no stratum or unit). */
void mz_cells_add_cell(mz_cells_t *cells, int unit, int stratum, const mz_cell_t *cell);

mz_age_band_t mz_cells_band(const mz_cells_t *cells);
const mz_gazetteer_t *mz_cells_gazetteer(const mz_cells_t *cells);
uint64_t mz_cells_records(const mz_cells_t *cells);

/** Whether any record or cell was added for the unit. */
bool mz_cells_unit_present(const mz_cells_t *cells, size_t unit);
/** Cell of one unit (records with that unit). */
const mz_cell_t *mz_cells_unit(const mz_cells_t *cells, size_t unit);
/** Whether the stratum has data (units or stratum-only records). */
bool mz_cells_stratum_present(const mz_cells_t *cells, size_t stratum);
/** Cell of a stratum: its units plus its stratum-only records. */
const mz_cell_t *mz_cells_stratum(const mz_cells_t *cells, size_t stratum);
/** Cell of the Land. */
const mz_cell_t *mz_cells_land(const mz_cells_t *cells);
/** Sum of the cells of a set of units into out. */
void mz_cells_sum_units(const mz_cells_t *cells, const int *units, size_t n, mz_cell_t *out);

/* ---- per-PSU totals (design-based variance) ---- */

/** Whether every record carried psu and design stratum (and at least one record was added). */
bool mz_cells_has_design(const mz_cells_t *cells);
/** Number of PSUs and design strata seen. */
size_t mz_cells_psu_count(const mz_cells_t *cells);
size_t mz_cells_design_stratum_count(const mz_cells_t *cells);
/** Design stratum index of a PSU. */
size_t mz_cells_psu_design_stratum(const mz_cells_t *cells, size_t psu);

/** A PSU's weighted totals within one unit (or stratum-only slot when unit = -1). */
typedef struct mz_psu_part {
    uint32_t psu;      /**< PSU index */
    int32_t unit;      /**< unit index or -1 */
    int32_t stratum;   /**< gazetteer stratum index */
    double w[MZ_NGRP][MZ_NMEAS];
} mz_psu_part_t;

size_t mz_cells_psu_part_count(const mz_cells_t *cells);
/** Part i. The parts are stored compactly: the result is valid until the next call (and not to
 *  be used from several threads at once); mz_cells_psu_part_get copies into the caller's. */
const mz_psu_part_t *mz_cells_psu_part(const mz_cells_t *cells, size_t i);
void mz_cells_psu_part_get(const mz_cells_t *cells, size_t i, mz_psu_part_t *out);
/** Sums of part i over two sets of measures (bit m: measure m), for each group g:
 *  out[g] over `num`, out[MZ_NGRP + g] over `den`, added in increasing measure order starting
 *  from 0, as a loop over w[g][m] would. Thread-safe, like mz_cells_psu_part_get. */
void mz_cells_psu_part_sums(const mz_cells_t *cells, size_t i, uint32_t num, uint32_t den,
                            double out[2 * MZ_NGRP]);

#ifdef __cplusplus
}
#endif
#endif
