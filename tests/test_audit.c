/* test_audit.c — `mzatlas audit` end to end: a real run passes its own audit; planted leaks
 * (a withheld value written back into indicators.csv, into an SVG, into the workbook), a gap
 * beside a withheld rate, and a table without its complementary suppressions are caught. The
 * true values come from the library (a run with the same options), never from the outputs. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "mzatlas/mz_output.h"
#include "mzatlas/mz_run.h"
#include "mzatlas/mz_suppress.h"
#include "testutil.h"

/* ---------------------------------------------------------------- the work directory */

static char work[64];

static void make_work(void) { tu_workdir_make(work, sizeof work, "audit"); }

static void drop_work(void) { tu_workdir_drop(work); }

TestSuite(audit, .init = make_work, .fini = drop_work);

static const char *in_work(const char *rel, char *buf, size_t size)
{
    return tu_path(work, rel, buf, size);
}

static const char *fixture(char *buf, size_t size)
{
    return tu_fixture_path("secrecy/secret-2007.csv", buf, size);
}

static const char *example(char *buf, size_t size)
{
    return tu_data_path("examples/example-2007.csv", buf, size);
}

/* ------------------------------------------------------- the fixture run and its truth */

/* The options of the fixture runs: no merging, no count rule, secrecy below 3 cases. */
#define FIXTURE_OPTS "--no-merge", "--min-count", "0", "--limited-below", "0", "--min-cases", "3"

static void fixture_options(mz_run_options_t *o)
{
    mz_run_options_init(o);
    o->merge = false;
    o->rules.min_count = 0;
    o->rules.limited_below = 0;
    o->rules.min_cases = 3;
}

static mz_run_t *reference(const mz_run_options_t *o, const char *extract)
{
    mz_error_t err;
    mz_run_t *run = mz_run_create(o, &err);
    cr_assert_not_null(run, "%s", err.message);
    cr_assert_eq(mz_run_add_extract(run, extract, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(mz_run_compute(run, &err), MZ_OK, "%s", err.message);
    return run;
}

/* The symbol of a row under the rules alone (before secondary suppression). */
static mz_symbol_t primary_symbol(mz_run_t *run, const mz_estimate_t *e)
{
    const mz_cells_t *cells = mz_run_cells(run);
    mz_cell_t c;
    if (e->region->level == MZ_LEVEL_LAND)
        c = *mz_cells_land(cells);
    else if (e->region->level == MZ_LEVEL_SCHICHT)
        c = *mz_cells_stratum(cells, (size_t)e->region->stratum);
    else
        mz_cells_sum_units(cells, e->region->units, e->region->nunits, &c);
    return mz_point_estimate(&c, e->ind, e->group, mz_results_rules(mz_run_results(run))).symbol;
}

static void fixture_dir(const char *outputs, char *dir, size_t size)
{
    char fx[4096];
    in_work("out", dir, size);
    tu_result_t r = TU_RUN("run", FIXTURE_OPTS, "--outputs", outputs, "--out", dir,
                     fixture(fx, sizeof fx));
    cr_assert_eq(r.code, 0, "%s", r.err);
    tu_result_free(&r);
}

/* ------------------------------------------------------- editing indicators.csv */

enum { C_YEAR, C_IND, C_LEVEL, C_REGION, C_NAME, C_MEMBERS, C_GROUP, C_EST, C_SE, C_LO, C_HI,
       C_NUM, C_DEN, C_N, C_SYMBOL, NCOL };

/* Split one CSV line (no line break inside) into fields, unquoting. */
static size_t split_csv(const char *line, char fields[NCOL][512])
{
    size_t n = 0, o = 0;
    bool q = false;
    for (const char *p = line; n < NCOL; p++) {
        if (q) {
            if (*p == '"' && p[1] == '"') {
                fields[n][o++] = '"';
                p++;
            } else if (*p == '"') {
                q = false;
            } else if (*p) {
                fields[n][o++] = *p;
            } else {
                break;
            }
        } else if (*p == '"') {
            q = true;
        } else if (*p == ',' || *p == '\0') {
            fields[n][o] = '\0';
            n++;
            o = 0;
            if (!*p)
                break;
        } else {
            fields[n][o++] = *p;
        }
        cr_assert(o < 511);
    }
    return n;
}

static void join_csv(char fields[NCOL][512], char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < NCOL; i++) {
        bool quote = strpbrk(fields[i], ",\"") != NULL;
        if (i)
            out[o++] = ',';
        if (quote)
            out[o++] = '"';
        for (const char *p = fields[i]; *p; p++) {
            if (*p == '"')
                out[o++] = '"';
            out[o++] = *p;
        }
        if (quote)
            out[o++] = '"';
        cr_assert(o + 2 < size);
    }
    out[o] = '\0';
}

typedef bool (*row_edit_t)(char fields[NCOL][512], void *ctx);

/* Rewrite indicators.csv of dir, applying edit to every data row; returns rows changed. */
static size_t edit_indicators(const char *dir, row_edit_t edit, void *ctx)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/indicators.csv", dir);
    char *text = tu_slurp(path, NULL);
    cr_assert_not_null(text);
    size_t cap = strlen(text) * 2 + 65536, o = 0, changed = 0;
    char *out = malloc(cap);
    cr_assert_not_null(out);
    bool header = true;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char fields[NCOL][512], buf[8192];
        const char *put = line;
        if (!header) {
            cr_assert_eq(split_csv(line, fields), NCOL, "%s", line);
            if (edit(fields, ctx)) {
                join_csv(fields, buf, sizeof buf);
                put = buf;
                changed++;
            }
        }
        header = false;
        o += (size_t)snprintf(out + o, cap - o, "%s\n", put);
        cr_assert(o < cap);
    }
    tu_write_file(path, out);
    free(out);
    free(text);
    return changed;
}

static void fmt(double x, char *buf, size_t size) { mz_format_number(x, buf, size); }

/* Fill the value fields of a row from the truth. */
static void fill_values(char fields[NCOL][512], const mz_estimate_t *e)
{
    fmt(e->p.estimate, fields[C_EST], 512);
    fmt(e->se, fields[C_SE], 512);
    fmt(e->ci_low, fields[C_LO], 512);
    fmt(e->ci_high, fields[C_HI], 512);
    fmt(e->p.numerator, fields[C_NUM], 512);
    fmt(e->p.denominator, fields[C_DEN], 512);
    if (e->p.n >= 0)
        snprintf(fields[C_N], 512, "%lld", (long long)e->p.n);
    else
        fields[C_N][0] = '\0';
}

static bool same_row(char fields[NCOL][512], const mz_estimate_t *e)
{
    return strcmp(fields[C_IND], mz_indicator_id(e->ind)) == 0 &&
           strcmp(fields[C_LEVEL], mz_level_id(e->region->level)) == 0 &&
           strcmp(fields[C_REGION], e->region->code) == 0 &&
           strcmp(fields[C_GROUP], mz_group_id(e->group)) == 0;
}

/* ------------------------------------------------------------------------ the tests */

Test(audit, real_run_with_min_cases_20_passes_its_own_audit)
{
    char ex[4096], dir[1024];
    example(ex, sizeof ex);
    in_work("real", dir, sizeof dir);
    tu_result_t r = TU_RUN("run", "--min-cases", "20", "--out", dir, ex);
    cr_assert_eq(r.code, 0, "%s", r.err);
    tu_result_free(&r);
    /* several cells are secret, and complements were needed */
    mz_run_options_t o;
    mz_run_options_init(&o);
    o.rules.min_cases = 20;
    mz_run_t *ref = reference(&o, ex);
    const mz_suppress_info_t *si = mz_run_suppress_info(ref);
    cr_assert_geq(si->primary, 3, "primary %zu", si->primary);
    cr_assert_gt(si->secondary, 0);
    cr_assert_eq(si->unprotected, 0);
    char path[4096];
    snprintf(path, sizeof path, "%s/indicators.csv", dir);
    char *csv = tu_slurp(path, NULL);
    size_t dots = 0;
    for (const char *p = strstr(csv, ",.\n"); p; p = strstr(p + 1, ",.\n"))
        dots++;
    free(csv);
    cr_assert_geq(dots, si->primary + si->secondary);
    mz_run_destroy(ref);

    r = TU_RUN("audit", dir);
    cr_assert_eq(r.code, 0, "exit %d\n%s%s", r.code, r.out, r.err);
    cr_assert(strstr(r.out, "keine Befunde"), "%s", r.out);
    cr_assert(strstr(r.out, "Personenmodell"), "%s", r.out);
    tu_result_free(&r);
    r = TU_RUN("audit", "--lang", "en", dir);
    cr_assert_eq(r.code, 0);
    cr_assert(strstr(r.out, "no findings"), "%s", r.out);
    tu_result_free(&r);
}

struct plant {
    const mz_estimate_t *e;
    bool publish;   /* also clear the symbol */
};

static bool plant_numerator(char fields[NCOL][512], void *ctx)
{
    struct plant *p = ctx;
    if (!same_row(fields, p->e))
        return false;
    cr_assert_str_eq(fields[C_SYMBOL], ".");
    cr_assert_str_eq(fields[C_NUM], "", "the run itself must not show it");
    if (p->publish) {
        fill_values(fields, p->e);
        fields[C_SYMBOL][0] = '\0';
    } else {
        fmt(p->e->p.numerator, fields[C_NUM], 512);
    }
    return true;
}

Test(audit, planted_withheld_value_in_indicators_csv_is_caught)
{
    char dir[1024], fx[4096];
    fixture_dir("csv", dir, sizeof dir);
    tu_result_t r = TU_RUN("audit", dir);
    cr_assert_eq(r.code, 0, "clean before planting:\n%s", r.out);
    tu_result_free(&r);

    mz_run_options_t o;
    fixture_options(&o);
    mz_run_t *ref = reference(&o, fixture(fx, sizeof fx));
    const mz_estimate_t *e = mz_results_find(mz_run_results(ref), MZ_IND_UNEMPLOYMENT_RATE,
                                             MZ_LEVEL_REGION, "03101", MZ_G_WITH);
    cr_assert_not_null(e);
    cr_assert_eq(primary_symbol(ref, e), MZ_SYM_SECRET);
    struct plant p = {e, false};
    cr_assert_eq(edit_indicators(dir, plant_numerator, &p), 1);
    r = TU_RUN("audit", dir);
    cr_assert_eq(r.code, 5, "exit %d\n%s%s", r.code, r.out, r.err);
    cr_assert(strstr(r.out, "[published] indicators.csv"), "%s", r.out);
    cr_assert(strstr(r.out, "[leak] indicators.csv"), "%s", r.out);
    cr_assert(strstr(r.out, "[recomputable] indicators.csv: unemployment_rate/region/03101/with"),
              "%s", r.out);
    /* the report names the cell, never the value */
    char v[64];
    fmt(e->p.numerator, v, sizeof v);
    cr_assert_null(strstr(r.out, v), "the audit printed the withheld value %s", v);
    tu_result_free(&r);
    mz_run_destroy(ref);
}

Test(audit, secret_row_written_back_as_published_is_caught)
{
    char dir[1024], fx[4096];
    fixture_dir("csv", dir, sizeof dir);
    mz_run_options_t o;
    fixture_options(&o);
    mz_run_t *ref = reference(&o, fixture(fx, sizeof fx));
    const mz_estimate_t *e = mz_results_find(mz_run_results(ref), MZ_IND_SELF_EMPLOYMENT_SHARE,
                                             MZ_LEVEL_REGION, "03153", MZ_G_WITH);
    cr_assert_not_null(e);
    struct plant p = {e, true};
    cr_assert_eq(edit_indicators(dir, plant_numerator, &p), 1);
    tu_result_t r = TU_RUN("audit", "--lang", "en", dir);
    cr_assert_eq(r.code, 5, "%s", r.out);
    cr_assert(strstr(r.out, "[published] indicators.csv"), "%s", r.out);
    cr_assert(strstr(r.out, "self_employment_share/region/03153/with: must be withheld"), "%s",
              r.out);
    cr_assert(strstr(r.out, "[recomputable]"), "%s", r.out);
    tu_result_free(&r);
    mz_run_destroy(ref);
}

struct restore {
    mz_run_t *ref;
    size_t n;
};

/* Publish again every row the secondary suppression withheld (the rules alone publish it). */
static bool restore_complements(char fields[NCOL][512], void *ctx)
{
    struct restore *rs = ctx;
    if (strcmp(fields[C_SYMBOL], ".") != 0)
        return false;
    mz_results_t *res = mz_run_results(rs->ref);
    for (size_t i = 0; i < mz_results_count(res); i++) {
        const mz_estimate_t *e = mz_results_at(res, i);
        if (!same_row(fields, e))
            continue;
        mz_symbol_t s = primary_symbol(rs->ref, e);
        if (mz_symbol_withheld(s))
            return false;
        fill_values(fields, e);
        snprintf(fields[C_SYMBOL], 512, "%s", mz_symbol_str(s));
        rs->n++;
        return true;
    }
    cr_assert_fail("row %s/%s/%s not in the reference", fields[C_IND], fields[C_REGION],
                   fields[C_GROUP]);
    return false;
}

Test(audit, table_without_complementary_suppressions_fails)
{
    char dir[1024], fx[4096];
    fixture_dir("csv", dir, sizeof dir);
    mz_run_options_t o;
    fixture_options(&o);
    struct restore rs = {reference(&o, fixture(fx, sizeof fx)), 0};
    edit_indicators(dir, restore_complements, &rs);
    cr_assert_geq(rs.n, 9, "complements restored: %zu", rs.n);
    tu_result_t r = TU_RUN("audit", dir);
    cr_assert_eq(r.code, 5, "%s", r.out);
    /* only the intervals can complain: every restored row is allowed by the rules */
    cr_assert_null(strstr(r.out, "[published]"), "%s", r.out);
    cr_assert_null(strstr(r.out, "[leak]"), "%s", r.out);
    cr_assert_null(strstr(r.out, "[mismatch]"), "%s", r.out);
    /* with = all - without; agriculture = employed - the other three sectors */
    cr_assert(strstr(r.out, "[recomputable] indicators.csv: unemployment_rate/region/03101/with"),
              "%s", r.out);
    cr_assert(strstr(r.out, "sector_migration_share:agriculture/region/03102/all"), "%s", r.out);
    tu_result_free(&r);
    mz_run_destroy(rs.ref);
}

static bool publish_gap(char fields[NCOL][512], void *ctx)
{
    const mz_estimate_t *e = ctx;
    if (!same_row(fields, e))
        return false;
    fill_values(fields, e);
    fields[C_SYMBOL][0] = '\0';
    return true;
}

Test(audit, gap_beside_a_withheld_rate_is_caught)
{
    /* the gap and the rate without MH give the secret rate with MH */
    char dir[1024], fx[4096];
    fixture_dir("csv", dir, sizeof dir);
    mz_run_options_t o;
    fixture_options(&o);
    mz_run_t *ref = reference(&o, fixture(fx, sizeof fx));
    const mz_estimate_t *gap = mz_results_find(mz_run_results(ref), MZ_IND_UNEMPLOYMENT_RATE,
                                               MZ_LEVEL_REGION, "03101", MZ_G_GAP);
    cr_assert_eq(edit_indicators(dir, publish_gap, (void *)gap), 1);
    tu_result_t r = TU_RUN("audit", dir);
    cr_assert_eq(r.code, 5, "%s", r.out);
    cr_assert(strstr(r.out, "[symbol] indicators.csv"), "%s", r.out);
    cr_assert(strstr(r.out, "unemployment_rate/region/03101/gap"), "%s", r.out);
    tu_result_free(&r);
    mz_run_destroy(ref);
}

/* Insert text before the first "</desc>" of an SVG. */
static void svg_insert(const char *path, const char *text)
{
    char *s = tu_slurp(path, NULL);
    cr_assert_not_null(s, "%s", path);
    char *p = strstr(s, "</desc>");
    cr_assert_not_null(p, "%s has no <desc>", path);
    size_t n = strlen(s) + strlen(text) + 2;
    char *o = malloc(n);
    cr_assert_not_null(o);
    snprintf(o, n, "%.*s%s%s", (int)(p - s), s, text, p);
    tu_write_file(path, o);
    free(o);
    free(s);
}

Test(audit, withheld_values_in_maps_and_workbook_are_caught)
{
    char dir[1024], fx[4096], path[4096];
    fixture_dir("csv,xlsx,maps", dir, sizeof dir);
    tu_result_t r = TU_RUN("audit", dir);
    cr_assert_eq(r.code, 0, "the run's own maps and workbook are clean:\n%s", r.out);
    tu_result_free(&r);

    mz_run_options_t o;
    fixture_options(&o);
    mz_run_t *ref = reference(&o, fixture(fx, sizeof fx));
    mz_results_t *res = mz_run_results(ref);
    const mz_estimate_t *e = mz_results_find(res, MZ_IND_UNEMPLOYMENT_RATE, MZ_LEVEL_REGION,
                                             "03101", MZ_G_WITH);
    /* 1. the unrounded rate as a label of Abb. 9 */
    char v[64], label[128];
    fmt(e->p.estimate, v, sizeof v);
    snprintf(label, sizeof label, "\nBraunschweig %s\n", v);
    snprintf(path, sizeof path, "%s/maps/abb09-erwerbslosigkeit.svg", dir);
    svg_insert(path, label);
    /* 2. a withheld rate rounded as the figures show it (decimal comma), on the figure of its
     *    indicator, where no published value of that indicator rounds the same */
    static const struct {
        mz_indicator_t ind;
        const char *file;
    } figs[] = {{MZ_IND_SELF_EMPLOYMENT_SHARE, "abb08-selbstaendige.svg"},
                {MZ_IND_SECTOR_AGRICULTURE, "abb06-wirtschaftsbereiche.svg"},
                {MZ_IND_SECTOR_PRODUCTION, "abb06-wirtschaftsbereiche.svg"}};
    const char *planted_file = NULL;
    for (size_t k = 0; k < 3 && !planted_file; k++) {
        for (size_t i = 0; i < mz_results_count(res) && !planted_file; i++) {
            const mz_estimate_t *w = mz_results_at(res, i);
            if (w->ind != figs[k].ind || !mz_symbol_withheld(w->p.symbol) ||
                !isfinite(w->p.estimate))
                continue;
            double r1 = mz_round1(w->p.estimate);
            bool clash = fabs(r1 - 10.0) < 1e-9 || fabs(r1 - 50.0) < 1e-9;
            for (size_t j = 0; j < mz_results_count(res) && !clash; j++) {
                const mz_estimate_t *q = mz_results_at(res, j);
                if (q->ind != w->ind || mz_symbol_withheld(q->p.symbol))
                    continue;
                double qs[] = {q->p.estimate, q->se, q->ci_low, q->ci_high};
                for (size_t m = 0; m < 4; m++)
                    clash = clash || (isfinite(qs[m]) && fabs(mz_round1(qs[m]) - r1) < 1e-9);
            }
            if (clash)
                continue;
            char txt[64];
            snprintf(txt, sizeof txt, "\n(%.1f)\n", r1);
            for (char *c = txt; *c; c++)
                if (*c == '.')
                    *c = ',';
            snprintf(path, sizeof path, "%s/maps/%s", dir, figs[k].file);
            svg_insert(path, txt);
            planted_file = figs[k].file;
        }
    }
    cr_assert_not_null(planted_file, "no withheld rate with a rounding of its own");
    /* 3. the unrounded numerator in the workbook, on the unemployment sheet */
    snprintf(path, sizeof path, "%s/mzatlas.xlsx", dir);
    lxw_workbook *wb = workbook_new(path);
    cr_assert_not_null(wb);
    workbook_add_worksheet(wb, "Übersicht");
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Abb. 9 Erwerbslosenquote");
    worksheet_write_string(ws, 0, 0, "Braunschweig", NULL);
    worksheet_write_number(ws, 1, 1, e->p.numerator, NULL);
    cr_assert_eq(workbook_close(wb), LXW_NO_ERROR);

    r = TU_RUN("audit", dir);
    cr_assert_eq(r.code, 5, "%s", r.out);
    cr_assert(strstr(r.out, "[leak] maps/abb09-erwerbslosigkeit.svg"), "%s", r.out);
    char expect[256];
    snprintf(expect, sizeof expect, "[leak] maps/%s", planted_file);
    cr_assert(strstr(r.out, expect), "%s\n%s", expect, r.out);
    cr_assert(strstr(r.out, "[leak] mzatlas.xlsx, Blatt 'Abb. 9 Erwerbslosenquote', Zelle B2: "
                            "unemployment_rate/region/03101/with"),
              "%s", r.out);
    cr_assert_null(strstr(r.out, "[published]"), "indicators.csv is untouched:\n%s", r.out);
    tu_result_free(&r);
    mz_run_destroy(ref);
}

Test(audit, usage_and_input_errors)
{
    char dir[1024], other[4096], fx[4096];
    tu_result_t r = TU_RUN("audit");
    cr_assert_eq(r.code, 2);
    tu_result_free(&r);
    r = TU_RUN("audit", "a", "b");
    cr_assert_eq(r.code, 2);
    tu_result_free(&r);
    r = TU_RUN("audit", "--protection", "-1", "x");
    cr_assert_eq(r.code, 2);
    tu_result_free(&r);
    r = TU_RUN("audit", in_work("missing", dir, sizeof dir));
    cr_assert_eq(r.code, 4, "%s", r.err);
    tu_result_free(&r);
    r = TU_RUN("audit", "--help");
    cr_assert_eq(r.code, 0);
    cr_assert(strstr(r.out, "5 Befunde"), "%s", r.out);
    tu_result_free(&r);
    r = TU_RUN("audit", "--lang", "en", "--help");
    cr_assert(strstr(r.out, "5 findings"), "%s", r.out);
    tu_result_free(&r);
    r = TU_RUN("--help");
    cr_assert(strstr(r.out, "audit"), "%s", r.out);
    tu_result_free(&r);
    /* an extract that is not the one the outputs were made from */
    fixture_dir("csv", dir, sizeof dir);
    tu_fixture_path("core/small-2007.csv", other, sizeof other);
    r = TU_RUN("audit", "--extract", other, dir);
    cr_assert_eq(r.code, 3, "%s", r.err);
    cr_assert(strstr(r.err, "run.json"), "%s", r.err);
    tu_result_free(&r);
    /* the right one, given explicitly */
    r = TU_RUN("audit", "--extract", fixture(fx, sizeof fx), dir);
    cr_assert_eq(r.code, 0, "%s%s", r.out, r.err);
    tu_result_free(&r);
}
