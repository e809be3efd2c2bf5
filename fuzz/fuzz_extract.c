/* fuzz_extract.c — the canonical CSV extract (include/mzatlas/mz_extract.h), each record fed
 * into the cells, the ownership check and the Kish sums as the run does (analysis/run.c).
 *
 * Checks besides crashes and leaks: every record handed out satisfies the schema of DESIGN.md
 * (the reader validates, so the aggregation must never see a bad value), and a failure always
 * comes with a complete error. */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "mzatlas/mz_cells.h"
#include "mzatlas/mz_extract.h"
#include "mzatlas/mz_source.h"
#include "mzatlas/mz_variance.h"

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
    fuzz_assert(isfinite(r->weight) && r->weight > 0, "record: weight not positive");
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const mz_gazetteer_t *gz = fuzz_gazetteer();
    const mz_age_band_t band = {18, 64};
    mz_error_t err;
    mz_cells_t *cells = mz_cells_create(gz, band, &err);
    mz_kish_t *kish = mz_kish_create(gz, band, &err);
    mz_owners_t *owners = mz_owners_create(gz, &err);
    fuzz_assert(cells && kish && owners, "cannot create the aggregation");
    fuzz_assert(mz_owners_begin_file(owners, "fuzz.csv", &err) == MZ_OK, "owners_begin_file");

    mz_extract_options_t opt = {.year = 0, .gazetteer = gz};
    mz_extract_reader_t *r = mz_extract_open_mem("fuzz.csv", data, size, &opt, &err);
    fuzz_check_error(&err, r == NULL, "mz_extract_open_mem");
    if (r) {
        mz_record_t rec;
        int rc;
        mz_status_t st = MZ_OK;
        uint64_t n = 0;
        while ((rc = mz_extract_next(r, &rec, &err)) == 1) {
            check_record(&rec, gz);
            fuzz_assert(rec.year == mz_extract_year(r), "record year differs from the file's");
            fuzz_assert((rec.psu != NULL) == mz_extract_has_design(r), "design columns");
            st = mz_owners_check(owners, &rec, &err);
            if (st == MZ_OK)
                st = mz_cells_add_record(cells, &rec, &err);
            if (st != MZ_OK)
                break;
            mz_kish_add_record(kish, &rec);
            n++;
        }
        fuzz_check_error(&err, rc < 0 || st != MZ_OK, "mz_extract_next / mz_cells_add_record");
        if (rc == 0) {
            fuzz_assert(strlen(mz_extract_sha256(r)) == 64, "SHA-256 not 64 hex digits");
            fuzz_assert(mz_extract_bytes_read(r) == size, "not every byte read");
            fuzz_assert(mz_cells_records(cells) == n, "cells lost records");
            fuzz_assert(mz_kish_records(kish) == n, "Kish sums lost records");
            const mz_cell_t *land = mz_cells_land(cells);
            for (int g = 0; g < MZ_NGRP; g++)
                for (int m = 0; m < MZ_NMEAS; m++)
                    fuzz_assert(isfinite(land->w[g][m]) && land->w[g][m] >= 0 &&
                                    land->n[g][m] >= 0,
                                "Land cell not finite or negative");
            for (size_t s = 0; s < mz_gazetteer_strata_count(gz); s++)
                if (mz_cells_stratum_present(cells, s))
                    (void)mz_cells_stratum(cells, s);
            for (size_t i = 0; i < mz_cells_psu_part_count(cells); i++)
                (void)mz_cells_psu_part(cells, i);
        }
        mz_extract_close(r);
    }
    mz_owners_destroy(owners);
    mz_kish_destroy(kish);
    mz_cells_destroy(cells);
    return 0;
}
