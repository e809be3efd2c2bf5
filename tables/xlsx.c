/* xlsx.c — mzatlas.xlsx, the workbook planners open: cover, one sheet per report figure,
 * Handlungsbedarf, Regionen, Netzwerke, Methodik and, optionally, the maps.
 *
 * What every sheet relies on:
 *  - a published number is stored as a number, rounded to one decimal as published; a value of
 *    limited reliability keeps its number and gets a bracket format such as "(0.0)";
 *  - a withheld value is written only as the text "/", a secret one only as "."; their numbers,
 *    and the standard errors, intervals and case counts that belong to them, are written nowhere;
 *  - NaN and infinities never reach a cell;
 *  - libxlsxwriter errors are collected (the first one wins) and turned into an mz_error_t; the
 *    checks done before writing keep libxlsxwriter from printing its own messages.
 * The layout is described in docs/workbook.md. */
#include "mzatlas/mz_xlsx.h"


#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <xlsxwriter.h>

#include "../microcensus/util.h"
#include "mz_version.h"
#include "mzatlas/mz_output.h"

static pthread_mutex_t close_lock = PTHREAD_MUTEX_INITIALIZER;

/* ---------------------------------------------------------------------------------------------
 * Sheets and the report figures they show */

enum {
    SH_COVER = 0,
    SH_FIG5,
    SH_FIG6,
    SH_FIG7,
    SH_FIG8,
    SH_FIG9,
    SH_ACTION,
    SH_REGIONS,
    SH_NETWORKS,
    SH_METHOD,
    SH_MAPS,
    SH_N
};

#define NFIGSHEETS 5

/* One figure sheet: the report figures it stands for and its indicators. */
typedef struct fig_sheet {
    int sheet;
    int figs[2];     /* 0 = unused */
    mz_indicator_t inds[4];
    size_t ninds;
} fig_sheet_t;

static const fig_sheet_t fig_sheets[NFIGSHEETS] = {
    {SH_FIG5, {5, 0}, {MZ_IND_MIGRATION_SHARE}, 1},
    {SH_FIG6,
     {6, 0},
     {MZ_IND_SECTOR_AGRICULTURE, MZ_IND_SECTOR_PRODUCTION, MZ_IND_SECTOR_TRADE,
      MZ_IND_SECTOR_SERVICES},
     4},
    {SH_FIG7, {7, 0}, {MZ_IND_EMPLOYMENT_RATE}, 1},
    {SH_FIG8, {8, 0}, {MZ_IND_SELF_EMPLOYMENT_SHARE}, 1},
    {SH_FIG9, {9, 10}, {MZ_IND_UNEMPLOYMENT_RATE}, 1},
};

static const char *sheet_name(int sh)
{
    switch (sh) {
    case SH_COVER: return mz_tr("Übersicht", "Overview");
    case SH_FIG5: return mz_tr("Abb. 5 Migrationsanteil", "Fig. 5 Migration share");
    case SH_FIG6: return mz_tr("Abb. 6 Wirtschaftsbereiche", "Fig. 6 Sectors");
    case SH_FIG7: return mz_tr("Abb. 7 Erwerbstätigenquote", "Fig. 7 Employment rate");
    case SH_FIG8: return mz_tr("Abb. 8 Selbständige", "Fig. 8 Self-employed");
    case SH_FIG9: return mz_tr("Abb. 9 Erwerbslosenquote", "Fig. 9 Unemployment rate");
    case SH_ACTION: return mz_tr("Handlungsbedarf", "Action needed");
    case SH_REGIONS: return mz_tr("Regionen", "Regions");
    case SH_NETWORKS: return mz_tr("Netzwerke", "Networks");
    case SH_METHOD: return mz_tr("Methodik", "Method");
    case SH_MAPS: return mz_tr("Karten", "Maps");
    default: return "?";
    }
}

static const char *sheet_description(int sh)
{
    switch (sh) {
    case SH_FIG5:
        return mz_tr("Anteil der Menschen mit Migrationshintergrund an der Bevölkerung",
                     "Share of persons with migration background in the population");
    case SH_FIG6:
        return mz_tr("Anteil der Erwerbstätigen mit Migrationshintergrund nach "
                     "Wirtschaftsbereichen",
                     "Share of the employed with migration background by sector");
    case SH_FIG7:
        return mz_tr("Erwerbstätigenquote mit und ohne Migrationshintergrund, Differenz",
                     "Employment rate with and without migration background, gap");
    case SH_FIG8:
        return mz_tr("Anteil der Selbständigen an den Erwerbstätigen mit und ohne "
                     "Migrationshintergrund, Differenz",
                     "Self-employed as a share of the employed with and without migration "
                     "background, gap");
    case SH_FIG9:
        return mz_tr("Erwerbslosenquote mit und ohne Migrationshintergrund, Differenz "
                     "(Abb. 9 und 10)",
                     "Unemployment rate with and without migration background, gap "
                     "(Fig. 9 and 10)");
    case SH_ACTION:
        return mz_tr("Regionen mit Handlungsbedarf, Sicherheit der Einstufung, Netzwerke 2010",
                     "Regions that need action, certainty of the flag, networks 2010");
    case SH_REGIONS:
        return mz_tr("Regionen je Indikator und Grund jeder Zusammenlegung",
                     "Regions of each indicator and why Kreise were merged");
    case SH_NETWORKS:
        return mz_tr("Netzwerke zur Arbeitsmarktintegration (Bestand 2010, Anhang 2 des "
                     "Berichts)",
                     "Networks for labour-market integration (2010 inventory, annex 2 of the "
                     "report)");
    case SH_METHOD:
        return mz_tr("Begriffe, Regeln, Altersgruppe, Varianzschätzung",
                     "Definitions, rules, age band, variance estimation");
    case SH_MAPS: return mz_tr("Karten", "Maps");
    default: return "";
    }
}

/* ---------------------------------------------------------------------------------------------
 * Writer state */

/* A map PNG from the staging directory's maps/. */
typedef struct map_png {
    char *path;
    char *name;
    int fig;         /* figure number from "abbNN…", 0 if none */
    uint32_t width, height; /* as shown at 96 dpi */
} map_png_t;

typedef struct xw {
    lxw_workbook *wb;
    mz_run_t *run;
    mz_results_t *res;
    const mz_rules_t *rules;
    const mz_gazetteer_t *gz;
    mz_error_t *err;
    lxw_error lerr;          /* first libxlsxwriter error */
    mz_status_t st;          /* first own failure */
    bool present[SH_N];
    map_png_t *maps;
    size_t nmaps;
    struct {
        lxw_format *title, *subtitle, *warn, *head, *head_left, *wrap, *bold, *bold_wrap,
            *indent, *note, *block, *rate, *rate_br, *gap, *gap_br, *plain1, *count, *intg,
            *sym, *link, *flag, *flag_sample, *mono;
    } f;
} xw_t;

static void lx(xw_t *x, lxw_error e)
{
    if (e != LXW_NO_ERROR && x->lerr == LXW_NO_ERROR)
        x->lerr = e;
}

static void nomem(xw_t *x)
{
    if (x->st == MZ_OK)
        x->st = mz_error_set(x->err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                             mz_strerror(MZ_ERR_NOMEM));
}

static bool failed(const xw_t *x) { return x->lerr != LXW_NO_ERROR || x->st != MZ_OK; }

/* ---------------------------------------------------------------------------------------------
 * Cell helpers: every write goes through these */

static void put_str(xw_t *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, const char *s,
                    lxw_format *f)
{
    if (!s || !*s) {
        if (f)
            lx(x, worksheet_write_blank(ws, r, c, f));
        return;
    }
    lx(x, worksheet_write_string(ws, r, c, s, f));
}

/* A number; non-finite values are never written (the cell gets "." instead). */
static void put_num(xw_t *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v,
                    lxw_format *f)
{
    if (!isfinite(v)) {
        put_str(x, ws, r, c, ".", x->f.sym);
        return;
    }
    if (v == 0)
        v = 0; /* no negative zero */
    lx(x, worksheet_write_number(ws, r, c, v, f));
}

/* A published one-decimal value under its symbol. */
static void put_value(xw_t *x, lxw_worksheet *ws, lxw_row_t r, lxw_col_t c, double v,
                      mz_symbol_t sym, lxw_format *plain, lxw_format *bracket)
{
    if (sym == MZ_SYM_WITHHELD)
        put_str(x, ws, r, c, "/", x->f.sym);
    else if (sym == MZ_SYM_SECRET)
        put_str(x, ws, r, c, ".", x->f.sym);
    else
        put_num(x, ws, r, c, mz_round1(v), sym == MZ_SYM_LIMITED ? bracket : plain);
}

static void merge_str(xw_t *x, lxw_worksheet *ws, lxw_row_t r0, lxw_col_t c0, lxw_row_t r1,
                      lxw_col_t c1, const char *s, lxw_format *f)
{
    if (r0 == r1 && c0 == c1)
        put_str(x, ws, r0, c0, s, f);
    else
        lx(x, worksheet_merge_range(ws, r0, c0, r1, c1, s ? s : "", f));
}

static void set_cols(xw_t *x, lxw_worksheet *ws, lxw_col_t c0, lxw_col_t c1, double width)
{
    lx(x, worksheet_set_column(ws, c0, c1, width, NULL));
}

/* A number for running text: thousands separated, decimal comma in German. */
static void text_num(double v, int decimals, char *buf, size_t size)
{
    const bool de = mz_get_lang() == MZ_LANG_DE;
    char tmp[64];
    if (!isfinite(v)) {
        snprintf(buf, size, ".");
        return;
    }
    snprintf(tmp, sizeof tmp, "%.*f", decimals, decimals == 1 ? mz_round1(v) : v);
    const char *s = tmp;
    size_t o = 0;
    if (*s == '-') {
        if (strspn(s + 1, "0.") != strlen(s + 1) && o + 1 < size)
            buf[o++] = '-';
        s++;
    }
    size_t intlen = strcspn(s, ".");
    for (size_t i = 0; s[i] && o + 2 < size; i++) {
        if (i < intlen) {
            buf[o++] = s[i];
            size_t rest = intlen - i - 1;
            if (rest > 0 && rest % 3 == 0)
                buf[o++] = de ? ' ' : ',';
        } else {
            buf[o++] = s[i] == '.' ? (de ? ',' : '.') : s[i];
        }
    }
    buf[o < size ? o : size - 1] = '\0';
}

/* "18 bis 64 Jahre" or "alle Altersgruppen". */
static void band_text(const mz_run_t *run, char *buf, size_t size)
{
    const mz_age_band_t *b = &mz_run_options(run)->band;
    if (b->lo <= 0 && b->hi >= 120)
        snprintf(buf, size, "%s", mz_tr("alle Altersgruppen", "all ages"));
    else
        snprintf(buf, size, mz_tr("%d bis %d Jahre", "%d to %d years"), b->lo, b->hi);
}

/* "95-%-Konfidenzintervall" with the run's level. */
static const char *ci_name(const mz_run_t *run, char *buf, size_t size)
{
    char lvl[32];
    text_num(mz_run_options(run)->variance.ci_level, 1, lvl, sizeof lvl);
    size_t n = strlen(lvl);
    /* "95,0" → "95" */
    if (n > 2 && (lvl[n - 1] == '0') && (lvl[n - 2] == ',' || lvl[n - 2] == '.'))
        lvl[n - 2] = '\0';
    snprintf(buf, size, mz_tr("%s-%%-Konfidenzintervall", "%s%% confidence interval"), lvl);
    return buf;
}

static const char *rate_rule_text(mz_rate_rule_t r)
{
    return r == MZ_RATE_BASE
               ? mz_tr("base: die Regeln gelten für den Nenner einer Quote",
                       "base: the rules apply to the denominator of a rate")
               : mz_tr("both: eine Quote erhält das schlechteste Zeichen von Zähler und Nenner",
                       "both: a rate takes the worst symbol of its numerator and denominator");
}

/* Labels of the inventory's field and actor-type codes. */
static const char *code_label(const char *code)
{
    static const struct {
        const char *code, *de, *en;
    } labels[] = {
        {"beratung", "Beratung", "counselling"},
        {"anerkennung", "Anerkennung ausländischer Abschlüsse",
         "recognition of foreign qualifications"},
        {"kompetenzfeststellung", "Kompetenzfeststellung", "skills assessment"},
        {"qualifizierung", "Qualifizierung", "training"},
        {"sprachfoerderung", "berufsbezogene Sprachförderung", "job-related language courses"},
        {"existenzgruendung", "Existenzgründung", "business start-up"},
        {"interkulturelle_oeffnung", "interkulturelle Öffnung", "intercultural opening"},
        {"berufliche_orientierung", "berufliche Orientierung", "vocational orientation"},
        {"vermittlung", "Vermittlung in Ausbildung und Arbeit",
         "placement in training and work"},
        {"bildungstraeger", "Bildungsträger", "education providers"},
        {"politik_verwaltung", "Politik und Verwaltung", "politics and administration"},
        {"arbeitsverwaltung", "Arbeitsverwaltung", "employment services"},
        {"wohlfahrt_kirche", "Wohlfahrtsverbände und Kirchen", "welfare and churches"},
        {"migrantenorganisation", "Migrantenorganisationen", "migrant organisations"},
        {"wirtschaft", "Wirtschaft", "business"},
        {"wissenschaft", "Wissenschaft", "science"},
        {"sonstige", "Sonstige", "other"},
        {"regional", "regional", "regional"},
        {"ueberregional", "überregional", "supra-regional"},
    };
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(code, labels[i].code) == 0)
            return mz_tr(labels[i].de, labels[i].en);
    return code;
}

/* "; "-joined codes → "; "-joined labels (allocated; NULL on out of memory). */
static char *code_list_labels(const char *codes)
{
    mz_str_t b = {0};
    const char *p = codes ? codes : "";
    bool first = true;
    while (*p) {
        size_t n = strcspn(p, ";");
        char code[64];
        size_t k = n < sizeof code - 1 ? n : sizeof code - 1;
        memcpy(code, p, k);
        code[k] = '\0';
        char *s = code, *e = code + strlen(code);
        while (*s == ' ')
            s++;
        while (e > s && e[-1] == ' ')
            *--e = '\0';
        if (*s) {
            if ((!first && !mz_str_append(&b, "; ")) || !mz_str_append(&b, code_label(s))) {
                mz_str_free(&b);
                return NULL;
            }
            first = false;
        }
        p += n;
        if (*p == ';')
            p++;
    }
    return mz_str_take(&b);
}

static const char *network_status_label(const char *status)
{
    if (strcmp(status, "network") == 0)
        return mz_tr("Netzwerk vorhanden", "network present");
    if (strcmp(status, "none") == 0)
        return mz_tr("kein Netzwerk", "no network");
    if (strcmp(status, "no_information") == 0)
        return mz_tr("keine Angaben", "no information");
    return status;
}

static const char *certainty_label(mz_certainty_t c, bool have_ci)
{
    switch (c) {
    case MZ_CERT_CERTAIN: return mz_tr("sicher", "certain");
    case MZ_CERT_PROBABLE: return mz_tr("wahrscheinlich", "probable");
    case MZ_CERT_POSSIBLE: return mz_tr("möglich", "possible");
    default:
        return have_ci ? "" : mz_tr("ohne Konfidenzintervall", "no confidence interval");
    }
}

static const char *level_label(const mz_region_t *r)
{
    switch (r->level) {
    case MZ_LEVEL_LAND: return mz_tr("Land", "Land");
    case MZ_LEVEL_SCHICHT: return mz_tr("Anpassungsschicht", "Stratum");
    default:
        return r->nunits > 1 ? mz_tr("Kreise zusammengelegt", "merged Kreise")
                             : mz_tr("Kreis", "Kreis");
    }
}

/* Members of a merged region as "Friesland (03455); Wittmund (03462)"; "" otherwise. */
static char *members_text(xw_t *x, const mz_region_t *r)
{
    mz_str_t b = {0};
    if (r->level == MZ_LEVEL_REGION && r->nunits > 1) {
        for (size_t i = 0; i < r->nunits; i++) {
            const mz_unit_t *u = mz_gazetteer_unit(x->gz, (size_t)r->units[i]);
            if (!mz_str_appendf(&b, "%s%s (%s)", i ? "; " : "", u->short_name, u->ags)) {
                mz_str_free(&b);
                nomem(x);
                return NULL;
            }
        }
    }
    char *s = mz_str_take(&b);
    if (!s)
        nomem(x);
    return s;
}

static const char *source_text(const mz_run_t *run, char *buf, size_t size)
{
    if (mz_run_synthetic(run))
        snprintf(buf, size, "%s",
                 mz_tr("Quelle: synthetische Stichprobe (keine amtlichen Daten), eigene "
                       "Berechnungen mit mzatlas",
                       "Source: synthetic sample (not official data), own calculations with "
                       "mzatlas"));
    else
        snprintf(buf, size,
                 mz_tr("Quelle: Mikrozensus %d, eigene Berechnungen mit mzatlas",
                       "Source: Mikrozensus %d, own calculations with mzatlas"),
                 mz_run_year(run));
    return buf;
}

/* Whether any published estimate of the indicators carries a standard error. */
static bool have_se(const mz_results_t *res, const mz_indicator_t *inds, size_t n)
{
    for (size_t i = 0; i < mz_results_count(res); i++) {
        const mz_estimate_t *e = mz_results_at(res, i);
        if (mz_symbol_withheld(e->p.symbol) || !isfinite(e->se))
            continue;
        for (size_t k = 0; k < n; k++)
            if (e->ind == inds[k])
                return true;
    }
    return false;
}

/* Title, subtitle and print setup common to every sheet. */
static void sheet_setup(xw_t *x, lxw_worksheet *ws, const char *title, const char *subtitle)
{
    char head[160], foot[96];
    snprintf(head, sizeof head, "&Lmzatlas – Mikrozensus %d%s&R&A", mz_run_year(x->run),
             mz_run_synthetic(x->run) ? mz_tr(" (synthetisch)", " (synthetic)") : "");
    snprintf(foot, sizeof foot, "&C%s", mz_tr("Seite &P von &N", "Page &P of &N"));
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_fit_to_pages(ws, 1, 0);
    lx(x, worksheet_set_header(ws, head));
    lx(x, worksheet_set_footer(ws, foot));
    put_str(x, ws, 0, 0, title, x->f.title);
    if (subtitle)
        put_str(x, ws, 1, 0, subtitle, x->f.subtitle);
}

/* ---------------------------------------------------------------------------------------------
 * Figure sheets */

/* Columns of a figure table. */
typedef struct layout {
    bool used[MZ_NG];
    lxw_col_t val[MZ_NG], se[MZ_NG], lo[MZ_NG], hi[MZ_NG], n[MZ_NG];
    bool has_se;
    lxw_col_t last;
} layout_t;

static const mz_group_t group_order[] = {MZ_G_WITH, MZ_G_WITHOUT, MZ_G_ALL, MZ_G_GAP};

static void layout_init(layout_t *L, bool groups, bool se)
{
    lxw_col_t c = 4;
    memset(L, 0, sizeof *L);
    L->has_se = se;
    for (size_t i = 0; i < (groups ? 4u : 1u); i++) {
        mz_group_t g = groups ? group_order[i] : MZ_G_ALL;
        L->used[g] = true;
        L->val[g] = c++;
        if (se) {
            L->se[g] = c++;
            L->lo[g] = c++;
            L->hi[g] = c++;
        }
        if (g != MZ_G_GAP)
            L->n[g] = c++;
    }
    L->last = (lxw_col_t)(c - 1);
}

static const char *group_label(mz_group_t g, mz_indicator_t ind)
{
    switch (g) {
    case MZ_G_WITH: return mz_tr("mit Migrationshintergrund", "with migration background");
    case MZ_G_WITHOUT: return mz_tr("ohne Migrationshintergrund", "without migration background");
    case MZ_G_GAP: return mz_tr("Differenz mit – ohne", "gap with − without");
    default:
        if (mz_indicator_has_groups(ind))
            return mz_tr("insgesamt", "all");
        if (ind == MZ_IND_MIGRATION_SHARE)
            return mz_tr("Anteil der Menschen mit Migrationshintergrund an der Bevölkerung",
                         "Persons with migration background as a share of the population");
        return mz_tr("Anteil der Erwerbstätigen mit Migrationshintergrund an allen "
                     "Erwerbstätigen des Bereichs",
                     "Employed with migration background as a share of all employed in the "
                     "sector");
    }
}

/* The two header rows; returns the first data row. */
static lxw_row_t write_table_head(xw_t *x, lxw_worksheet *ws, lxw_row_t row, const layout_t *L,
                                  mz_indicator_t ind)
{
    static const char *const fixed_de[] = {"Ebene", "Schlüssel", "Region",
                                           "Mitglieder (zusammengelegte Kreise)"};
    static const char *const fixed_en[] = {"Level", "Code", "Region", "Members (merged Kreise)"};
    for (lxw_col_t c = 0; c < 4; c++)
        merge_str(x, ws, row, c, row + 1, c, mz_tr(fixed_de[c], fixed_en[c]), x->f.head_left);
    for (int g = 0; g < MZ_NG; g++) {
        if (!L->used[g])
            continue;
        lxw_col_t c0 = L->val[g];
        lxw_col_t c1 = g == MZ_G_GAP ? (L->has_se ? L->hi[g] : L->val[g]) : L->n[g];
        merge_str(x, ws, row, c0, row, c1, group_label((mz_group_t)g, ind), x->f.head);
        put_str(x, ws, row + 1, L->val[g],
                g == MZ_G_GAP ? mz_tr("%-Punkte", "pp") : "%", x->f.head);
        if (L->has_se) {
            put_str(x, ws, row + 1, L->se[g], mz_tr("Standardfehler", "standard error"),
                    x->f.head);
            put_str(x, ws, row + 1, L->lo[g], mz_tr("KI unten", "CI low"), x->f.head);
            put_str(x, ws, row + 1, L->hi[g], mz_tr("KI oben", "CI high"), x->f.head);
        }
        if (g != MZ_G_GAP)
            put_str(x, ws, row + 1, L->n[g], mz_tr("Fälle", "cases"), x->f.head);
    }
    lx(x, worksheet_set_row(ws, row, 32, NULL));
    return row + 2;
}

/* The cells of one estimate (value, SE, CI, n) under its symbol. */
static void write_estimate(xw_t *x, lxw_worksheet *ws, lxw_row_t r, const layout_t *L,
                           mz_group_t g, const mz_estimate_t *e)
{
    const bool gap = g == MZ_G_GAP;
    if (!e) {
        /* not reported for this region: "x" (Tabellenfach gesperrt) */
        put_str(x, ws, r, L->val[g], "x", x->f.sym);
        return;
    }
    const mz_symbol_t sym = e->p.symbol;
    put_value(x, ws, r, L->val[g], e->p.estimate, sym, gap ? x->f.gap : x->f.rate,
              gap ? x->f.gap_br : x->f.rate_br);
    if (L->has_se) {
        const lxw_col_t cols[3] = {L->se[g], L->lo[g], L->hi[g]};
        const double vals[3] = {e->se, e->ci_low, e->ci_high};
        for (size_t k = 0; k < 3; k++) {
            if (mz_symbol_withheld(sym))
                put_str(x, ws, r, cols[k], mz_symbol_str(sym), x->f.sym);
            else
                put_num(x, ws, r, cols[k], mz_round1(vals[k]), x->f.plain1);
        }
    }
    if (!gap) {
        if (mz_symbol_withheld(sym))
            put_str(x, ws, r, L->n[g], mz_symbol_str(sym), x->f.sym);
        else if (e->p.n >= 0)
            put_num(x, ws, r, L->n[g], (double)e->p.n, x->f.count);
        else
            put_str(x, ws, r, L->n[g], ".", x->f.sym);
    }
}

static void write_region_row(xw_t *x, lxw_worksheet *ws, lxw_row_t r, const layout_t *L,
                             mz_indicator_t ind, const mz_region_t *reg)
{
    const bool region = reg->level == MZ_LEVEL_REGION;
    put_str(x, ws, r, 0, level_label(reg), region ? NULL : x->f.bold);
    put_str(x, ws, r, 1, reg->code, region ? NULL : x->f.bold);
    put_str(x, ws, r, 2, reg->name, region ? x->f.indent : x->f.bold);
    char *members = members_text(x, reg);
    if (members)
        put_str(x, ws, r, 3, members, NULL);
    free(members);
    for (int g = 0; g < MZ_NG; g++)
        if (L->used[g])
            write_estimate(x, ws, r, L, (mz_group_t)g,
                           mz_results_find(x->res, ind, reg->level, reg->code, (mz_group_t)g));
}

/* Rows of planning regions, collected for the conditional format of the gap column. */
typedef struct rowlist {
    lxw_row_t *rows;
    size_t n, cap;
} rowlist_t;

static void rowlist_add(xw_t *x, rowlist_t *l, lxw_row_t r)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 64;
        lxw_row_t *nr = realloc(l->rows, nc * sizeof *nr);
        if (!nr) {
            nomem(x);
            return;
        }
        l->rows = nr;
        l->cap = nc;
    }
    l->rows[l->n++] = r;
}

/* Highlight cells of column col in the listed rows whose number is >= the flag threshold. */
static void add_flag_format(xw_t *x, lxw_worksheet *ws, lxw_col_t col, const rowlist_t *rows)
{
    if (rows->n == 0)
        return;
    mz_str_t range = {0};
    char a[32], b[32], thr[40], formula[128];
    size_t first_end = 0; /* last row of the first contiguous run: the primary range */
    for (size_t i = 0; i < rows->n;) {
        size_t j = i;
        while (j + 1 < rows->n && rows->rows[j + 1] == rows->rows[j] + 1)
            j++;
        lxw_rowcol_to_cell(a, rows->rows[i], col);
        lxw_rowcol_to_cell(b, rows->rows[j], col);
        bool ok = (i == 0 || mz_str_append(&range, " ")) &&
                  (i == j ? mz_str_append(&range, a) : mz_str_appendf(&range, "%s:%s", a, b));
        if (!ok) {
            mz_str_free(&range);
            nomem(x);
            return;
        }
        if (i == 0)
            first_end = j;
        i = j + 1;
    }
    char *multi = mz_str_take(&range);
    if (!multi) {
        nomem(x);
        return;
    }
    mz_format_number(x->rules->gap_flag, thr, sizeof thr);
    lxw_rowcol_to_cell(a, rows->rows[0], col);
    snprintf(formula, sizeof formula, "=AND(ISNUMBER(%s),%s>=%s)", a, a, thr);
    lxw_conditional_format cf;
    memset(&cf, 0, sizeof cf);
    cf.type = LXW_CONDITIONAL_TYPE_FORMULA;
    cf.value_string = formula;
    cf.format = x->f.flag;
    cf.multi_range = multi;
    lx(x, worksheet_conditional_format_range(ws, rows->rows[0], col, rows->rows[first_end], col,
                                             &cf));
    free(multi);
}

/* Symbol legend below a table; returns the next free row. */
static lxw_row_t write_footnotes(xw_t *x, lxw_worksheet *ws, lxw_row_t row, bool se, bool flag)
{
    char a[32], b[32], buf[512];
    text_num(x->rules->min_count, 0, a, sizeof a);
    text_num(x->rules->limited_below, 0, b, sizeof b);
    snprintf(buf, sizeof buf,
             mz_tr("/ = Zahlenwert nicht sicher genug (hochgerechnet unter %s); ( ) = Aussagewert "
                   "eingeschränkt (unter %s); . = Zahlenwert unbekannt oder geheim zu halten; "
                   "– = nichts vorhanden; x = Tabellenfach gesperrt",
                   "/ = value not reliable enough (weighted count below %s); ( ) = limited "
                   "reliability (below %s); . = value unknown or secret; – = nil; x = not "
                   "applicable"),
             a, b);
    put_str(x, ws, row++, 0, buf, x->f.note);
    if (se) {
        char ci[64];
        snprintf(buf, sizeof buf,
                 mz_tr("KI = %s; Fälle = ungewichtete Fallzahl des Nenners",
                       "CI = %s; cases = unweighted cases of the denominator"),
                 ci_name(x->run, ci, sizeof ci));
        put_str(x, ws, row++, 0, buf, x->f.note);
    } else {
        put_str(x, ws, row++, 0,
                mz_tr("Fälle = ungewichtete Fallzahl des Nenners",
                      "cases = unweighted cases of the denominator"),
                x->f.note);
    }
    if (flag) {
        text_num(x->rules->gap_flag, 1, a, sizeof a);
        snprintf(buf, sizeof buf,
                 mz_tr("Hervorgehoben: Regionen, deren Differenz (gerundet) %s Prozentpunkte oder "
                       "mehr beträgt – Handlungsbedarf",
                       "Highlighted: regions whose gap (rounded) is %s percentage points or more "
                       "– action needed"),
                 a);
        put_str(x, ws, row++, 0, buf, x->f.note);
    }
    put_str(x, ws, row++, 0, source_text(x->run, buf, sizeof buf), x->f.note);
    return row;
}

static int png_fig_matches(const map_png_t *m, const fig_sheet_t *fs)
{
    return m->fig && (m->fig == fs->figs[0] || m->fig == fs->figs[1]);
}

/* Insert a map below `*row` at column col; advances *row past it. */
static void insert_map(xw_t *x, lxw_worksheet *ws, lxw_row_t *row, lxw_col_t col,
                       const map_png_t *m)
{
    const double max_width = 620.0;
    double scale = m->width > max_width ? max_width / m->width : 1.0;
    lxw_image_options opt;
    memset(&opt, 0, sizeof opt);
    opt.x_scale = scale;
    opt.y_scale = scale;
    opt.description = m->name;
    put_str(x, ws, *row, col, m->name, x->f.note);
    lx(x, worksheet_insert_image_opt(ws, *row + 1, col, m->path, &opt));
    *row += (lxw_row_t)(m->height * scale / 20.0) + 3;
}

static void write_fig_sheet(xw_t *x, lxw_worksheet *ws, const fig_sheet_t *fs)
{
    const mz_indicator_t ind0 = fs->inds[0];
    const bool groups = mz_indicator_has_groups(ind0);
    const bool flag = ind0 == MZ_IND_UNEMPLOYMENT_RATE;
    char title[256], sub[256], band[64];
    layout_t L;
    layout_init(&L, groups, have_se(x->res, fs->inds, fs->ninds));

    if (fs->figs[1])
        snprintf(title, sizeof title, mz_tr("Abb. %d und %d: %s %d", "Fig. %d and %d: %s %d"),
                 fs->figs[0], fs->figs[1], mz_indicator_title(ind0), mz_run_year(x->run));
    else if (fs->ninds > 1)
        snprintf(title, sizeof title, mz_tr("Abb. %d: %s %d", "Fig. %d: %s %d"), fs->figs[0],
                 mz_tr("Anteil der Erwerbstätigen mit Migrationshintergrund nach "
                       "Wirtschaftsbereichen",
                       "Share of the employed with migration background by sector"),
                 mz_run_year(x->run));
    else
        snprintf(title, sizeof title, mz_tr("Abb. %d: %s %d", "Fig. %d: %s %d"), fs->figs[0],
                 mz_indicator_title(ind0), mz_run_year(x->run));
    if (mz_indicator_uses_band(ind0)) {
        band_text(x->run, band, sizeof band);
        snprintf(sub, sizeof sub,
                 mz_tr("Altersgruppe %s; in %%, Differenz in Prozentpunkten",
                       "Age band %s; in %%, gap in percentage points"),
                 band);
    } else if (ind0 == MZ_IND_MIGRATION_SHARE) {
        snprintf(sub, sizeof sub, "%s",
                 mz_tr("Bevölkerung aller Altersgruppen; in %", "Population of all ages; in %"));
    } else if (groups) {
        snprintf(sub, sizeof sub, "%s",
                 mz_tr("Erwerbstätige aller Altersgruppen; in %, Differenz in Prozentpunkten",
                       "Employed persons of all ages; in %, gap in percentage points"));
    } else {
        snprintf(sub, sizeof sub, "%s",
                 mz_tr("Erwerbstätige aller Altersgruppen nach Wirtschaftsbereichen; in %",
                       "Employed persons of all ages by sector; in %"));
    }
    sheet_setup(x, ws, title, sub);

    lxw_row_t head = 3;
    lxw_row_t row = write_table_head(x, ws, head, &L, ind0);
    worksheet_freeze_panes(ws, row, 3);
    lx(x, worksheet_repeat_rows(ws, head, head + 1));
    rowlist_t flagrows = {0};

    for (size_t k = 0; k < fs->ninds && !failed(x); k++) {
        const mz_indicator_t ind = fs->inds[k];
        if (fs->ninds > 1) {
            merge_str(x, ws, row, 0, row, L.last, mz_indicator_title(ind), x->f.block);
            row++;
        }
        write_region_row(x, ws, row++, &L, ind, mz_results_land(x->res));
        const mz_partition_t *part = mz_results_partition(x->res, ind);
        bool *done = calloc(part->count ? part->count : 1, sizeof *done);
        if (!done) {
            nomem(x);
            break;
        }
        for (size_t s = 0; s < mz_results_strata_count(x->res); s++) {
            const mz_region_t *st = mz_results_stratum(x->res, s);
            write_region_row(x, ws, row++, &L, ind, st);
            for (size_t r = 0; r < part->count; r++) {
                if (done[r] || part->regions[r].stratum != st->stratum)
                    continue;
                done[r] = true;
                if (flag)
                    rowlist_add(x, &flagrows, row);
                write_region_row(x, ws, row++, &L, ind, &part->regions[r]);
            }
        }
        for (size_t r = 0; r < part->count; r++) {
            if (done[r])
                continue;
            if (flag)
                rowlist_add(x, &flagrows, row);
            write_region_row(x, ws, row++, &L, ind, &part->regions[r]);
        }
        free(done);
    }
    if (flag)
        add_flag_format(x, ws, L.val[MZ_G_GAP], &flagrows);
    free(flagrows.rows);
    write_footnotes(x, ws, row + 1, L.has_se, flag);

    set_cols(x, ws, 0, 0, 20);
    set_cols(x, ws, 1, 1, 14);
    set_cols(x, ws, 2, 2, 30);
    set_cols(x, ws, 3, 3, 30);
    set_cols(x, ws, 4, L.last, groups ? 10 : 18);
    for (int g = 0; g < MZ_NG; g++)
        if (L.used[g] && g != MZ_G_GAP)
            set_cols(x, ws, L.n[g], L.n[g], 8);

    lxw_row_t mrow = head;
    for (size_t i = 0; i < x->nmaps; i++)
        if (png_fig_matches(&x->maps[i], fs))
            insert_map(x, ws, &mrow, (lxw_col_t)(L.last + 2), &x->maps[i]);
}

/* ---------------------------------------------------------------------------------------------
 * Handlungsbedarf */

static int cmp_gap_desc(const void *a, const void *b)
{
    const mz_estimate_t *ea = *(const mz_estimate_t *const *)a;
    const mz_estimate_t *eb = *(const mz_estimate_t *const *)b;
    double ga = mz_round1(ea->p.estimate), gb = mz_round1(eb->p.estimate);
    if (ga != gb)
        return ga > gb ? -1 : 1;
    return strcmp(ea->region->code, eb->region->code);
}

/* Rows of one list of gap estimates; returns the next free row. */
static lxw_row_t write_action_rows(xw_t *x, lxw_worksheet *ws, lxw_row_t row,
                                   const mz_estimate_t **list, size_t n, bool se,
                                   rowlist_t *flagrows)
{
    const mz_networks_t *nw = mz_run_networks(x->run);
    for (size_t i = 0; i < n && !failed(x); i++, row++) {
        const mz_estimate_t *e = list[i];
        const mz_region_t *reg = e->region;
        lxw_col_t c = 0;
        put_str(x, ws, row, c++, reg->code, NULL);
        put_str(x, ws, row, c++, reg->name, NULL);
        char *members = members_text(x, reg);
        put_str(x, ws, row, c++, members, NULL);
        free(members);
        put_str(x, ws, row, c++,
                reg->stratum >= 0 ? mz_gazetteer_stratum_name(x->gz, (size_t)reg->stratum) : "",
                NULL);
        if (flagrows)
            rowlist_add(x, flagrows, row);
        put_value(x, ws, row, c++, e->p.estimate, e->p.symbol, x->f.gap, x->f.gap_br);
        if (se) {
            put_num(x, ws, row, c++, mz_round1(e->se), x->f.plain1);
            put_num(x, ws, row, c++, mz_round1(e->ci_low), x->f.plain1);
            put_num(x, ws, row, c++, mz_round1(e->ci_high), x->f.plain1);
        }
        put_str(x, ws, row, c++,
                certainty_label(mz_estimate_certainty(e, x->rules),
                                isfinite(e->ci_low) && isfinite(e->ci_high)),
                NULL);
        for (size_t k = 0; k < 2; k++) {
            const mz_estimate_t *r = mz_results_find(x->res, e->ind, reg->level, reg->code,
                                                     k == 0 ? MZ_G_WITH : MZ_G_WITHOUT);
            if (r)
                put_value(x, ws, row, c, r->p.estimate, r->p.symbol, x->f.rate, x->f.rate_br);
            else
                put_str(x, ws, row, c, "x", x->f.sym);
            c++;
        }
        mz_network_join_t nj;
        if (mz_networks_join(nw, reg->members, &nj, x->err) != MZ_OK) {
            if (x->st == MZ_OK)
                x->st = x->err ? x->err->status : MZ_ERR_NOMEM;
            break;
        }
        char *fields = code_list_labels(nj.fields);
        if (!fields)
            nomem(x);
        put_num(x, ws, row, c++, (double)nj.count, x->f.intg);
        put_str(x, ws, row, c++, network_status_label(nj.status), NULL);
        put_str(x, ws, row, c++, nj.names, x->f.wrap);
        put_str(x, ws, row, c++, fields, x->f.wrap);
        free(fields);
        mz_network_join_finish(&nj);
    }
    return row;
}

static lxw_row_t write_action_head(xw_t *x, lxw_worksheet *ws, lxw_row_t row, bool se)
{
    const char *cols[16];
    size_t n = 0;
    cols[n++] = mz_tr("Schlüssel", "Code");
    cols[n++] = mz_tr("Region", "Region");
    cols[n++] = mz_tr("Mitglieder (zusammengelegte Kreise)", "Members (merged Kreise)");
    cols[n++] = mz_tr("Anpassungsschicht", "Stratum");
    cols[n++] = mz_tr("Differenz der Erwerbslosenquoten (%-Punkte)",
                      "Gap of the unemployment rates (pp)");
    if (se) {
        cols[n++] = mz_tr("Standardfehler", "Standard error");
        cols[n++] = mz_tr("KI unten", "CI low");
        cols[n++] = mz_tr("KI oben", "CI high");
    }
    cols[n++] = mz_tr("Sicherheit", "Certainty");
    cols[n++] = mz_tr("Erwerbslosenquote mit MH (%)", "Unemployment rate with MB (%)");
    cols[n++] = mz_tr("Erwerbslosenquote ohne MH (%)", "Unemployment rate without MB (%)");
    cols[n++] = mz_tr("Netzwerke 2010 (Anzahl)", "Networks 2010 (count)");
    cols[n++] = mz_tr("Netzwerkstatus 2010", "Network status 2010");
    cols[n++] = mz_tr("Netzwerke", "Networks");
    cols[n++] = mz_tr("Handlungsfelder der Netzwerke", "Fields of the networks");
    for (size_t i = 0; i < n; i++)
        put_str(x, ws, row, (lxw_col_t)i, cols[i], i < 4 ? x->f.head_left : x->f.head);
    lx(x, worksheet_set_row(ws, row, 45, NULL));
    return row + 1;
}

static void write_action_sheet(xw_t *x, lxw_worksheet *ws)
{
    const mz_indicator_t ind = MZ_IND_UNEMPLOYMENT_RATE;
    const bool se = have_se(x->res, &ind, 1);
    const size_t total = mz_results_count(x->res);
    const mz_estimate_t **flagged = calloc(total ? total : 1, sizeof *flagged);
    const mz_estimate_t **possible = calloc(total ? total : 1, sizeof *possible);
    size_t nf = 0, np = 0;
    char thr[32], title[256], sub[512], band[64];
    if (!flagged || !possible) {
        nomem(x);
        goto cleanup;
    }
    for (size_t i = 0; i < total; i++) {
        const mz_estimate_t *e = mz_results_at(x->res, i);
        if (mz_estimate_needs_action(e, x->rules))
            flagged[nf++] = e;
        else if (e->ind == ind && e->group == MZ_G_GAP && e->region->level == MZ_LEVEL_REGION &&
                 mz_estimate_certainty(e, x->rules) == MZ_CERT_POSSIBLE)
            possible[np++] = e;
    }
    qsort(flagged, nf, sizeof *flagged, cmp_gap_desc);
    qsort(possible, np, sizeof *possible, cmp_gap_desc);

    text_num(x->rules->gap_flag, 1, thr, sizeof thr);
    band_text(x->run, band, sizeof band);
    snprintf(title, sizeof title,
             mz_tr("Regionen mit Handlungsbedarf %d", "Regions that need action %d"),
             mz_run_year(x->run));
    snprintf(sub, sizeof sub,
             mz_tr("Erwerbslosenquote (%s) der Menschen mit Migrationshintergrund %s "
                   "Prozentpunkte oder mehr über der der Menschen ohne Migrationshintergrund "
                   "(gerundete Differenz)",
                   "Unemployment rate (%s) of people with migration background %s percentage "
                   "points or more above that of people without (rounded gap)"),
             band, thr);
    sheet_setup(x, ws, title, sub);
    lxw_row_t head = 3;
    lxw_row_t row = write_action_head(x, ws, head, se);
    worksheet_freeze_panes(ws, row, 2);
    lx(x, worksheet_repeat_rows(ws, head, head));
    rowlist_t flagrows = {0};
    if (nf == 0) {
        snprintf(sub, sizeof sub,
                 mz_tr("Keine Region erreicht die Schwelle von %s Prozentpunkten.",
                       "No region reaches the threshold of %s percentage points."),
                 thr);
        put_str(x, ws, row++, 0, sub, x->f.bold);
    } else {
        row = write_action_rows(x, ws, row, flagged, nf, se, &flagrows);
        add_flag_format(x, ws, 4, &flagrows);
    }
    lxw_col_t last = (lxw_col_t)(se ? 14 : 11);
    if (nf > 0)
        lx(x, worksheet_autofilter(ws, head, 0, row - 1, last));
    if (np > 0 && !failed(x)) {
        row++;
        char ci[64];
        snprintf(sub, sizeof sub,
                 mz_tr("Möglicher Handlungsbedarf: Differenz unter %s, aber die Schwelle liegt "
                       "im %s",
                       "Possible need for action: gap below %s, but the threshold lies within "
                       "the %s"),
                 thr, ci_name(x->run, ci, sizeof ci));
        put_str(x, ws, row++, 0, sub, x->f.subtitle);
        row = write_action_head(x, ws, row, se);
        row = write_action_rows(x, ws, row, possible, np, se, NULL);
    }
    row++;
    put_str(x, ws, row++, 0,
            mz_tr("Sicherheit: sicher = untere Grenze des Konfidenzintervalls über der "
                  "Schwelle; wahrscheinlich = Schätzwert über der Schwelle, untere Grenze "
                  "darunter; möglich = Schätzwert unter der Schwelle, obere Grenze darüber",
                  "Certainty: certain = lower confidence bound above the threshold; probable = "
                  "estimate above the threshold, lower bound below; possible = estimate below "
                  "the threshold, upper bound above"),
            x->f.note);
    put_str(x, ws, row++, 0,
            mz_tr("Netzwerke: Bestand laut Anhang 2 des ies-Berichts (Stand 03/2010), ohne das "
                  "überregionale Netzwerk",
                  "Networks: inventory of annex 2 of the ies report (as of 03/2010), without "
                  "the supra-regional network"),
            x->f.note);
    write_footnotes(x, ws, row, se, nf > 0);
    set_cols(x, ws, 0, 0, 14);
    set_cols(x, ws, 1, 1, 28);
    set_cols(x, ws, 2, 2, 30);
    set_cols(x, ws, 3, 3, 22);
    set_cols(x, ws, 4, (lxw_col_t)(last - 4), 12);
    set_cols(x, ws, (lxw_col_t)(last - 3), (lxw_col_t)(last - 3), 10);
    set_cols(x, ws, (lxw_col_t)(last - 2), (lxw_col_t)(last - 2), 18);
    set_cols(x, ws, (lxw_col_t)(last - 1), last, 45);
    free(flagrows.rows);
cleanup:
    free(flagged);
    free(possible);
}

/* ---------------------------------------------------------------------------------------------
 * Regionen, Netzwerke */

static void write_regions_sheet(xw_t *x, lxw_worksheet *ws)
{
    const char *cols[] = {mz_tr("Indikator", "Indicator"),
                          mz_tr("Kennung", "Id"),
                          mz_tr("Schlüssel", "Code"),
                          mz_tr("Region", "Region"),
                          mz_tr("Mitglieder (Schlüssel)", "Members (codes)"),
                          mz_tr("Mitglieder", "Members"),
                          mz_tr("Anpassungsschicht", "Stratum"),
                          mz_tr("zusammengelegt", "merged"),
                          mz_tr("Grund der Zusammenlegung", "Why merged")};
    const lxw_col_t ncols = (lxw_col_t)(sizeof cols / sizeof cols[0]);
    sheet_setup(x, ws, mz_tr("Regionen je Indikator", "Regions of each indicator"),
                mz_tr("Kreise, deren Werte die Veröffentlichungsregeln nicht erfüllen, sind mit "
                      "benachbarten Kreisen derselben Anpassungsschicht zusammengelegt",
                      "Kreise whose values fail the publication rules are merged with "
                      "neighbouring Kreise of the same stratum"));
    lxw_row_t head = 3, row = 4;
    for (lxw_col_t c = 0; c < ncols; c++)
        put_str(x, ws, head, c, cols[c], x->f.head_left);
    for (int i = 0; i < MZ_NIND && !failed(x); i++) {
        const mz_partition_t *p = mz_results_partition(x->res, (mz_indicator_t)i);
        for (size_t r = 0; r < p->count; r++, row++) {
            const mz_region_t *reg = &p->regions[r];
            char *members = members_text(x, reg);
            put_str(x, ws, row, 0, mz_indicator_title((mz_indicator_t)i), NULL);
            put_str(x, ws, row, 1, mz_indicator_id((mz_indicator_t)i), NULL);
            put_str(x, ws, row, 2, reg->code, NULL);
            put_str(x, ws, row, 3, reg->name, NULL);
            put_str(x, ws, row, 4, reg->members, NULL);
            put_str(x, ws, row, 5, members, NULL);
            put_str(x, ws, row, 6,
                    reg->stratum >= 0 ? mz_gazetteer_stratum_name(x->gz, (size_t)reg->stratum)
                                      : "",
                    NULL);
            put_str(x, ws, row, 7, reg->nunits > 1 ? mz_tr("ja", "yes") : mz_tr("nein", "no"),
                    NULL);
            put_str(x, ws, row, 8, reg->why, NULL);
            free(members);
        }
    }
    if (row > head + 1)
        lx(x, worksheet_autofilter(ws, head, 0, row - 1, (lxw_col_t)(ncols - 1)));
    worksheet_freeze_panes(ws, head + 1, 0);
    lx(x, worksheet_repeat_rows(ws, head, head));
    set_cols(x, ws, 0, 0, 40);
    set_cols(x, ws, 1, 1, 24);
    set_cols(x, ws, 2, 2, 16);
    set_cols(x, ws, 3, 3, 28);
    set_cols(x, ws, 4, 5, 30);
    set_cols(x, ws, 6, 6, 22);
    set_cols(x, ws, 7, 7, 12);
    set_cols(x, ws, 8, 8, 50);
}

static void write_networks_sheet(xw_t *x, lxw_worksheet *ws)
{
    const mz_networks_t *nw = mz_run_networks(x->run);
    const char *cols[] = {mz_tr("Kennung", "Id"),
                          mz_tr("Name", "Name"),
                          mz_tr("Sitz", "Seat"),
                          mz_tr("Kreis (Schlüssel)", "Kreis (code)"),
                          mz_tr("Kreis", "Kreis"),
                          mz_tr("Handlungsfelder", "Fields"),
                          mz_tr("Akteurstypen", "Actor types"),
                          mz_tr("Reichweite", "Scope")};
    const lxw_col_t ncols = (lxw_col_t)(sizeof cols / sizeof cols[0]);
    sheet_setup(x, ws,
                mz_tr("Netzwerke zur Arbeitsmarktintegration von Migrantinnen und Migranten in "
                      "Niedersachsen 2010",
                      "Networks for the labour-market integration of migrants in Lower Saxony "
                      "2010"),
                mz_tr("Bestand laut Anhang 2 des ies-Berichts (Stand der Recherche 03/2010)",
                      "Inventory of annex 2 of the ies report (research as of 03/2010)"));
    lxw_row_t head = 3, row = 4;
    for (lxw_col_t c = 0; c < ncols; c++)
        put_str(x, ws, head, c, cols[c], x->f.head_left);
    for (size_t i = 0; i < mz_networks_count(nw) && !failed(x); i++, row++) {
        const mz_network_t *n = mz_networks_get(nw, i);
        int u = n->kreis_ags && *n->kreis_ags ? mz_gazetteer_find(x->gz, n->kreis_ags) : -1;
        char *fields = code_list_labels(n->fields);
        char *actors = code_list_labels(n->actor_types);
        if (!fields || !actors)
            nomem(x);
        put_str(x, ws, row, 0, n->id, NULL);
        put_str(x, ws, row, 1, n->name, x->f.wrap);
        put_str(x, ws, row, 2, n->seat_city, NULL);
        put_str(x, ws, row, 3, n->kreis_ags, NULL);
        put_str(x, ws, row, 4, u >= 0 ? mz_gazetteer_unit(x->gz, (size_t)u)->name : "", NULL);
        put_str(x, ws, row, 5, fields, x->f.wrap);
        put_str(x, ws, row, 6, actors, x->f.wrap);
        put_str(x, ws, row, 7, code_label(n->scope ? n->scope : ""), NULL);
        free(fields);
        free(actors);
    }
    if (row > head + 1)
        lx(x, worksheet_autofilter(ws, head, 0, row - 1, (lxw_col_t)(ncols - 1)));
    put_str(x, ws, row + 1, 0,
            mz_tr("Quelle: ies Hannover, Projektbericht April 2010, Anhang 2; Personenangaben "
                  "weggelassen",
                  "Source: ies Hannover, project report April 2010, annex 2; personal details "
                  "omitted"),
            x->f.note);
    worksheet_freeze_panes(ws, head + 1, 1);
    lx(x, worksheet_repeat_rows(ws, head, head));
    set_cols(x, ws, 0, 0, 30);
    set_cols(x, ws, 1, 1, 36);
    set_cols(x, ws, 2, 2, 18);
    set_cols(x, ws, 3, 3, 12);
    set_cols(x, ws, 4, 4, 28);
    set_cols(x, ws, 5, 6, 45);
    set_cols(x, ws, 7, 7, 14);
}

/* ---------------------------------------------------------------------------------------------
 * Methodik */

static void method_row(xw_t *x, lxw_worksheet *ws, lxw_row_t *row, const char *term,
                       const char *text)
{
    put_str(x, ws, *row, 0, term, x->f.bold_wrap);
    put_str(x, ws, *row, 1, text, x->f.wrap);
    (*row)++;
}

static void variance_text(const mz_run_t *run, char *buf, size_t size)
{
    const mz_variance_info_t *vi = mz_run_variance_info(run);
    const mz_variance_options_t *vo = &mz_run_options(run)->variance;
    char ci[64], deff[32];
    ci_name(run, ci, sizeof ci);
    switch (vi->method) {
    case MZ_VAR_DESIGN:
        snprintf(buf, size,
                 mz_tr("Standardfehler designbasiert: Taylor-Linearisierung der Quotienten über "
                       "die Auswahlbezirke (psu) innerhalb der Auswahlschichten (stratum), "
                       "%zu Auswahlbezirke in %zu Schichten (%zu mit nur einem Auswahlbezirk: "
                       "%s). %s: Methode %s; Differenzen immer normal.",
                       "Design-based standard errors: Taylor linearisation of the ratios over "
                       "the sampling units (psu) within the sampling strata (stratum), %zu "
                       "sampling units in %zu strata (%zu with a single unit: %s). %s: method "
                       "%s; gaps always normal."),
                 vi->psus, vi->design_strata, vi->lonely_strata, mz_lonely_psu_id(vo->lonely_psu),
                 ci, mz_ci_method_id(vo->ci_method));
        break;
    case MZ_VAR_KISH:
        text_num(vo->deff, 2, deff, sizeof deff);
        snprintf(buf, size,
                 mz_tr("Standardfehler genähert über den effektiven Stichprobenumfang nach Kish "
                       "(Designeffekt %s), weil die Eingabe kein Stichprobendesign (psu, "
                       "stratum) enthält; sie sind Näherungen. %s: Methode %s; Differenzen immer "
                       "normal.",
                       "Standard errors approximated from Kish's effective sample size (design "
                       "effect %s) because the input has no sample design (psu, stratum); they "
                       "are approximations. %s: method %s; gaps always normal."),
                 deff, ci, mz_ci_method_id(vo->ci_method));
        break;
    default:
        snprintf(buf, size, "%s",
                 mz_tr("Keine Standardfehler: die Eingabe erlaubt keine Varianzschätzung (z. B. "
                       "Tabellen ohne Einzeldaten).",
                       "No standard errors: the input allows no variance estimation (e.g. "
                       "tables without records)."));
        break;
    }
}

static void write_method_sheet(xw_t *x, lxw_worksheet *ws)
{
    const mz_run_options_t *o = mz_run_options(x->run);
    char band[64], a[32], b[32], c[32], buf[1024];
    lxw_row_t row = 3;
    band_text(x->run, band, sizeof band);
    sheet_setup(x, ws, mz_tr("Methodik", "Method"),
                mz_tr("Begriffe und Regeln, nach denen die Werte dieser Arbeitsmappe berechnet "
                      "sind",
                      "Definitions and rules by which the values of this workbook were computed"));
    put_str(x, ws, row, 0, mz_tr("Begriff", "Term"), x->f.head_left);
    put_str(x, ws, row, 1, mz_tr("Erläuterung", "Explanation"), x->f.head_left);
    row++;
    method_row(x, ws, &row, mz_tr("Migrationshintergrund", "Migration background"),
               mz_tr("Deutsche mit Migrationshintergrund und Ausländerinnen und Ausländer "
                     "(Mikrozensus-Konzept); alle übrigen Personen gelten als Menschen ohne "
                     "Migrationshintergrund.",
                     "Germans with migration background and foreign nationals (Mikrozensus "
                     "concept); everyone else counts as without migration background."));
    method_row(x, ws, &row, mz_tr("Hochrechnung", "Weighting"),
               mz_tr("Alle Zahlen sind mit dem Hochrechnungsfaktor der Datensätze gewichtet "
                     "(Personen); Fälle sind ungewichtete Datensätze.",
                     "Every number is weighted with the records' weighting factor (persons); "
                     "cases are unweighted records."));
    method_row(x, ws, &row, mz_indicator_title(MZ_IND_MIGRATION_SHARE),
               mz_tr("Abb. 5: Personen mit Migrationshintergrund / alle Personen, alle "
                     "Altersgruppen, in %.",
                     "Fig. 5: persons with migration background / all persons, all ages, in %."));
    snprintf(buf, sizeof buf, "%s",
             mz_tr("Abb. 6: Erwerbstätige mit Migrationshintergrund im Wirtschaftsbereich / alle "
                   "Erwerbstätigen im Wirtschaftsbereich, alle Altersgruppen; Bereiche: Land- "
                   "und Forstwirtschaft, Fischerei (WZ A); Produzierendes Gewerbe (B–F); Handel, "
                   "Gastgewerbe, Verkehr (G–I); sonstige Dienstleistungen (J–U).",
                   "Fig. 6: employed with migration background in the sector / all employed in "
                   "the sector, all ages; sectors: agriculture, forestry, fishing (WZ A); "
                   "production (B–F); trade, hospitality, transport (G–I); other services "
                   "(J–U)."));
    method_row(x, ws, &row, mz_tr("Anteile nach Wirtschaftsbereichen", "Sector shares"), buf);
    snprintf(buf, sizeof buf,
             mz_tr("Abb. 7: Erwerbstätige / Bevölkerung, Altersgruppe %s, in %%.",
                   "Fig. 7: employed / population, age band %s, in %%."),
             band);
    method_row(x, ws, &row, mz_indicator_title(MZ_IND_EMPLOYMENT_RATE), buf);
    method_row(x, ws, &row, mz_indicator_title(MZ_IND_SELF_EMPLOYMENT_SHARE),
               mz_tr("Abb. 8: Selbständige (ohne mithelfende Familienangehörige) / "
                     "Erwerbstätige, alle Altersgruppen, in %.",
                     "Fig. 8: self-employed (without contributing family workers) / employed, "
                     "all ages, in %."));
    snprintf(buf, sizeof buf,
             mz_tr("Abb. 9 und 10: Erwerbslose / (Erwerbstätige + Erwerbslose), Altersgruppe %s, "
                   "in %% (Konzept der Internationalen Arbeitsorganisation, ILO).",
                   "Fig. 9 and 10: unemployed / (employed + unemployed), age band %s, in %% "
                   "(International Labour Organization concept)."),
             band);
    method_row(x, ws, &row, mz_indicator_title(MZ_IND_UNEMPLOYMENT_RATE), buf);
    method_row(x, ws, &row, mz_tr("Differenz", "Gap"),
               mz_tr("Wert der Menschen mit minus Wert der Menschen ohne Migrationshintergrund, "
                     "in Prozentpunkten.",
                     "Value of people with minus value of people without migration background, "
                     "in percentage points."));
    snprintf(buf, sizeof buf,
             mz_tr("Erwerbstätigen- und Erwerbslosenquote: %s (Bericht 2010: 18 bis 64 Jahre); "
                   "die übrigen Indikatoren beziehen alle Altersgruppen ein.",
                   "Employment and unemployment rate: %s (2010 report: ages 18 to 64); the "
                   "other indicators include all ages."),
             band);
    method_row(x, ws, &row, mz_tr("Altersgruppe", "Age band"), buf);
    text_num(x->rules->min_count, 0, a, sizeof a);
    text_num(x->rules->limited_below, 0, b, sizeof b);
    snprintf(buf, sizeof buf,
             mz_tr("Hochgerechnete Zahl unter %s: kein Zahlenwert (/); von %s bis unter %s: Wert "
                   "in Klammern, Aussagewert eingeschränkt. Quotenregel %s. Eine Differenz "
                   "erhält das schlechtere Zeichen ihrer beiden Quoten.",
                   "Weighted count below %s: no value (/); from %s to below %s: value in "
                   "brackets, limited reliability. Rate rule %s. A gap takes the worse symbol of "
                   "its two rates."),
             a, a, b, rate_rule_text(x->rules->rate_rule));
    method_row(x, ws, &row, mz_tr("Veröffentlichungsregeln", "Publication rules"), buf);
    snprintf(buf, sizeof buf,
             mz_tr("Werte, die auf weniger als %lld ungewichteten Fällen beruhen, sind geheim (.); "
                   "mit ihnen entfallen Standardfehler, Konfidenzintervall und Fallzahl.",
                   "Values resting on fewer than %lld unweighted cases are secret (.); their "
                   "standard error, confidence interval and case count are left out too."),
             (long long)x->rules->min_cases);
    method_row(x, ws, &row, mz_tr("Geheimhaltung", "Secrecy"), buf);
    method_row(x, ws, &row, mz_tr("Zusammenlegung von Kreisen", "Merging of Kreise"),
               o->merge
                   ? mz_tr("Ein Kreis, dessen Werte die Regeln nicht erfüllen, wird mit "
                           "benachbarten Kreisen derselben Anpassungsschicht zusammengelegt, bis "
                           "die Region die Regeln erfüllt; je Indikator möglichst viele Regionen. "
                           "Zusammengelegte Regionen heißen nach ihren Mitgliedern "
                           "(„Friesland/Wittmund“), ihr Schlüssel verbindet die Kreisschlüssel "
                           "mit „+“. Gründe: Blatt Regionen.",
                           "A Kreis whose values fail the rules is merged with neighbouring Kreise "
                           "of the same stratum until the region passes; per indicator as many "
                           "regions as possible. Merged regions are named by their members "
                           "(\"Friesland/Wittmund\"), their code joins the Kreis codes with "
                           "\"+\". Reasons: sheet Regions.")
                   : mz_tr("Keine Zusammenlegung: jeder Kreis steht für sich.",
                           "No merging: every Kreis stands on its own."));
    text_num(x->rules->gap_flag, 1, c, sizeof c);
    snprintf(buf, sizeof buf,
             mz_tr("Eine Region hat Handlungsbedarf, wenn die auf eine Stelle gerundete Differenz "
                   "der Erwerbslosenquoten %s Prozentpunkte oder mehr beträgt und veröffentlicht "
                   "ist. Sicherheit: sicher (untere Grenze des Konfidenzintervalls ≥ %s), "
                   "wahrscheinlich (Schätzwert ≥ %s > untere Grenze), möglich (nicht markiert, "
                   "obere Grenze ≥ %s).",
                   "A region needs action when the gap of the unemployment rates, rounded to one "
                   "decimal, is %s percentage points or more and published. Certainty: certain "
                   "(lower confidence bound ≥ %s), probable (estimate ≥ %s > lower bound), "
                   "possible (not flagged, upper bound ≥ %s)."),
             c, c, c, c);
    method_row(x, ws, &row, mz_tr("Handlungsbedarf", "Action needed"), buf);
    variance_text(x->run, buf, sizeof buf);
    method_row(x, ws, &row, mz_tr("Varianzschätzung", "Variance estimation"), buf);
    method_row(x, ws, &row, mz_tr("Rundung", "Rounding"),
               mz_tr("Werte sind auf eine Nachkommastelle gerundet gespeichert (kaufmännisch, "
                     "halbe Stellen von null weg); die ungerundeten Werte stehen in "
                     "indicators.csv.",
                     "Values are stored rounded to one decimal (halves away from zero); the "
                     "unrounded values are in indicators.csv."));
    method_row(x, ws, &row, mz_tr("Grundlage", "Basis"),
               mz_tr("ies Hannover: Arbeitsmarktintegration von Menschen mit "
                     "Migrationshintergrund in Niedersachsen, Projektbericht April 2010, "
                     "Kapitel 2 (Mikrozensus 2007).",
                     "ies Hannover: labour-market integration of people with migration "
                     "background in Lower Saxony, project report April 2010, chapter 2 "
                     "(Mikrozensus 2007)."));
    worksheet_freeze_panes(ws, 4, 0);
    set_cols(x, ws, 0, 0, 34);
    set_cols(x, ws, 1, 1, 110);
}

/* ---------------------------------------------------------------------------------------------
 * Maps sheet, cover */

static void write_maps_sheet(xw_t *x, lxw_worksheet *ws)
{
    sheet_setup(x, ws, mz_tr("Karten", "Maps"), NULL);
    lxw_row_t row = 2;
    for (size_t i = 0; i < x->nmaps; i++) {
        bool elsewhere = false;
        for (size_t k = 0; k < NFIGSHEETS; k++)
            elsewhere = elsewhere || png_fig_matches(&x->maps[i], &fig_sheets[k]);
        if (!elsewhere)
            insert_map(x, ws, &row, 0, &x->maps[i]);
    }
}

static void write_cover(xw_t *x, lxw_worksheet *ws)
{
    const mz_run_options_t *o = mz_run_options(x->run);
    char buf[1024], band[64], a[32];
    lxw_row_t row = 3;
    snprintf(buf, sizeof buf,
             mz_tr("Regionale Kennzahlen aus dem Mikrozensus %d", "Regional figures from the "
                   "Mikrozensus %d"),
             mz_run_year(x->run));
    sheet_setup(x, ws,
                mz_tr("Menschen mit Migrationshintergrund auf dem Arbeitsmarkt in Niedersachsen",
                      "People with migration background on the labour market of Lower Saxony"),
                buf);
    if (mz_run_synthetic(x->run))
        put_str(x, ws, 2, 0,
                mz_tr("SYNTHETISCHE DATEN – künstliche Stichprobe, keine amtlichen Ergebnisse",
                      "SYNTHETIC DATA – artificial sample, not official results"),
                x->f.warn);

    put_str(x, ws, row++, 0, mz_tr("Berichtsjahr", "Survey year"), x->f.bold);
    put_num(x, ws, row - 1, 1, mz_run_year(x->run), x->f.intg);
    put_str(x, ws, row, 0, mz_tr("Datenquelle", "Data source"), x->f.bold);
    put_str(x, ws, row++, 1,
            mz_run_synthetic(x->run)
                ? mz_tr("synthetische Stichprobe (künstliche Datensätze, z. B. aus mzatlas "
                        "synth) – keine amtlichen Daten",
                        "synthetic sample (artificial records, e.g. from mzatlas synth) – not "
                        "official data")
                : mz_tr("Mikrozensus, Einzeldaten oder Tabellen (Eingabedateien unten)",
                        "Mikrozensus, records or tables (input files below)"),
            NULL);
    for (size_t i = 0; i < mz_run_input_count(x->run); i++, row++) {
        const mz_input_info_t *in = mz_run_input(x->run, i);
        const char *base = strrchr(in->path, '/');
        put_str(x, ws, row, 0, i == 0 ? mz_tr("Eingabedateien", "Input files") : "", NULL);
        put_str(x, ws, row, 1, base ? base + 1 : in->path, NULL);
        put_num(x, ws, row, 2, (double)in->records, x->f.count);
        snprintf(buf, sizeof buf, "SHA-256 %s", in->sha256);
        put_str(x, ws, row, 3, buf, x->f.mono);
    }

    row++;
    put_str(x, ws, row++, 0, mz_tr("Regeln dieses Laufs", "Rules of this run"), x->f.subtitle);
    put_str(x, ws, row, 0, mz_tr("Mindestzahl (hochgerechnet)", "Minimum weighted count"), NULL);
    put_num(x, ws, row, 1, x->rules->min_count, x->f.count);
    put_str(x, ws, row++, 3, mz_tr("darunter kein Zahlenwert: /", "below: no value: /"), NULL);
    put_str(x, ws, row, 0, mz_tr("Aussagewert eingeschränkt unter", "Limited reliability below"),
            NULL);
    put_num(x, ws, row, 1, x->rules->limited_below, x->f.count);
    put_str(x, ws, row++, 3,
            mz_tr("darunter Wert in Klammern: ( )", "below: value in brackets: ( )"), NULL);
    put_str(x, ws, row, 0, mz_tr("Quotenregel", "Rate rule"), NULL);
    put_str(x, ws, row, 1, x->rules->rate_rule == MZ_RATE_BASE ? "base" : "both", NULL);
    put_str(x, ws, row++, 3, rate_rule_text(x->rules->rate_rule), NULL);
    put_str(x, ws, row, 0, mz_tr("Mindestfallzahl (Geheimhaltung)", "Minimum cases (secrecy)"),
            NULL);
    put_num(x, ws, row, 1, (double)x->rules->min_cases, x->f.intg);
    put_str(x, ws, row++, 3,
            mz_tr("weniger ungewichtete Fälle: geheim: .", "fewer unweighted cases: secret: ."),
            NULL);
    put_str(x, ws, row, 0, mz_tr("Schwelle Handlungsbedarf", "Action threshold"), NULL);
    put_num(x, ws, row, 1, x->rules->gap_flag, x->f.plain1);
    put_str(x, ws, row++, 3,
            mz_tr("Prozentpunkte Differenz der Erwerbslosenquoten (gerundet)",
                  "percentage points gap of the unemployment rates (rounded)"),
            NULL);
    band_text(x->run, band, sizeof band);
    put_str(x, ws, row, 0, mz_tr("Altersgruppe", "Age band"), NULL);
    put_str(x, ws, row, 1, band, NULL);
    put_str(x, ws, row++, 3,
            mz_tr("für Erwerbstätigen- und Erwerbslosenquote",
                  "for the employment and unemployment rate"),
            NULL);
    put_str(x, ws, row, 0, mz_tr("Zusammenlegung von Kreisen", "Merging of Kreise"), NULL);
    put_str(x, ws, row++, 1, o->merge ? mz_tr("ja", "yes") : mz_tr("nein", "no"), NULL);

    row++;
    put_str(x, ws, row++, 0, mz_tr("Zeichenerklärung", "Symbols"), x->f.subtitle);
    static const struct {
        const char *sym, *de, *en;
    } legend[] = {
        {"/", "Zahlenwert nicht sicher genug (hochgerechnet unter der Mindestzahl)",
         "value not reliable enough (weighted count below the minimum)"},
        {"( )", "Aussagewert eingeschränkt, da der Zahlenwert statistisch relativ unsicher ist",
         "limited reliability: the value is statistically relatively uncertain"},
        {".", "Zahlenwert unbekannt oder geheim zu halten", "value unknown or secret"},
        {"–", "nichts vorhanden (genau null)", "nil (exactly zero)"},
        {"x", "Tabellenfach gesperrt, weil Aussage nicht sinnvoll",
         "not applicable"},
    };
    for (size_t i = 0; i < sizeof legend / sizeof legend[0]; i++, row++) {
        put_str(x, ws, row, 0, legend[i].sym, x->f.bold);
        put_str(x, ws, row, 1, mz_tr(legend[i].de, legend[i].en), NULL);
    }
    put_num(x, ws, row, 0, mz_round1(x->rules->gap_flag), x->f.flag_sample);
    text_num(x->rules->gap_flag, 1, a, sizeof a);
    snprintf(buf, sizeof buf,
             mz_tr("hervorgehoben: Region mit Handlungsbedarf – Differenz der Erwerbslosenquoten "
                   "(mit minus ohne Migrationshintergrund, gerundet) %s Prozentpunkte oder mehr",
                   "highlighted: region that needs action – gap of the unemployment rates (with "
                   "minus without migration background, rounded) %s percentage points or more"),
             a);
    put_str(x, ws, row++, 1, buf, NULL);

    row++;
    put_str(x, ws, row++, 0, mz_tr("Inhalt", "Contents"), x->f.subtitle);
    for (int sh = SH_COVER + 1; sh < SH_N; sh++) {
        if (!x->present[sh])
            continue;
        char url[128];
        snprintf(url, sizeof url, "internal:'%s'!A1", sheet_name(sh));
        lx(x, worksheet_write_url_opt(ws, row, 0, url, x->f.link, sheet_name(sh), NULL));
        put_str(x, ws, row++, 1, sheet_description(sh), NULL);
    }
    row++;
    snprintf(buf, sizeof buf,
             mz_tr("Erstellt mit mzatlas %s; ungerundete Werte: indicators.csv",
                   "Made with mzatlas %s; unrounded values: indicators.csv"),
             MZ_VERSION);
    put_str(x, ws, row, 0, buf, x->f.note);
    set_cols(x, ws, 0, 0, 36);
    set_cols(x, ws, 1, 1, 58);
    set_cols(x, ws, 2, 2, 12);
    set_cols(x, ws, 3, 3, 80);
    worksheet_activate(ws);
}

/* ---------------------------------------------------------------------------------------------
 * Maps directory */

static int cmp_map(const void *a, const void *b)
{
    return strcmp(((const map_png_t *)a)->name, ((const map_png_t *)b)->name);
}

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* Size of a PNG as Excel shows it: pixels scaled to 96 dpi by its pHYs chunk, as libxlsxwriter
 * does. False if the file is not a PNG. */
static bool png_size(const char *path, uint32_t *w, uint32_t *h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char b[24];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(b, 1, sizeof b, f);
    if (n != sizeof b || memcmp(b, sig, 8) != 0 || memcmp(b + 12, "IHDR", 4) != 0) {
        fclose(f);
        return false;
    }
    double width = be32(b + 16), height = be32(b + 20);
    /* the chunks before the image data: look for pHYs (pixels per metre) */
    if (fseek(f, 8 + 8 + (long)be32(b + 8) + 4, SEEK_SET) == 0) {
        unsigned char ch[8], phys[9];
        for (int k = 0; k < 64 && fread(ch, 1, 8, f) == 8; k++) {
            uint32_t len = be32(ch);
            if (memcmp(ch + 4, "IDAT", 4) == 0 || len > (1u << 24))
                break;
            if (memcmp(ch + 4, "pHYs", 4) == 0 && len == 9 && fread(phys, 1, 9, f) == 9) {
                if (phys[8] == 1) {
                    double xdpi = be32(phys) * 0.0254, ydpi = be32(phys + 4) * 0.0254;
                    if (xdpi >= 1 && ydpi >= 1) {
                        width *= 96.0 / xdpi;
                        height *= 96.0 / ydpi;
                    }
                }
                break;
            }
            if (fseek(f, (long)len + 4, SEEK_CUR) != 0)
                break;
        }
    }
    fclose(f);
    if (!(width >= 1 && height >= 1 && width <= 100000 && height <= 100000))
        return false;
    *w = (uint32_t)width;
    *h = (uint32_t)height;
    return true;
}

static void free_maps(xw_t *x)
{
    for (size_t i = 0; i < x->nmaps; i++) {
        free(x->maps[i].path);
        free(x->maps[i].name);
    }
    free(x->maps);
    x->maps = NULL;
    x->nmaps = 0;
}

/* Collect the PNGs of maps/ beside the workbook, sorted by name; absent directory: none. */
static void scan_maps(xw_t *x, const char *xlsx_path)
{
    const char *slash = strrchr(xlsx_path, '/');
    mz_str_t dir = {0};
    bool ok = slash ? mz_str_appendf(&dir, "%.*s/maps", (int)(slash - xlsx_path), xlsx_path)
                    : mz_str_append(&dir, "maps");
    char *d = ok ? mz_str_take(&dir) : NULL;
    if (!d) {
        mz_str_free(&dir);
        nomem(x);
        return;
    }
    DIR *dh = opendir(d);
    if (!dh) {
        free(d);
        return;
    }
    size_t cap = 0;
    struct dirent *de;
    while ((de = readdir(dh)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 4, ".png") != 0 || de->d_name[0] == '.')
            continue;
        map_png_t m = {0};
        mz_str_t p = {0};
        if (!mz_str_appendf(&p, "%s/%s", d, de->d_name)) {
            mz_str_free(&p);
            nomem(x);
            break;
        }
        m.path = mz_str_take(&p);
        m.name = mz_strdup(de->d_name);
        if (!m.path || !m.name) {
            free(m.path);
            free(m.name);
            nomem(x);
            break;
        }
        if (!png_size(m.path, &m.width, &m.height)) {
            free(m.path);
            free(m.name);
            continue;
        }
        if (strncmp(m.name, "abb", 3) == 0 && m.name[3] >= '0' && m.name[3] <= '9')
            m.fig = (int)strtol(m.name + 3, NULL, 10);
        if (x->nmaps == cap) {
            size_t nc = cap ? 2 * cap : 16;
            map_png_t *nm = realloc(x->maps, nc * sizeof *nm);
            if (!nm) {
                free(m.path);
                free(m.name);
                nomem(x);
                break;
            }
            x->maps = nm;
            cap = nc;
        }
        x->maps[x->nmaps++] = m;
    }
    closedir(dh);
    free(d);
    if (x->nmaps > 1)
        qsort(x->maps, x->nmaps, sizeof *x->maps, cmp_map);
}

/* ---------------------------------------------------------------------------------------------
 * Formats, document properties, the whole workbook */

static lxw_format *new_format(xw_t *x)
{
    lxw_format *f = workbook_add_format(x->wb);
    if (!f)
        nomem(x);
    return f;
}

static bool make_formats(xw_t *x)
{
    lxw_format **all[] = {&x->f.title,  &x->f.subtitle, &x->f.warn,   &x->f.head,
                          &x->f.head_left, &x->f.wrap,  &x->f.bold,   &x->f.bold_wrap,
                          &x->f.indent, &x->f.note,     &x->f.block,  &x->f.rate,
                          &x->f.rate_br, &x->f.gap,     &x->f.gap_br, &x->f.plain1,
                          &x->f.count,  &x->f.intg,     &x->f.sym,    &x->f.link,
                          &x->f.flag,   &x->f.flag_sample, &x->f.mono};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if ((*all[i] = new_format(x)) == NULL)
            return false;
    format_set_bold(x->f.title);
    format_set_font_size(x->f.title, 14);
    format_set_bold(x->f.subtitle);
    format_set_bold(x->f.warn);
    format_set_font_color(x->f.warn, 0xC00000);
    lxw_format *heads[] = {x->f.head, x->f.head_left};
    for (size_t i = 0; i < 2; i++) {
        format_set_bold(heads[i]);
        format_set_text_wrap(heads[i]);
        format_set_bg_color(heads[i], 0xD9D9D9);
        format_set_border(heads[i], LXW_BORDER_THIN);
        format_set_align(heads[i], LXW_ALIGN_VERTICAL_CENTER);
    }
    format_set_align(x->f.head, LXW_ALIGN_CENTER);
    format_set_align(x->f.head_left, LXW_ALIGN_LEFT);
    format_set_text_wrap(x->f.wrap);
    format_set_align(x->f.wrap, LXW_ALIGN_VERTICAL_TOP);
    format_set_bold(x->f.bold);
    format_set_bold(x->f.bold_wrap);
    format_set_text_wrap(x->f.bold_wrap);
    format_set_align(x->f.bold_wrap, LXW_ALIGN_VERTICAL_TOP);
    format_set_indent(x->f.indent, 1);
    format_set_italic(x->f.note);
    format_set_font_size(x->f.note, 9);
    format_set_bold(x->f.block);
    format_set_bg_color(x->f.block, 0xF2F2F2);
    /* rates and shares: exactly zero shows "–" (nichts vorhanden) */
    format_set_num_format(x->f.rate, "0.0;-0.0;\"–\"");
    format_set_num_format(x->f.rate_br, "(0.0);(-0.0);\"(–)\"");
    format_set_num_format(x->f.gap, "0.0;-0.0;0.0");
    format_set_num_format(x->f.gap_br, "(0.0);(-0.0);(0.0)");
    format_set_num_format(x->f.plain1, "0.0;-0.0;0.0");
    format_set_num_format(x->f.count, "#,##0");
    format_set_num_format(x->f.intg, "0");
    format_set_align(x->f.intg, LXW_ALIGN_LEFT);
    format_set_align(x->f.sym, LXW_ALIGN_RIGHT);
    format_set_font_color(x->f.link, 0x0563C1);
    format_set_underline(x->f.link, LXW_UNDERLINE_SINGLE);
    lxw_format *flags[] = {x->f.flag, x->f.flag_sample};
    for (size_t i = 0; i < 2; i++) {
        format_set_bold(flags[i]);
        format_set_font_color(flags[i], 0x9C0006);
        format_set_bg_color(flags[i], 0xFFC7CE);
    }
    format_set_num_format(x->f.flag_sample, "0.0");
    format_set_align(x->f.flag_sample, LXW_ALIGN_LEFT);
    format_set_font_name(x->f.mono, "Courier New");
    format_set_font_size(x->f.mono, 9);
    return true;
}

/* Days since 1970-01-01 of 1 January of year y (proleptic Gregorian). */
static long days_to_year(int y)
{
    long d = 0;
    for (int k = 1970; k < y; k++)
        d += (k % 4 == 0 && (k % 100 != 0 || k % 400 == 0)) ? 366 : 365;
    for (int k = y; k < 1970; k++)
        d -= (k % 4 == 0 && (k % 100 != 0 || k % 400 == 0)) ? 366 : 365;
    return d;
}

static time_t creation_time(const mz_run_t *run)
{
    const char *env = getenv("SOURCE_DATE_EPOCH");
    long v;
    if (env && *env && mz_parse_long(env, &v) && v >= 0)
        return (time_t)v;
    return (time_t)(days_to_year(mz_run_year(run) + 1) * 86400L);
}

static mz_status_t lxw_status(lxw_error e)
{
    switch (e) {
    case LXW_ERROR_MEMORY_MALLOC_FAILED: return MZ_ERR_NOMEM;
    case LXW_ERROR_CREATING_XLSX_FILE:
    case LXW_ERROR_CREATING_TMPFILE:
    case LXW_ERROR_READING_TMPFILE:
    case LXW_ERROR_ZIP_FILE_OPERATION:
    case LXW_ERROR_ZIP_FILE_ADD:
    case LXW_ERROR_ZIP_CLOSE: return MZ_ERR_IO;
    default: return MZ_ERR_INTERNAL;
    }
}

mz_status_t mz_write_xlsx(mz_run_t *run, const char *path, mz_error_t *err)
{
    xw_t x;
    memset(&x, 0, sizeof x);
    x.run = run;
    x.err = err;
    x.res = mz_run_results(run);
    if (!x.res)
        return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL,
                            "mz_write_xlsx before mz_run_compute");
    x.rules = mz_results_rules(x.res);
    x.gz = mz_run_gazetteer(run);

    /* libxlsxwriter prints when it cannot create the file: find out first */
    FILE *probe = fopen(path, "wb");
    if (!probe)
        return mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                            mz_tr("kann nicht geschrieben werden", "cannot be written"));
    fclose(probe);

    char title[128], subject[256], comments[128];
    lxw_doc_properties props;
    memset(&props, 0, sizeof props);
    snprintf(title, sizeof title, "mzatlas – Mikrozensus %d", mz_run_year(run));
    snprintf(subject, sizeof subject, "%s",
             mz_tr("Menschen mit Migrationshintergrund auf dem Arbeitsmarkt in Niedersachsen",
                   "People with migration background on the labour market of Lower Saxony"));
    snprintf(comments, sizeof comments, "%s",
             mz_run_synthetic(run) ? mz_tr("SYNTHETISCHE DATEN", "SYNTHETIC DATA") : "");
    props.title = title;
    props.subject = subject;
    props.author = "mzatlas";
    props.comments = comments;
    props.created = creation_time(run);

    scan_maps(&x, path);
    x.wb = failed(&x) ? NULL : workbook_new(path);
    if (!x.wb) {
        nomem(&x);
        goto fail;
    }
    lx(&x, workbook_set_properties(x.wb, &props));
    if (!make_formats(&x))
        goto fail;

    for (int sh = 0; sh < SH_N; sh++)
        x.present[sh] = true;
    x.present[SH_MAPS] = false;
    for (size_t i = 0; i < x.nmaps; i++) {
        bool placed = false;
        for (size_t k = 0; k < NFIGSHEETS; k++)
            placed = placed || png_fig_matches(&x.maps[i], &fig_sheets[k]);
        if (!placed)
            x.present[SH_MAPS] = true;
    }
    lxw_worksheet *ws[SH_N] = {0};
    for (int sh = 0; sh < SH_N; sh++) {
        if (!x.present[sh])
            continue;
        ws[sh] = workbook_add_worksheet(x.wb, sheet_name(sh));
        if (!ws[sh]) {
            lx(&x, LXW_ERROR_PARAMETER_VALIDATION);
            goto fail;
        }
    }
    write_cover(&x, ws[SH_COVER]);
    for (size_t k = 0; k < NFIGSHEETS && !failed(&x); k++)
        write_fig_sheet(&x, ws[fig_sheets[k].sheet], &fig_sheets[k]);
    if (!failed(&x))
        write_action_sheet(&x, ws[SH_ACTION]);
    if (!failed(&x))
        write_regions_sheet(&x, ws[SH_REGIONS]);
    if (!failed(&x))
        write_networks_sheet(&x, ws[SH_NETWORKS]);
    if (!failed(&x))
        write_method_sheet(&x, ws[SH_METHOD]);
    if (!failed(&x) && x.present[SH_MAPS])
        write_maps_sheet(&x, ws[SH_MAPS]);
    if (failed(&x))
        goto fail;

    /* libxlsxwriter formats the document dates with gmtime(), which is not thread-safe:
     * batch runs write several workbooks at once */
    pthread_mutex_lock(&close_lock);
    lxw_error e = workbook_close(x.wb);
    pthread_mutex_unlock(&close_lock);
    x.wb = NULL;
    free_maps(&x);
    if (e != LXW_NO_ERROR) {
        remove(path);
        return mz_error_set(err, lxw_status(e), path, 0, NULL, NULL, "%s: %s",
                            mz_tr("Excel-Arbeitsmappe kann nicht geschrieben werden",
                                  "cannot write the Excel workbook"),
                            lxw_strerror(e));
    }
    return MZ_OK;

fail:
    if (x.wb)
        lxw_workbook_free(x.wb);
    free_maps(&x);
    remove(path);
    if (x.st != MZ_OK)
        return x.st;
    return mz_error_set(err, lxw_status(x.lerr), path, 0, NULL, NULL, "%s: %s",
                        mz_tr("Excel-Arbeitsmappe kann nicht geschrieben werden",
                              "cannot write the Excel workbook"),
                        lxw_strerror(x.lerr));
}
