/* test_indicators.c — rule boundaries, rounding and the gap flag. */
#include <criterion/criterion.h>
#include <math.h>

#include "mzatlas/mz_indicators.h"
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
