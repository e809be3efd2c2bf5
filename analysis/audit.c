/* audit.c — check a published output directory against the extracts it was made from
 * (docs/confidentiality.md "The audit"):
 *  1. indicators.csv against the rules recomputed from the extracts: withheld rows show no value,
 *     secret rows are marked ".", no gap is published beside a withheld rate, published values
 *     match the recomputation;
 *  2. the feasible interval of every secret value, from what indicators.csv publishes and the
 *     relations of the model (suppress_model.h), solved with GLPK;
 *  3. every CSV, SVG, JSON and text file, and the sheets of every xlsx package, searched for the
 *     withheld values. */
#include "mzatlas/mz_suppress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../microcensus/csv.h"
#include "../microcensus/util.h"
#include "suppress_model.h"

extern char **environ;

#define ALL_INDICATORS ((1u << MZ_NIND) - 1u)
#define MAX_LEAKS_PER_FILE 20

/* ------------------------------------------------------------------------- findings */

struct mz_audit {
    mz_audit_finding_t *f;
    size_t n, cap;
    mz_audit_stats_t stats;
};

const char *mz_audit_kind_id(mz_audit_kind_t k)
{
    static const char *const ids[] = {"recomputable", "narrow",       "published", "symbol",
                                      "leak",         "mismatch",     "inconsistent",
                                      "unchecked"};
    return (unsigned)k < sizeof ids / sizeof ids[0] ? ids[k] : "?";
}

void mz_audit_options_init(mz_audit_options_t *o) { o->protection = MZ_PROTECTION_DEFAULT; }

static mz_status_t nomem(mz_error_t *err)
{
    return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
}

static mz_status_t add_finding(mz_audit_t *a, mz_audit_kind_t kind, const char *file,
                               const char *where, const char *cell, mz_error_t *err,
                               const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static mz_status_t add_finding(mz_audit_t *a, mz_audit_kind_t kind, const char *file,
                               const char *where, const char *cell, mz_error_t *err,
                               const char *fmt, ...)
{
    if (a->n == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 32;
        mz_audit_finding_t *nf = realloc(a->f, nc * sizeof *nf);
        if (!nf)
            return nomem(err);
        a->f = nf;
        a->cap = nc;
    }
    mz_audit_finding_t *f = &a->f[a->n++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    snprintf(f->file, sizeof f->file, "%s", file ? file : "");
    snprintf(f->where, sizeof f->where, "%s", where ? where : "");
    snprintf(f->cell, sizeof f->cell, "%s", cell ? cell : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    return MZ_OK;
}

void mz_audit_destroy(mz_audit_t *a)
{
    if (!a)
        return;
    free(a->f);
    free(a);
}

size_t mz_audit_count(const mz_audit_t *a) { return a->n; }
const mz_audit_finding_t *mz_audit_finding(const mz_audit_t *a, size_t i) { return &a->f[i]; }
const mz_audit_stats_t *mz_audit_stats(const mz_audit_t *a) { return &a->stats; }

/* ------------------------------------------------------------ the rows of indicators.csv */

enum { F_EST = 0, F_SE, F_LO, F_HI, F_NUM, F_DEN, F_N, NFIELDS };
static const char *const field_names[NFIELDS] = {"estimate", "se",        "ci_low", "ci_high",
                                                 "numerator", "denominator", "n"};

typedef struct dir_row {
    int ind;              /* -1: unknown indicator */
    int group, level;     /* -1: unknown */
    char *code, *members, *symbol;
    long line;
    bool present[NFIELDS];   /* field not empty */
    bool parsed[NFIELDS];    /* … and a number */
    double v[NFIELDS];
    long ref;             /* matching row of the reference, -1 */
    bool withheld;        /* symbol "/" or "." */
} dir_row_t;

typedef struct dir_table {
    dir_row_t *rows;
    size_t n, cap;
} dir_table_t;

static void dir_table_finish(dir_table_t *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->rows[i].code);
        free(t->rows[i].members);
        free(t->rows[i].symbol);
    }
    free(t->rows);
    memset(t, 0, sizeof *t);
}

static int parse_group(const char *s)
{
    for (int g = 0; g < MZ_NG; g++)
        if (strcmp(s, mz_group_id((mz_group_t)g)) == 0)
            return g;
    return -1;
}

static int parse_level(const char *s)
{
    for (int l = 0; l < 3; l++)
        if (strcmp(s, mz_level_id((mz_level_t)l)) == 0)
            return l;
    return -1;
}

static mz_status_t read_indicators(const char *path, dir_table_t *t, mz_error_t *err)
{
    static const char *const want[] = {"indicator", "level", "region", "members", "group",
                                       "estimate",  "se",    "ci_low", "ci_high", "numerator",
                                       "denominator", "n",   "symbol"};
    enum { C_IND, C_LEVEL, C_REGION, C_MEMBERS, C_GROUP, C_FIELDS, C_SYMBOL = C_FIELDS + NFIELDS,
           NCOLS };
    long col[NCOLS];
    mz_csv_t *csv = mz_csv_open(path, ',', err);
    if (!csv)
        return err ? err->status : MZ_ERR_IO;
    mz_status_t st = MZ_OK;
    int rc = mz_csv_next(csv, err);
    if (rc <= 0) {
        st = rc < 0 ? (err ? err->status : MZ_ERR_DATA)
                    : mz_error_set(err, MZ_ERR_DATA, path, 0, NULL, NULL, "%s",
                                   mz_tr("leere Datei", "empty file"));
        goto done;
    }
    for (size_t c = 0; c < NCOLS; c++) {
        col[c] = -1;
        for (size_t i = 0; i < mz_csv_nfields(csv); i++)
            if (strcmp(mz_csv_field(csv, i), want[c]) == 0)
                col[c] = (long)i;
        if (col[c] < 0 && c != C_FIELDS + F_SE && c != C_FIELDS + F_LO && c != C_FIELDS + F_HI) {
            st = mz_error_set(err, MZ_ERR_DATA, path, 1, want[c], NULL, "%s",
                              mz_tr("Spalte fehlt", "column missing"));
            goto done;
        }
    }
    while ((rc = mz_csv_next(csv, err)) == 1) {
        if (t->n == t->cap) {
            size_t nc = t->cap ? t->cap * 2 : 512;
            dir_row_t *nr = realloc(t->rows, nc * sizeof *nr);
            if (!nr) {
                st = nomem(err);
                goto done;
            }
            t->rows = nr;
            t->cap = nc;
        }
        dir_row_t *r = &t->rows[t->n];
        memset(r, 0, sizeof *r);
        size_t nf = mz_csv_nfields(csv);
#define FIELD(c) (col[c] >= 0 && (size_t)col[c] < nf ? mz_csv_field(csv, (size_t)col[c]) : "")
        r->ind = mz_indicator_parse(FIELD(C_IND));
        r->group = parse_group(FIELD(C_GROUP));
        r->level = parse_level(FIELD(C_LEVEL));
        r->code = mz_strdup(FIELD(C_REGION));
        r->members = mz_strdup(FIELD(C_MEMBERS));
        r->symbol = mz_strdup(FIELD(C_SYMBOL));
        r->line = mz_csv_line(csv);
        r->ref = -1;
        t->n++;
        if (!r->code || !r->members || !r->symbol) {
            st = nomem(err);
            goto done;
        }
        for (int k = 0; k < NFIELDS; k++) {
            const char *s = FIELD(C_FIELDS + k);
            r->present[k] = s[0] != '\0';
            r->parsed[k] = r->present[k] && mz_parse_double(s, false, &r->v[k]);
        }
#undef FIELD
        r->withheld = strcmp(r->symbol, "/") == 0 || strcmp(r->symbol, ".") == 0;
    }
    if (rc < 0)
        st = err ? err->status : MZ_ERR_DATA;
done:
    mz_csv_close(csv);
    return st;
}

/* -------------------------------------------------------------------- the reference */

typedef struct ref_row {
    mz_point_t primary;     /* the rules' outcome, before secondary suppression */
    unsigned sens;          /* secret parts (bit 0 numerator, bit 1 denominator) */
    double w[2];
    int64_t cases[2];
} ref_row_t;

static void row_key(char *buf, size_t size, int ind, int level, const char *code, int group)
{
    snprintf(buf, size, "%s|%s|%s|%s", mz_indicator_id((mz_indicator_t)ind),
             mz_level_id((mz_level_t)level), code, mz_group_id((mz_group_t)group));
}

static void cell_name(char *buf, size_t size, mz_indicator_t ind, mz_level_t level,
                      const char *code, mz_group_t g)
{
    snprintf(buf, size, "%s/%s/%s/%s", mz_indicator_id(ind), mz_level_id(level), code,
             mz_group_id(g));
}

typedef struct audit_ctx {
    mz_audit_t *a;
    const mz_results_t *ref;
    const char *dir;
    double protection;
    dir_table_t dt;
    ref_row_t *rr;
    size_t nref;
    mz_strmap_t keys;       /* reference row keys → index */
    /* values searched for */
    struct wval {
        double v;
        size_t row;         /* reference row */
        int field;
    } *wv;
    size_t nwv;
    double *pv;             /* published values (sorted) */
    size_t npv;
    double *w1[MZ_NIND], *p1[MZ_NIND];   /* rounded to one decimal, per indicator (sorted) */
    size_t nw1[MZ_NIND], np1[MZ_NIND];
    double rules_vals[8];
    size_t nrules;
    size_t leaks_in_file;
} audit_ctx_t;

/* ------------------------------------------------------------------ 1. the table itself */

static long dir_find(const dir_table_t *t, int ind, int level, const char *code, int group)
{
    for (size_t i = 0; i < t->n; i++) {
        const dir_row_t *r = &t->rows[i];
        if (r->ind == ind && r->level == level && r->group == group && strcmp(r->code, code) == 0)
            return (long)i;
    }
    return -1;
}

static bool close_to(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b)); }

static mz_status_t check_table(audit_ctx_t *cx, mz_error_t *err)
{
    mz_status_t st = MZ_OK;
    const char *file = "indicators.csv";
    for (size_t i = 0; i < cx->dt.n && st == MZ_OK; i++) {
        dir_row_t *d = &cx->dt.rows[i];
        char where[64], cell[256];
        snprintf(where, sizeof where, mz_tr("Zeile %ld", "line %ld"), d->line);
        if (d->ind < 0 || d->group < 0 || d->level < 0) {
            st = add_finding(cx->a, MZ_AUDIT_MISMATCH, file, where, "", err, "%s",
                             mz_tr("Zeile nicht lesbar (Indikator, Ebene oder Gruppe unbekannt)",
                                   "row not readable (unknown indicator, level or group)"));
            continue;
        }
        cell_name(cell, sizeof cell, (mz_indicator_t)d->ind, (mz_level_t)d->level, d->code,
                  (mz_group_t)d->group);
        cx->a->stats.secret_rows += strcmp(d->symbol, ".") == 0;
        bool values = false;
        for (int k = 0; k < NFIELDS; k++)
            values = values || d->present[k];
        if (strcmp(d->symbol, "") != 0 && strcmp(d->symbol, "()") != 0 && !d->withheld)
            st = add_finding(cx->a, MZ_AUDIT_MISMATCH, file, where, cell, err, "%s",
                             mz_tr("unbekanntes Zeichen in der Spalte symbol",
                                   "unknown sign in column symbol"));
        if (st == MZ_OK && d->withheld && values)
            st = add_finding(cx->a, MZ_AUDIT_PUBLISHED, file, where, cell, err,
                             mz_tr("Zeile ist gesperrt (%s), zeigt aber Werte",
                                   "row is withheld (%s) but shows values"),
                             d->symbol);
        if (st != MZ_OK)
            break;
        if (d->ref < 0) {
            st = add_finding(cx->a, MZ_AUDIT_MISMATCH, file, where, cell, err, "%s",
                             mz_tr("Zeile fehlt in der Neuberechnung aus den Auszügen "
                                   "(andere Auszüge oder Optionen?)",
                                   "row missing from the recomputation from the extracts "
                                   "(other extracts or options?)"));
            continue;
        }
        const ref_row_t *r = &cx->rr[d->ref];
        const mz_estimate_t *e = mz_results_at(cx->ref, (size_t)d->ref);
        if (mz_symbol_withheld(r->primary.symbol) && !d->withheld)
            st = add_finding(cx->a, MZ_AUDIT_PUBLISHED, file, where, cell, err,
                             mz_tr("muss nach den Regeln gesperrt sein (%s), ist aber "
                                   "veröffentlicht",
                                   "must be withheld under the rules (%s) but is published"),
                             mz_symbol_str(r->primary.symbol));
        else if (r->primary.symbol == MZ_SYM_SECRET && strcmp(d->symbol, ".") != 0)
            st = add_finding(cx->a, MZ_AUDIT_SYMBOL, file, where, cell, err,
                             mz_tr("geheime Zelle nicht mit . gekennzeichnet (Zeichen '%s')",
                                   "secret cell not marked . (sign '%s')"),
                             d->symbol);
        if (st != MZ_OK)
            break;
        if (d->group == MZ_G_GAP && !d->withheld) {
            for (int g = MZ_G_WITH; g <= MZ_G_WITHOUT && st == MZ_OK; g++) {
                long j = dir_find(&cx->dt, d->ind, d->level, d->code, g);
                if (j >= 0 && cx->dt.rows[j].withheld)
                    st = add_finding(cx->a, MZ_AUDIT_SYMBOL, file, where, cell, err,
                                     mz_tr("Differenz veröffentlicht, obwohl die Quote '%s' "
                                           "gesperrt ist: die Quote folgt aus der anderen",
                                           "gap published although the rate '%s' is withheld: "
                                           "the rate follows from the other one"),
                                     mz_group_id((mz_group_t)g));
            }
        }
        /* published values must be those of the recomputation */
        if (!d->withheld && !mz_symbol_withheld(r->primary.symbol)) {
            double refv[NFIELDS] = {e->p.estimate, e->se, e->ci_low, e->ci_high,
                                    e->p.numerator, e->p.denominator, (double)e->p.n};
            for (int k = 0; k < NFIELDS && st == MZ_OK; k++) {
                if (k == F_SE || k == F_LO || k == F_HI || !d->present[k])
                    continue;
                if (!d->parsed[k] || !isfinite(refv[k]) || !close_to(d->v[k], refv[k])) {
                    st = add_finding(cx->a, MZ_AUDIT_MISMATCH, file, where, cell, err,
                                     mz_tr("Wert in Spalte %s weicht von der Neuberechnung ab",
                                           "value in column %s differs from the recomputation"),
                                     field_names[k]);
                    break;
                }
            }
        }
    }
    return st;
}

/* ---------------------------------------------------------- 2. intervals of secret values */

/* Slot of a key in the map (inserted when new). */
static long slot_of(mz_strmap_t *m, const char *key)
{
    return mz_strmap_intern(m, key, strlen(key), NULL);
}

/* Split members "a+b+c" into slots; append the stratum-only slot(s). Returns the count or -1. */
static long member_slots(mz_strmap_t *slots, const char *members, int level, const char *code,
                         const char *const *so_codes, size_t nso, size_t *out, size_t cap)
{
    size_t k = 0;
    const char *p = members;
    char key[128];
    while (*p) {
        const char *q = strchr(p, '+');
        size_t len = q ? (size_t)(q - p) : strlen(p);
        if (len && len < sizeof key) {
            memcpy(key, p, len);
            key[len] = '\0';
            long s = slot_of(slots, key);
            if (s < 0)
                return -1;
            if (k < cap)
                out[k++] = (size_t)s;
        }
        p += len;
        if (*p == '+')
            p++;
    }
    for (size_t i = 0; i < nso; i++) {
        if (level == MZ_LEVEL_LAND ||
            (level == MZ_LEVEL_SCHICHT && strcmp(code, so_codes[i]) == 0)) {
            snprintf(key, sizeof key, "\x01so:%s", so_codes[i]);
            long s = slot_of(slots, key);
            if (s < 0)
                return -1;
            if (k < cap)
                out[k++] = (size_t)s;
        }
    }
    return (long)k;
}

static const char *part_name(int which)
{
    return which == 0 ? mz_tr("Zähler", "numerator") : mz_tr("Nenner", "denominator");
}

/* Whether the recomputed table, every value shown, fits the person model. When it does not
 * (tabulated inputs that do not add up), the measure model is what the run used too. */
static mz_status_t reference_fits(audit_ctx_t *cx, mz_strmap_t *slots,
                                  const char *const *so_codes, size_t nso, bool band_all,
                                  bool *fits, mz_error_t *err)
{
    const mz_results_t *ref = cx->ref;
    size_t per_row = mz_gazetteer_count(mz_cells_gazetteer(mz_results_cells(ref))) + nso + 64;
    mz_sdc_row_t *rows = calloc(cx->nref ? cx->nref : 1, sizeof *rows);
    size_t *slotbuf = malloc((cx->nref ? cx->nref : 1) * per_row * sizeof *slotbuf);
    mz_sdc_model_t model;
    mz_status_t st = MZ_OK;
    *fits = false;
    if (!rows || !slotbuf) {
        st = nomem(err);
        goto done;
    }
    for (size_t j = 0; j < cx->nref; j++) {
        const mz_estimate_t *e = mz_results_at(ref, j);
        mz_sdc_row_t *r = &rows[j];
        long k = member_slots(slots, e->region->members, (int)e->region->level, e->region->code,
                              so_codes, nso, slotbuf + j * per_row, per_row);
        if (k < 0) {
            st = nomem(err);
            goto done;
        }
        r->ind = e->ind;
        r->group = e->group;
        r->gap_row = -1;
        r->slots = slotbuf + j * per_row;
        r->nslots = (size_t)k;
        r->has_num = e->p.known && e->group != MZ_G_GAP && isfinite(e->p.numerator);
        r->has_den = e->p.known && e->group != MZ_G_GAP && isfinite(e->p.denominator);
        r->has_n = e->p.known && e->p.n >= 0;
        r->num = e->p.numerator;
        r->den = e->p.denominator;
        r->n = (double)e->p.n;
    }
    st = mz_sdc_build(&model, rows, cx->nref, slots->count, band_all, false, err);
    if (st == MZ_OK) {
        st = mz_ptable_feasible(model.pt, fits, err);
        mz_sdc_finish(&model);
    }
done:
    free(rows);
    free(slotbuf);
    return st;
}

static mz_status_t check_intervals(audit_ctx_t *cx, mz_error_t *err)
{
    const mz_results_t *ref = cx->ref;
    const mz_rules_t *rules = mz_results_rules(ref);
    const mz_age_band_t band = mz_cells_band(mz_results_cells(ref));
    const bool band_all = band.lo <= 0 && band.hi >= 120;
    size_t nso = 0, ns = mz_results_strata_count(ref);
    const char **so_codes = calloc(ns ? ns : 1, sizeof *so_codes);
    size_t ntargets = 0;
    for (size_t j = 0; j < cx->nref; j++)
        ntargets += cx->rr[j].sens != 0;
    size_t nrows = cx->dt.n + ntargets;
    mz_sdc_row_t *rows = calloc(nrows ? nrows : 1, sizeof *rows);
    size_t *target_ref = calloc(ntargets ? ntargets : 1, sizeof *target_ref);
    size_t per_row = mz_gazetteer_count(mz_cells_gazetteer(mz_results_cells(ref))) + ns + 64;
    size_t *slotbuf = malloc((nrows ? nrows : 1) * per_row * sizeof *slotbuf);
    mz_strmap_t slots;
    mz_strmap_init(&slots);
    mz_sdc_model_t model;
    memset(&model, 0, sizeof model);
    mz_status_t st = MZ_OK;
    if (!so_codes || !rows || !target_ref || !slotbuf) {
        st = nomem(err);
        goto done;
    }
    for (size_t s = 0; s < ns; s++) {
        const mz_region_t *r = mz_results_stratum(ref, s);
        if (mz_sdc_stratum_only(ref, r))
            so_codes[nso++] = r->code;
    }
    /* the published rows */
    for (size_t i = 0; i < cx->dt.n; i++) {
        const dir_row_t *d = &cx->dt.rows[i];
        mz_sdc_row_t *r = &rows[i];
        r->gap_row = -1;
        if (d->ind < 0 || d->group < 0 || d->level < 0)
            continue;
        r->ind = (mz_indicator_t)d->ind;
        r->group = (mz_group_t)d->group;
        long k = member_slots(&slots, d->members, d->level, d->code, so_codes, nso,
                              slotbuf + i * per_row, per_row);
        if (k < 0) {
            st = nomem(err);
            goto done;
        }
        r->slots = slotbuf + i * per_row;
        r->nslots = (size_t)k;
        /* whatever shows, the reader knows, whatever the symbol says */
        r->has_num = d->parsed[F_NUM] && r->group != MZ_G_GAP;
        r->has_den = d->parsed[F_DEN] && r->group != MZ_G_GAP;
        r->has_n = d->parsed[F_N];
        r->has_est = d->parsed[F_EST] && r->group != MZ_G_GAP;
        r->num = d->v[F_NUM];
        r->den = d->v[F_DEN];
        r->n = d->v[F_N];
        r->est = d->v[F_EST];
    }
    /* a published gap and one published rate give the other rate */
    for (size_t i = 0; i < cx->dt.n; i++) {
        const dir_row_t *d = &cx->dt.rows[i];
        if (d->group != MZ_G_GAP || !d->parsed[F_EST])
            continue;
        long w = dir_find(&cx->dt, d->ind, d->level, d->code, MZ_G_WITH);
        long o = dir_find(&cx->dt, d->ind, d->level, d->code, MZ_G_WITHOUT);
        if (w < 0 || o < 0)
            continue;
        if (rows[w].has_est && !rows[o].has_est) {
            rows[o].has_est = true;
            rows[o].est = rows[w].est - d->v[F_EST];
        } else if (rows[o].has_est && !rows[w].has_est) {
            rows[w].has_est = true;
            rows[w].est = rows[o].est + d->v[F_EST];
        }
    }
    /* the secret values, as rows of their own (not published) */
    size_t t = 0;
    for (size_t j = 0; j < cx->nref; j++) {
        if (!cx->rr[j].sens)
            continue;
        const mz_estimate_t *e = mz_results_at(ref, j);
        size_t i = cx->dt.n + t;
        mz_sdc_row_t *r = &rows[i];
        r->ind = e->ind;
        r->group = e->group;
        r->gap_row = -1;
        long k = member_slots(&slots, e->region->members, (int)e->region->level, e->region->code,
                              so_codes, nso, slotbuf + i * per_row, per_row);
        if (k < 0) {
            st = nomem(err);
            goto done;
        }
        r->slots = slotbuf + i * per_row;
        r->nslots = (size_t)k;
        target_ref[t++] = j;
    }
    cx->a->stats.primary_rows = ntargets;
    if (ntargets == 0)
        goto done;
    bool fits = false;
    st = mz_sdc_build_fitting(&model, rows, nrows, slots.count, band_all, &fits, err);
    if (st != MZ_OK)
        goto done;
    cx->a->stats.relaxed = model.relaxed;
    if (!fits) {
        st = add_finding(cx->a, MZ_AUDIT_INCONSISTENT, "indicators.csv", "", "", err, "%s",
                         mz_tr("die veröffentlichten Werte widersprechen einander (Summen über "
                               "Gruppen, Regionen oder Merkmale); Spielräume nicht berechenbar",
                               "the published values contradict each other (sums over groups, "
                               "regions or measures); intervals cannot be computed"));
        goto done;
    }
    bool truth_fits = false;
    if (model.relaxed) {
        st = reference_fits(cx, &slots, so_codes, nso, band_all, &truth_fits, err);
        if (st != MZ_OK)
            goto done;
    }
    if (model.relaxed && truth_fits)
        st = add_finding(cx->a, MZ_AUDIT_INCONSISTENT, "indicators.csv", "", "", err, "%s",
                         mz_tr("die veröffentlichten Werte passen nicht zu den Definitionen "
                               "(z. B. Erwerbstätige = Summe der Wirtschaftsbereiche); geprüft "
                               "mit unabhängigen Merkmalen",
                               "the published values do not fit the definitions (e.g. employed "
                               "= sum of the sectors); checked with independent measures"));
    for (size_t k = 0; k < ntargets && st == MZ_OK; k++) {
        size_t j = target_ref[k];
        const ref_row_t *r = &cx->rr[j];
        const mz_estimate_t *e = mz_results_at(ref, j);
        const mz_sdc_row_t *row = &rows[cx->dt.n + k];
        char cell[256];
        cell_name(cell, sizeof cell, e->ind, e->region->level, e->region->code, e->group);
        for (int w = 0; w < 2 && st == MZ_OK; w++) {
            if (!(r->sens & (1u << w)))
                continue;
            for (size_t sys = 0; sys < MZ_SDC_NSYS && st == MZ_OK; sys++) {
                double value = sys == MZ_SDC_WEIGHTED ? r->w[w] : (double)r->cases[w];
                double prot = sys == MZ_SDC_WEIGHTED
                                  ? mz_sdc_prot_weighted(value, cx->protection, rules->min_count)
                                  : mz_sdc_prot_cases(value, cx->protection);
                long id = mz_sdc_target(&model, row, w, sys, value, prot, err);
                double lo, hi;
                if (id < 0) {
                    st = err ? err->status : MZ_ERR_NOMEM;
                    break;
                }
                cx->a->stats.targets++;
                st = mz_ptable_interval(model.pt, (size_t)id, &lo, &hi, err);
                if (st != MZ_OK)
                    break;
                mz_protection_t pr = mz_ptable_judge(model.pt, (size_t)id, lo, hi);
                const char *what = sys == MZ_SDC_WEIGHTED
                                       ? mz_tr("hochgerechnet", "weighted")
                                       : mz_tr("Fallzahl", "case count");
                if (pr == MZ_PROT_EXACT)
                    st = add_finding(cx->a, MZ_AUDIT_RECOMPUTABLE, "indicators.csv", "", cell,
                                     err,
                                     mz_tr("geheimer %s (%s) lässt sich aus den veröffentlichten "
                                           "Werten genau berechnen",
                                           "secret %s (%s) can be recomputed exactly from the "
                                           "published values"),
                                     part_name(w), what);
                else if (pr == MZ_PROT_NARROW)
                    st = add_finding(cx->a, MZ_AUDIT_NARROW, "indicators.csv", "", cell, err,
                                     mz_tr("geheimer %s (%s): die veröffentlichten Werte engen "
                                           "ihn auf weniger als den Schutzbereich (±%g %%, "
                                           "mindestens %s) ein",
                                           "secret %s (%s): the published values narrow it to "
                                           "less than the protection range (±%g %%, at least %s)"),
                                     part_name(w), what, 100.0 * cx->protection,
                                     sys == MZ_SDC_WEIGHTED ? mz_tr("die Mindestzahl",
                                                                    "the minimum count")
                                                            : mz_tr("ein Fall", "one case"));
            }
        }
    }
done:
    mz_sdc_finish(&model);
    mz_strmap_finish(&slots);
    free(so_codes);
    free(rows);
    free(target_ref);
    free(slotbuf);
    return st;
}

/* ----------------------------------------------------------- 3. searching the files */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_wval(const void *a, const void *b)
{
    const struct wval *x = a, *y = b;
    return x->v < y->v ? -1 : x->v > y->v;
}

/* Whether a sorted array holds a value within tol of v. */
static bool sorted_has(const double *a, size_t n, double v, double tol)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < v - tol)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && fabs(a[lo] - v) <= tol;
}

static bool push_double(double **a, size_t *n, size_t *cap, double v)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        double *na = realloc(*a, nc * sizeof *na);
        if (!na)
            return false;
        *a = na;
        *cap = nc;
    }
    (*a)[(*n)++] = v;
    return true;
}

/* Collect the withheld values (from the reference: the truth) and the published ones. */
static mz_status_t collect_values(audit_ctx_t *cx, mz_error_t *err)
{
    size_t cap = 0, pcap = 0, w1cap[MZ_NIND] = {0}, p1cap[MZ_NIND] = {0};
    bool *dir_withheld = calloc(cx->nref ? cx->nref : 1, sizeof *dir_withheld);
    if (!dir_withheld)
        return nomem(err);
    for (size_t i = 0; i < cx->dt.n; i++)
        if (cx->dt.rows[i].ref >= 0 && cx->dt.rows[i].withheld)
            dir_withheld[cx->dt.rows[i].ref] = true;
    for (size_t j = 0; j < cx->nref; j++) {
        const mz_estimate_t *e = mz_results_at(cx->ref, j);
        bool withheld = mz_symbol_withheld(cx->rr[j].primary.symbol) || dir_withheld[j];
        double v[NFIELDS] = {e->p.estimate, e->se, e->ci_low, e->ci_high,
                             e->p.numerator, e->p.denominator, (double)e->p.n};
        for (int k = 0; k < NFIELDS; k++) {
            if (!isfinite(v[k]) || (k == F_N && e->p.n < 0))
                continue;
            bool rate = k <= F_HI;
            if (withheld) {
                if (k == F_N)
                    continue;   /* small whole numbers: checked in indicators.csv only */
                if (cx->nwv == cap) {
                    size_t nc = cap ? cap * 2 : 256;
                    struct wval *nw = realloc(cx->wv, nc * sizeof *nw);
                    if (!nw)
                        goto nomem;
                    cx->wv = nw;
                    cap = nc;
                }
                cx->wv[cx->nwv++] = (struct wval){v[k], j, k};
                if (rate && !push_double(&cx->w1[e->ind], &cx->nw1[e->ind], &w1cap[e->ind],
                                         mz_round1(v[k])))
                    goto nomem;
            } else {
                if (!push_double(&cx->pv, &cx->npv, &pcap, v[k]))
                    goto nomem;
                if (rate && !push_double(&cx->p1[e->ind], &cx->np1[e->ind], &p1cap[e->ind],
                                         mz_round1(v[k])))
                    goto nomem;
            }
        }
    }
    /* what the directory publishes counts as published too */
    for (size_t i = 0; i < cx->dt.n; i++) {
        const dir_row_t *d = &cx->dt.rows[i];
        if (d->withheld || (d->ref >= 0 && mz_symbol_withheld(cx->rr[d->ref].primary.symbol)))
            continue;
        for (int k = 0; k < NFIELDS; k++)
            if (d->parsed[k] && !push_double(&cx->pv, &cx->npv, &pcap, d->v[k]))
                goto nomem;
    }
    const mz_rules_t *rules = mz_results_rules(cx->ref);
    double rv[] = {rules->min_count, rules->limited_below, rules->gap_flag,
                   (double)rules->min_cases, 100.0 * cx->protection, cx->protection};
    for (size_t i = 0; i < sizeof rv / sizeof rv[0]; i++) {
        cx->rules_vals[cx->nrules++] = rv[i];
        if (!push_double(&cx->pv, &cx->npv, &pcap, rv[i]))
            goto nomem;
    }
    qsort(cx->wv, cx->nwv, sizeof *cx->wv, cmp_wval);
    qsort(cx->pv, cx->npv, sizeof *cx->pv, cmp_double);
    for (int i = 0; i < MZ_NIND; i++) {
        qsort(cx->w1[i], cx->nw1[i], sizeof(double), cmp_double);
        qsort(cx->p1[i], cx->np1[i], sizeof(double), cmp_double);
    }
    cx->a->stats.withheld_values = cx->nwv;
    free(dir_withheld);
    return MZ_OK;
nomem:
    free(dir_withheld);
    return nomem(err);
}

/* A withheld value equal to v (full precision), or NULL. */
static const struct wval *withheld_exact(const audit_ctx_t *cx, double v)
{
    size_t lo = 0, hi = cx->nwv;
    double tol = 1e-9 * fmax(1.0, fabs(v));
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cx->wv[mid].v < v - tol)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < cx->nwv && fabs(cx->wv[lo].v - v) <= tol ? &cx->wv[lo] : NULL;
}

/* A withheld rate of an indicator in scope whose published rounding is v; -1 if none. */
static int withheld_rounded(const audit_ctx_t *cx, double v, unsigned scope)
{
    for (int i = 0; i < MZ_NIND; i++)
        if ((scope & (1u << i)) && sorted_has(cx->p1[i], cx->np1[i], v, 1e-6))
            return -1;
    for (size_t r = 0; r < cx->nrules; r++)
        if (fabs(mz_round1(cx->rules_vals[r]) - v) <= 1e-6)
            return -1;
    for (int i = 0; i < MZ_NIND; i++)
        if ((scope & (1u << i)) && sorted_has(cx->w1[i], cx->nw1[i], v, 1e-6))
            return i;
    return -1;
}

static mz_status_t report_leak(audit_ctx_t *cx, const char *file, const char *where,
                               const struct wval *w, int rounded_ind, mz_error_t *err)
{
    if (++cx->leaks_in_file > MAX_LEAKS_PER_FILE)
        return MZ_OK;
    if (cx->leaks_in_file == MAX_LEAKS_PER_FILE)
        return add_finding(cx->a, MZ_AUDIT_LEAK, file, "", "", err, "%s",
                           mz_tr("weitere Funde in dieser Datei nicht einzeln aufgeführt",
                                 "further finds in this file not listed one by one"));
    char cell[256];
    if (w) {
        const mz_estimate_t *e = mz_results_at(cx->ref, w->row);
        cell_name(cell, sizeof cell, e->ind, e->region->level, e->region->code, e->group);
        return add_finding(cx->a, MZ_AUDIT_LEAK, file, where, cell, err,
                           mz_tr("gesperrter Wert (%s) steht in der Datei",
                                 "withheld value (%s) appears in the file"),
                           field_names[w->field]);
    }
    snprintf(cell, sizeof cell, "%s", mz_indicator_id((mz_indicator_t)rounded_ind));
    return add_finding(cx->a, MZ_AUDIT_LEAK, file, where, cell, err, "%s",
                       mz_tr("gerundeter Wert einer gesperrten Zelle steht in der Datei (kein "
                             "veröffentlichter Wert rundet so)",
                             "rounded value of a withheld cell appears in the file (no published "
                             "value rounds to it)"));
}

/* Letters (any byte of a multi-byte character counts as one) and '_'. */
static bool is_word(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c >= 0x80;
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* One number token s[0..len) (digits, '.' and ','); check its readings. */
static mz_status_t check_token(audit_ctx_t *cx, const char *s, size_t len, bool negative,
                               unsigned scope, bool rounded, const char *file, const char *where,
                               mz_error_t *err)
{
    char buf[64];
    while (len && (s[len - 1] == '.' || s[len - 1] == ','))
        len--;   /* punctuation after a number */
    if (len == 0 || len >= sizeof buf - 2)
        return MZ_OK;
    size_t ndot = 0, ncomma = 0, lastsep = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == '.' || s[i] == ',') {
            ndot += s[i] == '.';
            ncomma += s[i] == ',';
            lastsep = i;
        }
    /* readings: value, digits after the decimal separator (-1: whole number) */
    double val[2];
    int decimals[2];
    size_t nread = 0;
    size_t o = 0;
    if (negative)
        buf[o++] = '-';
    if (ndot + ncomma == 0) {
        memcpy(buf + o, s, len);
        buf[o + len] = '\0';
        val[nread] = strtod(buf, NULL);
        decimals[nread++] = -1;
    } else if (ndot + ncomma == 1) {
        memcpy(buf + o, s, len);
        buf[o + len] = '\0';
        buf[o + lastsep] = '.';
        val[nread] = strtod(buf, NULL);
        decimals[nread++] = (int)(len - lastsep - 1);
        if (len - lastsep - 1 == 3 && lastsep > 0 && lastsep <= 3) {
            /* "12.345" may be twelve thousand … with a thousands separator */
            memcpy(buf + o, s, lastsep);
            memcpy(buf + o + lastsep, s + lastsep + 1, 3);
            buf[o + lastsep + 3] = '\0';
            val[nread] = strtod(buf, NULL);
            decimals[nread++] = -1;
        }
    } else {
        /* grouped: every group after the first has three digits; a different last separator
         * is the decimal one */
        char groupsep = (ndot && ncomma) ? (s[lastsep] == '.' ? ',' : '.') : s[lastsep];
        size_t end = (ndot && ncomma) ? lastsep : len, run = 0, first = 0;
        bool ok = true, seen = false;
        size_t k = o;
        for (size_t i = 0; i < end && ok; i++) {
            if (s[i] == groupsep) {
                if (seen ? run != 3 : (run == 0 || run > 3))
                    ok = false;
                if (!seen)
                    first = run;
                seen = true;
                run = 0;
            } else if (is_digit((unsigned char)s[i])) {
                buf[k++] = s[i];
                run++;
            } else {
                ok = false;
            }
        }
        ok = ok && run == 3 && first > 0;
        if (!ok)
            return MZ_OK;
        if (end < len) {
            buf[k++] = '.';
            memcpy(buf + k, s + end + 1, len - end - 1);
            k += len - end - 1;
        }
        buf[k] = '\0';
        val[nread] = strtod(buf, NULL);
        decimals[nread++] = end < len ? (int)(len - end - 1) : -1;
    }
    /* significant digits (leading zeros, and trailing zeros of whole numbers, do not count) */
    size_t sig = 0, firstnz = len;
    for (size_t i = 0; i < len; i++)
        if (is_digit((unsigned char)s[i]) && s[i] != '0') {
            firstnz = i;
            break;
        }
    size_t lastnz = firstnz;
    for (size_t i = firstnz; i < len; i++)
        if (is_digit((unsigned char)s[i]) && s[i] != '0')
            lastnz = i;
    for (size_t i = firstnz; i < len; i++)
        if (is_digit((unsigned char)s[i]))
            sig++;
    if (firstnz < len && ndot + ncomma == 0) {
        for (size_t i = lastnz + 1; i < len; i++)
            sig -= is_digit((unsigned char)s[i]);
    }
    for (size_t r = 0; r < nread; r++) {
        double v = val[r];
        if (!isfinite(v) || (decimals[r] < 0 && len == 4 && v >= 1900 && v <= 2100))
            continue;   /* not a number, or a year */
        if (sig >= 4) {
            const struct wval *w = withheld_exact(cx, v);
            if (w && !sorted_has(cx->pv, cx->npv, v, 1e-9 * fmax(1.0, fabs(v))))
                return report_leak(cx, file, where, w, -1, err);
        }
        if (rounded && decimals[r] == 1) {
            int ind = withheld_rounded(cx, v, scope);
            if (ind >= 0)
                return report_leak(cx, file, where, NULL, ind, err);
        }
    }
    return MZ_OK;
}

/* Search a piece of text for numbers. */
static mz_status_t scan_text(audit_ctx_t *cx, const char *s, size_t len, unsigned scope,
                             bool rounded, const char *file, const char *where, mz_error_t *err)
{
    mz_status_t st = MZ_OK;
    for (size_t i = 0; i < len && st == MZ_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!is_digit(c))
            continue;
        if (i > 0 && (is_word((unsigned char)s[i - 1]) || is_digit((unsigned char)s[i - 1]) ||
                      s[i - 1] == '.' || s[i - 1] == ','))
            continue;
        size_t j = i;
        while (j < len && (is_digit((unsigned char)s[j]) || s[j] == '.' || s[j] == ','))
            j++;
        bool glued = j < len && is_word((unsigned char)s[j]);
        bool leading_zero = s[i] == '0' && j > i + 1 && is_digit((unsigned char)s[i + 1]);
        bool negative = false;
        if (i >= 1 && s[i - 1] == '-' && (i < 2 || !is_word((unsigned char)s[i - 2])))
            negative = true;
        if (i >= 3 && (unsigned char)s[i - 3] == 0xE2 && (unsigned char)s[i - 2] == 0x88 &&
            (unsigned char)s[i - 1] == 0x92)
            negative = true;   /* U+2212 minus sign */
        if (!glued && !leading_zero)
            st = check_token(cx, s + i, j - i, negative, scope, rounded, file, where, err);
        i = j;
    }
    return st;
}

/* Text with line numbers: the whole buffer, or only the text between XML tags. */
static mz_status_t scan_lines(audit_ctx_t *cx, const char *buf, size_t len, bool xml_text,
                              unsigned scope, bool rounded, const char *file, mz_error_t *err)
{
    mz_status_t st = MZ_OK;
    long line = 1;
    size_t i = 0;
    bool in_tag = false;
    while (i < len && st == MZ_OK) {
        size_t j = i;
        while (j < len && buf[j] != '\n' && !(xml_text && (buf[j] == '<' || buf[j] == '>')))
            j++;
        if (!in_tag && j > i) {
            char where[64];
            snprintf(where, sizeof where, mz_tr("Zeile %ld", "line %ld"), line);
            st = scan_text(cx, buf + i, j - i, scope, rounded, file, where, err);
        }
        if (j < len) {
            if (buf[j] == '\n')
                line++;
            else if (buf[j] == '<')
                in_tag = true;
            else
                in_tag = false;
        }
        i = j + 1;
    }
    return st;
}

/* Which indicators a figure shows (abb05 → migration share, …); all for other files. */
static unsigned figure_scope(int fig)
{
    switch (fig) {
    case 5: return 1u << MZ_IND_MIGRATION_SHARE;
    case 6:
        return (1u << MZ_IND_SECTOR_AGRICULTURE) | (1u << MZ_IND_SECTOR_PRODUCTION) |
               (1u << MZ_IND_SECTOR_TRADE) | (1u << MZ_IND_SECTOR_SERVICES);
    case 7: return 1u << MZ_IND_EMPLOYMENT_RATE;
    case 8: return 1u << MZ_IND_SELF_EMPLOYMENT_SHARE;
    case 9:
    case 10: return 1u << MZ_IND_UNEMPLOYMENT_RATE;
    default: return ALL_INDICATORS;
    }
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    mz_str_t b = {0};
    char chunk[65536];
    size_t got;
    bool ok = true;
    while (ok && (got = fread(chunk, 1, sizeof chunk - 1, f)) > 0) {
        chunk[got] = '\0';
        if (memchr(chunk, '\0', got)) {
            /* NUL bytes: keep the bytes, they are not numbers anyway */
            for (size_t i = 0; i < got; i++)
                if (chunk[i] == '\0')
                    chunk[i] = ' ';
        }
        ok = mz_str_append(&b, chunk);
    }
    ok = ok && !ferror(f);
    fclose(f);
    if (!ok) {
        mz_str_free(&b);
        return NULL;
    }
    *len = b.len;
    char *s = mz_str_take(&b);
    return s;
}

/* Run a program and capture its standard output (stderr discarded). NULL on failure. */
static char *capture(char *const argv[], size_t *len)
{
    int fd[2];
    if (pipe(fd) != 0)
        return NULL;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
    posix_spawn_file_actions_addclose(&fa, fd[0]);
    posix_spawn_file_actions_addclose(&fa, fd[1]);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fd[1]);
    if (rc != 0) {
        close(fd[0]);
        return NULL;
    }
    mz_str_t b = {0};
    char chunk[65536];
    ssize_t got;
    bool ok = true;
    while ((got = read(fd[0], chunk, sizeof chunk - 1)) != 0) {
        if (got < 0) {
            if (errno == EINTR)
                continue;
            ok = false;
            break;
        }
        for (ssize_t i = 0; i < got; i++)
            if (chunk[i] == '\0')
                chunk[i] = ' ';
        chunk[got] = '\0';
        ok = ok && mz_str_append(&b, chunk);
    }
    close(fd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            ok = false;
            break;
        }
    }
    if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        mz_str_free(&b);
        return NULL;
    }
    *len = b.len;
    return mz_str_take(&b);
}

/* Value of attribute `name` inside the tag text [s, e) into out. */
static bool tag_attr(const char *s, const char *e, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    for (const char *p = s; p + nl + 2 < e; p++) {
        if ((p == s || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n') &&
            strncmp(p, name, nl) == 0 && p[nl] == '=' && (p[nl + 1] == '"' || p[nl + 1] == '\'')) {
            char q = p[nl + 1];
            const char *v = p + nl + 2, *ve = v;
            while (ve < e && *ve != q)
                ve++;
            size_t n = (size_t)(ve - v) < size - 1 ? (size_t)(ve - v) : size - 1;
            memcpy(out, v, n);
            out[n] = '\0';
            return true;
        }
    }
    return false;
}

/* A worksheet or other part of an xlsx package: text between tags, skipping the shared-string
 * indices of string cells. */
static mz_status_t scan_sheet(audit_ctx_t *cx, const char *buf, size_t len, const char *sheet,
                              unsigned scope, const char *file, mz_error_t *err)
{
    mz_status_t st = MZ_OK;
    char cellref[32] = "", ctype[16] = "";
    bool in_v = false;
    size_t i = 0;
    while (i < len && st == MZ_OK) {
        if (buf[i] == '<') {
            const char *e = memchr(buf + i, '>', len - i);
            if (!e)
                break;
            const char *t = buf + i + 1;
            if (strncmp(t, "c ", 2) == 0 || strncmp(t, "c>", 2) == 0) {
                if (!tag_attr(t, e, "r", cellref, sizeof cellref))
                    cellref[0] = '\0';
                if (!tag_attr(t, e, "t", ctype, sizeof ctype))
                    ctype[0] = '\0';
            } else if (strncmp(t, "v>", 2) == 0 || strncmp(t, "v ", 2) == 0) {
                in_v = true;
            } else if (strncmp(t, "/v>", 3) == 0) {
                in_v = false;
            }
            i = (size_t)(e - buf) + 1;
            continue;
        }
        const char *lt = memchr(buf + i, '<', len - i);
        size_t j = lt ? (size_t)(lt - buf) : len;
        if (!(in_v && strcmp(ctype, "s") == 0)) {
            char where[192];
            if (cellref[0])
                snprintf(where, sizeof where, mz_tr("Blatt '%s', Zelle %s", "sheet '%s', cell %s"),
                         sheet, cellref);
            else
                snprintf(where, sizeof where, "%s", sheet);
            st = scan_text(cx, buf + i, j - i, scope, true, file, where, err);
        }
        i = j;
    }
    return st;
}

/* Sheet names by part ("xl/worksheets/sheet2.xml" → "Abb. 5 Migrationsanteil"). */
typedef struct sheet_name {
    char part[160];
    char name[128];
} sheet_name_t;

static size_t sheet_names(const char *path, sheet_name_t *out, size_t cap)
{
    char *argv_wb[] = {"unzip", "-p", (char *)path, "xl/workbook.xml", NULL};
    char *argv_rel[] = {"unzip", "-p", (char *)path, "xl/_rels/workbook.xml.rels", NULL};
    size_t lw = 0, lr = 0, n = 0;
    char *wb = capture(argv_wb, &lw);
    char *rel = capture(argv_rel, &lr);
    if (!wb || !rel)
        goto done;
    for (const char *p = strstr(wb, "<sheet "); p && n < cap; p = strstr(p + 1, "<sheet ")) {
        const char *e = strchr(p, '>');
        char id[64];
        if (!e || !tag_attr(p + 1, e, "name", out[n].name, sizeof out[n].name) ||
            !tag_attr(p + 1, e, "r:id", id, sizeof id))
            continue;
        for (const char *q = strstr(rel, "<Relationship "); q;
             q = strstr(q + 1, "<Relationship ")) {
            const char *qe = strchr(q, '>');
            char rid[64], target[128];
            if (qe && tag_attr(q + 1, qe, "Id", rid, sizeof rid) && strcmp(rid, id) == 0 &&
                tag_attr(q + 1, qe, "Target", target, sizeof target)) {
                snprintf(out[n].part, sizeof out[n].part, "%s%s",
                         target[0] == '/' ? "" : "xl/", target[0] == '/' ? target + 1 : target);
                n++;
                break;
            }
        }
    }
done:
    free(wb);
    free(rel);
    return n;
}

static unsigned sheet_scope(const char *name)
{
    int fig;
    if ((sscanf(name, "Abb. %d", &fig) == 1 || sscanf(name, "Fig. %d", &fig) == 1))
        return figure_scope(fig);
    return ALL_INDICATORS;
}

static mz_status_t scan_xlsx(audit_ctx_t *cx, const char *path, const char *rel,
                             mz_error_t *err)
{
    char *argv_list[] = {"unzip", "-Z1", (char *)path, NULL};
    size_t len = 0;
    char *list = capture(argv_list, &len);
    if (!list)
        return add_finding(cx->a, MZ_AUDIT_UNCHECKED, rel, "", "", err, "%s",
                           mz_tr("Arbeitsmappe nicht lesbar (unzip fehlt oder Datei beschädigt)",
                                 "workbook not readable (unzip missing or file damaged)"));
    sheet_name_t names[64];
    size_t nnames = sheet_names(path, names, 64);
    mz_status_t st = MZ_OK;
    for (char *save = NULL, *entry = strtok_r(list, "\n", &save); entry && st == MZ_OK;
         entry = strtok_r(NULL, "\n", &save)) {
        size_t el = strlen(entry);
        if (el && entry[el - 1] == '\r')
            entry[--el] = '\0';
        if (el < 4 || strcmp(entry + el - 4, ".xml") != 0)
            continue;   /* pictures, relationships of parts */
        /* unzip reads member names as patterns: put wildcard characters in brackets */
        char pattern[1024];
        size_t o = 0;
        for (size_t k = 0; k < el && o + 4 < sizeof pattern; k++) {
            if (entry[k] == '[' || entry[k] == '*' || entry[k] == '?') {
                pattern[o++] = '[';
                pattern[o++] = entry[k];
                pattern[o++] = ']';
            } else {
                pattern[o++] = entry[k];
            }
        }
        pattern[o] = '\0';
        char *argv_part[] = {"unzip", "-p", (char *)path, pattern, NULL};
        size_t pl = 0;
        char *part = capture(argv_part, &pl);
        if (!part) {
            st = add_finding(cx->a, MZ_AUDIT_UNCHECKED, rel, entry, "", err, "%s",
                             mz_tr("Teil der Arbeitsmappe nicht lesbar",
                                   "part of the workbook not readable"));
            continue;
        }
        const char *sheet = entry;
        unsigned scope = ALL_INDICATORS;
        for (size_t k = 0; k < nnames; k++)
            if (strcmp(names[k].part, entry) == 0) {
                sheet = names[k].name;
                scope = sheet_scope(names[k].name);
            }
        st = scan_sheet(cx, part, pl, sheet, scope, rel, err);
        free(part);
    }
    free(list);
    return st;
}

static mz_status_t scan_csv_file(audit_ctx_t *cx, const char *path, const char *rel,
                                 mz_error_t *err)
{
    mz_error_t cerr;
    mz_csv_t *csv = mz_csv_open(path, 0, &cerr);
    if (!csv)
        return add_finding(cx->a, MZ_AUDIT_UNCHECKED, rel, "", "", err, "%s", cerr.message);
    mz_status_t st = MZ_OK;
    int rc = 0;
    while (st == MZ_OK && (rc = mz_csv_next(csv, &cerr)) == 1) {
        char where[64];
        snprintf(where, sizeof where, mz_tr("Zeile %ld", "line %ld"), mz_csv_line(csv));
        for (size_t i = 0; i < mz_csv_nfields(csv) && st == MZ_OK; i++)
            st = scan_text(cx, mz_csv_field(csv, i), mz_csv_field_len(csv, i), ALL_INDICATORS,
                           true, rel, where, err);
    }
    if (st == MZ_OK && rc < 0)
        st = add_finding(cx->a, MZ_AUDIT_UNCHECKED, rel, "", "", err, "%s", cerr.message);
    mz_csv_close(csv);
    return st;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (m > n)
        return false;
    for (size_t i = 0; i < m; i++) {
        char a = s[n - m + i], b = suffix[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

static mz_status_t scan_file(audit_ctx_t *cx, const char *path, const char *rel,
                             mz_error_t *err)
{
    cx->leaks_in_file = 0;
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    if (ends_with(rel, ".csv")) {
        cx->a->stats.files++;
        return scan_csv_file(cx, path, rel, err);
    }
    if (ends_with(rel, ".xlsx")) {
        cx->a->stats.files++;
        return scan_xlsx(cx, path, rel, err);
    }
    bool svg = ends_with(rel, ".svg") || ends_with(rel, ".xml") || ends_with(rel, ".html");
    bool text = ends_with(rel, ".json") || ends_with(rel, ".txt") || ends_with(rel, ".md");
    if (!svg && !text) {
        cx->a->stats.skipped++;
        return MZ_OK;
    }
    size_t len = 0;
    char *buf = slurp(path, &len);
    if (!buf)
        return add_finding(cx->a, MZ_AUDIT_UNCHECKED, rel, "", "", err, "%s",
                           mz_tr("Datei nicht lesbar", "file not readable"));
    cx->a->stats.files++;
    int fig = 0;
    unsigned scope = ALL_INDICATORS;
    if (sscanf(base, "abb%2d", &fig) == 1)
        scope = figure_scope(fig);
    /* JSON and plain text carry settings such as 95.0 or 10.0: full precision only there */
    mz_status_t st = scan_lines(cx, buf, len, svg, scope, svg, rel, err);
    free(buf);
    return st;
}

static mz_status_t walk(audit_ctx_t *cx, const char *path, const char *rel, int depth,
                        mz_error_t *err)
{
    DIR *d = opendir(path);
    if (!d)
        return add_finding(cx->a, MZ_AUDIT_UNCHECKED, rel[0] ? rel : ".", "", "", err, "%s",
                           mz_tr("Verzeichnis nicht lesbar", "directory not readable"));
    /* sorted, so findings come in a stable order */
    char **names = NULL;
    size_t n = 0, cap = 0;
    mz_status_t st = MZ_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 32;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn) {
                st = nomem(err);
                break;
            }
            names = nn;
            cap = nc;
        }
        names[n] = mz_strdup(de->d_name);
        if (!names[n]) {
            st = nomem(err);
            break;
        }
        n++;
    }
    closedir(d);
    for (size_t i = 1; i < n; i++) {
        char *v = names[i];
        size_t j = i;
        while (j > 0 && strcmp(names[j - 1], v) > 0) {
            names[j] = names[j - 1];
            j--;
        }
        names[j] = v;
    }
    for (size_t i = 0; i < n && st == MZ_OK; i++) {
        char full[4096], sub[1024];
        snprintf(full, sizeof full, "%s/%s", path, names[i]);
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", names[i]);
        struct stat sb;
        if (stat(full, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            if (depth < 8)
                st = walk(cx, full, sub, depth + 1, err);
        } else if (S_ISREG(sb.st_mode)) {
            st = scan_file(cx, full, sub, err);
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}

/* --------------------------------------------------------------------------- entry */

mz_audit_t *mz_audit_dir(const mz_results_t *reference, const char *dir,
                         const mz_audit_options_t *opt, mz_error_t *err)
{
    audit_ctx_t cx;
    memset(&cx, 0, sizeof cx);
    mz_strmap_init(&cx.keys);
    mz_audit_options_t defaults;
    mz_audit_options_init(&defaults);
    if (!opt)
        opt = &defaults;
    cx.protection = opt->protection;
    cx.ref = reference;
    cx.dir = dir;
    cx.a = calloc(1, sizeof *cx.a);
    mz_status_t st = MZ_OK;
    if (!cx.a) {
        st = nomem(err);
        goto done;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/indicators.csv", dir);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        st = mz_error_set(err, MZ_ERR_IO, dir, 0, NULL, NULL, "%s",
                          mz_tr("kein Verzeichnis", "not a directory"));
        goto done;
    }
    st = read_indicators(path, &cx.dt, err);
    if (st != MZ_OK)
        goto done;
    cx.a->stats.rows = cx.dt.n;

    /* the reference: the rules' outcome per row and the secret parts */
    const mz_rules_t *rules = mz_results_rules(reference);
    cx.nref = mz_results_count(reference);
    cx.rr = calloc(cx.nref ? cx.nref : 1, sizeof *cx.rr);
    if (!cx.rr) {
        st = nomem(err);
        goto done;
    }
    for (size_t j = 0; j < cx.nref; j++) {
        const mz_estimate_t *e = mz_results_at(reference, j);
        mz_cell_t cell;
        mz_sdc_region_cell(reference, e->region, &cell);
        cx.rr[j].primary = mz_point_estimate(&cell, e->ind, e->group, rules);
        cx.rr[j].sens = mz_sdc_sensitive(&cell, e->ind, e->group, rules, cx.rr[j].w,
                                         cx.rr[j].cases);
        char key[512];
        row_key(key, sizeof key, (int)e->ind, (int)e->region->level, e->region->code,
                (int)e->group);
        if (mz_strmap_intern(&cx.keys, key, strlen(key), NULL) < 0) {
            st = nomem(err);
            goto done;
        }
    }
    for (size_t i = 0; i < cx.dt.n; i++) {
        dir_row_t *d = &cx.dt.rows[i];
        if (d->ind < 0 || d->group < 0 || d->level < 0)
            continue;
        char key[512];
        row_key(key, sizeof key, d->ind, d->level, d->code, d->group);
        d->ref = mz_strmap_find(&cx.keys, key, strlen(key));
    }
    st = check_table(&cx, err);
    if (st == MZ_OK)
        st = check_intervals(&cx, err);
    if (st == MZ_OK)
        st = collect_values(&cx, err);
    if (st == MZ_OK)
        st = walk(&cx, dir, "", 0, err);
done:
    dir_table_finish(&cx.dt);
    mz_strmap_finish(&cx.keys);
    free(cx.rr);
    free(cx.wv);
    free(cx.pv);
    for (int i = 0; i < MZ_NIND; i++) {
        free(cx.w1[i]);
        free(cx.p1[i]);
    }
    if (st != MZ_OK) {
        mz_audit_destroy(cx.a);
        return NULL;
    }
    return cx.a;
}
