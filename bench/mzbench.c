/* mzbench.c — the benchmark runner (bench/README.md, docs/performance.md).
 *
 * Generates a large canonical extract with gen_extract (or takes --file), reads it once to have
 * it in the page cache, runs `mzatlas run --outputs csv` on it several times and prints medians:
 * wall and CPU time, throughput (MB/s, records/s), the stage times of run.json and the peak RSS
 * of the process. With --generic it runs the general code path as well (MZATLAS_GENERIC=1: the
 * reader without its fast path, hashing inline), for before/after figures. When node and the npm
 * package @duckdb/node-api are available (--duckdb DIR, env MZ_DUCKDB_DIR, or /tmp/duckdb-bench),
 * it runs bench/duckdb_sums.js: DuckDB computing only the weighted sums of the same file.
 * --memory-curve measures the peak RSS over 0.1 M … 10 M records; --outputs-all times all
 * outputs (maps in three formats and the workbook) on one year of 800,000 records. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MZ_BENCH_MZATLAS
#define MZ_BENCH_MZATLAS "mzatlas"
#endif
#ifndef MZ_BENCH_GEN
#define MZ_BENCH_GEN "gen_extract"
#endif
#ifndef MZ_BENCH_SOURCE_DIR
#define MZ_BENCH_SOURCE_DIR "bench"
#endif

#define MAXREP 50

typedef struct opts {
    const char *mzatlas, *gen, *file, *dir, *duckdb, *script;
    long records, psu_size;
    int repeat, threads;
    bool generic, memory_curve, outputs_all, shuffle, no_duckdb;
} opts_t;

/* One child run. */
typedef struct sample {
    double wall, user, sys;
    long maxrss_kb;
    int status;
    /* run.json timings_seconds */
    double read, aggregate, merge, estimate, variance, outputs;
} sample_t;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double tv(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec * 1e-6; }

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    if (n <= 0)
        return NAN;
    double t[MAXREP];
    memcpy(t, v, (size_t)n * sizeof *t);
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static long long file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 ? (long long)st.st_size : -1;
}

static char quiet_log[8192] = "/dev/null";

/* Run argv (with MZATLAS_GENERIC set or unset); with `quiet`, stdout to /dev/null and stderr to
 * quiet_log. Fills wall, CPU and peak RSS. */
static int run_child(char *const argv[], bool generic, bool quiet, sample_t *s)
{
    fflush(NULL);
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (generic)
            setenv("MZATLAS_GENERIC", "1", 1);
        else
            unsetenv("MZATLAS_GENERIC");
        if (quiet) {
            /* the run's messages go to DIR/last-run.log (kept for a failed run) */
            FILE *n = freopen("/dev/null", "w", stdout);
            FILE *e = freopen(quiet_log, "w", stderr);
            (void)n;
            (void)e;
        }
        execvp(argv[0], argv);
        fprintf(stderr, "mzbench: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return -1;
    s->wall = now() - t0;
    s->user = tv(ru.ru_utime);
    s->sys = tv(ru.ru_stime);
    s->maxrss_kb = ru.ru_maxrss;
    s->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return s->status;
}

static void read_timings(const char *outdir, sample_t *s)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/run.json", outdir);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    json_t *t = root ? json_object_get(root, "timings_seconds") : NULL;
    s->read = json_real_value(json_object_get(t, "read"));
    s->aggregate = json_real_value(json_object_get(t, "aggregate"));
    s->merge = json_real_value(json_object_get(t, "merge"));
    s->estimate = json_real_value(json_object_get(t, "estimate"));
    s->variance = json_real_value(json_object_get(t, "variance"));
    s->outputs = json_real_value(json_object_get(t, "outputs"));
    json_decref(root);
}

/* Land population from indicators.csv (the denominator of migration_share, land level). */
static double land_population(const char *outdir)
{
    char path[8192], line[65536];
    snprintf(path, sizeof path, "%s/indicators.csv", outdir);
    FILE *f = fopen(path, "r");
    double v = NAN;
    while (f && fgets(line, sizeof line, f)) {
        if (!strstr(line, ",migration_share,land,"))
            continue;
        char *p = line;
        for (int k = 0; k < 12 && p; k++) {
            p = strchr(p, ',');
            if (p)
                p++;
        }
        if (p)
            v = strtod(p, NULL);
        break;
    }
    if (f)
        fclose(f);
    return v;
}

static void warm_cache(const char *path)
{
    FILE *f = fopen(path, "rb");
    static char buf[1 << 20];
    while (f && fread(buf, 1, sizeof buf, f) > 0)
        ;
    if (f)
        fclose(f);
}

/* Generate an extract into dir (kept for the next run with the same options). */
static int generate(const opts_t *o, long records, const char *extra_opt, const char *extra_val,
                    bool design, char *out, size_t size)
{
    snprintf(out, size, "%s/extract-%ld%s%s%s%s%s.csv", o->dir, records,
             extra_opt ? "-" : "", extra_opt ? extra_opt + 2 : "", extra_val ? extra_val : "",
             design ? "" : "-nodesign", o->shuffle ? "-shuffled" : "");
    if (exists(out))
        return 0;
    char rec[32], tmp[8192];
    snprintf(rec, sizeof rec, "%ld", records);
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    char *argv[16];
    int k = 0;
    argv[k++] = (char *)o->gen;
    argv[k++] = "--records";
    argv[k++] = rec;
    if (extra_opt) {
        argv[k++] = (char *)extra_opt;
        argv[k++] = (char *)extra_val;
    }
    if (!design)
        argv[k++] = "--no-design";
    if (o->shuffle)
        argv[k++] = "--shuffle";
    argv[k++] = "--out";
    argv[k++] = tmp;
    argv[k] = NULL;
    fprintf(stderr, "mzbench: generating %s …\n", out);
    sample_t s;
    if (run_child(argv, false, true, &s) != 0 || rename(tmp, out) != 0) {
        fprintf(stderr, "mzbench: generating %s failed\n", out);
        return -1;
    }
    return 0;
}

/* n runs of mzatlas on file; returns the number of successful runs. */
static int bench_runs(const opts_t *o, const char *file, const char *outputs, bool generic, int n,
                      sample_t *s)
{
    char outdir[4096];
    snprintf(outdir, sizeof outdir, "%s/out", o->dir);
    char *argv[] = {(char *)o->mzatlas, "run", "--outputs", (char *)outputs, "--out", outdir,
                    (char *)file, NULL};
    int ok = 0;
    for (int i = 0; i < n; i++) {
        sample_t *x = &s[ok];
        memset(x, 0, sizeof *x);
        if (run_child(argv, generic, true, x) != 0) {
            fprintf(stderr, "mzbench: mzatlas run failed (exit %d), see %s\n", x->status,
                    quiet_log);
            continue;
        }
        read_timings(outdir, x);
        ok++;
    }
    return ok;
}

typedef double (*field_fn)(const sample_t *);
#define FIELD_FN(name, expr) \
    static double name(const sample_t *s) { return (expr); }
FIELD_FN(f_wall, s->wall)
FIELD_FN(f_cpu, s->user + s->sys)
FIELD_FN(f_rss, (double)s->maxrss_kb)
FIELD_FN(f_read, s->read)
FIELD_FN(f_aggregate, s->aggregate)
FIELD_FN(f_merge, s->merge)
FIELD_FN(f_estimate, s->estimate)
FIELD_FN(f_variance, s->variance)
FIELD_FN(f_outputs, s->outputs)

static double med(const sample_t *s, int n, field_fn f)
{
    double v[MAXREP];
    for (int i = 0; i < n; i++)
        v[i] = f(&s[i]);
    return median(v, n);
}

static void report(const char *label, const sample_t *s, int n, long long bytes, long records)
{
    double wall = med(s, n, f_wall), cpu = med(s, n, f_cpu), rd = med(s, n, f_read);
    double mb = (double)bytes / 1e6, rss_max = 0;
    for (int i = 0; i < n; i++)
        rss_max = fmax(rss_max, (double)s[i].maxrss_kb);
    printf("%s (median of %d runs)\n", label, n);
    printf("  wall %.3f s   cpu (user+sys) %.3f s   %.0f MB/s   %.2f M records/s\n", wall, cpu,
           mb / wall, (double)records / wall / 1e6);
    printf("  stages: read+aggregate %.3f s (%.0f MB/s), merge %.3f s, estimate+suppress %.3f s, "
           "variance %.3f s, outputs %.3f s\n",
           rd, mb / rd, med(s, n, f_merge), med(s, n, f_estimate) + med(s, n, f_aggregate),
           med(s, n, f_variance), med(s, n, f_outputs));
    printf("  peak RSS %.1f MB (median), %.1f MB (max)\n", med(s, n, f_rss) / 1024.0,
           rss_max / 1024.0);
}

/* DuckDB through node; returns the median seconds or NAN. */
static double duckdb(const opts_t *o, const char *file, double *population)
{
    char probe[8192];
    snprintf(probe, sizeof probe, "%s/node_modules/@duckdb/node-api/package.json", o->duckdb);
    if (!exists(probe)) {
        printf("DuckDB: skipped (no %s; `npm install @duckdb/node-api` in %s to compare)\n",
               probe, o->duckdb);
        return NAN;
    }
    if (system("node --version > /dev/null 2>&1") != 0) {
        printf("DuckDB: skipped (node not found)\n");
        return NAN;
    }
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "node '%s' '%s' %d %d '%s'", o->script, file, o->threads,
             o->repeat, o->duckdb);
    FILE *p = popen(cmd, "r");
    char line[8192] = "";
    if (!p || !fgets(line, sizeof line, p)) {
        if (p)
            pclose(p);
        printf("DuckDB: failed (%s)\n", cmd);
        return NAN;
    }
    pclose(p);
    json_error_t je;
    json_t *root = json_loads(line, 0, &je);
    json_t *secs = json_object_get(root, "seconds");
    double v[MAXREP];
    int n = 0;
    for (size_t i = 0; i < json_array_size(secs) && n < MAXREP; i++)
        v[n++] = json_number_value(json_array_get(secs, i));
    double m = median(v, n);
    *population = json_number_value(json_object_get(root, "population"));
    printf("DuckDB %s, %d thread(s), weighted sums only (read_csv + GROUP BY, median of %d): "
           "%.3f s\n",
           json_string_value(json_object_get(root, "version")), o->threads, n, m);
    json_decref(root);
    return m;
}

static int memory_curve(const opts_t *o)
{
    static const long sizes[] = {100000, 300000, 1000000, 3000000, 10000000};
    printf("\nMemory curve: peak RSS of `mzatlas run --outputs csv` (MB)\n");
    printf("  %10s  %14s  %14s  %16s\n", "records", "no psu/stratum", "6,000 PSUs",
           "PSUs of 20 persons");
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char f1[4096], f2[4096], f3[4096];
        if (generate(o, sizes[i], NULL, NULL, false, f1, sizeof f1) != 0 ||
            generate(o, sizes[i], "--psus", "6000", true, f2, sizeof f2) != 0 ||
            generate(o, sizes[i], "--psu-size", "20", true, f3, sizeof f3) != 0)
            return 1;
        double rss[3];
        const char *files[3] = {f1, f2, f3};
        for (int k = 0; k < 3; k++) {
            sample_t s[MAXREP];
            warm_cache(files[k]);
            int n = bench_runs(o, files[k], "csv", false, 1, s);
            rss[k] = n ? med(s, n, f_rss) / 1024.0 : NAN;
        }
        printf("  %10ld  %14.1f  %14.1f  %16.1f   (%ld PSUs)\n", sizes[i], rss[0], rss[1], rss[2],
               sizes[i] / 20);
        fflush(stdout);
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: mzbench [--records N] [--psu-size S] [--file FILE] [--repeat R] [--dir DIR]\n"
            "               [--generic] [--threads T] [--duckdb DIR] [--memory-curve]\n"
            "               [--outputs-all] [--shuffle] [--no-duckdb] [--mzatlas PATH]\n"
            "               [--gen PATH]\n");
    return 2;
}

int main(int argc, char **argv)
{
    opts_t o = {.mzatlas = MZ_BENCH_MZATLAS, .gen = MZ_BENCH_GEN, .dir = "/tmp/mzatlas-bench",
                .records = 4800000, .psu_size = 20, .repeat = 5, .threads = 2};
    static char script[4096];
    snprintf(script, sizeof script, "%s/duckdb_sums.js", MZ_BENCH_SOURCE_DIR);
    o.script = script;
    const char *env = getenv("MZ_DUCKDB_DIR");
    o.duckdb = env && *env ? env : "/tmp/duckdb-bench";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool has = v != NULL;
        if (strcmp(a, "--records") == 0 && has)
            o.records = atol(argv[++i]);
        else if (strcmp(a, "--psu-size") == 0 && has)
            o.psu_size = atol(argv[++i]);
        else if (strcmp(a, "--file") == 0 && has)
            o.file = argv[++i];
        else if (strcmp(a, "--repeat") == 0 && has)
            o.repeat = atoi(argv[++i]);
        else if (strcmp(a, "--dir") == 0 && has)
            o.dir = argv[++i];
        else if (strcmp(a, "--threads") == 0 && has)
            o.threads = atoi(argv[++i]);
        else if (strcmp(a, "--duckdb") == 0 && has)
            o.duckdb = argv[++i];
        else if (strcmp(a, "--mzatlas") == 0 && has)
            o.mzatlas = argv[++i];
        else if (strcmp(a, "--gen") == 0 && has)
            o.gen = argv[++i];
        else if (strcmp(a, "--generic") == 0)
            o.generic = true;
        else if (strcmp(a, "--memory-curve") == 0)
            o.memory_curve = true;
        else if (strcmp(a, "--outputs-all") == 0)
            o.outputs_all = true;
        else if (strcmp(a, "--shuffle") == 0)
            o.shuffle = true;
        else if (strcmp(a, "--no-duckdb") == 0)
            o.no_duckdb = true;
        else
            return usage();
    }
    if (o.repeat < 1 || o.repeat > MAXREP || o.records < 1)
        return usage();
    mkdir(o.dir, 0777);
    snprintf(quiet_log, sizeof quiet_log, "%s/last-run.log", o.dir);

    char file[4096], psz[32];
    snprintf(psz, sizeof psz, "%ld", o.psu_size);
    if (o.file)
        snprintf(file, sizeof file, "%s", o.file);
    else if (generate(&o, o.records, "--psu-size", psz, true, file, sizeof file) != 0)
        return 1;
    long long bytes = file_size(file);
    if (bytes <= 0) {
        fprintf(stderr, "mzbench: %s: no such file\n", file);
        return 1;
    }
    warm_cache(file);
    sample_t s[MAXREP];
    int n = bench_runs(&o, file, "csv", false, o.repeat, s);
    if (n == 0)
        return 1;
    /* records from the run itself: the file's lines minus the header */
    long records = o.file ? 0 : o.records;
    if (!records) {
        FILE *f = fopen(file, "rb");
        int ch;
        while (f && (ch = getc(f)) != EOF)
            records += ch == '\n';
        if (f)
            fclose(f);
        records -= 1;
    }
    char host[256] = "?";
    gethostname(host, sizeof host);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double load[3] = {0, 0, 0};
    FILE *la = fopen("/proc/loadavg", "r");
    if (la) {
        if (fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = NAN;
        fclose(la);
    }
    printf("mzbench: %s, %.1f MB, %ld records; %ld CPUs, load average %.2f\n", file,
           (double)bytes / 1e6, records, ncpu, load[0]);
    report("mzatlas run --outputs csv", s, n, bytes, records);
    char outdir[4096];
    snprintf(outdir, sizeof outdir, "%s/out", o.dir);
    double pop = land_population(outdir);

    if (o.generic) {
        sample_t g[MAXREP];
        int ng = bench_runs(&o, file, "csv", true, o.repeat, g);
        if (ng > 0) {
            report("the same, general code path (MZATLAS_GENERIC=1)", g, ng, bytes, records);
            printf("  fast path: %.1fx less wall time, %.1fx less CPU time\n",
                   med(g, ng, f_wall) / med(s, n, f_wall), med(g, ng, f_cpu) / med(s, n, f_cpu));
        }
    }

    double dpop = NAN;
    double dsec = o.no_duckdb ? NAN : duckdb(&o, file, &dpop);
    if (isfinite(dsec)) {
        double w = med(s, n, f_wall);
        printf("  mzatlas (all stages, csv outputs) is %.2fx as fast as DuckDB (sums only); "
               "target >= 4x\n",
               dsec / w);
        printf("  Land population: mzatlas %.4f, DuckDB %.4f\n", pop, dpop);
    }

    if (o.outputs_all) {
        char year[4096];
        if (generate(&o, 800000, "--psu-size", "20", true, year, sizeof year) == 0) {
            warm_cache(year);
            sample_t a[MAXREP];
            int na = bench_runs(&o, year, "csv,xlsx,maps", false, o.repeat, a);
            if (na > 0) {
                const double out = med(a, na, f_outputs);
                printf("\nAll outputs (csv, xlsx, ten figures as PNG, SVG, PDF), one year of "
                       "800,000 records: outputs stage %.3f s, whole run %.3f s (median of %d)\n",
                       out, med(a, na, f_wall), na);
                printf("  target: outputs stage under 1 s: %s\n", out < 1.0 ? "met" : "not met");
            }
        }
    }
    if (o.memory_curve && memory_curve(&o) != 0)
        return 1;
    return 0;
}
