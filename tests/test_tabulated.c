/* test_tabulated.c — tabulated extracts (mz_tabulated.h): the real LSN 2019 example through the
 * mzatlas binary, per-stratum files equal to one file, overlaps, contradictions, derived groups,
 * nested regions, what is not computable, and each invalid row. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mzatlas/mz_results.h"
#include "mzatlas/mz_run.h"
#include "mzatlas/mz_tabulated.h"
#include "testutil.h"

static char tmpdir[256];

static void setup(void)
{
    mz_set_lang(MZ_LANG_DE);
    tu_workdir_make(tmpdir, sizeof tmpdir, "tabulated");
}

static void teardown(void)
{
    tu_workdir_drop(tmpdir);
    mz_set_lang(MZ_LANG_DE);
}

TestSuite(tabulated, .init = setup, .fini = teardown);

static const char *tmp(const char *name, char *buf, size_t size)
{
    return tu_path(tmpdir, name, buf, size);
}

/* Run the mzatlas binary; stderr into *errout (malloc'd). Returns the exit code. */
static int run_bin(const char *const *args, char **errout)
{
    tu_result_t r = tu_run(NULL, args);
    *errout = r.err;
    r.err = NULL;
    tu_result_free(&r);
    return r.code;
}

/* Value of column `col` in the indicators.csv row for (indicator, level, group). */
static bool indicator_value(const char *csv, const char *ind, const char *level, const char *group,
                            int col, char *out, size_t size)
{
    char key[200];
    snprintf(key, sizeof key, "\n2019,%s,%s,", ind, level);
    for (const char *p = strstr(csv, key); p; p = strstr(p + 1, key)) {
        const char *eol = strchr(p + 1, '\n');
        char line[1024];
        size_t n = eol ? (size_t)(eol - p - 1) : strlen(p + 1);
        snprintf(line, sizeof line, "%.*s", (int)n, p + 1);
        /* fields; region_name may be quoted but has no comma for the Land */
        char *f[20];
        int k = 0;
        for (char *s = line; k < 20;) {
            f[k++] = s;
            char *c = strchr(s, ',');
            if (!c)
                break;
            *c = '\0';
            s = c + 1;
        }
        if (k > 6 && strcmp(f[6], group) == 0 && col < k) {
            snprintf(out, size, "%s", f[col]);
            return true;
        }
    }
    return false;
}

/* From data/real/ni-2019-land-counts.csv: weighted count of (sex all, mig, measure). */
static double lsn_count(const char *mig, const char *measure)
{
    char path[4096];
    FILE *f = fopen(tu_data_path("real/ni-2019-land-counts.csv", path, sizeof path), "r");
    cr_assert_not_null(f);
    char line[4096], want[200];
    snprintf(want, sizeof want, "2019,03,all,%s,%s,", mig, measure);
    double v = NAN;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, want, strlen(want))) {
            v = strtod(line + strlen(want), NULL);
            break;
        }
    fclose(f);
    cr_assert(!isnan(v), "%s/%s not in the LSN file", mig, measure);
    return v;
}

/* ---------------------------------------------------------------- the real example */

Test(tabulated, lsn_2019_example_reproduces_the_unemployment_rates, .timeout = 120)
{
    char ex[4096], out[600];
    tu_data_path("examples/lsn-2019-land.csv", ex, sizeof ex);
    tmp("out", out, sizeof out);
    const char *args[] = {"run", "--ages", "all", "--outputs", "csv", "--out", out, ex, NULL};
    char *err = NULL;
    int code = run_bin(args, &err);
    cr_assert_eq(code, 0, "%s", err);
    cr_assert_null(strstr(err, "nicht berechenbar"), "%s", err);
    char path[700];
    snprintf(path, sizeof path, "%s/indicators.csv", out);
    char *csv = tu_slurp(path, NULL);
    cr_assert_not_null(csv);
    /* group → LSN's migration rows */
    static const struct {
        const char *group;
        const char *published;
    } rates[] = {{"all", "3.09"}, {"without", "2.36"}, {"with", "5.81"}};
    for (size_t i = 0; i < 3; i++) {
        char est[64], se[64], num[64], den[64];
        cr_assert(indicator_value(csv, "unemployment_rate", "land", rates[i].group, 7, est,
                                  sizeof est));
        indicator_value(csv, "unemployment_rate", "land", rates[i].group, 8, se, sizeof se);
        indicator_value(csv, "unemployment_rate", "land", rates[i].group, 11, num, sizeof num);
        indicator_value(csv, "unemployment_rate", "land", rates[i].group, 12, den, sizeof den);
        double e = strtod(est, NULL);
        /* recomputed from LSN's cells, independent of the example file */
        double u, emp;
        if (!strcmp(rates[i].group, "all")) {
            u = lsn_count("without", "unemployed") + lsn_count("with_wider", "unemployed");
            emp = lsn_count("without", "employed") + lsn_count("with_wider", "employed");
            cr_assert_eq(u, lsn_count("all", "unemployed"));
        } else {
            const char *mig = !strcmp(rates[i].group, "with") ? "with_wider" : "without";
            u = lsn_count(mig, "unemployed");
            emp = lsn_count(mig, "employed");
        }
        cr_assert_float_eq(e, 100.0 * u / (emp + u), 1e-12, "%s: %s", rates[i].group, est);
        cr_assert_eq(strtod(num, NULL), u);
        cr_assert_eq(strtod(den, NULL), emp + u);
        char r2[16];
        snprintf(r2, sizeof r2, "%.2f", e);
        cr_assert_str_eq(r2, rates[i].published, "%s", rates[i].group);
        cr_assert_str_eq(se, "", "tables give no standard errors");
    }
    free(csv);
    snprintf(path, sizeof path, "%s/run.json", out);
    char *json = tu_slurp(path, NULL);
    cr_assert(strstr(json,
                     "\"source\": \"Quelle: Landesamt für Statistik Niedersachsen (LSN), "
                     "Mikrozensus 2019"),
              "%s", json);
    cr_assert(strstr(json, "\"tabulated\": true"));
    free(json);
    free(err);
}

Test(tabulated, lsn_example_default_ages_says_what_is_not_computable, .timeout = 120)
{
    char ex[4096], out[600];
    tu_data_path("examples/lsn-2019-land.csv", ex, sizeof ex);
    tmp("out", out, sizeof out);
    const char *args[] = {"run", "--outputs", "csv", "--out", out, ex, NULL};
    char *err = NULL;
    cr_assert_eq(run_bin(args, &err), 0, "%s", err);
    cr_assert(strstr(err, "unemployment_rate: nicht berechenbar") &&
                  strstr(err, "unemployed (Alter 18-64) fehlt") && strstr(err, "--ages"),
              "%s", err);
    cr_assert(strstr(err, "employment_rate: nicht berechenbar"), "%s", err);
    cr_assert_null(strstr(err, "migration_share: nicht"), "%s", err);
    char path[700];
    snprintf(path, sizeof path, "%s/indicators.csv", out);
    char *csv = tu_slurp(path, NULL);
    char v[64];
    cr_assert(indicator_value(csv, "unemployment_rate", "land", "with", 7, v, sizeof v));
    cr_assert_str_eq(v, "", "not computable must not come out as a value");
    cr_assert(indicator_value(csv, "migration_share", "land", "all", 7, v, sizeof v));
    cr_assert_float_eq(strtod(v, NULL), 100.0 * 1750792.0 / (6093752.0 + 1750792.0), 1e-12);
    free(csv);
    free(err);
}

/* ---------------------------------------------------------------- library level */

static mz_run_t *run_tables(const char *const *paths, size_t n, const char *ages, mz_error_t *err)
{
    mz_run_options_t o;
    mz_run_options_init(&o);
    o.merge = false;
    o.outputs = 0;
    o.rules.min_cases = 0;
    if (ages)
        cr_assert(mz_age_band_parse(ages, &o.band));
    mz_error_clear(err);
    mz_run_t *run = mz_run_create(&o, err);
    cr_assert_not_null(run, "%s", err->message);
    for (size_t i = 0; i < n; i++)
        if (mz_run_add_extract(run, paths[i], err) != MZ_OK) {
            mz_run_destroy(run);
            return NULL;
        }
    if (mz_run_compute(run, err) != MZ_OK) {
        mz_run_destroy(run);
        return NULL;
    }
    return run;
}

static const char header[] = "year,region,ages,group,measure,weighted,n\n";
static const char *const measures[] = {
    "population",           "employed",            "unemployed",     "self_employed",
    "employed_agriculture", "employed_production", "employed_trade", "employed_services"};

/* Deterministic counts for a region: every measure, both groups, ages all and 18-64. */
static void region_rows(FILE *f, const char *region, unsigned seed, bool with_all_group)
{
    for (int g = 0; g < 2; g++) {
        unsigned x = seed * 7919u + (unsigned)g * 104729u;
        double pop = 20000 + x % 50000, emp = pop * 0.45, un = 1000 + x % 3000;
        double self = emp * 0.1, agr = emp * 0.02, prod = emp * 0.3, trade = emp * 0.25;
        double serv = emp - agr - prod - trade;
        double v[8] = {pop, emp, un, self, agr, prod, trade, serv};
        for (int m = 0; m < 8; m++) {
            double w = floor(v[m]);
            fprintf(f, "2019,%s,all,%s,%s,%.0f,%d\n", region, g ? "with" : "without", measures[m],
                    w, 50 + (int)(x % 100) + m);
            if (m < 3)
                fprintf(f, "2019,%s,18-64,%s,%s,%.0f,%d\n", region, g ? "with" : "without",
                        measures[m], floor(w * 0.7), 40 + m);
        }
    }
    (void)with_all_group;
}

/* the Kreise of RA_01 (data/regions/gazetteer-ni.csv) */
static const char *const ra01_units[] = {"03101", "03102", "03103", "03151",
                                         "03154", "03157", "03158"};

Test(tabulated, per_stratum_files_equal_one_file)
{
    /* RA_01 as Kreise in one file, RA_02 and RA_05 as strata in another */
    char one[600], a[600], b[600];
    FILE *fo = fopen(tmp("one.csv", one, sizeof one), "w");
    FILE *fa = fopen(tmp("a.csv", a, sizeof a), "w");
    FILE *fb = fopen(tmp("b.csv", b, sizeof b), "w");
    fputs(header, fo);
    fputs(header, fa);
    fputs(header, fb);
    for (unsigned i = 0; i < sizeof ra01_units / sizeof *ra01_units; i++) {
        region_rows(fo, ra01_units[i], i + 1, false);
        region_rows(fa, ra01_units[i], i + 1, false);
    }
    region_rows(fo, "RA_02", 50, false);
    region_rows(fb, "RA_02", 50, false);
    region_rows(fo, "RA_05", 51, false);
    region_rows(fb, "RA_05", 51, false);
    fclose(fo);
    fclose(fa);
    fclose(fb);
    mz_error_t err;
    const char *p1[] = {one}, *p2[] = {a, b};
    mz_run_t *r1 = run_tables(p1, 1, NULL, &err);
    cr_assert_not_null(r1, "%s", err.message);
    mz_run_t *r2 = run_tables(p2, 2, NULL, &err);
    cr_assert_not_null(r2, "%s", err.message);
    mz_results_t *x = mz_run_results(r1), *y = mz_run_results(r2);
    cr_assert_eq(mz_results_count(x), mz_results_count(y));
    size_t land = 0, strata = 0;
    for (size_t i = 0; i < mz_results_count(x); i++) {
        const mz_estimate_t *e = mz_results_at(x, i), *f = mz_results_at(y, i);
        cr_assert_str_eq(e->region->code, f->region->code);
        cr_assert(e->ind == f->ind && e->group == f->group);
        cr_assert((isnan(e->p.estimate) && isnan(f->p.estimate)) ||
                  e->p.estimate == f->p.estimate);
        cr_assert_eq(e->p.n, f->p.n);
        cr_assert_eq(e->p.symbol, f->p.symbol);
        cr_assert(isnan(e->se), "no standard errors from tables");
        land += e->region->level == MZ_LEVEL_LAND && isfinite(e->p.estimate);
        strata += e->region->level == MZ_LEVEL_SCHICHT && isfinite(e->p.estimate);
    }
    cr_assert_gt(land, 10);
    cr_assert_gt(strata, 30);
    const mz_estimate_t *u =
        mz_results_find(x, MZ_IND_UNEMPLOYMENT_RATE, MZ_LEVEL_SCHICHT, "RA_01", MZ_G_WITH);
    cr_assert_not_null(u);
    cr_assert(isfinite(u->p.estimate) && u->p.n > 0);
    /* every indicator computable; only the all-age unemployed rows were not needed */
    cr_assert_eq(mz_run_note_count(r1), 1);
    cr_assert(strstr(mz_run_note(r1, 0), "unemployed für Alter all nicht verwendet"), "%s",
              mz_run_note(r1, 0));
    mz_run_destroy(r1);
    mz_run_destroy(r2);
}

/* One table in memory against the collector: status, line, column and a part of the message. */
static void expect_apply(const char *text, mz_status_t status, long line, const char *col,
                         const char *msg)
{
    char path[4096];
    mz_error_t err;
    mz_gazetteer_t *gz =
        mz_gazetteer_load(tu_data_path("regions/gazetteer-ni.csv", path, sizeof path), &err);
    cr_assert_not_null(gz);
    mz_age_band_t band = {18, 64};
    mz_cells_t *cells = mz_cells_create(gz, band, &err);
    mz_tables_t *t = mz_tables_create(gz, band, 0, &err);
    cr_assert_not_null(t);
    mz_error_clear(&err);
    mz_status_t st = mz_tables_add_mem(t, "t.csv", text, strlen(text), NULL, &err);
    if (st == MZ_OK)
        st = mz_tables_apply(t, cells, &err);
    cr_assert_eq(st, status, "%s: %s", text, err.message);
    if (status != MZ_OK) {
        cr_assert_eq(err.line, line, "%s: line %ld (%s)", text, err.line, err.message);
        cr_assert_str_eq(err.column, col, "%s", text);
        cr_assert(strstr(err.message, msg), "%s: %s", text, err.message);
    }
    mz_tables_destroy(t);
    mz_tables_destroy(NULL);
    mz_cells_destroy(cells);
    mz_gazetteer_destroy(gz);
}

Test(tabulated, invalid_rows)
{
    static const struct {
        const char *row;
        const char *col, *msg;
    } cases[] = {
        {"2019,03999,all,with,population,1", "region", "unbekannte Region"},
        {"2019,3101,all,with,population,1", "region", "unbekannte Region"},
        {"2019,RA_99,all,with,population,1", "region", "Anpassungsschicht"},
        {"2019,03152,all,with,population,1", "region", "gibt es im Erhebungsjahr 2019 nicht"},
        {"2019,03,18–64,with,population,1", "ages", "Altersgruppe"},
        {"2019,03,all,mit,population,1", "group", "with, without"},
        {"2019,03,all,with,erwerbslose,1", "measure", "unbekannte Größe"},
        {"2019,03,all,with,population,-5", "weighted", ">= 0"},
        {"2019,03,all,with,population,1.234.567", "weighted", "Tausendertrennzeichen"},
        {"2019,03,all,with,population,1,2.5", "n", "Fallzahl"},
        {"19,03,all,with,population,1", "year", "Erhebungsjahr"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char text[512];
        snprintf(text, sizeof text, "%s2019,03,all,without,population,5,\n%s\n", header,
                 cases[i].row);
        expect_apply(text, MZ_ERR_DATA, 3, cases[i].col, cases[i].msg);
    }
    /* another year in the same table */
    expect_apply("year,region,ages,group,measure,weighted\n2019,03,all,with,population,1\n"
                 "2018,03,all,without,population,1\n",
                 MZ_ERR_DATA, 3, "year", "erwartet 2019");
    expect_apply("region,ages,group,measure,weighted\n03,all,with,population,1\n", MZ_ERR_DATA,
                 1, "year", "Pflichtspalte");
    /* a German table's thousands point (60.000 = sixty thousand) is refused in a semicolon
     * file, where the decimal comma is accepted */
    static const char semi[] = "year;region;ages;group;measure;weighted\n";
    char text[512];
    snprintf(text, sizeof text, "%s2019;03;all;without;population;60000,5\n"
             "2019;03;all;with;population;60.000\n", semi);
    expect_apply(text, MZ_ERR_DATA, 3, "weighted", "Tausendertrennzeichen?");
    snprintf(text, sizeof text, "%s2019;03;all;without;population;60000,5\n"
             "2019;03;all;with;population;60000\n", semi);
    expect_apply(text, MZ_OK, 0, "", "");
}

Test(tabulated, overlaps_and_contradictions)
{
    /* the same count twice */
    expect_apply("year,region,ages,group,measure,weighted\n2019,03101,all,with,population,10\n"
                 "2019,03102,all,with,population,10\n2019,03101,all,with,population,10\n",
                 MZ_ERR_DATA, 4, "measure", "Zeile 2");
    /* all given beside with and without: checked */
    expect_apply("year,region,ages,group,measure,weighted\n2019,03101,all,with,population,1000\n"
                 "2019,03101,all,without,population,3000\n2019,03101,all,all,population,4001\n",
                 MZ_OK, 0, "", "");
    expect_apply("year,region,ages,group,measure,weighted\n2019,03101,all,with,population,1000\n"
                 "2019,03101,all,without,population,3000\n2019,03101,all,all,population,4100\n",
                 MZ_ERR_DATA, 4, "weighted", "Widerspruch");
    expect_apply("year,region,ages,group,measure,weighted,n\n"
                 "2019,03101,all,with,population,1000,10\n"
                 "2019,03101,all,without,population,3000,30\n"
                 "2019,03101,all,all,population,4000,41\n",
                 MZ_ERR_DATA, 4, "n", "Fallzahl");
    /* a part larger than the total */
    expect_apply("year,region,ages,group,measure,weighted\n2019,03101,all,with,population,5000\n"
                 "2019,03101,all,all,population,4000\n",
                 MZ_ERR_DATA, 3, "weighted", "Widerspruch");
    /* a stratum beside only some of its Kreise */
    expect_apply("year,region,ages,group,measure,weighted\n2019,RA_01,all,with,population,10\n"
                 "2019,RA_01,all,without,population,10\n2019,03101,all,with,population,1\n"
                 "2019,03101,all,without,population,1\n",
                 MZ_ERR_DATA, 2, "region", "Überschneidung");
    /* the Land beside one stratum */
    expect_apply("year,region,ages,group,measure,weighted\n2019,03,all,with,population,10\n"
                 "2019,03,all,without,population,10\n2019,RA_05,all,with,population,1\n"
                 "2019,RA_05,all,without,population,1\n",
                 MZ_ERR_DATA, 2, "region", "Land");
    /* Region Hannover whole beside its city */
    expect_apply("year,region,ages,group,measure,weighted\n2019,03241,all,with,population,10\n"
                 "2019,03241,all,without,population,10\n2019,03241001,all,with,population,1\n"
                 "2019,03241001,all,without,population,1\n",
                 MZ_ERR_DATA, 2, "region", "Hannover");
}

/* A stratum beside all of its Kreise is a check: consistent → the Kreise are used. */
Test(tabulated, stratum_total_beside_all_its_kreise)
{
    char a[600], b[600], bad[600];
    FILE *fa = fopen(tmp("units.csv", a, sizeof a), "w");
    FILE *fb = fopen(tmp("units-and-total.csv", b, sizeof b), "w");
    FILE *fx = fopen(tmp("bad-total.csv", bad, sizeof bad), "w");
    fputs(header, fa);
    fputs(header, fb);
    fputs(header, fx);
    double tot[2] = {0, 0};
    for (unsigned i = 0; i < sizeof ra01_units / sizeof *ra01_units; i++) {
        for (int g = 0; g < 2; g++) {
            double w = 10000 + 1000 * i + 300 * g;
            tot[g] += w;
            for (int k = 0; k < 3; k++)
                fprintf(k == 0 ? fa : k == 1 ? fb : fx, "2019,%s,all,%s,population,%.0f,\n",
                        ra01_units[i], g ? "with" : "without", w);
        }
    }
    for (int g = 0; g < 2; g++) {
        fprintf(fb, "2019,RA_01,all,%s,population,%.0f,\n", g ? "with" : "without", tot[g]);
        fprintf(fx, "2019,RA_01,all,%s,population,%.0f,\n", g ? "with" : "without",
                tot[g] + 500);
    }
    fclose(fa);
    fclose(fb);
    fclose(fx);
    mz_error_t err;
    const char *pa[] = {a}, *pb[] = {b}, *px[] = {bad};
    mz_run_t *ra = run_tables(pa, 1, NULL, &err), *rb = run_tables(pb, 1, NULL, &err);
    cr_assert_not_null(ra);
    cr_assert_not_null(rb, "%s", err.message);
    const mz_estimate_t *x = mz_results_find(mz_run_results(ra), MZ_IND_MIGRATION_SHARE,
                                             MZ_LEVEL_SCHICHT, "RA_01", MZ_G_ALL);
    const mz_estimate_t *y = mz_results_find(mz_run_results(rb), MZ_IND_MIGRATION_SHARE,
                                             MZ_LEVEL_SCHICHT, "RA_01", MZ_G_ALL);
    cr_assert(x && y);
    cr_assert_float_eq(x->p.estimate, 100.0 * tot[1] / (tot[0] + tot[1]), 1e-12);
    cr_assert_eq(x->p.estimate, y->p.estimate);
    cr_assert_eq(x->p.n, -1, "no n column values: unknown");
    /* only population: the employment indicators are not computable, and say so */
    bool said = false;
    for (size_t i = 0; i < mz_run_note_count(ra); i++)
        said |= strstr(mz_run_note(ra, i), "self_employment_share: nicht berechenbar") != NULL;
    cr_assert(said);
    cr_assert_null(run_tables(px, 1, NULL, &err));
    cr_assert(strstr(err.message, "Widerspruch") && strstr(err.message, "RA_01"), "%s",
              err.message);
    mz_run_destroy(ra);
    mz_run_destroy(rb);
}

/* with + all → without = all − with, equal to giving without itself. */
Test(tabulated, missing_group_derived_from_all)
{
    char a[600], b[600];
    tu_write_file(tmp("explicit.csv", a, sizeof a),
               "year;region;ages;group;measure;weighted\n"
               "2019;03;all;with;population;1750792\n2019;03;all;without;population;6093752\n");
    tu_write_file(tmp("derived.csv", b, sizeof b),
               "year;region;ages;group;measure;weighted\n"
               "2019;03;all;with;population;1750792\n2019;03;all;all;population;7844544,0\n");
    mz_error_t err;
    const char *pa[] = {a}, *pb[] = {b};
    mz_run_t *ra = run_tables(pa, 1, NULL, &err), *rb = run_tables(pb, 1, NULL, &err);
    cr_assert_not_null(ra, "%s", err.message);
    cr_assert_not_null(rb, "%s", err.message);
    const mz_estimate_t *x = mz_results_find(mz_run_results(ra), MZ_IND_MIGRATION_SHARE,
                                             MZ_LEVEL_LAND, "03", MZ_G_ALL);
    const mz_estimate_t *y = mz_results_find(mz_run_results(rb), MZ_IND_MIGRATION_SHARE,
                                             MZ_LEVEL_LAND, "03", MZ_G_ALL);
    cr_assert_eq(x->p.estimate, y->p.estimate);
    cr_assert_eq(x->p.denominator, 7844544.0);
    mz_run_destroy(ra);
    mz_run_destroy(rb);
    /* only `all`: not split, so not computable — and said so */
    char c[600];
    tu_write_file(tmp("all-only.csv", c, sizeof c),
               "year,region,ages,group,measure,weighted\n2019,03,all,all,population,7844544\n");
    const char *pc[] = {c};
    mz_run_t *rc = run_tables(pc, 1, NULL, &err);
    cr_assert_not_null(rc, "%s", err.message);
    bool said = false;
    for (size_t i = 0; i < mz_run_note_count(rc); i++)
        said |= strstr(mz_run_note(rc, i), "migration_share: nicht berechenbar") &&
                strstr(mz_run_note(rc, i), "nicht nach Migrationshintergrund aufgeteilt");
    cr_assert(said);
    mz_run_destroy(rc);
}

Test(tabulated, tables_and_records_not_mixed_and_detection)
{
    char t[600], r[600];
    tu_write_file(tmp("t.csv", t, sizeof t),
               "year,region,ages,group,measure,weighted\n2019,03,all,with,population,1\n");
    tu_write_file(tmp("r.csv", r, sizeof r),
               "year,kreis,weight,age,mig,ilo,selfemp,sector\n2019,03101,100,30,0,1,0,2\n");
    mz_error_t err;
    cr_assert_eq(mz_tabulated_detect(t, &err), 1);
    cr_assert_eq(mz_tabulated_detect(r, &err), 0);
    cr_assert_eq(mz_tabulated_detect("/nonexistent.csv", &err), -1);
    const char *tr[] = {t, r}, *rt[] = {r, t};
    cr_assert_null(run_tables(tr, 2, NULL, &err));
    cr_assert(strstr(err.message, "mischen"), "%s", err.message);
    cr_assert_null(run_tables(rt, 2, NULL, &err));
    cr_assert(strstr(err.message, "mischen"), "%s", err.message);
}
