/* test_indicators.c — rule boundaries, rounding and the gap flag. */
#include <criterion/criterion.h>
#include <math.h>

#include <stdlib.h>
#include <string.h>

#include "mzatlas/mz_indicators.h"
#include "mzatlas/mz_output.h"
#include "mzatlas/mz_results.h"

Test(round1, decimal_midpoints_round_away_from_zero)
{
    cr_assert_eq(mz_round1(9.95), 10.0);
    cr_assert_eq(mz_round1(9.94), 9.9);
    cr_assert_eq(mz_round1(9.949999), 9.9);
    cr_assert_eq(mz_round1(-9.95), -10.0);
    cr_assert_eq(mz_round1(12.25), 12.3);
    cr_assert(isnan(mz_round1(NAN)));
}

Test(rules, count_rule_boundaries)
{
    mz_rules_t r;
    mz_rules_init(&r);
    cr_assert_eq(mz_rules_count_symbol(&r, 4999.999), MZ_SYM_WITHHELD);
    cr_assert_eq(mz_rules_count_symbol(&r, 5000.0), MZ_SYM_LIMITED);
    cr_assert_eq(mz_rules_count_symbol(&r, 9999.999), MZ_SYM_LIMITED);
    cr_assert_eq(mz_rules_count_symbol(&r, 10000.0), MZ_SYM_NONE);
    cr_assert_eq(mz_rules_count_symbol(&r, NAN), MZ_SYM_WITHHELD);
}

Test(round1, more_cases)
{
    cr_assert_eq(mz_round1(0.05), 0.1);
    cr_assert_eq(mz_round1(0.04999), 0.0);
    cr_assert_eq(mz_round1(-0.05), -0.1);
    cr_assert_eq(mz_round1(1.45), 1.5);   /* stored as 1.4499999999999999556 */
    cr_assert_eq(mz_round1(14.95), 15.0);
    cr_assert_eq(mz_round1(10.0), 10.0);
    cr_assert_eq(mz_round1(123456.75), 123456.8);
    cr_assert_eq(mz_round1(0.0), 0.0);
    /* the rounded value equals the decimal literal, so it compares exactly with a threshold */
    cr_assert_eq(mz_round1(10.14999999), 10.1);
    cr_assert(isinf(mz_round1(INFINITY)));
}

Test(indicators, ids_round_trip)
{
    static const char *const ids[MZ_NIND] = {
        "migration_share", "employment_rate", "self_employment_share", "unemployment_rate",
        "sector_migration_share:agriculture", "sector_migration_share:production",
        "sector_migration_share:trade", "sector_migration_share:services"};
    for (int i = 0; i < MZ_NIND; i++) {
        cr_expect_str_eq(mz_indicator_id((mz_indicator_t)i), ids[i]);
        cr_expect_eq(mz_indicator_parse(ids[i]), i);
    }
    cr_expect_eq(mz_indicator_parse("unemployment"), -1);
    cr_expect_eq(mz_indicator_parse(""), -1);
    cr_expect_str_eq(mz_group_id(MZ_G_WITH), "with");
    cr_expect_str_eq(mz_group_id(MZ_G_WITHOUT), "without");
    cr_expect_str_eq(mz_group_id(MZ_G_ALL), "all");
    cr_expect_str_eq(mz_group_id(MZ_G_GAP), "gap");
    cr_expect_str_eq(mz_level_id(MZ_LEVEL_LAND), "land");
    cr_expect_str_eq(mz_level_id(MZ_LEVEL_SCHICHT), "schicht");
    cr_expect_str_eq(mz_level_id(MZ_LEVEL_REGION), "region");
    cr_expect_str_eq(mz_symbol_str(MZ_SYM_NONE), "");
    cr_expect_str_eq(mz_symbol_str(MZ_SYM_LIMITED), "()");
    cr_expect_str_eq(mz_symbol_str(MZ_SYM_WITHHELD), "/");
    cr_expect_str_eq(mz_symbol_str(MZ_SYM_SECRET), ".");
}

Test(indicators, groups_and_band)
{
    /* with / without / gap only for the three rates of DESIGN.md; the shares are "all" only */
    cr_expect_not(mz_indicator_has_groups(MZ_IND_MIGRATION_SHARE));
    cr_expect(mz_indicator_has_groups(MZ_IND_EMPLOYMENT_RATE));
    cr_expect(mz_indicator_has_groups(MZ_IND_SELF_EMPLOYMENT_SHARE));
    cr_expect(mz_indicator_has_groups(MZ_IND_UNEMPLOYMENT_RATE));
    for (int i = MZ_IND_SECTOR_AGRICULTURE; i <= MZ_IND_SECTOR_SERVICES; i++)
        cr_expect_not(mz_indicator_has_groups((mz_indicator_t)i));
    /* the age band applies to employment and unemployment rate only */
    for (int i = 0; i < MZ_NIND; i++)
        cr_expect_eq(mz_indicator_uses_band((mz_indicator_t)i),
                     i == MZ_IND_EMPLOYMENT_RATE || i == MZ_IND_UNEMPLOYMENT_RATE, "%s",
                     mz_indicator_id((mz_indicator_t)i));
}

Test(indicators, titles_follow_the_language)
{
    mz_set_lang(MZ_LANG_DE);
    cr_expect_str_eq(mz_indicator_title(MZ_IND_UNEMPLOYMENT_RATE), "Erwerbslosenquote");
    mz_set_lang(MZ_LANG_EN);
    cr_expect_str_eq(mz_indicator_title(MZ_IND_UNEMPLOYMENT_RATE), "Unemployment rate");
    mz_set_lang(MZ_LANG_DE);
}

Test(symbols, order)
{
    cr_expect_eq(mz_symbol_worst(MZ_SYM_NONE, MZ_SYM_LIMITED), MZ_SYM_LIMITED);
    cr_expect_eq(mz_symbol_worst(MZ_SYM_WITHHELD, MZ_SYM_LIMITED), MZ_SYM_WITHHELD);
    cr_expect_eq(mz_symbol_worst(MZ_SYM_WITHHELD, MZ_SYM_SECRET), MZ_SYM_SECRET);
    cr_expect_not(mz_symbol_withheld(MZ_SYM_LIMITED));
    cr_expect(mz_symbol_withheld(MZ_SYM_WITHHELD));
    cr_expect(mz_symbol_withheld(MZ_SYM_SECRET));
}

/* Tabulated input: a cell may lack a measure or its case counts. */
Test(indicators, unknown_measures_and_counts)
{
    mz_rules_t r;
    mz_rules_init(&r);
    mz_cell_t a, b;
    mz_cell_init(&a);
    mz_cell_init(&b);
    a.have = (1u << MZ_M_POP);
    a.w[MZ_GRP_WITH][MZ_M_POP] = 30000;
    a.w[MZ_GRP_WITHOUT][MZ_M_POP] = 70000;
    a.n[MZ_GRP_WITH][MZ_M_POP] = -1;
    a.n[MZ_GRP_WITHOUT][MZ_M_POP] = -1;
    mz_point_t p = mz_point_estimate(&a, MZ_IND_MIGRATION_SHARE, MZ_G_ALL, &r);
    cr_expect(p.known);
    cr_expect_float_eq(p.estimate, 30.0, 1e-12);
    cr_expect_eq(p.n, -1);
    cr_expect_eq(p.symbol, MZ_SYM_NONE); /* unknown counts are no secret */
    /* the employment rate needs measures the cell does not have */
    p = mz_point_estimate(&a, MZ_IND_EMPLOYMENT_RATE, MZ_G_WITH, &r);
    cr_expect_not(p.known);
    cr_expect(mz_symbol_withheld(p.symbol));
    cr_expect_not(mz_cell_passes(&a, MZ_IND_EMPLOYMENT_RATE, &r, NULL, 0));
    /* adding: known measures intersect, unknown counts stay unknown */
    b.have = MZ_HAVE_ALL;
    b.w[MZ_GRP_WITH][MZ_M_POP] = 1000;
    b.n[MZ_GRP_WITH][MZ_M_POP] = 10;
    mz_cell_t sum;
    mz_cell_init(&sum);
    mz_cell_add(&sum, &b);
    cr_expect_eq(sum.have, MZ_HAVE_ALL);
    cr_expect_eq(sum.n[MZ_GRP_WITH][MZ_M_POP], 10);
    mz_cell_add(&sum, &a);
    cr_expect_eq(sum.have, 1u << MZ_M_POP);
    cr_expect_eq(sum.w[MZ_GRP_WITH][MZ_M_POP], 31000);
    cr_expect_eq(sum.n[MZ_GRP_WITH][MZ_M_POP], -1);
    mz_term_t num, den;
    cr_assert(mz_indicator_terms(MZ_IND_MIGRATION_SHARE, MZ_G_ALL, &num, &den));
    cr_expect_eq(mz_term_cases(&den, &sum), -1);
    cr_expect_not(mz_indicator_terms(MZ_IND_MIGRATION_SHARE, MZ_G_WITH, &num, &den));
    cr_expect_not(mz_indicator_terms(MZ_IND_UNEMPLOYMENT_RATE, MZ_G_GAP, &num, &den));
}

/* CSV numbers: shortest representation that reads back exactly; empty for NaN. */
Test(output, number_format)
{
    static const struct {
        double x;
        const char *s;
    } cases[] = {
        {0.0, "0"}, {-0.0, "0"}, {12.5, "12.5"}, {0.1, "0.1"}, {100.0, "100"},
        {1.0 / 3.0, "0.3333333333333333"}, {1e-7, "1e-07"}, {0.1 + 0.2, "0.30000000000000004"},
        {123456789.25, "123456789.25"},
    };
    char buf[64];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mz_format_number(cases[i].x, buf, sizeof buf);
        cr_expect_eq(strtod(buf, NULL), cases[i].x, "%s", buf);
        cr_expect_str_eq(buf, cases[i].s);
    }
    mz_format_number(NAN, buf, sizeof buf);
    cr_expect_str_eq(buf, "");
    mz_format_number(INFINITY, buf, sizeof buf);
    cr_expect_str_eq(buf, "");
}
