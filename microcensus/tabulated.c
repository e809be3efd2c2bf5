/* tabulated.c — tabulated extracts: tables of weighted counts → cells (DESIGN.md "Tabulated
 * extract", docs/tabulated-input.md). */
#include "mzatlas/mz_tabulated.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "mzatlas/mz_indicators.h"
#include "util.h"

/* Measures of the table format. */
enum { TM_POP, TM_EMP, TM_UNEMP, TM_SELF, TM_AGR, TM_PROD, TM_TRADE, TM_SERV, NTM };
static const char *const tm_ids[NTM] = {
    "population",           "employed",            "unemployed",     "self_employed",
    "employed_agriculture", "employed_production", "employed_trade", "employed_services"};

/* Groups of the table format; "with" and "without" become the cells' MZ_GRP_* groups. */
enum { TG_WITH = 0, TG_WITHOUT, TG_ALL, NTG };
static const char *const tg_ids[NTG] = {"with", "without", "all"};
static const int tg_cell[2] = {[TG_WITH] = MZ_GRP_WITH, [TG_WITHOUT] = MZ_GRP_WITHOUT};

/* Table measure each cell measure comes from. */
static const int cell_tm[MZ_NMEAS] = {
    [MZ_M_POP] = TM_POP,       [MZ_M_POP_BAND] = TM_POP,    [MZ_M_EMP_BAND] = TM_EMP,
    [MZ_M_UNEMP_BAND] = TM_UNEMP, [MZ_M_EMP] = TM_EMP,      [MZ_M_SELF] = TM_SELF,
    [MZ_M_SEC_AGR] = TM_AGR,   [MZ_M_SEC_PROD] = TM_PROD,   [MZ_M_SEC_TRADE] = TM_TRADE,
    [MZ_M_SEC_SERV] = TM_SERV};

enum { C_YEAR, C_REGION, C_AGES, C_GROUP, C_MEASURE, C_WEIGHTED, C_N, C_SOURCE, NCOL };
static const char *const colname[NCOL] = {"year",    "region",   "ages", "group",
                                          "measure", "weighted", "n",    "source"};
static const bool required[NCOL] = {true, true, true, true, true, true, false, false};

typedef struct val {
    double w;
    int64_t n;     /* -1 unknown */
    int file;
    long line;
    bool set;
} val_t;

typedef struct slot {
    val_t v[NTG][MZ_NMEAS];
    double w[MZ_NGRP][MZ_NMEAS];   /* after completing the groups */
    int64_t n[MZ_NGRP][MZ_NMEAS];
    uint32_t have;
} slot_t;

/* Rows not used because of their age band: measure × band. */
typedef struct ignored {
    int tm;
    int lo, hi;
    uint64_t rows;
} ignored_t;

struct mz_tables {
    const mz_gazetteer_t *gz;
    mz_age_band_t band;
    int year;
    size_t nunits, nstrata, nslots;
    slot_t *slots;               /* [0] Land, [1 + s] stratum s, [1 + nstrata + u] unit u */
    char **files;
    size_t nfiles;
    ignored_t *ign;
    size_t nign;
    uint32_t incomplete;         /* cell measures given for some group but not split */
    uint32_t seen;               /* cell measures given anywhere */
    mz_str_t source;
    char **notes;
    size_t nnotes;
    bool applied;
};

static size_t slot_land(void) { return 0; }
static size_t slot_stratum(const mz_tables_t *t, size_t s) { (void)t; return 1 + s; }
static size_t slot_unit(const mz_tables_t *t, size_t u) { return 1 + t->nstrata + u; }

static mz_status_t nomem(mz_error_t *err)
{
    return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
}

mz_tables_t *mz_tables_create(const mz_gazetteer_t *gz, mz_age_band_t band, int year,
                              mz_error_t *err)
{
    mz_tables_t *t = calloc(1, sizeof *t);
    if (!t) {
        nomem(err);
        return NULL;
    }
    t->gz = gz;
    t->band = band;
    t->year = year;
    t->nunits = mz_gazetteer_count(gz);
    t->nstrata = mz_gazetteer_strata_count(gz);
    t->nslots = 1 + t->nstrata + t->nunits;
    t->slots = calloc(t->nslots, sizeof *t->slots);
    if (!t->slots) {
        mz_tables_destroy(t);
        nomem(err);
        return NULL;
    }
    return t;
}

void mz_tables_destroy(mz_tables_t *t)
{
    if (!t)
        return;
    free(t->slots);
    for (size_t i = 0; i < t->nfiles; i++)
        free(t->files[i]);
    free(t->files);
    free(t->ign);
    mz_str_free(&t->source);
    for (size_t i = 0; i < t->nnotes; i++)
        free(t->notes[i]);
    free(t->notes);
    free(t);
}

int mz_tables_year(const mz_tables_t *t) { return t->year; }
const char *mz_tables_source(const mz_tables_t *t) { return t->source.s ? t->source.s : ""; }
size_t mz_tables_note_count(const mz_tables_t *t) { return t->nnotes; }
const char *mz_tables_note(const mz_tables_t *t, size_t i) { return t->notes[i]; }

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t k = strspn(s, " \t");
    if (k)
        memmove(s, s + k, n - k + 1);
}

/* ---------------------------------------------------------------- detection */

static bool header_is_tabulated(mz_csv_t *csv)
{
    bool region = false, measure = false, weighted = false;
    for (size_t i = 0; i < mz_csv_nfields(csv); i++) {
        char h[64];
        snprintf(h, sizeof h, "%s", mz_csv_field(csv, i));
        trim(h);
        region = region || !strcasecmp(h, "region");
        measure = measure || !strcasecmp(h, "measure");
        weighted = weighted || !strcasecmp(h, "weighted");
    }
    return region && measure && weighted;
}

int mz_tabulated_detect(const char *path, mz_error_t *err)
{
    mz_csv_t *csv = mz_csv_open(path, 0, err);
    if (!csv)
        return -1;
    int rc = mz_csv_next(csv, err);
    int res = rc < 0 ? -1 : rc == 0 ? 0 : header_is_tabulated(csv) ? 1 : 0;
    mz_csv_close(csv);
    return res;
}

/* ---------------------------------------------------------------- reading */

static mz_status_t add_source(mz_tables_t *t, const char *s, mz_error_t *err)
{
    if (!s[0])
        return MZ_OK;
    /* distinct values only */
    const char *have = t->source.s ? t->source.s : "";
    size_t n = strlen(s);
    for (const char *p = have; (p = strstr(p, s)) != NULL; p += n)
        if ((p == have || (p >= have + 2 && p[-2] == ';')) && (p[n] == '\0' || p[n] == ';'))
            return MZ_OK;
    if ((have[0] && !mz_str_append(&t->source, "; ")) || !mz_str_append(&t->source, s))
        return nomem(err);
    return MZ_OK;
}

static mz_status_t note_ignored(mz_tables_t *t, int tm, int lo, int hi, mz_error_t *err)
{
    for (size_t i = 0; i < t->nign; i++)
        if (t->ign[i].tm == tm && t->ign[i].lo == lo && t->ign[i].hi == hi) {
            t->ign[i].rows++;
            return MZ_OK;
        }
    ignored_t *ni = realloc(t->ign, (t->nign + 1) * sizeof *ni);
    if (!ni)
        return nomem(err);
    t->ign = ni;
    t->ign[t->nign++] = (ignored_t){tm, lo, hi, 1};
    return MZ_OK;
}

static void band_text(int lo, int hi, char *buf, size_t size)
{
    if (lo == 0 && hi == 120)
        snprintf(buf, size, "all");
    else
        snprintf(buf, size, "%d-%d", lo, hi);
}

/* Cell measures a table row feeds, given the run's band; 0 = none. */
static uint32_t row_measures(const mz_tables_t *t, int tm, mz_age_band_t ages)
{
    const bool all = ages.lo == 0 && ages.hi == 120;
    const bool eq = ages.lo == t->band.lo && ages.hi == t->band.hi;
    uint32_t m = 0;
    switch (tm) {
    case TM_POP:
        m = (all ? 1u << MZ_M_POP : 0) | (eq ? 1u << MZ_M_POP_BAND : 0);
        break;
    case TM_EMP:
        m = (all ? 1u << MZ_M_EMP : 0) | (eq ? 1u << MZ_M_EMP_BAND : 0);
        break;
    case TM_UNEMP:
        m = eq ? 1u << MZ_M_UNEMP_BAND : 0;
        break;
    case TM_SELF:
        m = all ? 1u << MZ_M_SELF : 0;
        break;
    default:
        m = all ? 1u << (MZ_M_SEC_AGR + (tm - TM_AGR)) : 0;
        break;
    }
    return m;
}

static mz_status_t read_csv(mz_tables_t *t, mz_csv_t *csv, mz_tables_file_info_t *info,
                            mz_error_t *err)
{
    const char *name = mz_csv_name(csv);
    int col[NCOL];
    mz_status_t st = MZ_OK;
    for (int k = 0; k < NCOL; k++)
        col[k] = -1;
    if (t->applied)
        return mz_error_set(err, MZ_ERR_INTERNAL, name, 0, NULL, NULL, "tables already applied");
    char **nf = realloc(t->files, (t->nfiles + 1) * sizeof *nf);
    if (!nf)
        return nomem(err);
    t->files = nf;
    if (!(t->files[t->nfiles] = mz_strdup(name)))
        return nomem(err);
    const int file = (int)t->nfiles++;
    int rc = mz_csv_next(csv, err);
    if (rc <= 0) {
        if (rc == 0)
            mz_error_set(err, MZ_ERR_DATA, name, 1, NULL, NULL, "%s",
                         mz_tr("leere Datei: Kopfzeile mit Spaltennamen erwartet",
                               "empty file: expected a header row with column names"));
        return err ? err->status : MZ_ERR_DATA;
    }
    size_t ncols = mz_csv_nfields(csv);
    for (size_t i = 0; i < ncols; i++) {
        char h[64];
        snprintf(h, sizeof h, "%s", mz_csv_field(csv, i));
        trim(h);
        for (int k = 0; k < NCOL; k++) {
            if (strcasecmp(h, colname[k]) != 0)
                continue;
            if (col[k] >= 0)
                return mz_error_set(err, MZ_ERR_DATA, name, 1, colname[k], h, "%s",
                                    mz_tr("Spalte kommt doppelt vor", "duplicate column"));
            col[k] = (int)i;
        }
    }
    for (int k = 0; k < NCOL; k++)
        if (required[k] && col[k] < 0)
            return mz_error_set(err, MZ_ERR_DATA, name, 1, colname[k], "",
                                mz_tr("Pflichtspalte einer Tabelle fehlt (erwartet: year, region, "
                                      "ages, group, measure, weighted, optional n; Trennzeichen "
                                      "'%c')",
                                      "required column of a table missing (expected: year, "
                                      "region, ages, group, measure, weighted, optional n; "
                                      "separator '%c')"),
                                mz_csv_sep(csv));
    const bool decimal_comma = mz_csv_sep(csv) == ';';
    while ((rc = mz_csv_next(csv, err)) == 1) {
        long line = mz_csv_line(csv);
        size_t n = mz_csv_nfields(csv);
        char f[NCOL][160];
        for (int k = 0; k < NCOL; k++) {
            f[k][0] = '\0';
            if (col[k] < 0)
                continue;
            if ((size_t)col[k] >= n && !required[k])
                continue; /* a trailing optional column left out: empty */
            if ((size_t)col[k] >= n)
                return mz_error_set(err, MZ_ERR_DATA, name, line, colname[k], "",
                                    mz_tr("Zeile hat nur %zu Felder (falsches Trennzeichen oder "
                                          "abgeschnittene Zeile?)",
                                          "row has only %zu fields (wrong separator or "
                                          "truncated row?)"),
                                    n);
            /* a longer value would be cut off and could then read as a valid one */
            if (k != C_SOURCE && mz_csv_field_len(csv, (size_t)col[k]) >= sizeof f[k])
                return mz_error_set(err, MZ_ERR_DATA, name, line, colname[k],
                                    mz_csv_field(csv, (size_t)col[k]), "%s",
                                    mz_tr("Wert zu lang", "value too long"));
            snprintf(f[k], sizeof f[k], "%s", mz_csv_field(csv, (size_t)col[k]));
            trim(f[k]);
        }
#define BAD(k, ...) mz_error_set(err, MZ_ERR_DATA, name, line, colname[k], f[k], __VA_ARGS__)
        long year;
        if (!mz_parse_long(f[C_YEAR], &year) || year < 1950 || year > 2100)
            return BAD(C_YEAR, "%s", mz_tr("erwartet ein Erhebungsjahr (z. B. 2019)",
                                           "expected a survey year (e.g. 2019)"));
        if (t->year == 0)
            t->year = (int)year;
        if (year != t->year)
            return BAD(C_YEAR,
                       mz_tr("Tabelle eines anderen Jahres (erwartet %d; alle Eingaben müssen "
                             "aus demselben Jahr sein)",
                             "table of another year (expected %d; all inputs must be of the "
                             "same year)"),
                       t->year);
        size_t slot;
        if (strcmp(f[C_REGION], MZ_LAND_CODE) == 0) {
            slot = slot_land();
        } else if (!strncmp(f[C_REGION], "RA_", 3)) {
            int s = mz_gazetteer_find_stratum(t->gz, f[C_REGION]);
            if (s < 0)
                return BAD(C_REGION, "%s",
                           mz_tr("unbekannte Anpassungsschicht (erwartet RA_01 … RA_11)",
                                 "unknown stratum (expected RA_01 … RA_11)"));
            slot = slot_stratum(t, (size_t)s);
        } else {
            int u = mz_gazetteer_find(t->gz, f[C_REGION]);
            if (u < 0)
                return BAD(C_REGION, "%s",
                           mz_tr("unbekannte Region: erwartet 03 (Land), RA_01 … RA_11 oder "
                                 "einen Kreisschlüssel (AGS, als Text mit führender Null)",
                                 "unknown region: expected 03 (Land), RA_01 … RA_11 or a Kreis "
                                 "key (AGS, as text with its leading zero)"));
            const mz_unit_t *unit = mz_gazetteer_unit(t->gz, (size_t)u);
            if (!mz_unit_valid_in(unit, t->year))
                return BAD(C_REGION,
                           mz_tr("%s gibt es im Erhebungsjahr %d nicht",
                                 "%s does not exist in survey year %d"),
                           unit->name, t->year);
            slot = slot_unit(t, (size_t)u);
        }
        mz_age_band_t ages;
        if (!mz_age_band_parse(f[C_AGES], &ages))
            return BAD(C_AGES, "%s",
                       mz_tr("erwartet all oder eine Altersgruppe A-B (z. B. 18-64)",
                             "expected all or an age band A-B (e.g. 18-64)"));
        int g = -1;
        for (int k = 0; k < NTG; k++)
            if (!strcasecmp(f[C_GROUP], tg_ids[k]))
                g = k;
        if (g < 0)
            return BAD(C_GROUP, "%s",
                       mz_tr("erwartet with, without oder all", "expected with, without or all"));
        int tm = -1;
        for (int k = 0; k < NTM; k++)
            if (!strcasecmp(f[C_MEASURE], tm_ids[k]))
                tm = k;
        if (tm < 0)
            return BAD(C_MEASURE, "%s",
                       mz_tr("unbekannte Größe (erwartet population, employed, unemployed, "
                             "self_employed, employed_agriculture, employed_production, "
                             "employed_trade oder employed_services)",
                             "unknown measure (expected population, employed, unemployed, "
                             "self_employed, employed_agriculture, employed_production, "
                             "employed_trade or employed_services)"));
        double w;
        /* German tables write 60.000 for sixty thousand: in a semicolon file the decimal mark
         * is the comma, and a point would silently divide the count by a thousand */
        if (decimal_comma && strchr(f[C_WEIGHTED], '.'))
            return BAD(C_WEIGHTED, "%s",
                       mz_tr("Punkt in einer Datei mit Semikolon: Tausendertrennzeichen? "
                             "Dezimalzeichen ist hier das Komma; Zahlen ohne "
                             "Tausendertrennzeichen schreiben",
                             "a point in a semicolon-separated file: a thousands separator? "
                             "The decimal mark is the comma here; write numbers without "
                             "thousands separators"));
        if (!mz_parse_double(f[C_WEIGHTED], decimal_comma, &w) || w < 0)
            return BAD(C_WEIGHTED, "%s",
                       mz_tr("erwartet eine hochgerechnete Zahl >= 0 (Personen, ohne "
                             "Tausendertrennzeichen)",
                             "expected a weighted count >= 0 (persons, no thousands "
                             "separators)"));
        long cases = -1;
        if (f[C_N][0] && (!mz_parse_long(f[C_N], &cases) || cases < 0))
            return BAD(C_N, "%s",
                       mz_tr("erwartet eine ganze Fallzahl >= 0 oder leer",
                             "expected a whole number of cases >= 0 or empty"));
        if ((st = add_source(t, f[C_SOURCE], err)) != MZ_OK)
            return st;
        uint32_t ms = row_measures(t, tm, ages);
        if (!ms && (st = note_ignored(t, tm, ages.lo, ages.hi, err)) != MZ_OK)
            return st;
        for (int m = 0; m < MZ_NMEAS; m++) {
            if (!(ms & (1u << m)))
                continue;
            val_t *v = &t->slots[slot].v[g][m];
            if (v->set)
                return BAD(C_MEASURE,
                           mz_tr("Überschneidung: %s, Alter %s, Gruppe %s, %s steht schon in "
                                 "%s, Zeile %ld; jede Zahl darf nur einmal vorkommen (Tabellen "
                                 "müssen disjunkte Teile sein)",
                                 "overlap: %s, ages %s, group %s, %s is already in %s, line %ld; "
                                 "each count may appear only once (tables must be disjoint "
                                 "parts)"),
                           f[C_REGION], f[C_AGES], tg_ids[g], tm_ids[tm], t->files[v->file],
                           v->line);
            *v = (val_t){w, cases, file, line, true};
            t->seen |= 1u << m;
        }
#undef BAD
        info->rows++;
    }
    if (rc < 0)
        return err ? err->status : MZ_ERR_DATA;
    if (info->rows == 0)
        return mz_error_set(err, MZ_ERR_DATA, name, 0, NULL, NULL, "%s",
                            mz_tr("keine Tabellenzeilen (nur die Kopfzeile)",
                                  "no table rows (header only)"));
    snprintf(info->sha256, sizeof info->sha256, "%s", mz_csv_sha256(csv));
    info->bytes = mz_csv_bytes_read(csv);
    return MZ_OK;
}

mz_status_t mz_tables_add_file(mz_tables_t *t, const char *path, mz_tables_file_info_t *info,
                               mz_error_t *err)
{
    mz_tables_file_info_t dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    mz_csv_t *csv = mz_csv_open(path, 0, err);
    if (!csv)
        return err ? err->status : MZ_ERR_IO;
    mz_status_t st = read_csv(t, csv, info, err);
    mz_csv_close(csv);
    return st;
}

mz_status_t mz_tables_add_mem(mz_tables_t *t, const char *name, const void *data, size_t size,
                              mz_tables_file_info_t *info, mz_error_t *err)
{
    mz_tables_file_info_t dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    mz_csv_t *csv = mz_csv_open_mem(name, data, size, 0, err);
    if (!csv)
        return err ? err->status : MZ_ERR_IO;
    mz_status_t st = read_csv(t, csv, info, err);
    mz_csv_close(csv);
    return st;
}

/* ---------------------------------------------------------------- checks and cells */

/* Differences allowed between a total and the sum of its k parts: each value may be rounded to
 * a whole person, and tables rounded more coarsely may differ by 0.005 % of the total. */
static double tolerance(size_t k, double total)
{
    return fmax(0.5 * (double)(k + 1), 5e-5 * fabs(total));
}

static const char *slot_code(const mz_tables_t *t, size_t slot)
{
    if (slot == 0)
        return MZ_LAND_CODE;
    if (slot <= t->nstrata)
        return mz_gazetteer_stratum_code(t->gz, slot - 1);
    return mz_gazetteer_unit(t->gz, slot - 1 - t->nstrata)->ags;
}

/* The row that stands for a completed value (for messages): all, else with, else without. */
static const val_t *slot_row(const slot_t *s, int m)
{
    static const int order[NTG] = {TG_ALL, TG_WITH, TG_WITHOUT};
    for (int i = 0; i < NTG; i++)
        if (s->v[order[i]][m].set)
            return &s->v[order[i]][m];
    return &s->v[TG_WITH][m];
}

static void measure_text(const mz_tables_t *t, int m, char *buf, size_t size)
{
    char b[32];
    bool band = m == MZ_M_POP_BAND || m == MZ_M_EMP_BAND || m == MZ_M_UNEMP_BAND;
    band_text(band ? t->band.lo : 0, band ? t->band.hi : 120, b, sizeof b);
    snprintf(buf, size, "%s (%s %s)", tm_ids[cell_tm[m]], mz_tr("Alter", "ages"), b);
}

static mz_status_t contradiction(const mz_tables_t *t, const val_t *row, const char *what,
                                 double given, double parts, double tol, mz_error_t *err)
{
    char value[64];
    snprintf(value, sizeof value, "%.2f", given);
    return mz_error_set(err, MZ_ERR_DATA, t->files[row->file], row->line, "weighted", value,
                        mz_tr("Widerspruch: %s = %.2f, aber die Summe der Teile ist %.2f "
                              "(Abweichung %.2f, zulässig %.2f)",
                              "contradiction: %s = %.2f, but its parts add up to %.2f "
                              "(difference %.2f, allowed %.2f)"),
                        what, given, parts, fabs(given - parts), tol);
}

/* with/without from the rows of one slot and measure; all is a check or fills the missing one. */
static mz_status_t complete_groups(mz_tables_t *t, size_t si, int m, mz_error_t *err)
{
    slot_t *s = &t->slots[si];
    const val_t *w = &s->v[TG_WITH][m], *wo = &s->v[TG_WITHOUT][m], *a = &s->v[TG_ALL][m];
    double vw, vwo;
    int64_t nw, nwo;
    char what[200], mt[80];
    measure_text(t, m, mt, sizeof mt);
    if (!w->set && !wo->set && !a->set)
        return MZ_OK;
    snprintf(what, sizeof what, "%s %s all", slot_code(t, si), mt);
    if (w->set && wo->set) {
        vw = w->w;
        vwo = wo->w;
        nw = w->n;
        nwo = wo->n;
        if (a->set) {
            double tol = tolerance(2, a->w);
            if (fabs(a->w - (vw + vwo)) > tol)
                return contradiction(t, a, what, a->w, vw + vwo, tol, err);
            if (a->n >= 0 && nw >= 0 && nwo >= 0 && a->n != nw + nwo)
                return mz_error_set(err, MZ_ERR_DATA, t->files[a->file], a->line, "n", NULL,
                                    mz_tr("Widerspruch: Fallzahl von %s ist %lld, with + "
                                          "without ergeben %lld",
                                          "contradiction: the case count of %s is %lld, with + "
                                          "without add up to %lld"),
                                    what, (long long)a->n, (long long)(nw + nwo));
        }
    } else if (a->set && (w->set || wo->set)) {
        /* derive the missing group: all − the given one */
        const val_t *given = w->set ? w : wo;
        double rest = a->w - given->w;
        double tol = tolerance(1, a->w);
        if (rest < -tol)
            return contradiction(t, a, what, a->w, given->w, tol, err);
        rest = fmax(rest, 0.0);
        int64_t nrest = a->n >= 0 && given->n >= 0 ? a->n - given->n : -1;
        if (nrest < -1 || (a->n >= 0 && given->n > a->n))
            return mz_error_set(err, MZ_ERR_DATA, t->files[a->file], a->line, "n", NULL,
                                mz_tr("Widerspruch: Fallzahl von %s ist kleiner als die einer "
                                      "Teilgruppe",
                                      "contradiction: the case count of %s is below that of a "
                                      "part"),
                                what);
        vw = w->set ? w->w : rest;
        vwo = w->set ? rest : wo->w;
        nw = w->set ? w->n : nrest;
        nwo = w->set ? nrest : wo->n;
    } else {
        t->incomplete |= 1u << m;
        return MZ_OK;
    }
    s->w[tg_cell[TG_WITH]][m] = vw;
    s->w[tg_cell[TG_WITHOUT]][m] = vwo;
    s->n[tg_cell[TG_WITH]][m] = nw;
    s->n[tg_cell[TG_WITHOUT]][m] = nwo;
    s->have |= 1u << m;
    return MZ_OK;
}

static bool has(const mz_tables_t *t, size_t slot, int m)
{
    return (t->slots[slot].have >> m) & 1u;
}

/* Units of the gazetteer that exist in the tables' year. */
static bool unit_valid(const mz_tables_t *t, size_t u)
{
    return mz_unit_valid_in(mz_gazetteer_unit(t->gz, u), t->year);
}

/* Compare a total slot with the sum of part slots (both groups) and drop the total. */
static mz_status_t check_total(mz_tables_t *t, size_t total, const size_t *parts, size_t k, int m,
                               mz_error_t *err)
{
    slot_t *ts = &t->slots[total];
    for (int g = 0; g < MZ_NGRP; g++) {
        double sum = 0;
        int64_t nsum = 0;
        for (size_t i = 0; i < k; i++) {
            sum += t->slots[parts[i]].w[g][m];
            int64_t n = t->slots[parts[i]].n[g][m];
            nsum = (nsum < 0 || n < 0) ? -1 : nsum + n;
        }
        double tol = tolerance(k, ts->w[g][m]);
        char what[200], mt[80];
        measure_text(t, m, mt, sizeof mt);
        snprintf(what, sizeof what, "%s %s %s", slot_code(t, total), mt,
                 g == MZ_GRP_WITH ? "with" : "without");
        if (fabs(ts->w[g][m] - sum) > tol)
            return contradiction(t, slot_row(ts, m), what, ts->w[g][m], sum, tol, err);
        if (nsum >= 0 && ts->n[g][m] >= 0 && nsum != ts->n[g][m])
            return mz_error_set(err, MZ_ERR_DATA, t->files[slot_row(ts, m)->file],
                                slot_row(ts, m)->line, "n", NULL,
                                mz_tr("Widerspruch: Fallzahl von %s ist %lld, die Teile ergeben "
                                      "%lld",
                                      "contradiction: the case count of %s is %lld, its parts "
                                      "add up to %lld"),
                                what, (long long)ts->n[g][m], (long long)nsum);
    }
    ts->have &= ~(1u << m); /* the parts stand for it */
    return MZ_OK;
}

static mz_status_t overlap(const mz_tables_t *t, size_t a, size_t b, int m, const char *why,
                           mz_error_t *err)
{
    const val_t *ra = slot_row(&t->slots[a], m), *rb = slot_row(&t->slots[b], m);
    char mt[80];
    measure_text(t, m, mt, sizeof mt);
    return mz_error_set(err, MZ_ERR_DATA, t->files[ra->file], ra->line, "region",
                        slot_code(t, a),
                        mz_tr("Überschneidung: %s für %s und für %s (%s, Zeile %ld) — %s",
                              "overlap: %s for %s and for %s (%s, line %ld) — %s"),
                        mt, slot_code(t, a), slot_code(t, b), t->files[rb->file], rb->line, why);
}

/* Nested regions of one measure: Hannover whole/split, stratum beside its Kreise, Land beside
 * the rest. A total beside its complete parts is checked and dropped, otherwise refused. */
static mz_status_t check_nesting(mz_tables_t *t, int m, size_t *buf, mz_error_t *err)
{
    const mz_gazetteer_t *gz = t->gz;
    /* Region Hannover as a whole (unit or composite stratum) beside its halves */
    for (size_t u = 0; u < t->nunits; u++) {
        const mz_unit_t *unit = mz_gazetteer_unit(gz, u);
        if (unit->kind != MZ_KIND_REGION || !unit_valid(t, u))
            continue;
        size_t whole_slot = 0;
        size_t su = slot_stratum(t, (size_t)mz_gazetteer_unit_stratum(gz, u));
        if (has(t, slot_unit(t, u), m))
            whole_slot = slot_unit(t, u);
        else if (has(t, su, m))
            whole_slot = su;
        if (!whole_slot)
            continue;
        for (size_t p = 0; p < t->nunits; p++) {
            const mz_unit_t *part = mz_gazetteer_unit(gz, p);
            if (part->kind != MZ_KIND_TEILREGION || strcmp(part->parent, unit->ags) != 0)
                continue;
            size_t ps = slot_stratum(t, (size_t)mz_gazetteer_unit_stratum(gz, p));
            size_t other = has(t, slot_unit(t, p), m) ? slot_unit(t, p) : has(t, ps, m) ? ps : 0;
            if (other)
                return overlap(t, whole_slot, other, m,
                               mz_tr("Region Hannover nur als Ganzes oder nur geteilt angeben",
                                     "give Region Hannover either whole or split, not both"),
                               err);
        }
    }
    /* a stratum beside Kreise of it */
    for (size_t s = 0; s < t->nstrata; s++) {
        size_t ss = slot_stratum(t, s);
        if (!has(t, ss, m))
            continue;
        size_t k = 0, missing = 0, first = 0;
        for (size_t u = 0; u < t->nunits; u++) {
            if (!unit_valid(t, u) || mz_gazetteer_unit_stratum(gz, u) != (int)s)
                continue;
            if (has(t, slot_unit(t, u), m)) {
                if (!k)
                    first = slot_unit(t, u);
                buf[k++] = slot_unit(t, u);
            } else {
                missing++;
            }
        }
        if (!k)
            continue;
        if (missing)
            return overlap(t, ss, first, m,
                           mz_tr("eine Schicht und einzelne ihrer Kreise zugleich; entweder die "
                                 "Schicht oder alle ihre Kreise angeben",
                                 "a stratum and some of its Kreise at once; give either the "
                                 "stratum or all of its Kreise"),
                           err);
        mz_status_t st = check_total(t, ss, buf, k, m, err);
        if (st != MZ_OK)
            return st;
    }
    /* the Land beside strata or Kreise */
    if (!has(t, slot_land(), m))
        return MZ_OK;
    size_t k = 0;
    for (size_t i = 1; i < t->nslots; i++)
        if (has(t, i, m))
            buf[k++] = i;
    if (!k)
        return MZ_OK;
    for (size_t u = 0; u < t->nunits; u++) {
        const mz_unit_t *unit = mz_gazetteer_unit(gz, u);
        if (!unit_valid(t, u) || unit->kind == MZ_KIND_TEILREGION)
            continue;
        bool covered = has(t, slot_unit(t, u), m) ||
                       has(t, slot_stratum(t, (size_t)mz_gazetteer_unit_stratum(gz, u)), m);
        if (!covered && unit->kind == MZ_KIND_REGION) {
            covered = true;
            for (size_t p = 0; p < t->nunits && covered; p++) {
                const mz_unit_t *part = mz_gazetteer_unit(gz, p);
                if (part->kind == MZ_KIND_TEILREGION && !strcmp(part->parent, unit->ags))
                    covered = has(t, slot_unit(t, p), m) ||
                              has(t, slot_stratum(t, (size_t)mz_gazetteer_unit_stratum(gz, p)), m);
            }
        }
        if (!covered)
            return overlap(t, slot_land(), buf[0], m,
                           mz_tr("das Land und einzelne Schichten oder Kreise zugleich; "
                                 "entweder das Land oder das ganze Land in Teilen angeben",
                                 "the Land and some strata or Kreise at once; give either the "
                                 "Land or the whole Land in parts"),
                           err);
    }
    return check_total(t, slot_land(), buf, k, m, err);
}

static mz_status_t add_note(mz_tables_t *t, const char *text, mz_error_t *err)
{
    char **nn = realloc(t->notes, (t->nnotes + 1) * sizeof *nn);
    if (!nn)
        return nomem(err);
    t->notes = nn;
    if (!(t->notes[t->nnotes] = mz_strdup(text)))
        return nomem(err);
    t->nnotes++;
    return MZ_OK;
}

/* Why a cell measure is unknown for the Land. */
static void reason(const mz_tables_t *t, int m, char *buf, size_t size)
{
    char mt[80], run[32], other[200];
    measure_text(t, m, mt, sizeof mt);
    band_text(t->band.lo, t->band.hi, run, sizeof run);
    size_t o = 0;
    other[0] = '\0';
    /* band measures: all-age rows of the same measure were used elsewhere (population,
     * employed) or not at all (unemployed) — either way they exist only for other ages */
    if ((m == MZ_M_POP_BAND && ((t->seen >> MZ_M_POP) & 1u)) ||
        (m == MZ_M_EMP_BAND && ((t->seen >> MZ_M_EMP) & 1u)))
        o += (size_t)snprintf(other, sizeof other, "all");
    for (size_t i = 0; i < t->nign && o < sizeof other; i++)
        if (t->ign[i].tm == cell_tm[m]) {
            char b[32];
            band_text(t->ign[i].lo, t->ign[i].hi, b, sizeof b);
            o += (size_t)snprintf(other + o, sizeof other - o, "%s%s", o ? ", " : "", b);
        }
    if (!((t->seen >> m) & 1u) && other[0])
        snprintf(buf, size,
                 mz_tr("%s fehlt: die Tabellen geben %s nur für Alter %s, der Lauf nutzt %s "
                       "(--ages mit einer dieser Altersgruppen wählen)",
                       "%s missing: the tables give %s only for ages %s, the run uses %s "
                       "(choose --ages with one of these bands)"),
                 mt, tm_ids[cell_tm[m]], other, run);
    else if (!((t->seen >> m) & 1u))
        snprintf(buf, size, mz_tr("%s fehlt in den Tabellen", "%s is not in the tables"), mt);
    else if ((t->incomplete >> m) & 1u)
        snprintf(buf, size,
                 mz_tr("%s ist nicht nach Migrationshintergrund aufgeteilt (nötig: with und "
                       "without, oder all und eine der beiden)",
                       "%s is not split by migration background (needed: with and without, or "
                       "all and one of them)"),
                 mt);
    else
        snprintf(buf, size,
                 mz_tr("%s ist nicht für alle Teile angegeben", "%s is not given for every part"),
                 mt);
}

static mz_status_t make_notes(mz_tables_t *t, const mz_cells_t *cells, mz_error_t *err)
{
    const mz_cell_t *land = mz_cells_land(cells);
    mz_status_t st;
    for (int i = 0; i < MZ_NIND; i++) {
        mz_term_t num, den;
        if (!mz_indicator_terms((mz_indicator_t)i, MZ_G_ALL, &num, &den))
            continue;
        uint32_t missing = (num.mmask | den.mmask) & ~land->have;
        if (!missing)
            continue;
        mz_str_t b = {0};
        bool ok = mz_str_appendf(&b, mz_tr("%s: nicht berechenbar – ", "%s: not computable – "),
                                 mz_indicator_id((mz_indicator_t)i));
        bool first = true;
        for (int m = 0; m < MZ_NMEAS && ok; m++) {
            if (!((missing >> m) & 1u))
                continue;
            char r[600];
            reason(t, m, r, sizeof r);
            ok = mz_str_appendf(&b, "%s%s", first ? "" : "; ", r);
            first = false;
        }
        if (!ok) {
            mz_str_free(&b);
            return nomem(err);
        }
        st = add_note(t, b.s, err);
        mz_str_free(&b);
        if (st != MZ_OK)
            return st;
    }
    for (size_t i = 0; i < t->nign; i++) {
        char note[400], b[32], run[32];
        band_text(t->ign[i].lo, t->ign[i].hi, b, sizeof b);
        band_text(t->band.lo, t->band.hi, run, sizeof run);
        snprintf(note, sizeof note,
                 mz_tr("%llu Tabellenzeile(n) %s für Alter %s nicht verwendet (Lauf: Alter %s)",
                       "%llu table row(s) %s for ages %s not used (run: ages %s)"),
                 (unsigned long long)t->ign[i].rows, tm_ids[t->ign[i].tm], b, run);
        if ((st = add_note(t, note, err)) != MZ_OK)
            return st;
    }
    return MZ_OK;
}

mz_status_t mz_tables_apply(mz_tables_t *t, mz_cells_t *cells, mz_error_t *err)
{
    if (t->applied)
        return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL, "tables applied twice");
    t->applied = true;
    mz_status_t st = MZ_OK;
    size_t *buf = malloc(t->nslots * sizeof *buf);
    if (!buf)
        return nomem(err);
    for (size_t i = 0; i < t->nslots && st == MZ_OK; i++)
        for (int m = 0; m < MZ_NMEAS && st == MZ_OK; m++)
            st = complete_groups(t, i, m, err);
    for (int m = 0; m < MZ_NMEAS && st == MZ_OK; m++)
        st = check_nesting(t, m, buf, err);
    free(buf);
    if (st != MZ_OK)
        return st;
    for (size_t i = 0; i < t->nslots; i++) {
        const slot_t *s = &t->slots[i];
        if (!s->have)
            continue;
        mz_cell_t c;
        mz_cell_init(&c);
        c.have = s->have;
        for (int g = 0; g < MZ_NGRP; g++)
            for (int m = 0; m < MZ_NMEAS; m++) {
                bool known = (s->have >> m) & 1u;
                c.w[g][m] = known ? s->w[g][m] : 0.0;
                c.n[g][m] = known ? s->n[g][m] : -1;
            }
        if (i == slot_land())
            mz_cells_add_cell(cells, -1, -1, &c);
        else if (i <= t->nstrata)
            mz_cells_add_cell(cells, -1, (int)(i - 1), &c);
        else {
            size_t u = i - 1 - t->nstrata;
            mz_cells_add_cell(cells, (int)u, mz_gazetteer_unit_stratum(t->gz, u), &c);
        }
    }
    return make_notes(t, cells, err);
}
