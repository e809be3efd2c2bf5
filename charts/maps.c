/* maps.c — choropleth maps of Niedersachsen: the indicator maps (Abb. 5, 8, 9, 10) drawn from
 * the partition of each indicator, and the network maps (Abb. 1–4) drawn per Kreis from the
 * 2010 inventory. Shared parts: frame and projection, grey surroundings, dissolved borders,
 * hatching of withheld regions, label placement, legend and scale bar. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

/* ---- layout ---- */

#define FRAME_X (10 * MZ_MM)
#define FRAME_W (150 * MZ_MM)
#define LEGEND_X (166 * MZ_MM)
#define LEGEND_W (64 * MZ_MM)
#define LABEL_PAD 0.8
#define MAX_CAND 240

typedef struct box {
    double x0, y0, x1, y1;
} box_t;

enum { AREA_FILL, AREA_HATCH, AREA_NODATA };

typedef struct map_area {
    const mz_shape_t **shapes;
    size_t nshapes;
    int style;
    mz_rgb_t fill;
    char name[160];
    char value[48];
    int outline;          /* 1: needs action (Abb. 10) */
    double estimate;      /* published estimate (AREA_FILL of indicator maps) */
    mz_seg_t *bnd;
    size_t nbnd;
} map_area_t;

enum {
    LEG_HEAD, LEG_SWATCH, LEG_HATCH, LEG_WHITE, LEG_CONTEXT, LEG_MEMBER, LEG_BORDER, LEG_OUTLINE,
    LEG_DOT, LEG_RING, LEG_NOTE, LEG_GAP, LEG_GLYPH, LEG_NUMBERED
};

typedef struct legend_item {
    int kind;
    mz_rgb_t colour;
    int n;              /* LEG_NUMBERED: the number; LEG_GLYPH: columns */
    int m;              /* LEG_GLYPH: rows; LEG_NUMBERED: count of cells */
    char text[256];
} legend_item_t;

#define MAX_LEGEND 40

typedef struct map {
    mz_charts_t *ch;
    mz_canvas_t *cv;
    const mz_geo_t *geo;
    mz_proj_t proj;
    double fx, fy, fw, fh;      /* frame on the page */
    double clip[4];             /* frame in world coordinates */
    map_area_t *areas;
    size_t nareas, careas;
    legend_item_t leg[MAX_LEGEND];
    size_t nleg;
    box_t *occ;
    size_t nocc, cocc;
    bool oom;
} map_t;

/* ---- small helpers ---- */

/* Copy a string, cut at a character boundary when it does not fit. */
static void copy_text(char *dst, size_t size, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
            n--;
    }
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

static void leg_add(map_t *m, int kind, mz_rgb_t colour, const char *text)
{
    if (m->nleg >= MAX_LEGEND)
        return;
    legend_item_t *li = &m->leg[m->nleg++];
    memset(li, 0, sizeof *li);
    li->kind = kind;
    li->colour = colour;
    copy_text(li->text, sizeof li->text, text);
}

static void occupy(map_t *m, box_t b)
{
    if (m->nocc == m->cocc) {
        size_t nc = m->cocc ? m->cocc * 2 : 64;
        box_t *p = realloc(m->occ, nc * sizeof *p);
        if (!p) {
            m->oom = true;
            return;
        }
        m->occ = p;
        m->cocc = nc;
    }
    m->occ[m->nocc++] = b;
}

static bool box_free(const map_t *m, box_t b)
{
    if (b.x0 < m->fx || b.y0 < m->fy || b.x1 > m->fx + m->fw || b.y1 > m->fy + m->fh)
        return false;
    for (size_t i = 0; i < m->nocc; i++) {
        const box_t *o = &m->occ[i];
        if (b.x0 < o->x1 && o->x0 < b.x1 && b.y0 < o->y1 && o->y0 < b.y1)
            return false;
    }
    return true;
}

static map_area_t *area_new(map_t *m)
{
    if (m->nareas == m->careas) {
        size_t nc = m->careas ? m->careas * 2 : 64;
        map_area_t *p = realloc(m->areas, nc * sizeof *p);
        if (!p) {
            m->oom = true;
            return NULL;
        }
        m->areas = p;
        m->careas = nc;
    }
    map_area_t *a = &m->areas[m->nareas++];
    memset(a, 0, sizeof *a);
    return a;
}

static bool area_add_shape(map_t *m, map_area_t *a, const mz_shape_t *s)
{
    const mz_shape_t **p = realloc(a->shapes, (a->nshapes + 1) * sizeof *p);
    if (!p) {
        m->oom = true;
        return false;
    }
    a->shapes = p;
    a->shapes[a->nshapes++] = s;
    return true;
}

static void map_finish(map_t *m)
{
    for (size_t i = 0; i < m->nareas; i++) {
        free(m->areas[i].shapes);
        free(m->areas[i].bnd);
    }
    free(m->areas);
    free(m->occ);
}

static const mz_shape_t *unit_shape(const map_t *m, const char *ags)
{
    const mz_shape_t *s = mz_geo_find(m->geo, ags);
    return s ? s : mz_geo_find(m->ch->split, ags);
}

static const char *short_name(const mz_charts_t *ch, const char *ags, const char *fallback)
{
    int u = mz_gazetteer_find(ch->in.gazetteer, ags);
    return u >= 0 ? mz_gazetteer_unit(ch->in.gazetteer, (size_t)u)->short_name : fallback;
}

/* ---- frame, projection ---- */

static void map_init(map_t *m, mz_charts_t *ch, mz_canvas_t *cv, const mz_geo_t *geo,
                     double top, double bottom)
{
    memset(m, 0, sizeof *m);
    m->ch = ch;
    m->cv = cv;
    m->geo = geo;
    m->fx = FRAME_X;
    m->fy = top;
    m->fw = FRAME_W;
    m->fh = bottom - top;
    double bb[4];
    mz_geo_bbox(geo, bb);
    double pad = 0.02 * fmax(bb[2] - bb[0], bb[3] - bb[1]);
    bb[0] -= pad, bb[1] -= pad, bb[2] += pad, bb[3] += pad;
    mz_proj_fit(&m->proj, bb, m->fx, m->fy, m->fw, m->fh);
    m->clip[0] = mz_unproj_x(&m->proj, m->fx);
    m->clip[2] = mz_unproj_x(&m->proj, m->fx + m->fw);
    m->clip[1] = mz_unproj_y(&m->proj, m->fy + m->fh);
    m->clip[3] = mz_unproj_y(&m->proj, m->fy);
}

/* ---- label placement ---- */

/* Label candidates of a set of shapes within the frame; computed once per charts object (the
 * search is the costly part of drawing a map) and copied to out. */
static size_t candidates(map_t *m, const mz_shape_t *const *shapes, size_t n, const mz_seg_t *bnd,
                         size_t nb, mz_candidate_t *out, size_t max)
{
    mz_charts_t *ch = m->ch;
    /* Held while computing: a thread that needs the same candidates waits for them instead of
     * searching too (the figures of one kind are drawn at the same time). */
    pthread_mutex_lock(&ch->cands_lock);
    for (size_t i = 0; i < ch->ncands; i++) {
        mz_cand_entry_t *e = &ch->cands[i];
        if (e->nshapes == n && memcmp(e->clip, m->clip, sizeof e->clip) == 0 &&
            memcmp(e->shapes, shapes, n * sizeof *shapes) == 0) {
            size_t k = e->n < max ? e->n : max;
            memcpy(out, e->cand, k * sizeof *out);
            pthread_mutex_unlock(&ch->cands_lock);
            return k;
        }
    }
    size_t k = mz_label_candidates(shapes, n, bnd, nb, m->clip, out, max);
    if (ch->ncands == ch->ccands) {
        size_t nc = ch->ccands ? ch->ccands * 2 : 64;
        mz_cand_entry_t *p = realloc(ch->cands, nc * sizeof *p);
        if (!p) {
            pthread_mutex_unlock(&ch->cands_lock);
            return k; /* no cache, same result */
        }
        ch->cands = p;
        ch->ccands = nc;
    }
    mz_cand_entry_t e = {malloc((n ? n : 1) * sizeof *shapes), n, {0, 0, 0, 0},
                         malloc((k ? k : 1) * sizeof *out), k};
    if (e.shapes && e.cand) {
        memcpy(e.shapes, shapes, n * sizeof *shapes);
        memcpy(e.clip, m->clip, sizeof e.clip);
        memcpy(e.cand, out, k * sizeof *out);
        ch->cands[ch->ncands++] = e;
    } else {
        free(e.shapes);
        free(e.cand);
    }
    pthread_mutex_unlock(&ch->cands_lock);
    return k;
}

/* Find a place for a w × h box (points) inside the area, clear of its borders and of boxes
 * already placed. */
static bool fit_inside(map_t *m, const mz_seg_t *bnd, size_t nb, const mz_candidate_t *cand,
                       size_t nc, double w, double h, double *px, double *py)
{
    double s = m->proj.scale;
    double hw = (w / 2 + LABEL_PAD) / s, hh = (h / 2 + LABEL_PAD) / s;
    for (size_t i = 0; i < nc; i++) {
        const mz_candidate_t *c = &cand[i];
        if (c->d < hh)
            break; /* sorted by distance: nothing further down fits */
        bool hit = false;
        for (size_t k = 0; k < nb && !hit; k++)
            hit = mz_seg_hits_box(&bnd[k], c->x - hw, c->y - hh, c->x + hw, c->y + hh);
        if (hit)
            continue;
        double x = mz_proj_x(&m->proj, c->x), y = mz_proj_y(&m->proj, c->y);
        box_t b = {x - w / 2 - LABEL_PAD, y - h / 2 - LABEL_PAD, x + w / 2 + LABEL_PAD,
                   y + h / 2 + LABEL_PAD};
        if (!box_free(m, b))
            continue;
        *px = x;
        *py = y;
        return true;
    }
    return false;
}

/* A name with line breaks: variant 0 as it is, 1 after every "/" of a merged region, 2 at the
 * space or hyphen nearest the middle. Returns false when the variant changes nothing. */
static bool name_variant(const char *name, int variant, char *out, size_t size)
{
    size_t n = strlen(name), o = 0;
    if (variant == 0 || n == 0) {
        copy_text(out, size, name);
        return variant == 0;
    }
    if (variant == 1) {
        if (!strchr(name, '/'))
            return false;
        for (const char *p = name; *p && o + 2 < size; p++) {
            out[o++] = *p;
            if (*p == '/' && p[1])
                out[o++] = '\n';
        }
        out[o] = '\0';
        return true;
    }
    size_t best = 0;
    double bestd = 1e9;
    for (size_t i = 1; i + 1 < n; i++)
        if (name[i] == ' ' || name[i] == '-') {
            double d = fabs((double)i - (double)n / 2);
            if (d < bestd)
                bestd = d, best = i;
        }
    if (!best || n + 2 > size)
        return false;
    bool hyphen = name[best] == '-';
    memcpy(out, name, best + (hyphen ? 1 : 0));
    o = best + (hyphen ? 1 : 0);
    out[o++] = '\n';
    copy_text(out + o, size - o, name + best + 1);
    return true;
}

/* Lay out name (may contain line breaks) and value as centred lines. */
static PangoLayout *label_layout(map_t *m, const char *name, const char *value)
{
    char *markup = NULL;
    gchar *en = g_markup_escape_text(name ? name : "", -1);
    gchar *ev = g_markup_escape_text(value ? value : "", -1);
    if (*en && *ev)
        markup = g_strdup_printf("<span font_desc=\"%s\">%s</span>\n<span font_desc=\"%s\">%s</span>",
                                 MZ_FONT_LABEL, en, MZ_FONT_VALUE, ev);
    else if (*en)
        markup = g_strdup_printf("<span font_desc=\"%s\">%s</span>", MZ_FONT_LABEL, en);
    else
        markup = g_strdup_printf("<span font_desc=\"%s\">%s</span>", MZ_FONT_VALUE, ev);
    g_free(en);
    g_free(ev);
    PangoLayout *l = mz_text_layout(m->cv, "", MZ_FONT_LABEL, 0, MZ_HALIGN_CENTER);
    pango_layout_set_markup(l, markup, -1);
    pango_layout_set_spacing(l, (int)(-0.6 * PANGO_SCALE));
    g_free(markup);
    return l;
}

static mz_rgb_t ink_on(mz_rgb_t fill)
{
    return mz_rgb_lightness(fill) < 52 ? mz_rgb_hex(0xffffff) : mz_rgb_hex(MZ_COL_TEXT);
}

static bool try_label(map_t *m, const mz_seg_t *bnd, size_t nb, const mz_candidate_t *cand,
                      size_t nc, const char *name, const char *value, const map_area_t *a)
{
    PangoLayout *l = label_layout(m, name, value);
    double w, h, x, y;
    mz_text_size(l, &w, &h);
    bool ok = fit_inside(m, bnd, nb, cand, nc, w, h, &x, &y);
    if (ok) {
        mz_rgb_t ink = a->style == AREA_FILL ? ink_on(a->fill) : mz_rgb_hex(MZ_COL_TEXT);
        mz_rgb_t halo = mz_rgb_hex(0xffffff);
        mz_text_draw(m->cv, l, x - w / 2, y - h / 2, ink, a->style == AREA_HATCH ? &halo : NULL);
        occupy(m, (box_t){x - w / 2 - LABEL_PAD, y - h / 2 - LABEL_PAD, x + w / 2 + LABEL_PAD,
                          y + h / 2 + LABEL_PAD});
    }
    g_object_unref(l);
    return ok;
}

/* Label every area, most important first: name and value inside the area (the name of a merged
 * region on one line, then one member per line); the value alone inside; the value of small
 * areas over their borders with a halo where it collides with nothing; finally the names of
 * the Kreise that are still unnamed, each inside its own Kreis. Withheld areas have no value. */
static void place_labels(map_t *m, bool show_values)
{
    size_t n = m->nareas;
    bool *named = calloc(n ? n : 1, sizeof *named), *valued = calloc(n ? n : 1, sizeof *valued);
    size_t *ncand = calloc(n ? n : 1, sizeof *ncand);
    mz_candidate_t **cands = calloc(n ? n : 1, sizeof *cands);
    mz_candidate_t *mc = malloc(MAX_CAND * sizeof *mc);
    char text[256];
    if (!named || !valued || !ncand || !cands || !mc) {
        m->oom = true;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        map_area_t *a = &m->areas[i];
        cands[i] = malloc(MAX_CAND * sizeof **cands);
        if (!cands[i]) {
            m->oom = true;
            goto out;
        }
        ncand[i] = candidates(m, a->shapes, a->nshapes, a->bnd, a->nbnd, cands[i], MAX_CAND);
        valued[i] = !show_values || !*a->value;
    }
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < n; i++) {
            map_area_t *a = &m->areas[i];
            if (named[i] || !*a->name)
                continue;
            if (pass == 1 && a->nshapes > 3)
                continue; /* a long list of members reads better Kreis by Kreis */
            if (!name_variant(a->name, pass, text, sizeof text))
                continue;
            if (pass == 2 && a->nshapes > 1)
                continue;
            if (try_label(m, a->bnd, a->nbnd, cands[i], ncand[i], text,
                          valued[i] ? "" : a->value, a))
                named[i] = valued[i] = true;
        }
    for (size_t i = 0; i < n; i++) {
        map_area_t *a = &m->areas[i];
        if (!valued[i] && try_label(m, a->bnd, a->nbnd, cands[i], ncand[i], "", a->value, a))
            valued[i] = true;
    }
    for (size_t i = 0; i < n; i++) {
        map_area_t *a = &m->areas[i];
        if (valued[i] || ncand[i] == 0)
            continue;
        PangoLayout *l = label_layout(m, "", a->value);
        double w, h;
        mz_text_size(l, &w, &h);
        double px = mz_proj_x(&m->proj, cands[i][0].x), py = mz_proj_y(&m->proj, cands[i][0].y);
        /* on the area's best point, else around it with a leader line */
        for (int r = 0; r <= 3 && !valued[i]; r++)
            for (int k = 0; k < (r ? 8 : 1) && !valued[i]; k++) {
                static const double dir[8][2] = {{1, 0},  {1, -1}, {0, -1}, {-1, -1},
                                                 {-1, 0}, {-1, 1}, {0, 1},  {1, 1}};
                double x = px + (r ? dir[k][0] * (w / 2 + 3.5 * r) : 0);
                double y = py + (r ? dir[k][1] * (h / 2 + 3.0 * r) : 0);
                box_t b = {x - w / 2 - LABEL_PAD, y - h / 2 - LABEL_PAD, x + w / 2 + LABEL_PAD,
                           y + h / 2 + LABEL_PAD};
                if (!box_free(m, b))
                    continue;
                if (r) {
                    cairo_t *cr = m->cv->cr;
                    double ex = fmax(b.x0, fmin(px, b.x1)), ey = fmax(b.y0, fmin(py, b.y1));
                    cairo_move_to(cr, px, py);
                    cairo_line_to(cr, ex, ey);
                    mz_set_rgb(cr, mz_rgb_hex(0x333333));
                    cairo_set_line_width(cr, 0.5);
                    cairo_stroke(cr);
                    cairo_new_sub_path(cr);
                    cairo_arc(cr, px, py, 0.9, 0, 2 * M_PI);
                    cairo_fill(cr);
                }
                mz_rgb_t halo = mz_rgb_hex(0xffffff);
                mz_text_draw(m->cv, l, x - w / 2, y - h / 2, mz_rgb_hex(MZ_COL_TEXT), &halo);
                occupy(m, b);
                valued[i] = true;
            }
        g_object_unref(l);
    }
    /* names of single Kreise where the area's own label did not take them */
    for (size_t i = 0; i < n; i++) {
        map_area_t *a = &m->areas[i];
        if (named[i])
            continue;
        for (size_t k = 0; k < a->nshapes; k++) {
            const mz_shape_t *s = a->shapes[k];
            size_t nb;
            mz_seg_t *bnd = mz_dissolve(&s, 1, &nb);
            size_t nc = candidates(m, &s, 1, bnd, nb, mc, MAX_CAND);
            const char *nm = short_name(m->ch, s->ags, s->name);
            for (int v = 0; v < 3; v += 2)
                if (name_variant(nm, v, text, sizeof text) &&
                    try_label(m, bnd, nb, mc, nc, text, "", a))
                    break;
            free(bnd);
        }
    }
out:
    if (cands)
        for (size_t i = 0; i < n; i++)
            free(cands[i]);
    free(cands);
    free(ncand);
    free(mc);
    free(named);
    free(valued);
}

/* ---- drawing the map body ---- */

static void draw_context(map_t *m)
{
    cairo_t *cr = m->cv->cr;
    const mz_geo_t *ctx = m->ch->context;
    for (size_t i = 0; i < mz_geo_count(ctx); i++) {
        const mz_shape_t *s = mz_geo_shape(ctx, i);
        mz_path_shape(cr, &m->proj, s);
    }
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    mz_set_rgb(cr, mz_rgb_hex(MZ_COL_CONTEXT));
    cairo_fill_preserve(cr);
    mz_set_rgb(cr, mz_rgb_hex(MZ_COL_CONTEXT_LINE));
    cairo_set_line_width(cr, 0.7);
    cairo_stroke(cr);
    /* names of the surroundings where they fit in the frame */
    mz_candidate_t cand[MAX_CAND];
    for (size_t i = 0; i < mz_geo_count(ctx); i++) {
        const mz_shape_t *s = mz_geo_shape(ctx, i);
        size_t nb;
        mz_seg_t *bnd = mz_dissolve(&s, 1, &nb);
        size_t nc = candidates(m, &s, 1, bnd, nb, cand, MAX_CAND);
        PangoLayout *l = mz_text_layout(m->cv, s->name, MZ_FONT_CONTEXT, 0, MZ_HALIGN_CENTER);
        double w, h, x, y;
        mz_text_size(l, &w, &h);
        if (fit_inside(m, bnd, nb, cand, nc, w, h, &x, &y)) {
            mz_text_draw(m->cv, l, x - w / 2, y - h / 2, mz_rgb_hex(MZ_COL_CONTEXT_TEXT), NULL);
            occupy(m, (box_t){x - w / 2, y - h / 2, x + w / 2, y + h / 2});
        }
        g_object_unref(l);
        free(bnd);
    }
}

static void draw_areas(map_t *m)
{
    cairo_t *cr = m->cv->cr;
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    for (size_t i = 0; i < m->nareas; i++) {
        map_area_t *a = &m->areas[i];
        for (size_t k = 0; k < a->nshapes; k++)
            mz_path_shape(cr, &m->proj, a->shapes[k]);
        if (a->style == AREA_HATCH) {
            mz_fill_hatched(cr, 2.6);
        } else {
            mz_set_rgb(cr, a->style == AREA_NODATA ? mz_rgb_hex(MZ_COL_NODATA) : a->fill);
            cairo_fill(cr);
        }
    }
    /* borders of Kreise inside merged regions: faint, in a darker tone of the fill */
    for (size_t i = 0; i < m->nareas; i++) {
        map_area_t *a = &m->areas[i];
        if (a->nshapes < 2)
            continue;
        mz_rgb_t base = a->style == AREA_FILL ? a->fill : mz_rgb_hex(MZ_COL_WITHHELD);
        for (size_t k = 0; k < a->nshapes; k++)
            mz_path_shape(cr, &m->proj, a->shapes[k]);
        mz_set_rgb(cr, mz_rgb_shade(base, -14));
        cairo_set_line_width(cr, 0.35);
        double dash[] = {1.2, 1.0};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    /* region borders (dissolved) */
    for (size_t i = 0; i < m->nareas; i++)
        mz_path_segs(cr, &m->proj, m->areas[i].bnd, m->areas[i].nbnd);
    mz_set_rgb(cr, mz_rgb_hex(MZ_COL_BORDER));
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
    /* the Land's outline */
    size_t ns = mz_geo_count(m->geo), nb;
    const mz_shape_t **all = malloc((ns ? ns : 1) * sizeof *all);
    if (!all) {
        m->oom = true;
        return;
    }
    for (size_t i = 0; i < ns; i++)
        all[i] = mz_geo_shape(m->geo, i);
    mz_seg_t *land = mz_dissolve(all, ns, &nb);
    mz_path_segs(cr, &m->proj, land, nb);
    mz_set_rgb(cr, mz_rgb_hex(MZ_COL_LAND));
    cairo_set_line_width(cr, 0.9);
    cairo_stroke(cr);
    free(land);
    free(all);
}

static void draw_outlines(map_t *m)
{
    cairo_t *cr = m->cv->cr;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < m->nareas; i++) {
            map_area_t *a = &m->areas[i];
            if (!a->outline)
                continue;
            mz_path_segs(cr, &m->proj, a->bnd, a->nbnd);
            mz_set_rgb(cr, pass ? mz_rgb_hex(0x000000) : mz_rgb_hex(0xffffff));
            cairo_set_line_width(cr, pass ? 1.5 : 3.2);
            cairo_stroke(cr);
        }
}

static void frame_begin(map_t *m)
{
    cairo_t *cr = m->cv->cr;
    cairo_save(cr);
    cairo_rectangle(cr, m->fx, m->fy, m->fw, m->fh);
    cairo_clip(cr);
    /* sea and abroad: a pale tint, so that white stays "no data" */
    cairo_rectangle(cr, m->fx, m->fy, m->fw, m->fh);
    mz_set_rgb(cr, mz_rgb_hex(MZ_COL_OUTSIDE));
    cairo_fill(cr);
}

static void frame_end(map_t *m)
{
    cairo_t *cr = m->cv->cr;
    cairo_restore(cr);
    cairo_rectangle(cr, m->fx, m->fy, m->fw, m->fh);
    mz_set_rgb(cr, mz_rgb_hex(0x9a9a9a));
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
}

static void dissolve_areas(map_t *m)
{
    for (size_t i = 0; i < m->nareas; i++) {
        map_area_t *a = &m->areas[i];
        a->bnd = mz_dissolve(a->shapes, a->nshapes, &a->nbnd);
        if (!a->bnd && a->nshapes)
            m->oom = true;
    }
}

/* ---- markers and glyphs (networks) ---- */

#define DOT_R 2.4
#define DOT_STEP 6.0


/* "No information": an open circle with a question mark. */
static void draw_noinfo(mz_canvas_t *cv, double x, double y)
{
    cairo_t *cr = cv->cr;
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, DOT_R + 1.0, 0, 2 * M_PI);
    mz_set_rgb(cr, mz_rgb_hex(0xffffff));
    cairo_fill_preserve(cr);
    mz_set_rgb(cr, mz_rgb_hex(0x111111));
    cairo_set_line_width(cr, 0.7);
    cairo_stroke(cr);
    mz_text(cv, "?", "DejaVu Sans Bold 4.6", x, y, 0, MZ_HALIGN_LEFT, 0.5, 0.5,
            mz_rgb_hex(0x111111));
}

static void draw_dot(cairo_t *cr, double x, double y)
{
    cairo_new_sub_path(cr);
    cairo_arc(cr, x, y, DOT_R, 0, 2 * M_PI);
    mz_set_rgb(cr, mz_rgb_hex(0x111111));
    cairo_fill_preserve(cr);
    mz_set_rgb(cr, mz_rgb_hex(0xffffff));
    cairo_set_line_width(cr, 0.8);
    cairo_stroke(cr);
}

/* Per Kreis of a geometry set: status and regional networks of the 2010 inventory. The Kreis
 * 03159 (from 2016) takes the networks of its predecessors 03152 and 03156. */
static size_t kreis_nets(const mz_charts_t *ch, const mz_geo_t *geo, mz_kreis_nets_t *out)
{
    const mz_networks_t *nw = ch->in.networks;
    size_t n = mz_geo_count(geo);
    for (size_t i = 0; i < n; i++) {
        mz_kreis_nets_t *k = &out[i];
        memset(k, 0, sizeof *k);
        k->shape = mz_geo_shape(geo, i);
        const char *ags = k->shape->ags;
        bool merged = strcmp(ags, "03159") == 0;
        for (size_t j = 0; nw && j < mz_networks_count(nw); j++) {
            const mz_network_t *net = mz_networks_get(nw, j);
            if (strcmp(net->scope, "regional") != 0)
                continue;
            bool mine = strcmp(net->kreis_ags, ags) == 0 ||
                        (merged && (strcmp(net->kreis_ags, "03152") == 0 ||
                                    strcmp(net->kreis_ags, "03156") == 0));
            if (mine) {
                if (k->count < sizeof k->idx / sizeof k->idx[0])
                    k->idx[k->count] = j;
                k->count++;
            }
        }
        const char *st = nw ? mz_networks_status(nw, ags) : "";
        if (merged && (!st || !*st) && nw) {
            const char *a = mz_networks_status(nw, "03152"), *b = mz_networks_status(nw, "03156");
            st = k->count ? "network"
                 : (strcmp(a, "no_information") == 0 || strcmp(b, "no_information") == 0)
                     ? "no_information"
                     : (*a || *b) ? "none" : "";
        }
        snprintf(k->status, sizeof k->status, "%s", st ? st : "");
    }
    return n;
}

/* Place a w × h box for a Kreis: the most central free spot inside it, else the most central
 * free spot near it; returns the centre. */
static void place_box(map_t *m, const mz_shape_t *s, double w, double h, double *px, double *py)
{
    size_t nb;
    mz_seg_t *bnd = mz_dissolve(&s, 1, &nb);
    mz_candidate_t cand[MAX_CAND];
    size_t nc = candidates(m, &s, 1, bnd, nb, cand, MAX_CAND);
    double x = 0, y = 0;
    bool found = fit_inside(m, bnd, nb, cand, nc, w, h, &x, &y);
    if (!found && nc) {
        /* overlap the border if needed, but not other boxes */
        for (size_t i = 0; i < nc && !found; i++) {
            double cx = mz_proj_x(&m->proj, cand[i].x), cy = mz_proj_y(&m->proj, cand[i].y);
            box_t b = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
            if (box_free(m, b)) {
                x = cx, y = cy, found = true;
            }
        }
        for (int r = 1; r <= 4 && !found; r++) /* then step outwards around the best point */
            for (int k = 0; k < 8 && !found; k++) {
                double ang = k * M_PI / 4;
                double cx = mz_proj_x(&m->proj, cand[0].x) + cos(ang) * r * (w / 2 + 2);
                double cy = mz_proj_y(&m->proj, cand[0].y) + sin(ang) * r * (h / 2 + 2);
                box_t b = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
                if (box_free(m, b)) {
                    x = cx, y = cy, found = true;
                }
            }
        if (!found) {
            x = mz_proj_x(&m->proj, cand[0].x);
            y = mz_proj_y(&m->proj, cand[0].y);
        }
    } else if (!found) {
        x = mz_proj_x(&m->proj, (s->bbox[0] + s->bbox[2]) / 2);
        y = mz_proj_y(&m->proj, (s->bbox[1] + s->bbox[3]) / 2);
    }
    occupy(m, (box_t){x - w / 2 - LABEL_PAD, y - h / 2 - LABEL_PAD, x + w / 2 + LABEL_PAD,
                      y + h / 2 + LABEL_PAD});
    *px = x;
    *py = y;
    free(bnd);
}

/* One dot per regional network (open ring: no information). Small Kreise first. */
static int cmp_kreis_area(const void *a, const void *b)
{
    const mz_kreis_nets_t *x = a, *y = b;
    double ax = (x->shape->bbox[2] - x->shape->bbox[0]) * (x->shape->bbox[3] - x->shape->bbox[1]);
    double ay = (y->shape->bbox[2] - y->shape->bbox[0]) * (y->shape->bbox[3] - y->shape->bbox[1]);
    if (ax != ay)
        return ax < ay ? -1 : 1;
    return strcmp(x->shape->ags, y->shape->ags);
}

static void draw_network_dots(map_t *m, mz_kreis_nets_t *kn, size_t n)
{
    qsort(kn, n, sizeof *kn, cmp_kreis_area);
    for (size_t i = 0; i < n; i++) {
        bool noinfo = strcmp(kn[i].status, "no_information") == 0;
        size_t cnt = kn[i].count;
        if (!cnt && !noinfo)
            continue;
        size_t dots = cnt ? cnt : 1;
        double w = (double)dots * DOT_STEP, h = DOT_STEP, x, y;
        place_box(m, kn[i].shape, w, h, &x, &y);
        for (size_t d = 0; d < dots && cnt; d++)
            draw_dot(m->cv->cr, x - w / 2 + DOT_STEP / 2 + (double)d * DOT_STEP, y);
        if (!cnt)
            draw_noinfo(m->cv, x, y);
    }
}

/* A glyph: a grid of cells per network, dark where the network has the item. */
#define CELL 3.3
#define CELL_GAP 0.6
#define GLYPH_PAD 1.1
#define GLYPH_SEP 2.0

static void glyph_size(int cols, int rows, double cell, size_t nets, double *w, double *h)
{
    double gw = cols * cell + (cols - 1) * CELL_GAP + 2 * GLYPH_PAD;
    double gh = rows * cell + (rows - 1) * CELL_GAP + 2 * GLYPH_PAD;
    *w = (double)nets * gw + (double)(nets ? nets - 1 : 0) * GLYPH_SEP;
    *h = gh;
}

static void draw_glyph(cairo_t *cr, double x, double y, int cols, int rows, unsigned bits,
                       double cell, double gap, double pad)
{
    double gw = cols * cell + (cols - 1) * gap + 2 * pad;
    double gh = rows * cell + (rows - 1) * gap + 2 * pad;
    cairo_rectangle(cr, x, y, gw, gh);
    mz_set_rgb(cr, mz_rgb_hex(0xffffff));
    cairo_fill_preserve(cr);
    mz_set_rgb(cr, mz_rgb_hex(0x333333));
    cairo_set_line_width(cr, 0.45);
    cairo_stroke(cr);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            int k = r * cols + c;
            double cx = x + pad + c * (cell + gap), cy = y + pad + r * (cell + gap);
            cairo_rectangle(cr, cx, cy, cell, cell);
            if (bits & (1u << k)) {
                mz_set_rgb(cr, mz_rgb_hex(0x1f1f1f));
                cairo_fill(cr);
            } else {
                mz_set_rgb(cr, mz_rgb_hex(0xbdbdbd));
                cairo_set_line_width(cr, 0.3);
                cairo_stroke(cr);
            }
        }
}

/* ---- legend and scale bar ---- */

static double swatch(cairo_t *cr, int kind, mz_rgb_t col, double x, double y)
{
    const double w = 16, h = 9;
    cairo_rectangle(cr, x, y, w, h);
    switch (kind) {
    case LEG_HATCH: mz_fill_hatched(cr, 2.6); break;
    case LEG_WHITE: mz_set_rgb(cr, mz_rgb_hex(0xffffff)); cairo_fill(cr); break;
    case LEG_CONTEXT: mz_set_rgb(cr, mz_rgb_hex(MZ_COL_CONTEXT)); cairo_fill(cr); break;
    default: mz_set_rgb(cr, col); cairo_fill(cr); break;
    }
    cairo_rectangle(cr, x, y, w, h);
    mz_set_rgb(cr, mz_rgb_hex(MZ_COL_BORDER));
    cairo_set_line_width(cr, 0.4);
    cairo_stroke(cr);
    return w;
}

static double draw_legend(map_t *m, double x, double y, double w, const char *const *glyph_labels)
{
    mz_canvas_t *cv = m->cv;
    cairo_t *cr = cv->cr;
    mz_rgb_t ink = mz_rgb_hex(MZ_COL_TEXT);
    const double tx = x + 22, tw = w - 22;
    for (size_t i = 0; i < m->nleg; i++) {
        legend_item_t *li = &m->leg[i];
        double h = 0;
        switch (li->kind) {
        case LEG_HEAD:
            y += 2;
            h = mz_text(cv, li->text, MZ_FONT_LEGEND_HEAD, x, y, w, MZ_HALIGN_LEFT, 0, 0, ink) + 3;
            break;
        case LEG_GAP: h = 5; break;
        case LEG_NOTE:
            h = mz_text(cv, li->text, MZ_FONT_SMALL, x, y, w, MZ_HALIGN_LEFT, 0, 0,
                        mz_rgb_hex(MZ_COL_TEXT_GREY)) + 2.5;
            break;
        case LEG_GLYPH: {
            /* a large sample with the cell numbers */
            const double cell = 10, gap = 1.5, pad = 2;
            int cols = li->n, rows = li->m;
            draw_glyph(cr, x, y, cols, rows, 0, cell, gap, pad);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) {
                    int k = r * cols + c;
                    if (glyph_labels && !glyph_labels[k])
                        continue;
                    char num[16];
                    snprintf(num, sizeof num, "%d", k + 1);
                    mz_text(cv, num, MZ_FONT_SMALL, x + pad + c * (cell + gap) + cell / 2,
                            y + pad + r * (cell + gap) + cell / 2, 0, MZ_HALIGN_LEFT, 0.5, 0.5,
                            ink);
                }
            double gh = rows * cell + (rows - 1) * gap + 2 * pad;
            double th = mz_text(cv, li->text, MZ_FONT_SMALL, x + cols * (cell + gap) + 2 * pad + 4,
                                y, w - (cols * (cell + gap) + 2 * pad + 4), MZ_HALIGN_LEFT, 0, 0,
                                mz_rgb_hex(MZ_COL_TEXT_GREY));
            h = fmax(gh, th) + 4;
            break;
        }
        case LEG_NUMBERED: {
            char num[16];
            snprintf(num, sizeof num, "%d", li->n);
            mz_text(cv, num, MZ_FONT_LEGEND, x + 8, y, 0, MZ_HALIGN_LEFT, 1, 0, ink);
            h = mz_text(cv, li->text, MZ_FONT_LEGEND, x + 12, y, w - 12, MZ_HALIGN_LEFT, 0, 0,
                        ink) + 1.5;
            break;
        }
        default: {
            PangoLayout *l = mz_text_layout(cv, li->text, MZ_FONT_LEGEND, tw, MZ_HALIGN_LEFT);
            double lh;
            mz_text_size(l, NULL, &lh);
            double sy = y + fmax(0, (fmin(lh, 11) - 9) / 2);
            switch (li->kind) {
            case LEG_SWATCH:
            case LEG_HATCH:
            case LEG_WHITE:
            case LEG_CONTEXT: swatch(cr, li->kind, li->colour, x, sy); break;
            case LEG_MEMBER:
            case LEG_BORDER: {
                /* line samples: the region border, the faint dashed border inside a region */
                cairo_move_to(cr, x, sy + 4.5);
                cairo_line_to(cr, x + 16, sy + 4.5);
                double dash[] = {1.6, 1.2};
                if (li->kind == LEG_MEMBER) {
                    mz_set_rgb(cr, mz_rgb_hex(0x8c8c8c));
                    cairo_set_line_width(cr, 0.5);
                    cairo_set_dash(cr, dash, 2, 0);
                } else {
                    mz_set_rgb(cr, mz_rgb_hex(MZ_COL_BORDER));
                    cairo_set_line_width(cr, 0.6);
                }
                cairo_stroke(cr);
                cairo_set_dash(cr, NULL, 0, 0);
                break;
            }
            case LEG_OUTLINE:
                for (int pass = 0; pass < 2; pass++) {
                    cairo_rectangle(cr, x + 1, sy + 0.5, 14, 8);
                    if (pass == 0) {
                        mz_set_rgb(cr, li->colour);
                        cairo_fill_preserve(cr);
                    }
                    mz_set_rgb(cr, pass ? mz_rgb_hex(0x000000) : mz_rgb_hex(0xffffff));
                    cairo_set_line_width(cr, pass ? 1.5 : 3.2);
                    cairo_stroke(cr);
                }
                break;
            case LEG_DOT:
            case LEG_RING:
                if (li->kind == LEG_DOT)
                    draw_dot(cr, x + 8, sy + 4.5);
                else
                    draw_noinfo(cv, x + 8, sy + 4.5);
                break;
            default: break;
            }
            mz_text_draw(cv, l, tx, y, ink, NULL);
            g_object_unref(l);
            h = fmax(lh, 10) + 3;
        }
        }
        y += h;
    }
    return y;
}

static void draw_scale_bar(map_t *m, double x, double y)
{
    cairo_t *cr = m->cv->cr;
    double km = 1000 * m->proj.scale; /* points per km */
    double len = 50;
    if (len * km > LEGEND_W * 0.6)
        len = 25;
    if (100 * km < LEGEND_W * 0.6)
        len = 100;
    double seg = len / 2 * km;
    for (int i = 0; i < 2; i++) {
        cairo_rectangle(cr, x + i * seg, y, seg, 3.2);
        mz_set_rgb(cr, i ? mz_rgb_hex(0xffffff) : mz_rgb_hex(0x262626));
        cairo_fill_preserve(cr);
        mz_set_rgb(cr, mz_rgb_hex(0x262626));
        cairo_set_line_width(cr, 0.5);
        cairo_stroke(cr);
    }
    char a[32], b[32];
    snprintf(a, sizeof a, "%.0f", len / 2);
    snprintf(b, sizeof b, "%.0f km", len);
    mz_rgb_t ink = mz_rgb_hex(MZ_COL_TEXT);
    mz_text(m->cv, "0", MZ_FONT_SMALL, x, y + 4.5, 0, MZ_HALIGN_LEFT, 0.5, 0, ink);
    mz_text(m->cv, a, MZ_FONT_SMALL, x + seg, y + 4.5, 0, MZ_HALIGN_LEFT, 0.5, 0, ink);
    PangoLayout *l = mz_text_layout(m->cv, b, MZ_FONT_SMALL, 0, MZ_HALIGN_LEFT);
    double w;
    mz_text_size(l, &w, NULL);
    /* centre the number under the tick, the unit follows */
    double nw;
    mz_text_measure(m->cv, a, MZ_FONT_SMALL, &nw, NULL);
    mz_text_draw(m->cv, l, x + 2 * seg - nw / 2 * (len >= 100 ? 1.5 : 1.0), y + 4.5, ink, NULL);
    g_object_unref(l);
}

/* Footer lines of a map: source, geometry attribution, synthetic notice. */
static double map_footer(mz_charts_t *ch, mz_canvas_t *cv, const char *source, bool synthetic,
                         const char *extra)
{
    const char *lines[4];
    bool bold[4] = {false, false, false, false};
    size_t n = 0;
    if (extra && *extra)
        lines[n++] = extra;
    lines[n++] = source;
    lines[n++] = mz_tr("Grenzen: © GeoBasis-DE / BKG 2021 (Daten verändert)",
                       "Boundaries: © GeoBasis-DE / BKG 2021 (Daten verändert)");
    if (synthetic) {
        bold[n] = true;
        lines[n++] = mz_tr("SYNTHETISCHE DATEN – Demonstration, keine Ergebnisse des Mikrozensus",
                           "SYNTHETIC DATA – demonstration only, not Mikrozensus results");
    }
    (void)ch;
    return mz_draw_footer(cv, lines, bold, n);
}

/* ---- indicator maps: Abb. 5, 8, 9, 10 ---- */

typedef struct fig_spec {
    mz_indicator_t ind;
    mz_group_t group;
} fig_spec_t;

static fig_spec_t fig_spec(int fig)
{
    switch (fig) {
    case 5: return (fig_spec_t){MZ_IND_MIGRATION_SHARE, MZ_G_ALL};
    case 8: return (fig_spec_t){MZ_IND_SELF_EMPLOYMENT_SHARE, MZ_G_GAP};
    default: return (fig_spec_t){MZ_IND_UNEMPLOYMENT_RATE, MZ_G_GAP};
    }
}

static void indicator_subtitle(const mz_charts_t *ch, int fig, char *buf, size_t size)
{
    char band[64];
    mz_band_phrase(ch->in.band, band, sizeof band);
    switch (fig) {
    case 5:
        snprintf(buf, size, "%s · %s · %s %d · %s",
                 mz_tr("Anteil an der Bevölkerung in Prozent",
                       "share of the population in percent"),
                 mz_tr("Planungsregionen", "planning regions"), "Mikrozensus", ch->in.year,
                 mz_tr("alle Altersjahre", "all ages"));
        break;
    case 8:
        snprintf(buf, size, "%s · %s · %s %d · %s",
                 mz_tr("Selbständigenanteil mit minus ohne Migrationshintergrund, in "
                       "Prozentpunkten",
                       "self-employment share with minus without a migration background, in "
                       "percentage points"),
                 mz_tr("Planungsregionen", "planning regions"), "Mikrozensus", ch->in.year,
                 mz_tr("Erwerbstätige aller Altersjahre", "employed people of all ages"));
        break;
    default:
        snprintf(buf, size, "%s · %s · %s %d · %s",
                 mz_tr("Erwerbslosenquote mit minus ohne Migrationshintergrund, in "
                       "Prozentpunkten",
                       "unemployment rate with minus without a migration background, in "
                       "percentage points"),
                 mz_tr("Planungsregionen", "planning regions"), "Mikrozensus", ch->in.year,
                 band);
        break;
    }
}

/* Build the areas of the indicator's partition; units drawn nowhere become "no data". */
static void build_indicator_areas(map_t *m, fig_spec_t sp, bool *any_merged, bool *any_limited,
                                  bool *any_secret)
{
    const mz_results_t *res = m->ch->in.results;
    const mz_partition_t *part = mz_results_partition(res, sp.ind);
    const mz_gazetteer_t *gz = m->ch->in.gazetteer;
    size_t ng = mz_geo_count(m->geo);
    bool *covered = calloc(ng + 2, sizeof *covered);
    bool split_cov[2] = {false, false};
    if (!covered) {
        m->oom = true;
        return;
    }
    for (size_t r = 0; part && r < part->count; r++) {
        const mz_region_t *reg = &part->regions[r];
        map_area_t *a = area_new(m);
        if (!a)
            break;
        for (size_t u = 0; u < reg->nunits; u++) {
            const char *ags = mz_gazetteer_unit(gz, (size_t)reg->units[u])->ags;
            const mz_shape_t *s = unit_shape(m, ags);
            if (!s)
                continue;
            area_add_shape(m, a, s);
            for (size_t i = 0; i < ng; i++)
                if (mz_geo_shape(m->geo, i) == s)
                    covered[i] = true;
            if (strcmp(ags, "03241001") == 0)
                split_cov[0] = true;
            if (strcmp(ags, "03241999") == 0)
                split_cov[1] = true;
        }
        if (a->nshapes == 0) {
            free(a->shapes);
            m->nareas--;
            continue;
        }
        if (reg->nunits > 1)
            *any_merged = true;
        copy_text(a->name, sizeof a->name, reg->name);
        const mz_estimate_t *e = mz_results_find(res, sp.ind, MZ_LEVEL_REGION, reg->code, sp.group);
        if (!e || !e->p.known || !isfinite(e->p.estimate) ||
            mz_symbol_withheld(e->p.symbol)) {
            a->style = e && e->p.known && mz_symbol_withheld(e->p.symbol) ? AREA_HATCH
                                                                          : AREA_NODATA;
            if (e && e->p.symbol == MZ_SYM_SECRET)
                *any_secret = true;
            continue;
        }
        a->style = AREA_FILL;
        a->estimate = e->p.estimate;
        char v[32];
        mz_fmt_value(e->p.estimate, v, sizeof v);
        if (e->p.symbol == MZ_SYM_LIMITED) {
            snprintf(a->value, sizeof a->value, "(%s)", v);
            *any_limited = true;
        } else {
            snprintf(a->value, sizeof a->value, "%s", v);
        }
        if (sp.ind == MZ_IND_UNEMPLOYMENT_RATE && mz_estimate_needs_action(e, mz_results_rules(res)))
            a->outline = 1;
    }
    /* whatever the partition leaves out has no data */
    for (size_t i = 0; i < ng && !m->oom; i++) {
        if (covered[i])
            continue;
        const mz_shape_t *s = mz_geo_shape(m->geo, i);
        bool whole_hannover = strcmp(s->ags, "03241") == 0;
        if (whole_hannover && (split_cov[0] || split_cov[1])) {
            static const char *const halves[2] = {"03241001", "03241999"};
            for (int h = 0; h < 2; h++) {
                const mz_shape_t *hs = split_cov[h] ? NULL : mz_geo_find(m->ch->split, halves[h]);
                map_area_t *a = hs ? area_new(m) : NULL;
                if (!a)
                    continue;
                area_add_shape(m, a, hs);
                a->style = AREA_NODATA;
                copy_text(a->name, sizeof a->name, short_name(m->ch, halves[h], hs->name));
            }
            continue;
        }
        map_area_t *a = area_new(m);
        if (!a)
            break;
        area_add_shape(m, a, s);
        a->style = AREA_NODATA;
        copy_text(a->name, sizeof a->name, short_name(m->ch, s->ags, s->name));
    }
    free(covered);
}

/* Published values of the figure's indicator, for the class breaks (withheld values never). */
static void published_range(const map_t *m, fig_spec_t sp, double *vmin, double *vmax)
{
    const mz_results_t *res = m->ch->in.results;
    const mz_partition_t *part = mz_results_partition(res, sp.ind);
    *vmin = INFINITY;
    *vmax = -INFINITY;
    for (size_t r = 0; part && r < part->count; r++) {
        const mz_estimate_t *e = mz_results_find(res, sp.ind, MZ_LEVEL_REGION,
                                                 part->regions[r].code, sp.group);
        if (!e || !e->p.known || mz_symbol_withheld(e->p.symbol) || !isfinite(e->p.estimate))
            continue;
        double v = mz_round1(e->p.estimate);
        *vmin = fmin(*vmin, v);
        *vmax = fmax(*vmax, v);
    }
}

static void indicator_classes(const map_t *m, int fig, fig_spec_t sp, mz_classes_t *cls)
{
    double vmin, vmax;
    published_range(m, sp, &vmin, &vmax);
    size_t n;
    if (fig == 5) {
        static const double dflt[] = {10, 15, 20, 25};
        mz_classes_nice(cls, vmin, vmax, 6, dflt, 4);
        n = mz_classes_count(cls);
        mz_palette(MZ_PAL_SEQ_BLUE, n, cls->colour);
    } else if (fig == 8) {
        double maxabs = vmin <= vmax ? fmax(fabs(vmin), fabs(vmax)) : 0;
        mz_classes_diverging(cls, maxabs);
        mz_rgb_t neg[3], pos[3];
        mz_palette(MZ_PAL_DIV_NEG, 3, neg);
        mz_palette(MZ_PAL_DIV_POS, 3, pos);
        for (size_t i = 0; i < 3; i++) {
            cls->colour[i] = neg[2 - i];
            cls->colour[3 + i] = pos[i];
        }
    } else {
        /* the report's thresholds: 10 (action needed, configurable) and 12 points */
        double b[6] = {0, 5, 10, 12, m->ch->in.results ? mz_results_rules(m->ch->in.results)->gap_flag : 10};
        size_t nb = 0;
        memset(cls, 0, sizeof *cls);
        for (size_t i = 0; i < 5; i++) {
            double v = mz_round1(b[i]);
            size_t k = 0;
            while (k < nb && cls->breaks[k] < v)
                k++;
            if (k < nb && cls->breaks[k] == v)
                continue;
            memmove(&cls->breaks[k + 1], &cls->breaks[k], (nb - k) * sizeof cls->breaks[0]);
            cls->breaks[k] = v;
            nb++;
        }
        cls->nbreaks = nb;
        mz_classes_label(cls);
        n = mz_classes_count(cls);
        /* class 0 (below the first break, 0: people with MH less often unemployed) in blue;
         * the rest a sequential ramp */
        size_t neg = cls->breaks[0] <= 0 ? 1 : 0;
        mz_rgb_t blue[4];
        mz_palette(MZ_PAL_DIV_NEG, 4, blue);
        if (neg)
            cls->colour[0] = blue[1];
        mz_palette(MZ_PAL_SEQ_ORANGE, n - neg, cls->colour + neg);
    }
}

static void indicator_notes(map_t *m, bool merged, bool limited)
{
    const mz_rules_t *rules = mz_results_rules(m->ch->in.results);
    char a[32], b[32], buf[512];
    mz_fmt_count(rules->min_count, a, sizeof a);
    mz_fmt_count(rules->limited_below, b, sizeof b);
    leg_add(m, LEG_GAP, mz_rgb_hex(0), NULL);
    if (limited) {
        snprintf(buf, sizeof buf,
                 mz_tr("( ) Aussagewert eingeschränkt: hochgerechnet %s bis unter %s Personen.",
                       "( ) limited reliability: %s to under %s persons (weighted)."),
                 a, b);
        leg_add(m, LEG_NOTE, mz_rgb_hex(0), buf);
    }
    snprintf(buf, sizeof buf,
             mz_tr("/ Zahlenwert nicht sicher genug: hochgerechnet unter %s Personen; der Wert wird "
                   "nicht veröffentlicht.",
                   "/ not reliable enough: under %s persons (weighted); the value is not "
                   "published."),
             a);
    leg_add(m, LEG_NOTE, mz_rgb_hex(0), buf);
    if (merged)
        leg_add(m, LEG_NOTE, mz_rgb_hex(0),
                mz_tr("Planungsregionen: Kreise mit zu wenigen Fällen sind mit benachbarten "
                      "Kreisen derselben Anpassungsschicht zusammengefasst.",
                      "Planning regions: Kreise with too few cases are merged with neighbouring "
                      "Kreise of the same adjustment stratum."));
}

mz_status_t mz_draw_indicator_map(mz_charts_t *ch, mz_canvas_t *cv, int fig, mz_error_t *err)
{
    map_t m;
    char sub[512], src[512], buf[512];
    fig_spec_t sp = fig_spec(fig);
    indicator_subtitle(ch, fig, sub, sizeof sub);
    double top = mz_draw_header(cv, fig, sub);
    mz_source_line(ch, fig == 10, src, sizeof src);
    double bottom = map_footer(ch, cv, src, ch->in.synthetic, NULL);
    map_init(&m, ch, cv, ch->kreise, top, bottom);

    bool merged = false, limited = false, secret = false;
    build_indicator_areas(&m, sp, &merged, &limited, &secret);
    mz_classes_t cls;
    indicator_classes(&m, fig, sp, &cls);
    size_t ncls = mz_classes_count(&cls);
    for (size_t i = 0; i < m.nareas; i++)
        if (m.areas[i].style == AREA_FILL)
            m.areas[i].fill = cls.colour[mz_classes_of(&cls, m.areas[i].estimate)];
    dissolve_areas(&m);

    /* legend */
    leg_add(&m, LEG_HEAD, mz_rgb_hex(0),
            fig == 5 ? mz_tr("Anteil in %", "Share in %")
                     : mz_tr("Differenz in Prozentpunkten", "Difference in percentage points"));
    for (size_t k = ncls; k-- > 0;) {
        if (fig != 5 && fig != 8 && k == 0 && cls.breaks[0] <= 0) {
            snprintf(buf, sizeof buf, "%.96s (%.200s)", cls.label[k],
                     mz_tr("mit MH seltener erwerbslos", "with MB less often unemployed"));
            leg_add(&m, LEG_SWATCH, cls.colour[k], buf);
        } else {
            leg_add(&m, LEG_SWATCH, cls.colour[k], cls.label[k]);
        }
    }
    leg_add(&m, LEG_HATCH, mz_rgb_hex(0),
            secret ? mz_tr("/ nicht sicher genug; . geheim", "/ not reliable enough; . secret")
                   : mz_tr("/ nicht sicher genug", "/ not reliable enough"));
    leg_add(&m, LEG_WHITE, mz_rgb_hex(0), mz_tr("keine Daten", "no data"));
    leg_add(&m, LEG_BORDER, mz_rgb_hex(0), mz_tr("Grenze einer Planungsregion",
                                                  "border of a planning region"));
    if (merged)
        leg_add(&m, LEG_MEMBER, mz_rgb_hex(0),
                mz_tr("Kreisgrenze innerhalb einer Planungsregion",
                      "Kreis border inside a planning region"));
    leg_add(&m, LEG_CONTEXT, mz_rgb_hex(0),
            mz_tr("Bremen und Nachbarländer (nicht Teil des Untersuchungsgebiets)",
                  "Bremen and neighbouring Länder (outside the study area)"));
    mz_kreis_nets_t *kn = NULL;
    size_t nkn = 0;
    if (fig == 10) {
        const mz_rules_t *rules = mz_results_rules(ch->in.results);
        char fl[32];
        mz_fmt_break(rules->gap_flag, fl, sizeof fl);
        leg_add(&m, LEG_GAP, mz_rgb_hex(0), NULL);
        leg_add(&m, LEG_HEAD, mz_rgb_hex(0), mz_tr("Handlungsbedarf", "Need for action"));
        snprintf(buf, sizeof buf,
                 mz_tr("Differenz %s Prozentpunkte und mehr", "gap of %s percentage points or more"),
                 fl);
        leg_add(&m, LEG_OUTLINE, cls.colour[ncls - 1], buf);
        leg_add(&m, LEG_NOTE, mz_rgb_hex(0),
                mz_tr("nach dem veröffentlichten, auf eine Nachkommastelle gerundeten Wert; "
                      "Konfidenzintervalle und Sicherheit des Befunds in action.csv",
                      "by the published value rounded to one decimal; confidence intervals and "
                      "certainty in action.csv"));
        if (ch->in.networks) {
            leg_add(&m, LEG_GAP, mz_rgb_hex(0), NULL);
            leg_add(&m, LEG_HEAD, mz_rgb_hex(0),
                    mz_tr("Netzwerke (Stand 03/2010)", "Networks (as of 03/2010)"));
            leg_add(&m, LEG_DOT, mz_rgb_hex(0),
                    mz_tr("regionales Netzwerk (ein Punkt je Netzwerk)",
                          "regional network (one dot per network)"));
            leg_add(&m, LEG_RING, mz_rgb_hex(0),
                    mz_tr("keine Angaben zu Netzwerken", "no information on networks"));
            nkn = mz_geo_count(m.geo);
            kn = calloc(nkn ? nkn : 1, sizeof *kn);
            if (!kn)
                m.oom = true;
            else
                kreis_nets(ch, m.geo, kn);
        }
    }
    indicator_notes(&m, merged, limited);

    /* draw */
    frame_begin(&m);
    draw_context(&m);
    draw_areas(&m);
    draw_outlines(&m);
    if (kn)
        draw_network_dots(&m, kn, nkn);
    place_labels(&m, true);
    frame_end(&m);
    free(kn);
    double ly = draw_legend(&m, LEGEND_X, top + 2, LEGEND_W, NULL);
    draw_scale_bar(&m, LEGEND_X + 4, fmax(ly + 8, bottom - 18));
    bool oom = m.oom;
    map_finish(&m);
    if (oom)
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    return MZ_OK;
}

/* ---- network maps: Abb. 1–4 ---- */

static const char *const field_codes[] = {"beratung",          "anerkennung",
                                          "kompetenzfeststellung", "qualifizierung",
                                          "sprachfoerderung",  "existenzgruendung",
                                          "interkulturelle_oeffnung", "berufliche_orientierung",
                                          "vermittlung"};
static const char *const actor_codes[] = {"bildungstraeger",       "politik_verwaltung",
                                          "arbeitsverwaltung",     "wohlfahrt_kirche",
                                          "migrantenorganisation", "wirtschaft",
                                          "wissenschaft",          "sonstige"};

static const char *field_label(size_t i)
{
    switch (i) {
    case 0: return mz_tr("Beratung", "Counselling");
    case 1: return mz_tr("Anerkennung ausländischer Abschlüsse", "Recognition of foreign qualifications");
    case 2: return mz_tr("Kompetenzfeststellung", "Skills assessment");
    case 3: return mz_tr("Qualifizierung", "Vocational training");
    case 4: return mz_tr("Berufsbezogene Sprachförderung", "Job-related language courses");
    case 5: return mz_tr("Existenzgründung", "Business start-up support");
    case 6: return mz_tr("Interkulturelle Öffnung", "Intercultural opening");
    case 7: return mz_tr("Berufliche Orientierung", "Vocational orientation");
    default: return mz_tr("Vermittlung in Ausbildung und Arbeit", "Placement in training and work");
    }
}

static const char *actor_label(size_t i)
{
    switch (i) {
    case 0: return mz_tr("Bildungsträger", "Education providers");
    case 1: return mz_tr("Politik und Verwaltung", "Politics and administration");
    case 2: return mz_tr("Arbeitsverwaltung", "Employment services");
    case 3: return mz_tr("Wohlfahrtsverbände, Kirchen", "Welfare organisations, churches");
    case 4: return mz_tr("Migrant(en)selbstorganisationen", "Migrant organisations");
    case 5: return mz_tr("Wirtschaft", "Business");
    case 6: return mz_tr("Wissenschaft", "Research");
    default: return mz_tr("Sonstige", "Other");
    }
}

static const char *programme_label(size_t i)
{
    switch (i) {
    case 0: return mz_tr("ESF-BAMF-Programm berufsbezogene Sprachförderung",
                         "ESF-BAMF programme for job-related German courses");
    case 1: return mz_tr("Xenos (Bundesprogramm)", "Xenos (federal programme)");
    default: return mz_tr("FIFA-Modellprojekt (Land Niedersachsen)",
                          "FIFA model project (Land Niedersachsen)");
    }
}

/* Bits of the codes ("a; b; c") in a fixed order. */
static unsigned code_bits(const char *list, const char *const *codes, size_t n)
{
    unsigned bits = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(codes[i]);
        for (const char *p = list; (p = strstr(p, codes[i])) != NULL; p += len) {
            bool start = p == list || p[-1] == ' ' || p[-1] == ';';
            bool end = p[len] == '\0' || p[len] == ';' || p[len] == ' ';
            if (start && end) {
                bits |= 1u << i;
                break;
            }
        }
    }
    return bits;
}

static unsigned net_bits(const mz_charts_t *ch, int fig, size_t idx)
{
    const mz_network_t *net = mz_networks_get(ch->in.networks, idx);
    if (fig == 2)
        return code_bits(net->fields, field_codes, 9);
    if (fig == 3)
        return code_bits(net->actor_types, actor_codes, 8);
    return idx < ch->nprogrammes ? ch->programmes[idx] : 0;
}

static unsigned popcount(unsigned v)
{
    unsigned c = 0;
    for (; v; v &= v - 1)
        c++;
    return c;
}

mz_status_t mz_draw_network_map(mz_charts_t *ch, mz_canvas_t *cv, int fig, mz_error_t *err)
{
    map_t m;
    char sub[512], src[512], buf[512];
    const mz_geo_t *geo = ch->kreise2010 ? ch->kreise2010 : ch->kreise;
    const mz_networks_t *nw = ch->in.networks;
    snprintf(sub, sizeof sub, "%s · %s",
             mz_tr("Landkreise und kreisfreie Städte (Region Hannover als eine Einheit)",
                   "Landkreise and kreisfreie Städte (Region Hannover as one unit)"),
             mz_tr("Stand der Recherche 03/2010", "survey as of 03/2010"));
    double top = mz_draw_header(cv, fig, sub);
    snprintf(src, sizeof src, "%s",
             mz_tr("Quelle: Recherche regionaler Netzwerke des ies (Stand 03/2010, Anhang 2 des "
                   "Berichts), eigene Darstellung",
                   "Source: ies survey of regional networks (as of 03/2010, annex 2 of the "
                   "report), own presentation"));
    size_t nsupra = 0, nregional = 0;
    for (size_t j = 0; j < mz_networks_count(nw); j++) {
        if (strcmp(mz_networks_get(nw, j)->scope, "regional") == 0)
            nregional++;
        else
            nsupra++;
    }
    char extra[256] = "";
    if (nsupra)
        snprintf(extra, sizeof extra,
                 mz_tr("Zusätzlich %zu überregionales Netzwerk ohne Kreiszuordnung (nicht "
                       "dargestellt).",
                       "In addition, %zu supra-regional network without a Kreis (not shown)."),
                 nsupra);
    double bottom = map_footer(ch, cv, src, false, extra);
    map_init(&m, ch, cv, geo, top, bottom);

    size_t nk = mz_geo_count(geo);
    mz_kreis_nets_t *kn = calloc(nk ? nk : 1, sizeof *kn);
    if (!kn) {
        map_finish(&m);
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    }
    kreis_nets(ch, geo, kn);

    mz_rgb_t green[4];
    mz_palette(MZ_PAL_SEQ_GREEN, 4, green);
    mz_rgb_t none_col = mz_rgb_hex(0xf2ede0);
    size_t cnt_network = 0, cnt_none = 0, cnt_noinfo = 0, cnt_class[3] = {0, 0, 0};
    for (size_t i = 0; i < nk; i++) {
        map_area_t *a = area_new(&m);
        if (!a)
            break;
        area_add_shape(&m, a, kn[i].shape);
        copy_text(a->name, sizeof a->name, short_name(ch, kn[i].shape->ags, kn[i].shape->name));
        a->style = AREA_FILL;
        if (kn[i].count) {
            cnt_network++;
            unsigned maxf = 0;
            bool funded = false;
            for (size_t j = 0; j < kn[i].count && j < 8; j++) {
                unsigned f = popcount(code_bits(mz_networks_get(nw, kn[i].idx[j])->fields,
                                                field_codes, 9));
                if (f > maxf)
                    maxf = f;
                if (net_bits(ch, 4, kn[i].idx[j]))
                    funded = true;
            }
            if (fig == 1) {
                a->fill = green[2];
            } else if (fig == 2) {
                size_t c = maxf >= 4 ? 2 : maxf == 3 ? 1 : 0;
                cnt_class[c]++;
                a->fill = green[c];
            } else if (fig == 4) {
                a->fill = funded ? green[1] : green[0];
                cnt_class[funded ? 1 : 0]++;
            } else {
                a->fill = green[1];
            }
        } else if (strcmp(kn[i].status, "no_information") == 0) {
            cnt_noinfo++;
            a->style = AREA_NODATA;
        } else {
            cnt_none++;
            a->fill = none_col;
        }
    }
    dissolve_areas(&m);

    /* legend */
    int cols = fig == 2 ? 3 : fig == 3 ? 4 : 3, rows = fig == 2 ? 3 : fig == 3 ? 2 : 1;
    size_t nitems = fig == 2 ? 9 : fig == 3 ? 8 : 3;
    leg_add(&m, LEG_HEAD, mz_rgb_hex(0), mz_tr("Landkreise und kreisfreie Städte",
                                                "Landkreise and kreisfreie Städte"));
    if (fig == 1) {
        snprintf(buf, sizeof buf, mz_tr("mit Netzwerk (%zu)", "with a network (%zu)"), cnt_network);
        leg_add(&m, LEG_SWATCH, green[2], buf);
    } else if (fig == 2) {
        static const char *const de[] = {"Netzwerk mit 1–2 Handlungsfeldern (%zu)",
                                         "Netzwerk mit 3 Handlungsfeldern (%zu)",
                                         "Netzwerk mit 4 und mehr Handlungsfeldern (%zu)"};
        static const char *const en[] = {"network with 1–2 fields (%zu)",
                                         "network with 3 fields (%zu)",
                                         "network with 4 or more fields (%zu)"};
        for (size_t c = 3; c-- > 0;) {
            snprintf(buf, sizeof buf, mz_tr(de[c], en[c]), cnt_class[c]);
            leg_add(&m, LEG_SWATCH, green[c], buf);
        }
    } else if (fig == 4) {
        snprintf(buf, sizeof buf,
                 mz_tr("Netzwerk mit Förderung aus den Programmen (%zu)",
                       "network funded by the programmes (%zu)"),
                 cnt_class[1]);
        leg_add(&m, LEG_SWATCH, green[1], buf);
        snprintf(buf, sizeof buf,
                 mz_tr("Netzwerk ohne erfasste Programmförderung (%zu)",
                       "network without recorded programme funding (%zu)"),
                 cnt_class[0]);
        leg_add(&m, LEG_SWATCH, green[0], buf);
    } else {
        snprintf(buf, sizeof buf, mz_tr("mit Netzwerk (%zu)", "with a network (%zu)"), cnt_network);
        leg_add(&m, LEG_SWATCH, green[1], buf);
    }
    snprintf(buf, sizeof buf, mz_tr("ohne Netzwerk (%zu)", "without a network (%zu)"), cnt_none);
    leg_add(&m, LEG_SWATCH, none_col, buf);
    snprintf(buf, sizeof buf, mz_tr("keine Angaben (%zu)", "no information (%zu)"), cnt_noinfo);
    leg_add(&m, LEG_WHITE, mz_rgb_hex(0), buf);
    leg_add(&m, LEG_CONTEXT, mz_rgb_hex(0),
            mz_tr("Bremen und Nachbarländer", "Bremen and neighbouring Länder"));
    const char *glyph_labels[9] = {NULL};
    if (fig == 1) {
        leg_add(&m, LEG_GAP, mz_rgb_hex(0), NULL);
        snprintf(buf, sizeof buf,
                 mz_tr("regionales Netzwerk (ein Punkt je Netzwerk; %zu insgesamt)",
                       "regional network (one dot per network; %zu in all)"),
                 nregional);
        leg_add(&m, LEG_DOT, mz_rgb_hex(0), buf);
    } else {
        leg_add(&m, LEG_GAP, mz_rgb_hex(0), NULL);
        leg_add(&m, LEG_HEAD, mz_rgb_hex(0),
                fig == 2   ? mz_tr("Handlungsfelder je Netzwerk", "Fields of action per network")
                : fig == 3 ? mz_tr("Akteure je Netzwerk", "Actors per network")
                           : mz_tr("Förderprogramme je Netzwerk", "Funding per network"));
        legend_item_t *g = NULL;
        leg_add(&m, LEG_GLYPH, mz_rgb_hex(0),
                mz_tr("ein Kästchen je Netzwerk und Merkmal; dunkel: trifft zu (Anzahl der "
                      "Netzwerke in Klammern)",
                      "one grid per network; dark: applies (number of networks in brackets)"));
        g = &m.leg[m.nleg - 1];
        g->n = cols;
        g->m = rows;
        for (size_t k = 0; k < nitems; k++) {
            size_t c = 0;
            for (size_t j = 0; j < mz_networks_count(nw); j++)
                if (strcmp(mz_networks_get(nw, j)->scope, "regional") == 0 &&
                    (net_bits(ch, fig, j) & (1u << k)))
                    c++;
            const char *lab = fig == 2 ? field_label(k) : fig == 3 ? actor_label(k)
                                                                    : programme_label(k);
            glyph_labels[k] = lab;
            snprintf(buf, sizeof buf, "%s (%zu)", lab, c);
            leg_add(&m, LEG_NUMBERED, mz_rgb_hex(0), buf);
            m.leg[m.nleg - 1].n = (int)k + 1;
        }
        if (fig == 4)
            leg_add(&m, LEG_NOTE, mz_rgb_hex(0),
                    mz_tr("ESF-BAMF: Netzwerke mit berufsbezogener Sprachförderung; Xenos und "
                          "FIFA laut Netzwerksteckbriefen des Berichts.",
                          "ESF-BAMF: networks offering job-related language courses; Xenos and "
                          "FIFA as named in the report's network profiles."));
    }

    /* draw */
    frame_begin(&m);
    draw_context(&m);
    draw_areas(&m);
    if (fig == 1) {
        draw_network_dots(&m, kn, nk);
    } else {
        qsort(kn, nk, sizeof *kn, cmp_kreis_area);
        for (size_t i = 0; i < nk; i++) {
            if (!kn[i].count)
                continue;
            size_t nets = kn[i].count < 8 ? kn[i].count : 8;
            double w, h, x, y;
            double cell = fig == 4 ? 4.4 : CELL;
            glyph_size(cols, rows, cell, nets, &w, &h);
            place_box(&m, kn[i].shape, w, h, &x, &y);
            double gw = cols * cell + (cols - 1) * CELL_GAP + 2 * GLYPH_PAD;
            for (size_t j = 0; j < nets; j++)
                draw_glyph(cv->cr, x - w / 2 + (double)j * (gw + GLYPH_SEP), y - h / 2, cols, rows,
                           net_bits(ch, fig, kn[i].idx[j]), cell, CELL_GAP, GLYPH_PAD);
        }
    }
    place_labels(&m, false);
    frame_end(&m);
    double ly = draw_legend(&m, LEGEND_X, top + 2, LEGEND_W, glyph_labels);
    draw_scale_bar(&m, LEGEND_X + 4, fmax(ly + 8, bottom - 18));
    free(kn);
    bool oom = m.oom;
    map_finish(&m);
    if (oom)
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    return MZ_OK;
}
