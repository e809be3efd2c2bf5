/* bars.c — the bar charts: Abb. 6 (share of employed people with a migration background in
 * each economic sector, by adjustment stratum; one panel per sector) and Abb. 7 (employment
 * rate with and without a migration background by stratum, Land values as reference lines).
 * Withheld values get no bar and a "/" instead of a number. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"

#define NAMES_X (10 * MZ_MM)

typedef struct bar_row {
    const mz_region_t *region;
    bool land;
} bar_row_t;

typedef struct bar_val {
    bool shown;       /* published */
    bool limited;
    char mark;        /* when not shown: '/' withheld, '.' secret, '-' no data */
    double v;
} bar_val_t;

static bar_val_t bar_value(const mz_results_t *res, mz_indicator_t ind, const mz_region_t *r,
                           mz_group_t g)
{
    bar_val_t b = {false, false, '-', NAN};
    const mz_estimate_t *e = mz_results_find(res, ind, r->level, r->code, g);
    if (e && e->p.known && mz_symbol_withheld(e->p.symbol)) {
        b.mark = e->p.symbol == MZ_SYM_SECRET ? '.' : '/';
        return b;
    }
    if (!e || !e->p.known || !isfinite(e->p.estimate))
        return b;
    b.shown = true;
    b.limited = e->p.symbol == MZ_SYM_LIMITED;
    b.v = e->p.estimate;
    return b;
}

static void value_text(bar_val_t b, char *buf, size_t size)
{
    if (!b.shown) {
        snprintf(buf, size, "%s", b.mark == '-' ? "\xe2\x80\x93" : b.mark == '.' ? "." : "/");
        return;
    }
    char v[32];
    mz_fmt_value(b.v, v, sizeof v);
    if (b.limited)
        snprintf(buf, size, "(%s)", v);
    else
        snprintf(buf, size, "%s", v);
}

static size_t collect_rows(const mz_results_t *res, bar_row_t *rows, size_t max)
{
    size_t n = 0;
    rows[n++] = (bar_row_t){mz_results_land(res), true};
    for (size_t s = 0; s < mz_results_strata_count(res) && n < max; s++)
        rows[n++] = (bar_row_t){mz_results_stratum(res, s), false};
    return n;
}

static double tick_step(double max)
{
    return max <= 20 ? 5 : max <= 50 ? 10 : 20;
}

/* Axis end: the next multiple of the tick step at or above v. */
static double nice_max(double v)
{
    double st = tick_step(v);
    return fmax(st, ceil(v / st - 1e-9) * st);
}

static void draw_grid(mz_canvas_t *cv, double x0, double w, double y0, double y1, double max)
{
    cairo_t *cr = cv->cr;
    double st = tick_step(max);
    for (double t = 0; t <= max + 1e-9; t += st) {
        double x = x0 + w * t / max;
        cairo_move_to(cr, x, y0);
        cairo_line_to(cr, x, y1);
        mz_set_rgb(cr, t == 0 ? mz_rgb_hex(0x7a7a7a) : mz_rgb_hex(0xdddddd));
        cairo_set_line_width(cr, t == 0 ? 0.6 : 0.4);
        cairo_stroke(cr);
        char lab[32];
        mz_fmt_break(t, lab, sizeof lab);
        mz_text(cv, lab, MZ_FONT_SMALL, x, y1 + 2, 0, MZ_HALIGN_LEFT, 0.5, 0,
                mz_rgb_hex(MZ_COL_TEXT_GREY));
    }
}

static void draw_bar(mz_canvas_t *cv, double x0, double w, double max, double y, double h,
                     bar_val_t b, mz_rgb_t col)
{
    cairo_t *cr = cv->cr;
    char txt[48];
    value_text(b, txt, sizeof txt);
    mz_rgb_t ink = mz_rgb_hex(MZ_COL_TEXT);
    if (!b.shown) {
        mz_text(cv, txt, MZ_FONT_AXIS, x0 + 3, y + h / 2, 0, MZ_HALIGN_LEFT, 0, 0.5,
                mz_rgb_hex(MZ_COL_TEXT_GREY));
        return;
    }
    double len = w * fmax(0, fmin(b.v, max)) / max;
    cairo_rectangle(cr, x0, y, len, h);
    if (b.limited) {
        /* limited reliability: lighter fill with the bar's outline */
        mz_rgb_t pale[3], ends[2] = {col, mz_rgb_hex(0xffffff)};
        mz_palette_ramp(ends, 2, 3, pale);
        mz_set_rgb(cr, pale[1]);
        cairo_fill_preserve(cr);
        mz_set_rgb(cr, col);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
    } else {
        mz_set_rgb(cr, col);
        cairo_fill(cr);
    }
    PangoLayout *l = mz_text_layout(cv, txt, MZ_FONT_AXIS, 0, MZ_HALIGN_LEFT);
    double tw, th;
    mz_text_size(l, &tw, &th);
    mz_rgb_t halo = mz_rgb_hex(0xffffff);
    mz_text_draw(cv, l, x0 + len + 2.5, y + h / 2 - th / 2, ink, &halo);
    g_object_unref(l);
}

static void draw_ref_line(mz_canvas_t *cv, double x, double y0, double y1, mz_rgb_t col)
{
    cairo_t *cr = cv->cr;
    double dash[] = {3.0, 2.0};
    cairo_move_to(cr, x, y0);
    cairo_line_to(cr, x, y1);
    mz_set_rgb(cr, col);
    cairo_set_line_width(cr, 0.9);
    cairo_set_dash(cr, dash, 2, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
}

static double chart_footer(mz_charts_t *ch, mz_canvas_t *cv)
{
    char src[512], note[512], a[32], b[32];
    const mz_rules_t *rules = mz_results_rules(ch->in.results);
    mz_fmt_count(rules->min_count, a, sizeof a);
    mz_fmt_count(rules->limited_below, b, sizeof b);
    snprintf(note, sizeof note,
             mz_tr("/ Zahlenwert nicht sicher genug (hochgerechnet unter %s Personen); "
                   "( ) Aussagewert eingeschränkt (%s bis unter %s), heller Balken.",
                   "/ not reliable enough (under %s persons, weighted); ( ) limited "
                   "reliability (%s to under %s), lighter bar."),
             a, a, b);
    mz_source_line(ch, false, src, sizeof src);
    const char *lines[3] = {note, src, NULL};
    bool bold[3] = {false, false, true};
    size_t n = 2;
    if (ch->in.synthetic)
        lines[n++] = mz_tr("SYNTHETISCHE DATEN – Demonstration, keine Ergebnisse des Mikrozensus",
                           "SYNTHETIC DATA – demonstration only, not Mikrozensus results");
    return mz_draw_footer(cv, lines, bold, n);
}

static void row_name(mz_canvas_t *cv, const bar_row_t *r, double y, double w)
{
    mz_text(cv, r->region->name, r->land ? MZ_FONT_AXIS_BOLD : MZ_FONT_AXIS, NAMES_X + w, y, w,
            MZ_HALIGN_RIGHT, 1, 0.5, mz_rgb_hex(MZ_COL_TEXT));
}

static const char *sector_name(size_t i)
{
    switch (i) {
    case 0: return mz_tr("Land- und Forstwirtschaft, Fischerei", "Agriculture, forestry, fishing");
    case 1: return mz_tr("Produzierendes Gewerbe", "Production");
    case 2: return mz_tr("Handel, Gastgewerbe, Verkehr", "Trade, hospitality, transport");
    default: return mz_tr("Sonstige Dienstleistungen", "Other services");
    }
}

/* Abb. 6: one panel per sector, rows = Land and strata. */
static void draw_sectors(mz_charts_t *ch, mz_canvas_t *cv, double top, double bottom)
{
    static const mz_indicator_t inds[4] = {MZ_IND_SECTOR_AGRICULTURE, MZ_IND_SECTOR_PRODUCTION,
                                           MZ_IND_SECTOR_TRADE, MZ_IND_SECTOR_SERVICES};
    const mz_results_t *res = ch->in.results;
    bar_row_t rows[64];
    size_t nr = collect_rows(res, rows, 64);
    double max = 0;
    for (size_t p = 0; p < 4; p++)
        for (size_t r = 0; r < nr; r++) {
            bar_val_t b = bar_value(res, inds[p], rows[r].region, MZ_G_ALL);
            if (b.shown)
                max = fmax(max, b.v);
        }
    max = nice_max(fmax(max * 1.12, 10));
    const double names_w = 40 * MZ_MM, gap = 5 * MZ_MM;
    double px0 = NAMES_X + names_w + 3 * MZ_MM;
    double pw = (MZ_PAGE_W - 10 * MZ_MM - px0 - 3 * gap) / 4;
    double head_h = 22, y0 = top + head_h, y1 = bottom - 12;
    double rh = (y1 - y0) / (double)nr;
    mz_rgb_t col[2];
    mz_rgb_t blues[5];
    mz_palette(MZ_PAL_SEQ_BLUE, 5, blues);
    col[0] = blues[3];               /* strata */
    col[1] = mz_rgb_hex(0x4d4d4d);   /* Land */
    for (size_t r = 0; r < nr; r++)
        row_name(cv, &rows[r], y0 + rh * ((double)r + 0.5), names_w);
    /* a rule below the Land row */
    cairo_move_to(cv->cr, NAMES_X, y0 + rh);
    cairo_line_to(cv->cr, MZ_PAGE_W - 10 * MZ_MM, y0 + rh);
    mz_set_rgb(cv->cr, mz_rgb_hex(0xb0b0b0));
    cairo_set_line_width(cv->cr, 0.4);
    cairo_stroke(cv->cr);
    for (size_t p = 0; p < 4; p++) {
        double x0 = px0 + (double)p * (pw + gap);
        mz_text(cv, sector_name(p), MZ_FONT_AXIS_BOLD, x0, top + head_h - 4, pw,
                MZ_HALIGN_LEFT, 0, 1, mz_rgb_hex(MZ_COL_TEXT));
        draw_grid(cv, x0, pw * 0.82, y0, y1, max);
        for (size_t r = 0; r < nr; r++) {
            bar_val_t b = bar_value(res, inds[p], rows[r].region, MZ_G_ALL);
            double y = y0 + rh * (double)r + rh * 0.2;
            draw_bar(cv, x0, pw * 0.82, max, y, rh * 0.6, b, rows[r].land ? col[1] : col[0]);
        }
        bar_val_t land = bar_value(res, inds[p], rows[0].region, MZ_G_ALL);
        if (land.shown)
            draw_ref_line(cv, x0 + pw * 0.82 * fmin(land.v, max) / max, y0 + rh, y1,
                          mz_rgb_hex(0x4d4d4d));
    }
    char lab[256];
    snprintf(lab, sizeof lab, "%s",
             mz_tr("Prozent; gestrichelt: Niedersachsen", "percent; dashed: Niedersachsen"));
    mz_text(cv, lab, MZ_FONT_SMALL, MZ_PAGE_W - 10 * MZ_MM, y1 + 11, 0, MZ_HALIGN_LEFT, 1, 0,
            mz_rgb_hex(MZ_COL_TEXT_GREY));
}

/* Abb. 7: with and without MH per row, Land values as reference lines. */
static void draw_employment(mz_charts_t *ch, mz_canvas_t *cv, double top, double bottom)
{
    const mz_results_t *res = ch->in.results;
    const mz_indicator_t ind = MZ_IND_EMPLOYMENT_RATE;
    bar_row_t rows[64];
    size_t nr = collect_rows(res, rows, 64);
    mz_rgb_t blues[5];
    mz_palette(MZ_PAL_SEQ_BLUE, 5, blues);
    const mz_group_t groups[2] = {MZ_G_WITH, MZ_G_WITHOUT};
    mz_rgb_t col[2] = {blues[3], blues[1]};
    const char *gname[2] = {mz_tr("mit Migrationshintergrund", "with a migration background"),
                            mz_tr("ohne Migrationshintergrund", "without a migration background")};
    double max = 0;
    for (size_t r = 0; r < nr; r++)
        for (int g = 0; g < 2; g++) {
            bar_val_t b = bar_value(res, ind, rows[r].region, groups[g]);
            if (b.shown)
                max = fmax(max, b.v);
        }
    max = nice_max(fmax(max * 1.08, 10));
    const double names_w = 46 * MZ_MM;
    double x0 = NAMES_X + names_w + 3 * MZ_MM, w = MZ_PAGE_W - 10 * MZ_MM - x0 - 14 * MZ_MM;
    double key_h = 34, y0 = top + key_h, y1 = bottom - 12;
    double rh = (y1 - y0) / (double)nr;
    bar_val_t land[2];
    /* key */
    double kx = x0, ky = top + 2;
    for (int g = 0; g < 2; g++) {
        land[g] = bar_value(res, ind, rows[0].region, groups[g]);
        cairo_rectangle(cv->cr, kx, ky + 1, 14, 7);
        mz_set_rgb(cv->cr, col[g]);
        cairo_fill(cv->cr);
        double tw;
        mz_text_measure(cv, gname[g], MZ_FONT_LEGEND, &tw, NULL);
        mz_text(cv, gname[g], MZ_FONT_LEGEND, kx + 18, ky + 4.5, 0, MZ_HALIGN_LEFT, 0, 0.5,
                mz_rgb_hex(MZ_COL_TEXT));
        kx += 18 + tw + 16;
    }
    kx = x0;
    ky += 13;
    for (int g = 0; g < 2; g++) {
        char v[48], lab[256];
        value_text(land[g], v, sizeof v);
        snprintf(lab, sizeof lab, "%s %s: %s", mz_tr("Niedersachsen", "Niedersachsen"),
                 g == 0 ? mz_tr("mit MH", "with MB") : mz_tr("ohne MH", "without MB"), v);
        draw_ref_line(cv, kx, ky, ky + 9, mz_rgb_shade(col[g], -18));
        double tw;
        mz_text_measure(cv, lab, MZ_FONT_LEGEND, &tw, NULL);
        mz_text(cv, lab, MZ_FONT_LEGEND, kx + 5, ky + 4.5, 0, MZ_HALIGN_LEFT, 0, 0.5,
                mz_rgb_hex(MZ_COL_TEXT));
        kx += 5 + tw + 14;
    }
    draw_grid(cv, x0, w, y0, y1, max);
    for (size_t r = 0; r < nr; r++) {
        row_name(cv, &rows[r], y0 + rh * ((double)r + 0.5), names_w);
        double bh = rh * 0.34;
        for (int g = 0; g < 2; g++) {
            bar_val_t b = bar_value(res, ind, rows[r].region, groups[g]);
            double y = y0 + rh * (double)r + rh * 0.14 + (double)g * (bh + rh * 0.04);
            draw_bar(cv, x0, w, max, y, bh, b, col[g]);
        }
    }
    cairo_move_to(cv->cr, NAMES_X, y0 + rh);
    cairo_line_to(cv->cr, x0 + w, y0 + rh);
    mz_set_rgb(cv->cr, mz_rgb_hex(0xb0b0b0));
    cairo_set_line_width(cv->cr, 0.4);
    cairo_stroke(cv->cr);
    for (int g = 0; g < 2; g++)
        if (land[g].shown)
            draw_ref_line(cv, x0 + w * fmin(land[g].v, max) / max, y0 + rh, y1,
                          mz_rgb_shade(col[g], -18));
    mz_text(cv, mz_tr("Prozent", "percent"), MZ_FONT_SMALL, x0 + w, y1 + 11, 0, MZ_HALIGN_LEFT,
            1, 0, mz_rgb_hex(MZ_COL_TEXT_GREY));
}

mz_status_t mz_draw_bar_chart(mz_charts_t *ch, mz_canvas_t *cv, int fig, mz_error_t *err)
{
    char sub[512], band[64];
    if (fig == 6) {
        snprintf(sub, sizeof sub, "%s · %s · Mikrozensus %d · %s",
                 mz_tr("Anteil an den Erwerbstätigen des Wirtschaftsbereichs in Prozent",
                       "share of the employed in the sector, in percent"),
                 mz_tr("Anpassungsschichten", "adjustment strata"), ch->in.year,
                 mz_tr("Erwerbstätige aller Altersjahre", "employed people of all ages"));
    } else {
        mz_band_phrase(ch->in.band, band, sizeof band);
        snprintf(sub, sizeof sub, "%s · %s · Mikrozensus %d · %s",
                 mz_tr("Erwerbstätige je 100 Personen derselben Gruppe",
                       "employed per 100 people of the same group"),
                 mz_tr("Anpassungsschichten", "adjustment strata"), ch->in.year, band);
    }
    double top = mz_draw_header(cv, fig, sub);
    double bottom = chart_footer(ch, cv);
    if (fig == 6)
        draw_sectors(ch, cv, top, bottom);
    else
        draw_employment(ch, cv, top, bottom);
    (void)err;
    return MZ_OK;
}
