/* make-readstat-seeds.c — writes the seed corpus of fuzz_readstat (fuzz/corpus/readstat/):
 * small Stata, SPSS and SAS files with the canonical variables, some with value labels and
 * missing values, each prefixed with the byte that selects format and profile in the target.
 * Not part of the build by default: `ninja -C BUILD fuzz/make-readstat-seeds` and run it from
 * the source root. */
#include <readstat.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ssize_t write_bytes(const void *bytes, size_t len, void *ctx)
{
    return (ssize_t)fwrite(bytes, 1, len, ctx);
}

typedef struct row {
    const char *kreis;
    double weight;
    int age, mig, ilo, selfemp, sector; /* -1: missing */
} row_t;

static void write_file(const char *path, int selector, int fmt, bool labelled, const row_t *rows,
                       size_t n, bool schicht)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fputc(selector, f);
    readstat_writer_t *w = readstat_writer_init();
    readstat_set_data_writer(w, write_bytes);
    readstat_label_set_t *mig_labels = NULL;
    if (labelled) {
        mig_labels = readstat_add_label_set(w, READSTAT_TYPE_INT32, "miglab");
        readstat_label_int32_value(mig_labels, 1, "ohne");
        readstat_label_int32_value(mig_labels, 2, "Deutsche mit MH");
        readstat_label_int32_value(mig_labels, 3, "Ausländer");
    }
    readstat_variable_t *year = readstat_add_variable(w, "year", READSTAT_TYPE_INT32, 0);
    readstat_variable_t *kreis =
        readstat_add_variable(w, schicht ? "schicht" : "kreis", READSTAT_TYPE_STRING, 8);
    readstat_variable_t *weight = readstat_add_variable(w, "weight", READSTAT_TYPE_DOUBLE, 0);
    readstat_variable_t *age = readstat_add_variable(w, "age", READSTAT_TYPE_INT16, 0);
    readstat_variable_t *mig = readstat_add_variable(w, "mig", READSTAT_TYPE_INT32, 0);
    if (mig_labels)
        readstat_variable_set_label_set(mig, mig_labels);
    readstat_variable_t *ilo = readstat_add_variable(w, "ilo", READSTAT_TYPE_INT8, 0);
    readstat_variable_t *selfemp = readstat_add_variable(w, "selfemp", READSTAT_TYPE_INT8, 0);
    readstat_variable_t *sector = readstat_add_variable(w, "sector", READSTAT_TYPE_FLOAT, 0);
    readstat_error_t rc = fmt == 0   ? readstat_begin_writing_dta(w, f, (long)n)
                          : fmt == 1 ? readstat_begin_writing_sav(w, f, (long)n)
                                     : readstat_begin_writing_sas7bdat(w, f, (long)n);
    for (size_t i = 0; i < n && rc == READSTAT_OK; i++) {
        const row_t *r = &rows[i];
        readstat_begin_row(w);
        readstat_insert_int32_value(w, year, 2007);
        readstat_insert_string_value(w, kreis, r->kreis);
        readstat_insert_double_value(w, weight, r->weight);
        readstat_insert_int16_value(w, age, (int16_t)r->age);
        readstat_insert_int32_value(w, mig, r->mig);
        readstat_insert_int8_value(w, ilo, (int8_t)r->ilo);
        readstat_insert_int8_value(w, selfemp, (int8_t)r->selfemp);
        if (r->sector < 0)
            readstat_insert_missing_value(w, sector);
        else
            readstat_insert_float_value(w, sector, (float)r->sector);
        rc = readstat_end_row(w);
    }
    if (rc == READSTAT_OK)
        rc = readstat_end_writing(w);
    readstat_writer_free(w);
    fclose(f);
    if (rc != READSTAT_OK) {
        fprintf(stderr, "%s: %s\n", path, readstat_error_message(rc));
        exit(1);
    }
}

int main(void)
{
    static const row_t canon[] = {{"03101", 100.5, 30, 0, 1, 0, 4},
                                  {"03102", 90, 70, 1, 3, 0, 0},
                                  {"03241", 80, 40, 2, 2, 0, 0}};
    static const row_t coded[] = {{"101", 100, 30, 1, 1, 1, 2},
                                  {"102", 95, 50, 3, 3, 0, -1},
                                  {"241", 85, 20, 2, 2, 0, -1}};
    static const row_t strata[] = {{"RA_01", 100, 30, 0, 1, 0, 4}};
    static const char *const ext[3] = {"dta", "sav", "sas7bdat"};
    char path[256];
    for (int fmt = 0; fmt < 3; fmt++) {
        snprintf(path, sizeof path, "fuzz/corpus/readstat/seed-canonical.%s", ext[fmt]);
        write_file(path, fmt, fmt, false, canon, 3, false);
        snprintf(path, sizeof path, "fuzz/corpus/readstat/seed-labels.%s", ext[fmt]);
        write_file(path, 3 + fmt, fmt, true, coded, 3, false);
        snprintf(path, sizeof path, "fuzz/corpus/readstat/seed-schicht.%s", ext[fmt]);
        write_file(path, fmt, fmt, false, strata, 1, true);
    }
    return 0;
}
