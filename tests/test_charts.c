/* test_charts.c — maps and charts: formats and options, class breaks and palettes, geometry
 * (dissolve, point-in-polygon, label points, projection), rendering of every figure in every
 * format, what the SVG says (attribution, synthetic label, no withheld value), determinism,
 * the 2017 boundaries, English labels, and a golden-image comparison of Abb. 1. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cairo.h>

#include "../charts/chart.h"
#include "mzatlas/mz_charts.h"
#include "mzatlas/mz_run.h"
#include "testutil.h"

/* ---- helpers ---- */

static char tmpdir[256];

static void make_tmpdir(void) { tu_workdir_make(tmpdir, sizeof tmpdir, "charts"); }

static void drop_tmpdir(void) { tu_workdir_drop(tmpdir); }

/* Whether needle occurs in the first len bytes (binary files have NUL bytes). */
static bool contains(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return true;
    return false;
}

/* The text of the SVG's <desc> (all text drawn), as a new string. */
static char *svg_desc(const char *svg)
{
    const char *a = strstr(svg, "<desc>"), *b = strstr(svg, "</desc>");
    cr_assert(a && b && b > a);
    a += 6;
    char *t = malloc((size_t)(b - a) + 1);
    memcpy(t, a, (size_t)(b - a));
    t[b - a] = '\0';
    return t;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static mz_gazetteer_t *load_gz(void)
{
    char path[4096];
    mz_error_t err;
    mz_gazetteer_t *gz = mz_gazetteer_load(mz_data_path("regions/gazetteer-ni.csv", path,
                                                        sizeof path), &err);
    cr_assert_not_null(gz, "%s", err.message);
    return gz;
}

static mz_networks_t *load_nw(void)
{
    char a[4096], b[4096];
    mz_error_t err;
    mz_networks_t *nw = mz_networks_load(mz_data_path("networks/networks-ni-2010.csv", a, sizeof a),
                                         mz_data_path("regions/kreise-ni.csv", b, sizeof b), &err);
    cr_assert_not_null(nw, "%s", err.message);
    return nw;
}

/* A made-up cell: population with/without MH, rates chosen per unit. */
static void fill_cell(mz_cell_t *c, double with, double without, double urate_with)
{
    mz_cell_init(c);
    double pop[2] = {without, with};
    for (int g = 0; g < 2; g++) {
        double band = 0.62 * pop[g];
        double emp_band = band * (g ? 0.60 : 0.75);
        double unemp = g ? band * urate_with : band * 0.04;
        double emp = emp_band * 1.02;
        double w[MZ_NMEAS] = {pop[g], band,       emp_band,   unemp,      emp,
                              0.1 * emp, 0.03 * emp, 0.30 * emp, 0.25 * emp, 0.42 * emp};
        for (int m = 0; m < MZ_NMEAS; m++) {
            c->w[g][m] = w[m];
            c->n[g][m] = (int64_t)(w[m] / 100);
        }
    }
    c->have = MZ_HAVE_ALL;
}

/* Test data: every unit valid in `year` (Hannover as 03241) with data; Emsland has a distinctive
 * migration share of 31.7 %, Lüchow-Dannenberg too few people with MH (withheld; its share
 * would be 38.2 %). Optionally Friesland and Wittmund merged into one region. */
typedef struct fixture {
    mz_gazetteer_t *gz;
    mz_networks_t *nw;
    mz_cells_t *cells;
    mz_results_t *res;
} fixture_t;

static void fixture_init(fixture_t *fx, int year, bool merge)
{
    mz_error_t err;
    mz_age_band_t band = {18, 64};
    fx->gz = load_gz();
    fx->nw = load_nw();
    fx->cells = mz_cells_create(fx->gz, band, &err);
    cr_assert_not_null(fx->cells);
    for (size_t u = 0; u < mz_gazetteer_count(fx->gz); u++) {
        const mz_unit_t *unit = mz_gazetteer_unit(fx->gz, u);
        if (!mz_unit_valid_in(unit, year) || unit->kind == MZ_KIND_TEILREGION)
            continue;
        mz_cell_t c;
        double without = 160000, with = 30000 + 500.0 * (double)(u % 40);
        double urate = 0.06 + 0.004 * (double)(u % 30);
        if (strcmp(unit->ags, "03454") == 0)
            with = 0.317 / (1 - 0.317) * without;
        if (strcmp(unit->ags, "03354") == 0) {
            without = 7000;
            with = 4321;
        }
        fill_cell(&c, with, without, urate);
        mz_cells_add_cell(fx->cells, (int)u, -1, &c);
    }
    mz_rules_t rules;
    mz_rules_init(&rules);
    mz_partition_t parts[MZ_NIND];
    memset(parts, 0, sizeof parts);
    mz_partition_t *pp = NULL;
    if (merge) {
        int fri = mz_gazetteer_find(fx->gz, "03455"), wtm = mz_gazetteer_find(fx->gz, "03462");
        for (int i = 0; i < MZ_NIND; i++) {
            mz_partition_t single;
            cr_assert_eq(mz_partition_singletons(fx->cells, &single, &err), MZ_OK);
            parts[i].regions = calloc(single.count, sizeof *parts[i].regions);
            for (size_t r = 0; r < single.count; r++) {
                int u = single.regions[r].units[0];
                if (u == wtm)
                    continue;
                if (u == fri) {
                    int both[2] = {fri, wtm};
                    mz_region_init_units(&parts[i].regions[parts[i].count++], fx->gz, both, 2,
                                         &err);
                } else {
                    mz_region_init_units(&parts[i].regions[parts[i].count++], fx->gz, &u, 1,
                                         &err);
                }
            }
            mz_partition_finish(&single);
        }
        pp = parts;
    }
    fx->res = mz_results_build(fx->cells, pp, &rules, &err);
    cr_assert_not_null(fx->res, "%s", err.message);
}

static void fixture_finish(fixture_t *fx)
{
    mz_results_destroy(fx->res);
    mz_cells_destroy(fx->cells);
    mz_networks_destroy(fx->nw);
    mz_gazetteer_destroy(fx->gz);
}

static mz_charts_t *make_charts(fixture_t *fx, int year, bool synthetic)
{
    mz_chart_input_t in;
    memset(&in, 0, sizeof in);
    in.results = fx->res;
    in.gazetteer = fx->gz;
    in.networks = fx->nw;
    in.year = year;
    in.band = (mz_age_band_t){18, 64};
    in.synthetic = synthetic;
    mz_error_t err;
    mz_charts_t *ch = mz_charts_create(&in, &err);
    cr_assert_not_null(ch, "%s", err.message);
    return ch;
}

static char *render(mz_charts_t *ch, int fig, unsigned fmt, const mz_chart_options_t *opt,
                    size_t *len)
{
    char path[512];
    mz_error_t err;
    snprintf(path, sizeof path, "%s/fig%02d-%u.%s", tmpdir, fig, fmt, mz_format_ext(fmt));
    cr_assert_eq(mz_charts_render(ch, fig, fmt, opt, path, &err), MZ_OK, "fig %d: %s", fig,
                 err.message);
    char *data = tu_slurp(path, len);
    cr_assert_not_null(data);
    return data;
}

/* ---- formats and names ---- */

Test(formats, parse)
{
    unsigned f = 0;
    cr_assert(mz_formats_parse("png,svg,pdf", &f));
    cr_assert_eq(f, MZ_FMT_ALL);
    cr_assert(mz_formats_parse("svg", &f));
    cr_assert_eq(f, MZ_FMT_SVG);
    cr_assert(mz_formats_parse("pdf, png", &f));
    cr_assert_eq(f, MZ_FMT_PDF | MZ_FMT_PNG);
    f = 99;
    cr_assert_not(mz_formats_parse("png,gif", &f));
    cr_assert_not(mz_formats_parse("", &f));
    cr_assert_not(mz_formats_parse(",", &f));
    cr_assert_eq(f, 99);
    cr_assert_str_eq(mz_format_ext(MZ_FMT_PDF), "pdf");
    cr_assert_null(mz_format_ext(MZ_FMT_PNG | MZ_FMT_SVG));
}

Test(figures, stems_and_titles)
{
    for (int fig = 1; fig <= MZ_NFIGURES; fig++) {
        char want[8];
        snprintf(want, sizeof want, "abb%02d-", fig);
        cr_assert_eq(strncmp(mz_figure_stem(fig), want, 6), 0, "%s", mz_figure_stem(fig));
        cr_assert_not_null(mz_figure_title(fig));
    }
    cr_assert_null(mz_figure_stem(0));
    cr_assert_null(mz_figure_stem(11));
    mz_charts_destroy(NULL);
}

/* ---- classes, palettes, numbers ---- */

Test(classes, nice_breaks_and_rounding)
{
    mz_classes_t c;
    mz_classes_nice(&c, 5.2, 29.0, 6, NULL, 0);
    cr_assert_eq(c.nbreaks, 4);
    cr_assert_eq(c.breaks[0], 10);
    cr_assert_eq(c.breaks[3], 25);
    cr_assert_str_eq(c.label[0], "unter 10");
    cr_assert_str_eq(c.label[2], "15 bis unter 20");
    cr_assert_str_eq(c.label[4], "25 und mehr");
    /* classification uses the published (rounded) value */
    cr_assert_eq(mz_classes_of(&c, 9.94), 0);
    cr_assert_eq(mz_classes_of(&c, 9.96), 1);
    cr_assert_eq(mz_classes_of(&c, 25.0), 4);
    /* no values: the defaults */
    double d[] = {10, 20};
    mz_classes_nice(&c, INFINITY, -INFINITY, 6, d, 2);
    cr_assert_eq(c.nbreaks, 2);
    cr_assert_eq(c.breaks[1], 20);
}

Test(classes, diverging_is_symmetric)
{
    mz_classes_t c;
    mz_classes_diverging(&c, 6.0);
    cr_assert_eq(c.nbreaks, 5);
    cr_assert_eq(c.breaks[2], 0);
    cr_assert_eq(c.breaks[0], -c.breaks[4]);
    cr_assert(c.breaks[4] * 2.5 >= 6.0);
    cr_assert(strstr(c.label[0], "\xe2\x88\x92") != NULL, "%s", c.label[0]); /* real minus */
}

Test(palette, lightness_falls_monotonically)
{
    static const mz_palette_id_t ids[] = {MZ_PAL_SEQ_BLUE, MZ_PAL_SEQ_ORANGE, MZ_PAL_DIV_NEG,
                                          MZ_PAL_DIV_POS, MZ_PAL_SEQ_GREEN};
    for (size_t p = 0; p < sizeof ids / sizeof ids[0]; p++)
        for (size_t n = 2; n <= 7; n++) {
            mz_rgb_t c[7];
            mz_palette(ids[p], n, c);
            for (size_t i = 1; i < n; i++) {
                double a = mz_rgb_lightness(c[i - 1]), b = mz_rgb_lightness(c[i]);
                /* readable in grey: neighbouring classes differ by at least 8 L* units */
                cr_assert(a - b >= 8.0 / (double)(n > 5 ? 2 : 1), "palette %zu n %zu: %f %f", p,
                          n, a, b);
            }
            /* the lightest class is not white (white means "no data") */
            cr_assert(mz_rgb_lightness(c[0]) < 97.5);
        }
}

Test(numbers, german_and_english)
{
    char b[32];
    mz_set_lang(MZ_LANG_DE);
    mz_fmt_value(12.345, b, sizeof b);
    cr_assert_str_eq(b, "12,3");
    mz_fmt_value(-0.04, b, sizeof b);
    cr_assert_str_eq(b, "0,0");
    mz_fmt_value(-2.25, b, sizeof b);
    cr_assert_str_eq(b, "\xe2\x88\x92" "2,3");
    mz_fmt_count(10000, b, sizeof b);
    cr_assert_str_eq(b, "10\xe2\x80\xaf" "000");
    mz_set_lang(MZ_LANG_EN);
    mz_fmt_value(12.345, b, sizeof b);
    cr_assert_str_eq(b, "12.3");
    mz_fmt_count(10000, b, sizeof b);
    cr_assert_str_eq(b, "10,000");
    mz_set_lang(MZ_LANG_DE);
}

/* ---- geometry ---- */

/* Two unit squares side by side, the left one with a square hole. */
static const double sq_a[] = {0, 0, 1, 0, 1, 1, 0, 1, 0, 0};
static const double sq_hole[] = {0.4, 0.4, 0.6, 0.4, 0.6, 0.6, 0.4, 0.6, 0.4, 0.4};
static const double sq_b[] = {1, 0, 2, 0, 2, 1, 1, 1, 1, 0};

static void square_shapes(mz_ring_t ra[2], mz_ring_t *rb, mz_polygon_t *pa, mz_polygon_t *pb,
                          mz_shape_t *a, mz_shape_t *b)
{
    ra[0] = (mz_ring_t){sq_a, 5};
    ra[1] = (mz_ring_t){sq_hole, 5};
    *rb = (mz_ring_t){sq_b, 5};
    *pa = (mz_polygon_t){ra, 2};
    *pb = (mz_polygon_t){rb, 1};
    *a = (mz_shape_t){"1", "a", "x", pa, 1, {0, 0, 1, 1}};
    *b = (mz_shape_t){"2", "b", "x", pb, 1, {1, 0, 2, 1}};
}

Test(geometry, dissolve_drops_shared_border)
{
    mz_ring_t ra[2], rb;
    mz_polygon_t pa, pb;
    mz_shape_t a, b;
    square_shapes(ra, &rb, &pa, &pb, &a, &b);
    const mz_shape_t *both[2] = {&a, &b};
    size_t n;
    mz_seg_t *segs = mz_dissolve(both, 2, &n);
    /* 4 + 4 hole + 4 - 2 shared = 10 */
    cr_assert_eq(n, 10);
    for (size_t i = 0; i < n; i++)
        cr_assert_not(segs[i].x1 == 1 && segs[i].x2 == 1, "shared border kept");
    free(segs);
    segs = mz_dissolve(both, 1, &n);
    cr_assert_eq(n, 8);
    free(segs);
}

Test(geometry, point_in_polygon_with_hole)
{
    mz_ring_t ra[2], rb;
    mz_polygon_t pa, pb;
    mz_shape_t a, b;
    square_shapes(ra, &rb, &pa, &pb, &a, &b);
    const mz_shape_t *both[2] = {&a, &b};
    cr_assert(mz_point_in_shapes(both, 2, 0.2, 0.2));
    cr_assert_not(mz_point_in_shapes(both, 2, 0.5, 0.5)); /* the hole */
    cr_assert(mz_point_in_shapes(both, 2, 1.5, 0.5));
    cr_assert_not(mz_point_in_shapes(both, 2, 2.5, 0.5));
    cr_assert_not(mz_point_in_shapes(both, 1, 1.5, 0.5));
}

Test(geometry, label_point_avoids_hole_and_border)
{
    mz_ring_t ra[2], rb;
    mz_polygon_t pa, pb;
    mz_shape_t a, b;
    square_shapes(ra, &rb, &pa, &pb, &a, &b);
    const mz_shape_t *one[1] = {&b};
    size_t n;
    mz_seg_t *segs = mz_dissolve(one, 1, &n);
    mz_candidate_t c[16];
    size_t k = mz_label_candidates(one, 1, segs, n, NULL, c, 16);
    cr_assert(k > 0);
    cr_assert(fabs(c[0].x - 1.5) < 0.05 && fabs(c[0].y - 0.5) < 0.05, "%f %f", c[0].x, c[0].y);
    cr_assert(c[0].d > 0.45);
    free(segs);
    /* the holed square: the best point is not in the hole */
    one[0] = &a;
    segs = mz_dissolve(one, 1, &n);
    k = mz_label_candidates(one, 1, segs, n, NULL, c, 16);
    cr_assert(k > 0);
    cr_assert(mz_point_in_shapes(one, 1, c[0].x, c[0].y));
    cr_assert(c[0].d < 0.25);
    free(segs);
}

Test(geometry, segment_box_and_projection)
{
    mz_seg_t s = {0, 0, 10, 10};
    cr_assert(mz_seg_hits_box(&s, 4, 4, 6, 6));
    cr_assert(mz_seg_hits_box(&s, 4, 4, 4.5, 4.5)); /* inside the box */
    cr_assert_not(mz_seg_hits_box(&s, 6, 0, 8, 2));
    mz_proj_t p;
    double bb[4] = {300000, 5700000, 700000, 6000000};
    mz_proj_fit(&p, bb, 10, 20, 400, 400);
    /* wider than high: fills the width, centred vertically, north up */
    cr_assert_float_eq(mz_proj_x(&p, bb[0]), 10, 1e-9);
    cr_assert_float_eq(mz_proj_x(&p, bb[2]), 410, 1e-9);
    cr_assert(mz_proj_y(&p, bb[3]) < mz_proj_y(&p, bb[1]));
    cr_assert_float_eq(mz_proj_y(&p, bb[3]) + mz_proj_y(&p, bb[1]), 2 * 220, 1e-9);
    cr_assert_float_eq(mz_unproj_x(&p, mz_proj_x(&p, 512345)), 512345, 1e-6);
}

Test(geometry, real_boundaries_dissolve_friesland_wittmund)
{
    char path[4096];
    mz_error_t err;
    mz_geo_t *geo = mz_geo_load(mz_data_path("geo/kreise-ni-2007.geojson", path, sizeof path),
                                &err);
    cr_assert_not_null(geo, "%s", err.message);
    const mz_shape_t *two[2] = {mz_geo_find(geo, "03455"), mz_geo_find(geo, "03462")};
    cr_assert(two[0] && two[1]);
    size_t n0, n1, n;
    free(mz_dissolve(two, 1, &n0));
    free(mz_dissolve(two + 1, 1, &n1));
    mz_seg_t *segs = mz_dissolve(two, 2, &n);
    cr_assert(n < n0 + n1 - 2, "the common border must go: %zu vs %zu + %zu", n, n0, n1);
    /* what is left is the outline of the union: no segment lies between the two */
    mz_segset_t *set = mz_segset_create(n);
    cr_assert(mz_segset_add_shape(set, two[0]) && mz_segset_add_shape(set, two[1]));
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(mz_segset_count(set, segs[i].x1, segs[i].y1, segs[i].x2, segs[i].y2), 1);
    mz_segset_destroy(set);
    free(segs);
    mz_geo_destroy(geo);
}

/* ---- rendering ---- */

Test(render, every_figure_every_format, .init = make_tmpdir, .fini = drop_tmpdir)
{
    fixture_t fx;
    fixture_init(&fx, 2007, true);
    mz_charts_t *ch = make_charts(&fx, 2007, true);
    static const unsigned fmts[] = {MZ_FMT_PNG, MZ_FMT_SVG, MZ_FMT_PDF};
    size_t sizes[MZ_NFIGURES + 1][3];
    for (int fig = 1; fig <= MZ_NFIGURES; fig++) {
        cr_assert(mz_charts_available(ch, fig));
        for (size_t f = 0; f < 3; f++) {
            size_t len;
            char *d = render(ch, fig, fmts[f], NULL, &len);
            sizes[fig][f] = len;
            if (fmts[f] == MZ_FMT_PNG) {
                cr_assert(len > 1000);
                cr_assert_eq(memcmp(d, "\x89PNG", 4), 0);
                cr_assert_geq(be32((unsigned char *)d + 16), 1600, "PNG width %u",
                              be32((unsigned char *)d + 16));
                cr_assert_eq(memcmp(d + 37, "pHYs", 4), 0);
            } else if (fmts[f] == MZ_FMT_SVG) {
                cr_assert(strstr(d, "<svg") && strstr(d, "</svg>"));
            } else {
                cr_assert_eq(strncmp(d, "%PDF-", 5), 0);
                cr_assert(contains(d, len, "%%EOF"));
            }
            free(d);
        }
    }
    /* every figure is its own picture */
    for (int a = 1; a <= MZ_NFIGURES; a++)
        for (int b = a + 1; b <= MZ_NFIGURES; b++)
            cr_assert(sizes[a][1] != sizes[b][1] || sizes[a][0] != sizes[b][0], "%d = %d", a, b);
    mz_charts_destroy(ch);
    fixture_finish(&fx);
}

Test(render, png_at_300_dpi, .init = make_tmpdir, .fini = drop_tmpdir)
{
    fixture_t fx;
    fixture_init(&fx, 2007, false);
    mz_charts_t *ch = make_charts(&fx, 2007, false);
    mz_chart_options_t opt;
    mz_chart_options_init(&opt);
    opt.dpi = 300;
    size_t len;
    unsigned char *d = (unsigned char *)render(ch, 9, MZ_FMT_PNG, &opt, &len);
    uint32_t w = be32(d + 16);
    cr_assert(w >= 2800 && w <= 2850, "width %u", w);
    cr_assert_eq(be32(d + 41), 11811, "pixels per metre %u", be32(d + 41)); /* 300 dpi */
    free(d);
    mz_charts_destroy(ch);
    fixture_finish(&fx);
}

Test(render, svg_text_attribution_synthetic_and_no_withheld_value, .init = make_tmpdir,
     .fini = drop_tmpdir)
{
    fixture_t fx;
    fixture_init(&fx, 2007, true);
    const mz_estimate_t *wh =
        mz_results_find(fx.res, MZ_IND_MIGRATION_SHARE, MZ_LEVEL_REGION, "03354", MZ_G_ALL);
    cr_assert(wh && mz_symbol_withheld(wh->p.symbol), "fixture: 03354 must be withheld");
    cr_assert_float_eq(wh->p.estimate, 100 * 4321.0 / 11321.0, 1e-6);
    mz_charts_t *ch = make_charts(&fx, 2007, true);
    char *svg = render(ch, 5, MZ_FMT_SVG, NULL, NULL);
    cr_assert(strstr(svg, "© GeoBasis-DE / BKG 2021 (Daten verändert)") != NULL);
    cr_assert(strstr(svg, "SYNTHETISCHE DATEN") != NULL);
    cr_assert(strstr(svg, "Quelle: synthetische Stichprobe") &&
              strstr(svg, "Mikrozensus 2007, eigene Berechnungen"));
    cr_assert_null(strstr(svg, "Statistische Ämter"), "synthetic data name no office");
    cr_assert(strstr(svg, "/ nicht sicher genug") != NULL);
    cr_assert(strstr(svg, "keine Daten") != NULL);
    /* the published value of Emsland is there, the withheld one nowhere, and it did not move
     * the class breaks (published maximum 31.7 → top class "30 und mehr") */
    char *text = svg_desc(svg);
    cr_assert(strstr(text, "31,7") != NULL, "%s", text);
    cr_assert_null(strstr(text, "38,2"));
    cr_assert_null(strstr(text, "38.2"));
    cr_assert_null(strstr(svg, "38,2"));
    free(text);
    cr_assert(strstr(svg, "30 und mehr") != NULL);
    cr_assert_null(strstr(svg, "35 und mehr"));
    /* merged Friesland/Wittmund: its inner border is explained */
    cr_assert(strstr(svg, "Kreisgrenze innerhalb einer Planungsregion") != NULL);
    free(svg);
    /* real data: no synthetic label */
    mz_charts_destroy(ch);
    ch = make_charts(&fx, 2007, false);
    svg = render(ch, 9, MZ_FMT_SVG, NULL, NULL);
    cr_assert_null(strstr(svg, "SYNTHETISCHE"));
    cr_assert_null(strstr(svg, "synthetische Stichprobe"));
    cr_assert(strstr(svg, "Quelle: Statistische Ämter des Bundes und der Länder, Mikrozensus 2007"));
    cr_assert(strstr(svg, "© GeoBasis-DE / BKG 2021") != NULL);
    free(svg);
    mz_charts_destroy(ch);
    fixture_finish(&fx);
}

Test(render, identical_bytes_twice, .init = make_tmpdir, .fini = drop_tmpdir)
{
    fixture_t fx;
    fixture_init(&fx, 2007, false);
    mz_charts_t *ch = make_charts(&fx, 2007, true);
    static const unsigned fmts[] = {MZ_FMT_PDF, MZ_FMT_SVG, MZ_FMT_PNG};
    static const int figs[] = {1, 6, 10};
    for (size_t f = 0; f < 3; f++)
        for (size_t k = 0; k < 3; k++) {
            size_t l1, l2;
            char *a = render(ch, figs[k], fmts[f], NULL, &l1);
            char *b = render(ch, figs[k], fmts[f], NULL, &l2);
            cr_assert_eq(l1, l2, "fig %d format %u", figs[k], fmts[f]);
            cr_assert_eq(memcmp(a, b, l1), 0, "fig %d format %u differs", figs[k], fmts[f]);
            free(a);
            free(b);
        }
    /* the PDF creation date is fixed, and can be set */
    size_t len;
    char *pdf = render(ch, 5, MZ_FMT_PDF, NULL, &len);
    cr_assert(contains(pdf, len, "/CreationDate (20100401000000Z)"));
    free(pdf);
    mz_chart_options_t opt;
    mz_chart_options_init(&opt);
    opt.pdf_date = "2024-05-06T07:08:09Z";
    pdf = render(ch, 5, MZ_FMT_PDF, &opt, &len);
    cr_assert(contains(pdf, len, "/CreationDate (20240506070809Z)"));
    free(pdf);
    mz_charts_destroy(ch);
    fixture_finish(&fx);
}

Test(render, boundaries_2017_and_english, .init = make_tmpdir, .fini = drop_tmpdir)
{
    fixture_t fx;
    fixture_init(&fx, 2017, false);
    cr_assert(mz_results_find(fx.res, MZ_IND_MIGRATION_SHARE, MZ_LEVEL_REGION, "03159", MZ_G_ALL));
    cr_assert_null(mz_results_find(fx.res, MZ_IND_MIGRATION_SHARE, MZ_LEVEL_REGION, "03152",
                                   MZ_G_ALL));
    mz_charts_t *ch = make_charts(&fx, 2017, false);
    char *svg = render(ch, 5, MZ_FMT_SVG, NULL, NULL);
    cr_assert(strstr(svg, "Mikrozensus 2017") != NULL);
    /* every unit of 2017 has data, so nothing is drawn as "no data" except the legend entry */
    cr_assert(strstr(svg, "Göttingen") != NULL);
    free(svg);
    mz_set_lang(MZ_LANG_EN);
    svg = render(ch, 10, MZ_FMT_SVG, NULL, NULL);
    mz_set_lang(MZ_LANG_DE);
    cr_assert(strstr(svg, "Figure 10") != NULL);
    cr_assert(strstr(svg, "Boundaries: © GeoBasis-DE / BKG 2021") != NULL);
    cr_assert(strstr(svg, "Need for action") != NULL);
    cr_assert_null(strstr(svg, "Abbildung"));
    free(svg);
    mz_charts_destroy(ch);
    fixture_finish(&fx);
}

static const char *no_path(void *ctx, const char *rel, char *buf, size_t size)
{
    (void)ctx, (void)rel, (void)buf, (void)size;
    return NULL;
}

Test(render, write_all_and_missing_inputs, .init = make_tmpdir, .fini = drop_tmpdir)
{
    mz_gazetteer_t *gz = load_gz();
    mz_networks_t *nw = load_nw();
    mz_chart_input_t in;
    memset(&in, 0, sizeof in);
    in.gazetteer = gz;
    in.networks = nw;
    in.year = 2007;
    mz_error_t err;
    /* a broken geometry directory is an I/O error */
    in.geo_dir = "/nonexistent/geo";
    cr_assert_null(mz_charts_create(&in, &err));
    cr_assert_eq(err.status, MZ_ERR_IO);
    in.geo_dir = NULL;
    /* without results: only the network figures */
    mz_charts_t *ch = mz_charts_create(&in, &err);
    cr_assert_not_null(ch, "%s", err.message);
    cr_assert(mz_charts_available(ch, 4));
    cr_assert_not(mz_charts_available(ch, 5));
    cr_assert_neq(mz_charts_render(ch, 5, MZ_FMT_PNG, NULL, "/tmp/never.png", &err), MZ_OK);
    mz_chart_options_t opt;
    mz_chart_options_init(&opt);
    opt.formats = MZ_FMT_SVG | MZ_FMT_PDF;
    size_t n = 0;
    cr_assert_eq(mz_charts_write_all(ch, &opt, no_path, NULL, &n, &err), MZ_ERR_IO);
    cr_assert_eq(n, 0);
    mz_charts_destroy(ch);
    mz_networks_destroy(nw);
    mz_gazetteer_destroy(gz);
}

/* Tables with population counts only: the labour-market figures cannot be drawn. */
Test(render, only_what_the_tables_know, .init = make_tmpdir, .fini = drop_tmpdir)
{
    mz_error_t err;
    mz_gazetteer_t *gz = load_gz();
    mz_cells_t *cells = mz_cells_create(gz, (mz_age_band_t){18, 64}, &err);
    for (size_t u = 0; u < mz_gazetteer_count(gz); u++) {
        const mz_unit_t *unit = mz_gazetteer_unit(gz, u);
        if (!mz_unit_valid_in(unit, 2007) || unit->kind == MZ_KIND_TEILREGION)
            continue;
        mz_cell_t c;
        fill_cell(&c, 50000, 150000, 0.1);
        c.have = 1u << MZ_M_POP;
        mz_cells_add_cell(cells, (int)u, -1, &c);
    }
    mz_rules_t rules;
    mz_rules_init(&rules);
    mz_results_t *res = mz_results_build(cells, NULL, &rules, &err);
    cr_assert_not_null(res);
    mz_chart_input_t in;
    memset(&in, 0, sizeof in);
    in.results = res;
    in.gazetteer = gz;
    in.year = 2007;
    in.source = "Landesamt für Statistik Niedersachsen";
    mz_charts_t *ch = mz_charts_create(&in, &err);
    cr_assert_not_null(ch, "%s", err.message);
    cr_assert(mz_charts_available(ch, 5));
    char *svg = render(ch, 5, MZ_FMT_SVG, NULL, NULL);
    cr_assert(strstr(svg, "Quelle: Landesamt für Statistik Niedersachsen, Mikrozensus 2007, "
                          "eigene Berechnungen") != NULL);
    free(svg);
    for (int fig = 6; fig <= 10; fig++)
        cr_assert_not(mz_charts_available(ch, fig), "figure %d", fig);
    cr_assert_not(mz_charts_available(ch, 1)); /* no inventory given */
    mz_charts_destroy(ch);
    mz_results_destroy(res);
    mz_cells_destroy(cells);
    mz_gazetteer_destroy(gz);
}

static const char *dir_path(void *ctx, const char *rel, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", (const char *)ctx, rel);
    char dir[512];
    snprintf(dir, sizeof dir, "%s/maps", (const char *)ctx);
    mkdir(dir, 0755);
    return buf;
}

Test(render, write_all_names, .init = make_tmpdir, .fini = drop_tmpdir)
{
    fixture_t fx;
    fixture_init(&fx, 2007, false);
    mz_charts_t *ch = make_charts(&fx, 2007, false);
    mz_chart_options_t opt;
    mz_chart_options_init(&opt);
    opt.formats = MZ_FMT_SVG;
    mz_error_t err;
    size_t n = 0;
    cr_assert_eq(mz_charts_write_all(ch, &opt, dir_path, tmpdir, &n, &err), MZ_OK, "%s",
                 err.message);
    cr_assert_eq(n, 10);
    for (int fig = 1; fig <= MZ_NFIGURES; fig++) {
        char p[512];
        struct stat st;
        snprintf(p, sizeof p, "%s/maps/%s.svg", tmpdir, mz_figure_stem(fig));
        cr_assert_eq(stat(p, &st), 0, "%s", p);
        snprintf(p, sizeof p, "%s/maps/%s.png", tmpdir, mz_figure_stem(fig));
        cr_assert_neq(stat(p, &st), 0, "%s written although not asked for", p);
    }
    mz_charts_destroy(ch);
    fixture_finish(&fx);
}

/* Each file is drawn by one thread, whatever the number of threads: one thread and four give
 * the same bytes in every format, and the same as one figure rendered alone. The PNG decodes
 * (cairo's reader, a different decoder than our encoder) to the pixels of the canvas. */
Test(render, write_all_same_bytes_with_any_threads, .init = make_tmpdir, .fini = drop_tmpdir)
{
    fixture_t fx;
    fixture_init(&fx, 2007, true);
    mz_charts_t *ch = make_charts(&fx, 2007, true);
    mz_chart_options_t opt;
    mz_chart_options_init(&opt);
    opt.dpi = 50;
    static const char *threads[] = {"1", "4"};
    char dirs[2][600];
    for (int t = 0; t < 2; t++) {
        snprintf(dirs[t], sizeof dirs[t], "%s/t%s", tmpdir, threads[t]);
        cr_assert_eq(mkdir(dirs[t], 0755), 0);
        setenv("MZATLAS_THREADS", threads[t], 1);
        mz_error_t err;
        size_t n = 0;
        cr_assert_eq(mz_charts_write_all(ch, &opt, dir_path, dirs[t], &n, &err), MZ_OK, "%s",
                     err.message);
        cr_assert_eq(n, 3 * MZ_NFIGURES);
    }
    unsetenv("MZATLAS_THREADS");
    static const char *ext[] = {"png", "svg", "pdf"};
    for (int fig = 1; fig <= MZ_NFIGURES; fig++)
        for (size_t f = 0; f < 3; f++) {
            char a[700], b[700];
            snprintf(a, sizeof a, "%s/maps/%s.%s", dirs[0], mz_figure_stem(fig), ext[f]);
            snprintf(b, sizeof b, "%s/maps/%s.%s", dirs[1], mz_figure_stem(fig), ext[f]);
            size_t la, lb;
            char *da = tu_slurp(a, &la), *db = tu_slurp(b, &lb);
            cr_assert(la == lb && memcmp(da, db, la) == 0, "%s differs between 1 and 4 threads",
                      a + strlen(dirs[0]));
            free(db);
            if (f == 0 && fig == 9) {
                /* the same as rendered alone, pixel for pixel */
                size_t ls;
                char *alone = render(ch, fig, MZ_FMT_PNG, &opt, &ls);
                cr_assert(ls == la && memcmp(alone, da, la) == 0);
                free(alone);
                cairo_surface_t *img = cairo_image_surface_create_from_png(a);
                cr_assert_eq(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
                cr_assert_eq(cairo_image_surface_get_format(img), CAIRO_FORMAT_RGB24);
                int w = cairo_image_surface_get_width(img);
                cr_assert_eq(w, (int)ceil(MZ_PAGE_W * 50 / 72.0));
                cr_assert_eq(cairo_image_surface_get_height(img), (int)ceil(MZ_PAGE_H * 50 / 72.0));
                /* the top left corner is the white page; somewhere there is colour */
                cairo_surface_flush(img);
                const unsigned char *px = cairo_image_surface_get_data(img);
                int stride = cairo_image_surface_get_stride(img);
                cr_assert_eq(px[0], 255);
                cr_assert_eq(px[1], 255);
                cr_assert_eq(px[2], 255);
                bool coloured = false;
                for (int y = 0; y < cairo_image_surface_get_height(img) && !coloured; y++)
                    for (int x = 0; x < w; x++) {
                        const unsigned char *q = px + (size_t)y * (size_t)stride + 4 * (size_t)x;
                        if (abs(q[0] - q[1]) > 40 || abs(q[1] - q[2]) > 40) {
                            coloured = true;
                            break;
                        }
                    }
                cr_assert(coloured, "the map has no colour");
                cairo_surface_destroy(img);
            }
            free(da);
        }
    mz_charts_destroy(ch);
    fixture_finish(&fx);
}

/* ---- golden image ---- */

/* Mean absolute channel difference and the share of pixels off by more than 64 in a channel. */
static void image_diff(const char *pa_path, const char *pb_path, double *mean, double *frac)
{
    cairo_surface_t *a = cairo_image_surface_create_from_png(pa_path);
    cairo_surface_t *b = cairo_image_surface_create_from_png(pb_path);
    cr_assert_eq(cairo_surface_status(a), CAIRO_STATUS_SUCCESS, "%s", pa_path);
    cr_assert_eq(cairo_surface_status(b), CAIRO_STATUS_SUCCESS, "%s missing", pb_path);
    int w = cairo_image_surface_get_width(a), h = cairo_image_surface_get_height(a);
    cr_assert_eq(w, cairo_image_surface_get_width(b));
    cr_assert_eq(h, cairo_image_surface_get_height(b));
    cairo_surface_flush(a);
    cairo_surface_flush(b);
    const unsigned char *da = cairo_image_surface_get_data(a), *db = cairo_image_surface_get_data(b);
    int sa = cairo_image_surface_get_stride(a), sb = cairo_image_surface_get_stride(b);
    double sum = 0;
    long bad = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int worst = 0;
            for (int c = 0; c < 3; c++) {
                int d = abs((int)da[y * sa + 4 * x + c] - (int)db[y * sb + 4 * x + c]);
                sum += d;
                if (d > worst)
                    worst = d;
            }
            if (worst > 64)
                bad++;
        }
    *mean = sum / (3.0 * w * h);
    *frac = (double)bad / ((double)w * h);
    cairo_surface_destroy(a);
    cairo_surface_destroy(b);
}

/* Abb. 1 depends only on bundled data (inventory and boundaries). It is compared at 30 dpi with
 * a tolerance for anti-aliasing and font rasterisation; MZ_UPDATE_GOLDEN=1 rewrites it. Abb. 2
 * must not pass for it (the comparison can tell maps apart). */
Test(golden, abb01_matches_reference, .init = make_tmpdir, .fini = drop_tmpdir)
{
    fixture_t fx;
    fixture_init(&fx, 2007, false);
    mz_charts_t *ch = make_charts(&fx, 2007, false);
    mz_chart_options_t opt;
    mz_chart_options_init(&opt);
    opt.dpi = 30;
    char out1[512], out2[512], golden[4096];
    mz_error_t err;
    snprintf(out1, sizeof out1, "%s/abb01.png", tmpdir);
    snprintf(out2, sizeof out2, "%s/abb02.png", tmpdir);
    cr_assert_eq(mz_charts_render(ch, 1, MZ_FMT_PNG, &opt, out1, &err), MZ_OK);
    cr_assert_eq(mz_charts_render(ch, 2, MZ_FMT_PNG, &opt, out2, &err), MZ_OK);
    tu_fixture_path("charts/abb01-netzwerke-30dpi.png", golden, sizeof golden);
    const char *update = getenv("MZ_UPDATE_GOLDEN");
    if (update && strcmp(update, "1") == 0) {
        size_t len;
        char *d = tu_slurp(out1, &len);
        tu_write_bytes(golden, d, len);
        free(d);
    }
    double mean, frac;
    image_diff(out1, golden, &mean, &frac);
    cr_assert(mean < 3.0 && frac < 0.02, "mean difference %.2f, %.2f %% pixels differ", mean,
              100 * frac);
    image_diff(out2, golden, &mean, &frac);
    cr_assert(mean >= 3.0 || frac >= 0.02, "Abb. 2 passes for Abb. 1: %.2f, %.2f %%", mean,
              100 * frac);
    mz_charts_destroy(ch);
    fixture_finish(&fx);
}
