/* ingest.c — the records of a canonical extract into cells, Kish sums and ownership check. */
#include "mzatlas/mz_ingest.h"

#include "../microcensus/util.h"

typedef struct ingest {
    mz_cells_t *cells;
    mz_kish_t *kish;
    mz_owners_t *owners;
    uint64_t records; /* those passed one by one */
} ingest_t;

/* The checks and rows of a run: the ownership of its Kreis (it depends only on the unit and
 * stratum), the cell and PSU part, the Kish slot. */
static mz_status_t scan_run(void *ctx, const mz_record_t *first, mz_scan_rows_t *rows,
                            mz_error_t *err)
{
    ingest_t *in = ctx;
    mz_status_t st = mz_owners_check(in->owners, first, err);
    if (st == MZ_OK)
        st = mz_cells_rows(in->cells, first, rows, err);
    if (st == MZ_OK && !mz_kish_rows(in->kish, first, rows))
        st = mz_error_set(err, MZ_ERR_INTERNAL, NULL, first->line, NULL, NULL,
                          "record without unit or stratum");
    return st;
}

mz_status_t mz_ingest_record(mz_cells_t *cells, mz_kish_t *kish, mz_owners_t *owners,
                             const mz_record_t *rec, mz_error_t *err)
{
    mz_status_t st = mz_owners_check(owners, rec, err);
    if (st == MZ_OK)
        st = mz_cells_add_record(cells, rec, err);
    if (st == MZ_OK)
        mz_kish_add_record(kish, rec);
    return st;
}

static mz_status_t scan_record(void *ctx, const mz_record_t *rec, mz_error_t *err)
{
    ingest_t *in = ctx;
    mz_status_t st = mz_ingest_record(in->cells, in->kish, in->owners, rec, err);
    if (st == MZ_OK)
        in->records++;
    return st;
}

mz_status_t mz_ingest_extract(mz_extract_reader_t *r, mz_cells_t *cells, mz_kish_t *kish,
                              mz_owners_t *owners, uint64_t *records, mz_error_t *err)
{
    if (!mz_fast_paths())
        return mz_ingest_extract_records(r, cells, kish, owners, records, err);
    ingest_t in = {.cells = cells, .kish = kish, .owners = owners};
    const mz_age_band_t band = mz_cells_band(cells);
    mz_scan_sink_t sink = {.ctx = &in,
                           .age_lo = band.lo,
                           .age_hi = band.hi,
                           .run = scan_run,
                           .record = scan_record};
    mz_measure_table(band, sink.measures);
    int rc = mz_extract_scan(r, &sink, err);
    /* the records added through the rows, also those before an error */
    mz_cells_add_count(cells, sink.records);
    mz_kish_add_count(kish, sink.records);
    *records = in.records + sink.records;
    return rc < 0 ? (err ? err->status : MZ_ERR_DATA) : MZ_OK;
}

mz_status_t mz_ingest_extract_records(mz_extract_reader_t *r, mz_cells_t *cells,
                                      mz_kish_t *kish, mz_owners_t *owners, uint64_t *records,
                                      mz_error_t *err)
{
    const mz_record_t *recs;
    size_t n;
    int rc;
    mz_status_t st = MZ_OK;
    *records = 0;
    while ((rc = mz_extract_next_batch(r, &recs, &n, err)) == 1) {
        /* as record by record (owners, cells, Kish), the first failure in record order wins:
         * owners up to the first refused record k, the cells up to k, then k's refusal again */
        size_t k = 0;
        while (k < n && mz_owners_check(owners, &recs[k], err) == MZ_OK)
            k++;
        st = mz_cells_add_records(cells, recs, k, err);
        if (st == MZ_OK && k < n)
            st = mz_owners_check(owners, &recs[k], err);
        if (st != MZ_OK)
            break;
        mz_kish_add_records(kish, recs, n);
        *records += n;
    }
    if (rc < 0)
        return err ? err->status : MZ_ERR_DATA;
    return st;
}
