/* chart.h — private to charts/: the drawing canvas (cairo surface per format, pango text),
 * colours and palettes, geometry helpers (projection, dissolved boundaries, label points) and
 * the figure renderers. */
#ifndef MZATLAS_CHART_H
#define MZATLAS_CHART_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include <cairo.h>
#include <pango/pangocairo.h>

#include "../microcensus/util.h"
#include "mzatlas/mz_charts.h"
#include "mzatlas/mz_geo.h"

/* ---- page layout (points, 1 pt = 1/72 inch) ---- */

#define MZ_MM (72.0 / 25.4)
#define MZ_PAGE_W (240.0 * MZ_MM)
#define MZ_PAGE_H (185.0 * MZ_MM)

/* Fonts (pango descriptions; sizes in points). */
#define MZ_FONT_TITLE "DejaVu Sans Bold 12.5"
#define MZ_FONT_SUBTITLE "DejaVu Sans 8.5"
#define MZ_FONT_LEGEND_HEAD "DejaVu Sans Bold 8"
#define MZ_FONT_LEGEND "DejaVu Sans 7.5"
#define MZ_FONT_SMALL "DejaVu Sans 6.5"
#define MZ_FONT_FOOT "DejaVu Sans 6.5"
#define MZ_FONT_FOOT_BOLD "DejaVu Sans Bold 6.5"
#define MZ_FONT_LABEL "DejaVu Sans Condensed 6"
#define MZ_FONT_VALUE "DejaVu Sans Condensed Bold 6.3"
#define MZ_FONT_CONTEXT "DejaVu Sans Oblique 6.5"
#define MZ_FONT_AXIS "DejaVu Sans 7"
#define MZ_FONT_AXIS_BOLD "DejaVu Sans Bold 7"

/* ---- colours ---- */

typedef struct mz_rgb {
    double r, g, b; /* sRGB, 0..1 */
} mz_rgb_t;

mz_rgb_t mz_rgb_hex(unsigned hex);
/** CIE L* (0 black .. 100 white) of an sRGB colour: what a greyscale print shows. */
double mz_rgb_lightness(mz_rgb_t c);
/** Colour with L* changed by dl (negative: darker), hue and chroma kept where possible. */
mz_rgb_t mz_rgb_shade(mz_rgb_t c, double dl);
/** n colours evenly spaced along a path through the anchors, interpolated in CIELAB. */
void mz_palette_ramp(const mz_rgb_t *anchors, size_t nanchors, size_t n, mz_rgb_t *out);

/** Named palettes of the figures (see docs/maps.md). */
typedef enum mz_palette_id {
    MZ_PAL_SEQ_BLUE,    /**< light cream to dark blue: shares (Abb. 5) */
    MZ_PAL_SEQ_ORANGE,  /**< light sand to dark red-brown: unemployment gap (Abb. 9, 10) */
    MZ_PAL_DIV_NEG,     /**< blue arm of the diverging palette (light to dark) */
    MZ_PAL_DIV_POS,     /**< orange-brown arm of the diverging palette (light to dark) */
    MZ_PAL_SEQ_GREEN    /**< light to dark green: networks (Abb. 1, 2) */
} mz_palette_id_t;
void mz_palette(mz_palette_id_t id, size_t n, mz_rgb_t *out);

/* Fixed colours. */
#define MZ_COL_TEXT 0x1a1a1a
#define MZ_COL_TEXT_GREY 0x595959
#define MZ_COL_CONTEXT 0xdedede
#define MZ_COL_OUTSIDE 0xeef2f6
#define MZ_COL_CONTEXT_LINE 0xffffff
#define MZ_COL_CONTEXT_TEXT 0x8a8a8a
#define MZ_COL_BORDER 0x4d4d4d
#define MZ_COL_LAND 0x262626
#define MZ_COL_WITHHELD 0xdcdcdc
#define MZ_COL_HATCH 0x7a7a7a
#define MZ_COL_NODATA 0xffffff
#define MZ_COL_SYNTH 0x9c1c1c

/* ---- class breaks ---- */

#define MZ_MAX_CLASSES 8

/** Classes: value < breaks[0] is class 0, breaks[i-1] <= value < breaks[i] is class i, value >=
 *  breaks[nbreaks-1] is class nbreaks. Classification uses the published (rounded) value. */
typedef struct mz_classes {
    double breaks[MZ_MAX_CLASSES - 1];
    size_t nbreaks;
    mz_rgb_t colour[MZ_MAX_CLASSES];
    char label[MZ_MAX_CLASSES][96];
} mz_classes_t;

size_t mz_classes_count(const mz_classes_t *c);
size_t mz_classes_of(const mz_classes_t *c, double value);
/** Write the legend labels ("unter 10", "10 bis unter 15", "25 und mehr"). */
void mz_classes_label(mz_classes_t *c);
/** Nice breaks for values in [vmin, vmax]: multiples of a step from 1, 2, 2.5, 5 × 10^k, at most
 *  max_classes classes. With no values (vmin > vmax) the default breaks are used. */
void mz_classes_nice(mz_classes_t *c, double vmin, double vmax, size_t max_classes,
                     const double *dflt, size_t ndflt);
/** Symmetric breaks around 0 for a diverging palette (6 classes). */
void mz_classes_diverging(mz_classes_t *c, double maxabs);

/** Format a published number: one decimal, decimal comma in German, a real minus sign. */
void mz_fmt_value(double x, char *buf, size_t size);
/** Format a break value: without decimals when whole. */
void mz_fmt_break(double x, char *buf, size_t size);
/** Format a whole number with a thin-space (de) or comma (en) thousands separator. */
void mz_fmt_count(double x, char *buf, size_t size);

/* ---- canvas ---- */

typedef struct mz_canvas {
    cairo_surface_t *surface;
    cairo_t *cr;
    PangoContext *pango;
    unsigned fmt;
    double w, h, dpi;
    const char *pdf_date; /* NULL: see mz_chart_options_t.pdf_date */
    mz_str_t out;   /* PDF/SVG/PNG bytes */
    mz_str_t text;  /* every text drawn, one per line: the SVG description */
    bool oom;
} mz_canvas_t;

/** A canvas for one file; text is laid out with the given pango font map. */
mz_canvas_t *mz_canvas_create(unsigned fmt, double w, double h, double dpi, PangoFontMap *fonts,
                              mz_error_t *err);
void mz_canvas_destroy(mz_canvas_t *cv);
/** Finish the drawing and write the file (title and description go into SVG/PDF metadata). */
mz_status_t mz_canvas_write(mz_canvas_t *cv, const char *path, const char *title,
                            mz_error_t *err);

enum { MZ_HALIGN_LEFT = 0, MZ_HALIGN_CENTER = 1, MZ_HALIGN_RIGHT = 2 };

/** A layout of text in a font; width > 0 wraps at that width (with the alignment). */
PangoLayout *mz_text_layout(mz_canvas_t *cv, const char *text, const char *font, double width,
                            int align);
void mz_text_size(PangoLayout *layout, double *w, double *h);
/** Draw a layout with its top-left corner at x, y; halo draws a light outline behind it. */
void mz_text_draw(mz_canvas_t *cv, PangoLayout *layout, double x, double y, mz_rgb_t colour,
                  const mz_rgb_t *halo);
/** Lay out and draw text; ax/ay anchor the text box (0 left/top, 0.5 centre, 1 right/bottom).
 *  Returns the height of the text box. */
double mz_text(mz_canvas_t *cv, const char *text, const char *font, double x, double y,
               double width, int align, double ax, double ay, mz_rgb_t colour);
/** Size of text without drawing it. */
void mz_text_measure(mz_canvas_t *cv, const char *text, const char *font, double *w, double *h);

void mz_set_rgb(cairo_t *cr, mz_rgb_t c);
/** Fill the current path with the "withheld" hatching (grey with diagonal lines). The path is
 *  consumed. */
void mz_fill_hatched(cairo_t *cr, double spacing);

/* ---- page furniture shared by maps and bar charts ---- */

typedef struct mz_figure_ctx {
    mz_charts_t *ch;
    mz_canvas_t *cv;
    int fig;
} mz_figure_ctx_t;

/** Title and subtitle at the top; returns the y below them. */
double mz_draw_header(mz_canvas_t *cv, int fig, const char *subtitle);
/** Footer lines at the bottom, from the bottom up; returns the y above them. */
double mz_draw_footer(mz_canvas_t *cv, const char *const *lines, const bool *bold, size_t n);

/* ---- geometry ---- */

typedef struct mz_seg {
    double x1, y1, x2, y2;
} mz_seg_t;

/** A multiset of border segments (unordered point pairs). */
typedef struct mz_segset mz_segset_t;
mz_segset_t *mz_segset_create(size_t hint);
void mz_segset_destroy(mz_segset_t *s);
bool mz_segset_add_shape(mz_segset_t *s, const mz_shape_t *shape);
/** How many times the segment was added (either direction). */
unsigned mz_segset_count(const mz_segset_t *s, double x1, double y1, double x2, double y2);

/** The outline of the union of shapes: every ring segment that is not shared by two of the
 *  shapes. Returns a malloc'ed array (NULL with *n = 0 when empty or out of memory). */
mz_seg_t *mz_dissolve(const mz_shape_t *const *shapes, size_t n, size_t *nseg);

/** Whether (x, y) lies inside the union of the shapes (even-odd over every ring). */
bool mz_point_in_shapes(const mz_shape_t *const *shapes, size_t n, double x, double y);
/** Smallest distance from (x, y) to a segment of the list. */
double mz_dist_to_segs(const mz_seg_t *segs, size_t n, double x, double y);
/** Whether a segment touches the axis-aligned box [x0,x1]×[y0,y1]. */
bool mz_seg_hits_box(const mz_seg_t *s, double x0, double y0, double x1, double y1);

/** Candidate label points inside the union of the shapes, best first (largest distance to the
 *  outline). clip (xmin, ymin, xmax, ymax; may be NULL) limits the search. Returns the number
 *  written (up to max). */
typedef struct mz_candidate {
    double x, y, d;
} mz_candidate_t;
size_t mz_label_candidates(const mz_shape_t *const *shapes, size_t n, const mz_seg_t *outline,
                           size_t nseg, const double *clip, mz_candidate_t *out, size_t max);

/** World (metres) to page (points). */
typedef struct mz_proj {
    double scale;      /* points per metre */
    double wx0, wy1;   /* world x of the left edge, world y of the top edge */
    double px0, py0;   /* page point of (wx0, wy1) */
} mz_proj_t;

void mz_proj_fit(mz_proj_t *p, const double bbox[4], double x, double y, double w, double h);
static inline double mz_proj_x(const mz_proj_t *p, double wx) { return p->px0 + (wx - p->wx0) * p->scale; }
static inline double mz_proj_y(const mz_proj_t *p, double wy) { return p->py0 + (p->wy1 - wy) * p->scale; }
static inline double mz_unproj_x(const mz_proj_t *p, double px) { return p->wx0 + (px - p->px0) / p->scale; }
static inline double mz_unproj_y(const mz_proj_t *p, double py) { return p->wy1 - (py - p->py0) / p->scale; }

/** Add the rings of a shape to the current path (page coordinates). */
void mz_path_shape(cairo_t *cr, const mz_proj_t *p, const mz_shape_t *shape);
/** Add segments to the current path, chaining consecutive ones into polylines. */
void mz_path_segs(cairo_t *cr, const mz_proj_t *p, const mz_seg_t *segs, size_t n);

/* ---- the charts object and the figures ---- */

/** Network facts per Kreis of a geometry set, for figures 1–4 and 10. */
typedef struct mz_kreis_nets {
    const mz_shape_t *shape;
    char status[32];          /* "network", "none", "no_information", "" */
    size_t count;             /* regional networks */
    size_t idx[8];            /* their indices in the inventory (up to 8) */
} mz_kreis_nets_t;

/** Funding programmes of a network (bits). */
enum { MZ_PROG_ESF_BAMF = 1u << 0, MZ_PROG_XENOS = 1u << 1, MZ_PROG_FIFA = 1u << 2 };

/** Label candidates of a set of shapes, kept for the next figure or format. */
typedef struct mz_cand_entry {
    const mz_shape_t **shapes;
    size_t nshapes;
    double clip[4];
    mz_candidate_t *cand;
    size_t n;
} mz_cand_entry_t;

struct mz_charts {
    mz_chart_input_t in;
    mz_geo_t *kreise;       /* boundaries of the survey year */
    mz_geo_t *kreise2010;   /* boundaries of the inventory (2007 state) */
    mz_geo_t *split;        /* Hannover city and Umland */
    mz_geo_t *context;      /* Bremen and the neighbouring Länder */
    unsigned *programmes;   /* per network of the inventory */
    size_t nprogrammes;
    PangoFontMap *fonts;    /* own font map: its caches go with the charts object */
    mz_cand_entry_t *cands; /* label candidates already computed */
    size_t ncands, ccands;
    pthread_mutex_t cands_lock; /* figures are drawn on several threads at once */
};

/** At most this many threads draw the figures of mz_charts_write_all. */
#define MZ_CHART_THREADS 4

mz_status_t mz_draw_network_map(mz_charts_t *ch, mz_canvas_t *cv, int fig, mz_error_t *err);
mz_status_t mz_draw_indicator_map(mz_charts_t *ch, mz_canvas_t *cv, int fig, mz_error_t *err);
mz_status_t mz_draw_bar_chart(mz_charts_t *ch, mz_canvas_t *cv, int fig, mz_error_t *err);

/** Source line for Mikrozensus figures, in the current language. */
void mz_source_line(const mz_charts_t *ch, bool with_networks, char *buf, size_t size);
/** Subtitle phrase for the age band ("18 bis 64 Jahre" / "alle Altersjahre"). */
void mz_band_phrase(mz_age_band_t band, char *buf, size_t size);

#endif
