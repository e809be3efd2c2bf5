/* test_synth.c — the synthetic sample (mz_synth.h): determinism per seed, the canonical schema
 * read back by the extract reader, the cluster design, totals and Kreis populations against the
 * LSN counts in data/real, errors and atomic writing, and the bundled copy. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "mzatlas/mz_extract.h"
#include "mzatlas/mz_gazetteer.h"
#include "mzatlas/mz_run.h"
#include "mzatlas/mz_synth.h"
#include "testutil.h"

static char work[64];

static void setup(void) { tu_workdir_make(work, sizeof work, "synth"); }

static void teardown(void) { tu_workdir_drop(work); }

TestSuite(synth, .init = setup, .fini = teardown);

static const char *path_in(const char *name, char *buf, size_t size)
{
    return tu_path(work, name, buf, size);
}

static mz_synth_summary_t write_sample(const char *path, uint32_t seed, long persons, int year)
{
    mz_synth_options_t o;
    mz_synth_options_init(&o);
    o.seed = seed;
    o.persons = persons;
    o.year = year;
    mz_synth_summary_t sum;
    mz_error_t err;
    mz_error_clear(&err);
    mz_status_t st = mz_synth_write(&o, path, &sum, &err);
    cr_assert_eq(st, MZ_OK, "synth failed: %s", err.message);
    return sum;
}

Test(synth, same_seed_same_bytes_other_seed_other_records)
{
    char a[256], b[256], c[256];
    write_sample(path_in("a.csv", a, sizeof a), 42, 20000, 2007);
    write_sample(path_in("b.csv", b, sizeof b), 42, 20000, 2007);
    write_sample(path_in("c.csv", c, sizeof c), 43, 20000, 2007);
    size_t la, lb, lc;
    char *x = tu_slurp(a, &la), *y = tu_slurp(b, &lb), *z = tu_slurp(c, &lc);
    cr_assert(x && y && z);
    cr_assert_eq(la, lb);
    cr_assert(memcmp(x, y, la) == 0, "the same seed must give the same file");
    cr_assert(la != lc || memcmp(x, z, la) != 0, "another seed must give other records");
    free(x);
    free(y);
    free(z);
}

/* Everything read back through the extract reader. */
typedef struct readback {
    long records;
    double pop, mh;
    bool synthetic, design;
    long psus, bad_psu_size;
    double unit_pop[64];
    long unit_records[64];
    char psu_stratum_mismatch;
} readback_t;

static void read_back(const char *path, readback_t *rb, int year)
{
    char gzpath[4096];
    mz_error_t err;
    mz_error_clear(&err);
    mz_gazetteer_t *gz = mz_gazetteer_load(mz_data_path("regions/gazetteer-ni.csv", gzpath,
                                                        sizeof gzpath),
                                           &err);
    cr_assert_not_null(gz, "%s", err.message);
    cr_assert_leq(mz_gazetteer_count(gz), 64);
    mz_extract_options_t xo = {.year = year, .gazetteer = gz};
    mz_extract_reader_t *r = mz_extract_open(path, &xo, &err);
    cr_assert_not_null(r, "%s", err.message);
    memset(rb, 0, sizeof *rb);
    mz_record_t rec;
    int rc;
    char last_psu[64] = "", last_stratum[64] = "";
    long run_len = 0;
    while ((rc = mz_extract_next(r, &rec, &err)) == 1) {
        rb->records++;
        rb->pop += rec.weight;
        if (rec.mig)
            rb->mh += rec.weight;
        cr_assert_geq(rec.unit, 0);
        rb->unit_pop[rec.unit] += rec.weight;
        rb->unit_records[rec.unit]++;
        /* PSUs are consecutive blocks of 10–20 persons inside one design stratum, the Kreis */
        if (strcmp(rec.psu, last_psu) != 0) {
            if (run_len && (run_len < 10 || run_len > 20))
                rb->bad_psu_size++;
            rb->psus++;
            run_len = 0;
            snprintf(last_psu, sizeof last_psu, "%s", rec.psu);
            snprintf(last_stratum, sizeof last_stratum, "%s", rec.design_stratum);
        } else if (strcmp(rec.design_stratum, last_stratum) != 0) {
            rb->psu_stratum_mismatch = 1;
        }
        run_len++;
    }
    if (run_len < 10 || run_len > 20)
        rb->bad_psu_size++;
    cr_assert_eq(rc, 0, "read error: %s line %ld: %s", err.column, err.line, err.message);
    rb->synthetic = mz_extract_is_synthetic(r);
    rb->design = mz_extract_has_design(r);
    mz_extract_close(r);
    mz_gazetteer_destroy(gz);
}

Test(synth, reads_back_as_a_valid_synthetic_design_extract)
{
    char p[256];
    mz_synth_summary_t sum = write_sample(path_in("s.csv", p, sizeof p), 7, 0, 2007);
    readback_t rb;
    read_back(p, &rb, 2007);
    cr_assert(rb.synthetic, "the file must declare itself synthetic");
    cr_assert(rb.design, "the file must carry psu and stratum");
    cr_assert_eq(rb.records, sum.persons);
    cr_assert_eq(rb.psus, sum.psus);
    cr_assert_eq(rb.bad_psu_size, 0, "every Auswahlbezirk has 10 to 20 persons");
    cr_assert_eq(rb.psu_stratum_mismatch, 0);
    /* about 1 % of 7,977,850 persons */
    cr_assert_eq(sum.persons, 79779);
    cr_assert_eq(sum.units, 46, "45 Kreise and the Region Hannover in 2007");
    cr_assert_eq(sum.year, 2007);
    /* weighted totals of 2007 */
    cr_assert(fabs(rb.pop - MZ_SYNTH_POPULATION_2007) < 20, "population %.1f", rb.pop);
    cr_assert(fabs(rb.mh - MZ_SYNTH_WITH_MH_2007) < 200, "with MH %.1f", rb.mh);
    cr_assert(fabs(sum.population - rb.pop) < 1e-3 * rb.pop);
}

/* The Kreis populations follow the LSN Kreis counts (data/real A3, 2010): the ratio of any Kreis
 * to Braunschweig in the sample equals that in the source. */
Test(synth, kreis_populations_follow_the_lsn_counts)
{
    char p[256], src[4096];
    write_sample(path_in("s.csv", p, sizeof p), 1, 0, 2007);
    readback_t rb;
    read_back(p, &rb, 2007);

    char gzpath[4096];
    mz_error_t err;
    mz_error_clear(&err);
    mz_gazetteer_t *gz = mz_gazetteer_load(mz_data_path("regions/gazetteer-ni.csv", gzpath,
                                                        sizeof gzpath),
                                           &err);
    cr_assert_not_null(gz);
    mz_csv_t *csv = mz_csv_open(mz_data_path("real/ni-kreise-2019-migration.csv", src,
                                             sizeof src),
                                ',', &err);
    cr_assert_not_null(csv, "%s", err.message);
    cr_assert_eq(mz_csv_next(csv, &err), 1);
    int c_year = -1, c_ags = -1, c_measure = -1, c_weighted = -1;
    for (size_t i = 0; i < mz_csv_nfields(csv); i++) {
        const char *h = mz_csv_field(csv, i);
        if (!strcmp(h, "year"))
            c_year = (int)i;
        else if (!strcmp(h, "ags"))
            c_ags = (int)i;
        else if (!strcmp(h, "measure"))
            c_measure = (int)i;
        else if (!strcmp(h, "weighted"))
            c_weighted = (int)i;
    }
    cr_assert(c_year >= 0 && c_ags >= 0 && c_measure >= 0 && c_weighted >= 0);
    double real[64] = {0};
    while (mz_csv_next(csv, &err) == 1) {
        if (strcmp(mz_csv_field(csv, (size_t)c_year), "2010") != 0 ||
            strcmp(mz_csv_field(csv, (size_t)c_measure), "population") != 0)
            continue;
        int u = mz_gazetteer_find(gz, mz_csv_field(csv, (size_t)c_ags));
        if (u >= 0)
            real[u] = strtod(mz_csv_field(csv, (size_t)c_weighted), NULL);
    }
    mz_csv_close(csv);
    int bs = mz_gazetteer_find(gz, "03101");
    cr_assert(bs >= 0 && real[bs] > 0 && rb.unit_pop[bs] > 0);
    int compared = 0;
    for (size_t u = 0; u < mz_gazetteer_count(gz); u++) {
        if (real[u] <= 0 || rb.unit_pop[u] <= 0)
            continue;
        double want = real[u] / real[bs], got = rb.unit_pop[u] / rb.unit_pop[bs];
        cr_assert(fabs(got / want - 1) < 1e-5, "%s: ratio %.6f, LSN %.6f",
                  mz_gazetteer_unit(gz, u)->ags, got, want);
        compared++;
    }
    cr_assert_geq(compared, 39, "compared %d Kreise", compared);
    mz_gazetteer_destroy(gz);
}

Test(synth, other_years_use_that_years_units)
{
    char p[256];
    mz_synth_summary_t sum = write_sample(path_in("y.csv", p, sizeof p), 3, 20000, 2017);
    readback_t rb;
    read_back(p, &rb, 2017);
    cr_assert_eq(rb.records, sum.persons);
    /* 2017: Göttingen merged (03159), Region Hannover split into its two strata */
    cr_assert_eq(sum.units, 46, "44 Kreise and the two halves of the Region Hannover");
    cr_assert(rb.synthetic);
}

Test(synth, stream_equals_file)
{
    char p[256], q[256];
    write_sample(path_in("f.csv", p, sizeof p), 11, 5000, 2007);
    FILE *f = fopen(path_in("g.csv", q, sizeof q), "w");
    cr_assert_not_null(f);
    mz_synth_options_t o;
    mz_synth_options_init(&o);
    o.seed = 11;
    o.persons = 5000;
    mz_error_t err;
    cr_assert_eq(mz_synth_write_stream(&o, f, "g.csv", NULL, &err), MZ_OK);
    fclose(f);
    size_t la, lb;
    char *x = tu_slurp(p, &la), *y = tu_slurp(q, &lb);
    cr_assert(la == lb && memcmp(x, y, la) == 0);
    free(x);
    free(y);
}

Test(synth, bad_options_and_failed_writes_leave_nothing)
{
    char p[256];
    mz_synth_options_t o;
    mz_synth_options_init(&o);
    mz_error_t err;
    o.persons = 10;
    cr_assert_eq(mz_synth_write(&o, path_in("x.csv", p, sizeof p), NULL, &err), MZ_ERR_USAGE);
    o.persons = 0;
    o.year = 2004;
    cr_assert_eq(mz_synth_write(&o, p, NULL, &err), MZ_ERR_USAGE);
    cr_assert_eq(tu_count_entries(work), 0, "nothing may be left behind");
    /* the target is a directory: the rename fails, the temporary file is removed */
    mkdir(path_in("dir", p, sizeof p), 0777);
    mz_synth_options_init(&o);
    o.persons = 2000;
    cr_assert_eq(mz_synth_write(&o, p, NULL, &err), MZ_ERR_IO);
    cr_assert_eq(tu_count_entries(work), 1, "only the directory may remain");
    rmdir(p);
    /* an unwritable place */
    cr_assert_eq(mz_synth_write(&o, "/nonexistent-dir/x.csv", NULL, &err), MZ_ERR_IO);
    /* an existing file stays as it was when the generator fails */
    tu_write_file(path_in("keep.csv", p, sizeof p), "old\n");
    o.regions_path = "/nonexistent-gazetteer.csv";
    cr_assert_neq(mz_synth_write(&o, p, NULL, &err), MZ_OK);
    size_t len;
    char *s = tu_slurp(p, &len);
    cr_assert_str_eq(s, "old\n");
    free(s);
    unlink(p);
}

/* data/examples/synthetic-2007.csv is `mzatlas synth --year 2007 --seed 2007`. */
Test(synth, bundled_example_is_the_default_sample)
{
    char p[256], ex[4096];
    write_sample(path_in("default.csv", p, sizeof p), MZ_SYNTH_SEED_DEFAULT, 0, 2007);
    size_t la, lb;
    char *x = tu_slurp(p, &la);
    char *y = tu_slurp(mz_data_path("examples/synthetic-2007.csv", ex, sizeof ex), &lb);
    cr_assert_not_null(y, "data/examples/synthetic-2007.csv missing");
    cr_assert(la == lb && memcmp(x, y, la) == 0,
              "data/examples/synthetic-2007.csv is out of date: regenerate it with "
              "mzatlas synth --year 2007 --seed 2007 --out data/examples/synthetic-2007.csv");
    free(x);
    free(y);
}
