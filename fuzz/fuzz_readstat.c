/* fuzz_readstat.c — Stata, SPSS and SAS files through ReadStat and the record builder of
 * microcensus/source.c (mz_source_read with a .dta, .sav or .sas7bdat path).
 *
 * The first byte of the input selects the format (byte % 3: dta, sav, sas7bdat) and the
 * profile (byte / 3 % 2: the canonical names, or a profile with value labels and recodes); the
 * rest is the file. mz_source_read takes a path and chooses the format by its extension, so the
 * file is put in an anonymous memory file (memfd) and reached through symbolic links named
 * in.dta, in.sav and in.sas7bdat to /proc/self/fd/N, in a directory made once per process.
 *
 * Checks besides crashes and leaks: records handed out satisfy the schema, and a failure always
 * comes with a complete error. Crashes inside libreadstat itself are reported, not fixed here. */
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

static const char labels_ini[] =
    "[profile]\nname = fuzz-labels\nvalue_labels = use\nnot_employed = zero\n"
    "[fields]\nyear = year\nkreis = kreis?\nschicht = schicht?\nweight = weight\nage = age\n"
    "sex = sex?\nmig = mig\nilo = ilo\nselfemp = selfemp\nsector = sector\n"
    "[kreis]\nprefix = 03\ndigits = 3\n"
    "[recode.mig]\nohne = 0\nDeutsche mit MH = 1\nAusländer = 2\n0-2 = 0\n"
    "[recode.sector]\n0 = 0\n1 = 1\n2 = 2\n3 = 3\n4 = 4\nA = 1\nB-F = 2\nG-I = 3\nJ-U = 4\n"
    "missing = 0\n";

static char dir[64];
static char links[3][96];
static int fd = -1;

static void cleanup(void)
{
    for (int i = 0; i < 3; i++)
        if (links[i][0])
            unlink(links[i]);
    if (dir[0])
        rmdir(dir);
}

static void setup(void)
{
    static const char *const ext[3] = {"dta", "sav", "sas7bdat"};
    fd = memfd_create("fuzz-readstat", MFD_CLOEXEC);
    fuzz_assert(fd >= 0, "memfd_create");
    snprintf(dir, sizeof dir, "/tmp/mzatlas-fuzz-XXXXXX");
    fuzz_assert(mkdtemp(dir) != NULL, "mkdtemp");
    char target[64];
    snprintf(target, sizeof target, "/proc/self/fd/%d", fd);
    for (int i = 0; i < 3; i++) {
        snprintf(links[i], sizeof links[i], "%s/in.%s", dir, ext[i]);
        fuzz_assert(symlink(target, links[i]) == 0, "symlink");
    }
    atexit(cleanup);
}

typedef struct sink {
    mz_cells_t *cells;
    const mz_gazetteer_t *gz;
} sink_t;

static mz_status_t take(void *ctx, const mz_record_t *r, mz_error_t *err)
{
    sink_t *s = ctx;
    fuzz_check_source_record(r, s->gz);
    return mz_cells_add_record(s->cells, r, err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mz_profile_t *labels;
    mz_error_t err;
    if (fd < 0) {
        setup();
        labels = mz_profile_load_mem("fuzz-labels.ini", labels_ini, &err);
        fuzz_assert(labels != NULL, "the built-in test profile does not load");
    }
    if (size < 1)
        return 0;
    int fmt = data[0] % 3;
    const mz_profile_t *profile = data[0] / 3 % 2 ? labels : NULL;
    data++;
    size--;
    fuzz_fill_fd(fd, data, size);
    const mz_gazetteer_t *gz = fuzz_gazetteer();
    sink_t s = {mz_cells_create(gz, (mz_age_band_t){18, 64}, &err), gz};
    fuzz_assert(s.cells != NULL, "cannot create the cells");
    mz_source_options_t opt = {.year = 0, .gazetteer = gz, .profile = profile};
    mz_source_info_t info;
    mz_status_t st = mz_source_read(links[fmt], &opt, take, &s, &info, &err);
    fuzz_check_error(&err, st != MZ_OK, "mz_source_read");
    if (st == MZ_OK)
        fuzz_assert(mz_cells_records(s.cells) == info.records, "cells lost records");
    mz_cells_destroy(s.cells);
    return 0;
}
