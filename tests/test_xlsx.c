/* test_xlsx.c — mzatlas.xlsx read back: every value of indicators.csv in its cell (rounded to one
 * decimal, bracket format for "()"), withheld values only as "/" and secret ones only as ".",
 * no hidden number anywhere in the package, conditional formats on the flagged gaps, identical
 * bytes for identical runs, maps inserted when present, errors reported.
 *
 * The package is read with `unzip -p` and a small XML scanner: enough for what libxlsxwriter
 * writes (shared strings, numeric cells, styles). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mzatlas/mz_indicators.h"
#include "mzatlas/mz_output.h"
#include "mzatlas/mz_results.h"
#include "mzatlas/mz_run.h"
#include "mzatlas/mz_xlsx.h"
#include "testutil.h"

/* ---- small helpers ------------------------------------------------------------------------ */

typedef struct buf {
    char *s;
    size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->len + n + 1)
            nc *= 2;
        b->s = realloc(b->s, nc);
        cr_assert_not_null(b->s);
        b->cap = nc;
    }
    memcpy(b->s + b->len, p, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Output of a shell command; NULL when it fails. */
static char *run_cmd(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "popen %s", cmd);
    buf_t b = {0};
    char chunk[65536];
    size_t n;
    buf_add(&b, "", 0);
    while ((n = fread(chunk, 1, sizeof chunk, p)) > 0)
        buf_add(&b, chunk, n);
    int rc = pclose(p);
    if (rc != 0) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

static char *zip_entry(const char *xlsx, const char *name)
{
    return run_cmd("unzip -p '%s' '%s' 2>/dev/null", xlsx, name);
}

static char *read_file(const char *path)
{
    char *s = tu_slurp(path, NULL);
    cr_assert_not_null(s, "cannot open %s", path);
    return s;
}

/* Decode the XML entities libxlsxwriter writes. */
static char *xml_text(const char *p, size_t n)
{
    buf_t b = {0};
    buf_add(&b, "", 0);
    for (size_t i = 0; i < n;) {
        static const struct {
            const char *ent, *ch;
        } ents[] = {
            {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}};
        bool done = false;
        for (size_t k = 0; k < 5 && !done; k++) {
            size_t el = strlen(ents[k].ent);
            if (i + el <= n && strncmp(p + i, ents[k].ent, el) == 0) {
                buf_add(&b, ents[k].ch, 1);
                i += el;
                done = true;
            }
        }
        if (!done)
            buf_add(&b, p + i++, 1);
    }
    return b.s;
}

/* Value of attribute name inside the tag starting at tag (up to '>'); NULL if absent. */
static char *attr(const char *tag, const char *name)
{
    const char *end = strchr(tag, '>');
    char pat[64];
    snprintf(pat, sizeof pat, " %s=\"", name);
    const char *a = strstr(tag, pat);
    if (!a || (end && a > end))
        return NULL;
    a += strlen(pat);
    const char *q = strchr(a, '"');
    return xml_text(a, (size_t)(q - a));
}

/* ---- the workbook model ------------------------------------------------------------------ */

typedef struct xcell {
    unsigned row, col; /* 0-based */
    int style;
    bool is_str;
    double num;
    const char *str;
    bool seen;
} xcell_t;

typedef struct xsheet {
    char *name;
    char *xml;
    xcell_t *cells;
    size_t n;
} xsheet_t;

typedef struct xbook {
    char **ss;
    size_t nss;
    xsheet_t sheets[32];
    size_t nsheets;
    char *xf_format[256]; /* number format code of each cellXfs entry */
    size_t nxf;
    char *styles;
    char *all; /* every part of the package, concatenated */
    char *entries;
} xbook_t;

static void parse_ref(const char *r, unsigned *row, unsigned *col)
{
    unsigned c = 0;
    while (*r >= 'A' && *r <= 'Z')
        c = c * 26 + (unsigned)(*r++ - 'A' + 1);
    *col = c - 1;
    *row = (unsigned)strtoul(r, NULL, 10) - 1;
}

static void parse_shared_strings(xbook_t *b, const char *xml)
{
    size_t cap = 0;
    for (const char *p = xml ? strstr(xml, "<si>") : NULL; p; p = strstr(p, "<si>")) {
        const char *end = strstr(p, "</si>");
        cr_assert_not_null(end);
        buf_t t = {0};
        buf_add(&t, "", 0);
        for (const char *q = strstr(p, "<t"); q && q < end; q = strstr(q, "<t")) {
            if (q[2] != '>' && q[2] != ' ') {
                q += 2;
                continue;
            }
            const char *s = strchr(q, '>') + 1;
            const char *e = strstr(s, "</t>");
            char *txt = xml_text(s, (size_t)(e - s));
            buf_add(&t, txt, strlen(txt));
            free(txt);
            q = e;
        }
        if (b->nss == cap) {
            cap = cap ? cap * 2 : 256;
            b->ss = realloc(b->ss, cap * sizeof *b->ss);
        }
        b->ss[b->nss++] = t.s;
        p = end;
    }
}

static void parse_styles(xbook_t *b)
{
    char *codes[512] = {0};
    for (const char *p = strstr(b->styles, "<numFmt "); p; p = strstr(p + 1, "<numFmt ")) {
        char *id = attr(p, "numFmtId"), *code = attr(p, "formatCode");
        long i = strtol(id, NULL, 10);
        if (i >= 0 && i < 512)
            codes[i] = code;
        else
            free(code);
        free(id);
    }
    const char *xfs = strstr(b->styles, "<cellXfs");
    const char *xend = strstr(b->styles, "</cellXfs>");
    cr_assert(xfs && xend);
    for (const char *p = strstr(xfs, "<xf "); p && p < xend; p = strstr(p + 1, "<xf ")) {
        char *id = attr(p, "numFmtId");
        long i = id ? strtol(id, NULL, 10) : 0;
        cr_assert_lt(b->nxf, 256);
        b->xf_format[b->nxf++] = strdup(i > 0 && i < 512 && codes[i] ? codes[i] : "General");
        free(id);
    }
    for (size_t i = 0; i < 512; i++)
        free(codes[i]);
}

static void parse_sheet(xbook_t *b, xsheet_t *sh)
{
    size_t cap = 0;
    for (const char *p = strstr(sh->xml, "<c r=\""); p; p = strstr(p + 1, "<c r=\"")) {
        const char *gt = strchr(p, '>');
        if (gt[-1] == '/')
            continue; /* styled blank */
        const char *end = strstr(p, "</c>");
        const char *v = strstr(p, "<v>");
        if (!v || v > end)
            continue;
        xcell_t c = {0};
        char *ref = attr(p, "r"), *s = attr(p, "s"), *t = attr(p, "t");
        parse_ref(ref, &c.row, &c.col);
        c.style = s ? atoi(s) : 0;
        v += 3;
        const char *ve = strstr(v, "</v>");
        char *val = xml_text(v, (size_t)(ve - v));
        if (t && strcmp(t, "s") == 0) {
            long idx = strtol(val, NULL, 10);
            cr_assert(idx >= 0 && (size_t)idx < b->nss);
            c.is_str = true;
            c.str = b->ss[idx];
        } else {
            char *endp;
            c.num = strtod(val, &endp);
            cr_assert(*endp == '\0' && isfinite(c.num), "%s: cell %s holds '%s'", sh->name, ref,
                      val);
        }
        free(val);
        free(ref);
        free(s);
        free(t);
        if (sh->n == cap) {
            cap = cap ? cap * 2 : 1024;
            sh->cells = realloc(sh->cells, cap * sizeof *sh->cells);
        }
        sh->cells[sh->n++] = c;
    }
}

static void book_load(xbook_t *b, const char *xlsx)
{
    memset(b, 0, sizeof *b);
    b->entries = run_cmd("unzip -Z1 '%s'", xlsx);
    cr_assert_not_null(b->entries, "%s is not a zip file", xlsx);
    b->all = run_cmd("unzip -p '%s'", xlsx);
    cr_assert_not_null(b->all);
    char *ss = zip_entry(xlsx, "xl/sharedStrings.xml");
    parse_shared_strings(b, ss);
    free(ss);
    b->styles = zip_entry(xlsx, "xl/styles.xml");
    cr_assert_not_null(b->styles);
    parse_styles(b);
    char *wb = zip_entry(xlsx, "xl/workbook.xml");
    cr_assert_not_null(wb);
    for (const char *p = strstr(wb, "<sheet "); p; p = strstr(p + 1, "<sheet ")) {
        cr_assert_lt(b->nsheets, 32);
        xsheet_t *sh = &b->sheets[b->nsheets++];
        char part[64];
        sh->name = attr(p, "name");
        snprintf(part, sizeof part, "xl/worksheets/sheet%zu.xml", b->nsheets);
        sh->xml = zip_entry(xlsx, part);
        cr_assert_not_null(sh->xml, "%s missing", part);
        parse_sheet(b, sh);
    }
    free(wb);
}

static void book_free(xbook_t *b)
{
    for (size_t i = 0; i < b->nss; i++)
        free(b->ss[i]);
    free(b->ss);
    for (size_t i = 0; i < b->nsheets; i++) {
        free(b->sheets[i].name);
        free(b->sheets[i].xml);
        free(b->sheets[i].cells);
    }
    for (size_t i = 0; i < b->nxf; i++)
        free(b->xf_format[i]);
    free(b->styles);
    free(b->all);
    free(b->entries);
}

static xsheet_t *sheet_by_prefix(xbook_t *b, const char *prefix)
{
    for (size_t i = 0; i < b->nsheets; i++)
        if (strncmp(b->sheets[i].name, prefix, strlen(prefix)) == 0)
            return &b->sheets[i];
    cr_assert_fail("no sheet named %s…", prefix);
    return NULL;
}

static xcell_t *cell_at(xsheet_t *sh, unsigned row, unsigned col)
{
    for (size_t i = 0; i < sh->n; i++)
        if (sh->cells[i].row == row && sh->cells[i].col == col)
            return &sh->cells[i];
    return NULL;
}

static const char *format_of(const xbook_t *b, const xcell_t *c)
{
    cr_assert((size_t)c->style < b->nxf);
    return b->xf_format[c->style];
}

/* ---- figure sheets ----------------------------------------------------------------------- */

/* The columns of one group in a figure table, read from its two header rows. */
typedef struct span {
    int val, se, lo, hi, n; /* -1 when absent */
} span_t;

typedef struct figtable {
    xsheet_t *sh;
    unsigned head;  /* row of "Ebene" */
    span_t spans[4];
    size_t nspans;
} figtable_t;

static void figtable_read(xsheet_t *sh, figtable_t *t)
{
    memset(t, 0, sizeof *t);
    t->sh = sh;
    bool found = false;
    for (size_t i = 0; i < sh->n && !found; i++)
        if (sh->cells[i].col == 0 && sh->cells[i].is_str &&
            strcmp(sh->cells[i].str, "Ebene") == 0) {
            t->head = sh->cells[i].row;
            found = true;
        }
    cr_assert(found, "%s: no header row", sh->name);
    for (unsigned c = 4; c < 64; c++) {
        xcell_t *top = cell_at(sh, t->head, c), *sub = cell_at(sh, t->head + 1, c);
        if (!sub)
            break;
        if (top && top->is_str) {
            cr_assert_lt(t->nspans, 4);
            t->spans[t->nspans++] = (span_t){-1, -1, -1, -1, -1};
        }
        cr_assert_gt(t->nspans, 0);
        span_t *s = &t->spans[t->nspans - 1];
        cr_assert(sub->is_str);
        if (strcmp(sub->str, "%") == 0 || strcmp(sub->str, "%-Punkte") == 0)
            s->val = (int)c;
        else if (strcmp(sub->str, "Standardfehler") == 0)
            s->se = (int)c;
        else if (strcmp(sub->str, "KI unten") == 0)
            s->lo = (int)c;
        else if (strcmp(sub->str, "KI oben") == 0)
            s->hi = (int)c;
        else if (strcmp(sub->str, "Fälle") == 0)
            s->n = (int)c;
        else
            cr_assert_fail("%s: unexpected column header '%s'", sh->name, sub->str);
    }
}

/* Row of the k-th occurrence of code in the code column (0 if none: -1). */
static long nth_code_row(const figtable_t *t, const char *code, int k)
{
    for (size_t i = 0; i < t->sh->n; i++) {
        const xcell_t *c = &t->sh->cells[i];
        if (c->col == 1 && c->row > t->head + 1 && c->is_str && strcmp(c->str, code) == 0 &&
            k-- == 0)
            return c->row;
    }
    return -1;
}

/* Row of a region in block k of the table: blocks (one per sector) begin with the Land row. */
static long find_row(const figtable_t *t, const char *code, int k)
{
    long start = nth_code_row(t, MZ_LAND_CODE, k);
    long end = nth_code_row(t, MZ_LAND_CODE, k + 1);
    cr_assert_geq(start, 0, "%s: block %d missing", t->sh->name, k);
    for (size_t i = 0; i < t->sh->n; i++) {
        const xcell_t *c = &t->sh->cells[i];
        if (c->col == 1 && (long)c->row >= start && (end < 0 || (long)c->row < end) &&
            c->is_str && strcmp(c->str, code) == 0)
            return c->row;
    }
    return -1;
}

/* Sheet prefix, block (sector) and group span of an indicator row of indicators.csv. */
static const char *fig_of(const char *ind, int *block)
{
    *block = 0;
    if (strcmp(ind, "migration_share") == 0)
        return "Abb. 5";
    if (strcmp(ind, "employment_rate") == 0)
        return "Abb. 7";
    if (strcmp(ind, "self_employment_share") == 0)
        return "Abb. 8";
    if (strcmp(ind, "unemployment_rate") == 0)
        return "Abb. 9";
    static const char *const sectors[] = {"agriculture", "production", "trade", "services"};
    for (int i = 0; i < 4; i++) {
        char id[64];
        snprintf(id, sizeof id, "sector_migration_share:%s", sectors[i]);
        if (strcmp(ind, id) == 0) {
            *block = i;
            return "Abb. 6";
        }
    }
    cr_assert_fail("unknown indicator %s", ind);
    return NULL;
}

static int span_of(const char *group, size_t nspans)
{
    if (nspans == 1) {
        cr_assert_str_eq(group, "all");
        return 0;
    }
    static const char *const order[] = {"with", "without", "all", "gap"};
    for (int i = 0; i < 4; i++)
        if (strcmp(group, order[i]) == 0)
            return i;
    cr_assert_fail("unknown group %s", group);
    return -1;
}

/* Split a CSV line (quotes allowed, no newlines inside) into at most max fields. */
static size_t csv_split(char *line, char **f, size_t max)
{
    size_t n = 0;
    char *p = line;
    while (n < max) {
        char *out = p;
        f[n++] = p;
        if (*p == '"') {
            char *q = p + 1;
            for (;;) {
                if (*q == '"' && q[1] == '"') {
                    *out++ = '"';
                    q += 2;
                } else if (*q == '"') {
                    q++;
                    break;
                } else {
                    *out++ = *q++;
                }
            }
            p = q;
        } else {
            while (*p && *p != ',')
                *out++ = *p++;
        }
        char sep = *p;
        *out = '\0';
        if (sep != ',')
            break;
        p++;
    }
    return n;
}

/* One numeric cell against a CSV value (rounded); or the symbol text when withheld. */
static void expect_cell(xbook_t *b, figtable_t *t, long row, int col, const char *csv_value,
                        const char *sym, bool bracket_allowed, const char *what)
{
    if (col < 0)
        return;
    xcell_t *c = cell_at(t->sh, (unsigned)row, (unsigned)col);
    cr_assert_not_null(c, "%s: %s: no cell at row %ld col %d", t->sh->name, what, row + 1, col);
    if (strcmp(sym, "/") == 0 || strcmp(sym, ".") == 0) {
        cr_assert(c->is_str && strcmp(c->str, sym) == 0, "%s: %s row %ld: expected '%s'",
                  t->sh->name, what, row + 1, sym);
        return;
    }
    if (!*csv_value) {
        cr_assert(c->is_str && strcmp(c->str, ".") == 0, "%s: %s row %ld: expected '.'",
                  t->sh->name, what, row + 1);
        return;
    }
    double want = mz_round1(strtod(csv_value, NULL));
    cr_assert(!c->is_str, "%s: %s row %ld: expected a number, found '%s'", t->sh->name, what,
              row + 1, c->str);
    cr_assert(fabs(c->num - want) < 1e-9, "%s: %s row %ld: %.10g in the workbook, %.10g in the CSV",
              t->sh->name, what, row + 1, c->num, want);
    bool bracket = strchr(format_of(b, c), '(') != NULL;
    cr_assert_eq(bracket, bracket_allowed && strcmp(sym, "()") == 0,
                 "%s: %s row %ld: format '%s' for symbol '%s'", t->sh->name, what, row + 1,
                 format_of(b, c), sym);
    c->seen = true;
}

static void expect_count(figtable_t *t, long row, int col, const char *csv_n, const char *sym)
{
    if (col < 0)
        return;
    xcell_t *c = cell_at(t->sh, (unsigned)row, (unsigned)col);
    cr_assert_not_null(c);
    if (strcmp(sym, "/") == 0 || strcmp(sym, ".") == 0) {
        cr_assert(c->is_str && strcmp(c->str, sym) == 0, "%s: n row %ld: expected '%s'",
                  t->sh->name, row + 1, sym);
        return;
    }
    if (!*csv_n) {
        cr_assert(c->is_str && strcmp(c->str, ".") == 0, "%s: n row %ld: unknown n is '.'",
                  t->sh->name, row + 1);
        return;
    }
    cr_assert(!c->is_str && c->num == strtod(csv_n, NULL), "%s: n row %ld", t->sh->name, row + 1);
    c->seen = true;
}

typedef struct tally {
    size_t rows, published, limited, withheld, secret;
} tally_t;

/* Every row of indicators.csv in the workbook; every number of the figure tables from a row. */
static tally_t compare_with_csv(xbook_t *b, const char *csv_path)
{
    tally_t tl = {0};
    char *csv = read_file(csv_path);
    figtable_t tables[5];
    const char *prefixes[5] = {"Abb. 5", "Abb. 6", "Abb. 7", "Abb. 8", "Abb. 9"};
    for (int i = 0; i < 5; i++)
        figtable_read(sheet_by_prefix(b, prefixes[i]), &tables[i]);
    char *save = NULL;
    char *line = strtok_r(csv, "\n", &save); /* header */
    cr_assert(line && strncmp(line, "year,indicator,level,region,", 28) == 0);
    while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
        char *f[16];
        cr_assert_eq(csv_split(line, f, 16), 15, "bad CSV line %s", line);
        int block;
        const char *prefix = fig_of(f[1], &block);
        figtable_t *t = NULL;
        for (int i = 0; i < 5; i++)
            if (strcmp(prefixes[i], prefix) == 0)
                t = &tables[i];
        long row = find_row(t, f[3], block);
        cr_assert_geq(row, 0, "%s: region %s (%s) missing", t->sh->name, f[3], f[1]);
        span_t *s = &t->spans[span_of(f[6], t->nspans)];
        const char *sym = f[14];
        expect_cell(b, t, row, s->val, f[7], sym, true, "value");
        expect_cell(b, t, row, s->se, f[8], sym, false, "SE");
        expect_cell(b, t, row, s->lo, f[9], sym, false, "CI low");
        expect_cell(b, t, row, s->hi, f[10], sym, false, "CI high");
        expect_count(t, row, s->n, f[13], sym);
        tl.rows++;
        if (strcmp(sym, "/") == 0)
            tl.withheld++;
        else if (strcmp(sym, ".") == 0)
            tl.secret++;
        else if (strcmp(sym, "()") == 0)
            tl.limited++;
        else
            tl.published++;
    }
    /* no number in a figure table that indicators.csv does not hold */
    for (int i = 0; i < 5; i++)
        for (size_t k = 0; k < tables[i].sh->n; k++) {
            const xcell_t *c = &tables[i].sh->cells[k];
            if (c->row > tables[i].head + 1 && c->col >= 4 && !c->is_str)
                cr_assert(c->seen, "%s: number %g at row %u col %u is not in indicators.csv",
                          tables[i].sh->name, c->num, c->row + 1, c->col);
        }
    free(csv);
    return tl;
}

/* ---- runs -------------------------------------------------------------------------------- */

static char tmpdir[256];

static void make_tmpdir(void) { tu_workdir_make(tmpdir, sizeof tmpdir, "xlsx"); }

static void remove_tmpdir(void) { cr_assert_eq(tu_workdir_drop(tmpdir), 0); }

static mz_run_t *make_run(const mz_rules_t *rules)
{
    mz_run_options_t o;
    mz_error_t err;
    char path[4096];
    mz_error_clear(&err);
    mz_run_options_init(&o);
    if (rules)
        o.rules = *rules;
    o.outputs = MZ_OUT_CSV | MZ_OUT_XLSX;
    mz_run_t *run = mz_run_create(&o, &err);
    cr_assert_not_null(run, "%s", err.message);
    tu_data_path("examples/example-2007.csv", path, sizeof path);
    cr_assert_eq(mz_run_add_extract(run, path, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(mz_run_compute(run, &err), MZ_OK, "%s", err.message);
    return run;
}

static void write_run(mz_run_t *run, const char *sub, char *dir, size_t size)
{
    mz_error_t err;
    mz_error_clear(&err);
    snprintf(dir, size, "%s/%s", tmpdir, sub);
    cr_assert_eq(mz_run_write(run, dir, &err), MZ_OK, "%s", err.message);
}

/* Rules under which the example has every symbol and regions that need action. */
static void relaxed_rules(mz_rules_t *r)
{
    mz_rules_init(r);
    r->min_count = 1000;
    r->limited_below = 3000;
    r->gap_flag = 8;
}

static void setup(void)
{
    cr_assert_not_null(getenv("MZATLAS_DATA"));
    unsetenv("SOURCE_DATE_EPOCH");
    mz_set_lang(MZ_LANG_DE);
    make_tmpdir();
}

/* No withheld or secret number (estimate, counts, SE, CI) anywhere in the package. */
static void expect_no_hidden_numbers(mz_run_t *run, const xbook_t *b)
{
    mz_results_t *res = mz_run_results(run);
    size_t checked = 0;
    for (size_t i = 0; i < mz_results_count(res); i++) {
        const mz_estimate_t *e = mz_results_at(res, i);
        if (!mz_symbol_withheld(e->p.symbol))
            continue;
        const double vals[] = {e->p.estimate, e->p.numerator, e->p.denominator,
                               e->se,         e->ci_low,      e->ci_high};
        for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
            if (!isfinite(vals[k]))
                continue;
            char s[2][64];
            mz_format_number(vals[k], s[0], sizeof s[0]);
            snprintf(s[1], sizeof s[1], "%.16G", vals[k]); /* libxlsxwriter's way */
            for (int j = 0; j < 2; j++) {
                const char *digits = s[j][0] == '-' ? s[j] + 1 : s[j];
                if (strlen(digits) < 6)
                    continue;
                checked++;
                cr_assert_null(strstr(b->all, digits),
                               "hidden value %s of %s/%s/%s is in the workbook", digits,
                               mz_indicator_id(e->ind), e->region->code, mz_group_id(e->group));
            }
        }
    }
    cr_assert_gt(checked, 0, "no hidden value was checked");
    /* nowhere to hide a number: no comments, charts, hidden sheets, rows or columns */
    cr_assert_null(strstr(b->entries, "comments"));
    cr_assert_null(strstr(b->entries, "charts/"));
    cr_assert_null(strstr(b->entries, "vmlDrawing"));
    for (size_t i = 0; i < b->nsheets; i++) {
        cr_assert_null(strstr(b->sheets[i].xml, "hidden=\"1\""), "%s", b->sheets[i].name);
        cr_assert_null(strstr(b->sheets[i].xml, "<legacyDrawing"), "%s", b->sheets[i].name);
    }
    cr_assert_null(strstr(b->all, "state=\"hidden\""));
    cr_assert_null(strstr(b->all, "veryHidden"));
}

/* ---- tests ------------------------------------------------------------------------------- */

TestSuite(xlsx, .init = setup, .fini = remove_tmpdir);

Test(xlsx, default_rules_every_value_and_symbol)
{
    mz_run_t *run = make_run(NULL);
    char dir[512], path[600];
    write_run(run, "out", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/mzatlas.xlsx", dir);
    cr_assert(tu_exists(path));
    xbook_t b;
    book_load(&b, path);
    snprintf(path, sizeof path, "%s/indicators.csv", dir);
    tally_t t = compare_with_csv(&b, path);
    cr_assert_gt(t.withheld, 0, "the example has withheld values");
    cr_assert_gt(t.secret, 0, "the example has secret values");
    cr_assert_gt(t.published + t.limited, 0);
    expect_no_hidden_numbers(run, &b);
    book_free(&b);
    mz_run_destroy(run);
}

Test(xlsx, relaxed_rules_every_value_and_flagged_gaps_highlighted)
{
    mz_rules_t rules;
    relaxed_rules(&rules);
    mz_run_t *run = make_run(&rules);
    char dir[512], path[600];
    write_run(run, "out", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/mzatlas.xlsx", dir);
    xbook_t b;
    book_load(&b, path);
    snprintf(path, sizeof path, "%s/indicators.csv", dir);
    tally_t t = compare_with_csv(&b, path);
    cr_assert_gt(t.published, 0);
    cr_assert_gt(t.limited, 0);
    cr_assert_gt(t.withheld, 0);
    expect_no_hidden_numbers(run, &b);

    /* the conditional format covers exactly the gap cells of the planning regions */
    figtable_t ft;
    figtable_read(sheet_by_prefix(&b, "Abb. 9"), &ft);
    const char *cf = strstr(ft.sh->xml, "<conditionalFormatting sqref=\"");
    cr_assert_not_null(cf, "no conditional format on the unemployment sheet");
    cr_assert_not_null(strstr(cf, "&gt;=8)</formula>"), "threshold not in the rule");
    char *sqref = attr(cf, "sqref");
    cr_assert_not_null(strstr(b.styles, "<dxfs count=\"1\">"));
    cr_assert_not_null(strstr(b.styles, "FFFFC7CE"), "highlight fill missing");

    mz_results_t *res = mz_run_results(run);
    size_t flagged = 0, regions = 0;
    for (size_t i = 0; i < mz_results_count(res); i++) {
        const mz_estimate_t *e = mz_results_at(res, i);
        if (e->ind != MZ_IND_UNEMPLOYMENT_RATE || e->group != MZ_G_GAP)
            continue;
        long row = find_row(&ft, e->region->code, 0);
        cr_assert_geq(row, 0);
        char ref[32];
        snprintf(ref, sizeof ref, "%c%ld", 'A' + ft.spans[3].val, row + 1);
        /* whole-token match in the space-separated list (ranges A5:A9 allowed) */
        bool covered = false;
        char *copy = strdup(sqref), *sv = NULL;
        for (char *tok = strtok_r(copy, " ", &sv); tok; tok = strtok_r(NULL, " ", &sv)) {
            char *colon = strchr(tok, ':');
            unsigned r0, c0, r1, c1;
            parse_ref(tok, &r0, &c0);
            if (colon)
                parse_ref(colon + 1, &r1, &c1);
            else
                r1 = r0, c1 = c0;
            if ((long)r0 <= row && row <= (long)r1 && c0 == (unsigned)ft.spans[3].val)
                covered = true;
        }
        free(copy);
        cr_assert_eq(covered, e->region->level == MZ_LEVEL_REGION,
                     "%s (%s): covered by the highlight %d", e->region->code,
                     mz_level_id(e->region->level), covered);
        regions += e->region->level == MZ_LEVEL_REGION;
        if (mz_estimate_needs_action(e, &rules)) {
            flagged++;
            xcell_t *c = cell_at(ft.sh, (unsigned)row, (unsigned)ft.spans[3].val);
            cr_assert(c && !c->is_str && c->num >= 8.0, "%s: flagged gap cell", ref);
        }
    }
    cr_assert_gt(flagged, 0, "the relaxed rules flag regions");
    cr_assert_gt(regions, flagged);
    free(sqref);

    /* Handlungsbedarf lists exactly the regions of action.csv, highlighted too */
    snprintf(path, sizeof path, "%s/action.csv", dir);
    char *action = read_file(path);
    xsheet_t *as = sheet_by_prefix(&b, "Handlungsbedarf");
    cr_assert_not_null(strstr(as->xml, "<conditionalFormatting"));
    size_t listed = 0;
    char *sv = NULL;
    strtok_r(action, "\n", &sv);
    for (char *line = strtok_r(NULL, "\n", &sv); line; line = strtok_r(NULL, "\n", &sv)) {
        char *f[20];
        cr_assert_geq(csv_split(line, f, 20), 10);
        bool found = false;
        for (size_t i = 0; i < as->n && !found; i++)
            found = as->cells[i].col == 0 && as->cells[i].is_str &&
                    strcmp(as->cells[i].str, f[1]) == 0;
        cr_assert(found, "action region %s not on the sheet", f[1]);
        listed++;
    }
    cr_assert_eq(listed, flagged);
    free(action);
    book_free(&b);
    mz_run_destroy(run);
}

Test(xlsx, sheets_links_print_setup_and_frozen_headers)
{
    mz_run_t *run = make_run(NULL);
    char dir[512], path[600];
    write_run(run, "out", dir, sizeof dir);
    snprintf(path, sizeof path, "%s/mzatlas.xlsx", dir);
    xbook_t b;
    book_load(&b, path);
    const char *names[] = {"Übersicht",
                           "Abb. 5 Migrationsanteil",
                           "Abb. 6 Wirtschaftsbereiche",
                           "Abb. 7 Erwerbstätigenquote",
                           "Abb. 8 Selbständige",
                           "Abb. 9 Erwerbslosenquote",
                           "Handlungsbedarf",
                           "Regionen",
                           "Netzwerke",
                           "Methodik"};
    cr_assert_eq(b.nsheets, sizeof names / sizeof names[0]);
    for (size_t i = 0; i < b.nsheets; i++) {
        cr_assert_str_eq(b.sheets[i].name, names[i]);
        cr_assert_not_null(strstr(b.sheets[i].xml, "orientation=\"landscape\""), "%s", names[i]);
        cr_assert_not_null(strstr(b.sheets[i].xml, "fitToPage=\"1\""), "%s", names[i]);
        if (i > 0)
            cr_assert_not_null(strstr(b.sheets[i].xml, "state=\"frozen\""), "%s", names[i]);
    }
    /* the cover: synthetic data said, links to every other sheet, the legend */
    xsheet_t *cover = &b.sheets[0];
    size_t links = 0;
    for (const char *p = strstr(cover->xml, "<hyperlink "); p; p = strstr(p + 1, "<hyperlink "))
        links++;
    cr_assert_eq(links, b.nsheets - 1);
    cr_assert_not_null(strstr(cover->xml, "location=\"'Abb. 9 Erwerbslosenquote'!A1\""));
    const char *want[] = {"/", "( )", ".", "–", "x", "SYNTHETISCHE DATEN"};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        bool found = false;
        for (size_t i = 0; i < cover->n && !found; i++)
            found = cover->cells[i].is_str && strncmp(cover->cells[i].str, want[k],
                                                      strlen(want[k])) == 0;
        cr_assert(found, "cover lacks '%s'", want[k]);
    }
    /* Regionen: one row per region of every partition */
    xsheet_t *reg = sheet_by_prefix(&b, "Regionen");
    size_t parts = 0, rows = 0;
    for (int i = 0; i < MZ_NIND; i++)
        parts += mz_results_partition(mz_run_results(run), (mz_indicator_t)i)->count;
    for (size_t i = 0; i < reg->n; i++)
        rows += reg->cells[i].col == 1 && reg->cells[i].row > 3;
    cr_assert_eq(rows, parts);
    /* Netzwerke: the 31 networks of the inventory */
    xsheet_t *net = sheet_by_prefix(&b, "Netzwerke");
    rows = 0;
    for (size_t i = 0; i < net->n; i++)
        rows += net->cells[i].col == 0 && net->cells[i].row > 3 && net->cells[i].is_str &&
                strchr(net->cells[i].str, '_') != NULL;
    cr_assert_eq(rows, mz_networks_count(mz_run_networks(run)));
    book_free(&b);
    mz_run_destroy(run);
}

Test(xlsx, identical_runs_identical_bytes)
{
    mz_run_t *run = make_run(NULL);
    char d1[512], d2[512], p1[600], p2[600];
    write_run(run, "one", d1, sizeof d1);
    sleep(1); /* a clock in the file would now differ */
    mz_run_t *run2 = make_run(NULL);
    write_run(run2, "two", d2, sizeof d2);
    snprintf(p1, sizeof p1, "%s/mzatlas.xlsx", d1);
    snprintf(p2, sizeof p2, "%s/mzatlas.xlsx", d2);
    char *cmp = run_cmd("cmp '%s' '%s'", p1, p2);
    cr_assert_not_null(cmp, "the two workbooks differ");
    free(cmp);
    char *core = zip_entry(p1, "docProps/core.xml");
    cr_assert_not_null(core);
    cr_assert_not_null(
        strstr(core, "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2008-01-01T00:00:00Z"),
        "creation date is not fixed: %s", core);
    free(core);
    mz_run_destroy(run);
    mz_run_destroy(run2);
}

Test(xlsx, source_date_epoch_sets_the_creation_date)
{
    mz_run_t *run = make_run(NULL);
    char path[600];
    mz_error_t err;
    setenv("SOURCE_DATE_EPOCH", "1262304000", 1);
    snprintf(path, sizeof path, "%s/sde.xlsx", tmpdir);
    cr_assert_eq(mz_write_xlsx(run, path, &err), MZ_OK, "%s", err.message);
    unsetenv("SOURCE_DATE_EPOCH");
    char *core = zip_entry(path, "docProps/core.xml");
    cr_assert_not_null(strstr(core, ">2010-01-01T00:00:00Z<"), "%s", core);
    free(core);
    mz_run_destroy(run);
}

/* A 4×3 red PNG. */
static const unsigned char tiny_png[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
    0x52, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x03, 0x08, 0x02, 0x00, 0x00, 0x00, 0x3b,
    0x96, 0x39, 0x91, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
    0xcf, 0xc0, 0x00, 0x47, 0x0c, 0x38, 0x39, 0x00, 0xf5, 0x31, 0x0b, 0xf5, 0x35, 0x7b, 0xfb,
    0x82, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

Test(xlsx, maps_inserted_when_present_and_skipped_when_absent)
{
    mz_run_t *run = make_run(NULL);
    mz_error_t err;
    char path[600], maps[600], png[700];

    /* no maps/ directory: no picture, no maps sheet */
    snprintf(path, sizeof path, "%s/nomaps.xlsx", tmpdir);
    cr_assert_eq(mz_write_xlsx(run, path, &err), MZ_OK, "%s", err.message);
    char *list = run_cmd("unzip -Z1 '%s'", path);
    cr_assert_null(strstr(list, "xl/media/"));
    free(list);

    /* abb09 belongs on the unemployment sheet, abb01 on "Karten"; junk is skipped */
    snprintf(maps, sizeof maps, "%s/maps", tmpdir);
    cr_assert_eq(mkdir(maps, 0777), 0);
    snprintf(png, sizeof png, "%s/abb09-unemployment.png", maps);
    tu_write_bytes(png, tiny_png, sizeof tiny_png);
    snprintf(png, sizeof png, "%s/abb01-strata.png", maps);
    tu_write_bytes(png, tiny_png, sizeof tiny_png);
    snprintf(png, sizeof png, "%s/abb05-broken.png", maps);
    tu_write_bytes(png, "not a png", 9);
    snprintf(path, sizeof path, "%s/maps.xlsx", tmpdir);
    cr_assert_eq(mz_write_xlsx(run, path, &err), MZ_OK, "%s", err.message);
    xbook_t b;
    book_load(&b, path);
    /* identical pictures share one media part; each map is named in its drawing */
    cr_assert_not_null(strstr(b.entries, "xl/media/image1.png"));
    cr_assert_not_null(strstr(b.all, "descr=\"abb09-unemployment.png\""));
    cr_assert_not_null(strstr(b.all, "descr=\"abb01-strata.png\""));
    cr_assert_null(strstr(b.all, "abb05-broken.png"));
    cr_assert_not_null(strstr(sheet_by_prefix(&b, "Abb. 9")->xml, "<drawing "));
    cr_assert_null(strstr(sheet_by_prefix(&b, "Abb. 5")->xml, "<drawing "));
    cr_assert_not_null(strstr(sheet_by_prefix(&b, "Karten")->xml, "<drawing "));
    cr_assert_str_eq(b.sheets[b.nsheets - 1].name, "Karten");
    book_free(&b);
    mz_run_destroy(run);
}

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return c ^ 0xffffffffu;
}

static size_t png_chunk(unsigned char *out, const char *type, const unsigned char *data,
                        uint32_t len)
{
    out[0] = (unsigned char)(len >> 24);
    out[1] = (unsigned char)(len >> 16);
    out[2] = (unsigned char)(len >> 8);
    out[3] = (unsigned char)len;
    memcpy(out + 4, type, 4);
    if (len)
        memcpy(out + 8, data, len);
    uint32_t crc = crc32_of(out + 4, len + 4);
    out[8 + len] = (unsigned char)(crc >> 24);
    out[9 + len] = (unsigned char)(crc >> 16);
    out[10 + len] = (unsigned char)(crc >> 8);
    out[11 + len] = (unsigned char)crc;
    return 12 + len;
}

Test(xlsx, large_high_dpi_map_is_scaled_to_the_sheet)
{
    /* 3000 × 1500 pixels at 300 dpi: Excel shows 960 × 480; mzatlas scales to 620 wide.
     * Only the header chunks matter for the layout. */
    unsigned char png[128];
    size_t n = 0;
    const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const unsigned char ihdr[13] = {0, 0, 0x0b, 0xb8, 0, 0, 0x05, 0xdc, 8, 2, 0, 0, 0};
    const unsigned char phys[9] = {0, 0, 0x2e, 0x23, 0, 0, 0x2e, 0x23, 1}; /* 11811 px/m */
    memcpy(png, sig, 8);
    n = 8;
    n += png_chunk(png + n, "IHDR", ihdr, 13);
    n += png_chunk(png + n, "pHYs", phys, 9);
    n += png_chunk(png + n, "IEND", NULL, 0);

    mz_run_t *run = make_run(NULL);
    mz_error_t err;
    char path[600], maps[600], file[700];
    snprintf(maps, sizeof maps, "%s/maps", tmpdir);
    cr_assert_eq(mkdir(maps, 0777), 0);
    snprintf(file, sizeof file, "%s/abb05-migrationsanteil.png", maps);
    tu_write_bytes(file, png, n);
    snprintf(path, sizeof path, "%s/dpi.xlsx", tmpdir);
    cr_assert_eq(mz_write_xlsx(run, path, &err), MZ_OK, "%s", err.message);
    char *drawing = zip_entry(path, "xl/drawings/drawing1.xml");
    cr_assert_not_null(drawing);
    const char *ext = strstr(drawing, "<a:ext cx=\"");
    cr_assert_not_null(ext);
    long cx = strtol(ext + strlen("<a:ext cx=\""), NULL, 10);
    cr_assert(labs(cx - 620L * 9525L) <= 2L * 9525L, "map width %ld EMU, expected about %ld", cx,
              620L * 9525L);
    free(drawing);
    mz_run_destroy(run);
}

Test(xlsx, english_labels)
{
    mz_run_t *run = make_run(NULL);
    mz_error_t err;
    char path[600];
    mz_set_lang(MZ_LANG_EN);
    snprintf(path, sizeof path, "%s/en.xlsx", tmpdir);
    mz_status_t st = mz_write_xlsx(run, path, &err);
    mz_set_lang(MZ_LANG_DE);
    cr_assert_eq(st, MZ_OK, "%s", err.message);
    char *wb = zip_entry(path, "xl/workbook.xml");
    cr_assert_not_null(strstr(wb, "name=\"Overview\""));
    cr_assert_not_null(strstr(wb, "name=\"Fig. 9 Unemployment rate\""));
    cr_assert_null(strstr(wb, "Übersicht"));
    free(wb);
    mz_run_destroy(run);
}

Test(xlsx, unwritable_path_is_an_io_error)
{
    mz_run_t *run = make_run(NULL);
    mz_error_t err;
    char path[600];
    mz_error_clear(&err);
    snprintf(path, sizeof path, "%s/no/such/dir/mzatlas.xlsx", tmpdir);
    cr_assert_eq(mz_write_xlsx(run, path, &err), MZ_ERR_IO);
    cr_assert_eq(err.status, MZ_ERR_IO);
    cr_assert_str_eq(err.file, path);
    cr_assert(!tu_exists(path));
    mz_run_destroy(run);
}

Test(xlsx, before_compute_is_an_internal_error)
{
    mz_run_options_t o;
    mz_error_t err;
    char path[600];
    mz_run_options_init(&o);
    mz_run_t *run = mz_run_create(&o, &err);
    cr_assert_not_null(run);
    snprintf(path, sizeof path, "%s/x.xlsx", tmpdir);
    cr_assert_eq(mz_write_xlsx(run, path, &err), MZ_ERR_INTERNAL);
    cr_assert(!tu_exists(path));
    mz_run_destroy(run);
}

Test(xlsx, default_outputs_include_the_workbook)
{
    mz_run_options_t o;
    mz_run_options_init(&o);
    cr_assert(o.outputs & MZ_OUT_XLSX);
    cr_assert(o.outputs & MZ_OUT_CSV);
}
