/* test_source.c — profiles (mz_profile.h) and the generic record source (mz_source.h): Stata,
 * SPSS and SAS files written here with ReadStat's writer from canonical CSV fixtures must give
 * exactly the results of the CSV; profile-mapped files likewise; errors name the file, row,
 * variable, value and the profile line; several extracts must be disjoint and of one year. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <readstat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mzatlas/mz_profile.h"
#include "mzatlas/mz_results.h"
#include "mzatlas/mz_run.h"
#include "mzatlas/mz_source.h"
#include "testutil.h"

static char tmpdir[256];

static void setup(void)
{
    mz_set_lang(MZ_LANG_DE);
    tu_workdir_make(tmpdir, sizeof tmpdir, "source");
}

static void teardown(void)
{
    tu_workdir_drop(tmpdir);
    mz_set_lang(MZ_LANG_DE);
}

TestSuite(profile, .init = setup, .fini = teardown);
TestSuite(source, .init = setup, .fini = teardown);

static const char *tmp(const char *name, char *buf, size_t size)
{
    return tu_path(tmpdir, name, buf, size);
}

/* ---------------------------------------------------------------- a tiny CSV table in memory */

typedef struct table {
    char **cell; /* rows × cols, row 0 = header */
    size_t rows, cols;
} table_t;

static void table_load(const char *path, table_t *t)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    memset(t, 0, sizeof *t);
    char line[4096];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        size_t n = 1;
        for (char *p = line; *p; p++)
            n += *p == ',';
        if (t->rows == 0)
            t->cols = n;
        cr_assert_eq(n, t->cols, "simple CSV expected: %s", line);
        if ((t->rows + 1) * t->cols > cap) {
            cap = cap ? cap * 2 : 4096;
            while (cap < (t->rows + 1) * t->cols)
                cap *= 2;
            t->cell = realloc(t->cell, cap * sizeof *t->cell);
            cr_assert_not_null(t->cell);
        }
        char *save = NULL, *p = line;
        for (size_t c = 0; c < t->cols; c++) {
            char *comma = strchr(p, ',');
            if (comma)
                *comma = '\0';
            t->cell[t->rows * t->cols + c] = strdup(p);
            p = comma ? comma + 1 : p + strlen(p);
        }
        (void)save;
        t->rows++;
    }
    fclose(f);
}

static void table_free(table_t *t)
{
    for (size_t i = 0; i < t->rows * t->cols; i++)
        free(t->cell[i]);
    free(t->cell);
}

static const char *at(const table_t *t, size_t r, size_t c) { return t->cell[r * t->cols + c]; }

static int col_of(const table_t *t, const char *name)
{
    for (size_t c = 0; c < t->cols; c++)
        if (strcmp(at(t, 0, c), name) == 0)
            return (int)c;
    return -1;
}

/* ---------------------------------------------------------------- ReadStat writer */

static ssize_t write_bytes(const void *data, size_t len, void *ctx)
{
    return (ssize_t)fwrite(data, 1, len, ctx);
}

static bool is_text_column(const char *name)
{
    return !strcmp(name, "kreis") || !strcmp(name, "schicht") || !strcmp(name, "psu") ||
           !strcmp(name, "stratum");
}

/* Write the table as .dta/.sav/.sas7bdat: text columns as strings, weight as double, the codes
 * as int32; an empty code is a missing value. `rename` (may be NULL) maps column names. */
static void write_stat_file(const table_t *t, mz_input_format_t fmt, const char *path,
                            const char *(*rename)(const char *))
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "%s", path);
    readstat_writer_t *w = readstat_writer_init();
    readstat_set_data_writer(w, write_bytes);
    readstat_variable_t *vars[64];
    cr_assert(t->cols <= 64);
    for (size_t c = 0; c < t->cols; c++) {
        const char *name = at(t, 0, c);
        const char *out = rename ? rename(name) : name;
        if (is_text_column(name)) {
            size_t width = 1;
            for (size_t r = 1; r < t->rows; r++)
                if (strlen(at(t, r, c)) > width)
                    width = strlen(at(t, r, c));
            vars[c] = readstat_add_variable(w, out, READSTAT_TYPE_STRING, width);
        } else if (!strcmp(name, "weight")) {
            vars[c] = readstat_add_variable(w, out, READSTAT_TYPE_DOUBLE, 0);
        } else {
            vars[c] = readstat_add_variable(w, out, READSTAT_TYPE_INT32, 0);
        }
    }
    readstat_error_t rc = READSTAT_OK;
    long nrows = (long)t->rows - 1;
    switch (fmt) {
    case MZ_FORMAT_DTA: rc = readstat_begin_writing_dta(w, f, nrows); break;
    case MZ_FORMAT_SAV: rc = readstat_begin_writing_sav(w, f, nrows); break;
    case MZ_FORMAT_SAS7BDAT: rc = readstat_begin_writing_sas7bdat(w, f, nrows); break;
    default: cr_assert_fail("format");
    }
    cr_assert_eq(rc, READSTAT_OK, "%s", readstat_error_message(rc));
    for (size_t r = 1; r < t->rows; r++) {
        cr_assert_eq(readstat_begin_row(w), READSTAT_OK);
        for (size_t c = 0; c < t->cols; c++) {
            const char *v = at(t, r, c);
            const char *name = at(t, 0, c);
            if (is_text_column(name))
                rc = readstat_insert_string_value(w, vars[c], v);
            else if (!v[0])
                rc = readstat_insert_missing_value(w, vars[c]);
            else if (!strcmp(name, "weight"))
                rc = readstat_insert_double_value(w, vars[c], strtod(v, NULL));
            else
                rc = readstat_insert_int32_value(w, vars[c], (int32_t)strtol(v, NULL, 10));
            cr_assert_eq(rc, READSTAT_OK, "%s", readstat_error_message(rc));
        }
        cr_assert_eq(readstat_end_row(w), READSTAT_OK);
    }
    cr_assert_eq(readstat_end_writing(w), READSTAT_OK);
    readstat_writer_free(w);
    fclose(f);
}

/* ---------------------------------------------------------------- running and comparing */

static mz_run_t *run_files(const char *const *paths, size_t n, const char *profile,
                           mz_error_t *err)
{
    mz_run_options_t o;
    mz_run_options_init(&o);
    o.merge = false;
    o.outputs = 0;
    o.profile = profile;
    o.rules.min_cases = 0; /* no secret cells: secondary suppression is not the subject here */
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

static mz_run_t *run_one(const char *path, const char *profile)
{
    mz_error_t err;
    mz_error_clear(&err);
    mz_run_t *run = run_files(&path, 1, profile, &err);
    char buf[2048];
    mz_error_format(&err, buf, sizeof buf);
    cr_assert_not_null(run, "%s: %s", path, buf);
    return run;
}

static bool same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof a) == 0;
}

/* Every estimate of two runs identical, bit for bit. */
static void expect_same_results(mz_run_t *a, mz_run_t *b, const char *what)
{
    mz_results_t *ra = mz_run_results(a), *rb = mz_run_results(b);
    cr_assert_eq(mz_results_count(ra), mz_results_count(rb), "%s: row count", what);
    cr_assert_eq(mz_cells_records(mz_run_cells(a)), mz_cells_records(mz_run_cells(b)), "%s",
                 what);
    cr_assert_gt(mz_results_count(ra), 0);
    for (size_t i = 0; i < mz_results_count(ra); i++) {
        const mz_estimate_t *x = mz_results_at(ra, i), *y = mz_results_at(rb, i);
        cr_assert(x->ind == y->ind && x->group == y->group &&
                      strcmp(x->region->code, y->region->code) == 0,
                  "%s: row %zu differs in kind", what, i);
        cr_assert(same_double(x->p.estimate, y->p.estimate) &&
                      same_double(x->p.numerator, y->p.numerator) &&
                      same_double(x->p.denominator, y->p.denominator) && x->p.n == y->p.n &&
                      x->p.symbol == y->p.symbol && same_double(x->se, y->se) &&
                      same_double(x->ci_low, y->ci_low) && same_double(x->ci_high, y->ci_high),
                  "%s: %s %s %s: %.17g vs %.17g (se %.17g vs %.17g)", what,
                  mz_indicator_id(x->ind), x->region->code, mz_group_id(x->group), x->p.estimate,
                  y->p.estimate, x->se, y->se);
    }
    cr_assert_eq(mz_run_input(a, 0)->design, mz_run_input(b, 0)->design, "%s: design", what);
    cr_assert_eq(mz_run_synthetic(a), mz_run_synthetic(b), "%s: synthetic", what);
    cr_assert_eq(mz_run_year(a), mz_run_year(b), "%s: year", what);
}

/* ---------------------------------------------------------------- profiles */

Test(profile, builtin_canonical_equals_bundled_file)
{
    char path[4096];
    mz_error_t err;
    mz_profile_t *a = mz_profile_canonical(&err);
    cr_assert_not_null(a, "%s", err.message);
    mz_profile_t *b = mz_profile_load("canonical", &err);
    cr_assert_not_null(b, "%s", err.message);
    cr_assert_str_eq(mz_profile_file(b), tu_data_path("profiles/canonical.ini", path, sizeof path));
    cr_assert(mz_profile_is_canonical(a));
    cr_assert(mz_profile_is_canonical(b));
    for (int f = 0; f < MZ_NFIELDS; f++) {
        cr_assert_str_eq(mz_profile_variable(a, f), mz_profile_variable(b, f));
        cr_assert_str_eq(mz_profile_variable(a, f), mz_field_id(f));
        cr_assert_eq(mz_profile_optional(a, f), mz_profile_optional(b, f), "%s", mz_field_id(f));
        cr_assert(mz_profile_verified(a, f) && mz_profile_verified(b, f));
    }
    cr_assert_str_eq(mz_profile_unverified(b), "");
    mz_profile_destroy(a);
    mz_profile_destroy(b);
    mz_profile_destroy(NULL);
}

Test(profile, every_bundled_profile_loads_and_admits_what_is_unverified)
{
    char dir[4096];
    DIR *d = opendir(tu_data_path("profiles", dir, sizeof dir));
    cr_assert_not_null(d);
    struct dirent *de;
    int n = 0, unverified = 0;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".ini") != 0)
            continue;
        char path[4300];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        mz_error_t err;
        mz_profile_t *p = mz_profile_load(path, &err);
        cr_assert_not_null(p, "%s:%ld: %s", err.file, err.line, err.message);
        n++;
        if (!mz_profile_is_canonical(p)) {
            /* nothing in the non-canonical profiles is checked against a real file */
            cr_assert_neq(mz_profile_unverified(p)[0], '\0', "%s", path);
            unverified++;
        }
        mz_profile_destroy(p);
    }
    closedir(d);
    cr_assert_geq(n, 4);
    cr_assert_geq(unverified, 3);
}

Test(profile, recodes)
{
    static const char text[] = "[profile]\n"
                               "weight_scale = 1000\n"
                               "[const]\nyear = 2009\n"
                               "[fields]\nkreis = K\nweight = W\nage = A\nmig = M\nilo = I\n"
                               "selfemp = S\nsector = WZ\n"
                               "[recode.mig]\n1 = 0\n2..5 = 1\nfremd = 2\n"
                               "[recode.ilo]\n1 = 1\n2 = 2\n3-4 = 3\nmissing = 3\n"
                               "[recode.selfemp]\n1-2 = 1\n* = 0\n"
                               "[recode.sector]\nA = 1\nB-F = 2\nG-I = 3\nJ-U = 4\n";
    mz_error_t err;
    mz_profile_t *p = mz_profile_load_mem("t.ini", text, &err);
    cr_assert_not_null(p, "%ld %s", err.line, err.message);
    const char *out = NULL;
    cr_assert_eq(mz_profile_recode_num(p, MZ_F_MIG, 1, &out), MZ_RECODE_HIT);
    cr_assert_str_eq(out, "0");
    cr_assert_eq(mz_profile_recode_num(p, MZ_F_MIG, 4, &out), MZ_RECODE_HIT);
    cr_assert_str_eq(out, "1");
    cr_assert_eq(mz_profile_recode_num(p, MZ_F_MIG, 6, &out), MZ_RECODE_MISS);
    cr_assert_eq(mz_profile_recode_str(p, MZ_F_MIG, "fremd", &out), MZ_RECODE_HIT);
    cr_assert_str_eq(out, "2");
    cr_assert_eq(mz_profile_recode_str(p, MZ_F_MIG, "05", &out), MZ_RECODE_HIT, "text as number");
    cr_assert_str_eq(out, "1");
    cr_assert_eq(mz_profile_recode_num(p, MZ_F_ILO, 4, &out), MZ_RECODE_HIT);
    cr_assert_str_eq(out, "3");
    cr_assert_eq(mz_profile_recode_missing(p, MZ_F_ILO, &out), MZ_RECODE_HIT);
    cr_assert_str_eq(out, "3");
    cr_assert_eq(mz_profile_recode_missing(p, MZ_F_MIG, &out), MZ_RECODE_MISS);
    cr_assert_eq(mz_profile_recode_num(p, MZ_F_SELFEMP, 7, &out), MZ_RECODE_HIT);
    cr_assert_str_eq(out, "0");
    cr_assert_eq(mz_profile_recode_str(p, MZ_F_SECTOR, "h", &out), MZ_RECODE_HIT);
    cr_assert_str_eq(out, "3");
    cr_assert_eq(mz_profile_recode_str(p, MZ_F_SECTOR, "Z", &out), MZ_RECODE_MISS);
    cr_assert_eq(mz_profile_recode_num(p, MZ_F_AGE, 33, &out), MZ_RECODE_NONE);
    cr_assert_eq(mz_profile_weight_scale(p), 1000.0);
    cr_assert_str_eq(mz_profile_constant(p, MZ_F_YEAR), "2009");
    cr_assert_not(mz_profile_is_canonical(p));
    cr_assert_str_eq(mz_profile_unverified(p),
                     "year, kreis, weight, age, mig, ilo, selfemp, sector");
    mz_profile_destroy(p);
}

/* Each broken profile: the line and key of the error and a part of its message. */
Test(profile, errors_name_file_line_and_key)
{
    static const struct {
        const char *text;
        long line;
        const char *key, *msg;
    } cases[] = {
        {"[fields]\nyear = y\nalter = EF44\n", 3, "alter", "unbekanntes Feld"},
        {"[felder]\nyear = y\n", 2, "felder", "unbekannter Abschnitt"},
        {"[recode.mig]\n1 = 0\n1 = 2\n", 3, "1", "doppelt"},
        {"[recode.mig]\n1 = 7\n", 2, "1", "0 bis 2"},
        {"[recode.weight]\n1 = 7\n", 2, "1", "weight_scale"},
        {"[profile]\nweight_scale = -1\n", 2, "weight_scale", "Faktor"},
        {"[fields]\nyear = a b\n", 2, "year", "Variablennamen"},
        {"[fields]\nyear = y\nyear = z\n", 3, "year", "Zeile 2"},
        {"[fields]\nthis line has no equals sign\n", 2, "", "Syntaxfehler"},
        {"; long\n[fields]\nyear = "
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
         3, "", "zu lang"},
        /* complete but without a required field: line 0, the field named */
        {"[fields]\nyear = y\nkreis = k\nweight = w\nmig = m\nilo = i\nselfemp = s\nsector = x\n",
         0, "age", "Pflichtfeld"},
        {"[fields]\nyear = y\nweight = w\nage = a\nmig = m\nilo = i\nselfemp = s\nsector = x\n",
         0, "kreis", "weder kreis"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        mz_error_t err;
        mz_error_clear(&err);
        mz_profile_t *p = mz_profile_load_mem("bad.ini", cases[i].text, &err);
        cr_assert_null(p, "case %zu accepted", i);
        cr_assert_eq(err.status, MZ_ERR_DATA, "case %zu", i);
        cr_assert_str_eq(err.file, "bad.ini", "case %zu", i);
        cr_assert_eq(err.line, cases[i].line, "case %zu: line %ld", i, err.line);
        cr_assert_str_eq(err.column, cases[i].key, "case %zu: key %s", i, err.column);
        cr_assert(strstr(err.message, cases[i].msg), "case %zu: %s", i, err.message);
    }
}

Test(profile, unknown_bundled_name_lists_the_available_ones)
{
    mz_error_t err;
    cr_assert_null(mz_profile_load("no-such-profile", &err));
    cr_assert_eq(err.status, MZ_ERR_USAGE);
    cr_assert(strstr(err.message, "canonical") && strstr(err.message, "mz-ef-2008-2016"), "%s",
              err.message);
    cr_assert_null(mz_profile_load("../etc/passwd", &err));
    cr_assert_null(mz_profile_load("/nonexistent/p.ini", &err));
    cr_assert_eq(err.status, MZ_ERR_IO);
}

/* ---------------------------------------------------------------- Stata, SPSS, SAS = CSV */

static void same_as_csv(const char *csv, mz_input_format_t fmt, const char *name)
{
    char out[600];
    table_t t;
    table_load(csv, &t);
    write_stat_file(&t, fmt, tmp(name, out, sizeof out), NULL);
    table_free(&t);
    mz_run_t *a = run_one(csv, NULL);
    mz_run_t *b = run_one(out, NULL);
    expect_same_results(a, b, name);
    cr_assert_eq(mz_run_input(b, 0)->records, mz_run_input(a, 0)->records);
    cr_assert_eq(strlen(mz_run_input(b, 0)->sha256), 64);
    mz_run_destroy(a);
    mz_run_destroy(b);
}

Test(source, dta_sav_sas7bdat_of_the_example_equal_its_csv, .timeout = 120)
{
    char csv[4096];
    tu_data_path("examples/example-2007.csv", csv, sizeof csv);
    same_as_csv(csv, MZ_FORMAT_DTA, "example.dta");
    same_as_csv(csv, MZ_FORMAT_SAV, "example.sav");
    same_as_csv(csv, MZ_FORMAT_SAS7BDAT, "example.sas7bdat");
}

Test(source, stratum_only_records_and_missing_codes)
{
    char csv[4096];
    tu_fixture_path("core/small-2007.csv", csv, sizeof csv);
    same_as_csv(csv, MZ_FORMAT_DTA, "small.dta");
    same_as_csv(csv, MZ_FORMAT_SAV, "small.sav");
}

/* Records as text lines, to compare two sources field by field. */
typedef struct sink {
    char text[16384];
    size_t o;
    int n;
} sink_t;

static mz_status_t to_text(void *ctx, const mz_record_t *r, mz_error_t *err)
{
    sink_t *s = ctx;
    (void)err;
    s->o += (size_t)snprintf(s->text + s->o, sizeof s->text - s->o,
                             "%d|%d|%d|%s|%s|%.17g|%d|%d|%d|%d|%d|%d\n", r->year, r->unit,
                             r->stratum, r->psu ? r->psu : "-",
                             r->design_stratum ? r->design_stratum : "-", r->weight, r->age,
                             r->sex, r->mig, r->ilo, r->selfemp, r->sector);
    s->n++;
    return MZ_OK;
}

static mz_gazetteer_t *load_gz(void)
{
    char path[4096];
    mz_error_t err;
    mz_gazetteer_t *gz =
        mz_gazetteer_load(tu_data_path("regions/gazetteer-ni.csv", path, sizeof path), &err);
    cr_assert_not_null(gz, "%s", err.message);
    return gz;
}

static mz_status_t read_text(const mz_gazetteer_t *gz, const char *path, const mz_profile_t *p,
                             sink_t *s, mz_source_info_t *info, mz_error_t *err)
{
    mz_source_options_t so = {.gazetteer = gz, .profile = p};
    memset(s, 0, sizeof *s);
    mz_error_clear(err);
    return mz_source_read(path, &so, to_text, s, info, err);
}

Test(source, records_equal_field_by_field)
{
    char csv[4096], dta[600], sav[600];
    tu_fixture_path("core/small-2007.csv", csv, sizeof csv);
    table_t t;
    table_load(csv, &t);
    write_stat_file(&t, MZ_FORMAT_DTA, tmp("r.dta", dta, sizeof dta), NULL);
    write_stat_file(&t, MZ_FORMAT_SAV, tmp("r.sav", sav, sizeof sav), NULL);
    table_free(&t);
    mz_gazetteer_t *gz = load_gz();
    static sink_t a, b, c;
    mz_source_info_t ia, ib, ic;
    mz_error_t err;
    cr_assert_eq(read_text(gz, csv, NULL, &a, &ia, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(read_text(gz, dta, NULL, &b, &ib, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(read_text(gz, sav, NULL, &c, &ic, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(a.n, 19);
    cr_assert_str_eq(a.text, b.text);
    cr_assert_str_eq(a.text, c.text);
    cr_assert_eq(ib.format, MZ_FORMAT_DTA);
    cr_assert_eq(ic.format, MZ_FORMAT_SAV);
    cr_assert_eq(ib.records, 19);
    cr_assert_eq(ib.year, 2007);
    cr_assert_not(ib.design);
    mz_gazetteer_destroy(gz);
}

/* ---------------------------------------------------------------- through a profile */

/* An EF-style file: other names, source codes, weight in thousands, a Land filter. */
static const char ef_profile[] =
    "[profile]\nname = test-ef\nweight_scale = 1000\nnot_employed = zero\n"
    "[fields]\nyear = EF_JAHR\nkreis = EF_KREIS\nschicht = EF_RA?\nweight = EF952\n"
    "age = EF44\nsex = EF46\nmig = EF_MIG\nilo = EF_ILO\nselfemp = EF_STIB\nsector = EF_WZ\n"
    "[filter]\nEF_LAND = 3\n"
    "[kreis]\nprefix = 03\ndigits = 3\n"
    "[recode.schicht]\n2 = RA_02\n"
    "[recode.mig]\n1 = 0\n2-4 = 1\n5-6 = 2\n"
    "[recode.ilo]\n1 = 1\n2 = 2\n3-4 = 3\n"
    "[recode.selfemp]\n1-2 = 1\n* = 0\n"
    "[recode.sector]\n1-3 = 1\n5-43 = 2\n45-56 = 3\n58-99 = 4\n";

/* The fixture in EF-style coding (the inverse of the recodes above), semicolon-separated with
 * decimal commas, weight in thousands. variant 1 codes inactive as 4 instead of 3; other_land
 * adds a record of another Land after each row (the filter must drop it). */
static void write_ef_csv(const table_t *t, const char *path, int variant, bool other_land)
{
    static const char *const mig_code[] = {"1", "3", "6"};
    static const char *const sector_code[] = {"", "2", "27", "47", "86"};
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("EF_LAND;EF_JAHR;EF_KREIS;EF_RA;EF952;EF44;EF46;EF_MIG;EF_ILO;EF_STIB;EF_WZ\n", f);
    for (size_t r = 1; r < t->rows; r++) {
        char w[64];
        snprintf(w, sizeof w, "%.3f",
                 strtod(at(t, r, (size_t)col_of(t, "weight")), NULL) / 1000.0);
        for (char *p = w; *p; p++)
            if (*p == '.')
                *p = ',';
        const char *k = at(t, r, (size_t)col_of(t, "kreis"));
        int ilo = atoi(at(t, r, (size_t)col_of(t, "ilo")));
        int self = atoi(at(t, r, (size_t)col_of(t, "selfemp")));
        int sec = atoi(at(t, r, (size_t)col_of(t, "sector")));
        fprintf(f, "3;%s;%s;%s;%s;%s;%s;%s;%s;%s;%s\n", at(t, r, 0), k[0] ? k + 2 : "",
                at(t, r, (size_t)col_of(t, "schicht"))[0] ? "2" : "", w,
                at(t, r, (size_t)col_of(t, "age")), at(t, r, (size_t)col_of(t, "sex")),
                mig_code[atoi(at(t, r, (size_t)col_of(t, "mig")))],
                ilo == 3 ? (variant ? "4" : "3") : at(t, r, (size_t)col_of(t, "ilo")),
                /* 9 = not applicable: must be ignored for persons who are not employed */
                ilo == 1 ? (self ? "2" : "5") : "9", ilo == 1 ? sector_code[sec] : "99");
        if (other_land) /* a record of another Land, with a Kreis key unknown here */
            fprintf(f, "5;%s;913;;0,1;40;1;1;1;5;86\n", at(t, r, 0));
    }
    fclose(f);
}

static const char *profile_file(const char *text, char *buf, size_t size)
{
    tmp("test-ef.ini", buf, size);
    tu_write_file(buf, text);
    return buf;
}

Test(source, profile_csv_equals_canonical_csv)
{
    char csv[4096], ef[600], prof[600];
    tu_fixture_path("core/small-2007.csv", csv, sizeof csv);
    table_t t;
    table_load(csv, &t);
    for (int variant = 0; variant < 2; variant++) {
        write_ef_csv(&t, tmp("ef.csv", ef, sizeof ef), variant, variant == 1);
        mz_run_t *a = run_one(csv, NULL);
        mz_run_t *b = run_one(ef, profile_file(ef_profile, prof, sizeof prof));
        expect_same_results(a, b, "ef.csv");
        cr_assert_eq(mz_run_input(b, 0)->records, 19);
        /* notes: the unverified mapping, and for variant 1 the filtered records */
        bool unverified = false, filtered = false;
        for (size_t i = 0; i < mz_run_note_count(b); i++) {
            unverified |= strstr(mz_run_note(b, i), "nicht geprüft") != NULL;
            filtered |= strstr(mz_run_note(b, i), "19 Datensätze durch den Filter") != NULL;
        }
        cr_assert(unverified);
        cr_assert_eq(filtered, variant == 1);
        mz_run_destroy(a);
        mz_run_destroy(b);
    }
    /* the same EF file as .sav, with the same profile */
    table_free(&t);
}

Test(source, errors_name_data_file_row_variable_and_profile_line)
{
    char csv[4096], ef[600], prof[600], buf[2048];
    tu_fixture_path("core/small-2007.csv", csv, sizeof csv);
    table_t t;
    table_load(csv, &t);
    write_ef_csv(&t, tmp("ef.csv", ef, sizeof ef), 0, false);
    table_free(&t);
    mz_gazetteer_t *gz = load_gz();
    mz_error_t err;
    static sink_t sk;
    mz_source_info_t info;

    /* a variable the file lacks: the data file, the variable, the profile file and line */
    char text[4096];
    snprintf(text, sizeof text, "%s", ef_profile);
    char *p = strstr(text, "age = EF44");
    memcpy(p, "age = EF45", 10);
    mz_profile_t *pr = mz_profile_load(profile_file(text, prof, sizeof prof), &err);
    cr_assert_not_null(pr, "%s", err.message);
    cr_assert_eq(read_text(gz, ef, pr, &sk, &info, &err), MZ_ERR_DATA);
    mz_error_format(&err, buf, sizeof buf);
    cr_assert_str_eq(err.file, ef);
    cr_assert_str_eq(err.column, "EF45");
    cr_assert(strstr(err.message, prof) && strstr(err.message, "Zeile 10") &&
                  strstr(err.message, "Feld age"),
              "%s", buf);
    mz_profile_destroy(pr);

    /* a value missing from a recode table: row, variable, value, profile line of the table */
    snprintf(text, sizeof text, "%s", ef_profile);
    p = strstr(text, "5-6 = 2");
    memcpy(p, "5-5 = 2", 7);
    pr = mz_profile_load(profile_file(text, prof, sizeof prof), &err);
    cr_assert_not_null(pr, "%s", err.message);
    cr_assert_eq(read_text(gz, ef, pr, &sk, &info, &err), MZ_ERR_DATA);
    cr_assert_str_eq(err.file, ef);
    cr_assert_eq(err.line, 8, "first foreign national is on line 8, got %ld", err.line);
    cr_assert_str_eq(err.column, "EF_MIG");
    cr_assert_str_eq(err.value, "6");
    cr_assert(strstr(err.message, "[recode.mig]") && strstr(err.message, "Zeile 24"), "%s",
              err.message);
    mz_profile_destroy(pr);

    /* a weight in thousands (a 1 % sample: about 0.1) read without weight_scale: refused */
    snprintf(text, sizeof text, "%s", ef_profile);
    p = strstr(text, "weight_scale = 1000");
    memcpy(p, "weight_scale = 1   ", 19);
    pr = mz_profile_load(profile_file(text, prof, sizeof prof), &err);
    cr_assert_not_null(pr, "%s", err.message);
    char small[600];
    tu_write_file(tmp("thousands.csv", small, sizeof small),
               "EF_LAND;EF_JAHR;EF_KREIS;EF_RA;EF952;EF44;EF46;EF_MIG;EF_ILO;EF_STIB;EF_WZ\n"
               "3;2007;101;;0,098;40;1;1;1;5;86\n3;2007;101;;0,112;30;2;3;2;9;99\n");
    cr_assert_eq(read_text(gz, small, pr, &sk, &info, &err), MZ_ERR_DATA);
    cr_assert(strstr(err.message, "weight_scale = 1000") && strstr(err.message, "0.105"), "%s",
              err.message);
    mz_profile_destroy(pr);

    /* a thousands point after decimal commas: refused, naming the line of the first comma */
    pr = mz_profile_load(profile_file(ef_profile, prof, sizeof prof), &err);
    cr_assert_not_null(pr, "%s", err.message);
    tu_write_file(tmp("mixed.csv", small, sizeof small),
               "EF_LAND;EF_JAHR;EF_KREIS;EF_RA;EF952;EF44;EF46;EF_MIG;EF_ILO;EF_STIB;EF_WZ\n"
               "3;2007;101;;0,098;40;1;1;1;5;86\n3;2007;101;;0,112;30;2;3;2;9;99\n"
               "3;2007;101;;1.234;30;2;3;2;9;99\n");
    cr_assert_eq(read_text(gz, small, pr, &sk, &info, &err), MZ_ERR_DATA);
    cr_assert_eq(err.line, 4);
    cr_assert_str_eq(err.column, "EF952");
    cr_assert_str_eq(err.value, "1.234");
    cr_assert(strstr(err.message, "Dezimaltrennzeichen '.', in Zeile 2 war es ','"), "%s",
              err.message);
    mz_profile_destroy(pr);

    /* a canonical value error through the profile: the field and the recoded value */
    FILE *f = fopen(ef, "a");
    fputs("3;2007;101;;1,000;130;1;1;1;5;86\n", f);
    fclose(f);
    pr = mz_profile_load(profile_file(ef_profile, prof, sizeof prof), &err);
    cr_assert_not_null(pr);
    cr_assert_eq(read_text(gz, ef, pr, &sk, &info, &err), MZ_ERR_DATA);
    cr_assert_eq(err.line, 21);
    cr_assert_str_eq(err.column, "EF44");
    cr_assert_str_eq(err.value, "130");
    cr_assert(strstr(err.message, "Feld age") && strstr(err.message, "0 bis 120"), "%s",
              err.message);
    mz_profile_destroy(pr);
    mz_gazetteer_destroy(gz);
}

Test(source, stat_file_without_canonical_names_and_without_profile)
{
    char csv[4096], dta[600];
    tu_fixture_path("core/small-2007.csv", csv, sizeof csv);
    table_t t;
    table_load(csv, &t);
    int age = col_of(&t, "age");
    free(t.cell[age]);
    t.cell[age] = strdup("alter");
    write_stat_file(&t, MZ_FORMAT_DTA, tmp("alter.dta", dta, sizeof dta), NULL);
    table_free(&t);
    mz_gazetteer_t *gz = load_gz();
    mz_error_t err;
    static sink_t sk;
    cr_assert_eq(read_text(gz, dta, NULL, &sk, NULL, &err), MZ_ERR_DATA);
    cr_assert_str_eq(err.file, dta);
    cr_assert_str_eq(err.column, "age");
    cr_assert(strstr(err.message, "Variable fehlt") && strstr(err.message, "canonical"), "%s",
              err.message);
    /* a file that is no Stata file */
    char bad[600];
    tu_write_file(tmp("bad.dta", bad, sizeof bad), "year,kreis\n2007,03101\n");
    cr_assert_eq(read_text(gz, bad, NULL, &sk, NULL, &err), MZ_ERR_DATA);
    cr_assert(strstr(err.message, "dta"), "%s", err.message);
    cr_assert_eq(read_text(gz, "/nonexistent/x.sav", NULL, &sk, NULL, &err), MZ_ERR_IO);
    mz_gazetteer_destroy(gz);
}

/* SPSS value labels used for recoding when the profile says so. */
Test(source, value_labels_used_per_profile)
{
    char csv[4096], sav[600], prof[600];
    tu_fixture_path("core/small-2007.csv", csv, sizeof csv);
    table_t t;
    table_load(csv, &t);
    /* mig as 7/8/9 with labels */
    FILE *f = fopen(tmp("lab.sav", sav, sizeof sav), "wb");
    readstat_writer_t *w = readstat_writer_init();
    readstat_set_data_writer(w, write_bytes);
    readstat_label_set_t *ls = readstat_add_label_set(w, READSTAT_TYPE_INT32, "migl");
    readstat_label_int32_value(ls, 7, "ohne Migrationshintergrund");
    readstat_label_int32_value(ls, 8, "Deutsche mit Migrationshintergrund");
    readstat_label_int32_value(ls, 9, "Auslaender");
    readstat_variable_t *vars[16];
    for (size_t c = 0; c < t.cols; c++) {
        const char *name = at(&t, 0, c);
        vars[c] = readstat_add_variable(w, name,
                                        is_text_column(name) ? READSTAT_TYPE_STRING
                                        : !strcmp(name, "weight") ? READSTAT_TYPE_DOUBLE
                                                                  : READSTAT_TYPE_INT32,
                                        is_text_column(name) ? 8 : 0);
        if (!strcmp(name, "mig"))
            readstat_variable_set_label_set(vars[c], ls);
    }
    cr_assert_eq(readstat_begin_writing_sav(w, f, (long)t.rows - 1), READSTAT_OK);
    for (size_t r = 1; r < t.rows; r++) {
        readstat_begin_row(w);
        for (size_t c = 0; c < t.cols; c++) {
            const char *name = at(&t, 0, c), *v = at(&t, r, c);
            if (is_text_column(name))
                readstat_insert_string_value(w, vars[c], v);
            else if (!v[0])
                readstat_insert_missing_value(w, vars[c]);
            else if (!strcmp(name, "weight"))
                readstat_insert_double_value(w, vars[c], strtod(v, NULL));
            else if (!strcmp(name, "mig"))
                readstat_insert_int32_value(w, vars[c], 7 + atoi(v));
            else
                readstat_insert_int32_value(w, vars[c], atoi(v));
        }
        readstat_end_row(w);
    }
    cr_assert_eq(readstat_end_writing(w), READSTAT_OK);
    readstat_writer_free(w);
    fclose(f);
    table_free(&t);

    static const char with_labels[] =
        "[profile]\nvalue_labels = use\n"
        "[fields]\nyear = year\nkreis = kreis\nschicht = schicht\nweight = weight\nage = age\n"
        "sex = sex\nmig = mig\nilo = ilo\nselfemp = selfemp\nsector = sector\n"
        "[recode.mig]\nohne Migrationshintergrund = 0\nDeutsche mit Migrationshintergrund = 1\n"
        "Auslaender = 2\n";
    mz_run_t *a = run_one(csv, NULL);
    mz_run_t *b = run_one(sav, profile_file(with_labels, prof, sizeof prof));
    expect_same_results(a, b, "labels");
    mz_run_destroy(b);
    /* the same recode by codes, labels ignored */
    static const char with_codes[] =
        "[profile]\nvalue_labels = ignore\n"
        "[fields]\nyear = year\nkreis = kreis\nschicht = schicht\nweight = weight\nage = age\n"
        "sex = sex\nmig = mig\nilo = ilo\nselfemp = selfemp\nsector = sector\n"
        "[recode.mig]\n7 = 0\n8 = 1\n9 = 2\n";
    b = run_one(sav, profile_file(with_codes, prof, sizeof prof));
    expect_same_results(a, b, "codes");
    mz_run_destroy(b);
    /* labels ignored but the table keyed by labels: the code is reported as missing */
    static const char wrong[] =
        "[profile]\nvalue_labels = ignore\n"
        "[fields]\nyear = year\nkreis = kreis\nschicht = schicht\nweight = weight\nage = age\n"
        "sex = sex\nmig = mig\nilo = ilo\nselfemp = selfemp\nsector = sector\n"
        "[recode.mig]\nohne Migrationshintergrund = 0\n";
    mz_error_t err;
    const char *path = sav;
    cr_assert_null(run_files(&path, 1, profile_file(wrong, prof, sizeof prof), &err));
    cr_assert_eq(err.line, 1);
    cr_assert_str_eq(err.value, "7");
    mz_run_destroy(a);
}

/* ---------------------------------------------------------------- several extracts */

/* Split a table into files by a predicate on the row. */
static void write_part(const table_t *t, const char *path, bool (*keep)(const table_t *, size_t))
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (size_t r = 0; r < t->rows; r++) {
        if (r > 0 && !keep(t, r))
            continue;
        for (size_t c = 0; c < t->cols; c++)
            fprintf(f, "%s%s", c ? "," : "", at(t, r, c));
        fputc('\n', f);
    }
    fclose(f);
}

static bool in_ra01(const table_t *t, size_t r)
{
    const char *k = at(t, r, (size_t)col_of(t, "kreis"));
    return !strcmp(k, "03101") || !strcmp(k, "03102");
}
static bool not_ra01(const table_t *t, size_t r) { return !in_ra01(t, r); }
static bool kreis_03101(const table_t *t, size_t r)
{
    return !strcmp(at(t, r, (size_t)col_of(t, "kreis")), "03101");
}
static bool only_stratum(const table_t *t, size_t r)
{
    return at(t, r, (size_t)col_of(t, "kreis"))[0] == '\0';
}

Test(source, several_extracts_one_per_stratum_equal_one_file)
{
    char csv[4096], a[600], b[600];
    tu_fixture_path("core/small-2007.csv", csv, sizeof csv);
    table_t t;
    table_load(csv, &t);
    write_part(&t, tmp("ra01.csv", a, sizeof a), in_ra01);
    table_t t2 = t;
    write_part(&t2, tmp("rest.csv", b, sizeof b), not_ra01);
    /* the second part as Stata file: formats may be mixed */
    char bd[600];
    table_t rest;
    table_load(b, &rest);
    write_stat_file(&rest, MZ_FORMAT_DTA, tmp("rest.dta", bd, sizeof bd), NULL);
    table_free(&rest);
    table_free(&t);
    mz_error_t err;
    mz_run_t *one = run_one(csv, NULL);
    const char *parts[] = {a, bd};
    mz_run_t *two = run_files(parts, 2, NULL, &err);
    cr_assert_not_null(two, "%s", err.message);
    cr_assert_eq(mz_run_input_count(two), 2);
    mz_results_t *r1 = mz_run_results(one), *r2 = mz_run_results(two);
    cr_assert_eq(mz_results_count(r1), mz_results_count(r2));
    for (size_t i = 0; i < mz_results_count(r1); i++) {
        const mz_estimate_t *x = mz_results_at(r1, i), *y = mz_results_at(r2, i);
        /* sums in another order may differ in the last bit */
        cr_assert(x->ind == y->ind && x->group == y->group &&
                  !strcmp(x->region->code, y->region->code));
        cr_assert((isnan(x->p.estimate) && isnan(y->p.estimate)) ||
                      fabs(x->p.estimate - y->p.estimate) <= 1e-12 * fabs(x->p.estimate) + 1e-12,
                  "%s %s", mz_indicator_id(x->ind), x->region->code);
        cr_assert_eq(x->p.symbol, y->p.symbol);
    }
    mz_run_destroy(one);
    mz_run_destroy(two);
}

Test(source, several_extracts_must_be_disjoint_and_of_one_year)
{
    char csv[4096], a[600], b[600], c[600];
    tu_fixture_path("core/small-2007.csv", csv, sizeof csv);
    table_t t;
    table_load(csv, &t);
    write_part(&t, tmp("k.csv", a, sizeof a), kreis_03101);
    write_part(&t, tmp("so.csv", c, sizeof c), only_stratum);
    /* the same Kreis in a second file (as Stata): refused, both files named */
    table_t k;
    table_load(a, &k);
    write_stat_file(&k, MZ_FORMAT_SAV, tmp("k.sav", b, sizeof b), NULL);
    table_free(&k);
    mz_error_t err;
    const char *dup[] = {a, b};
    cr_assert_null(run_files(dup, 2, NULL, &err));
    cr_assert_eq(err.status, MZ_ERR_DATA);
    cr_assert_str_eq(err.file, b);
    cr_assert_str_eq(err.value, "03101");
    cr_assert(strstr(err.message, a), "%s", err.message);
    /* the whole file beside its own part */
    const char *whole[] = {csv, a};
    cr_assert_null(run_files(whole, 2, NULL, &err));
    cr_assert_str_eq(err.file, a);
    /* stratum-only records beside Kreise of that stratum in another file */
    char k2[600];
    tu_write_file(tmp("k2.csv", k2, sizeof k2),
               "year,kreis,weight,age,mig,ilo,selfemp,sector\n2007,03153,500,30,0,1,0,2\n");
    const char *so[] = {k2, c};
    cr_assert_null(run_files(so, 2, NULL, &err));
    cr_assert(strstr(err.message, k2), "%s", err.message);
    /* another year */
    char y[600];
    tu_write_file(tmp("y.csv", y, sizeof y),
               "year,kreis,weight,age,mig,ilo,selfemp,sector\n2008,03102,500,30,0,1,0,2\n");
    const char *years[] = {a, y};
    cr_assert_null(run_files(years, 2, NULL, &err));
    cr_assert_str_eq(err.file, y);
    cr_assert(strstr(err.message, "2007"), "%s", err.message);
    table_free(&t);
}
