/* test_variance.c — standard errors against R's survey package (tests/reference/), interval
 * formulas, lonely-PSU policies, the Kish approximation, coverage by simulation and the CLI. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mzatlas/mz_cells.h"
#include "mzatlas/mz_results.h"
#include "mzatlas/mz_run.h"
#include "mzatlas/mz_variance.h"
#include "testutil.h"

#define REL_TOL 1e-9

/* ---- reading the committed reference tables ---- */

#define MAXF 20

typedef struct ref_table {
    char *buf;
    char *head[MAXF];
    size_t nhead;
    char *(*rows)[MAXF];
    size_t nrows;
} ref_table_t;

static size_t split(char *line, char **f)
{
    size_t n = 0;
    for (char *p = line; n < MAXF;) {
        f[n++] = p;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = '\0';
        p = c + 1;
    }
    return n;
}

static void ref_load(ref_table_t *t, const char *rel)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/../reference/%s", tu_env("MZ_FIXTURES"), rel);
    memset(t, 0, sizeof *t);
    t->buf = tu_slurp(path, NULL);
    cr_assert(t->buf, "cannot open %s", path);
    size_t lines = 0;
    for (char *p = t->buf; *p; p++)
        lines += *p == '\n';
    t->rows = calloc(lines + 1, sizeof *t->rows);
    char *save = NULL;
    char *line = strtok_r(t->buf, "\r\n", &save);
    cr_assert(line);
    t->nhead = split(line, t->head);
    while ((line = strtok_r(NULL, "\r\n", &save)) != NULL) {
        size_t n = split(line, t->rows[t->nrows]);
        cr_assert_eq(n, t->nhead, "%s: row %zu has %zu fields", rel, t->nrows + 2, n);
        t->nrows++;
    }
}

static void ref_free(ref_table_t *t)
{
    free(t->buf);
    free(t->rows);
}

static int col(const ref_table_t *t, const char *name)
{
    for (size_t i = 0; i < t->nhead; i++)
        if (strcmp(t->head[i], name) == 0)
            return (int)i;
    cr_assert_fail("column %s missing", name);
    return -1;
}

static double num(const char *s) { return strcmp(s, "NA") == 0 ? NAN : strtod(s, NULL); }

static mz_group_t group_parse(const char *s)
{
    static const char *const ids[] = {"with", "without", "all", "gap"};
    for (int g = 0; g < 4; g++)
        if (strcmp(s, ids[g]) == 0)
            return (mz_group_t)g;
    cr_assert_fail("bad group %s", s);
    return MZ_G_ALL;
}

static mz_level_t level_parse(const char *s)
{
    if (strcmp(s, "land") == 0)
        return MZ_LEVEL_LAND;
    if (strcmp(s, "schicht") == 0)
        return MZ_LEVEL_SCHICHT;
    return MZ_LEVEL_REGION;
}

/* relative difference; near zero the absolute one */
static double reldiff(double got, double want)
{
    double d = fabs(got - want);
    return fabs(want) > 1e-6 ? d / fabs(want) : d;
}

/* ---- running fixtures ---- */

static void fixture_path(const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/variance/%s", tu_env("MZ_FIXTURES"), name);
}

static mz_run_t *run_fixture(const char *name, const mz_variance_options_t *vo, mz_status_t *st,
                             mz_error_t *err)
{
    mz_run_options_t o;
    mz_run_options_init(&o);
    o.merge = false;
    if (vo)
        o.variance = *vo;
    char path[4096];
    fixture_path(name, path, sizeof path);
    mz_error_clear(err);
    mz_run_t *run = mz_run_create(&o, err);
    cr_assert(run, "mz_run_create: %s", err->message);
    cr_assert_eq(mz_run_add_extract(run, path, err), MZ_OK, "%s: %s", name, err->message);
    *st = mz_run_compute(run, err);
    return run;
}

typedef struct cmp_stats {
    size_t compared, nan_rows;
    double max_est, max_se, max_ci;
} cmp_stats_t;

/* Compare estimates, SEs and normal CIs of every reference row of fixture/lonely. */
static cmp_stats_t compare_reference(const char *fixture, const char *lonely,
                                     mz_lonely_psu_t policy)
{
    ref_table_t t;
    ref_load(&t, "variance-reference.csv");
    mz_variance_options_t vo;
    mz_variance_options_init(&vo);
    vo.lonely_psu = policy;
    mz_error_t err;
    mz_status_t st;
    mz_run_t *run = run_fixture(fixture, &vo, &st, &err);
    cr_assert_eq(st, MZ_OK, "%s", err.message);
    cr_assert_eq(mz_run_variance_info(run)->method, MZ_VAR_DESIGN);
    mz_results_t *res = mz_run_results(run);
    const int cf = col(&t, "fixture"), cl = col(&t, "lonely_psu"), ci = col(&t, "indicator"),
              cv = col(&t, "level"), cr = col(&t, "region"), cg = col(&t, "group"),
              ce = col(&t, "estimate"), cs = col(&t, "se"), cnl = col(&t, "ci_normal_low"),
              cnh = col(&t, "ci_normal_high");
    cmp_stats_t s = {0};
    for (size_t i = 0; i < t.nrows; i++) {
        char **r = t.rows[i];
        if (strcmp(r[cf], fixture) != 0 || strcmp(r[cl], lonely) != 0)
            continue;
        int ind = mz_indicator_parse(r[ci]);
        cr_assert(ind >= 0, "indicator %s", r[ci]);
        const mz_estimate_t *e = mz_results_find(res, (mz_indicator_t)ind, level_parse(r[cv]),
                                                 r[cr], group_parse(r[cg]));
        double want_e = num(r[ce]), want_se = num(r[cs]);
        if (!isfinite(want_e)) {
            cr_expect(!e || !isfinite(e->p.estimate), "%s %s %s %s: R has no estimate, got %g",
                      r[ci], r[cv], r[cr], r[cg], e ? e->p.estimate : 0.0);
            cr_expect(!e || !isfinite(e->se));
            s.nan_rows++;
            continue;
        }
        cr_assert(e, "row missing: %s %s %s %s", r[ci], r[cv], r[cr], r[cg]);
        double de = reldiff(e->p.estimate, want_e), ds = reldiff(e->se, want_se);
        cr_expect(de <= REL_TOL, "%s %s %s %s: estimate %.17g, R %.17g", r[ci], r[cv], r[cr],
                  r[cg], e->p.estimate, want_e);
        cr_expect(ds <= REL_TOL, "%s %s %s %s: se %.17g, R %.17g", r[ci], r[cv], r[cr], r[cg],
                  e->se, want_se);
        cr_expect(!e->se_approx);
        double dl = reldiff(e->ci_low, num(r[cnl])), dh = reldiff(e->ci_high, num(r[cnh]));
        cr_expect(dl <= REL_TOL && dh <= REL_TOL, "%s %s %s %s: CI %.17g..%.17g, R %s..%s",
                  r[ci], r[cv], r[cr], r[cg], e->ci_low, e->ci_high, r[cnl], r[cnh]);
        s.max_est = fmax(s.max_est, de);
        s.max_se = fmax(s.max_se, ds);
        s.max_ci = fmax(s.max_ci, fmax(dl, dh));
        s.compared++;
    }
    cr_log_info("%s lonely=%s: %zu rows, max rel diff estimate %.3g se %.3g ci %.3g; %zu empty",
                fixture, lonely, s.compared, s.max_est, s.max_se, s.max_ci, s.nan_rows);
    mz_run_destroy(run);
    ref_free(&t);
    return s;
}

Test(reference, design_a_adjust)
{
    cmp_stats_t s = compare_reference("design-a.csv", "adjust", MZ_LONELY_ADJUST);
    cr_assert_geq(s.compared, 150, "only %zu rows compared", s.compared);
    cr_assert_geq(s.nan_rows, 5, "the fixture's empty domain was not compared");
}

Test(reference, design_a_remove)
{
    cmp_stats_t s = compare_reference("design-a.csv", "remove", MZ_LONELY_REMOVE);
    cr_assert_geq(s.compared, 150);
}

Test(reference, design_b_adjust)
{
    cmp_stats_t s = compare_reference("design-b.csv", "adjust", MZ_LONELY_ADJUST);
    cr_assert_geq(s.compared, 100);
}

Test(reference, design_b_remove)
{
    cmp_stats_t s = compare_reference("design-b.csv", "remove", MZ_LONELY_REMOVE);
    cr_assert_geq(s.compared, 100);
}

/* logit and beta intervals against svyciprop, where R has them (df >= 1, 0 < p < 1) */
static void compare_ci_method(const char *fixture, mz_ci_method_t m, double tol,
                              size_t min_compared)
{
    ref_table_t t;
    ref_load(&t, "variance-reference.csv");
    mz_variance_options_t vo;
    mz_variance_options_init(&vo);
    vo.ci_method = m;
    mz_error_t err;
    mz_status_t st;
    mz_run_t *run = run_fixture(fixture, &vo, &st, &err);
    cr_assert_eq(st, MZ_OK, "%s", err.message);
    mz_results_t *res = mz_run_results(run);
    const char *lo_name = m == MZ_CI_LOGIT ? "ci_logit_low" : "ci_beta_low";
    const char *hi_name = m == MZ_CI_LOGIT ? "ci_logit_high" : "ci_beta_high";
    const int cf = col(&t, "fixture"), cl = col(&t, "lonely_psu"), ci = col(&t, "indicator"),
              cv = col(&t, "level"), cr = col(&t, "region"), cg = col(&t, "group"),
              ce = col(&t, "estimate"), cd = col(&t, "df"), clo = col(&t, lo_name),
              chi = col(&t, hi_name), cnl = col(&t, "ci_normal_low");
    size_t compared = 0, gaps = 0;
    double maxd = 0;
    for (size_t i = 0; i < t.nrows; i++) {
        char **r = t.rows[i];
        if (strcmp(r[cf], fixture) != 0 || strcmp(r[cl], "adjust") != 0)
            continue;
        const mz_estimate_t *e =
            mz_results_find(res, (mz_indicator_t)mz_indicator_parse(r[ci]), level_parse(r[cv]),
                            r[cr], group_parse(r[cg]));
        if (!e || !isfinite(e->p.estimate))
            continue;
        if (e->group == MZ_G_GAP) {
            /* gaps stay normal whatever the method */
            cr_expect(reldiff(e->ci_low, num(r[cnl])) <= REL_TOL);
            gaps++;
            continue;
        }
        double est = num(r[ce]), df = num(r[cd]), lo = num(r[clo]), hi = num(r[chi]);
        if (!(df >= 1) || !(est > 0 && est < 100) || !isfinite(lo) || !isfinite(hi))
            continue;
        double d = fmax(reldiff(e->ci_low, lo), reldiff(e->ci_high, hi));
        cr_expect(d <= tol, "%s %s %s %s %s: %.12g..%.12g, R %.12g..%.12g", lo_name, r[ci],
                  r[cv], r[cr], r[cg], e->ci_low, e->ci_high, lo, hi);
        maxd = fmax(maxd, d);
        compared++;
    }
    cr_log_info("%s %s: %zu intervals, max rel diff %.3g", fixture, mz_ci_method_id(m),
                compared, maxd);
    cr_assert_geq(compared, min_compared, "only %zu intervals compared", compared);
    cr_assert_geq(gaps, 10);
    mz_run_destroy(run);
    ref_free(&t);
}

/* svyciprop(logit) fits a GLM iteratively, so its bounds carry the fit's convergence error.
 * Fixture B's Kreise mostly have 0 design df (R gives no logit/beta interval there). */
Test(reference, logit_intervals_a) { compare_ci_method("design-a.csv", MZ_CI_LOGIT, 1e-6, 60); }
Test(reference, logit_intervals_b) { compare_ci_method("design-b.csv", MZ_CI_LOGIT, 1e-6, 20); }
Test(reference, beta_intervals_a) { compare_ci_method("design-a.csv", MZ_CI_BETA, REL_TOL, 120); }
Test(reference, beta_intervals_b) { compare_ci_method("design-b.csv", MZ_CI_BETA, REL_TOL, 20); }

/* ---- interval formulas ---- */

Test(ci, formulas_match_r_quantiles)
{
    ref_table_t t;
    ref_load(&t, "ci-reference.csv");
    const int ce = col(&t, "estimate"), cs = col(&t, "se"), cn = col(&t, "n"), cd = col(&t, "df"),
              cl = col(&t, "level");
    static const char *const names[3][2] = {{"normal_low", "normal_high"},
                                            {"logit_low", "logit_high"},
                                            {"beta_low", "beta_high"}};
    double maxd[3] = {0, 0, 0};
    for (size_t i = 0; i < t.nrows; i++) {
        char **r = t.rows[i];
        for (int m = 0; m < 3; m++) {
            double lo, hi;
            mz_ci_interval((mz_ci_method_t)m, num(r[cl]), num(r[ce]), num(r[cs]), true,
                           num(r[cn]), num(r[cd]), &lo, &hi);
            double wl = num(r[col(&t, names[m][0])]), wh = num(r[col(&t, names[m][1])]);
            double d = fmax(reldiff(lo, wl), reldiff(hi, wh));
            cr_expect(d <= REL_TOL,
                      "%s p=%s se=%s n=%s df=%s level=%s: %.17g..%.17g, R %.17g..%.17g",
                      names[m][0], r[ce], r[cs], r[cn], r[cd], r[cl], lo, hi, wl, wh);
            maxd[m] = fmax(maxd[m], d);
        }
    }
    cr_log_info("ci formulas: %zu cases, max rel diff normal %.3g logit %.3g beta %.3g", t.nrows,
                maxd[0], maxd[1], maxd[2]);
    cr_assert_geq(t.nrows, 100);
    ref_free(&t);
}

Test(ci, edge_cases)
{
    double lo, hi;
    /* no estimate, no interval */
    mz_ci_interval(MZ_CI_NORMAL, 95, NAN, 1, true, 100, 10, &lo, &hi);
    cr_assert(isnan(lo) && isnan(hi));
    mz_ci_interval(MZ_CI_NORMAL, 95, 10, NAN, true, 100, 10, &lo, &hi);
    cr_assert(isnan(lo) && isnan(hi));
    /* gaps (not proportions) are normal whatever the method */
    mz_ci_interval(MZ_CI_BETA, 95, -12.5, 2, false, 100, 10, &lo, &hi);
    cr_assert_float_eq(lo, -12.5 - 1.959963984540054 * 2, 1e-9);
    cr_assert_float_eq(hi, -12.5 + 1.959963984540054 * 2, 1e-9);
    /* 0 %: Korn–Graubard falls back to Clopper–Pearson with the cases: upper = 1-(α/2)^(1/n) */
    mz_ci_interval(MZ_CI_BETA, 95, 0, 0, true, 50, 0, &lo, &hi);
    cr_assert_eq(lo, 0.0);
    cr_assert_float_eq(hi, 100.0 * (1 - pow(0.025, 1.0 / 50)), 1e-9);
    mz_ci_interval(MZ_CI_LOGIT, 95, 100, 0, true, 50, 0, &lo, &hi);
    cr_assert_float_eq(lo, 100.0 * pow(0.025, 1.0 / 50), 1e-9);
    cr_assert_eq(hi, 100.0);
    /* logit and beta stay inside 0..100 where normal does not */
    mz_ci_interval(MZ_CI_NORMAL, 95, 1, 2, true, 30, 20, &lo, &hi);
    cr_assert_lt(lo, 0);
    mz_ci_interval(MZ_CI_LOGIT, 95, 1, 2, true, 30, 20, &lo, &hi);
    cr_assert(lo > 0 && hi < 100 && lo < 1 && hi > 1);
    mz_ci_interval(MZ_CI_BETA, 95, 1, 2, true, 30, 20, &lo, &hi);
    cr_assert(lo >= 0 && hi < 100 && lo < 1 && hi > 1);
    /* wider at a higher level */
    double lo2, hi2;
    mz_ci_interval(MZ_CI_NORMAL, 99, 40, 3, true, 300, 50, &lo2, &hi2);
    mz_ci_interval(MZ_CI_NORMAL, 90, 40, 3, true, 300, 50, &lo, &hi);
    cr_assert(lo2 < lo && hi2 > hi);
}

/* ---- lonely PSUs ---- */

Test(lonely, fail_refuses_a_design_with_a_single_psu_stratum)
{
    mz_variance_options_t vo;
    mz_variance_options_init(&vo);
    vo.lonely_psu = MZ_LONELY_FAIL;
    mz_error_t err;
    mz_status_t st;
    mz_run_t *run = run_fixture("design-a.csv", &vo, &st, &err);
    cr_assert_eq(st, MZ_ERR_DATA);
    cr_assert(strstr(err.message, "2 "), "message names the count: %s", err.message);
    mz_run_destroy(run);
}

Test(lonely, fail_passes_without_single_psu_strata_and_equals_adjust)
{
    mz_variance_options_t vo;
    mz_variance_options_init(&vo);
    vo.lonely_psu = MZ_LONELY_FAIL;
    mz_error_t err;
    mz_status_t st;
    mz_run_t *f = run_fixture("design-b.csv", &vo, &st, &err);
    cr_assert_eq(st, MZ_OK, "%s", err.message);
    cr_assert_eq(mz_run_variance_info(f)->lonely_strata, 0);
    mz_run_t *a = run_fixture("design-b.csv", NULL, &st, &err);
    cr_assert_eq(st, MZ_OK);
    mz_results_t *rf = mz_run_results(f), *ra = mz_run_results(a);
    cr_assert_eq(mz_results_count(rf), mz_results_count(ra));
    size_t finite = 0;
    for (size_t i = 0; i < mz_results_count(rf); i++) {
        double x = mz_results_at(rf, i)->se, y = mz_results_at(ra, i)->se;
        cr_assert((isnan(x) && isnan(y)) || x == y);
        finite += isfinite(x);
    }
    cr_assert_gt(finite, 100);
    mz_run_destroy(f);
    mz_run_destroy(a);
}

Test(lonely, adjust_adds_the_single_psu_strata_remove_drops_them)
{
    mz_variance_options_t vo;
    mz_variance_options_init(&vo);
    mz_error_t err;
    mz_status_t st;
    mz_run_t *a = run_fixture("design-a.csv", &vo, &st, &err);
    cr_assert_eq(st, MZ_OK);
    cr_assert_eq(mz_run_variance_info(a)->lonely_strata, 2);
    vo.lonely_psu = MZ_LONELY_REMOVE;
    mz_run_t *r = run_fixture("design-a.csv", &vo, &st, &err);
    cr_assert_eq(st, MZ_OK);
    const mz_estimate_t *ea = mz_results_find(mz_run_results(a), MZ_IND_MIGRATION_SHARE,
                                              MZ_LEVEL_LAND, "03", MZ_G_ALL);
    const mz_estimate_t *er = mz_results_find(mz_run_results(r), MZ_IND_MIGRATION_SHARE,
                                              MZ_LEVEL_LAND, "03", MZ_G_ALL);
    cr_assert(ea && er);
    cr_assert_gt(ea->se, er->se, "adjust %g should exceed remove %g", ea->se, er->se);
    /* RA_10 has no single-PSU stratum: both policies agree there */
    ea = mz_results_find(mz_run_results(a), MZ_IND_MIGRATION_SHARE, MZ_LEVEL_SCHICHT, "RA_10",
                         MZ_G_ALL);
    er = mz_results_find(mz_run_results(r), MZ_IND_MIGRATION_SHARE, MZ_LEVEL_SCHICHT, "RA_10",
                         MZ_G_ALL);
    cr_assert(ea && er && isfinite(ea->se));
    cr_assert_float_eq(ea->se, er->se, 1e-12);
    mz_run_destroy(a);
    mz_run_destroy(r);
}

/* ---- the approximation ---- */

Test(kish, matches_the_reference_and_is_flagged)
{
    ref_table_t t;
    ref_load(&t, "variance-reference.csv");
    mz_error_t err;
    mz_status_t st;
    mz_run_t *run = run_fixture("nodesign-b.csv", NULL, &st, &err);
    cr_assert_eq(st, MZ_OK, "%s", err.message);
    const mz_variance_info_t *vi = mz_run_variance_info(run);
    cr_assert_eq(vi->method, MZ_VAR_KISH);
    cr_assert(vi->approximate);
    mz_results_t *res = mz_run_results(run);
    const int cf = col(&t, "fixture"), ci = col(&t, "indicator"), cv = col(&t, "level"),
              cr = col(&t, "region"), cg = col(&t, "group"), ce = col(&t, "estimate"),
              cs = col(&t, "se");
    size_t compared = 0;
    double maxd = 0;
    for (size_t i = 0; i < t.nrows; i++) {
        char **r = t.rows[i];
        if (strcmp(r[cf], "nodesign-b.csv") != 0 || !isfinite(num(r[ce])))
            continue;
        const mz_estimate_t *e =
            mz_results_find(res, (mz_indicator_t)mz_indicator_parse(r[ci]), level_parse(r[cv]),
                            r[cr], group_parse(r[cg]));
        cr_assert(e);
        double d = reldiff(e->se, num(r[cs]));
        cr_expect(d <= REL_TOL, "%s %s %s %s: %.17g, R %s", r[ci], r[cv], r[cr], r[cg], e->se,
                  r[cs]);
        cr_expect(e->se_approx);
        maxd = fmax(maxd, d);
        compared++;
    }
    cr_log_info("kish: %zu rows, max rel diff %.3g", compared, maxd);
    cr_assert_geq(compared, 100);
    mz_run_destroy(run);
    ref_free(&t);
}

Test(kish, deff_scales_the_variance)
{
    mz_variance_options_t vo;
    mz_variance_options_init(&vo);
    mz_error_t err;
    mz_status_t st;
    mz_run_t *a = run_fixture("nodesign-b.csv", &vo, &st, &err);
    vo.deff = 2.5;
    mz_run_t *b = run_fixture("nodesign-b.csv", &vo, &st, &err);
    cr_assert_eq(st, MZ_OK);
    size_t n = 0;
    for (size_t i = 0; i < mz_results_count(mz_run_results(a)); i++) {
        const mz_estimate_t *x = mz_results_at(mz_run_results(a), i);
        const mz_estimate_t *y = mz_results_at(mz_run_results(b), i);
        if (!isfinite(x->se) || x->se == 0)
            continue;
        cr_assert_float_eq(y->se / x->se, sqrt(2.5), 1e-12);
        n++;
    }
    cr_assert_gt(n, 50);
    mz_run_destroy(a);
    mz_run_destroy(b);
}

Test(kish, design_records_ignore_deff)
{
    mz_variance_options_t vo;
    mz_variance_options_init(&vo);
    vo.deff = 4;
    mz_error_t err;
    mz_status_t st;
    mz_run_t *a = run_fixture("design-b.csv", &vo, &st, &err);
    mz_run_t *b = run_fixture("design-b.csv", NULL, &st, &err);
    const mz_estimate_t *x = mz_results_find(mz_run_results(a), MZ_IND_UNEMPLOYMENT_RATE,
                                             MZ_LEVEL_LAND, "03", MZ_G_GAP);
    const mz_estimate_t *y = mz_results_find(mz_run_results(b), MZ_IND_UNEMPLOYMENT_RATE,
                                             MZ_LEVEL_LAND, "03", MZ_G_GAP);
    cr_assert(x && y && isfinite(x->se));
    cr_assert_eq(x->se, y->se);
    mz_run_destroy(a);
    mz_run_destroy(b);
}

Test(kish, tabulated_cells_get_no_standard_error)
{
    mz_error_t err;
    mz_run_options_t o;
    mz_run_options_init(&o);
    mz_run_t *run = mz_run_create(&o, &err);
    cr_assert(run);
    const mz_cells_t *cells = mz_run_cells(run);
    /* a cell added as a table, not as records: nothing to base an SE on */
    mz_cell_t c;
    mz_cell_init(&c);
    for (int g = 0; g < MZ_NGRP; g++)
        for (int m = 0; m < MZ_NMEAS; m++) {
            c.w[g][m] = 50000.0 / (m + 1);
            c.n[g][m] = -1;
        }
    c.have = MZ_HAVE_ALL;
    mz_cells_add_cell((mz_cells_t *)cells, 0, -1, &c);
    mz_rules_t rules;
    mz_rules_init(&rules);
    mz_results_t *res = mz_results_build(cells, NULL, &rules, &err);
    cr_assert(res);
    mz_kish_t *k = mz_kish_create(mz_run_gazetteer(run), o.band, &err);
    mz_variance_options_t vo;
    mz_variance_options_init(&vo);
    mz_variance_info_t vi;
    cr_assert_eq(mz_variance_compute(res, k, &vo, &vi, &err), MZ_OK);
    cr_assert_eq(vi.method, MZ_VAR_NONE);
    cr_assert_eq(vi.rows_with_se, 0);
    for (size_t i = 0; i < mz_results_count(res); i++)
        cr_assert(isnan(mz_results_at(res, i)->se));
    mz_kish_destroy(k);
    mz_results_destroy(res);
    mz_run_destroy(run);
}

Test(variance, options_are_checked)
{
    mz_error_t err;
    mz_status_t st;
    mz_run_t *run = run_fixture("design-b.csv", NULL, &st, &err);
    mz_variance_options_t vo;
    mz_variance_options_init(&vo);
    vo.ci_level = 100;
    cr_assert_eq(mz_variance_compute(mz_run_results(run), NULL, &vo, NULL, &err), MZ_ERR_USAGE);
    mz_variance_options_init(&vo);
    vo.deff = 0;
    cr_assert_eq(mz_variance_compute(mz_run_results(run), NULL, &vo, NULL, &err), MZ_ERR_USAGE);
    cr_assert_eq(mz_ci_method_parse("beta"), MZ_CI_BETA);
    cr_assert_eq(mz_ci_method_parse("wald"), -1);
    cr_assert_eq(mz_lonely_psu_parse("remove"), MZ_LONELY_REMOVE);
    cr_assert_eq(mz_lonely_psu_parse("average"), -1);
    cr_assert_str_eq(mz_variance_method_id(MZ_VAR_KISH), "kish_approximation");
    mz_kish_destroy(NULL);
    mz_run_destroy(run);
}

/* ---- coverage by simulation ---- */

static uint64_t rng_state;
static double unif(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0);
}

/* One sample: 30 design strata × 4 PSUs × 30 persons in Braunschweig, all in the labour
 * force; unemployment clustered by PSU (probability varies ±0.09 around 0.10 without MH, around
 * 0.22 with MH). The expected rates are 10 % and 22 %, the gap 12 points. The same records go
 * into a second set of cells without their design (for the approximation). */
typedef struct sample {
    mz_cells_t *cells, *plain;
    mz_kish_t *kish;
    mz_results_t *res, *res_plain;
} sample_t;

static void simulate(const mz_gazetteer_t *gz, sample_t *s)
{
    mz_age_band_t band = {18, 64};
    mz_error_t err;
    s->cells = mz_cells_create(gz, band, &err);
    s->plain = mz_cells_create(gz, band, &err);
    s->kish = mz_kish_create(gz, band, &err);
    cr_assert(s->cells && s->plain && s->kish);
    int unit = mz_gazetteer_find(gz, "03101");
    cr_assert(unit >= 0);
    char psu[32], stratum[32];
    for (int h = 0; h < 30; h++)
        for (int i = 0; i < 4; i++) {
            double d = (unif() - 0.5) * 0.18;
            snprintf(stratum, sizeof stratum, "H%d", h);
            snprintf(psu, sizeof psu, "%d", i);
            for (int k = 0; k < 30; k++) {
                mz_record_t r;
                memset(&r, 0, sizeof r);
                r.year = 2007;
                r.unit = unit;
                r.stratum = mz_gazetteer_unit_stratum(gz, (size_t)unit);
                r.psu = psu;
                r.design_stratum = stratum;
                r.weight = 50 + 100 * unif();
                r.age = 30;
                r.mig = unif() < 0.3 ? 1 : 0;
                double p = (r.mig ? 0.22 : 0.10) + d;
                r.ilo = unif() < p ? MZ_ILO_UNEMPLOYED : MZ_ILO_EMPLOYED;
                r.sector = r.ilo == MZ_ILO_EMPLOYED ? MZ_SECTOR_SERVICES : MZ_SECTOR_NONE;
                cr_assert_eq(mz_cells_add_record(s->cells, &r, &err), MZ_OK);
                r.psu = r.design_stratum = NULL;
                cr_assert_eq(mz_cells_add_record(s->plain, &r, &err), MZ_OK);
                mz_kish_add_record(s->kish, &r);
            }
        }
    mz_rules_t rules;
    mz_rules_init(&rules);
    s->res = mz_results_build(s->cells, NULL, &rules, &err);
    s->res_plain = mz_results_build(s->plain, NULL, &rules, &err);
    cr_assert(s->res && s->res_plain);
}

static void sample_free(sample_t *s)
{
    mz_results_destroy(s->res);
    mz_results_destroy(s->res_plain);
    mz_cells_destroy(s->cells);
    mz_cells_destroy(s->plain);
    mz_kish_destroy(s->kish);
}

static bool covers(const mz_results_t *res, mz_group_t g, double truth)
{
    const mz_estimate_t *e =
        mz_results_find(res, MZ_IND_UNEMPLOYMENT_RATE, MZ_LEVEL_LAND, "03", g);
    cr_assert(e && isfinite(e->ci_low) && isfinite(e->ci_high));
    return e->ci_low <= truth && truth <= e->ci_high;
}

Test(coverage, intervals_hold_their_level, .timeout = 240)
{
    mz_error_t err;
    char path[4096];
    tu_data_path("regions/gazetteer-ni.csv", path, sizeof path);
    mz_gazetteer_t *gz = mz_gazetteer_load(path, &err);
    cr_assert(gz, "%s", err.message);
    rng_state = 20240611;
    enum { REPS = 1000 };
    size_t cover[3] = {0, 0, 0}, cover_gap = 0, cover_naive = 0;
    for (int rep = 0; rep < REPS; rep++) {
        sample_t s;
        simulate(gz, &s);
        for (int m = 0; m < 3; m++) {
            mz_variance_options_t vo;
            mz_variance_options_init(&vo);
            vo.ci_method = (mz_ci_method_t)m;
            cr_assert_eq(mz_variance_compute(s.res, NULL, &vo, NULL, &err), MZ_OK);
            cover[m] += covers(s.res, MZ_G_WITHOUT, 10.0);
            if (m == MZ_CI_NORMAL)
                cover_gap += covers(s.res, MZ_G_GAP, 12.0);
        }
        mz_variance_options_t vo;
        mz_variance_options_init(&vo);
        mz_variance_info_t vi;
        cr_assert_eq(mz_variance_compute(s.res_plain, s.kish, &vo, &vi, &err), MZ_OK);
        cr_assert_eq(vi.method, MZ_VAR_KISH);
        cover_naive += covers(s.res_plain, MZ_G_WITHOUT, 10.0);
        sample_free(&s);
    }
    double c0 = (double)cover[0] / REPS, c1 = (double)cover[1] / REPS,
           c2 = (double)cover[2] / REPS, cg = (double)cover_gap / REPS,
           cn = (double)cover_naive / REPS;
    cr_log_info("coverage of 95%% intervals over %d samples: normal %.3f logit %.3f beta %.3f "
                "gap %.3f; approximation ignoring the clustering %.3f",
                REPS, c0, c1, c2, cg, cn);
    /* 1000 samples: a binomial SD of 0.007 around 0.95 */
    cr_assert(c0 >= 0.925 && c0 <= 0.975, "normal %.3f", c0);
    cr_assert(c1 >= 0.925 && c1 <= 0.975, "logit %.3f", c1);
    cr_assert(c2 >= 0.925 && c2 <= 0.975, "beta %.3f", c2);
    cr_assert(cg >= 0.925 && cg <= 0.975, "gap %.3f", cg);
    /* the design matters: without it the intervals are too narrow for clustered data */
    cr_assert_lt(cn, 0.91, "approximation %.3f", cn);
    mz_gazetteer_destroy(gz);
}

/* ---- the gap flag's certainty (DESIGN.md "Gap flag") ---- */

static mz_estimate_t gap_row(const mz_region_t *r, double est, double lo, double hi)
{
    mz_estimate_t e;
    memset(&e, 0, sizeof e);
    e.ind = MZ_IND_UNEMPLOYMENT_RATE;
    e.group = MZ_G_GAP;
    e.region = r;
    e.p.estimate = est;
    e.p.symbol = MZ_SYM_NONE;
    e.p.known = true;
    e.se = 1;
    e.ci_low = lo;
    e.ci_high = hi;
    return e;
}

Test(certainty, follows_the_confidence_interval)
{
    mz_region_t r;
    memset(&r, 0, sizeof r);
    r.level = MZ_LEVEL_REGION;
    r.code = "03101";
    mz_rules_t rules;
    mz_rules_init(&rules);
    mz_estimate_t e = gap_row(&r, 14.0, 10.0, 18.0);
    cr_assert_eq(mz_estimate_certainty(&e, &rules), MZ_CERT_CERTAIN);
    e = gap_row(&r, 14.0, 9.99, 18.0);
    cr_assert_eq(mz_estimate_certainty(&e, &rules), MZ_CERT_PROBABLE);
    /* 9.95 is published as 10.0: flagged, but the interval reaches below 10 */
    e = gap_row(&r, 9.95, 6.0, 13.9);
    cr_assert_eq(mz_estimate_certainty(&e, &rules), MZ_CERT_PROBABLE);
    /* not flagged (9.9 published), upper bound reaches 10 */
    e = gap_row(&r, 9.94, 6.0, 13.9);
    cr_assert_eq(mz_estimate_certainty(&e, &rules), MZ_CERT_POSSIBLE);
    e = gap_row(&r, 4.0, 1.0, 9.99);
    cr_assert_eq(mz_estimate_certainty(&e, &rules), MZ_CERT_NONE);
    /* no interval, or withheld: no certainty */
    e = gap_row(&r, 14.0, NAN, NAN);
    cr_assert_eq(mz_estimate_certainty(&e, &rules), MZ_CERT_NONE);
    e = gap_row(&r, 14.0, 11.0, 17.0);
    e.p.symbol = MZ_SYM_WITHHELD;
    cr_assert_eq(mz_estimate_certainty(&e, &rules), MZ_CERT_NONE);
    cr_assert_str_eq(mz_certainty_id(MZ_CERT_PROBABLE), "probable");
}

/* ---- the command line ---- */

/* Run `mzatlas run` on a fixture of tests/fixtures/variance into out with the extra options args
 * (blank-separated); returns the exit code. */
static int run_cli(const char *args, const char *fixture, const char *out)
{
    char path[4096], opts[256];
    fixture_path(fixture, path, sizeof path);
    const char *argv[32] = {"run", "--quiet", "--no-merge", "--outputs", "csv", "--out", out};
    size_t n = 7;
    snprintf(opts, sizeof opts, "%s", args);
    n += tu_split_words(opts, argv + n, sizeof argv / sizeof argv[0] - n - 2);
    argv[n++] = path;
    argv[n] = NULL;
    tu_result_t r = tu_run(NULL, argv);
    tu_result_free(&r);
    return r.code;
}

static json_t *load_json(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/run.json", dir);
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    cr_assert(j, "%s: %s", path, je.text);
    return j;
}

static char *tmpdir(void)
{
    static char buf[64];
    tu_workdir_make(buf, sizeof buf, "variance");
    return buf;
}

static void rmtree(const char *dir) { cr_assert_eq(tu_rm_tree(dir), 0); }

Test(cli, options_reach_run_json)
{
    char *base = tmpdir(), out[256];
    snprintf(out, sizeof out, "%s/out", base);
    cr_assert_eq(run_cli("--ci-method beta --ci-level 90 --lonely-psu remove",
                         "design-a.csv", out), 0);
    json_t *j = load_json(out);
    json_t *v = json_object_get(j, "variance");
    cr_assert(v);
    cr_assert_str_eq(json_string_value(json_object_get(v, "method")), "design_taylor");
    cr_assert(json_is_false(json_object_get(v, "approximate")));
    cr_assert_str_eq(json_string_value(json_object_get(v, "ci_method")), "beta");
    cr_assert_float_eq(json_real_value(json_object_get(v, "ci_level")), 90.0, 1e-12);
    cr_assert_str_eq(json_string_value(json_object_get(v, "lonely_psu")), "remove");
    cr_assert_eq(json_integer_value(json_object_get(v, "lonely_strata")), 2);
    cr_assert_eq(json_integer_value(json_object_get(v, "psus")), 26);
    json_decref(j);

    cr_assert_eq(run_cli("--deff 1.8", "nodesign-b.csv", out), 0);
    j = load_json(out);
    v = json_object_get(j, "variance");
    cr_assert_str_eq(json_string_value(json_object_get(v, "method")), "kish_approximation");
    cr_assert(json_is_true(json_object_get(v, "approximate")));
    cr_assert_float_eq(json_real_value(json_object_get(v, "deff")), 1.8, 1e-12);
    json_decref(j);
    rmtree(base);
}

Test(cli, bad_options_and_lonely_fail)
{
    char *base = tmpdir(), out[256];
    snprintf(out, sizeof out, "%s/out", base);
    cr_assert_eq(run_cli("--ci-method wald", "design-b.csv", out), 2);
    cr_assert_eq(run_cli("--lonely-psu average", "design-b.csv", out), 2);
    cr_assert_eq(run_cli("--ci-level 100", "design-b.csv", out), 2);
    cr_assert_eq(run_cli("--ci-level 0", "design-b.csv", out), 2);
    cr_assert_eq(run_cli("--deff 0", "design-b.csv", out), 2);
    cr_assert_eq(run_cli("--lonely-psu fail", "design-a.csv", out), 3);
    cr_assert_eq(access(out, F_OK), -1, "a failed run must not leave outputs");
    cr_assert_eq(run_cli("--lonely-psu fail", "design-b.csv", out), 0);
    rmtree(base);
}

/* every published estimate in indicators.csv carries se and CI */
Test(cli, indicators_csv_has_se_for_published_estimates)
{
    char *base = tmpdir(), out[256], path[300];
    snprintf(out, sizeof out, "%s/out", base);
    cr_assert_eq(run_cli("--min-count 0 --limited-below 0 --min-cases 0",
                         "design-a.csv", out), 0);
    snprintf(path, sizeof path, "%s/indicators.csv", out);
    FILE *f = fopen(path, "r");
    cr_assert(f);
    char line[8192];
    cr_assert(fgets(line, sizeof line, f));
    cr_assert(strstr(line, "estimate,se,ci_low,ci_high"));
    size_t published = 0;
    while (fgets(line, sizeof line, f)) {
        /* fields: ... group(7) estimate(8) se(9) ci_low(10) ci_high(11); names may be quoted
         * and contain commas, so count from the group field found after the members */
        char *fields[32];
        size_t n = 0;
        bool quoted = false;
        fields[n++] = line;
        for (char *p = line; *p && n < 32; p++) {
            if (*p == '"')
                quoted = !quoted;
            else if (*p == ',' && !quoted) {
                *p = '\0';
                fields[n++] = p + 1;
            }
        }
        cr_assert_geq(n, 15);
        if (!*fields[7])
            continue;
        published++;
        cr_expect(*fields[8] && *fields[9] && *fields[10], "row without se/CI: %s %s %s %s",
                  fields[1], fields[2], fields[3], fields[6]);
    }
    fclose(f);
    cr_assert_gt(published, 150);
    rmtree(base);
}
