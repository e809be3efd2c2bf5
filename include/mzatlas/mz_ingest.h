/* mz_ingest.h — the records of a canonical extract into the aggregation: the cells (with the
 * per-PSU totals), the Kish sums and the check that several files hold different Kreise. */
#ifndef MZATLAS_MZ_INGEST_H
#define MZATLAS_MZ_INGEST_H

#include <stdint.h>

#include "mz_cells.h"
#include "mz_error.h"
#include "mz_extract.h"
#include "mz_source.h"
#include "mz_variance.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Read all records of r into cells, kish and owners (its file begun with
 *  mz_owners_begin_file); *records: how many. With the fast paths on, the records of the fast
 *  path go straight into the sums (mz_extract_scan); otherwise, and in
 *  mz_ingest_extract_records, they come as record structs in batches. Both add the same records
 *  in the same order to the same sums and fail at the same record with the same error. */
mz_status_t mz_ingest_extract(mz_extract_reader_t *r, mz_cells_t *cells, mz_kish_t *kish,
                              mz_owners_t *owners, uint64_t *records, mz_error_t *err);
/** One record: the ownership check, then the cells and the Kish sums (nothing is added when the
 *  check or the cells refuse it). */
mz_status_t mz_ingest_record(mz_cells_t *cells, mz_kish_t *kish, mz_owners_t *owners,
                             const mz_record_t *rec, mz_error_t *err);
mz_status_t mz_ingest_extract_records(mz_extract_reader_t *r, mz_cells_t *cells,
                                      mz_kish_t *kish, mz_owners_t *owners, uint64_t *records,
                                      mz_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
