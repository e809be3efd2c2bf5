/* test_batch.c — `mzatlas batch` and the batch/trend library: rules per period, the config file,
 * per-year outputs identical to single runs, the units of each year, trend.csv over all years,
 * independence from -j and the order of the inputs, the config equivalent to the command line,
 * common footprints and the withheld rule of combined regions.
 *
 * Inputs are synthetic extracts of 2007, 2015 and 2017 made with `mzatlas synth`. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mzatlas/mz_batch.h"
#include "testutil.h"

#define PERSONS "20000"

/* ---------------------------------------------------------------- helpers */

static char work[64];

static void make_work(void) { tu_workdir_make(work, sizeof work, "batch"); }

static void drop_work(void) { tu_workdir_drop(work); }

static const char *in_work(const char *rel, char *buf, size_t size)
{
    return tu_path(work, rel, buf, size);
}

/* Both files exist and hold the same bytes. */
static void assert_same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = tu_slurp(a, &la), *y = tu_slurp(b, &lb);
    cr_assert_not_null(x, "%s missing", a);
    cr_assert_not_null(y, "%s missing", b);
    cr_assert(la == lb && memcmp(x, y, la) == 0, "%s and %s differ", a, b);
    free(x);
    free(y);
}

/* Run $MZ_BIN with the arguments (NULL-terminated); stderr is kept in err (may be NULL).
 * Returns the exit code. */
static int run_bin(char **err, const char *const *args)
{
    tu_result_t r = tu_run(NULL, args);
    if (err) {
        *err = r.err;
        r.err = NULL;
    }
    tu_result_free(&r);
    return r.code;
}

#define BIN(err, ...) run_bin(err, (const char *const[]){__VA_ARGS__, NULL})

/* Make the synthetic extract of a year in the work directory: <work>/s<year>.csv. */
static const char *synth(int year, char *buf, size_t size)
{
    char name[32], y[16], seed[16];
    snprintf(name, sizeof name, "s%d.csv", year);
    snprintf(y, sizeof y, "%d", year);
    snprintf(seed, sizeof seed, "%d", year + 11);
    in_work(name, buf, size);
    if (!tu_exists(buf))
        cr_assert_eq(BIN(NULL, "synth", "--year", y, "--seed", seed, "--persons", PERSONS,
                         "--out", buf, "--quiet"),
                     0);
    return buf;
}

/* Number of lines of a file that contain needle. */
static size_t count_lines(const char *path, const char *needle)
{
    char *s = tu_slurp(path, NULL);
    cr_assert_not_null(s, "%s missing", path);
    size_t n = 0;
    for (char *line = strtok(s, "\n"); line; line = strtok(NULL, "\n"))
        n += strstr(line, needle) != NULL;
    free(s);
    return n;
}

/* ---------------------------------------------------------------- rules and definitions */

Test(batch_rules, periods_parse)
{
    int a, b;
    cr_assert(mz_rules_period_parse("2020-", &a, &b));
    cr_assert(a == 2020 && b == 0);
    cr_assert(mz_rules_period_parse("-2019", &a, &b));
    cr_assert(a == 0 && b == 2019);
    cr_assert(mz_rules_period_parse("2005-2016", &a, &b));
    cr_assert(a == 2005 && b == 2016);
    cr_assert(mz_rules_period_parse(" 2017 ", &a, &b));
    cr_assert(a == 2017 && b == 2017);
    cr_assert_not(mz_rules_period_parse("-", &a, &b));
    cr_assert_not(mz_rules_period_parse("2016-2005", &a, &b));
    cr_assert_not(mz_rules_period_parse("20x0-", &a, &b));
    cr_assert_not(mz_rules_period_parse("", &a, &b));
}

Test(batch_rules, periods_apply_in_order)
{
    mz_batch_options_t bo;
    mz_batch_options_init(&bo);
    bo.run.rules.min_count = 5000;
    mz_error_t err;
    mz_batch_t *b = mz_batch_create(&bo, &err);
    cr_assert_not_null(b, "%s", err.message);
    mz_rules_period_t p1, p2;
    mz_rules_period_init(&p1, 2020, 0);
    cr_assert_eq(mz_rules_period_set(&p1, "min-count", "7500", &err), MZ_OK);
    cr_assert_eq(mz_rules_period_set(&p1, "rate-rule", "base", &err), MZ_OK);
    cr_assert_eq(mz_rules_period_set(&p1, "min-count", "abc", &err), MZ_ERR_USAGE);
    cr_assert_str_eq(err.column, "min-count");
    cr_assert_eq(mz_rules_period_set(&p1, "nonsense", "1", &err), MZ_ERR_USAGE);
    mz_rules_period_init(&p2, 2021, 2021);
    cr_assert_eq(mz_rules_period_set(&p2, "gap-flag", "12.5", &err), MZ_OK);
    cr_assert_eq(mz_batch_add_period(b, &p1, &err), MZ_OK);
    cr_assert_eq(mz_batch_add_period(b, &p2, &err), MZ_OK);
    mz_rules_t r2019 = mz_batch_rules_for(b, 2019), r2020 = mz_batch_rules_for(b, 2020),
               r2021 = mz_batch_rules_for(b, 2021);
    cr_assert_eq(r2019.min_count, 5000);
    cr_assert_eq(r2019.rate_rule, MZ_RATE_BOTH);
    cr_assert_eq(r2020.min_count, 7500);
    cr_assert_eq(r2020.rate_rule, MZ_RATE_BASE);
    cr_assert_eq(r2020.gap_flag, 10);
    cr_assert_eq(r2021.min_count, 7500);
    cr_assert_eq(r2021.gap_flag, 12.5);
    /* a batch has no fixed year */
    mz_batch_destroy(b);
    bo.run.year = 2007;
    cr_assert_null(mz_batch_create(&bo, &err));
    cr_assert_eq(err.status, MZ_ERR_USAGE);
    mz_batch_destroy(NULL);
    mz_batch_config_destroy(NULL);
    mz_trend_destroy(NULL);
}

Test(batch_rules, mh_definition_by_year)
{
    cr_assert_eq(mz_mh_definition_for(2005), MZ_MH_NARROW);
    cr_assert_eq(mz_mh_definition_for(2016), MZ_MH_NARROW);
    cr_assert_eq(mz_mh_definition_for(2017), MZ_MH_WIDE);
    cr_assert_eq(mz_mh_definition_for(2022), MZ_MH_WIDE);
    cr_assert_eq(mz_mh_definition_parse("narrow"), MZ_MH_NARROW);
    cr_assert_eq(mz_mh_definition_parse("weit"), MZ_MH_WIDE);
    cr_assert_eq(mz_mh_definition_parse("broad"), -1);
    cr_assert_str_eq(mz_mh_definition_id(MZ_MH_WIDE), "wide");
    cr_assert(strstr(mz_mh_definition_note(MZ_MH_NARROW), "engeren Sinne"));
}

/* ---------------------------------------------------------------- the config file */

TestSuite(batch_config, .init = make_work, .fini = drop_work);

static const char *write_file(const char *name, const char *text, char *buf, size_t size)
{
    tu_write_file(in_work(name, buf, size), text);
    return buf;
}

Test(batch_config, example_in_docs_loads)
{
    char path[4096];
    tu_fixture_path("../../docs/examples/batch.ini", path, sizeof path);
    mz_error_t err;
    mz_batch_config_t *cfg = mz_batch_config_load(path, &err);
    cr_assert_not_null(cfg, "%s:%ld: %s", err.file, err.line, err.message);
    cr_assert_eq(cfg->nyears, 3);
    cr_assert_eq(cfg->years[0].year, 2007);
    cr_assert_eq(cfg->years[2].year, 2017);
    cr_assert_eq(cfg->years[2].mh, MZ_MH_WIDE);
    cr_assert_eq(cfg->years[0].ninputs, 1);
    /* paths relative to the config file */
    cr_assert(strstr(cfg->years[0].inputs[0], "docs/examples/../../data/examples/"),
              "%s", cfg->years[0].inputs[0]);
    cr_assert_eq(cfg->nperiods, 1);
    cr_assert_eq(cfg->periods[0].from, 2020);
    cr_assert_eq(cfg->periods[0].to, 0);
    cr_assert_eq(cfg->periods[0].set, MZ_RULE_MIN_COUNT | MZ_RULE_LIMITED_BELOW);
    bool out = false, jobs = false;
    for (size_t i = 0; i < cfg->nsettings; i++) {
        out = out || strcmp(cfg->settings[i].name, "out") == 0;
        jobs = jobs || (strcmp(cfg->settings[i].name, "jobs") == 0 &&
                        strcmp(cfg->settings[i].value, "2") == 0);
    }
    cr_assert(out && jobs);
    mz_batch_config_destroy(cfg);
}

Test(batch_config, errors_name_the_line)
{
    static const struct {
        const char *text;
        long line;
        const char *column;
    } cases[] = {
        {"[batch]\nout = x\nbogus = 1\n", 3, "bogus"},
        {"[batch]\nquiet = maybe\n", 2, "quiet"},
        {"; comment\n[rules 2020-]\nmin-count = many\n", 3, "min-count"},
        {"[rules 20x0]\nmin-count = 1\n", 2, ""},
        {"[year 2017]\nprofile = canonical\n", 2, ""},
        {"[inputs]\nfile = a.csv\n", 2, "file"},
        {"[weather]\nsun = yes\n", 2, ""},
        {"out = x\n", 1, "out"},
        {"[year 2017]\nmh-definition = wider\ninput = a.csv\n", 2, "mh-definition"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256];
        write_file("bad.ini", cases[i].text, path, sizeof path);
        mz_error_t err;
        mz_error_clear(&err);
        mz_batch_config_t *cfg = mz_batch_config_load(path, &err);
        cr_assert_null(cfg, "case %zu loaded", i);
        cr_assert_eq(err.status, MZ_ERR_USAGE, "case %zu: status %d", i, err.status);
        cr_assert_eq(err.line, cases[i].line, "case %zu: line %ld", i, err.line);
        cr_assert_str_eq(err.column, cases[i].column, "case %zu", i);
        cr_assert_str_eq(err.file, path);
    }
    mz_error_t err;
    cr_assert_null(mz_batch_config_load("/nonexistent/batch.ini", &err));
    cr_assert_eq(err.status, MZ_ERR_IO);
}

/* ---------------------------------------------------------------- end to end */

TestSuite(batch_e2e, .init = make_work, .fini = drop_work, .timeout = 280);

/* Per-year outputs equal single runs; the right units in each year; trend.csv, chart and
 * workbook cover every year; the MH definition of each year is recorded. */
Test(batch_e2e, years_equal_single_runs)
{
    char s07[256], s15[256], s17[256], out[256], single[256], a[512], b[512];
    synth(2007, s07, sizeof s07);
    synth(2015, s15, sizeof s15);
    synth(2017, s17, sizeof s17);
    in_work("batch", out, sizeof out);
    char *err = NULL;
    /* small PNGs keep the test fast; the maps are drawn all the same */
    int code = BIN(&err, "batch", "-j", "2", "--outputs", "csv,xlsx,maps", "--formats", "png",
                   "--dpi", "72", "--out", out, s17, s07, s15);
    cr_assert_eq(code, 0, "%s", err);
    cr_assert(strstr(err, "2007") && strstr(err, "2017"), "%s", err);
    free(err);
    static const int years[] = {2007, 2015, 2017};
    const char *inputs[] = {s07, s15, s17};
    for (size_t i = 0; i < 3; i++) {
        char dir[64];
        snprintf(dir, sizeof dir, "single-%d", years[i]);
        in_work(dir, single, sizeof single);
        /* 2017 with every output, the other years only the tables */
        if (years[i] == 2017)
            code = BIN(NULL, "run", "--quiet", "--outputs", "csv,xlsx,maps", "--formats", "png",
                       "--dpi", "72", "--out", single, inputs[i]);
        else
            code = BIN(NULL, "run", "--quiet", "--outputs", "csv", "--out", single, inputs[i]);
        cr_assert_eq(code, 0);
        static const char *tables[] = {"indicators.csv", "action.csv", "regions.csv"};
        for (size_t k = 0; k < 3; k++) {
            snprintf(a, sizeof a, "%s/%d/%s", out, years[i], tables[k]);
            snprintf(b, sizeof b, "%s/%s", single, tables[k]);
            assert_same_file(a, b);
        }
        if (years[i] == 2017) {
            static const char *more[] = {"mzatlas.xlsx", "maps/abb09-erwerbslosigkeit.png",
                                         "maps/abb10-handlungsbedarf.png"};
            for (size_t k = 0; k < 3; k++) {
                snprintf(a, sizeof a, "%s/%d/%s", out, years[i], more[k]);
                snprintf(b, sizeof b, "%s/%s", single, more[k]);
                assert_same_file(a, b);
            }
        }
        /* the units valid in the year: 03152/03156 until 2015, 03159 in 2017 */
        snprintf(a, sizeof a, "%s/%d/regions.csv", out, years[i]);
        if (years[i] < 2016) {
            cr_assert_gt(count_lines(a, "03152"), 0);
            cr_assert_gt(count_lines(a, "03156"), 0);
            cr_assert_eq(count_lines(a, "03159"), 0);
        } else {
            cr_assert_gt(count_lines(a, "03159"), 0);
            cr_assert_eq(count_lines(a, "03152"), 0);
            cr_assert_eq(count_lines(a, "03156"), 0);
        }
    }
    /* trend.csv: every year, for the Land and for the common Göttingen footprint */
    snprintf(a, sizeof a, "%s/trend.csv", out);
    cr_assert_eq(count_lines(a, "year,indicator,level,region,region_name,year_members,"
                                "year_regions,group,estimate,se,symbol,comparability,"
                                "mh_definition"),
                 1);
    for (size_t i = 0; i < 3; i++) {
        char key[96];
        snprintf(key, sizeof key, "%d,unemployment_rate,land,03,Niedersachsen,,03,gap,",
                 years[i]);
        cr_assert_eq(count_lines(a, key), 1, "%s", key);
        snprintf(key, sizeof key, "%d,migration_share,land,03,", years[i]);
        cr_assert_eq(count_lines(a, key), 1, "%s", key);
    }
    cr_assert_eq(count_lines(a, "2017,migration_share,land,03,Niedersachsen,,03,all,"), 1);
    size_t total = count_lines(a, ",") - 1;
    cr_assert_eq(total % 3, 0, "every series has one row per year");
    cr_assert_eq(count_lines(a, ",wide"), total / 3, "2017 rows carry the wider definition");
    cr_assert_eq(count_lines(a, ",narrow"), 2 * total / 3);
    /* the chart and the workbook */
    size_t len;
    snprintf(a, sizeof a, "%s/maps/%s.png", out, mz_trend_chart_stem());
    char *png = tu_slurp(a, &len);
    cr_assert_not_null(png, "%s missing", a);
    cr_assert(len > 8 && memcmp(png, "\x89PNG", 4) == 0);
    free(png);
    snprintf(a, sizeof a, "%s/trend.xlsx", out);
    char *xl = tu_slurp(a, &len);
    cr_assert_not_null(xl);
    cr_assert(len > 4 && memcmp(xl, "PK", 2) == 0);
    free(xl);
    snprintf(a, sizeof a, "%s/run.json", out);
    cr_assert_eq(count_lines(a, "\"kind\": \"batch\""), 1);
    cr_assert_eq(count_lines(a, "\"mh_definition\": \"narrow\""), 2);
    cr_assert_eq(count_lines(a, "\"mh_definition\": \"wide\""), 1);
}

/* -j 1 and -j 2, inputs in any order: the same bytes. */
Test(batch_e2e, independent_of_jobs_and_order)
{
    char s07[256], s15[256], s17[256], o1[256], o2[256], a[512], b[512];
    synth(2007, s07, sizeof s07);
    synth(2015, s15, sizeof s15);
    synth(2017, s17, sizeof s17);
    in_work("j1", o1, sizeof o1);
    in_work("j2", o2, sizeof o2);
    cr_assert_eq(BIN(NULL, "batch", "--quiet", "-j", "1", "--outputs", "csv,xlsx", "--out", o1,
                     s07, s15, s17),
                 0);
    cr_assert_eq(BIN(NULL, "batch", "--quiet", "--jobs=2", "--outputs", "csv,xlsx", "--out", o2,
                     s17, s15, s07),
                 0);
    static const char *files[] = {"trend.csv",           "trend.xlsx",
                                  "2007/indicators.csv", "2015/regions.csv",
                                  "2017/indicators.csv", "2017/action.csv",
                                  "2015/mzatlas.xlsx",   "2017/mzatlas.xlsx"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(a, sizeof a, "%s/%s", o1, files[i]);
        snprintf(b, sizeof b, "%s/%s", o2, files[i]);
        assert_same_file(a, b);
    }
}

/* The config file gives what the command line gives; rules per period reach their years. */
Test(batch_e2e, config_equals_command_line)
{
    char s07[256], s15[256], s17[256], cli[256], cfgout[256], ini[256], a[512], b[512];
    synth(2007, s07, sizeof s07);
    synth(2015, s15, sizeof s15);
    synth(2017, s17, sizeof s17);
    in_work("cli", cli, sizeof cli);
    cr_assert_eq(BIN(NULL, "batch", "--quiet", "--outputs", "csv", "--rate-rule", "base",
                     "--gap-flag", "8", "--out", cli, s07, s15, s17),
                 0);
    /* relative paths: the config sits in the work directory beside the extracts */
    write_file("batch.ini",
               "; test config\n"
               "[batch]\n"
               "out = cfg\n"
               "jobs = 2\n"
               "quiet = yes\n"
               "[outputs]\n"
               "outputs = csv\n"
               "[rules]\n"
               "rate-rule = base\n"
               "gap-flag = 8\n"
               "[year 2007]\n"
               "input = s2007.csv\n"
               "[year 2017]\n"
               "input = s2017.csv\n"
               "[inputs]\n"
               "input = s2015.csv\n",
               ini, sizeof ini);
    cr_assert_eq(BIN(NULL, "batch", "--config", ini), 0);
    in_work("cfg", cfgout, sizeof cfgout);
    static const char *files[] = {"trend.csv", "2007/indicators.csv", "2015/regions.csv",
                                  "2017/indicators.csv", "2017/action.csv"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(a, sizeof a, "%s/%s", cli, files[i]);
        snprintf(b, sizeof b, "%s/%s", cfgout, files[i]);
        assert_same_file(a, b);
    }
    /* a rule for a period: 2017 on its own count rule, the same as a single run with it;
     * --out on the command line wins over the config */
    write_file("period.ini",
               "[batch]\nout = ignored\n[outputs]\noutputs = csv\n"
               "[rules 2016-]\nmin-count = 8000\n"
               "[year 2007]\ninput = s2007.csv\n[year 2017]\ninput = s2017.csv\n",
               ini, sizeof ini);
    char pout[256], single[256];
    in_work("period", pout, sizeof pout);
    cr_assert_eq(BIN(NULL, "batch", "--quiet", "--config", ini, "--out", pout), 0);
    cr_assert_not(tu_exists(in_work("ignored", a, sizeof a)));
    in_work("single-8000", single, sizeof single);
    cr_assert_eq(BIN(NULL, "run", "--quiet", "--outputs", "csv", "--min-count", "8000", "--out",
                     single, s17),
                 0);
    snprintf(a, sizeof a, "%s/2017/indicators.csv", pout);
    snprintf(b, sizeof b, "%s/indicators.csv", single);
    assert_same_file(a, b);
    snprintf(a, sizeof a, "%s/2007/indicators.csv", pout);
    snprintf(b, sizeof b, "%s/2007/indicators.csv", cli);
    char *x = tu_slurp(a, NULL), *y = tu_slurp(b, NULL);
    cr_assert(x && y);
    cr_assert(strcmp(x, y) != 0, "2007 keeps the default rules (other than the base run)");
    free(x);
    free(y);
    snprintf(a, sizeof a, "%s/run.json", pout);
    cr_assert_eq(count_lines(a, "\"min_count\": 8000"), 2, "2017 and the period");
    cr_assert_eq(count_lines(a, "\"min_count\": 5000"), 1, "2007");
}

/* Failures: nothing is written, the exit code says why. */
Test(batch_e2e, failures_leave_nothing_behind)
{
    char s07[256], s15[256], out[256], ini[256], bad[256];
    synth(2007, s07, sizeof s07);
    synth(2015, s15, sizeof s15);
    in_work("out", out, sizeof out);
    char *err = NULL;
    cr_assert_eq(BIN(&err, "batch", "--year", "2007", "--out", out, s07), 2);
    cr_assert(strstr(err, "--year"), "%s", err);
    free(err);
    cr_assert_eq(BIN(NULL, "batch", "--out", out), 2);
    cr_assert_eq(BIN(NULL, "batch", "-j", "0", "--out", out, s07), 2);
    cr_assert_eq(BIN(NULL, "batch", s07), 2);
    cr_assert_eq(BIN(NULL, "batch", "--out", out, s07, s07), 2);
    /* a file of 2015 declared as 2017 */
    write_file("wrong.ini", "[year 2017]\ninput = s2015.csv\n[year 2007]\ninput = s2007.csv\n",
               ini, sizeof ini);
    cr_assert_eq(BIN(&err, "batch", "--quiet", "--config", ini, "--out", out), 3);
    cr_assert(strstr(err, "2017"), "%s", err);
    free(err);
    cr_assert_not(tu_exists(out));
    /* an extract that is not one */
    write_file("bad.csv", "year,kreis,weight\n2007,03101,abc\n", bad, sizeof bad);
    cr_assert_eq(BIN(NULL, "batch", "--quiet", "--out", out, s07, bad), 3);
    cr_assert_not(tu_exists(out));
    cr_assert_eq(BIN(NULL, "batch", "--quiet", "--out", out, "/nonexistent.csv"), 4);
    cr_assert_not(tu_exists(out));
    /* help */
    cr_assert_eq(BIN(NULL, "batch", "--help"), 0);
}

/* ---------------------------------------------------------------- footprints (library) */

TestSuite(batch_trend, .init = make_work, .fini = drop_work, .timeout = 120);

static mz_batch_t *run_batch(const char *out, bool merge, double min_count)
{
    char s07[256], s17[256];
    synth(2007, s07, sizeof s07);
    synth(2017, s17, sizeof s17);
    mz_batch_options_t bo;
    mz_batch_options_init(&bo);
    bo.run.outputs = MZ_OUT_CSV;
    bo.run.merge = merge;
    bo.run.rules.min_count = min_count;
    bo.run.rules.limited_below = fmax(min_count, bo.run.rules.limited_below);
    bo.jobs = 2;
    mz_error_t err;
    mz_batch_t *b = mz_batch_create(&bo, &err);
    cr_assert_not_null(b, "%s", err.message);
    cr_assert_eq(mz_batch_add_input(b, s17, 0, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(mz_batch_detect_year(b, s07, &err), 2007);
    cr_assert_eq(mz_batch_add_input(b, s07, 0, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(mz_batch_year_count(b), 2);
    cr_assert_eq(mz_batch_year_at(b, 0), 2007);
    cr_assert_eq(mz_batch_execute(b, out, &err), MZ_OK, "%s: %s", err.file, err.message);
    return b;
}

/* Göttingen: 03152 + 03156 in 2007, 03159 in 2017. On the common footprint the 2007 value is
 * computed from both old Kreise and equals the ratio of their published sums. */
Test(batch_trend, goettingen_on_common_footprint)
{
    char out[256];
    mz_batch_t *b = run_batch(in_work("t1", out, sizeof out), false, 5000);
    const mz_trend_t *t = mz_batch_trend(b);
    cr_assert_not_null(t);
    const mz_indicator_t ind = MZ_IND_MIGRATION_SHARE;
    const mz_trend_row_t *r07 = mz_trend_find(t, 2007, ind, MZ_LEVEL_REGION, "03159", MZ_G_ALL);
    const mz_trend_row_t *r17 = mz_trend_find(t, 2017, ind, MZ_LEVEL_REGION, "03159", MZ_G_ALL);
    cr_assert_not_null(r07);
    cr_assert_not_null(r17);
    cr_assert_str_eq(r07->year_members, "03152+03156");
    cr_assert_str_eq(r07->year_regions, "03152 03156");
    cr_assert_eq(r07->cmp, MZ_CMP_COMBINED);
    cr_assert_eq(r17->cmp, MZ_CMP_SAME);
    cr_assert_str_eq(r17->year_members, "03159");
    cr_assert_eq(r07->mh, MZ_MH_NARROW);
    cr_assert_eq(r17->mh, MZ_MH_WIDE);
    /* the published parts of 2007 */
    mz_results_t *res = mz_run_results(mz_batch_run_at(b, 0));
    const mz_estimate_t *g = mz_results_find(res, ind, MZ_LEVEL_REGION, "03152", MZ_G_ALL);
    const mz_estimate_t *o = mz_results_find(res, ind, MZ_LEVEL_REGION, "03156", MZ_G_ALL);
    cr_assert(g && o);
    cr_assert_not(mz_symbol_withheld(g->p.symbol) || mz_symbol_withheld(o->p.symbol));
    double expect = 100.0 * (g->p.numerator + o->p.numerator) /
                    (g->p.denominator + o->p.denominator);
    cr_assert(fabs(r07->estimate - expect) < 1e-9, "%.12g vs %.12g", r07->estimate, expect);
    cr_assert(isfinite(r07->se) && r07->se > 0, "design-based SE for the footprint");
    /* the 2017 value is the published one */
    const mz_estimate_t *n =
        mz_results_find(mz_run_results(mz_batch_run_at(b, 1)), ind, MZ_LEVEL_REGION, "03159",
                        MZ_G_ALL);
    cr_assert_not_null(n);
    cr_assert_eq(r17->estimate, n->p.estimate);
    cr_assert_eq(r17->se, n->se);
    /* every footprint of every indicator has one row per year and group */
    size_t rows = mz_trend_count(t);
    for (size_t i = 0; i < rows; i++) {
        const mz_trend_row_t *r = mz_trend_row(t, i);
        int other = r->year == 2007 ? 2017 : 2007;
        cr_assert_not_null(mz_trend_find(t, other, r->ind, r->level, r->region, r->group),
                           "%s %s has no %d", mz_indicator_id(r->ind), r->region, other);
        if (mz_symbol_withheld(r->symbol))
            cr_assert(isnan(r->estimate) && isnan(r->se), "withheld values stay empty");
    }
    mz_batch_destroy(b);
}

/* A footprint joined from a published and a withheld part is withheld too: otherwise the
 * withheld part could be recovered by subtracting. */
Test(batch_trend, combined_withheld_when_a_part_is)
{
    char out[256];
    /* no merging and a high count rule: Osterode am Harz alone fails, Göttingen passes */
    mz_batch_t *b = run_batch(in_work("t2", out, sizeof out), false, 20000);
    const mz_trend_t *t = mz_batch_trend(b);
    const mz_indicator_t ind = MZ_IND_MIGRATION_SHARE;
    mz_results_t *res = mz_run_results(mz_batch_run_at(b, 0));
    const mz_estimate_t *g = mz_results_find(res, ind, MZ_LEVEL_REGION, "03152", MZ_G_ALL);
    const mz_estimate_t *o = mz_results_find(res, ind, MZ_LEVEL_REGION, "03156", MZ_G_ALL);
    cr_assert(g && o);
    cr_assert_not(mz_symbol_withheld(g->p.symbol), "precondition: Göttingen published");
    cr_assert(mz_symbol_withheld(o->p.symbol), "precondition: Osterode withheld");
    cr_assert_geq(g->p.numerator + o->p.numerator, 20000, "the sum alone would pass");
    const mz_trend_row_t *r = mz_trend_find(t, 2007, ind, MZ_LEVEL_REGION, "03159", MZ_G_ALL);
    cr_assert_not_null(r);
    cr_assert_eq(r->cmp, MZ_CMP_COMBINED);
    cr_assert(mz_symbol_withheld(r->symbol));
    cr_assert(isnan(r->estimate));
    /* and in trend.csv the value is empty */
    char path[512];
    snprintf(path, sizeof path, "%s/trend.csv", out);
    cr_assert_eq(count_lines(path, "2007,migration_share,region,03159,Göttingen,03152+03156,"
                                   "03152 03156,all,,,/,combined,narrow"),
                 1);
    mz_batch_destroy(b);
}
