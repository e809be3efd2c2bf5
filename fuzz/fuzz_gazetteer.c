/* fuzz_gazetteer.c — the gazetteer reader (mz_gazetteer_load_mem), then every lookup on what it
 * loaded and a neighbour graph over its units, as `mzatlas regions` and region merging use them.
 *
 * Checks besides crashes and leaks: a loaded gazetteer has unique AGS that find themselves, each
 * unit's stratum exists and finds itself, and the strata are listed once each. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mzatlas/mz_geo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mz_error_t err;
    mz_gazetteer_t *gz = mz_gazetteer_load_mem("fuzz-gazetteer.csv", data, size, &err);
    fuzz_check_error(&err, gz == NULL, "mz_gazetteer_load_mem");
    if (!gz)
        return 0;
    size_t n = mz_gazetteer_count(gz), ns = mz_gazetteer_strata_count(gz);
    fuzz_assert(n > 0 && ns > 0 && ns <= n, "unit or stratum count");
    for (size_t i = 0; i < n; i++) {
        const mz_unit_t *u = mz_gazetteer_unit(gz, i);
        fuzz_assert(mz_gazetteer_find(gz, u->ags) == (int)i, "AGS does not find its unit");
        int s = mz_gazetteer_unit_stratum(gz, i);
        fuzz_assert(s >= 0 && (size_t)s < ns, "unit stratum out of range");
        fuzz_assert(strcmp(mz_gazetteer_stratum_code(gz, (size_t)s), u->schicht) == 0,
                    "unit stratum has another code");
        fuzz_assert(u->valid_to == 0 || u->valid_to > u->valid_from, "validity years");
        (void)mz_unit_valid_in(u, 2007);
    }
    for (size_t s = 0; s < ns; s++) {
        const char *code = mz_gazetteer_stratum_code(gz, s);
        fuzz_assert(mz_gazetteer_find_stratum(gz, code) == (int)s, "stratum listed twice");
        fuzz_assert(mz_gazetteer_stratum_name(gz, s) != NULL, "stratum without a name");
    }
    /* a graph of consecutive units; a whole and its part are no neighbours (the graph refuses
     * them), except in every 16th input, which checks that refusal */
    int *pairs = malloc(2 * n * sizeof *pairs);
    fuzz_assert(pairs != NULL, "out of memory");
    size_t np = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        const mz_unit_t *a = mz_gazetteer_unit(gz, i), *b = mz_gazetteer_unit(gz, i + 1);
        if (size % 16 != 0 && (!strcmp(a->parent, b->ags) || !strcmp(b->parent, a->ags)))
            continue;
        pairs[2 * np] = (int)i;
        pairs[2 * np + 1] = (int)i + 1;
        np++;
    }
    mz_neighbours_t *nb = mz_neighbours_from_pairs(gz, 2007, pairs, np, &err);
    fuzz_check_error(&err, nb == NULL, "mz_neighbours_from_pairs");
    if (nb) {
        for (size_t i = 0; i < n; i++) {
            const int *list;
            size_t k = mz_neighbours_of(nb, i, &list);
            for (size_t j = 0; j < k; j++)
                fuzz_assert(mz_neighbours_adjacent(nb, (size_t)list[j], i),
                            "neighbour relation not symmetric");
        }
        mz_neighbours_destroy(nb);
    }
    free(pairs);
    mz_gazetteer_destroy(gz);
    return 0;
}
