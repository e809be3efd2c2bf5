/* fuzz_csv.c — the CSV tokenizer shared by every CSV reader (microcensus/csv.h).
 *
 * The input is one CSV document, read with separator detection as the extract readers do.
 * Besides crashes and leaks the target checks what the tokenizer promises: no field holds a
 * NUL byte (the reported length equals strlen), lines only grow, the field count stays within
 * MZ_CSV_MAX_FIELDS, and at the end every byte was read. */
#include <string.h>

#include "csv.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mz_error_t err;
    mz_csv_t *c = mz_csv_open_mem("fuzz.csv", data, size, 0, &err);
    fuzz_check_error(&err, c == NULL, "mz_csv_open_mem");
    if (!c)
        return 0;
    long last_line = 0;
    size_t valid = 0;
    int rc;
    while ((rc = mz_csv_next(c, &err)) == 1) {
        size_t n = mz_csv_nfields(c);
        fuzz_assert(n >= 1 && n <= MZ_CSV_MAX_FIELDS, "field count out of range");
        fuzz_assert(mz_csv_line(c) > last_line, "record line did not increase");
        last_line = mz_csv_line(c);
        fuzz_assert(mz_csv_sep(c) == ',' || mz_csv_sep(c) == ';', "separator not detected");
        for (size_t i = 0; i < n; i++) {
            const char *f = mz_csv_field(c, i);
            size_t len = mz_csv_field_len(c, i);
            fuzz_assert(strlen(f) == len, "field length differs from strlen");
            valid += mz_utf8_valid(f, len);
        }
        fuzz_assert(mz_csv_field(c, n)[0] == '\0' && mz_csv_field_len(c, n) == 0,
                    "field beyond the record not empty");
    }
    fuzz_check_error(&err, rc < 0, "mz_csv_next");
    if (rc == 0) {
        fuzz_assert(mz_csv_bytes_read(c) == size, "end reached before all bytes were read");
        fuzz_assert(strlen(mz_csv_sha256(c)) == 64, "SHA-256 not 64 hex digits");
        /* after the end, the reader stays at the end */
        fuzz_assert(mz_csv_next(c, &err) == 0, "record after the end");
    }
    fuzz_assert(mz_csv_bytes_total(c) == size, "bytes_total differs from the input size");
    mz_csv_close(c);
    (void)valid;
    return 0;
}
