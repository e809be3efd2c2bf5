/* test_gazetteer.c — year-aware units and names of the bundled gazetteer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "mzatlas/mz_gazetteer.h"

static mz_gazetteer_t *load(bool renames)
{
    char path[4096];
    mz_error_t err;
    const char *data = getenv("MZATLAS_DATA");
    cr_assert_not_null(data);
    snprintf(path, sizeof path, "%s/regions/gazetteer-ni.csv", data);
    mz_gazetteer_t *gz = mz_gazetteer_load(path, &err);
    cr_assert_not_null(gz, "%s", err.message);
    if (renames) {
        snprintf(path, sizeof path, "%s/regions/renames.csv", data);
        cr_assert_eq(mz_gazetteer_load_renames(gz, path, &err), MZ_OK, "%s", err.message);
    }
    return gz;
}

static size_t count_valid(const mz_gazetteer_t *gz, int year, mz_unit_kind_t skip)
{
    size_t n = 0;
    for (size_t i = 0; i < mz_gazetteer_count(gz); i++) {
        const mz_unit_t *u = mz_gazetteer_unit(gz, i);
        n += mz_unit_valid_in(u, year) && u->kind != skip;
    }
    return n;
}

Test(gazetteer, units_per_year)
{
    mz_gazetteer_t *gz = load(false);
    const mz_unit_t *gott_old = mz_gazetteer_unit(gz, (size_t)mz_gazetteer_find(gz, "03152"));
    const mz_unit_t *gott_new = mz_gazetteer_unit(gz, (size_t)mz_gazetteer_find(gz, "03159"));
    cr_expect(mz_unit_valid_in(gott_old, 2007));
    cr_expect(mz_unit_valid_in(gott_old, 2015));
    cr_expect_not(mz_unit_valid_in(gott_old, 2016));
    cr_expect_not(mz_unit_valid_in(gott_new, 2015));
    cr_expect(mz_unit_valid_in(gott_new, 2016));
    /* 46 Kreis units (Region Hannover whole) in 2007, 45 from 2016 (DESIGN / networks README) */
    cr_expect_eq(count_valid(gz, 2007, MZ_KIND_TEILREGION), 46);
    cr_expect_eq(count_valid(gz, 2017, MZ_KIND_TEILREGION), 45);
    /* 11 single strata and the composite of the whole Region Hannover */
    cr_expect_eq(mz_gazetteer_strata_count(gz), 12);
    cr_expect_str_eq(mz_gazetteer_stratum_code(gz, 11), "RA_03+RA_04");
    mz_gazetteer_destroy(gz);
}

Test(gazetteer, names_follow_the_year)
{
    mz_gazetteer_t *gz = load(true);
    const mz_unit_t *hk = mz_gazetteer_unit(gz, (size_t)mz_gazetteer_find(gz, "03358"));
    mz_gazetteer_set_year(gz, 2010);
    cr_expect_str_eq(hk->short_name, "Soltau-Fallingbostel");
    mz_gazetteer_set_year(gz, 2011);
    cr_expect_str_eq(hk->short_name, "Heidekreis");
    cr_expect_str_eq(hk->name, "Landkreis Heidekreis");
    mz_gazetteer_set_year(gz, 2007);
    cr_expect_str_eq(hk->name, "Landkreis Soltau-Fallingbostel");
    mz_gazetteer_destroy(gz); /* must free each name exactly once (ASan run) */
}

Test(gazetteer, renames_with_unknown_key_are_refused)
{
    mz_gazetteer_t *gz = load(false);
    char path[] = "/tmp/mz-test-renames-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("ags,from_year,name,short_name\n03999,2011,X,X\n", f);
    fclose(f);
    mz_error_t err;
    cr_expect_eq(mz_gazetteer_load_renames(gz, path, &err), MZ_ERR_DATA);
    cr_expect_eq(err.line, 2);
    cr_expect_str_eq(err.value, "03999");
    remove(path);
    mz_gazetteer_destroy(gz);
}
