/* readbench.c — the reader and the aggregation alone, as mz_run_add_extract drives them
 * (bench/README.md): canonical CSV → validated records → cells, per-PSU parts and Kish sums.
 *
 *   readbench [--repeat R] [--records] FILE
 *
 * It reads through mz_ingest_extract, as a run does: with the fast paths the records go straight
 * into the sums (mz_extract_scan); --records takes them as record structs in batches instead
 * (mz_ingest_extract_records, the way before the scanner) for comparison.
 *
 * Prints per repetition and as medians: wall time, the CPU time of the calling thread and of the
 * whole process (with the reading thread and the SHA-256 thread of large files), and throughput
 * per CPU second of the whole process: the "per core" figure of docs/performance.md, which a busy
 * shared machine disturbs much less than wall time. MZATLAS_THREADS=1 keeps everything in one
 * thread; MZATLAS_GENERIC=1 measures the general code path. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "mzatlas/mz_cells.h"
#include "mzatlas/mz_extract.h"
#include "mzatlas/mz_ingest.h"
#include "mzatlas/mz_run.h"
#include "mzatlas/mz_source.h"
#include "mzatlas/mz_variance.h"

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double process_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv)
{
    int repeat = 5;
    const char *file = NULL;
    bool as_records = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
            repeat = atoi(argv[++i]);
        else if (strcmp(argv[i], "--records") == 0)
            as_records = true;
        else
            file = argv[i];
    }
    if (!file || repeat < 1 || repeat > 100) {
        fprintf(stderr, "usage: readbench [--repeat R] [--records] FILE\n");
        return 2;
    }
    struct stat st;
    if (stat(file, &st) != 0) {
        perror(file);
        return 4;
    }
    const double mb = (double)st.st_size / 1e6;
    char path[4096];
    mz_error_t err;
    mz_gazetteer_t *gz =
        mz_gazetteer_load(mz_data_path("regions/gazetteer-ni.csv", path, sizeof path), &err);
    if (!gz) {
        fprintf(stderr, "readbench: %s\n", err.message);
        return 4;
    }
    const mz_age_band_t band = {18, 64};
    double wall[100], tcpu[100], pcpu[100];
    uint64_t records = 0;
    for (int k = 0; k < repeat; k++) {
        mz_cells_t *cells = mz_cells_create(gz, band, &err);
        mz_kish_t *kish = mz_kish_create(gz, band, &err);
        mz_owners_t *owners = mz_owners_create(gz, &err);
        if (!cells || !kish || !owners || mz_owners_begin_file(owners, file, &err) != MZ_OK)
            return 4;
        double w0 = clock_s(CLOCK_MONOTONIC), t0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        double p0 = process_cpu();
        mz_extract_options_t xo = {.year = 0, .gazetteer = gz};
        mz_extract_reader_t *r = mz_extract_open(file, &xo, &err);
        if (!r) {
            fprintf(stderr, "readbench: %s\n", err.message);
            return 3;
        }
        records = 0;
        mz_status_t s =
            as_records ? mz_ingest_extract_records(r, cells, kish, owners, &records, &err)
                       : mz_ingest_extract(r, cells, kish, owners, &records, &err);
        if (s != MZ_OK) {
            char line[2048];
            mz_error_format(&err, line, sizeof line);
            fprintf(stderr, "readbench: %s\n", line);
            return 3;
        }
        char sha[65];
        snprintf(sha, sizeof sha, "%s", mz_extract_sha256(r));
        mz_extract_close(r);
        wall[k] = clock_s(CLOCK_MONOTONIC) - w0;
        tcpu[k] = clock_s(CLOCK_THREAD_CPUTIME_ID) - t0;
        pcpu[k] = process_cpu() - p0;
        printf("run %d: wall %.3f s, calling thread %.3f s CPU, process %.3f s CPU (%.0f MB/s per "
               "CPU second), %zu PSUs, sha256 %.12s…\n",
               k + 1, wall[k], tcpu[k], pcpu[k], mb / pcpu[k], mz_cells_psu_count(cells), sha);
        mz_owners_destroy(owners);
        mz_kish_destroy(kish);
        mz_cells_destroy(cells);
    }
    double mw = median(wall, repeat), mt = median(tcpu, repeat), mp = median(pcpu, repeat);
    const char *th = getenv("MZATLAS_THREADS");
    printf("readbench %s: %.1f MB, %llu records%s%s%s%s\n", file, mb,
           (unsigned long long)records, getenv("MZATLAS_GENERIC") ? " (general path)" : "",
           as_records ? " (records in batches)" : "", th ? ", MZATLAS_THREADS=" : "",
           th ? th : "");
    printf("  median wall %.3f s = %.0f MB/s, %.2f M records/s\n", mw, mb / mw,
           (double)records / mw / 1e6);
    printf("  median CPU: whole process %.3f s = %.0f MB/s per CPU second (%.2f M records/s); "
           "calling thread %.3f s\n",
           mp, mb / mp, (double)records / mp / 1e6, mt);
    mz_gazetteer_destroy(gz);
    return 0;
}
