/* test_csv.c — the streaming CSV tokenizer (microcensus/csv.h): every awkward-but-valid layout
 * and every malformed record, from memory buffers and from files that span several read blocks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"

/* Render every record as "f1|f2|…;" and collect the start lines as "l1,l2,…". */
typedef struct rendered {
    char text[4096];
    char lines[512];
    int rc;        /* last return of mz_csv_next: 0 at the end, -1 on error */
    int records;
    char sep;
    mz_error_t err;
} rendered_t;

static void render(mz_csv_t *c, rendered_t *out)
{
    memset(out, 0, sizeof *out);
    size_t o = 0, lo = 0;
    int rc;
    while ((rc = mz_csv_next(c, &out->err)) == 1) {
        out->records++;
        for (size_t i = 0; i < mz_csv_nfields(c); i++) {
            cr_assert_eq(strlen(mz_csv_field(c, i)), mz_csv_field_len(c, i));
            o += (size_t)snprintf(out->text + o, sizeof out->text - o, "%s%s", i ? "|" : "",
                                  mz_csv_field(c, i));
        }
        o += (size_t)snprintf(out->text + o, sizeof out->text - o, ";");
        lo += (size_t)snprintf(out->lines + lo, sizeof out->lines - lo, "%s%ld",
                               out->records > 1 ? "," : "", mz_csv_line(c));
    }
    out->rc = rc;
    out->sep = mz_csv_sep(c);
}

static void render_mem(const char *data, size_t size, rendered_t *out)
{
    mz_error_t err;
    mz_csv_t *c = mz_csv_open_mem("mem.csv", data, size, 0, &err);
    cr_assert_not_null(c);
    render(c, out);
    mz_csv_close(c);
}

#define S(lit) lit, sizeof(lit) - 1

typedef struct valid_case {
    const char *name;
    const char *data;
    size_t size;
    const char *text;  /* expected rendering */
    const char *lines; /* expected record start lines */
    char sep;
} valid_case_t;

static const valid_case_t valid_cases[] = {
    {"comma", S("a,b,c\n1,2,3\n"), "a|b|c;1|2|3;", "1,2", ','},
    {"semicolon with decimal comma", S("a;b;c\n1,5;2;3\n"), "a|b|c;1,5|2|3;", "1,2", ';'},
    {"more commas than semicolons", S("a,b,c;d\n1,2,3;4\n"), "a|b|c;d;1|2|3;4;", "1,2", ','},
    {"utf-8 bom", S("\xEF\xBB\xBF" "a,b\n1,2\n"), "a|b;1|2;", "1,2", ','},
    {"crlf", S("a,b\r\n1,2\r\n3,4\r\n"), "a|b;1|2;3|4;", "1,2,3", ','},
    {"no final newline", S("a,b\n1,2"), "a|b;1|2;", "1,2", ','},
    {"no final newline after crlf", S("a,b\r\n1,2\r"), "a|b;1|2;", "1,2", ','},
    {"quoted fields", S("a,b,c\n\"x,y\",\"he said \"\"hi\"\"\",\"\"\n"),
     "a|b|c;x,y|he said \"hi\"|;", "1,2", ','},
    {"quoted header", S("\"a\",\"b\"\n1,\"2\"\n"), "a|b;1|2;", "1,2", ','},
    {"quoted separator decides nothing", S("\"a;b;c\",d\n1,2\n"), "a;b;c|d;1|2;", "1,2", ','},
    {"quoted line break", S("a,b\n\"l1\nl2\",2\n3,4\n"), "a|b;l1\nl2|2;3|4;", "1,2,4", ','},
    {"quoted crlf line break", S("a,b\r\n\"l1\r\nl2\",2\r\n3,4\r\n"), "a|b;l1\r\nl2|2;3|4;",
     "1,2,4", ','},
    {"blank lines", S("a,b\n\n1,2\n\r\n3,4\n\n\n"), "a|b;1|2;3|4;", "1,3,5", ','},
    {"leading blank lines", S("\n\na,b\n1,2\n"), "a|b;1|2;", "3,4", ','},
    {"empty fields", S("a,b,c\n,,\n"), "a|b|c;||;", "1,2", ','},
    {"trailing quoted empty field at end", S("a,b\n1,\"\""), "a|b;1|;", "1,2", ','},
    {"bom crlf quoted no final newline", S("\xEF\xBB\xBF\"a\";\"b\"\r\n\"1;5\";2"),
     "a|b;1;5|2;", "1,2", ';'},
    {"single column", S("a\nx\ny\n"), "a;x;y;", "1,2,3", ','},
    {"empty input", S(""), "", "", 0},
    {"only a bom", S("\xEF\xBB\xBF"), "", "", 0},
    {"only blank lines", S("\n\r\n\n"), "", "", 0},
    {"short input", S("a"), "a;", "1", ','},
};

Test(csv, valid_layouts)
{
    for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
        const valid_case_t *k = &valid_cases[i];
        rendered_t r;
        render_mem(k->data, k->size, &r);
        cr_expect_eq(r.rc, 0, "%s: rc %d (%s)", k->name, r.rc, r.err.message);
        cr_expect_str_eq(r.text, k->text, "%s: records '%s', expected '%s'", k->name, r.text,
                         k->text);
        cr_expect_str_eq(r.lines, k->lines, "%s: lines '%s', expected '%s'", k->name, r.lines,
                         k->lines);
        if (k->sep)
            cr_expect_eq(r.sep, k->sep, "%s: separator '%c', expected '%c'", k->name, r.sep,
                         k->sep);
    }
}

Test(csv, explicit_separator_is_kept)
{
    mz_error_t err;
    static const char data[] = "a;b,c\n1;2,3\n";
    mz_csv_t *c = mz_csv_open_mem("mem.csv", data, sizeof data - 1, ';', &err);
    cr_assert_not_null(c);
    rendered_t r;
    render(c, &r);
    mz_csv_close(c);
    cr_expect_str_eq(r.text, "a|b,c;1|2,3;");
}

typedef struct error_case {
    const char *name;
    const char *data;
    size_t size;
    int records_before; /* records read before the error */
    long line;
    const char *message; /* part of the (German) message */
} error_case_t;

static const error_case_t error_cases[] = {
    {"unterminated quote", S("a,b\n\"x,1\n2,3\n"), 1, 2, "nicht geschlossen"},
    {"unterminated quote at the end", S("a,b\n1,\"x"), 1, 2, "nicht geschlossen"},
    {"nul byte", S("a,b\n1,\0002\n"), 1, 2, "NUL"},
    {"nul byte in a quoted field", S("a,b\n1,2\n\"x\000\",3\n"), 2, 3, "NUL"},
    {"nul byte in the header", S("a\000,b\n1,2\n"), 0, 1, "NUL"},
    {"text after a closing quote", S("a\n\"x\"y\n"), 1, 2, "nach schließendem"},
    {"quote inside an unquoted field", S("a,b\n1,x\"y\n"), 1, 2, "mitten im Feld"},
};

Test(csv, malformed_records)
{
    for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
        const error_case_t *k = &error_cases[i];
        rendered_t r;
        render_mem(k->data, k->size, &r);
        cr_expect_eq(r.rc, -1, "%s: rc %d", k->name, r.rc);
        cr_expect_eq(r.records, k->records_before, "%s: %d records before the error", k->name,
                     r.records);
        cr_expect_eq(r.err.status, MZ_ERR_DATA, "%s: status %d", k->name, r.err.status);
        cr_expect_str_eq(r.err.file, "mem.csv", "%s", k->name);
        cr_expect_eq(r.err.line, k->line, "%s: line %ld, expected %ld", k->name, r.err.line,
                     k->line);
        cr_expect(strstr(r.err.message, k->message) != NULL, "%s: message '%s' lacks '%s'",
                  k->name, r.err.message, k->message);
    }
}

Test(csv, one_megabyte_line)
{
    size_t n = 1u << 20;
    char *data = malloc(n + 64);
    cr_assert_not_null(data);
    size_t o = (size_t)sprintf(data, "a,b\n1,2\n");
    memset(data + o, 'x', n);
    memcpy(data + o + n, "\n3,4\n", 5);
    rendered_t r;
    render_mem(data, o + n + 5, &r);
    cr_expect_eq(r.rc, -1);
    cr_expect_eq(r.records, 2);
    cr_expect_eq(r.err.status, MZ_ERR_DATA);
    cr_expect_eq(r.err.line, 3);
    cr_expect(strstr(r.err.message, "länger als") != NULL, "%s", r.err.message);
    /* the same line inside quotes */
    data[o] = '"';
    render_mem(data, o + n + 5, &r);
    cr_expect_eq(r.rc, -1);
    cr_expect_eq(r.err.line, 3);
    free(data);
}

Test(csv, too_many_fields)
{
    size_t n = 2 * MZ_CSV_MAX_FIELDS + 16;
    char *data = malloc(n);
    cr_assert_not_null(data);
    size_t o = 0;
    data[o++] = 'a';
    data[o++] = '\n';
    for (unsigned i = 0; i < MZ_CSV_MAX_FIELDS + 1; i++) {
        data[o++] = 'x';
        data[o++] = ',';
    }
    data[o - 1] = '\n';
    rendered_t r;
    render_mem(data, o, &r);
    cr_expect_eq(r.rc, -1);
    cr_expect_eq(r.err.status, MZ_ERR_DATA);
    cr_expect_eq(r.err.line, 2);
    free(data);
}

Test(csv, missing_file_and_directory_are_io_errors)
{
    mz_error_t err;
    cr_expect_null(mz_csv_open("/nonexistent/mzatlas/none.csv", 0, &err));
    cr_expect_eq(err.status, MZ_ERR_IO);
    cr_expect_str_eq(err.file, "/nonexistent/mzatlas/none.csv");
    cr_expect_null(mz_csv_open("/tmp", 0, &err));
    cr_expect_eq(err.status, MZ_ERR_IO);
    cr_expect(strstr(err.message, "Verzeichnis") != NULL, "%s", err.message);
}

Test(csv, sha256_of_all_bytes)
{
    /* FIPS 180-2 test vector: SHA-256("abc") */
    mz_error_t err;
    mz_csv_t *c = mz_csv_open_mem("mem.csv", "abc", 3, 0, &err);
    cr_assert_not_null(c);
    while (mz_csv_next(c, &err) == 1)
        ;
    cr_expect_str_eq(mz_csv_sha256(c),
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    cr_expect_eq(mz_csv_bytes_read(c), 3);
    cr_expect_eq(mz_csv_bytes_total(c), 3);
    mz_csv_close(c);
}

/* A file of several MB: records (including quoted ones with line breaks) cross the boundaries
 * of the 1 MB read blocks; every field and line number must survive. */
Test(csv, file_spanning_many_blocks)
{
    char path[] = "/tmp/mz-test-csv-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    cr_assert_not_null(f);
    fputs("\xEF\xBB\xBFid,text,value\r\n", f);
    const long n = 120000;
    long line = 2;
    for (long i = 0; i < n; i++) {
        if (i % 7 == 0) {
            fprintf(f, "%ld,\"q\"\"%ld\nsecond, line\",%ld\r\n", i, i, i * 3);
            line += 2;
        } else {
            fprintf(f, "%ld,plain text %ld,%ld\r\n", i, i, i * 3);
            line += 1;
        }
    }
    fclose(f);
    mz_error_t err;
    mz_csv_t *c = mz_csv_open(path, 0, &err);
    cr_assert_not_null(c, "%s", err.message);
    cr_assert_eq(mz_csv_next(c, &err), 1);
    cr_expect_str_eq(mz_csv_field(c, 0), "id");
    long expect_line = 2, i = 0;
    int rc;
    bool ok = true;
    while ((rc = mz_csv_next(c, &err)) == 1) {
        char want[64];
        if (mz_csv_nfields(c) != 3 || atol(mz_csv_field(c, 0)) != i ||
            atol(mz_csv_field(c, 2)) != i * 3 || mz_csv_line(c) != expect_line) {
            ok = false;
            break;
        }
        if (i % 7 == 0) {
            snprintf(want, sizeof want, "q\"%ld\nsecond, line", i);
            expect_line += 2;
        } else {
            snprintf(want, sizeof want, "plain text %ld", i);
            expect_line += 1;
        }
        if (strcmp(mz_csv_field(c, 1), want) != 0) {
            ok = false;
            break;
        }
        i++;
    }
    cr_expect(ok, "record %ld wrong (line %ld, expected %ld)", i, mz_csv_line(c), expect_line);
    cr_expect_eq(rc, 0, "%s", err.message);
    cr_expect_eq(i, n);
    cr_expect_eq(expect_line, line);
    cr_expect_eq(mz_csv_bytes_read(c), mz_csv_bytes_total(c));
    mz_csv_close(c);
    unlink(path);
}

typedef struct utf8_case {
    const char *s;
    bool valid;
} utf8_case_t;

Test(csv, utf8_validation)
{
    static const utf8_case_t cases[] = {
        {"plain", true},
        {"Lüneburg", true},
        {"\xe2\x80\xa6", true},              /* … */
        {"\xf0\x9f\x98\x80", true},          /* U+1F600 */
        {"\xff", false},
        {"L\xfc" "neburg", false},           /* Latin-1 ü */
        {"\xc3", false},                     /* truncated */
        {"\xc0\xaf", false},                 /* overlong '/' */
        {"\xe0\x80\xaf", false},             /* overlong */
        {"\xed\xa0\x80", false},             /* surrogate */
        {"\xf4\x90\x80\x80", false},         /* above U+10FFFF */
        {"\x80", false},                     /* lone continuation */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_expect_eq(mz_utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].valid,
                     "case %zu", i);
}
