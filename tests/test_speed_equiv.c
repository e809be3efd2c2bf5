/* test_speed_equiv.c — the fast paths give exactly the results of the general code.
 *
 * The canonical reader has a specialised record parser, a hashing thread and a read-ahead thread
 * (microcensus/extract.c, csv.c); the aggregation adds branch-free and caches the previous PSU
 * (analysis/aggregate.c). Here the same generated extracts, full of awkward values, go through
 * both paths (mz_set_fast_paths) and everything must agree bit for bit: every record, every
 * error message and its line, the SHA-256, the cells against an independent reference reader
 * written with strtod, and the bytes of indicators.csv, action.csv and regions.csv. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mzatlas/mz_cells.h"
#include "mzatlas/mz_extract.h"
#include "mzatlas/mz_ingest.h"
#include "mzatlas/mz_output.h"
#include "mzatlas/mz_run.h"
#include "mzatlas/mz_source.h"
#include "mzatlas/mz_variance.h"
#include "util.h"

static mz_gazetteer_t *gz;

static void setup(void)
{
    char path[4096];
    mz_error_t err;
    gz = mz_gazetteer_load(mz_data_path("regions/gazetteer-ni.csv", path, sizeof path), &err);
    cr_assert_not_null(gz, "%s", err.message);
    mz_set_lang(MZ_LANG_DE);
    mz_set_fast_paths(true);
}

static void teardown(void)
{
    mz_gazetteer_destroy(gz);
    gz = NULL;
    mz_set_fast_paths(true);
}

TestSuite(speed, .init = setup, .fini = teardown, .timeout = 240);

/* ---------------------------------------------------------------- generated extracts */

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

typedef struct buf {
    char *s;
    size_t len, cap;
} buf_t;

static void put(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        cr_assert(n >= 0);
        if (b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap ? b->cap * 2 : 1 << 16;
        b->s = realloc(b->s, b->cap);
        cr_assert_not_null(b->s);
    }
}

/* Kreise of 2007 (Region Hannover split), including 8-digit keys */
static const char *const kreise[] = {"03101", "03102", "03103", "03151", "03153", "03154",
                                     "03241001", "03241999", "03251", "03351", "03352",
                                     "03401", "03403", "03405", "03451", "03452", "03459",
                                     "03460", "03461", "03462"};
#define NKREISE (sizeof kreise / sizeof kreise[0])

/* A weight as text, in one of many spellings; `dec` is the decimal separator of the file. */
static void put_weight(buf_t *b, char dec)
{
    switch (rnd(14)) {
    case 0:
        put(b, "%u", 1 + rnd(500));
        break;
    case 1:
        put(b, "%u%c%u", 1 + rnd(400), dec, rnd(10));
        break;
    case 2:
        put(b, "%u%c%04u", rnd(400), dec, 1 + rnd(9999));
        break;
    case 3: /* 17 significant digits: beyond 2^53, the general conversion */
        put(b, "%u%c%014u%u", 100 + rnd(800), dec, rnd(1000000000), rnd(100000));
        break;
    case 4:
        put(b, "%u%c%09u%u", 1 + rnd(99), dec, rnd(1000000000), rnd(1000000000));
        break;
    case 5: /* exactly representable and not */
        put(b, "0%c1", dec);
        break;
    case 6:
        put(b, "%u%c", 1 + rnd(99), dec);
        break;
    case 7:
        put(b, "%c%u", dec, 1 + rnd(99999));
        break;
    case 8:
        put(b, "%u%c%ue%u", 1 + rnd(9), dec, rnd(100), rnd(3));
        break;
    case 9:
        put(b, "+%u", 1 + rnd(999));
        break;
    case 10:
        put(b, rnd(2) ? "100000" : "99999%c99999", dec);
        break;
    case 11:
        put(b, "0000000000000000000%u%c5", 1 + rnd(9), dec);
        break;
    case 12:
        put(b, "%u%c%019u", 1 + rnd(9), dec, rnd(1000000000));
        break;
    default:
        put(b, "%u%c%06u", 1 + rnd(3000), dec, rnd(1000000));
        break;
    }
}

typedef struct layout {
    char sep;
    bool crlf, bom, design, extra, quotes, blanks, odd_codes, schicht;
} layout_t;

/* An extract of n records: the columns of `lay`, persons in PSUs of a few records, Kreise in
 * an unsorted order. No errors unless `bad_at` >= 0: then record bad_at carries one of many
 * kinds of error (kind = bad_kind). */
static void make_extract(buf_t *b, const layout_t *lay, long n, long bad_at, int bad_kind)
{
    const char s = lay->sep, dec = s == ';' ? ',' : '.';
    const char *eol = lay->crlf ? "\r\n" : "\n";
    b->len = 0;
    put(b, "%s", lay->bom ? "\xEF\xBB\xBF" : "");
    if (lay->extra)
        put(b, "id%c", s);
    put(b, "year%ckreis%c", s, s);
    if (lay->schicht)
        put(b, "schicht%c", s);
    if (lay->design)
        put(b, "psu%cstratum%c", s, s);
    put(b, "weight%cage%csex%cmig%cilo%cselfemp%csector", s, s, s, s, s, s);
    if (lay->extra)
        put(b, "%cnote%csynthetic", s, s);
    put(b, "%s", eol);
    long psu = 0;
    int left = 0;
    const char *kreis = kreise[0];
    for (long i = 0; i < n; i++) {
        if (left == 0) {
            left = 1 + (int)rnd(25);
            psu++;
            kreis = kreise[rnd(NKREISE)];
        }
        left--;
        if (lay->blanks && rnd(500) == 0)
            put(b, "%s", rnd(2) ? eol : "\n");
        const bool bad = i == bad_at;
        if (lay->extra)
            put(b, "%ld%c", i, s);
        put(b, "%s%c", bad && bad_kind == 0 ? "2008" : "2007", s);
        if (bad && bad_kind == 1)
            put(b, "3101%c", s); /* leading zero lost */
        else if (lay->schicht && rnd(7) == 0)
            put(b, "%c", s); /* no Kreis: the stratum alone */
        else if (lay->quotes && rnd(40) == 0)
            put(b, "\"%s\"%c", kreis, s);
        else
            put(b, "%s%c", kreis, s);
        if (lay->schicht) {
            int u = mz_gazetteer_find(gz, kreis);
            put(b, "%s%c", mz_gazetteer_stratum_code(gz, (size_t)mz_gazetteer_unit_stratum(gz, (size_t)u)), s);
        }
        if (lay->design) {
            if (bad && bad_kind == 2)
                put(b, "%c", s); /* psu missing */
            else if (lay->quotes && rnd(60) == 0)
                put(b, "\"P%ld%cx\"%c", psu, s, s);
            else if (psu % 13 == 0)
                put(b, "PSU-with-a-rather-long-identifier-%ld%c", psu, s);
            else
                put(b, "%s-%ld%c", kreis, psu, s);
            put(b, "D%ld%c", psu % 7, s);
        }
        if (bad && bad_kind == 3)
            put(b, "-1");
        else if (bad && bad_kind == 4)
            put(b, "1%c5%c3", dec, dec);
        else
            put_weight(b, dec);
        int ilo = 1 + (int)rnd(3), sector = ilo == 1 ? 1 + (int)rnd(4) : 0;
        int selfemp = ilo == 1 && rnd(8) == 0;
        if (bad && bad_kind == 5)
            ilo = 1, sector = 0; /* employed without a sector */
        int age = (int)rnd(121);
        if (bad && bad_kind == 6)
            age = 121;
        if (lay->odd_codes && rnd(50) == 0)
            put(b, "%c %d %c", s, age, s); /* blanks around a number */
        else if (lay->odd_codes && rnd(50) == 0)
            put(b, "%c%03d%c", s, age, s); /* leading zeros */
        else
            put(b, "%c%d%c", s, age, s);
        if (bad && bad_kind == 9)
            put(b, "0"); /* sex 0: empty means unknown, 0 is wrong */
        else if (!(lay->odd_codes && rnd(20) == 0)) /* sex may be empty */
            put(b, "%d", 1 + (int)rnd(2));
        put(b, "%c%d%c%d%c%d%c%d", s, bad && bad_kind == 7 ? 3 : (int)rnd(3), s, ilo, s, selfemp,
            s, sector);
        if (lay->extra)
            put(b, "%c%s%c%d", s, rnd(3) ? "" : "Gr\xC3\xBC\xC3\x9F" "e", s, rnd(5) == 0);
        if (bad && bad_kind == 8)
            put(b, "%cextra", s); /* a field too many */
        put(b, "%s", eol);
    }
}

/* ---------------------------------------------------------------- reading both ways */

typedef struct readout {
    buf_t text;   /* every record, one line each, weights in hex */
    int rc;
    long records;
    char err[2048];
    bool design, synthetic;
    int year;
    char sha[65];
    uint64_t bytes;
} readout_t;

static void readout_free(readout_t *o) { free(o->text.s); }

static void put_record(readout_t *o, const mz_record_t *rec)
{
    o->records++;
    put(&o->text, "L%ld %d %d %d %a %d %d %d %d %d %d %s/%s\n", rec->line, rec->year, rec->unit,
        rec->stratum, rec->weight, rec->age, rec->sex, rec->mig, rec->ilo, rec->selfemp,
        rec->sector, rec->design_stratum ? rec->design_stratum : "-", rec->psu ? rec->psu : "-");
}

/* fast: the fast paths; batch: mz_extract_next_batch instead of mz_extract_next */
static void read_extract_as(const char *path, const buf_t *mem, bool fast, bool batch,
                            readout_t *o)
{
    memset(o, 0, sizeof *o);
    mz_set_fast_paths(fast);
    mz_extract_options_t opt = {.year = 0, .gazetteer = gz};
    mz_error_t err;
    mz_extract_reader_t *r = path ? mz_extract_open(path, &opt, &err)
                                  : mz_extract_open_mem("mem.csv", mem->s, mem->len, &opt, &err);
    cr_assert_not_null(r, "%s", err.message);
    mz_record_t rec;
    const mz_record_t *recs;
    size_t n;
    int rc;
    if (batch) {
        while ((rc = mz_extract_next_batch(r, &recs, &n, &err)) == 1) {
            cr_assert(n > 0);
            for (size_t i = 0; i < n; i++) {
                put_record(o, &recs[i]);
                /* the promise: consecutive equal PSUs share their strings */
                if (i > 0 && recs[i].psu && strcmp(recs[i].psu, recs[i - 1].psu) == 0 &&
                    strcmp(recs[i].design_stratum, recs[i - 1].design_stratum) == 0)
                    cr_assert(recs[i].psu == recs[i - 1].psu &&
                              recs[i].design_stratum == recs[i - 1].design_stratum);
            }
        }
    } else {
        while ((rc = mz_extract_next(r, &rec, &err)) == 1)
            put_record(o, &rec);
    }
    o->rc = rc;
    if (rc < 0)
        mz_error_format(&err, o->err, sizeof o->err);
    else
        snprintf(o->sha, sizeof o->sha, "%s", mz_extract_sha256(r));
    o->design = mz_extract_has_design(r);
    o->synthetic = mz_extract_is_synthetic(r);
    o->year = mz_extract_year(r);
    o->bytes = mz_extract_bytes_read(r);
    mz_extract_close(r);
    mz_set_fast_paths(true);
}

static void read_extract(const char *path, const buf_t *mem, bool fast, readout_t *o)
{
    read_extract_as(path, mem, fast, false, o);
}

static char tmpdir[64];

static const char *tmp_path(const char *name, char *path, size_t size)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/mz-test-speed-XXXXXX");
        cr_assert_not_null(mkdtemp(tmpdir));
    }
    snprintf(path, size, "%s/%s", tmpdir, name);
    return path;
}

static void write_file(const char *path, const buf_t *b)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(b->s, 1, b->len, f), b->len);
    cr_assert_eq(fclose(f), 0);
}

static void expect_same(const readout_t *g, const readout_t *f, const char *what)
{
    cr_expect_eq(f->rc, g->rc, "%s: rc %d (fast) vs %d (general): %s / %s", what, f->rc, g->rc,
                 f->err, g->err);
    cr_expect_eq(f->records, g->records, "%s: %ld records (fast) vs %ld", what, f->records,
                 g->records);
    cr_expect_str_eq(f->err, g->err, "%s: error differs", what);
    cr_expect_str_eq(f->sha, g->sha, "%s: SHA-256 differs", what);
    cr_expect_eq(f->design, g->design, "%s", what);
    cr_expect_eq(f->synthetic, g->synthetic, "%s", what);
    cr_expect_eq(f->year, g->year, "%s", what);
    cr_expect_eq(f->bytes, g->bytes, "%s", what);
    bool same = f->text.len == g->text.len &&
                (f->text.len == 0 || memcmp(f->text.s, g->text.s, f->text.len) == 0);
    if (!same) {
        size_t i = 0;
        while (i < f->text.len && i < g->text.len && f->text.s[i] == g->text.s[i])
            i++;
        size_t from = i > 100 ? i - 100 : 0;
        cr_expect(same, "%s: records differ at byte %zu:\n fast    %.200s\n general %.200s", what,
                  i, f->text.s ? f->text.s + from : "", g->text.s ? g->text.s + from : "");
    }
}

static const layout_t layouts[] = {
    {.sep = ',', .design = true},
    {.sep = ',', .design = true, .quotes = true, .blanks = true, .odd_codes = true},
    {.sep = ';', .crlf = true, .bom = true, .design = true, .extra = true, .odd_codes = true},
    {.sep = ';', .crlf = true, .extra = true, .quotes = true, .schicht = true},
    {.sep = ',', .schicht = true, .blanks = true},
};
#define NLAYOUTS (sizeof layouts / sizeof layouts[0])

/* Every record of awkward extracts, from memory and (large enough for the hashing and read-ahead
 * threads) from a file. */
Test(speed, records_identical_on_both_paths)
{
    buf_t b = {0};
    char path[256];
    for (size_t k = 0; k < NLAYOUTS; k++) {
        make_extract(&b, &layouts[k], 4000, -1, 0);
        readout_t g, f;
        read_extract(NULL, &b, false, &g);
        read_extract(NULL, &b, true, &f);
        char what[64];
        snprintf(what, sizeof what, "layout %zu, memory", k);
        expect_same(&g, &f, what);
        readout_free(&f);
        read_extract_as(NULL, &b, true, true, &f);
        snprintf(what, sizeof what, "layout %zu, memory, batches", k);
        expect_same(&g, &f, what);
        cr_expect_eq(g.rc, 0, "%s: %s", what, g.err);
        readout_free(&g);
        readout_free(&f);

        make_extract(&b, &layouts[k], 200000, -1, 0); /* 10+ MB */
        write_file(tmp_path("big.csv", path, sizeof path), &b);
        read_extract(path, NULL, false, &g);
        read_extract(path, NULL, true, &f);
        snprintf(what, sizeof what, "layout %zu, file of %zu bytes", k, b.len);
        expect_same(&g, &f, what);
        readout_free(&f);
        read_extract_as(path, NULL, true, true, &f);
        snprintf(what, sizeof what, "layout %zu, file of %zu bytes, batches", k, b.len);
        expect_same(&g, &f, what);
        cr_expect_eq(g.rc, 0, "%s: %s", what, g.err);
        cr_expect_eq(f.records, 200000, "%s", what);
        readout_free(&g);
        readout_free(&f);
        unlink(path);
    }
    free(b.s);
    rmdir(tmpdir);
}

/* An extract with error kind `kind` at record `at`: 4,000 records (read from memory) or, for a
 * later record, 200,000 (a file of 10+ MB, for the threads); true for the large one. */
static bool make_bad_extract(buf_t *b, int kind, long at)
{
    const layout_t *lay = &layouts[(size_t)kind % NLAYOUTS];
    if (kind == 2 && !lay->design)
        lay = &layouts[0];
    const long n = at < 4000 ? 4000 : 200000;
    make_extract(b, lay, n, at, kind);
    return n > 4000;
}

/* A bad record anywhere — early, at a read-block boundary, deep inside a large file — gives the
 * same message for the same line on both paths, and nothing after it. */
Test(speed, errors_identical_on_both_paths)
{
    buf_t b = {0};
    char path[256];
    static const long at[] = {0, 1, 17, 20000, 123457, 199999};
    for (int kind = 0; kind <= 9; kind++)
        for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
            const bool large = make_bad_extract(&b, kind, at[i]);
            readout_t g, f;
            char what[96];
            readout_t fb;
            if (!large) {
                read_extract(NULL, &b, false, &g);
                read_extract(NULL, &b, true, &f);
                read_extract_as(NULL, &b, true, true, &fb);
            } else {
                write_file(tmp_path("bad.csv", path, sizeof path), &b);
                read_extract(path, NULL, false, &g);
                read_extract(path, NULL, true, &f);
                read_extract_as(path, NULL, true, true, &fb);
                unlink(path);
            }
            snprintf(what, sizeof what, "error kind %d at record %ld", kind, at[i]);
            cr_expect_eq(g.rc, -1, "%s: no error found", what);
            expect_same(&g, &f, what);
            expect_same(&g, &fb, what);
            readout_free(&fb);
            readout_free(&g);
            readout_free(&f);
        }
    free(b.s);
    rmdir(tmpdir);
}

/* ---------------------------------------------------------------- the scanner
 *
 * mz_ingest_extract with the fast paths goes through mz_extract_scan (no record structs); it
 * must leave the aggregation exactly as the records in batches (mz_ingest_extract_records) and
 * the general path do: the same cells, PSU parts, Kish sums and counts, bit for bit, and the same
 * error for the same line. */

typedef struct ingested {
    mz_status_t st;
    char err[2048];
    uint64_t records, cells_records, kish_records;
    size_t npsu, nds, nparts;
    bool design;
    buf_t dump; /* every cell, part and Kish slot, in hex */
} ingested_t;

/* how: 0 scan (fast paths), 1 records in batches (fast paths), 2 general path */
static void ingest_as(const char *path, const buf_t *mem, int how, const char *second,
                      ingested_t *o)
{
    memset(o, 0, sizeof *o);
    mz_set_fast_paths(how < 2);
    const mz_age_band_t band = {18, 64};
    mz_error_t err;
    mz_cells_t *cells = mz_cells_create(gz, band, &err);
    mz_kish_t *kish = mz_kish_create(gz, band, &err);
    mz_owners_t *owners = mz_owners_create(gz, &err);
    cr_assert(cells && kish && owners);
    mz_extract_options_t opt = {.year = 0, .gazetteer = gz};
    o->st = MZ_OK;
    /* `second`: a file read before, into the same aggregation (ownership across files) */
    const char *files[2] = {second, path};
    for (int f = second ? 0 : 1; f < 2 && o->st == MZ_OK; f++) {
        const char *name = files[f] ? files[f] : "mem.csv";
        cr_assert_eq(mz_owners_begin_file(owners, name, &err), MZ_OK);
        mz_extract_reader_t *r =
            files[f] ? mz_extract_open(files[f], &opt, &err)
                     : mz_extract_open_mem("mem.csv", mem->s, mem->len, &opt, &err);
        cr_assert_not_null(r, "%s", err.message);
        uint64_t n = 0;
        o->st = how == 1 ? mz_ingest_extract_records(r, cells, kish, owners, &n, &err)
                         : mz_ingest_extract(r, cells, kish, owners, &n, &err);
        o->records += n;
        mz_extract_close(r);
    }
    if (o->st != MZ_OK)
        mz_error_format(&err, o->err, sizeof o->err);
    o->cells_records = mz_cells_records(cells);
    o->kish_records = mz_kish_records(kish);
    o->npsu = mz_cells_psu_count(cells);
    o->nds = mz_cells_design_stratum_count(cells);
    o->nparts = mz_cells_psu_part_count(cells);
    o->design = mz_cells_has_design(cells);
    const size_t nu = mz_gazetteer_count(gz), ns = mz_gazetteer_strata_count(gz);
    for (size_t u = 0; u < nu; u++) {
        const mz_cell_t *c = mz_cells_unit(cells, u);
        put(&o->dump, "U%zu %d %x", u, mz_cells_unit_present(cells, u), c->have);
        for (int g = 0; g < MZ_NGRP; g++)
            for (int m = 0; m < MZ_NMEAS; m++)
                put(&o->dump, " %a/%lld", c->w[g][m], (long long)c->n[g][m]);
        put(&o->dump, "\n");
    }
    for (size_t st = 0; st < ns; st++) {
        const mz_cell_t *c = mz_cells_stratum(cells, st);
        put(&o->dump, "S%zu %d", st, mz_cells_stratum_present(cells, st));
        for (int g = 0; g < MZ_NGRP; g++)
            for (int m = 0; m < MZ_NMEAS; m++)
                put(&o->dump, " %a/%lld", c->w[g][m], (long long)c->n[g][m]);
        put(&o->dump, "\n");
    }
    for (size_t i = 0; i < o->nparts; i++) {
        mz_psu_part_t q;
        mz_cells_psu_part_get(cells, i, &q);
        put(&o->dump, "P%zu %u %d %d", i, q.psu, q.unit, q.stratum);
        for (int g = 0; g < MZ_NGRP; g++)
            for (int m = 0; m < MZ_NMEAS; m++)
                put(&o->dump, " %a", q.w[g][m]);
        put(&o->dump, "\n");
    }
    for (size_t i = 0; i < o->npsu; i++)
        put(&o->dump, "D%zu %zu\n", i, mz_cells_psu_design_stratum(cells, i));
    double w[MZ_NGRP][MZ_NMEAS], w2[MZ_NGRP][MZ_NMEAS];
    for (size_t i = 0; mz_kish_slot(kish, i, w, w2); i++) {
        put(&o->dump, "K%zu", i);
        for (int g = 0; g < MZ_NGRP; g++)
            for (int m = 0; m < MZ_NMEAS; m++)
                put(&o->dump, " %a %a", w[g][m], w2[g][m]);
        put(&o->dump, "\n");
    }
    mz_owners_destroy(owners);
    mz_kish_destroy(kish);
    mz_cells_destroy(cells);
    mz_set_fast_paths(true);
}

static void expect_same_ingest(const ingested_t *a, const ingested_t *b, const char *what)
{
    cr_expect_eq(a->st, b->st, "%s: status %d vs %d (%s | %s)", what, a->st, b->st, a->err,
                 b->err);
    cr_expect_str_eq(a->err, b->err, "%s", what);
    cr_expect_eq(a->records, b->records, "%s: %llu vs %llu records", what,
                 (unsigned long long)a->records, (unsigned long long)b->records);
    cr_expect_eq(a->cells_records, b->cells_records, "%s", what);
    cr_expect_eq(a->kish_records, b->kish_records, "%s", what);
    cr_expect_eq(a->cells_records, a->records, "%s", what);
    cr_expect_eq(a->kish_records, a->records, "%s", what);
    cr_expect_eq(a->npsu, b->npsu, "%s", what);
    cr_expect_eq(a->nds, b->nds, "%s", what);
    cr_expect_eq(a->nparts, b->nparts, "%s", what);
    cr_expect_eq(a->design, b->design, "%s", what);
    if (a->dump.len != b->dump.len || memcmp(a->dump.s, b->dump.s, a->dump.len) != 0) {
        size_t i = 0;
        while (i < a->dump.len && i < b->dump.len && a->dump.s[i] == b->dump.s[i])
            i++;
        size_t l = i;
        while (l > 0 && a->dump.s[l - 1] != '\n')
            l--;
        cr_expect(false, "%s: sums differ at\n  %.200s\nvs\n  %.200s", what, a->dump.s + l,
                  b->dump.s + l);
    }
}

static void ingest_three_ways(const char *path, const buf_t *mem, const char *second,
                              const char *what, bool want_ok)
{
    ingested_t o[3];
    for (int how = 0; how < 3; how++)
        ingest_as(path, mem, how, second, &o[how]);
    char w[160];
    snprintf(w, sizeof w, "%s: scan vs records", what);
    expect_same_ingest(&o[0], &o[1], w);
    snprintf(w, sizeof w, "%s: scan vs general path", what);
    expect_same_ingest(&o[0], &o[2], w);
    if (want_ok)
        cr_expect_eq(o[0].st, MZ_OK, "%s: %s", what, o[0].err);
    else
        cr_expect_neq(o[0].st, MZ_OK, "%s: no error", what);
    for (int how = 0; how < 3; how++)
        free(o[how].dump.s);
}

Test(speed, scan_aggregates_like_records)
{
    buf_t b = {0};
    char path[256], what[128];
    for (size_t k = 0; k < NLAYOUTS; k++) {
        make_extract(&b, &layouts[k], 4000, -1, 0);
        snprintf(what, sizeof what, "layout %zu, memory", k);
        ingest_three_ways(NULL, &b, NULL, what, true);
        make_extract(&b, &layouts[k], 200000, -1, 0); /* 10+ MB: the hashing thread */
        write_file(tmp_path("big.csv", path, sizeof path), &b);
        snprintf(what, sizeof what, "layout %zu, file of %zu bytes", k, b.len);
        ingest_three_ways(path, NULL, NULL, what, true);
        unlink(path);
    }
    /* a bad record anywhere: the sums up to it, and its error */
    static const long at[] = {0, 1, 17, 3999, 123457};
    for (int kind = 0; kind <= 9; kind++)
        for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
            const bool large = make_bad_extract(&b, kind, at[i]);
            snprintf(what, sizeof what, "error kind %d at record %ld", kind, at[i]);
            if (!large) {
                ingest_three_ways(NULL, &b, NULL, what, false);
            } else {
                write_file(tmp_path("bad.csv", path, sizeof path), &b);
                ingest_three_ways(path, NULL, NULL, what, false);
                unlink(path);
            }
        }
    /* a second file with Kreise of the first: the ownership check fails at the first record of
     * a Kreis already read, which the scanner finds at the start of a run */
    char first[256];
    make_extract(&b, &layouts[0], 3000, -1, 0);
    write_file(tmp_path("first.csv", first, sizeof first), &b);
    make_extract(&b, &layouts[0], 3000, -1, 0);
    ingest_three_ways(NULL, &b, first, "a Kreis in two files", false);
    unlink(first);
    free(b.s);
    rmdir(tmpdir);
}

/* Weights in every spelling the fast conversion takes convert bit for bit as strtod does. */
Test(speed, weights_convert_like_strtod)
{
    buf_t b = {0};
    put(&b, "year,kreis,weight,age,sex,mig,ilo,selfemp,sector\n");
    buf_t w = {0};
    const long n = 60000;
    for (long i = 0; i < n; i++) {
        w.len = 0;
        if (i % 3 == 0) /* many digits: 1 to 17 of them, the point anywhere */
            put(&w, "%.*f", (int)rnd(12), 1.0 + rnd(99998) + rnd(1000000) / 1e6);
        else
            put_weight(&w, '.');
        put(&b, "2007,03101,%s,30,1,0,1,0,2\n", w.s);
    }
    mz_extract_options_t opt = {.year = 0, .gazetteer = gz};
    mz_error_t err;
    mz_set_fast_paths(true);
    mz_extract_reader_t *r = mz_extract_open_mem("w.csv", b.s, b.len, &opt, &err);
    cr_assert_not_null(r, "%s", err.message);
    /* the reference: the weight column split out by hand, converted with strtod */
    const char *line = strchr(b.s, '\n') + 1;
    mz_record_t rec;
    long k = 0;
    int rc;
    while ((rc = mz_extract_next(r, &rec, &err)) == 1) {
        const char *f = strchr(strchr(line, ',') + 1, ',') + 1;
        double ref = strtod(f, NULL);
        cr_expect(memcmp(&ref, &rec.weight, sizeof ref) == 0,
                  "record %ld: weight %.*s read as %a, strtod gives %a", k,
                  (int)(strchr(f, ',') - f), f, rec.weight, ref);
        line = strchr(line, '\n') + 1;
        k++;
    }
    cr_expect_eq(rc, 0, "%s", err.message);
    cr_expect_eq(k, n);
    mz_extract_close(r);
    free(b.s);
    free(w.s);
}

/* ---------------------------------------------------------------- aggregation */

/* An independent reader for the plain layout: split at commas, strtod, the measures as
 * DESIGN.md defines them, sums per unit and group in record order. */
typedef struct refcell {
    double w[MZ_NGRP][MZ_NMEAS];
    int64_t n[MZ_NGRP][MZ_NMEAS];
} refcell_t;

/* Reference parts: per (stratum, psu, unit) in order of first appearance, found by a linear
 * probe over a plain table of keys. */
typedef struct refparts {
    char **key;           /* "stratum\x1fpsu\x1funit" */
    char **psukey;        /* "stratum\x1fpsu" of each PSU id */
    size_t n, npsu, cap, pcap;
    uint32_t *psu;
    int *unit;
    double (*w)[MZ_NGRP][MZ_NMEAS];
    long *slot, *pslot;   /* open addressing over 2^20 slots: index + 1 */
} refparts_t;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static size_t ref_find(char **keys, long *slots, const char *key, bool *found)
{
    size_t i = hash_str(key) & ((1u << 20) - 1);
    while (slots[i] && strcmp(keys[slots[i] - 1], key) != 0)
        i = (i + 1) & ((1u << 20) - 1);
    *found = slots[i] != 0;
    return i;
}

static size_t ref_part(refparts_t *r, const char *ds, const char *psu, int unit)
{
    char k[300], pk[256];
    snprintf(pk, sizeof pk, "%s\x1f%s", ds, psu);
    snprintf(k, sizeof k, "%s\x1f%d", pk, unit);
    bool found;
    size_t i = ref_find(r->key, r->slot, k, &found);
    if (found)
        return (size_t)r->slot[i] - 1;
    size_t j = ref_find(r->psukey, r->pslot, pk, &found);
    if (!found) {
        cr_assert(r->npsu < r->pcap);
        r->psukey[r->npsu] = strdup(pk);
        r->pslot[j] = (long)++r->npsu;
    }
    cr_assert(r->n < r->cap);
    r->key[r->n] = strdup(k);
    r->psu[r->n] = (uint32_t)(r->pslot[j] - 1);
    r->unit[r->n] = unit;
    memset(r->w[r->n], 0, sizeof r->w[r->n]);
    r->slot[i] = (long)++r->n;
    return r->n - 1;
}

static void reference_cells(const buf_t *b, mz_age_band_t band, refcell_t *cells,
                            refparts_t *parts)
{
    const char *p = strchr(b->s, '\n') + 1;
    while (p < b->s + b->len) {
        char line[512];
        const char *e = strchr(p, '\n');
        size_t len = (size_t)(e - p);
        cr_assert(len < sizeof line);
        memcpy(line, p, len);
        line[len] = '\0';
        p = e + 1;
        char *f[16];
        int nf = 0;
        for (char *t = line; nf < 16;) {
            f[nf++] = t;
            char *c = strchr(t, ',');
            if (!c)
                break;
            *c = '\0';
            t = c + 1;
        }
        cr_assert_eq(nf, 11);
        int unit = mz_gazetteer_find(gz, f[1]);
        cr_assert(unit >= 0);
        double w = strtod(f[4], NULL);
        int age = atoi(f[5]), mig = atoi(f[7]), ilo = atoi(f[8]), self = atoi(f[9]),
            sector = atoi(f[10]);
        int g = mig > 0 ? MZ_GRP_WITH : MZ_GRP_WITHOUT;
        bool in_band = age >= band.lo && age <= band.hi;
        bool m[MZ_NMEAS] = {
            [MZ_M_POP] = true,
            [MZ_M_POP_BAND] = in_band,
            [MZ_M_EMP_BAND] = in_band && ilo == 1,
            [MZ_M_UNEMP_BAND] = in_band && ilo == 2,
            [MZ_M_EMP] = ilo == 1,
            [MZ_M_SELF] = ilo == 1 && self == 1,
            [MZ_M_SEC_AGR] = ilo == 1 && sector == 1,
            [MZ_M_SEC_PROD] = ilo == 1 && sector == 2,
            [MZ_M_SEC_TRADE] = ilo == 1 && sector == 3,
            [MZ_M_SEC_SERV] = ilo == 1 && sector == 4,
        };
        size_t part = ref_part(parts, f[3], f[2], unit);
        for (int k = 0; k < MZ_NMEAS; k++)
            if (m[k]) {
                cells[unit].w[g][k] += w;
                cells[unit].n[g][k]++;
                parts->w[part][g][k] += w;
            }
    }
}

/* Plain weights only (the reference reader knows no other spelling). PSUs of about 17 records;
 * a quarter of the records belong to one of the 400 PSUs before (more than the aggregation keeps
 * open), and some PSUs reach into a second Kreis. */
static void make_plain(buf_t *b, long n)
{
    b->len = 0;
    put(b, "year,kreis,psu,stratum,weight,age,sex,mig,ilo,selfemp,sector\n");
    for (long i = 0; i < n; i++) {
        long psu = i / 17;
        if (rnd(4) == 0)
            psu = psu > 400 ? psu - (long)rnd(400) : psu;
        const char *k = kreise[rnd(50) ? (size_t)psu % NKREISE : rnd(NKREISE)];
        int ilo = 1 + (int)rnd(3), sector = ilo == 1 ? 1 + (int)rnd(4) : 0;
        put(b, "2007,%s,P%ld,S%ld,%u.%0*u,%u,%u,%u,%d,%d,%d\n", k, psu, psu % 5,
            1 + rnd(300), 1 + (int)rnd(6), rnd(100000) % (rnd(6) ? 100000 : 10), rnd(100),
            1 + rnd(2), rnd(3), ilo, ilo == 1 && rnd(9) == 0, sector);
    }
}

/* The parts of the two passes: same PSU ids, same parts, same sums. */
typedef struct partsout {
    size_t npsu, nds, nparts;
    mz_psu_part_t *parts;
    uint32_t *psu_ds;
} partsout_t;

Test(speed, cells_match_a_reference_reader)
{
    partsout_t po[2] = {{0}};
    buf_t b = {0};
    char path[256];
    make_plain(&b, 220000);
    write_file(tmp_path("plain.csv", path, sizeof path), &b);
    const mz_age_band_t band = {18, 64};
    const size_t nu = mz_gazetteer_count(gz);
    refcell_t *ref = calloc(nu, sizeof *ref);
    cr_assert_not_null(ref);
    refparts_t rp = {.cap = 300000, .pcap = 300000};
    rp.key = calloc(rp.cap, sizeof *rp.key);
    rp.psukey = calloc(rp.pcap, sizeof *rp.psukey);
    rp.psu = calloc(rp.cap, sizeof *rp.psu);
    rp.unit = calloc(rp.cap, sizeof *rp.unit);
    rp.w = calloc(rp.cap, sizeof *rp.w);
    rp.slot = calloc(1u << 20, sizeof *rp.slot);
    rp.pslot = calloc(1u << 20, sizeof *rp.pslot);
    cr_assert(rp.key && rp.psukey && rp.psu && rp.unit && rp.w && rp.slot && rp.pslot);
    reference_cells(&b, band, ref, &rp);
    for (int fast = 0; fast <= 1; fast++) {
        mz_set_fast_paths(fast);
        mz_error_t err;
        mz_cells_t *cells = mz_cells_create(gz, band, &err);
        mz_kish_t *kish = mz_kish_create(gz, band, &err);
        mz_extract_options_t opt = {.year = 0, .gazetteer = gz};
        mz_extract_reader_t *r = mz_extract_open(path, &opt, &err);
        cr_assert(cells && kish && r);
        mz_record_t rec;
        int rc;
        while ((rc = mz_extract_next(r, &rec, &err)) == 1) {
            cr_assert_eq(mz_cells_add_record(cells, &rec, &err), MZ_OK, "%s", err.message);
            mz_kish_add_record(kish, &rec);
        }
        cr_assert_eq(rc, 0, "%s", err.message);
        mz_extract_close(r);
        for (size_t u = 0; u < nu; u++) {
            const mz_cell_t *c = mz_cells_unit(cells, u);
            for (int g = 0; g < MZ_NGRP; g++)
                for (int m = 0; m < MZ_NMEAS; m++) {
                    cr_expect(memcmp(&c->w[g][m], &ref[u].w[g][m], sizeof(double)) == 0,
                              "fast=%d unit %s group %d measure %s: %a vs reference %a", fast,
                              mz_gazetteer_unit(gz, u)->ags, g, mz_measure_id((mz_measure_t)m),
                              c->w[g][m], ref[u].w[g][m]);
                    cr_expect_eq(c->n[g][m], ref[u].n[g][m]);
                }
        }
        partsout_t *o = &po[fast];
        o->npsu = mz_cells_psu_count(cells);
        o->nds = mz_cells_design_stratum_count(cells);
        o->nparts = mz_cells_psu_part_count(cells);
        o->parts = malloc((o->nparts + 1) * sizeof *o->parts);
        o->psu_ds = malloc((o->npsu + 1) * sizeof *o->psu_ds);
        cr_assert(o->parts && o->psu_ds);
        for (size_t i = 0; i < o->nparts; i++)
            o->parts[i] = *mz_cells_psu_part(cells, i);
        /* the parts against the reference: ids, units and sums bit for bit */
        cr_expect_eq(o->nparts, rp.n);
        cr_expect_eq(o->npsu, rp.npsu);
        for (size_t i = 0; i < o->nparts && i < rp.n; i++) {
            mz_psu_part_t q;
            mz_cells_psu_part_get(cells, i, &q);
            cr_expect(q.psu == o->parts[i].psu && q.unit == o->parts[i].unit &&
                          q.stratum == o->parts[i].stratum &&
                          memcmp(q.w, o->parts[i].w, sizeof q.w) == 0,
                      "part %zu: get differs", i);
            cr_expect(q.psu == rp.psu[i] && q.unit == rp.unit[i] &&
                          memcmp(q.w, rp.w[i], sizeof q.w) == 0,
                      "fast=%d part %zu (%s) differs from the reference", fast, i, rp.key[i]);
            /* the sums the variance takes from the compact parts, against a dense loop */
            static const uint32_t sets[][2] = {{1u << MZ_M_POP, 1u << MZ_M_POP},
                                               {1u << MZ_M_UNEMP_BAND,
                                                1u << MZ_M_EMP_BAND | 1u << MZ_M_UNEMP_BAND},
                                               {1u << MZ_M_SELF, 1u << MZ_M_EMP},
                                               {0x3ffu, 0x2aau}};
            for (size_t k = 0; k < sizeof sets / sizeof sets[0]; k++) {
                double got[2 * MZ_NGRP], want[2 * MZ_NGRP] = {0};
                mz_cells_psu_part_sums(cells, i, sets[k][0], sets[k][1], got);
                for (int g = 0; g < MZ_NGRP; g++)
                    for (int m = 0; m < MZ_NMEAS; m++) {
                        if ((sets[k][0] >> m) & 1u)
                            want[g] += q.w[g][m];
                        if ((sets[k][1] >> m) & 1u)
                            want[MZ_NGRP + g] += q.w[g][m];
                    }
                cr_expect(memcmp(got, want, sizeof got) == 0, "part %zu: sums %zu differ", i, k);
            }
        }
        for (size_t i = 0; i < o->npsu; i++)
            o->psu_ds[i] = (uint32_t)mz_cells_psu_design_stratum(cells, i);
        cr_expect(mz_cells_has_design(cells));
        mz_cells_destroy(cells);
        mz_kish_destroy(kish);
    }
    mz_set_fast_paths(true);
    cr_expect_eq(po[0].npsu, po[1].npsu);
    cr_expect_eq(po[0].nds, po[1].nds);
    cr_expect_eq(po[0].nparts, po[1].nparts);
    if (po[0].nparts == po[1].nparts && po[0].npsu == po[1].npsu) {
        cr_expect(memcmp(po[0].psu_ds, po[1].psu_ds, po[0].npsu * sizeof *po[0].psu_ds) == 0);
        for (size_t i = 0; i < po[0].nparts; i++) {
            const mz_psu_part_t *x = &po[0].parts[i], *y = &po[1].parts[i];
            cr_expect(x->psu == y->psu && x->unit == y->unit && x->stratum == y->stratum &&
                          memcmp(x->w, y->w, sizeof x->w) == 0,
                      "part %zu differs", i);
        }
    }
    for (int k = 0; k < 2; k++) {
        free(po[k].parts);
        free(po[k].psu_ds);
    }
    for (size_t i = 0; i < rp.n; i++)
        free(rp.key[i]);
    for (size_t i = 0; i < rp.npsu; i++)
        free(rp.psukey[i]);
    free(rp.key);
    free(rp.psukey);
    free(rp.psu);
    free(rp.unit);
    free(rp.w);
    free(rp.slot);
    free(rp.pslot);
    free(ref);
    free(b.s);
    unlink(path);
    rmdir(tmpdir);
}

/* ---------------------------------------------------------------- whole runs */

static void read_whole(const char *path, buf_t *out)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    out->len = 0;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->len + n + 1 > out->cap) {
            out->cap = (out->len + n + 1) * 2;
            out->s = realloc(out->s, out->cap);
            cr_assert_not_null(out->s);
        }
        memcpy(out->s + out->len, chunk, n);
        out->len += n;
    }
    fclose(f);
}

static void run_to(const char *extract, const char *dir, bool fast)
{
    mz_set_fast_paths(fast);
    mz_run_options_t opt;
    mz_run_options_init(&opt);
    opt.outputs = MZ_OUT_CSV;
    mz_error_t err;
    mz_run_t *run = mz_run_create(&opt, &err);
    cr_assert_not_null(run, "%s", err.message);
    cr_assert_eq(mz_run_add_extract(run, extract, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(mz_run_compute(run, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(mz_run_write(run, dir, &err), MZ_OK, "%s", err.message);
    mz_run_destroy(run);
    mz_set_fast_paths(true);
}

/* indicators.csv (estimates, SEs from the per-PSU parts, CIs), action.csv and regions.csv are
 * byte for byte the same with the fast paths (threads) and without. */
Test(speed, outputs_byte_identical)
{
    buf_t b = {0};
    char path[256], d1[256], d2[256];
    layout_t lay = {.sep = ';', .crlf = true, .design = true, .extra = true, .odd_codes = true};
    make_extract(&b, &lay, 260000, -1, 0);
    write_file(tmp_path("run.csv", path, sizeof path), &b);
    tmp_path("general", d1, sizeof d1);
    tmp_path("fast", d2, sizeof d2);
    run_to(path, d1, false);
    run_to(path, d2, true);
    static const char *const files[] = {"indicators.csv", "action.csv", "regions.csv"};
    buf_t x = {0}, y = {0};
    char rj[512];
    snprintf(rj, sizeof rj, "%s/run.json", d2);
    read_whole(rj, &x);
    x.s[x.len] = '\0';
    cr_expect(strstr(x.s, "design_taylor") != NULL, "no design-based variance");
    for (size_t i = 0; i < 3; i++) {
        char p1[512], p2[512];
        snprintf(p1, sizeof p1, "%s/%s", d1, files[i]);
        snprintf(p2, sizeof p2, "%s/%s", d2, files[i]);
        read_whole(p1, &x);
        read_whole(p2, &y);
        cr_expect(x.len > 0);
        cr_expect(x.len == y.len && memcmp(x.s, y.s, x.len) == 0, "%s differs", files[i]);
        unlink(p1);
        unlink(p2);
    }
    for (int k = 0; k < 2; k++) {
        char rp[512];
        snprintf(rp, sizeof rp, "%s/run.json", k ? d2 : d1);
        unlink(rp);
        rmdir(k ? d2 : d1);
    }
    free(x.s);
    free(y.s);
    free(b.s);
    unlink(path);
    rmdir(tmpdir);
}
