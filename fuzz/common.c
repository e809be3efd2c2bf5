/* common.c — helpers shared by the fuzz targets (see fuzz.h). */
#include "fuzz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "mzatlas/mz_run.h"

const mz_gazetteer_t *fuzz_gazetteer(void)
{
    static mz_gazetteer_t *gz;
    if (!gz) {
        char path[4096];
        mz_error_t err;
        gz = mz_gazetteer_load(mz_data_path("regions/gazetteer-ni.csv", path, sizeof path), &err);
        if (!gz) {
            char msg[2048];
            mz_error_format(&err, msg, sizeof msg);
            fprintf(stderr, "fuzz: cannot load the gazetteer: %s\n", msg);
            abort();
        }
    }
    return gz;
}

void fuzz_assert(bool cond, const char *what)
{
    if (!cond) {
        fprintf(stderr, "fuzz: invariant violated: %s\n", what);
        abort();
    }
}

/* NUL-terminated within its array and without bytes below 0x20 or 0x7f. */
static bool clean_field(const char *s, size_t size)
{
    size_t n = strnlen(s, size);
    if (n == size)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

void fuzz_check_error(const mz_error_t *err, bool failed, const char *where)
{
    static int verbose = -1;
    char what[256];
    if (verbose < 0)
        verbose = getenv("MZ_FUZZ_VERBOSE") != NULL;
    if (!failed)
        return;
    snprintf(what, sizeof what, "%s: failure with status MZ_OK", where);
    fuzz_assert(err->status != MZ_OK && err->status <= MZ_ERR_INTERNAL, what);
    snprintf(what, sizeof what, "%s: failure without a message", where);
    fuzz_assert(strnlen(err->message, sizeof err->message) > 0, what);
    snprintf(what, sizeof what, "%s: message not terminated", where);
    fuzz_assert(strnlen(err->message, sizeof err->message) < sizeof err->message, what);
    snprintf(what, sizeof what, "%s: column or value not printable", where);
    fuzz_assert(clean_field(err->column, sizeof err->column) &&
                    clean_field(err->value, sizeof err->value) &&
                    strnlen(err->file, sizeof err->file) < sizeof err->file,
                what);
    char line[2048];
    mz_error_format(err, line, sizeof line);
    snprintf(what, sizeof what, "%s: formatted error empty", where);
    fuzz_assert(line[0] != '\0', what);
    if (verbose)
        fprintf(stderr, "  %s: %s\n", where, line);
}

size_t fuzz_split(const uint8_t *data, size_t size)
{
    const uint8_t *p = size ? memchr(data, '\f', size) : NULL;
    return p ? (size_t)(p - data) : size;
}

void fuzz_fill_fd(int fd, const uint8_t *data, size_t size)
{
    fuzz_assert(ftruncate(fd, 0) == 0, "ftruncate");
    size_t done = 0;
    while (done < size) {
        ssize_t w = pwrite(fd, data + done, size - done, (off_t)done);
        fuzz_assert(w > 0, "pwrite");
        done += (size_t)w;
    }
}

void fuzz_check_source_record(const mz_record_t *r, const mz_gazetteer_t *gz)
{
    fuzz_assert(r->year >= 1950 && r->year <= 2100, "record: year");
    fuzz_assert(r->unit >= -1 && r->unit < (int)mz_gazetteer_count(gz), "record: unit");
    fuzz_assert(r->stratum >= 0 && r->stratum < (int)mz_gazetteer_strata_count(gz),
                "record: stratum");
    fuzz_assert(isfinite(r->weight) && r->weight > 0, "record: weight");
    fuzz_assert(r->age >= 0 && r->age <= 120 && r->sex >= 0 && r->sex <= 2 && r->mig >= 0 &&
                    r->mig <= 2 && r->ilo >= 1 && r->ilo <= 3 && r->selfemp >= 0 &&
                    r->selfemp <= 1 && r->sector >= 0 && r->sector <= 4,
                "record: code out of range");
}
