/* fuzz_profile.c — variable profiles (INI, include/mzatlas/mz_profile.h) and the
 * profile-mapped CSV reader behind mz_source_read (include/mzatlas/mz_source.h).
 *
 * The input is a profile, optionally followed by a form feed and a CSV data file. The profile
 * is loaded from memory and every query is asked of it; when it loads and data follows, the
 * data is read through it into the cells. mz_source_read takes a path, so the data is put in an
 * anonymous memory file (memfd) and read as /proc/self/fd/N: nothing touches the disk.
 *
 * Checks besides crashes and leaks: recodes return canonical codes within range, records from
 * the mapped reader satisfy the schema, and a failure always comes with a complete error. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "mzatlas/mz_cells.h"
#include "mzatlas/mz_profile.h"
#include "mzatlas/mz_source.h"

static void query_profile(const mz_profile_t *p)
{
    static const double nums[] = {-1, 0, 1, 2, 3, 4, 5, 9, 10, 99, 101, 2007, 0.5, 1e9};
    static const char *const strs[] = {"", "0", "1", "2", "03101", "A", "b", "x", "missing",
                                       "1.5", "-3", "RA_01"};
    fuzz_assert(mz_profile_name(p) && mz_profile_file(p) && mz_profile_unverified(p),
                "profile strings");
    double scale = mz_profile_weight_scale(p);
    fuzz_assert(isfinite(scale) && scale > 0, "weight scale");
    fuzz_assert(mz_profile_kreis_digits(p) >= 0 && mz_profile_kreis_digits(p) <= 8,
                "Kreis digits");
    (void)mz_profile_kreis_prefix(p);
    (void)mz_profile_is_canonical(p);
    (void)mz_profile_use_labels(p);
    (void)mz_profile_not_employed(p);
    for (int f = 0; f < MZ_NFIELDS; f++) {
        mz_field_t fld = (mz_field_t)f;
        fuzz_assert(mz_field_parse(mz_field_id(fld)) == f, "field id round trip");
        (void)mz_profile_variable(p, fld);
        (void)mz_profile_line(p, fld);
        (void)mz_profile_optional(p, fld);
        (void)mz_profile_constant(p, fld);
        (void)mz_profile_verified(p, fld);
        (void)mz_profile_recode_line(p, fld);
        const char *out;
        for (size_t i = 0; i < sizeof nums / sizeof *nums; i++)
            if (mz_profile_recode_num(p, fld, nums[i], &out) == MZ_RECODE_HIT)
                fuzz_assert(out != NULL && out[0] != '\0', "empty recode result");
        for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
            if (mz_profile_recode_str(p, fld, strs[i], &out) == MZ_RECODE_HIT)
                fuzz_assert(out != NULL && out[0] != '\0', "empty recode result");
        if (mz_profile_recode_missing(p, fld, &out) == MZ_RECODE_HIT)
            fuzz_assert(out != NULL, "empty recode result");
    }
    size_t nf = mz_profile_filter_count(p);
    fuzz_assert(nf <= MZ_PROFILE_MAX_FILTERS, "filter count");
    for (size_t i = 0; i < nf; i++) {
        fuzz_assert(mz_profile_filter_variable(p, i) != NULL, "filter variable");
        (void)mz_profile_filter_line(p, i);
        for (size_t k = 0; k < sizeof nums / sizeof *nums; k++)
            (void)mz_profile_filter_keeps(p, i, true, nums[k], NULL);
        for (size_t k = 0; k < sizeof strs / sizeof *strs; k++)
            (void)mz_profile_filter_keeps(p, i, false, 0, strs[k]);
    }
}

typedef struct sink {
    mz_cells_t *cells;
    const mz_gazetteer_t *gz;
} sink_t;

static mz_status_t take(void *ctx, const mz_record_t *r, mz_error_t *err)
{
    sink_t *s = ctx;
    fuzz_check_source_record(r, s->gz);
    fuzz_assert((r->ilo == MZ_ILO_EMPLOYED) == (r->sector != MZ_SECTOR_NONE),
                "record: sector inconsistent with ilo");
    return mz_cells_add_record(s->cells, r, err);
}

static void read_data(const mz_profile_t *p, const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0) {
        fd = memfd_create("fuzz-data", MFD_CLOEXEC);
        fuzz_assert(fd >= 0, "memfd_create");
    }
    fuzz_fill_fd(fd, data, size);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);

    const mz_gazetteer_t *gz = fuzz_gazetteer();
    mz_error_t err;
    sink_t s = {mz_cells_create(gz, (mz_age_band_t){18, 64}, &err), gz};
    fuzz_assert(s.cells != NULL, "cannot create the cells");
    mz_source_options_t opt = {.year = 0, .gazetteer = gz, .profile = p};
    mz_source_info_t info;
    mz_status_t st = mz_source_read(path, &opt, take, &s, &info, &err);
    fuzz_check_error(&err, st != MZ_OK, "mz_source_read");
    if (st == MZ_OK) {
        fuzz_assert(info.bytes == size && strlen(info.sha256) == 64, "source info");
        fuzz_assert(mz_cells_records(s.cells) == info.records, "cells lost records");
    }
    mz_cells_destroy(s.cells);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = fuzz_split(data, size);
    char *text = malloc(n + 1);
    fuzz_assert(text != NULL, "out of memory");
    memcpy(text, data, n);
    text[n] = '\0';
    mz_error_t err;
    mz_profile_t *p = mz_profile_load_mem("fuzz.ini", text, &err);
    free(text);
    fuzz_check_error(&err, p == NULL, "mz_profile_load_mem");
    if (!p)
        return 0;
    query_profile(p);
    if (n < size)
        read_data(p, data + n + 1, size - n - 1);
    mz_profile_destroy(p);
    return 0;
}
