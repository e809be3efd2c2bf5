/* test_demo.c — `mzatlas demo`: the synthetic 2007 sample through the whole pipeline reproduces
 * every finding of the 2010 report (mz_reproduce.h); the findings are read from the results
 * (the same sample evaluated without region merging does not reproduce the merged regions);
 * reproduction.csv; the command line. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mzatlas/mz_reproduce.h"
#include "mzatlas/mz_run.h"
#include "mzatlas/mz_synth.h"
#include "testutil.h"

static char work[64];

static void setup(void)
{
    tu_workdir_make(work, sizeof work, "demo");
    mz_set_lang(MZ_LANG_DE);
}

static void teardown(void) { tu_workdir_drop(work); }

TestSuite(demo, .init = setup, .fini = teardown);

static const char *const required[] = {"R2",  "R6",  "R7", "R9",    "R10", "R12", "R14",
                                       "R15", "R18", "R19", "H2", "H5/H6", "S3"};

Test(demo, every_finding_is_reproduced)
{
    char out[256];
    snprintf(out, sizeof out, "%s/demo", work);
    mz_demo_options_t o;
    mz_demo_options_init(&o);
    o.out = out;
    o.outputs = MZ_OUT_CSV; /* the other outputs have tests of their own */
    mz_demo_result_t res;
    mz_error_t err;
    mz_error_clear(&err);
    cr_assert_eq(mz_demo_run(&o, &res, &err), MZ_OK, "%s", err.message);
    cr_assert(res.synthetic);
    cr_assert_eq(res.year, 2007);
    cr_assert_eq(res.records, 79779);
    const mz_reproduction_t *r = res.reproduction;
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        cr_assert_not_null(mz_reproduction_find(r, required[i]), "finding %s missing",
                           required[i]);
    for (size_t i = 0; i < mz_reproduction_count(r); i++) {
        const mz_finding_t *f = mz_reproduction_get(r, i);
        cr_expect(f->ok, "%s not reproduced: expected %s, obtained %s", f->id, f->expected,
                  f->obtained);
    }
    cr_assert_eq(mz_reproduction_ok_count(r), mz_reproduction_count(r));
    cr_assert_gt(res.flagged, 10);

    /* the done-when figures, as they appear in the obtained column */
    cr_assert_str_eq(mz_reproduction_find(r, "R12")->obtained, "74,8 % / 62,1 %");
    cr_assert_str_eq(mz_reproduction_find(r, "R6")->obtained, "17,0 %");
    cr_assert_str_eq(mz_reproduction_find(r, "R9")->obtained, "16,6 %");
    cr_assert_not_null(strstr(mz_reproduction_find(r, "H5/H6")->obtained, "Friesland/Wittmund"));

    /* the output directory: the pipeline's outputs, reproduction.csv and the sample */
    char p[512];
    const char *files[] = {"indicators.csv", "action.csv", "regions.csv", "run.json",
                           "reproduction.csv", "synthetic-2007.csv"};
    struct stat st;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", out, files[i]);
        cr_assert_eq(stat(p, &st), 0, "%s missing", files[i]);
    }
    cr_assert_str_eq(res.sample, p);
    /* nothing left beside the output directory */
    cr_assert_eq(tu_count_entries(work), 1, "only the output directory may be left");

    /* reproduction.csv: header, one row per finding, every ok 1 */
    snprintf(p, sizeof p, "%s/reproduction.csv", out);
    char *csv = tu_slurp(p, NULL);
    cr_assert_not_null(csv);
    cr_assert(strncmp(csv, "finding,statement,expected,obtained,ok\n", 39) == 0);
    size_t rows = 0;
    for (char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char *end = strchr(line + 1, '\n');
        cr_assert_not_null(end);
        cr_assert(end[-1] == '1' && end[-2] == ',', "a row not ok: %.*s", (int)(end - line - 1),
                  line + 1);
        rows++;
    }
    cr_assert_eq(rows, mz_reproduction_count(r));
    cr_assert_not_null(strstr(csv, "H5/H6,"));
    free(csv);

    /* the sample in the output directory is the one evaluated (run.json names its hash) */
    snprintf(p, sizeof p, "%s/run.json", out);
    char *json = tu_slurp(p, NULL);
    cr_assert_not_null(strstr(json, "\"synthetic\": true"));
    /* recorded at its final place, so two demo runs into the same folder describe the same
     * inputs (no temporary names in run.json or the workbook) */
    char want[600];
    snprintf(want, sizeof want, "\"path\": \"%s/synthetic-2007.csv\"", out);
    cr_assert_not_null(strstr(json, want), "run.json: %s", json);
    cr_assert_not_null(strstr(json, "\"reproduction.csv\""));
    free(json);
    mz_demo_result_finish(&res);
}

/* Evaluate the findings on a run of the demo sample with other options. */
static mz_reproduction_t *evaluate(const char *sample, bool merge, mz_rate_rule_t rule)
{
    mz_run_options_t ro;
    mz_run_options_init(&ro);
    ro.merge = merge;
    ro.rules.rate_rule = rule;
    mz_error_t err;
    mz_error_clear(&err);
    mz_run_t *run = mz_run_create(&ro, &err);
    cr_assert_not_null(run, "%s", err.message);
    cr_assert_eq(mz_run_add_extract(run, sample, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(mz_run_compute(run, &err), MZ_OK, "%s", err.message);
    mz_reproduction_t *r = mz_reproduce_2010(run, &err);
    cr_assert_not_null(r, "%s", err.message);
    mz_run_destroy(run);
    return r;
}

Test(demo, findings_come_from_the_results)
{
    char sample[256];
    snprintf(sample, sizeof sample, "%s/sample.csv", work);
    mz_synth_options_t so;
    mz_synth_options_init(&so);
    mz_error_t err;
    cr_assert_eq(mz_synth_write(&so, sample, NULL, &err), MZ_OK, "%s", err.message);

    /* the report's rules: everything reproduced */
    mz_reproduction_t *r = evaluate(sample, true, MZ_RATE_BASE);
    cr_assert_eq(mz_reproduction_ok_count(r), mz_reproduction_count(r));
    mz_reproduction_destroy(r);

    /* without merging, Friesland and Wittmund are two withheld Kreise and the merged planning
     * regions of Abb. 8 do not exist */
    r = evaluate(sample, false, MZ_RATE_BASE);
    cr_assert_not(mz_reproduction_find(r, "H5/H6")->ok);
    cr_assert_not(mz_reproduction_find(r, "R15")->ok);
    cr_assert(mz_reproduction_find(r, "R6")->ok, "Land values do not depend on merging");
    mz_reproduction_destroy(r);

    /* with rate rule both, the numerators count too: the report's planning regions change */
    r = evaluate(sample, true, MZ_RATE_BOTH);
    cr_assert_lt(mz_reproduction_ok_count(r), mz_reproduction_count(r));
    mz_reproduction_destroy(r);
}

Test(demo, english_texts)
{
    char sample[256];
    snprintf(sample, sizeof sample, "%s/sample.csv", work);
    mz_synth_options_t so;
    mz_synth_options_init(&so);
    mz_error_t err;
    cr_assert_eq(mz_synth_write(&so, sample, NULL, &err), MZ_OK, "%s", err.message);
    mz_set_lang(MZ_LANG_EN);
    mz_reproduction_t *r = evaluate(sample, true, MZ_RATE_BASE);
    cr_assert_str_eq(mz_reproduction_find(r, "R12")->obtained, "74.8% / 62.1%");
    cr_assert_not_null(strstr(mz_reproduction_find(r, "R12")->statement, "Employment rate"));
    mz_reproduction_destroy(r);
    mz_set_lang(MZ_LANG_DE);
}

/* The command: exit 0, the table printed, --lang en. */
Test(demo, command_prints_the_table)
{
    char out[256];
    snprintf(out, sizeof out, "%s/cli", work);
    tu_result_t r = TU_RUN("demo", "--out", out, "--outputs", "csv", "--lang", "en");
    char *s = r.out;
    cr_assert_eq(r.code, 0, "demo failed:\n%s", s);
    cr_assert_not_null(strstr(s, "SYNTHETIC"));
    const char *sum = strstr(s, " findings reproduced");
    cr_assert_not_null(sum, "%s", s);
    while (sum > s && sum[-1] != '\n')
        sum--;
    unsigned ok = 0, all = 1;
    cr_assert_eq(sscanf(sum, "%u of %u", &ok, &all), 2, "%s", sum);
    cr_assert(ok == all && all >= 13, "%u of %u", ok, all);
    cr_assert_not_null(strstr(s, "H5/H6"));
    cr_assert_not_null(strstr(s, "74.8% / 62.1%"));
    tu_result_free(&r);

    r = TU_RUN("demo", "--help");
    cr_assert_eq(r.code, 0);
    tu_result_free(&r);
    r = TU_RUN("demo", "--outputs", "nonsense");
    cr_assert_eq(r.code, 2);
    tu_result_free(&r);
    r = TU_RUN("synth", "--persons", "5");
    cr_assert_eq(r.code, 2);
    tu_result_free(&r);
}
