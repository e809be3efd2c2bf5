/* fuzz_extract.c — the canonical CSV extract (include/mzatlas/mz_extract.h), its records fed
 * into the ownership check, the cells and the Kish sums as the run does (analysis/ingest.c).
 *
 * The reader has a general path and fast paths (a specialised record parser, batches of
 * records, batched aggregation; microcensus/util.h mz_fast_paths) that must give identical
 * results. Each input is therefore read differentially:
 *   A  general code, record by record (mz_extract_next, mz_cells_add_record),
 *   B  fast paths in batches, exactly as analysis/run.c reads (mz_extract_next_batch,
 *      mz_cells_add_records, mz_kish_add_records),
 *   C  fast paths record by record (every other input, by size parity),
 *   D  the scanner, as analysis/run.c reads now (mz_ingest_extract → mz_extract_scan: the
 *      records of the fast path go straight into the sums, without record structs),
 * and the target checks that all of them hand out the same records (A, B, C), end in the same
 * way (the same error: status, line, column, value, message) and fill the same cells.
 * Besides: every record satisfies the schema of DESIGN.md, and a failure comes with a complete
 * error. The read-ahead thread (files of 8 MiB and more) is beyond the inputs' size. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mzatlas/mz_cells.h"
#include "mzatlas/mz_extract.h"
#include "mzatlas/mz_ingest.h"
#include "mzatlas/mz_source.h"
#include "mzatlas/mz_variance.h"
#include "util.h"

static void check_record(const mz_record_t *r, const mz_gazetteer_t *gz)
{
    fuzz_assert(r->year >= 1950 && r->year <= 2100, "record: year out of range");
    fuzz_assert(r->unit >= -1 && r->unit < (int)mz_gazetteer_count(gz), "record: bad unit");
    fuzz_assert(r->stratum >= 0 && r->stratum < (int)mz_gazetteer_strata_count(gz),
                "record: bad stratum");
    if (r->unit >= 0) {
        fuzz_assert(mz_gazetteer_unit_stratum(gz, (size_t)r->unit) == r->stratum,
                    "record: stratum does not match the unit");
        fuzz_assert(mz_unit_valid_in(mz_gazetteer_unit(gz, (size_t)r->unit), r->year),
                    "record: unit not valid in the year");
    }
    fuzz_assert(isfinite(r->weight) && r->weight > 0 && r->weight <= 100000,
                "record: weight out of range");
    fuzz_assert(r->age >= 0 && r->age <= 120, "record: age out of range");
    fuzz_assert(r->sex >= 0 && r->sex <= 2, "record: sex out of range");
    fuzz_assert(r->mig >= 0 && r->mig <= 2, "record: mig out of range");
    fuzz_assert(r->ilo >= 1 && r->ilo <= 3, "record: ilo out of range");
    fuzz_assert(r->selfemp == 0 || r->selfemp == 1, "record: selfemp out of range");
    fuzz_assert(r->sector >= 0 && r->sector <= 4, "record: sector out of range");
    fuzz_assert((r->ilo == MZ_ILO_EMPLOYED) == (r->sector != MZ_SECTOR_NONE),
                "record: sector inconsistent with ilo");
    fuzz_assert(!r->selfemp || r->ilo == MZ_ILO_EMPLOYED, "record: self-employed not employed");
    fuzz_assert((r->psu == NULL) == (r->design_stratum == NULL), "record: psu without stratum");
    fuzz_assert(r->line >= 2, "record: line before the first data line");
}

/* What one pass saw: the records (with copies of their strings), how it ended, the state of
 * the reader at the end and the aggregation. */
typedef struct pass {
    mz_record_t *rec;
    size_t n, cap;
    int rc;               /* of the reader: 0 end, -1 error (or 1: stopped by the aggregation) */
    mz_status_t st;       /* of the aggregation */
    mz_error_t err;
    bool opened;
    bool design, synthetic;
    int year;
    uint64_t bytes;
    char sha[65];
    mz_cells_t *cells;
    mz_kish_t *kish;
    mz_owners_t *owners;
    bool scanned;         /* MODE_SCAN: rec is empty, n counts the records aggregated */
} pass_t;

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    char *d = mz_strdup(s);
    fuzz_assert(d != NULL, "out of memory");
    return d;
}

static void keep(pass_t *p, const mz_record_t *r)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 64;
        p->rec = realloc(p->rec, p->cap * sizeof *p->rec);
        fuzz_assert(p->rec != NULL, "out of memory");
    }
    mz_record_t *k = &p->rec[p->n++];
    *k = *r;
    k->psu = dup_or_null(r->psu);
    k->design_stratum = dup_or_null(r->design_stratum);
}

static void pass_free(pass_t *p)
{
    for (size_t i = 0; !p->scanned && i < p->n; i++) {
        free((char *)p->rec[i].psu);
        free((char *)p->rec[i].design_stratum);
    }
    free(p->rec);
    mz_owners_destroy(p->owners);
    mz_kish_destroy(p->kish);
    mz_cells_destroy(p->cells);
}

/* MODE_SCAN: mz_ingest_extract with the fast paths (mz_extract_scan): no records to keep, only
 * the aggregation and the reader's state to compare */
enum { MODE_GENERIC, MODE_FAST_BATCH, MODE_FAST_SINGLE, MODE_SCAN };

static void run_pass(pass_t *p, int mode, const uint8_t *data, size_t size)
{
    const mz_gazetteer_t *gz = fuzz_gazetteer();
    const mz_age_band_t band = {18, 64};
    memset(p, 0, sizeof *p);
    p->cells = mz_cells_create(gz, band, &p->err);
    p->kish = mz_kish_create(gz, band, &p->err);
    p->owners = mz_owners_create(gz, &p->err);
    fuzz_assert(p->cells && p->kish && p->owners, "cannot create the aggregation");
    fuzz_assert(mz_owners_begin_file(p->owners, "fuzz.csv", &p->err) == MZ_OK, "owners");

    mz_set_fast_paths(mode != MODE_GENERIC);
    mz_extract_options_t opt = {.year = 0, .gazetteer = gz};
    mz_extract_reader_t *r = mz_extract_open_mem("fuzz.csv", data, size, &opt, &p->err);
    fuzz_check_error(&p->err, r == NULL, "mz_extract_open_mem");
    p->opened = r != NULL;
    p->rc = -1;
    p->st = MZ_OK;
    if (!r) {
        mz_set_fast_paths(true);
        return;
    }
    mz_error_t *err = &p->err;
    p->scanned = mode == MODE_SCAN;
    if (mode == MODE_SCAN) {
        uint64_t records = 0;
        p->st = mz_ingest_extract(r, p->cells, p->kish, p->owners, &records, err);
        p->rc = p->st == MZ_OK ? 0 : -1;
        p->n = (size_t)records;
        fuzz_assert(mz_cells_records(p->cells) == records, "scan: cells hold other records");
    } else if (mode == MODE_FAST_BATCH) {
        const mz_record_t *recs;
        size_t n;
        while ((p->rc = mz_extract_next_batch(r, &recs, &n, err)) == 1) {
            fuzz_assert(n >= 1, "empty batch");
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                check_record(&recs[i], gz);
                keep(p, &recs[i]);
            }
            /* as analysis/run.c: the first failure in record order wins */
            while (k < n && mz_owners_check(p->owners, &recs[k], err) == MZ_OK)
                k++;
            p->st = mz_cells_add_records(p->cells, recs, k, err);
            if (p->st == MZ_OK && k < n)
                p->st = mz_owners_check(p->owners, &recs[k], err);
            if (p->st != MZ_OK) {
                /* keep the records taken and the refused one, as the general pass does */
                size_t upto = (size_t)mz_cells_records(p->cells) + 1;
                fuzz_assert(upto <= p->n, "cells took more records than were read");
                for (size_t i = upto; i < p->n; i++) {
                    free((char *)p->rec[i].psu);
                    free((char *)p->rec[i].design_stratum);
                }
                p->n = upto;
                break;
            }
            mz_kish_add_records(p->kish, recs, n);
        }
    } else {
        mz_record_t rec;
        while ((p->rc = mz_extract_next(r, &rec, err)) == 1) {
            check_record(&rec, gz);
            fuzz_assert(rec.year == mz_extract_year(r), "record year differs from the file's");
            fuzz_assert((rec.psu != NULL) == mz_extract_has_design(r), "design columns");
            keep(p, &rec);
            p->st = mz_owners_check(p->owners, &rec, err);
            if (p->st == MZ_OK)
                p->st = mz_cells_add_record(p->cells, &rec, err);
            if (p->st != MZ_OK)
                break;
            mz_kish_add_record(p->kish, &rec);
        }
    }
    fuzz_check_error(err, p->rc < 0 || p->st != MZ_OK, "reading / aggregating");
    /* a fault in the data is reported with its place: the file and a line */
    if ((p->rc < 0 || p->st != MZ_OK) && err->status == MZ_ERR_DATA)
        fuzz_assert(err->file[0] != '\0' && err->line >= 1, "data error without file or line");
    if (p->rc == 0) {
        p->design = mz_extract_has_design(r);
        p->synthetic = mz_extract_is_synthetic(r);
        p->year = mz_extract_year(r);
        p->bytes = mz_extract_bytes_read(r);
        memcpy(p->sha, mz_extract_sha256(r), sizeof p->sha - 1);
        fuzz_assert(strlen(p->sha) == 64, "SHA-256 not 64 hex digits");
        fuzz_assert(p->bytes == size, "not every byte read");
        fuzz_assert(p->st != MZ_OK || mz_cells_records(p->cells) == p->n, "cells lost records");
        fuzz_assert(mz_kish_records(p->kish) == p->n, "Kish sums lost records");
    }
    mz_extract_close(r);
    mz_set_fast_paths(true);
}

static bool same_str(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_cell(const mz_cell_t *a, const mz_cell_t *b)
{
    return memcmp(a->w, b->w, sizeof a->w) == 0 && memcmp(a->n, b->n, sizeof a->n) == 0 &&
           a->have == b->have;
}

static void compare(const pass_t *a, const pass_t *b)
{
    fuzz_assert(a->opened == b->opened, "fast and general paths: open differs");
    if (!a->opened) {
        fuzz_assert(a->err.status == b->err.status && a->err.line == b->err.line &&
                        strcmp(a->err.message, b->err.message) == 0,
                    "fast and general paths: open error differs");
        return;
    }
    fuzz_assert(b->scanned || a->n == b->n, "fast and general paths: number of records differs");
    for (size_t i = 0; !b->scanned && i < a->n; i++) {
        const mz_record_t *x = &a->rec[i], *y = &b->rec[i];
        fuzz_assert(x->year == y->year && x->unit == y->unit && x->stratum == y->stratum &&
                        x->weight == y->weight && x->age == y->age && x->sex == y->sex &&
                        x->mig == y->mig && x->ilo == y->ilo && x->selfemp == y->selfemp &&
                        x->sector == y->sector && x->line == y->line &&
                        same_str(x->psu, y->psu) &&
                        same_str(x->design_stratum, y->design_stratum),
                    "fast and general paths: a record differs");
    }
    bool fa = a->rc < 0 || a->st != MZ_OK, fb = b->rc < 0 || b->st != MZ_OK;
    fuzz_assert(fa == fb, "fast and general paths: one fails, the other does not");
    if (fa)
        fuzz_assert(a->err.status == b->err.status && a->err.line == b->err.line &&
                        strcmp(a->err.column, b->err.column) == 0 &&
                        strcmp(a->err.value, b->err.value) == 0 &&
                        strcmp(a->err.message, b->err.message) == 0,
                    "fast and general paths: the error differs");
    else
        fuzz_assert(a->design == b->design && a->synthetic == b->synthetic &&
                        a->year == b->year && a->bytes == b->bytes &&
                        strcmp(a->sha, b->sha) == 0,
                    "fast and general paths: the reader's final state differs");
    /* the aggregation of what both took */
    const mz_gazetteer_t *gz = fuzz_gazetteer();
    fuzz_assert(mz_cells_records(a->cells) == mz_cells_records(b->cells),
                "fast and general paths: cells hold different record counts");
    fuzz_assert(same_cell(mz_cells_land(a->cells), mz_cells_land(b->cells)),
                "fast and general paths: the Land cell differs");
    for (size_t u = 0; u < mz_gazetteer_count(gz); u++)
        fuzz_assert(mz_cells_unit_present(a->cells, u) == mz_cells_unit_present(b->cells, u) &&
                        same_cell(mz_cells_unit(a->cells, u), mz_cells_unit(b->cells, u)),
                    "fast and general paths: a unit's cell differs");
    for (size_t s = 0; s < mz_gazetteer_strata_count(gz); s++)
        fuzz_assert(same_cell(mz_cells_stratum(a->cells, s), mz_cells_stratum(b->cells, s)),
                    "fast and general paths: a stratum's cell differs");
    fuzz_assert(mz_cells_has_design(a->cells) == mz_cells_has_design(b->cells) &&
                    mz_cells_psu_count(a->cells) == mz_cells_psu_count(b->cells) &&
                    mz_cells_design_stratum_count(a->cells) ==
                        mz_cells_design_stratum_count(b->cells) &&
                    mz_cells_psu_part_count(a->cells) == mz_cells_psu_part_count(b->cells),
                "fast and general paths: the design totals differ");
    for (size_t i = 0; i < mz_cells_psu_part_count(a->cells); i++) {
        const mz_psu_part_t *x = mz_cells_psu_part(a->cells, i), *y = mz_cells_psu_part(b->cells, i);
        fuzz_assert(x->psu == y->psu && x->unit == y->unit && x->stratum == y->stratum &&
                        memcmp(x->w, y->w, sizeof x->w) == 0,
                    "fast and general paths: a PSU total differs");
    }
    /* after a failure the run stops; analysis/run.c leaves the Kish sums of the failing batch
     * out, so they compare only for complete reads */
    if (!fa)
        fuzz_assert(mz_kish_records(a->kish) == mz_kish_records(b->kish),
                    "fast and general paths: Kish record counts differ");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pass_t a, b;
    run_pass(&a, MODE_GENERIC, data, size);
    run_pass(&b, MODE_FAST_BATCH, data, size);
    compare(&a, &b);
    pass_free(&b);
    if (size % 2) {
        pass_t c;
        run_pass(&c, MODE_FAST_SINGLE, data, size);
        compare(&a, &c);
        pass_free(&c);
    }
    pass_t d;
    run_pass(&d, MODE_SCAN, data, size);
    compare(&a, &d);
    pass_free(&d);
    pass_free(&a);
    return 0;
}
