/* test_suppress.c — the protection table on classic small tables, and the secondary suppression
 * of a run checked against the relations by hand (no LP in the checks of the run). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mzatlas/mz_run.h"
#include "mzatlas/mz_suppress.h"
#include "testutil.h"

/* ------------------------------------------------------------ a two-way table with margins */

/* An R × C table of unknowns x[r][c] >= 0 with row totals, column totals and the grand total.
 * Units: the R*C inner cells (index r*C+c), then R row totals, C column totals, the grand
 * total. Every unit is one cell; its cost is its value. */
typedef struct tab {
    mz_ptable_t *t;
    size_t R, C;
    double v[8][8];
} tab_t;

static size_t inner(const tab_t *tb, size_t r, size_t c) { return r * tb->C + c; }
static size_t rowtot(const tab_t *tb, size_t r) { return tb->R * tb->C + r; }
static size_t coltot(const tab_t *tb, size_t c) { return tb->R * tb->C + tb->R + c; }

static void tab_init(tab_t *tb, size_t R, size_t C, const double *values)
{
    mz_error_t err;
    memset(tb, 0, sizeof *tb);
    tb->R = R;
    tb->C = C;
    size_t nv = R * C;
    tb->t = mz_ptable_create(1, &nv, NULL, &err);
    cr_assert_not_null(tb->t);
    size_t vars[64];
    double ones[64];
    for (size_t i = 0; i < 64; i++)
        ones[i] = 1.0;
    double grand = 0;
    for (size_t r = 0; r < R; r++)
        for (size_t c = 0; c < C; c++) {
            tb->v[r][c] = values[r * C + c];
            grand += tb->v[r][c];
        }
    for (size_t r = 0; r < R; r++)
        for (size_t c = 0; c < C; c++) {
            long u = mz_ptable_add_unit(tb->t, tb->v[r][c], true, &err);
            cr_assert_eq(u, (long)inner(tb, r, c));
            vars[0] = inner(tb, r, c);
            cr_assert_eq(mz_ptable_add_cell(tb->t, (size_t)u, 0, 1, vars, ones, tb->v[r][c], &err),
                         MZ_OK);
        }
    for (size_t r = 0; r < R; r++) {
        double s = 0;
        for (size_t c = 0; c < C; c++) {
            vars[c] = inner(tb, r, c);
            s += tb->v[r][c];
        }
        long u = mz_ptable_add_unit(tb->t, s, true, &err);
        cr_assert_eq(mz_ptable_add_cell(tb->t, (size_t)u, 0, C, vars, ones, s, &err), MZ_OK);
    }
    for (size_t c = 0; c < C; c++) {
        double s = 0;
        for (size_t r = 0; r < R; r++) {
            vars[r] = inner(tb, r, c);
            s += tb->v[r][c];
        }
        long u = mz_ptable_add_unit(tb->t, s, true, &err);
        cr_assert_eq(mz_ptable_add_cell(tb->t, (size_t)u, 0, R, vars, ones, s, &err), MZ_OK);
    }
    for (size_t i = 0; i < R * C; i++)
        vars[i] = i;
    long u = mz_ptable_add_unit(tb->t, grand, true, &err);
    cr_assert_eq(mz_ptable_add_cell(tb->t, (size_t)u, 0, R * C, vars, ones, grand, &err), MZ_OK);
}

/* Make inner cell (r,c) secret: withheld, and a target with protection ±prot. */
static long tab_secret(tab_t *tb, size_t r, size_t c, double prot)
{
    mz_error_t err;
    size_t var = inner(tb, r, c);
    double one = 1.0;
    cr_assert_eq(mz_ptable_suppress(tb->t, var, &err), MZ_OK);
    long id = mz_ptable_add_target(tb->t, 0, 1, &var, &one, tb->v[r][c], prot, prot, &err);
    cr_assert_geq(id, 0);
    return id;
}

static void interval(tab_t *tb, long target, double *lo, double *hi)
{
    mz_error_t err;
    cr_assert_eq(mz_ptable_interval(tb->t, (size_t)target, lo, hi, &err), MZ_OK, "%s",
                 err.message);
}

/* Interval of inner cell (r,c) as a new target (protection 0). */
static void cell_interval(tab_t *tb, size_t r, size_t c, double *lo, double *hi)
{
    mz_error_t err;
    size_t var = inner(tb, r, c);
    double one = 1.0;
    long id = mz_ptable_add_target(tb->t, 0, 1, &var, &one, tb->v[r][c], 0, 0, &err);
    cr_assert_geq(id, 0);
    interval(tb, id, lo, hi);
}

Test(ptable, single_suppression_in_a_row_is_recomputable)
{
    static const double v[] = {20, 5, 7, 9, 10, 11, 4, 30, 8};
    tab_t tb;
    tab_init(&tb, 3, 3, v);
    long s = tab_secret(&tb, 0, 0, 5);
    double lo, hi;
    interval(&tb, s, &lo, &hi);
    /* 20 = row total 32 - 5 - 7 */
    cr_assert_float_eq(lo, 20, 1e-6);
    cr_assert_float_eq(hi, 20, 1e-6);
    cr_assert_eq(mz_ptable_judge(tb.t, (size_t)s, lo, hi), MZ_PROT_EXACT);
    mz_ptable_destroy(tb.t);
}

Test(ptable, cheapest_cycle_protects_a_cell)
{
    /* secret (0,0) = 20 with protection ±3: the greedy forward pass takes cheap bounding cells,
     * the backward pass gives back what a cheaper rectangle makes unnecessary */
    static const double v[] = {20, 5, 7, 9, 10, 11, 4, 30, 8};
    tab_t tb;
    tab_init(&tb, 3, 3, v);
    long s = tab_secret(&tb, 0, 0, 3);
    mz_ptable_stats_t st;
    mz_error_t err;
    cr_assert_eq(mz_ptable_protect(tb.t, &st, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(st.targets, 1);
    cr_assert_eq(st.unprotected, 0);
    double lo, hi;
    interval(&tb, s, &lo, &hi);
    cr_assert_leq(lo, 17 + 1e-6);
    cr_assert_geq(hi, 23 - 1e-6);
    cr_assert_eq(mz_ptable_judge(tb.t, (size_t)s, lo, hi), MZ_PROT_OK);
    /* a single cycle suffices: three complements, one in the secret's row and column each;
     * margins stay published */
    cr_assert_eq(st.complements, 3, "complements: %zu", st.complements);
    size_t in_row = 0, in_col = 0;
    for (size_t c = 1; c < 3; c++)
        in_row += !mz_ptable_unit_published(tb.t, inner(&tb, 0, c));
    for (size_t r = 1; r < 3; r++)
        in_col += !mz_ptable_unit_published(tb.t, inner(&tb, r, 0));
    cr_assert_eq(in_row, 1);
    cr_assert_eq(in_col, 1);
    /* of the four rectangles through (0,0) that allow ±3, the cheapest: (0,2)=7, (2,0)=4,
     * (2,2)=8 (cost 19; the others cost 24, 27 and 39) */
    cr_assert(!mz_ptable_unit_published(tb.t, inner(&tb, 0, 2)));
    cr_assert(!mz_ptable_unit_published(tb.t, inner(&tb, 2, 0)));
    cr_assert(!mz_ptable_unit_published(tb.t, inner(&tb, 2, 2)));
    for (size_t r = 0; r < 3; r++)
        cr_assert(mz_ptable_unit_published(tb.t, rowtot(&tb, r)));
    for (size_t c = 0; c < 3; c++)
        cr_assert(mz_ptable_unit_published(tb.t, coltot(&tb, c)));
    mz_ptable_destroy(tb.t);
}

/* The classic trap: every row and every column of the 4 × 4 table has two suppressed cells, yet
 * (0,0) is recoverable. Suppressed: (0,0) (0,1) (1,0) (1,1) — a 2 × 2 block — and (2,2) (2,3)
 * (3,2) (3,3). Row 0 gives x00 + x01 = 20, column 1 x01 + x11 = 0 (both zero), so x01 = 0 and
 * x00 = 20 exactly: non-negativity closes the cycle. */
Test(ptable, four_by_four_two_per_row_and_column_still_recoverable)
{
    static const double v[] = {20, 0, 6, 9,
                               7, 0, 5, 8,
                               3, 4, 12, 2,
                               6, 5, 1, 14};
    tab_t tb;
    tab_init(&tb, 4, 4, v);
    mz_error_t err;
    long s = tab_secret(&tb, 0, 0, 10);
    static const size_t pattern[][2] = {{0, 1}, {1, 0}, {1, 1}, {2, 2}, {2, 3}, {3, 2}, {3, 3}};
    for (size_t i = 0; i < 7; i++)
        cr_assert_eq(mz_ptable_suppress(tb.t, inner(&tb, pattern[i][0], pattern[i][1]), &err),
                     MZ_OK);
    /* two suppressions in every row and column */
    for (size_t r = 0; r < 4; r++) {
        size_t k = 0;
        for (size_t c = 0; c < 4; c++)
            k += !mz_ptable_unit_published(tb.t, inner(&tb, r, c));
        cr_assert_eq(k, 2);
    }
    for (size_t c = 0; c < 4; c++) {
        size_t k = 0;
        for (size_t r = 0; r < 4; r++)
            k += !mz_ptable_unit_published(tb.t, inner(&tb, r, c));
        cr_assert_eq(k, 2);
    }
    double lo, hi;
    interval(&tb, s, &lo, &hi);
    cr_assert_float_eq(lo, 20, 1e-6);
    cr_assert_float_eq(hi, 20, 1e-6);
    cr_assert_eq(mz_ptable_judge(tb.t, (size_t)s, lo, hi), MZ_PROT_EXACT);
    /* the other block is a proper cycle: (2,2) = 12 moves within
     * [12 - min(12,14), 12 + min(2,1)] */
    cell_interval(&tb, 2, 2, &lo, &hi);
    cr_assert_float_eq(lo, 0, 1e-6);
    cr_assert_float_eq(hi, 13, 1e-6);
    /* protection adds complements until (0,0) moves by ±10 */
    mz_ptable_stats_t st;
    cr_assert_eq(mz_ptable_protect(tb.t, &st, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(st.unprotected, 0);
    cr_assert_gt(st.complements, 0);
    interval(&tb, s, &lo, &hi);
    cr_assert_leq(lo, 10 + 1e-6);
    cr_assert_geq(hi, 30 - 1e-6);
    mz_ptable_destroy(tb.t);
}

Test(ptable, one_dimensional_total_prefers_small_cells)
{
    /* total = a + b + c + d with a secret: the cheapest single complement that gives enough
     * room. ±5 around 3 needs a + x >= 8: c (8) will do; ±10 needs a + x >= 13: c is too small,
     * d (20) is the cheapest that suffices, and c is given back once d is withheld */
    static const double v[] = {3, 50, 8, 20};
    double prots[] = {5, 10};
    size_t expect_n[] = {1, 1};
    size_t expect_unit[] = {2, 3};
    for (int k = 0; k < 2; k++) {
        mz_error_t err;
        size_t nv = 4;
        mz_ptable_t *t = mz_ptable_create(1, &nv, NULL, &err);
        cr_assert_not_null(t);
        size_t vars[4] = {0, 1, 2, 3};
        double ones[4] = {1, 1, 1, 1};
        for (size_t i = 0; i < 4; i++) {
            long u = mz_ptable_add_unit(t, v[i], true, &err);
            cr_assert_eq(mz_ptable_add_cell(t, (size_t)u, 0, 1, &vars[i], ones, v[i], &err), MZ_OK);
        }
        long tot = mz_ptable_add_unit(t, 81, true, &err);
        cr_assert_eq(mz_ptable_add_cell(t, (size_t)tot, 0, 4, vars, ones, 81, &err), MZ_OK);
        cr_assert_eq(mz_ptable_suppress(t, 0, &err), MZ_OK);
        long s = mz_ptable_add_target(t, 0, 1, vars, ones, 3, prots[k], prots[k], &err);
        mz_ptable_stats_t st;
        cr_assert_eq(mz_ptable_protect(t, &st, &err), MZ_OK);
        cr_assert_eq(st.complements, expect_n[k], "protection %g: %zu complements", prots[k],
                     st.complements);
        for (size_t u = 1; u < 4; u++)
            cr_assert_eq(mz_ptable_unit_published(t, u), u != expect_unit[k],
                         "protection %g: unit %zu", prots[k], u);
        cr_assert(mz_ptable_unit_complement(t, expect_unit[k]));
        cr_assert(!mz_ptable_unit_complement(t, 0), "the secret itself is no complement");
        cr_assert(mz_ptable_unit_published(t, (size_t)tot));
        double lo, hi;
        cr_assert_eq(mz_ptable_interval(t, (size_t)s, &lo, &hi, &err), MZ_OK);
        cr_assert_float_eq(lo, 0, 1e-6);
        cr_assert_geq(hi, 3 + prots[k] - 1e-6);
        mz_ptable_destroy(t);
    }
}

Test(ptable, links_withhold_followers)
{
    mz_error_t err;
    size_t nv = 2;
    mz_ptable_t *t = mz_ptable_create(1, &nv, NULL, &err);
    size_t vars[2] = {0, 1};
    double ones[2] = {1, 1};
    long a = mz_ptable_add_unit(t, 1, true, &err);
    long b = mz_ptable_add_unit(t, 1, true, &err);
    long c = mz_ptable_add_unit(t, 1, true, &err);
    cr_assert_eq(mz_ptable_add_cell(t, (size_t)a, 0, 1, vars, ones, 4, &err), MZ_OK);
    cr_assert_eq(mz_ptable_add_cell(t, (size_t)b, 0, 1, vars + 1, ones, 6, &err), MZ_OK);
    cr_assert_eq(mz_ptable_add_cell(t, (size_t)c, 0, 2, vars, ones, 10, &err), MZ_OK);
    cr_assert_eq(mz_ptable_link(t, (size_t)a, (size_t)b, &err), MZ_OK);
    cr_assert_eq(mz_ptable_link(t, (size_t)b, (size_t)c, &err), MZ_OK);
    cr_assert_eq(mz_ptable_suppress(t, (size_t)a, &err), MZ_OK);
    cr_assert(!mz_ptable_unit_published(t, (size_t)a));
    cr_assert(!mz_ptable_unit_published(t, (size_t)b));
    cr_assert(!mz_ptable_unit_published(t, (size_t)c));
    mz_ptable_destroy(t);
    mz_ptable_destroy(NULL);
}

Test(ptable, contradictory_cells_are_reported)
{
    mz_error_t err;
    size_t nv = 2;
    mz_ptable_t *t = mz_ptable_create(1, &nv, NULL, &err);
    size_t vars[2] = {0, 1};
    double ones[2] = {1, 1};
    long a = mz_ptable_add_unit(t, 1, true, &err);
    long b = mz_ptable_add_unit(t, 1, true, &err);
    cr_assert_eq(mz_ptable_add_cell(t, (size_t)a, 0, 1, vars, ones, 12, &err), MZ_OK);
    cr_assert_eq(mz_ptable_add_cell(t, (size_t)b, 0, 2, vars, ones, 10, &err), MZ_OK);
    bool ok = true;
    cr_assert_eq(mz_ptable_feasible(t, &ok, &err), MZ_OK);
    cr_assert(!ok, "x0 = 12 and x0 + x1 = 10 cannot both hold with x1 >= 0");
    long s = mz_ptable_add_target(t, 0, 1, vars + 1, ones, 0, 1, 1, &err);
    double lo, hi;
    cr_assert_eq(mz_ptable_interval(t, (size_t)s, &lo, &hi, &err), MZ_ERR_DATA);
    mz_ptable_destroy(t);
}

Test(ptable, whole_number_systems_round_inwards)
{
    /* x0 + x1 = 3, x0 + 2 x1 = 4.5 has the real solution x1 = 1.5; counts are whole numbers,
     * the interval of x1 in a counting system is rounded inwards */
    mz_error_t err;
    size_t nv = 2;
    bool integral = true;
    mz_ptable_t *t = mz_ptable_create(1, &nv, &integral, &err);
    size_t vars[2] = {0, 1};
    double ones[2] = {1, 1};
    long a = mz_ptable_add_unit(t, 1, true, &err);
    cr_assert_eq(mz_ptable_add_cell(t, (size_t)a, 0, 2, vars, ones, 3, &err), MZ_OK);
    long s = mz_ptable_add_target(t, 0, 1, vars + 1, ones, 1, 1, 1, &err);
    double lo, hi;
    cr_assert_eq(mz_ptable_interval(t, (size_t)s, &lo, &hi, &err), MZ_OK);
    cr_assert_float_eq(lo, 0, 1e-9);
    cr_assert_float_eq(hi, 3, 1e-9);
    cr_assert_eq(mz_ptable_judge(t, (size_t)s, lo, hi), MZ_PROT_OK);
    cr_assert_eq(mz_ptable_judge(t, (size_t)s, 1, 1), MZ_PROT_EXACT);
    cr_assert_eq(mz_ptable_judge(t, (size_t)s, 0, 1), MZ_PROT_NARROW);
    mz_ptable_destroy(t);
}

/* ------------------------------------------------- the secondary suppression of a run */

/* tests/fixtures/secrecy/secret-2007.csv (see make-secret.py there): no merging, no count
 * rule (min-count 0), secrecy below 3 cases, so only the case rule withholds anything. */
static const char *fixture_path(char *buf, size_t size)
{
    return tu_fixture_path("secrecy/secret-2007.csv", buf, size);
}

static mz_run_t *fixture_run(double protection)
{
    char path[4096];
    fixture_path(path, sizeof path);
    mz_run_options_t o;
    mz_run_options_init(&o);
    o.merge = false;
    o.rules.min_count = 0;
    o.rules.limited_below = 0;
    o.rules.min_cases = 3;
    o.protection = protection;
    mz_error_t err;
    mz_run_t *run = mz_run_create(&o, &err);
    cr_assert_not_null(run, "%s", err.message);
    cr_assert_eq(mz_run_add_extract(run, path, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(mz_run_compute(run, &err), MZ_OK, "%s", err.message);
    return run;
}

static const mz_estimate_t *row(mz_run_t *run, mz_indicator_t ind, mz_level_t level,
                                const char *code, mz_group_t g)
{
    const mz_estimate_t *e = mz_results_find(mz_run_results(run), ind, level, code, g);
    cr_assert_not_null(e, "row %s/%s/%s missing", mz_indicator_id(ind), code, mz_group_id(g));
    return e;
}

static bool pub(const mz_estimate_t *e) { return !mz_symbol_withheld(e->p.symbol); }

static const char *const ra01[] = {"03101", "03102", "03103", "03151"};
static const char *const ra02[] = {"03152", "03153"};

/* The simple ways back to a secret rate of group `with` in region code (stratum members
 * given) must all be blocked in the published table: all - without, and stratum - the other
 * regions, each of those again by all - without. */
static void assert_blocked(mz_run_t *run, mz_indicator_t ind, const char *code,
                           const char *stratum, const char *const *members, size_t nmembers)
{
    cr_assert(!pub(row(run, ind, MZ_LEVEL_REGION, code, MZ_G_WITH)));
    cr_assert(!pub(row(run, ind, MZ_LEVEL_REGION, code, MZ_G_GAP)), "gap follows its rates");
    cr_assert(!(pub(row(run, ind, MZ_LEVEL_REGION, code, MZ_G_ALL)) &&
                pub(row(run, ind, MZ_LEVEL_REGION, code, MZ_G_WITHOUT))),
              "%s %s: with = all - without", mz_indicator_id(ind), code);
    if (!pub(row(run, ind, MZ_LEVEL_SCHICHT, stratum, MZ_G_WITH)))
        return;
    size_t hidden = 0;
    for (size_t i = 0; i < nmembers; i++) {
        if (strcmp(members[i], code) == 0)
            continue;
        if (!pub(row(run, ind, MZ_LEVEL_REGION, members[i], MZ_G_WITH))) {
            hidden++;
            cr_assert(!(pub(row(run, ind, MZ_LEVEL_REGION, members[i], MZ_G_ALL)) &&
                        pub(row(run, ind, MZ_LEVEL_REGION, members[i], MZ_G_WITHOUT))),
                      "complement %s recomputable, and with it the secret", members[i]);
        }
    }
    cr_assert_gt(hidden, 0, "%s %s: with = stratum - other regions", mz_indicator_id(ind), code);
}

Test(suppress, fixture_secret_cells_get_complements)
{
    mz_run_t *run = fixture_run(MZ_PROTECTION_DEFAULT);
    const mz_suppress_info_t *si = mz_run_suppress_info(run);
    /* unemployment with MH in 03101, self-employment with MH in 03153, agriculture in 03102 */
    cr_assert_eq(si->primary, 3);
    cr_assert_eq(si->unprotected, 0);
    cr_assert(!si->relaxed, "records always fit the person model");
    cr_assert_eq(row(run, MZ_IND_UNEMPLOYMENT_RATE, MZ_LEVEL_REGION, "03101", MZ_G_WITH)->p.symbol,
                 MZ_SYM_SECRET);
    cr_assert_eq(row(run, MZ_IND_SELF_EMPLOYMENT_SHARE, MZ_LEVEL_REGION, "03153", MZ_G_WITH)
                     ->p.symbol,
                 MZ_SYM_SECRET);
    assert_blocked(run, MZ_IND_UNEMPLOYMENT_RATE, "03101", "RA_01", ra01, 4);
    assert_blocked(run, MZ_IND_SELF_EMPLOYMENT_SHARE, "03153", "RA_02", ra02, 2);
    /* every table here is a rectangle (regions × with/without) with margins: a secret needs at
     * least three complements, and three suffice (one 2 × 2 cycle) */
    cr_assert_eq(si->secondary, 3 * si->primary, "secondary %zu", si->secondary);
    /* complements are secret too, never "/": every withheld row here is "." */
    mz_results_t *res = mz_run_results(run);
    size_t dots = 0;
    for (size_t i = 0; i < mz_results_count(res); i++) {
        const mz_estimate_t *e = mz_results_at(res, i);
        cr_assert_neq(e->p.symbol, MZ_SYM_WITHHELD, "%s %s %s", mz_indicator_id(e->ind),
                      e->region->code, mz_group_id(e->group));
        dots += e->p.symbol == MZ_SYM_SECRET;
    }
    cr_assert_eq(dots, si->primary + si->secondary + si->gaps + 2 /* primary gaps */);
    mz_run_destroy(run);
}

Test(suppress, fixture_identity_between_indicators_is_blocked)
{
    /* agriculture with MH in 03102 rests on 2 cases. The employed with MH (denominator of the
     * self-employment share) are the sum of the four sectors, so agriculture = employed -
     * production - trade - services: withholding agriculture rows alone cannot protect it */
    mz_run_t *run = fixture_run(MZ_PROTECTION_DEFAULT);
    cr_assert_eq(row(run, MZ_IND_SECTOR_AGRICULTURE, MZ_LEVEL_REGION, "03102", MZ_G_ALL)->p.symbol,
                 MZ_SYM_SECRET);
    bool all_published =
        pub(row(run, MZ_IND_SELF_EMPLOYMENT_SHARE, MZ_LEVEL_REGION, "03102", MZ_G_WITH)) &&
        pub(row(run, MZ_IND_SECTOR_PRODUCTION, MZ_LEVEL_REGION, "03102", MZ_G_ALL)) &&
        pub(row(run, MZ_IND_SECTOR_TRADE, MZ_LEVEL_REGION, "03102", MZ_G_ALL)) &&
        pub(row(run, MZ_IND_SECTOR_SERVICES, MZ_LEVEL_REGION, "03102", MZ_G_ALL));
    cr_assert(!all_published, "employed - three sectors gives the secret");
    /* and the stratum: another region of RA_01 withheld in agriculture */
    size_t hidden = 0;
    for (size_t i = 0; i < 4; i++)
        if (strcmp(ra01[i], "03102") != 0)
            hidden += !pub(row(run, MZ_IND_SECTOR_AGRICULTURE, MZ_LEVEL_REGION, ra01[i], MZ_G_ALL));
    cr_assert_gt(hidden, 0);
    mz_run_destroy(run);
}

Test(suppress, larger_protection_needs_larger_complements)
{
    /* ±50 % of a few hundred persons is met by any neighbouring cell; ±30 times the value is
     * more than a single small cell offers, so more or larger rows are withheld */
    mz_run_t *small = fixture_run(0.5);
    mz_run_t *large = fixture_run(30.0);
    const mz_suppress_info_t *a = mz_run_suppress_info(small), *b = mz_run_suppress_info(large);
    cr_assert_eq(b->unprotected, 0);
    double cost_a = 0, cost_b = 0;
    mz_results_t *ra = mz_run_results(small), *rb = mz_run_results(large);
    for (size_t i = 0; i < mz_results_count(ra); i++) {
        const mz_estimate_t *e = mz_results_at(ra, i), *f = mz_results_at(rb, i);
        if (e->group != MZ_G_GAP && e->p.symbol == MZ_SYM_SECRET)
            cost_a += e->p.denominator;
        if (f->group != MZ_G_GAP && f->p.symbol == MZ_SYM_SECRET)
            cost_b += f->p.denominator;
    }
    cr_assert_gt(cost_b, cost_a, "withheld persons: %g vs %g (rows %zu vs %zu)", cost_b, cost_a,
                 b->secondary, a->secondary);
    mz_run_destroy(small);
    mz_run_destroy(large);
}

Test(suppress, no_secret_no_change)
{
    /* with min-cases 1 nothing is secret: not a single row changes */
    char path[4096];
    fixture_path(path, sizeof path);
    mz_run_options_t o;
    mz_run_options_init(&o);
    o.merge = false;
    o.rules.min_cases = 1;
    mz_error_t err;
    mz_run_t *run = mz_run_create(&o, &err);
    cr_assert_eq(mz_run_add_extract(run, path, &err), MZ_OK);
    cr_assert_eq(mz_run_compute(run, &err), MZ_OK);
    const mz_suppress_info_t *si = mz_run_suppress_info(run);
    cr_assert_eq(si->primary, 0);
    cr_assert_eq(si->secondary, 0);
    cr_assert_eq(si->solves, 0);
    mz_results_t *res = mz_run_results(run);
    for (size_t i = 0; i < mz_results_count(res); i++)
        cr_assert_neq(mz_results_at(res, i)->p.symbol, MZ_SYM_SECRET);
    mz_run_destroy(run);
}

Test(suppress, bad_protection_is_a_usage_error)
{
    mz_run_t *run = fixture_run(0.5);
    mz_error_t err;
    cr_assert_eq(mz_suppress_apply(mz_run_results(run), -1.0, NULL, &err), MZ_ERR_USAGE);
    cr_assert_eq(mz_suppress_apply(mz_run_results(run), NAN, NULL, &err), MZ_ERR_USAGE);
    mz_run_destroy(run);
}
