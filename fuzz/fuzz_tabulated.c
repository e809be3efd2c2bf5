/* fuzz_tabulated.c — the tabulated extract (include/mzatlas/mz_tabulated.h): up to three table
 * files (the input split at form feeds) collected, applied to the cells and their notes read,
 * as a run over several tables does.
 *
 * Checks besides crashes and leaks: a failure always comes with a complete error, and the cells
 * filled from tables hold finite, non-negative counts. */
#include <math.h>
#include <stdio.h>

#include "fuzz.h"
#include "mzatlas/mz_cells.h"
#include "mzatlas/mz_tabulated.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const mz_gazetteer_t *gz = fuzz_gazetteer();
    const mz_age_band_t band = {18, 64};
    mz_error_t err;
    mz_tables_t *t = mz_tables_create(gz, band, 0, &err);
    mz_cells_t *cells = mz_cells_create(gz, band, &err);
    fuzz_assert(t && cells, "cannot create the tables");
    mz_status_t st = MZ_OK;
    for (int part = 0; part < 3 && st == MZ_OK; part++) {
        size_t n = part < 2 ? fuzz_split(data, size) : size;
        char name[32];
        snprintf(name, sizeof name, "table-%d.csv", part + 1);
        mz_tables_file_info_t info;
        st = mz_tables_add_mem(t, name, data, n, &info, &err);
        fuzz_check_error(&err, st != MZ_OK, "mz_tables_add_mem");
        if (st == MZ_OK)
            fuzz_assert(info.rows > 0 && info.bytes == n, "file info");
        if (n >= size)
            break;
        data += n + 1;
        size -= n + 1;
    }
    if (st == MZ_OK) {
        st = mz_tables_apply(t, cells, &err);
        fuzz_check_error(&err, st != MZ_OK, "mz_tables_apply");
    }
    if (st == MZ_OK) {
        for (size_t i = 0; i < mz_tables_note_count(t); i++)
            fuzz_assert(mz_tables_note(t, i) != NULL, "note missing");
        (void)mz_tables_source(t);
        const mz_cell_t *land = mz_cells_land(cells);
        for (int g = 0; g < MZ_NGRP; g++)
            for (int m = 0; m < MZ_NMEAS; m++)
                fuzz_assert(isfinite(land->w[g][m]) && land->w[g][m] >= 0,
                            "Land count not finite or negative");
    }
    mz_cells_destroy(cells);
    mz_tables_destroy(t);
    return 0;
}
