/* test_cells.c — aggregation into cells and every indicator at every level, against values
 * worked out by hand for tests/fixtures/core/small-2007.csv; the age band option; the rules
 * (count boundaries under rate rules both and base, secrecy) and mz_cell_passes.
 *
 * The fixture (weight, age, mig, ilo, selfemp, sector; "w/o" = without MH, "w/" = with MH):
 *
 *   line kreis   weight age mig ilo se sec
 *    2   03101    4000  30   0   1   0  2   w/o employed, production
 *    3   03101    3000  45   0   1   1  4   w/o employed, self-employed, services
 *    4   03101    2000  50   0   2   0  0   w/o unemployed
 *    5   03101    1000  70   0   1   1  1   w/o employed (outside 18-64), self-employed, agric.
 *    6   03101    2500  10   0   3   0  0   w/o child
 *    7   03101    3000  25   1   1   0  3   w/  employed, trade
 *    8   03101    1500  40   2   2   0  0   w/  unemployed
 *    9   03101    2000  17   2   1   0  2   w/  employed (outside 18-64, inside 15-64), prod.
 *   10   03101    1000  64   1   3   0  0   w/  inactive (last age inside 18-64)
 *   11   03101     500  65   1   2   0  0   w/  unemployed (first age outside 18-64)
 *   12   03102    6000  35   0   1   0  4   w/o employed, services
 *   13   03102    2000  18   0   2   0  0   w/o unemployed (first age inside 18-64)
 *   14   03102    4000  55   1   1   1  3   w/  employed, self-employed, trade
 *   15   03102    1000  20   2   2   0  0   w/  unemployed
 *   16   03153    5000  30   0   1   0  2   w/o employed, production
 *   17   03153    5000  40   0   1   0  2   w/o employed, production
 *   18   03153    2000  80   0   3   0  0   w/o inactive
 *   19   RA_02    3000  33   1   1   0  1   w/  employed, agriculture (stratum only)
 *   20   RA_02    1000  44   2   2   0  0   w/  unemployed (stratum only)
 *
 * Cell sums (weighted / cases), band 18-64. POP population, PB population in the band, EB and UB
 * employed and unemployed in the band, EMP employed (all ages), SELF self-employed, AGR PROD TRADE
 * SERV employed by sector:
 *
 *   03101 w/o: POP 4000+3000+2000+1000+2500 = 12500/5   PB 4000+3000+2000 = 9000/3
 *              EB 4000+3000 = 7000/2   UB 2000/1   EMP 4000+3000+1000 = 8000/3
 *              SELF 3000+1000 = 4000/2   AGR 1000/1  PROD 4000/1  TRADE 0  SERV 3000/1
 *   03101 w/:  POP 3000+1500+2000+1000+500 = 8000/5     PB 3000+1500+1000 = 5500/3
 *              EB 3000/1   UB 1500/1   EMP 3000+2000 = 5000/2   SELF 0
 *              AGR 0  PROD 2000/1  TRADE 3000/1  SERV 0
 *   03102 w/o: POP 8000/2  PB 8000/2  EB 6000/1  UB 2000/1  EMP 6000/1  SELF 0  SERV 6000/1
 *   03102 w/:  POP 5000/2  PB 5000/2  EB 4000/1  UB 1000/1  EMP 4000/1  SELF 4000/1  TRADE 4000/1
 *   03153 w/o: POP 12000/3  PB 10000/2  EB 10000/2  UB 0  EMP 10000/2  SELF 0  PROD 10000/2
 *   03153 w/:  nothing
 *   RA_02 stratum only w/: POP 4000/2  PB 4000/2  EB 3000/1  UB 1000/1  EMP 3000/1  AGR 3000/1
 *
 *   RA_01 = 03101 + 03102, RA_02 = 03153 + stratum-only records, Land = RA_01 + RA_02:
 *   RA_01 w/o: POP 20500/7  PB 17000/5  EB 13000/3  UB 4000/2  EMP 14000/4  SELF 4000/2
 *              AGR 1000/1  PROD 4000/1  SERV 9000/2
 *   RA_01 w/:  POP 13000/7  PB 10500/5  EB 7000/2  UB 2500/2  EMP 9000/3  SELF 4000/1
 *              PROD 2000/1  TRADE 7000/2
 *   Land  w/o: POP 32500/10  PB 27000/7  EB 23000/5  UB 4000/2  EMP 24000/6  SELF 4000/2
 *              AGR 1000/1  PROD 14000/3  TRADE 0  SERV 9000/2
 *   Land  w/:  POP 17000/9   PB 14500/7  EB 10000/3  UB 3500/3  EMP 12000/4  SELF 4000/1
 *              AGR 3000/1  PROD 2000/1  TRADE 7000/2  SERV 0
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mzatlas/mz_cells.h"
#include "mzatlas/mz_extract.h"
#include "mzatlas/mz_indicators.h"
#include "mzatlas/mz_results.h"
#include "testutil.h"

#define TOL 1e-9

static mz_gazetteer_t *gz;

static void setup(void)
{
    char path[4096];
    tu_data_path("regions/gazetteer-ni.csv", path, sizeof path);
    mz_error_t err;
    gz = mz_gazetteer_load(path, &err);
    cr_assert_not_null(gz, "%s", err.message);
    mz_set_lang(MZ_LANG_DE);
}

static void teardown(void)
{
    mz_gazetteer_destroy(gz);
    gz = NULL;
}

TestSuite(cells, .init = setup, .fini = teardown);
TestSuite(estimates, .init = setup, .fini = teardown);
TestSuite(rules);
TestSuite(gapflag);

static mz_cells_t *load_fixture(const char *band_spec)
{
    char path[4096];
    tu_fixture_path("core/small-2007.csv", path, sizeof path);
    mz_age_band_t band;
    cr_assert(mz_age_band_parse(band_spec, &band));
    mz_error_t err;
    mz_cells_t *cells = mz_cells_create(gz, band, &err);
    cr_assert_not_null(cells);
    mz_extract_options_t opt = {.year = 2007, .gazetteer = gz};
    mz_extract_reader_t *r = mz_extract_open(path, &opt, &err);
    cr_assert_not_null(r, "%s", err.message);
    mz_record_t rec;
    int rc;
    while ((rc = mz_extract_next(r, &rec, &err)) == 1)
        cr_assert_eq(mz_cells_add_record(cells, &rec, &err), MZ_OK);
    cr_assert_eq(rc, 0, "%s:%ld: %s", err.file, err.line, err.message);
    mz_extract_close(r);
    return cells;
}

static int unit_of(const char *ags)
{
    int u = mz_gazetteer_find(gz, ags);
    cr_assert(u >= 0, "%s", ags);
    return u;
}

static int stratum_of(const char *code)
{
    int s = mz_gazetteer_find_stratum(gz, code);
    cr_assert(s >= 0, "%s", code);
    return s;
}

/* ---------------------------------------------------------------- aggregation */

/* Expected sums of one group of a cell, in measure order: POP PB EB UB EMP SELF AGR PROD TRADE
 * SERV (see the table at the top). */
typedef struct sums {
    double w[MZ_NMEAS];
    int64_t n[MZ_NMEAS];
} sums_t;

typedef struct cell_case {
    const char *where; /* unit AGS, stratum code or "03" */
    sums_t without, with;
} cell_case_t;

static const cell_case_t cell_cases[] = {
    {"03101",
     {{12500, 9000, 7000, 2000, 8000, 4000, 1000, 4000, 0, 3000}, {5, 3, 2, 1, 3, 2, 1, 1, 0, 1}},
     {{8000, 5500, 3000, 1500, 5000, 0, 0, 2000, 3000, 0}, {5, 3, 1, 1, 2, 0, 0, 1, 1, 0}}},
    {"03102",
     {{8000, 8000, 6000, 2000, 6000, 0, 0, 0, 0, 6000}, {2, 2, 1, 1, 1, 0, 0, 0, 0, 1}},
     {{5000, 5000, 4000, 1000, 4000, 4000, 0, 0, 4000, 0}, {2, 2, 1, 1, 1, 1, 0, 0, 1, 0}}},
    {"03153",
     {{12000, 10000, 10000, 0, 10000, 0, 0, 10000, 0, 0}, {3, 2, 2, 0, 2, 0, 0, 2, 0, 0}},
     {{0}, {0}}},
    {"RA_01",
     {{20500, 17000, 13000, 4000, 14000, 4000, 1000, 4000, 0, 9000}, {7, 5, 3, 2, 4, 2, 1, 1, 0, 2}},
     {{13000, 10500, 7000, 2500, 9000, 4000, 0, 2000, 7000, 0}, {7, 5, 2, 2, 3, 1, 0, 1, 2, 0}}},
    {"RA_02",
     {{12000, 10000, 10000, 0, 10000, 0, 0, 10000, 0, 0}, {3, 2, 2, 0, 2, 0, 0, 2, 0, 0}},
     {{4000, 4000, 3000, 1000, 3000, 0, 3000, 0, 0, 0}, {2, 2, 1, 1, 1, 0, 1, 0, 0, 0}}},
    {"03",
     {{32500, 27000, 23000, 4000, 24000, 4000, 1000, 14000, 0, 9000}, {10, 7, 5, 2, 6, 2, 1, 3, 0, 2}},
     {{17000, 14500, 10000, 3500, 12000, 4000, 3000, 2000, 7000, 0}, {9, 7, 3, 3, 4, 1, 1, 1, 2, 0}}},
};

static const mz_cell_t *cell_at(const mz_cells_t *cells, const char *where)
{
    if (strcmp(where, "03") == 0)
        return mz_cells_land(cells);
    if (strncmp(where, "RA_", 3) == 0)
        return mz_cells_stratum(cells, (size_t)stratum_of(where));
    return mz_cells_unit(cells, (size_t)unit_of(where));
}

static void expect_sums(const mz_cell_t *c, int g, const sums_t *want, const char *where)
{
    for (int m = 0; m < MZ_NMEAS; m++) {
        cr_expect_eq(c->w[g][m], want->w[m], "%s %s %s: weighted %.17g, expected %.17g", where,
                     g == MZ_GRP_WITH ? "with" : "without", mz_measure_id((mz_measure_t)m),
                     c->w[g][m], want->w[m]);
        cr_expect_eq(c->n[g][m], want->n[m], "%s %s %s: cases %lld, expected %lld", where,
                     g == MZ_GRP_WITH ? "with" : "without", mz_measure_id((mz_measure_t)m),
                     (long long)c->n[g][m], (long long)want->n[m]);
    }
}

Test(cells, sums_per_unit_stratum_and_land)
{
    mz_cells_t *cells = load_fixture("18-64");
    cr_expect_eq(mz_cells_records(cells), 19);
    for (size_t i = 0; i < sizeof cell_cases / sizeof cell_cases[0]; i++) {
        const mz_cell_t *c = cell_at(cells, cell_cases[i].where);
        expect_sums(c, MZ_GRP_WITHOUT, &cell_cases[i].without, cell_cases[i].where);
        expect_sums(c, MZ_GRP_WITH, &cell_cases[i].with, cell_cases[i].where);
        cr_expect_eq(c->have, MZ_HAVE_ALL, "%s", cell_cases[i].where);
    }
    mz_cells_destroy(cells);
}

Test(cells, presence)
{
    mz_cells_t *cells = load_fixture("18-64");
    for (size_t u = 0; u < mz_gazetteer_count(gz); u++) {
        const char *ags = mz_gazetteer_unit(gz, u)->ags;
        bool want = !strcmp(ags, "03101") || !strcmp(ags, "03102") || !strcmp(ags, "03153");
        cr_expect_eq(mz_cells_unit_present(cells, u), want, "%s", ags);
    }
    for (size_t s = 0; s < mz_gazetteer_strata_count(gz); s++) {
        const char *code = mz_gazetteer_stratum_code(gz, s);
        bool want = !strcmp(code, "RA_01") || !strcmp(code, "RA_02");
        cr_expect_eq(mz_cells_stratum_present(cells, s), want, "%s", code);
    }
    cr_expect_not(mz_cells_has_design(cells));
    mz_cells_destroy(cells);
}

Test(cells, sum_of_units)
{
    mz_cells_t *cells = load_fixture("18-64");
    int units[] = {unit_of("03102"), unit_of("03153"), unit_of("03405") /* absent */};
    mz_cell_t sum;
    mz_cells_sum_units(cells, units, 3, &sum);
    /* 03102 + 03153 without MH: POP 8000 + 12000 = 20000, cases 2 + 3 = 5 */
    cr_expect_eq(sum.w[MZ_GRP_WITHOUT][MZ_M_POP], 20000);
    cr_expect_eq(sum.n[MZ_GRP_WITHOUT][MZ_M_POP], 5);
    /* with MH: only 03102: UB 1000 */
    cr_expect_eq(sum.w[MZ_GRP_WITH][MZ_M_UNEMP_BAND], 1000);
    cr_expect_eq(sum.have, MZ_HAVE_ALL);
    mz_cells_destroy(cells);
}

/* The age band decides only the _BAND measures. */
Test(cells, age_band_option)
{
    mz_age_band_t b;
    cr_expect(mz_age_band_parse("15-64", &b) && b.lo == 15 && b.hi == 64);
    cr_expect(mz_age_band_parse("all", &b) && b.lo == 0 && b.hi == 120);
    cr_expect_not(mz_age_band_parse("64-18", &b));
    cr_expect_not(mz_age_band_parse("18-", &b));
    cr_expect_not(mz_age_band_parse("18-64x", &b));
    cr_expect_not(mz_age_band_parse("0-121", &b));
    cr_expect_not(mz_age_band_parse("", &b));

    /* 15-64 adds line 9 (age 17, w/, employed, 2000) to the band of 03101 */
    mz_cells_t *cells = load_fixture("15-64");
    const mz_cell_t *land = mz_cells_land(cells);
    cr_expect_eq(land->w[MZ_GRP_WITH][MZ_M_POP_BAND], 14500 + 2000);
    cr_expect_eq(land->w[MZ_GRP_WITH][MZ_M_EMP_BAND], 10000 + 2000);
    cr_expect_eq(land->n[MZ_GRP_WITH][MZ_M_EMP_BAND], 3 + 1);
    cr_expect_eq(land->w[MZ_GRP_WITHOUT][MZ_M_POP_BAND], 27000);
    cr_expect_eq(land->w[MZ_GRP_WITH][MZ_M_POP], 17000);
    mz_rules_t open;
    mz_rules_init(&open);
    open.min_count = open.limited_below = 0;
    open.min_cases = 0;
    /* employment rate w/ 15-64: 12000 / 16500 */
    mz_point_t p = mz_point_estimate(land, MZ_IND_EMPLOYMENT_RATE, MZ_G_WITH, &open);
    cr_expect_float_eq(p.estimate, 100.0 * 12000 / 16500, TOL);
    /* unemployment rate w/ 15-64: 3500 / (12000 + 3500) */
    p = mz_point_estimate(land, MZ_IND_UNEMPLOYMENT_RATE, MZ_G_WITH, &open);
    cr_expect_float_eq(p.estimate, 100.0 * 3500 / 15500, TOL);
    mz_cells_destroy(cells);

    /* all ages: the band is the whole population; EB = EMP */
    cells = load_fixture("all");
    land = mz_cells_land(cells);
    for (int g = 0; g < MZ_NGRP; g++) {
        cr_expect_eq(land->w[g][MZ_M_POP_BAND], land->w[g][MZ_M_POP]);
        cr_expect_eq(land->w[g][MZ_M_EMP_BAND], land->w[g][MZ_M_EMP]);
    }
    /* unemployed w/ all ages: 1500 + 500 + 1000 + 1000 = 4000 (lines 8, 11, 15, 20) */
    cr_expect_eq(land->w[MZ_GRP_WITH][MZ_M_UNEMP_BAND], 4000);
    /* unemployment rate w/: 4000 / (12000 + 4000) = 25 % */
    p = mz_point_estimate(land, MZ_IND_UNEMPLOYMENT_RATE, MZ_G_WITH, &open);
    cr_expect_float_eq(p.estimate, 25.0, TOL);
    /* employment rate w/o: 24000 / 32500 */
    p = mz_point_estimate(land, MZ_IND_EMPLOYMENT_RATE, MZ_G_WITHOUT, &open);
    cr_expect_float_eq(p.estimate, 100.0 * 24000 / 32500, TOL);
    mz_cells_destroy(cells);
}

/* ---------------------------------------------------------------- every indicator */

/* One expected row: estimate = 100 * num / den (gap: 100 * num / den - 100 * num2 / den2);
 * den = 0 means undefined (NaN, withheld). n = cases of the denominator(s). */
typedef struct est_case {
    mz_indicator_t ind;
    mz_level_t level;
    const char *code;
    mz_group_t g;
    double num, den, num2, den2;
    int64_t n;
} est_case_t;

#define MS MZ_IND_MIGRATION_SHARE
#define ER MZ_IND_EMPLOYMENT_RATE
#define SE MZ_IND_SELF_EMPLOYMENT_SHARE
#define UR MZ_IND_UNEMPLOYMENT_RATE
#define SA MZ_IND_SECTOR_AGRICULTURE
#define SP MZ_IND_SECTOR_PRODUCTION
#define ST MZ_IND_SECTOR_TRADE
#define SS MZ_IND_SECTOR_SERVICES
#define LAND MZ_LEVEL_LAND
#define SCH MZ_LEVEL_SCHICHT
#define REG MZ_LEVEL_REGION
#define W MZ_G_WITH
#define WO MZ_G_WITHOUT
#define ALL MZ_G_ALL
#define GAP MZ_G_GAP

static const est_case_t est_cases[] = {
    /* migration share: POP w/ / POP all */
    {MS, LAND, "03", ALL, 17000, 32500 + 17000, 0, 0, 19},
    {MS, SCH, "RA_01", ALL, 13000, 20500 + 13000, 0, 0, 14},
    {MS, SCH, "RA_02", ALL, 4000, 12000 + 4000, 0, 0, 5},
    {MS, REG, "03101", ALL, 8000, 12500 + 8000, 0, 0, 10},
    {MS, REG, "03102", ALL, 5000, 8000 + 5000, 0, 0, 4},
    {MS, REG, "03153", ALL, 0, 12000, 0, 0, 3},
    /* employment rate: EB / PB */
    {ER, LAND, "03", W, 10000, 14500, 0, 0, 7},
    {ER, LAND, "03", WO, 23000, 27000, 0, 0, 7},
    {ER, LAND, "03", ALL, 33000, 41500, 0, 0, 14},
    {ER, LAND, "03", GAP, 10000, 14500, 23000, 27000, 14},
    {ER, SCH, "RA_01", W, 7000, 10500, 0, 0, 5},
    {ER, SCH, "RA_01", WO, 13000, 17000, 0, 0, 5},
    {ER, SCH, "RA_01", ALL, 20000, 27500, 0, 0, 10},
    {ER, SCH, "RA_01", GAP, 7000, 10500, 13000, 17000, 10},
    {ER, SCH, "RA_02", W, 3000, 4000, 0, 0, 2},
    {ER, SCH, "RA_02", WO, 10000, 10000, 0, 0, 2},
    {ER, SCH, "RA_02", ALL, 13000, 14000, 0, 0, 4},
    {ER, SCH, "RA_02", GAP, 3000, 4000, 10000, 10000, 4},
    {ER, REG, "03101", W, 3000, 5500, 0, 0, 3},
    {ER, REG, "03101", WO, 7000, 9000, 0, 0, 3},
    {ER, REG, "03101", ALL, 10000, 14500, 0, 0, 6},
    {ER, REG, "03101", GAP, 3000, 5500, 7000, 9000, 6},
    {ER, REG, "03102", W, 4000, 5000, 0, 0, 2},
    {ER, REG, "03102", WO, 6000, 8000, 0, 0, 2},
    {ER, REG, "03102", ALL, 10000, 13000, 0, 0, 4},
    {ER, REG, "03102", GAP, 4000, 5000, 6000, 8000, 4},
    {ER, REG, "03153", W, 0, 0, 0, 0, 0},
    {ER, REG, "03153", WO, 10000, 10000, 0, 0, 2},
    {ER, REG, "03153", ALL, 10000, 10000, 0, 0, 2},
    {ER, REG, "03153", GAP, 0, 0, 10000, 10000, 2},
    /* self-employment share: SELF / EMP */
    {SE, LAND, "03", W, 4000, 12000, 0, 0, 4},
    {SE, LAND, "03", WO, 4000, 24000, 0, 0, 6},
    {SE, LAND, "03", ALL, 8000, 36000, 0, 0, 10},
    {SE, LAND, "03", GAP, 4000, 12000, 4000, 24000, 10},
    {SE, SCH, "RA_01", W, 4000, 9000, 0, 0, 3},
    {SE, SCH, "RA_01", WO, 4000, 14000, 0, 0, 4},
    {SE, SCH, "RA_01", ALL, 8000, 23000, 0, 0, 7},
    {SE, SCH, "RA_01", GAP, 4000, 9000, 4000, 14000, 7},
    {SE, SCH, "RA_02", W, 0, 3000, 0, 0, 1},
    {SE, SCH, "RA_02", WO, 0, 10000, 0, 0, 2},
    {SE, SCH, "RA_02", ALL, 0, 13000, 0, 0, 3},
    {SE, SCH, "RA_02", GAP, 0, 3000, 0, 10000, 3},
    {SE, REG, "03101", W, 0, 5000, 0, 0, 2},
    {SE, REG, "03101", WO, 4000, 8000, 0, 0, 3},
    {SE, REG, "03101", ALL, 4000, 13000, 0, 0, 5},
    {SE, REG, "03101", GAP, 0, 5000, 4000, 8000, 5},
    {SE, REG, "03102", W, 4000, 4000, 0, 0, 1},
    {SE, REG, "03102", WO, 0, 6000, 0, 0, 1},
    {SE, REG, "03102", ALL, 4000, 10000, 0, 0, 2},
    {SE, REG, "03102", GAP, 4000, 4000, 0, 6000, 2},
    {SE, REG, "03153", W, 0, 0, 0, 0, 0},
    {SE, REG, "03153", WO, 0, 10000, 0, 0, 2},
    {SE, REG, "03153", ALL, 0, 10000, 0, 0, 2},
    {SE, REG, "03153", GAP, 0, 0, 0, 10000, 2},
    /* unemployment rate: UB / (EB + UB) */
    {UR, LAND, "03", W, 3500, 10000 + 3500, 0, 0, 6},
    {UR, LAND, "03", WO, 4000, 23000 + 4000, 0, 0, 7},
    {UR, LAND, "03", ALL, 7500, 33000 + 7500, 0, 0, 13},
    {UR, LAND, "03", GAP, 3500, 13500, 4000, 27000, 13},
    {UR, SCH, "RA_01", W, 2500, 7000 + 2500, 0, 0, 4},
    {UR, SCH, "RA_01", WO, 4000, 13000 + 4000, 0, 0, 5},
    {UR, SCH, "RA_01", ALL, 6500, 20000 + 6500, 0, 0, 9},
    {UR, SCH, "RA_01", GAP, 2500, 9500, 4000, 17000, 9},
    {UR, SCH, "RA_02", W, 1000, 3000 + 1000, 0, 0, 2},
    {UR, SCH, "RA_02", WO, 0, 10000, 0, 0, 2},
    {UR, SCH, "RA_02", ALL, 1000, 13000 + 1000, 0, 0, 4},
    {UR, SCH, "RA_02", GAP, 1000, 4000, 0, 10000, 4},
    {UR, REG, "03101", W, 1500, 3000 + 1500, 0, 0, 2},
    {UR, REG, "03101", WO, 2000, 7000 + 2000, 0, 0, 3},
    {UR, REG, "03101", ALL, 3500, 10000 + 3500, 0, 0, 5},
    {UR, REG, "03101", GAP, 1500, 4500, 2000, 9000, 5},
    {UR, REG, "03102", W, 1000, 4000 + 1000, 0, 0, 2},
    {UR, REG, "03102", WO, 2000, 6000 + 2000, 0, 0, 2},
    {UR, REG, "03102", ALL, 3000, 10000 + 3000, 0, 0, 4},
    {UR, REG, "03102", GAP, 1000, 5000, 2000, 8000, 4},
    {UR, REG, "03153", W, 0, 0, 0, 0, 0},
    {UR, REG, "03153", WO, 0, 10000, 0, 0, 2},
    {UR, REG, "03153", ALL, 0, 10000, 0, 0, 2},
    {UR, REG, "03153", GAP, 0, 0, 0, 10000, 2},
    /* sector shares: employed w/ in the sector / employed in the sector */
    {SA, LAND, "03", ALL, 3000, 1000 + 3000, 0, 0, 2},
    {SA, SCH, "RA_01", ALL, 0, 1000, 0, 0, 1},
    {SA, SCH, "RA_02", ALL, 3000, 3000, 0, 0, 1},
    {SA, REG, "03101", ALL, 0, 1000, 0, 0, 1},
    {SA, REG, "03102", ALL, 0, 0, 0, 0, 0},
    {SA, REG, "03153", ALL, 0, 0, 0, 0, 0},
    {SP, LAND, "03", ALL, 2000, 14000 + 2000, 0, 0, 4},
    {SP, SCH, "RA_01", ALL, 2000, 4000 + 2000, 0, 0, 2},
    {SP, SCH, "RA_02", ALL, 0, 10000, 0, 0, 2},
    {SP, REG, "03101", ALL, 2000, 4000 + 2000, 0, 0, 2},
    {SP, REG, "03102", ALL, 0, 0, 0, 0, 0},
    {SP, REG, "03153", ALL, 0, 10000, 0, 0, 2},
    {ST, LAND, "03", ALL, 7000, 7000, 0, 0, 2},
    {ST, SCH, "RA_01", ALL, 7000, 7000, 0, 0, 2},
    {ST, SCH, "RA_02", ALL, 0, 0, 0, 0, 0},
    {ST, REG, "03101", ALL, 3000, 3000, 0, 0, 1},
    {ST, REG, "03102", ALL, 4000, 4000, 0, 0, 1},
    {ST, REG, "03153", ALL, 0, 0, 0, 0, 0},
    {SS, LAND, "03", ALL, 0, 9000, 0, 0, 2},
    {SS, SCH, "RA_01", ALL, 0, 3000 + 6000, 0, 0, 2},
    {SS, SCH, "RA_02", ALL, 0, 0, 0, 0, 0},
    {SS, REG, "03101", ALL, 0, 3000, 0, 0, 1},
    {SS, REG, "03102", ALL, 0, 6000, 0, 0, 1},
    {SS, REG, "03153", ALL, 0, 0, 0, 0, 0},
};

static void open_rules(mz_rules_t *r)
{
    mz_rules_init(r);
    r->min_count = 0;
    r->limited_below = 0;
    r->min_cases = 0;
}

Test(estimates, every_indicator_group_and_level)
{
    mz_cells_t *cells = load_fixture("18-64");
    mz_rules_t rules;
    open_rules(&rules);
    mz_error_t err;
    mz_results_t *res = mz_results_build(cells, NULL, &rules, &err);
    cr_assert_not_null(res, "%s", err.message);
    /* 6 regions (Land, RA_01, RA_02, three Kreise) x (3 indicators x 4 groups + 5 x "all") */
    const size_t ncases = sizeof est_cases / sizeof est_cases[0];
    cr_expect_eq(ncases, 6 * 17);
    cr_expect_eq(mz_results_count(res), 6 * 17);
    for (size_t i = 0; i < ncases; i++) {
        const est_case_t *k = &est_cases[i];
        char what[128];
        snprintf(what, sizeof what, "%s %s %s %s", mz_indicator_id(k->ind),
                 mz_level_id(k->level), k->code, mz_group_id(k->g));
        const mz_estimate_t *e = mz_results_find(res, k->ind, k->level, k->code, k->g);
        cr_expect_not_null(e, "%s: missing", what);
        if (!e)
            continue;
        bool defined = k->den > 0 && (k->g != MZ_G_GAP || k->den2 > 0);
        cr_expect(e->p.known, "%s", what);
        cr_expect_eq(e->p.n, k->n, "%s: n %lld, expected %lld", what, (long long)e->p.n,
                     (long long)k->n);
        if (!defined) {
            cr_expect(isnan(e->p.estimate), "%s: %g, expected NaN", what, e->p.estimate);
            cr_expect_eq(e->p.symbol, MZ_SYM_WITHHELD, "%s: symbol '%s'", what,
                         mz_symbol_str(e->p.symbol));
            continue;
        }
        double want = 100.0 * k->num / k->den;
        if (k->g == MZ_G_GAP) {
            want -= 100.0 * k->num2 / k->den2;
            cr_expect(isnan(e->p.numerator) && isnan(e->p.denominator), "%s", what);
        } else {
            cr_expect_eq(e->p.numerator, k->num, "%s: numerator %.17g, expected %.17g", what,
                         e->p.numerator, k->num);
            cr_expect_eq(e->p.denominator, k->den, "%s: denominator %.17g, expected %.17g", what,
                         e->p.denominator, k->den);
        }
        cr_expect(fabs(e->p.estimate - want) <= TOL, "%s: estimate %.17g, expected %.17g", what,
                  e->p.estimate, want);
        cr_expect_eq(e->p.symbol, MZ_SYM_NONE, "%s: symbol '%s'", what,
                     mz_symbol_str(e->p.symbol));
        cr_expect(isnan(e->se), "%s: no design, no SE", what);
    }
    /* groups that an indicator does not have are not reported */
    cr_expect_null(mz_results_find(res, MS, LAND, "03", W));
    cr_expect_null(mz_results_find(res, SP, REG, "03101", GAP));
    mz_results_destroy(res);
    mz_cells_destroy(cells);
}

/* A few values spelled out as decimals, in case the table above shares a slip with the code. */
Test(estimates, spelled_out_values)
{
    mz_cells_t *cells = load_fixture("18-64");
    mz_rules_t rules;
    open_rules(&rules);
    const mz_cell_t *land = mz_cells_land(cells);
    /* 17000 / 49500 = 0.343434… */
    cr_expect_float_eq(mz_point_estimate(land, MS, ALL, &rules).estimate, 34.343434343434343,
                       TOL);
    /* 3500 / 13500 = 25.925925…; 4000 / 27000 = 14.814814…; gap 11.111111… */
    cr_expect_float_eq(mz_point_estimate(land, UR, W, &rules).estimate, 25.925925925925926, TOL);
    cr_expect_float_eq(mz_point_estimate(land, UR, WO, &rules).estimate, 14.814814814814815,
                       TOL);
    cr_expect_float_eq(mz_point_estimate(land, UR, GAP, &rules).estimate, 11.111111111111111,
                       TOL);
    /* 10000 / 14500 = 68.965517…; 23000 / 27000 = 85.185185…; gap -16.219667… */
    cr_expect_float_eq(mz_point_estimate(land, ER, GAP, &rules).estimate,
                       68.965517241379310 - 85.185185185185185, TOL);
    /* 2000 / 16000 = 12.5 %; 3000 / 4000 = 75 %; 7000 / 7000 = 100 %; 0 / 9000 = 0 % */
    cr_expect_float_eq(mz_point_estimate(land, SP, ALL, &rules).estimate, 12.5, TOL);
    cr_expect_float_eq(mz_point_estimate(land, SA, ALL, &rules).estimate, 75.0, TOL);
    cr_expect_float_eq(mz_point_estimate(land, ST, ALL, &rules).estimate, 100.0, TOL);
    cr_expect_float_eq(mz_point_estimate(land, SS, ALL, &rules).estimate, 0.0, TOL);
    /* self-employment: 4000 / 12000 = 33.33…, 4000 / 24000 = 16.66…, gap 16.66… */
    cr_expect_float_eq(mz_point_estimate(land, SE, GAP, &rules).estimate, 16.666666666666667,
                       TOL);
    mz_cells_destroy(cells);
}

/* Names, codes and members of the regions at each level. */
Test(estimates, regions)
{
    mz_cells_t *cells = load_fixture("18-64");
    mz_rules_t rules;
    mz_rules_init(&rules);
    mz_error_t err;
    mz_results_t *res = mz_results_build(cells, NULL, &rules, &err);
    cr_assert_not_null(res);
    const mz_region_t *land = mz_results_land(res);
    cr_expect_eq(land->level, MZ_LEVEL_LAND);
    cr_expect_str_eq(land->code, "03");
    cr_expect_str_eq(land->name, "Niedersachsen");
    cr_expect_str_eq(land->members, "03101+03102+03153");
    cr_expect_eq(mz_results_strata_count(res), 2);
    const mz_region_t *s1 = mz_results_stratum(res, 0), *s2 = mz_results_stratum(res, 1);
    cr_expect_str_eq(s1->code, "RA_01");
    cr_expect_str_eq(s1->name, "Ostniedersachsen");
    cr_expect_str_eq(s1->members, "03101+03102");
    cr_expect_eq(s1->level, MZ_LEVEL_SCHICHT);
    cr_expect_str_eq(s2->code, "RA_02");
    cr_expect_str_eq(s2->members, "03153");
    const mz_partition_t *p = mz_results_partition(res, UR);
    cr_expect_eq(p->count, 3);
    cr_expect_str_eq(p->regions[0].code, "03101");
    cr_expect_str_eq(p->regions[0].members, "03101");
    cr_expect_str_eq(p->regions[0].name, "Braunschweig");
    cr_expect_str_eq(p->regions[2].code, "03153");
    cr_expect_eq(p->regions[2].level, MZ_LEVEL_REGION);
    mz_results_destroy(res);
    mz_cells_destroy(cells);
}

/* ---------------------------------------------------------------- symbols on the fixture */

typedef struct sym_case {
    mz_indicator_t ind;
    mz_level_t level;
    const char *code;
    mz_group_t g;
    mz_symbol_t both, base; /* under rate rule both / base, default limits, min_cases 3 */
} sym_case_t;

static const sym_case_t sym_cases[] = {
    /* 17000 / 49500: both >= 10000 */
    {MS, LAND, "03", ALL, MZ_SYM_NONE, MZ_SYM_NONE},
    /* 8000 / 20500: numerator in [5000, 10000) → () under both; base looks at 20500 only */
    {MS, REG, "03101", ALL, MZ_SYM_LIMITED, MZ_SYM_NONE},
    /* 3500 / 13500: numerator < 5000 → / under both; 3 and 6 cases are not secret */
    {UR, LAND, "03", W, MZ_SYM_WITHHELD, MZ_SYM_NONE},
    /* 4000 / 27000 with 2 unemployed cases: secret under both rules */
    {UR, LAND, "03", WO, MZ_SYM_SECRET, MZ_SYM_SECRET},
    /* gap: the worst of its rates */
    {UR, LAND, "03", GAP, MZ_SYM_SECRET, MZ_SYM_SECRET},
    /* 7500 / 40500 (5 and 13 cases) */
    {UR, LAND, "03", ALL, MZ_SYM_LIMITED, MZ_SYM_NONE},
    /* 10000 / 14500 and 23000 / 27000 */
    {ER, LAND, "03", GAP, MZ_SYM_NONE, MZ_SYM_NONE},
    /* 3000 / 4000, but one employed case: secrecy comes first */
    {ER, SCH, "RA_02", W, MZ_SYM_SECRET, MZ_SYM_SECRET},
    /* 13000 / 14000 (4 and 4 cases) */
    {ER, SCH, "RA_02", ALL, MZ_SYM_NONE, MZ_SYM_NONE},
    /* 10000 / 10000 with 2 cases: secret */
    {ER, REG, "03153", WO, MZ_SYM_SECRET, MZ_SYM_SECRET},
    /* 0 / 0: undefined */
    {ER, REG, "03153", W, MZ_SYM_WITHHELD, MZ_SYM_WITHHELD},
    /* 8000 / 36000 (4 and 10 cases) */
    {SE, LAND, "03", ALL, MZ_SYM_LIMITED, MZ_SYM_NONE},
    /* 0 / 10000 (0 and 2 cases): secret by the denominator */
    {SE, REG, "03153", WO, MZ_SYM_SECRET, MZ_SYM_SECRET},
    /* 2000 / 16000, numerator 1 case: secret */
    {SP, LAND, "03", ALL, MZ_SYM_SECRET, MZ_SYM_SECRET},
    /* 0 / 9000 (0 and 2 cases): secret */
    {SS, LAND, "03", ALL, MZ_SYM_SECRET, MZ_SYM_SECRET},
    /* 13000 / 33500 (7 and 14 cases) */
    {MS, SCH, "RA_01", ALL, MZ_SYM_NONE, MZ_SYM_NONE},
    /* 4000 / 16000 (2 and 5 cases): numerator secret */
    {MS, SCH, "RA_02", ALL, MZ_SYM_SECRET, MZ_SYM_SECRET},
};

Test(estimates, symbols_under_both_and_base)
{
    mz_cells_t *cells = load_fixture("18-64");
    for (int rule = 0; rule < 2; rule++) {
        mz_rules_t rules;
        mz_rules_init(&rules);
        rules.rate_rule = rule ? MZ_RATE_BASE : MZ_RATE_BOTH;
        mz_error_t err;
        mz_results_t *res = mz_results_build(cells, NULL, &rules, &err);
        cr_assert_not_null(res);
        for (size_t i = 0; i < sizeof sym_cases / sizeof sym_cases[0]; i++) {
            const sym_case_t *k = &sym_cases[i];
            const mz_estimate_t *e = mz_results_find(res, k->ind, k->level, k->code, k->g);
            cr_assert_not_null(e);
            mz_symbol_t want = rule ? k->base : k->both;
            cr_expect_eq(e->p.symbol, want, "%s %s %s %s (%s): '%s', expected '%s'",
                         mz_indicator_id(k->ind), mz_level_id(k->level), k->code,
                         mz_group_id(k->g), rule ? "base" : "both", mz_symbol_str(e->p.symbol),
                         mz_symbol_str(want));
        }
        mz_results_destroy(res);
    }
    mz_cells_destroy(cells);
}

Test(estimates, min_cases_is_configurable)
{
    mz_cells_t *cells = load_fixture("18-64");
    const mz_cell_t *land = mz_cells_land(cells);
    mz_rules_t rules;
    mz_rules_init(&rules);
    /* migration share of the Land rests on 9 cases with MH */
    rules.min_cases = 9;
    cr_expect_eq(mz_point_estimate(land, MS, ALL, &rules).symbol, MZ_SYM_NONE);
    rules.min_cases = 10;
    cr_expect_eq(mz_point_estimate(land, MS, ALL, &rules).symbol, MZ_SYM_SECRET);
    /* 0 switches secrecy off: 2000 / 16000 is then only withheld by the count rule */
    rules.min_cases = 0;
    cr_expect_eq(mz_point_estimate(land, SP, ALL, &rules).symbol, MZ_SYM_WITHHELD);
    mz_cells_destroy(cells);
}

static mz_cell_t rate_cell(double num, double den, int64_t ncases, int64_t dcases);

Test(estimates, cell_passes)
{
    mz_cells_t *cells = load_fixture("18-64");
    const mz_cell_t *land = mz_cells_land(cells);
    mz_rules_t rules;
    mz_rules_init(&rules);
    char why[256];
    cr_expect(mz_cell_passes(land, MS, &rules, why, sizeof why));
    cr_expect_str_eq(why, "");
    cr_expect(mz_cell_passes(land, ER, &rules, why, sizeof why));
    /* unemployment: the rate w/ has 3500 unemployed, under 5000 */
    cr_expect_not(mz_cell_passes(land, UR, &rules, why, sizeof why));
    cr_expect_str_eq(why, "unemployment_rate (with): Zähler unter der Mindestzahl");
    /* under base the rate w/ passes; the rate w/o rests on 2 unemployed cases */
    rules.rate_rule = MZ_RATE_BASE;
    cr_expect_not(mz_cell_passes(land, UR, &rules, why, sizeof why));
    cr_expect_str_eq(why, "unemployment_rate (without): zu wenige Fälle (geheim)");
    /* RA_02, employment w/: 3000 / 4000 on one employed case */
    const mz_cell_t *ra02 = mz_cells_stratum(cells, (size_t)stratum_of("RA_02"));
    cr_expect_not(mz_cell_passes(ra02, ER, &rules, why, sizeof why));
    cr_expect_str_eq(why, "employment_rate (with): zu wenige Fälle (geheim)");
    /* a denominator under the minimum, with cases enough: 1000 / 4000 */
    mz_cell_t small = rate_cell(1000, 4000, 50, 100);
    cr_expect_not(mz_cell_passes(&small, ER, &rules, why, sizeof why));
    cr_expect_str_eq(why, "employment_rate (with): Nenner unter der Mindestzahl");
    /* with everything published every cell passes */
    open_rules(&rules);
    cr_expect(mz_cell_passes(land, UR, &rules, NULL, 0));
    /* but an undefined rate (no employed w/ in 03153) never does */
    const mz_cell_t *goslar = mz_cells_unit(cells, (size_t)unit_of("03153"));
    cr_expect_not(mz_cell_passes(goslar, SE, &rules, why, sizeof why));
    mz_cells_destroy(cells);
}

/* ---------------------------------------------------------------- rule boundaries */

/* A cell whose employment rate w/ is num / den with `cases` cases in both. */
static mz_cell_t rate_cell(double num, double den, int64_t ncases, int64_t dcases)
{
    mz_cell_t c;
    mz_cell_init(&c);
    c.have = MZ_HAVE_ALL;
    c.w[MZ_GRP_WITH][MZ_M_EMP_BAND] = num;
    c.n[MZ_GRP_WITH][MZ_M_EMP_BAND] = ncases;
    c.w[MZ_GRP_WITH][MZ_M_POP_BAND] = den;
    c.n[MZ_GRP_WITH][MZ_M_POP_BAND] = dcases;
    return c;
}

typedef struct bound_case {
    double num, den;
    mz_symbol_t both, base;
} bound_case_t;

Test(rules, rate_boundaries_both_and_base)
{
    static const bound_case_t cases[] = {
        /* the numerator decides under both, not under base */
        {4999.999, 100000, MZ_SYM_WITHHELD, MZ_SYM_NONE},
        {5000, 100000, MZ_SYM_LIMITED, MZ_SYM_NONE},
        {9999.999, 100000, MZ_SYM_LIMITED, MZ_SYM_NONE},
        {10000, 100000, MZ_SYM_NONE, MZ_SYM_NONE},
        /* the denominator decides under both rules */
        {1000, 4999.999, MZ_SYM_WITHHELD, MZ_SYM_WITHHELD},
        {1000, 5000, MZ_SYM_WITHHELD, MZ_SYM_LIMITED},
        {1000, 9999.999, MZ_SYM_WITHHELD, MZ_SYM_LIMITED},
        {1000, 10000, MZ_SYM_WITHHELD, MZ_SYM_NONE},
        {4999.999, 4999.999, MZ_SYM_WITHHELD, MZ_SYM_WITHHELD},
        {5000, 5000, MZ_SYM_LIMITED, MZ_SYM_LIMITED},
        {9999.999, 9999.999, MZ_SYM_LIMITED, MZ_SYM_LIMITED},
        {10000, 10000, MZ_SYM_NONE, MZ_SYM_NONE},
        {10000, 9999.999 + 10000, MZ_SYM_NONE, MZ_SYM_NONE},
        /* a zero numerator: 0 % is published under base */
        {0, 20000, MZ_SYM_WITHHELD, MZ_SYM_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int rule = 0; rule < 2; rule++) {
            mz_rules_t r;
            mz_rules_init(&r);
            r.rate_rule = rule ? MZ_RATE_BASE : MZ_RATE_BOTH;
            mz_cell_t c = rate_cell(cases[i].num, cases[i].den, cases[i].num > 0 ? 50 : 0, 100);
            mz_point_t p = mz_point_estimate(&c, ER, W, &r);
            mz_symbol_t want = rule ? cases[i].base : cases[i].both;
            cr_expect_eq(p.symbol, want, "%g / %g under %s: '%s', expected '%s'", cases[i].num,
                         cases[i].den, rule ? "base" : "both", mz_symbol_str(p.symbol),
                         mz_symbol_str(want));
            cr_expect_float_eq(p.estimate, 100.0 * cases[i].num / cases[i].den, TOL);
            cr_expect_eq(p.numerator, cases[i].num);
            cr_expect_eq(p.denominator, cases[i].den);
            cr_expect_eq(p.n, 100);
        }
    }
}

Test(rules, configured_limits)
{
    mz_rules_t r;
    mz_rules_init(&r);
    r.min_count = 100;
    r.limited_below = 200;
    cr_expect_eq(mz_rules_count_symbol(&r, 99.999), MZ_SYM_WITHHELD);
    cr_expect_eq(mz_rules_count_symbol(&r, 100), MZ_SYM_LIMITED);
    cr_expect_eq(mz_rules_count_symbol(&r, 199.999), MZ_SYM_LIMITED);
    cr_expect_eq(mz_rules_count_symbol(&r, 200), MZ_SYM_NONE);
    /* limited_below equal to min_count: no bracket range */
    r.limited_below = 100;
    cr_expect_eq(mz_rules_count_symbol(&r, 100), MZ_SYM_NONE);
    cr_expect_eq(mz_rules_count_symbol(&r, 99.999), MZ_SYM_WITHHELD);
    cr_expect_eq(mz_rules_count_symbol(&r, INFINITY), MZ_SYM_NONE);
}

Test(rules, secrecy_min_cases)
{
    mz_rules_t r;
    mz_rules_init(&r);
    cr_expect_eq(r.min_cases, 3);
    /* numerator cases 2 → secret; 3 → published */
    mz_cell_t c = rate_cell(20000, 40000, 2, 10);
    cr_expect_eq(mz_point_estimate(&c, ER, W, &r).symbol, MZ_SYM_SECRET);
    c = rate_cell(20000, 40000, 3, 10);
    cr_expect_eq(mz_point_estimate(&c, ER, W, &r).symbol, MZ_SYM_NONE);
    /* denominator cases 2 → secret */
    c = rate_cell(20000, 40000, 2, 2);
    cr_expect_eq(mz_point_estimate(&c, ER, W, &r).symbol, MZ_SYM_SECRET);
    /* secrecy beats the count rule: 1 case of 1000 persons is "." not "/" */
    c = rate_cell(1000, 40000, 1, 10);
    cr_expect_eq(mz_point_estimate(&c, ER, W, &r).symbol, MZ_SYM_SECRET);
    /* and also under base */
    r.rate_rule = MZ_RATE_BASE;
    cr_expect_eq(mz_point_estimate(&c, ER, W, &r).symbol, MZ_SYM_SECRET);
    /* no cases in the numerator is no secret: 0 % of 10 cases under base */
    c = rate_cell(0, 40000, 0, 10);
    mz_point_t p = mz_point_estimate(&c, ER, W, &r);
    cr_expect_eq(p.symbol, MZ_SYM_NONE);
    cr_expect_eq(p.estimate, 0.0);
    /* the gap inherits the worst symbol of its rates */
    r.rate_rule = MZ_RATE_BOTH;
    c = rate_cell(20000, 40000, 2, 10);
    c.w[MZ_GRP_WITHOUT][MZ_M_EMP_BAND] = 30000;
    c.n[MZ_GRP_WITHOUT][MZ_M_EMP_BAND] = 30;
    c.w[MZ_GRP_WITHOUT][MZ_M_POP_BAND] = 40000;
    c.n[MZ_GRP_WITHOUT][MZ_M_POP_BAND] = 40;
    p = mz_point_estimate(&c, ER, GAP, &r);
    cr_expect_eq(p.symbol, MZ_SYM_SECRET);
    cr_expect_float_eq(p.estimate, 50.0 - 75.0, TOL);
    cr_expect_eq(p.n, 10 + 40);
    c.n[MZ_GRP_WITH][MZ_M_EMP_BAND] = 3;
    cr_expect_eq(mz_point_estimate(&c, ER, GAP, &r).symbol, MZ_SYM_NONE);
    c.w[MZ_GRP_WITHOUT][MZ_M_EMP_BAND] = 9000;
    cr_expect_eq(mz_point_estimate(&c, ER, GAP, &r).symbol, MZ_SYM_LIMITED);
}

/* ---------------------------------------------------------------- gap flag */

/* A cell with unemployment rates uw/1000000 (with MH) and uo/1000000 (without), 100 cases
 * each. */
static mz_cell_t unemp_cell(double uw, double uo)
{
    mz_cell_t c;
    mz_cell_init(&c);
    c.have = MZ_HAVE_ALL;
    c.w[MZ_GRP_WITH][MZ_M_UNEMP_BAND] = uw;
    c.w[MZ_GRP_WITH][MZ_M_EMP_BAND] = 1000000 - uw;
    c.w[MZ_GRP_WITHOUT][MZ_M_UNEMP_BAND] = uo;
    c.w[MZ_GRP_WITHOUT][MZ_M_EMP_BAND] = 1000000 - uo;
    for (int g = 0; g < MZ_NGRP; g++) {
        c.n[g][MZ_M_UNEMP_BAND] = 100;
        c.n[g][MZ_M_EMP_BAND] = 100;
    }
    return c;
}

static mz_estimate_t gap_estimate(const mz_cell_t *c, const mz_region_t *region,
                                  const mz_rules_t *r)
{
    mz_estimate_t e;
    memset(&e, 0, sizeof e);
    e.ind = UR;
    e.group = GAP;
    e.region = region;
    e.p = mz_point_estimate(c, UR, GAP, r);
    e.se = e.ci_low = e.ci_high = NAN;
    return e;
}

typedef struct flag_case {
    double uw, uo; /* unemployed of 1000000, with / without MH */
    double flag;   /* gap_flag */
    bool want;
} flag_case_t;

Test(gapflag, rounding_to_one_decimal)
{
    static const flag_case_t cases[] = {
        /* 19.95 - 10 = 9.95 → published 10.0 → flagged */
        {199500, 100000, 10, true},
        /* 19.94 - 10 = 9.94 → 9.9 → not flagged */
        {199400, 100000, 10, false},
        /* 19.949 - 10 = 9.949 → 9.9 */
        {199490, 100000, 10, false},
        /* exactly 10 */
        {200000, 100000, 10, true},
        /* 12.35 - 2.4 = 9.95: a different binary path to the same decimal */
        {123500, 24000, 10, true},
        /* 30.15 - 20.2 = 9.95 */
        {301500, 202000, 10, true},
        /* 30.14 - 20.2 = 9.94 */
        {301400, 202000, 10, false},
        /* large gaps */
        {400000, 100000, 10, true},
        /* negative gaps are never flagged */
        {100000, 300000, 10, false},
        /* a configured threshold: 4.95 → 5.0 */
        {149500, 100000, 5, true},
        {149400, 100000, 5, false},
    };
    mz_region_t region = {.level = MZ_LEVEL_REGION, .code = "03405", .stratum = 8};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mz_rules_t r;
        mz_rules_init(&r);
        r.gap_flag = cases[i].flag;
        mz_cell_t c = unemp_cell(cases[i].uw, cases[i].uo);
        mz_estimate_t e = gap_estimate(&c, &region, &r);
        cr_expect_eq(e.p.symbol, MZ_SYM_NONE);
        cr_expect_eq(mz_estimate_needs_action(&e, &r), cases[i].want,
                     "%g vs %g (gap %.17g, flag %g): expected %s", cases[i].uw, cases[i].uo,
                     e.p.estimate, cases[i].flag, cases[i].want ? "flagged" : "not flagged");
    }
}

Test(gapflag, only_published_region_gaps_of_the_unemployment_rate)
{
    mz_rules_t r;
    mz_rules_init(&r);
    mz_region_t region = {.level = MZ_LEVEL_REGION, .code = "03405", .stratum = 8};
    mz_region_t stratum = {.level = MZ_LEVEL_SCHICHT, .code = "RA_09", .stratum = 8};
    mz_region_t land = {.level = MZ_LEVEL_LAND, .code = "03", .stratum = -1};
    mz_cell_t c = unemp_cell(300000, 100000);
    mz_estimate_t e = gap_estimate(&c, &region, &r);
    cr_expect(mz_estimate_needs_action(&e, &r));
    /* not at the levels above the regions */
    e.region = &stratum;
    cr_expect_not(mz_estimate_needs_action(&e, &r));
    e.region = &land;
    cr_expect_not(mz_estimate_needs_action(&e, &r));
    /* not for another indicator or group */
    e.region = &region;
    e.ind = ER;
    cr_expect_not(mz_estimate_needs_action(&e, &r));
    e.ind = UR;
    e.group = W;
    cr_expect_not(mz_estimate_needs_action(&e, &r));
    /* a gap in brackets is published, so flagged: 7500 unemployed w/ of 25000 */
    c = unemp_cell(0, 100000);
    c.w[MZ_GRP_WITH][MZ_M_UNEMP_BAND] = 7500;
    c.w[MZ_GRP_WITH][MZ_M_EMP_BAND] = 17500;
    e = gap_estimate(&c, &region, &r);
    cr_expect_eq(e.p.symbol, MZ_SYM_LIMITED);
    cr_expect_float_eq(e.p.estimate, 30.0 - 10.0, TOL);
    cr_expect(mz_estimate_needs_action(&e, &r));
    /* a withheld gap never is: 4000 unemployed w/ */
    c.w[MZ_GRP_WITH][MZ_M_UNEMP_BAND] = 4000;
    c.w[MZ_GRP_WITH][MZ_M_EMP_BAND] = 6000;
    e = gap_estimate(&c, &region, &r);
    cr_expect_eq(e.p.symbol, MZ_SYM_WITHHELD);
    cr_expect_not(mz_estimate_needs_action(&e, &r));
    /* nor a secret one */
    c = unemp_cell(300000, 100000);
    c.n[MZ_GRP_WITH][MZ_M_UNEMP_BAND] = 1;
    e = gap_estimate(&c, &region, &r);
    cr_expect_eq(e.p.symbol, MZ_SYM_SECRET);
    cr_expect_not(mz_estimate_needs_action(&e, &r));
}

Test(gapflag, certainty)
{
    mz_rules_t r;
    mz_rules_init(&r);
    mz_region_t region = {.level = MZ_LEVEL_REGION, .code = "03405", .stratum = 8};
    mz_cell_t c = unemp_cell(300000, 100000); /* gap 20 */
    mz_estimate_t e = gap_estimate(&c, &region, &r);
    cr_expect_eq(mz_estimate_certainty(&e, &r), MZ_CERT_NONE); /* no CI */
    e.ci_low = 10.0;
    e.ci_high = 30.0;
    cr_expect_eq(mz_estimate_certainty(&e, &r), MZ_CERT_CERTAIN);
    e.ci_low = 9.99;
    cr_expect_eq(mz_estimate_certainty(&e, &r), MZ_CERT_PROBABLE);
    c = unemp_cell(180000, 100000); /* gap 8: not flagged */
    e = gap_estimate(&c, &region, &r);
    e.ci_low = 6;
    e.ci_high = 10;
    cr_expect_eq(mz_estimate_certainty(&e, &r), MZ_CERT_POSSIBLE);
    e.ci_high = 9.99;
    cr_expect_eq(mz_estimate_certainty(&e, &r), MZ_CERT_NONE);
    /* certainty belongs to the unemployment gap of a planning region only */
    e.ci_high = 12;
    e.group = MZ_G_WITH;
    cr_expect_eq(mz_estimate_certainty(&e, &r), MZ_CERT_NONE);
    e.group = MZ_G_GAP;
    e.ind = MZ_IND_EMPLOYMENT_RATE;
    cr_expect_eq(mz_estimate_certainty(&e, &r), MZ_CERT_NONE);
    e.ind = MZ_IND_UNEMPLOYMENT_RATE;
    region.level = MZ_LEVEL_SCHICHT;
    cr_expect_eq(mz_estimate_certainty(&e, &r), MZ_CERT_NONE);
    region.level = MZ_LEVEL_REGION;
    cr_expect_eq(mz_estimate_certainty(&e, &r), MZ_CERT_POSSIBLE);
    cr_expect_str_eq(mz_certainty_id(MZ_CERT_CERTAIN), "certain");
    cr_expect_str_eq(mz_certainty_id(MZ_CERT_PROBABLE), "probable");
    cr_expect_str_eq(mz_certainty_id(MZ_CERT_POSSIBLE), "possible");
    cr_expect_str_eq(mz_certainty_id(MZ_CERT_NONE), "");
}

/* The fixture: 03101's unemployment gap (33.3 - 22.2 = 11.1) is withheld, so nothing is flagged
 * at default rules; with every value published it is. */
Test(gapflag, through_the_results)
{
    cr_assert_null(gz);
    setup();
    mz_cells_t *cells = load_fixture("18-64");
    for (int open = 0; open < 2; open++) {
        mz_rules_t rules;
        if (open)
            open_rules(&rules);
        else
            mz_rules_init(&rules);
        mz_error_t err;
        mz_results_t *res = mz_results_build(cells, NULL, &rules, &err);
        cr_assert_not_null(res);
        size_t flagged = 0;
        for (size_t i = 0; i < mz_results_count(res); i++) {
            const mz_estimate_t *e = mz_results_at(res, i);
            if (mz_estimate_needs_action(e, &rules)) {
                flagged++;
                cr_expect_str_eq(e->region->code, "03101");
            }
        }
        /* 03101: 1500/4500 - 2000/9000 = 11.1; 03102: 1000/5000 - 2000/8000 = -5 */
        cr_expect_eq(flagged, open ? 1 : 0);
        mz_results_destroy(res);
    }
    mz_cells_destroy(cells);
    teardown();
}
