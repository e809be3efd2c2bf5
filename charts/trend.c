/* trend.c — the trend chart of a batch: small multiples of the unemployment-rate gap (with
 * minus without migration background) per region over the survey years, one panel per region
 * on its common footprint plus the Land, all on one scale, with the flag threshold as a dashed
 * line. Withheld values are not drawn ("/" at the foot of the panel), years whose data do not
 * cover the region get an "x". A dotted vertical line marks a change in the definition of the
 * migration background between two years. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "mzatlas/mz_batch.h"

#define FONT_PANEL "DejaVu Sans Condensed 5.8"
#define FONT_PANEL_BOLD "DejaVu Sans Condensed Bold 5.8"
#define FONT_TICK "DejaVu Sans Condensed 4.8"

#define COL_LINE 0x2a5b94
#define COL_FLAGGED 0xa52d1b
#define COL_THRESHOLD 0xdc6530
#define COL_GRID 0xe2e2e2
#define COL_ZERO 0x9a9a9a
#define COL_FRAME 0xc8c8c8

const char *mz_trend_chart_stem(void) { return "trend-erwerbslosenquote-differenz"; }

/* One panel: a series of the gap over the years. */
typedef struct panel {
    const char *name;
    const char *code;
    mz_level_t level;
} panel_t;

typedef struct scale {
    double lo, hi, step;
} scale_t;

typedef struct ctx {
    const mz_trend_t *t;
    mz_canvas_t *cv;
    scale_t ys;
    int y0, y1; /* first and last year */
} ctx_t;

static const mz_trend_row_t *gap_row(const mz_trend_t *t, const panel_t *p, size_t y)
{
    return mz_trend_find(t, mz_trend_year(t, y), MZ_IND_UNEMPLOYMENT_RATE, p->level, p->code,
                         MZ_G_GAP);
}

static bool shown(const mz_trend_row_t *r)
{
    return r && r->cmp != MZ_CMP_PARTIAL && !mz_symbol_withheld(r->symbol) &&
           isfinite(r->estimate);
}

static scale_t make_scale(const mz_trend_t *t, const panel_t *panels, size_t n)
{
    double lo = 0, hi = 0;
    for (size_t y = 0; y < mz_trend_year_count(t); y++)
        hi = fmax(hi, mz_trend_rules(t, y)->gap_flag + 2);
    for (size_t i = 0; i < n; i++)
        for (size_t y = 0; y < mz_trend_year_count(t); y++) {
            const mz_trend_row_t *r = gap_row(t, &panels[i], y);
            if (shown(r)) {
                lo = fmin(lo, r->estimate);
                hi = fmax(hi, r->estimate);
            }
        }
    static const double steps[] = {1, 2, 2.5, 5, 10, 20, 25, 50};
    scale_t s = {lo, hi, 50};
    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++)
        if ((ceil(hi / steps[k]) - floor(lo / steps[k])) <= 5) {
            s.step = steps[k];
            break;
        }
    s.lo = floor(lo / s.step) * s.step;
    s.hi = ceil(hi / s.step) * s.step;
    if (s.hi <= s.lo)
        s.hi = s.lo + s.step;
    return s;
}

static double xpos(const ctx_t *c, int year, double x0, double w)
{
    if (c->y1 == c->y0)
        return x0 + w / 2;
    return x0 + w * (double)(year - c->y0) / (double)(c->y1 - c->y0);
}

static double ypos(const ctx_t *c, double v, double y0, double h)
{
    return y0 + h * (c->ys.hi - v) / (c->ys.hi - c->ys.lo);
}

static void marker(cairo_t *cr, double x, double y, double r, bool square, bool hollow,
                   mz_rgb_t col)
{
    cairo_new_path(cr); /* text leaves a current point behind */
    if (square)
        cairo_rectangle(cr, x - r, y - r, 2 * r, 2 * r);
    else
        cairo_arc(cr, x, y, r, 0, 2 * M_PI);
    if (hollow) {
        mz_set_rgb(cr, mz_rgb_hex(0xffffff));
        cairo_fill_preserve(cr);
        mz_set_rgb(cr, col);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
    } else {
        mz_set_rgb(cr, col);
        cairo_fill(cr);
    }
}

static void dashed(cairo_t *cr, double x0, double y0, double x1, double y1, double on,
                   double off, mz_rgb_t col, double width)
{
    double d[2] = {on, off};
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    mz_set_rgb(cr, col);
    cairo_set_line_width(cr, width);
    cairo_set_dash(cr, d, 2, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
}

/* Whether the latest year with a published value needs action. */
static bool flagged_last(const mz_trend_t *t, const panel_t *p)
{
    for (size_t y = mz_trend_year_count(t); y-- > 0;) {
        const mz_trend_row_t *r = gap_row(t, p, y);
        if (shown(r))
            return p->level == MZ_LEVEL_REGION &&
                   mz_round1(r->estimate) >= mz_trend_rules(t, y)->gap_flag;
    }
    return false;
}

static void draw_panel(ctx_t *c, const panel_t *p, double x, double y, double w, double h,
                       bool left)
{
    mz_canvas_t *cv = c->cv;
    cairo_t *cr = cv->cr;
    const mz_trend_t *t = c->t;
    const size_t ny = mz_trend_year_count(t);
    mz_rgb_t ink = mz_rgb_hex(MZ_COL_TEXT), grey = mz_rgb_hex(MZ_COL_TEXT_GREY);
    bool flag = flagged_last(t, p);
    /* title, cut to the panel's width */
    PangoLayout *l = mz_text_layout(cv, p->name,
                                    flag || p->level == MZ_LEVEL_LAND ? FONT_PANEL_BOLD
                                                                      : FONT_PANEL,
                                    w, MZ_HALIGN_LEFT);
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    double th;
    mz_text_size(l, NULL, &th);
    mz_text_draw(cv, l, x, y, flag ? mz_rgb_hex(COL_FLAGGED) : ink, NULL);
    g_object_unref(l);
    /* plot box */
    const double pad = 3.0;
    double bx = x + pad, by = y + th + 1.5, bw = w - 2 * pad, bh = h - th - 1.5 - 7.0;
    if (bw <= 4 || bh <= 4)
        return;
    cairo_rectangle(cr, x, by, w, bh);
    mz_set_rgb(cr, mz_rgb_hex(COL_FRAME));
    cairo_set_line_width(cr, 0.4);
    cairo_stroke(cr);
    for (double v = c->ys.lo; v <= c->ys.hi + 1e-9; v += c->ys.step) {
        double yy = ypos(c, v, by, bh);
        cairo_move_to(cr, x, yy);
        cairo_line_to(cr, x + w, yy);
        mz_set_rgb(cr, mz_rgb_hex(fabs(v) < 1e-9 ? COL_ZERO : COL_GRID));
        cairo_set_line_width(cr, fabs(v) < 1e-9 ? 0.5 : 0.3);
        cairo_stroke(cr);
        if (left) {
            char lab[32];
            mz_fmt_break(v, lab, sizeof lab);
            mz_text(cv, lab, FONT_TICK, x - 1.5, yy, 0, MZ_HALIGN_RIGHT, 1, 0.5, grey);
        }
    }
    /* breaks in the definition of the migration background */
    for (size_t k = 1; k < ny; k++)
        if (mz_trend_mh(t, k) != mz_trend_mh(t, k - 1)) {
            double xb = (xpos(c, mz_trend_year(t, k - 1), bx, bw) +
                         xpos(c, mz_trend_year(t, k), bx, bw)) / 2;
            dashed(cr, xb, by, xb, by + bh, 0.8, 1.2, mz_rgb_hex(0x7a7a7a), 0.5);
        }
    /* the flag threshold of each year (a step line when it changes) */
    for (size_t k = 0; k < ny; k++) {
        double f = mz_trend_rules(t, k)->gap_flag;
        if (f < c->ys.lo || f > c->ys.hi)
            continue;
        double xa = k == 0 ? x : (xpos(c, mz_trend_year(t, k - 1), bx, bw) +
                                  xpos(c, mz_trend_year(t, k), bx, bw)) / 2;
        double xe = k + 1 == ny ? x + w
                                : (xpos(c, mz_trend_year(t, k), bx, bw) +
                                   xpos(c, mz_trend_year(t, k + 1), bx, bw)) / 2;
        double yy = ypos(c, f, by, bh);
        dashed(cr, xa, yy, xe, yy, 2.0, 1.2, mz_rgb_hex(COL_THRESHOLD), 0.7);
    }
    /* the series: lines between neighbouring published years, then the markers */
    for (size_t k = 1; k < ny; k++) {
        const mz_trend_row_t *a = gap_row(t, p, k - 1), *b = gap_row(t, p, k);
        if (!shown(a) || !shown(b))
            continue;
        cairo_move_to(cr, xpos(c, a->year, bx, bw), ypos(c, a->estimate, by, bh));
        cairo_line_to(cr, xpos(c, b->year, bx, bw), ypos(c, b->estimate, by, bh));
        mz_set_rgb(cr, mz_rgb_hex(COL_LINE));
        cairo_set_line_width(cr, 0.8);
        cairo_stroke(cr);
    }
    for (size_t k = 0; k < ny; k++) {
        const mz_trend_row_t *r = gap_row(t, p, k);
        double xx = xpos(c, mz_trend_year(t, k), bx, bw);
        if (shown(r)) {
            bool hi = p->level == MZ_LEVEL_REGION &&
                      mz_round1(r->estimate) >= mz_trend_rules(t, k)->gap_flag;
            marker(cr, xx, ypos(c, r->estimate, by, bh), 1.3, r->cmp == MZ_CMP_COMBINED,
                   r->symbol == MZ_SYM_LIMITED, mz_rgb_hex(hi ? COL_FLAGGED : COL_LINE));
        } else {
            const char *m = r && r->cmp != MZ_CMP_PARTIAL
                                ? (r->symbol == MZ_SYM_SECRET ? "." : "/")
                                : "x";
            mz_text(cv, m, FONT_TICK, xx, by + bh - 0.8, 0, MZ_HALIGN_LEFT, 0.5, 1, grey);
        }
    }
    /* first and last year under every panel */
    char a[16], b[16];
    snprintf(a, sizeof a, "%d", c->y0);
    snprintf(b, sizeof b, "%d", c->y1);
    mz_text(cv, a, FONT_TICK, c->y0 == c->y1 ? bx + bw / 2 : bx, by + bh + 0.8, 0,
            MZ_HALIGN_LEFT, c->y0 == c->y1 ? 0.5 : 0, 0, grey);
    if (c->y1 != c->y0)
        mz_text(cv, b, FONT_TICK, bx + bw, by + bh + 0.8, 0, MZ_HALIGN_LEFT, 1, 0, grey);
}

/* The legend line under the header; returns its height. */
static double draw_legend(ctx_t *c, double x, double y, double w, double flag)
{
    mz_canvas_t *cv = c->cv;
    cairo_t *cr = cv->cr;
    mz_rgb_t grey = mz_rgb_hex(MZ_COL_TEXT_GREY);
    const char *font = MZ_FONT_SMALL;
    double tw, th;
    char thr[96], f[32];
    mz_fmt_break(flag, f, sizeof f);
    snprintf(thr, sizeof thr, mz_tr("Schwelle Handlungsbedarf (%s Prozentpunkte)",
                                    "threshold for action (%s percentage points)"),
             f);
    struct {
        int kind; /* 0 dot, 1 hollow, 2 square, 3 flagged, 4 threshold, 5 break */
        const char *text;
    } items[] = {
        {0, mz_tr("veröffentlicht", "published")},
        {1, mz_tr("( ) Aussagewert eingeschränkt", "( ) limited reliability")},
        {2, mz_tr("zusammengefasst (gemeinsamer Gebietsstand)", "combined (common footprint)")},
        {3, mz_tr("Handlungsbedarf", "action needed")},
        {4, thr},
        {5, mz_tr("Definitionswechsel Migrationshintergrund", "change of definition")},
    };
    /* only what the chart shows: combined footprints and definition breaks may be absent */
    const mz_trend_t *t = c->t;
    bool combined = false, brk = false;
    for (size_t i = 0; i < mz_trend_count(t) && !combined; i++) {
        const mz_trend_row_t *r = mz_trend_row(t, i);
        combined = r->ind == MZ_IND_UNEMPLOYMENT_RATE && r->group == MZ_G_GAP &&
                   r->cmp == MZ_CMP_COMBINED;
    }
    for (size_t k = 1; k < mz_trend_year_count(t); k++)
        brk = brk || mz_trend_mh(t, k) != mz_trend_mh(t, k - 1);
    double xx = x, y0 = y;
    mz_text_measure(cv, "Xg", font, NULL, &th);
    double cy = y + th / 2;
    for (size_t i = 0; i < sizeof items / sizeof *items; i++) {
        if ((items[i].kind == 2 && !combined) || (items[i].kind == 5 && !brk))
            continue;
        mz_text_measure(cv, items[i].text, font, &tw, NULL);
        if (xx > x && xx + 7 + tw > x + w) { /* next line */
            xx = x;
            y += th + 1;
            cy = y + th / 2;
        }
        switch (items[i].kind) {
        case 0: marker(cr, xx + 2, cy, 1.5, false, false, mz_rgb_hex(COL_LINE)); break;
        case 1: marker(cr, xx + 2, cy, 1.5, false, true, mz_rgb_hex(COL_LINE)); break;
        case 2: marker(cr, xx + 2, cy, 1.5, true, false, mz_rgb_hex(COL_LINE)); break;
        case 3: marker(cr, xx + 2, cy, 1.5, false, false, mz_rgb_hex(COL_FLAGGED)); break;
        case 4:
            dashed(cr, xx - 2, cy, xx + 6, cy, 2.0, 1.2, mz_rgb_hex(COL_THRESHOLD), 0.7);
            break;
        default: dashed(cr, xx + 2, cy - 3, xx + 2, cy + 3, 0.8, 1.2, mz_rgb_hex(0x7a7a7a), 0.5);
        }
        xx += 7;
        mz_text(cv, items[i].text, font, xx, y, 0, MZ_HALIGN_LEFT, 0, 0, grey);
        xx += tw + 9;
    }
    return y + th - y0;
}

static void years_phrase(const mz_trend_t *t, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t y = 0; y < mz_trend_year_count(t) && o < size; y++)
        o += (size_t)snprintf(buf + o, size - o, "%s%d", y ? ", " : "", mz_trend_year(t, y));
}

static double draw_footer(ctx_t *c)
{
    const mz_trend_t *t = c->t;
    char src[700], sym[600], mh[900];
    mz_trend_source_line(t, src, sizeof src);
    snprintf(sym, sizeof sym, "%s",
             mz_tr("/ Zahlenwert nicht sicher genug (nicht gezeichnet); x Region im Jahr nicht "
                   "vollständig erfasst. Regionen auf gemeinsamem Gebietsstand aller Jahre "
                   "(zusammengelegte Kreise, Gebietsreform 2016 Göttingen/Osterode am Harz); "
                   "Werte aus mehreren Regionen eines Jahres neu berechnet (docs/batch.md).",
                   "/ not reliable enough (not drawn); x region not fully covered in that "
                   "year. Regions on the common footprint of all years (merged Kreise, the 2016 "
                   "reform Göttingen/Osterode am Harz); values from several regions of a year "
                   "computed anew (docs/batch.md)."));
    /* the definitions of the migration background, grouped into runs of years */
    size_t o = 0;
    mh[0] = '\0';
    const size_t ny = mz_trend_year_count(t);
    for (size_t a = 0; a < ny && o < sizeof mh;) {
        size_t e = a;
        while (e + 1 < ny && mz_trend_mh(t, e + 1) == mz_trend_mh(t, a))
            e++;
        if (e == a)
            o += (size_t)snprintf(mh + o, sizeof mh - o, "%s%d: %s", o ? "; " : "",
                                  mz_trend_year(t, a), mz_mh_definition_note(mz_trend_mh(t, a)));
        else
            o += (size_t)snprintf(mh + o, sizeof mh - o, "%s%d–%d: %s", o ? "; " : "",
                                  mz_trend_year(t, a), mz_trend_year(t, e),
                                  mz_mh_definition_note(mz_trend_mh(t, a)));
        a = e + 1;
    }
    const char *lines[4] = {sym, mh, src, NULL};
    bool bold[4] = {false, false, false, true};
    size_t n = 3;
    bool synth = false;
    for (size_t y = 0; y < ny; y++)
        synth = synth || mz_trend_synthetic(t, y);
    if (synth)
        lines[n++] = mz_tr("SYNTHETISCHE DATEN – Demonstration, keine Ergebnisse des Mikrozensus",
                           "SYNTHETIC DATA – demonstration only, not Mikrozensus results");
    return mz_draw_footer(c->cv, lines, bold, n);
}

static mz_status_t draw(ctx_t *c, mz_error_t *err)
{
    const mz_trend_t *t = c->t;
    mz_canvas_t *cv = c->cv;
    const mz_indicator_t ind = MZ_IND_UNEMPLOYMENT_RATE;
    size_t nf = mz_trend_footprint_count(t, ind);
    panel_t *panels = calloc(nf + 1, sizeof *panels);
    if (!panels)
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    size_t n = 0;
    const mz_trend_row_t *land = gap_row(t, &(panel_t){"", MZ_LAND_CODE, MZ_LEVEL_LAND}, 0);
    panels[n++] = (panel_t){land ? land->name : "Niedersachsen", MZ_LAND_CODE, MZ_LEVEL_LAND};
    for (size_t i = 0; i < nf; i++)
        panels[n++] = (panel_t){mz_trend_footprint_name(t, ind, i),
                                mz_trend_footprint_code(t, ind, i), MZ_LEVEL_REGION};
    c->ys = make_scale(t, panels, n);
    c->y0 = mz_trend_year(t, 0);
    c->y1 = mz_trend_year(t, mz_trend_year_count(t) - 1);

    /* header */
    mz_rgb_t ink = mz_rgb_hex(MZ_COL_TEXT);
    double x = 10 * MZ_MM, w = MZ_PAGE_W - 20 * MZ_MM, y = 8 * MZ_MM;
    char title[512], sub[512], band[64], yrs[256];
    years_phrase(t, yrs, sizeof yrs);
    if (c->y0 == c->y1)
        snprintf(title, sizeof title,
                 mz_tr("Differenz der Erwerbslosenquoten nach Region, %d",
                       "Gap in unemployment rates by region, %d"),
                 c->y0);
    else
        snprintf(title, sizeof title,
                 mz_tr("Differenz der Erwerbslosenquoten nach Region, %d–%d",
                       "Gap in unemployment rates by region, %d–%d"),
                 c->y0, c->y1);
    mz_band_phrase(mz_trend_band(t), band, sizeof band);
    snprintf(sub, sizeof sub,
             mz_tr("Erwerbslosenquote der Menschen mit minus ohne Migrationshintergrund in "
                   "Prozentpunkten, %s; Erhebungsjahre %s",
                   "Unemployment rate of people with minus without a migration background in "
                   "percentage points, %s; survey years %s"),
             band, yrs);
    y += mz_text(cv, title, MZ_FONT_TITLE, x, y, w, MZ_HALIGN_LEFT, 0, 0, ink);
    y += 1.5;
    y += mz_text(cv, sub, MZ_FONT_SUBTITLE, x, y, w, MZ_HALIGN_LEFT, 0, 0,
                 mz_rgb_hex(MZ_COL_TEXT_GREY));
    y += 3;
    double flag = mz_trend_rules(t, mz_trend_year_count(t) - 1)->gap_flag;
    y += draw_legend(c, x, y, w, flag) + 4;
    double bottom = draw_footer(c);

    /* the grid of panels: the column count that gives panels closest to 4:3 */
    const double gx = 2.2 * MZ_MM, gy = 1.6 * MZ_MM, left = 4 * MZ_MM;
    double aw = w - left, ah = bottom - y;
    size_t cols = 1, rows = n;
    double best = INFINITY;
    for (size_t k = 1; k <= n && k <= 14; k++) {
        size_t r = (n + k - 1) / k;
        double pw = (aw - (double)(k - 1) * gx) / (double)k;
        double ph = (ah - (double)(r - 1) * gy) / (double)r;
        if (pw <= 0 || ph <= 0)
            continue;
        double score = fabs(log((pw / ph) / (4.0 / 3.0)));
        if (score < best) {
            best = score;
            cols = k;
            rows = r;
        }
    }
    double pw = (aw - (double)(cols - 1) * gx) / (double)cols;
    double ph = (ah - (double)(rows - 1) * gy) / (double)rows;
    for (size_t i = 0; i < n; i++) {
        size_t r = i / cols, k = i % cols;
        draw_panel(c, &panels[i], x + left + (double)k * (pw + gx), y + (double)r * (ph + gy),
                   pw, ph, k == 0);
    }
    free(panels);
    return MZ_OK;
}

mz_status_t mz_trend_chart_render(const mz_trend_t *t, unsigned fmt,
                                  const mz_chart_options_t *opt, const char *path,
                                  mz_error_t *err)
{
    mz_chart_options_t dflt;
    if (!opt) {
        mz_chart_options_init(&dflt);
        opt = &dflt;
    }
    if (!mz_format_ext(fmt))
        return mz_error_set(err, MZ_ERR_USAGE, path, 0, NULL, NULL, "%s",
                            mz_tr("unbekanntes Dateiformat", "unknown file format"));
    if (!t || mz_trend_year_count(t) == 0)
        return mz_error_set(err, MZ_ERR_USAGE, path, 0, NULL, NULL, "%s",
                            mz_tr("keine Jahre für die Zeitreihe", "no years for the trend"));
    PangoFontMap *fonts = pango_cairo_font_map_new();
    if (!fonts)
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    mz_canvas_t *cv = mz_canvas_create(fmt, MZ_PAGE_W, MZ_PAGE_H, opt->dpi, fonts, err);
    if (!cv) {
        g_object_unref(fonts);
        return err ? err->status : MZ_ERR_NOMEM;
    }
    cv->pdf_date = opt->pdf_date;
    ctx_t c = {.t = t, .cv = cv};
    mz_status_t st = draw(&c, err);
    if (st == MZ_OK && cv->oom)
        st = mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                          mz_strerror(MZ_ERR_NOMEM));
    if (st == MZ_OK) {
        char title[256];
        snprintf(title, sizeof title, "%s",
                 mz_tr("Differenz der Erwerbslosenquoten nach Region im Zeitverlauf",
                       "Gap in unemployment rates by region over time"));
        st = mz_canvas_write(cv, path, title, err);
    }
    mz_canvas_destroy(cv);
    g_object_unref(fonts);
    return st;
}
