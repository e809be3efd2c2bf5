/* canvas.c — one drawing surface per file: cairo PNG/SVG/PDF surfaces writing into memory,
 * pango text with fixed font options (same layout in every format), and the post-processing
 * that makes files reproducible and searchable (PNG resolution chunk, SVG title/description,
 * fixed PDF date, stable SVG ids). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <png.h>
#include <zlib.h>

#include "chart.h"
#include "mz_version.h"

static cairo_status_t write_mem(void *closure, const unsigned char *data, unsigned int length)
{
    mz_canvas_t *cv = closure;
    if (cv->oom)
        return CAIRO_STATUS_NO_MEMORY;
    if (cv->out.len + length + 1 > cv->out.cap) {
        size_t nc = cv->out.cap ? cv->out.cap : 65536;
        while (nc < cv->out.len + length + 1)
            nc *= 2;
        char *p = realloc(cv->out.s, nc);
        if (!p) {
            cv->oom = true;
            return CAIRO_STATUS_NO_MEMORY;
        }
        cv->out.s = p;
        cv->out.cap = nc;
    }
    memcpy(cv->out.s + cv->out.len, data, length);
    cv->out.len += length;
    cv->out.s[cv->out.len] = '\0';
    return CAIRO_STATUS_SUCCESS;
}

mz_canvas_t *mz_canvas_create(unsigned fmt, double w, double h, double dpi, PangoFontMap *fonts,
                              mz_error_t *err)
{
    mz_canvas_t *cv = calloc(1, sizeof *cv);
    if (!cv) {
        mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        return NULL;
    }
    cv->fmt = fmt;
    cv->w = w;
    cv->h = h;
    cv->dpi = dpi > 0 ? dpi : 200;
    switch (fmt) {
    case MZ_FMT_PNG: {
        double k = cv->dpi / 72.0;
        cv->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(w * k),
                                                 (int)ceil(h * k));
        break;
    }
    case MZ_FMT_SVG:
        cv->surface = cairo_svg_surface_create_for_stream(write_mem, cv, w, h);
        if (cairo_surface_status(cv->surface) == CAIRO_STATUS_SUCCESS) {
            cairo_svg_surface_restrict_to_version(cv->surface, CAIRO_SVG_VERSION_1_1);
#if CAIRO_VERSION >= CAIRO_VERSION_ENCODE(1, 16, 0)
            cairo_svg_surface_set_document_unit(cv->surface, CAIRO_SVG_UNIT_PT);
#endif
        }
        break;
    case MZ_FMT_PDF:
        cv->surface = cairo_pdf_surface_create_for_stream(write_mem, cv, w, h);
        break;
    default:
        mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL, "%s",
                     mz_tr("unbekanntes Dateiformat", "unknown file format"));
        free(cv);
        return NULL;
    }
    if (cairo_surface_status(cv->surface) != CAIRO_STATUS_SUCCESS)
        goto fail;
    cv->cr = cairo_create(cv->surface);
    if (cairo_status(cv->cr) != CAIRO_STATUS_SUCCESS)
        goto fail;
    if (fmt == MZ_FMT_PNG) {
        cairo_scale(cv->cr, cv->dpi / 72.0, cv->dpi / 72.0);
        cairo_set_source_rgb(cv->cr, 1, 1, 1);
        cairo_paint(cv->cr);
    }
    /* Text metrics must not depend on the output device: no hinting, no metric rounding. */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cv->pango = pango_font_map_create_context(fonts ? fonts : pango_cairo_font_map_get_default());
    if (!cv->pango) {
        cairo_font_options_destroy(fo);
        goto fail;
    }
    pango_cairo_context_set_resolution(cv->pango, 72.0);
    pango_cairo_context_set_font_options(cv->pango, fo);
    cairo_font_options_destroy(fo);
    pango_context_set_round_glyph_positions(cv->pango, FALSE);
    cairo_set_line_join(cv->cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cv->cr, CAIRO_LINE_CAP_ROUND);
    return cv;
fail:
    mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "cairo: %s",
                 cairo_status_to_string(cv->surface ? cairo_surface_status(cv->surface)
                                                    : CAIRO_STATUS_NO_MEMORY));
    mz_canvas_destroy(cv);
    return NULL;
}

void mz_canvas_destroy(mz_canvas_t *cv)
{
    if (!cv)
        return;
    if (cv->pango)
        g_object_unref(cv->pango);
    if (cv->cr)
        cairo_destroy(cv->cr);
    if (cv->surface)
        cairo_surface_destroy(cv->surface);
    mz_str_free(&cv->out);
    mz_str_free(&cv->text);
    free(cv);
}

/* ---- text ---- */

PangoLayout *mz_text_layout(mz_canvas_t *cv, const char *text, const char *font, double width,
                            int align)
{
    pango_cairo_update_context(cv->cr, cv->pango);
    PangoLayout *l = pango_layout_new(cv->pango);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(l, fd);
    pango_font_description_free(fd);
    if (width > 0) {
        pango_layout_set_width(l, (int)(width * PANGO_SCALE));
        pango_layout_set_wrap(l, PANGO_WRAP_WORD);
    }
    pango_layout_set_alignment(l, align == MZ_HALIGN_CENTER  ? PANGO_ALIGN_CENTER
                                  : align == MZ_HALIGN_RIGHT ? PANGO_ALIGN_RIGHT
                                                             : PANGO_ALIGN_LEFT);
    pango_layout_set_text(l, text, -1);
    return l;
}

void mz_text_size(PangoLayout *layout, double *w, double *h)
{
    PangoRectangle ink, logical;
    pango_layout_get_extents(layout, &ink, &logical);
    if (w)
        *w = (double)logical.width / PANGO_SCALE;
    if (h)
        *h = (double)logical.height / PANGO_SCALE;
}

void mz_set_rgb(cairo_t *cr, mz_rgb_t c) { cairo_set_source_rgb(cr, c.r, c.g, c.b); }

void mz_text_draw(mz_canvas_t *cv, PangoLayout *layout, double x, double y, mz_rgb_t colour,
                  const mz_rgb_t *halo)
{
    cairo_t *cr = cv->cr;
    const char *t = pango_layout_get_text(layout);
    if (t && *t) {
        /* the description keeps each drawn text on one line: a break after "-" or "/" is
         * dropped, any other becomes a space */
        char one[2] = {0, 0};
        for (const char *p = t; *p && !cv->oom; p++) {
            one[0] = *p;
            if (*p == '\n')
                one[0] = p > t && (p[-1] == '-' || p[-1] == '/') ? '\0' : ' ';
            if (one[0] && !mz_str_append(&cv->text, one))
                cv->oom = true;
        }
        if (!mz_str_append(&cv->text, "\n"))
            cv->oom = true;
    }
    cairo_save(cr);
    PangoRectangle logical;
    pango_layout_get_extents(layout, NULL, &logical);
    cairo_move_to(cr, x - (double)logical.x / PANGO_SCALE, y);
    if (halo) {
        pango_cairo_layout_path(cr, layout);
        mz_set_rgb(cr, *halo);
        cairo_set_line_width(cr, 1.8);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
        cairo_move_to(cr, x - (double)logical.x / PANGO_SCALE, y);
    }
    mz_set_rgb(cr, colour);
    pango_cairo_show_layout(cr, layout);
    cairo_restore(cr);
}

double mz_text(mz_canvas_t *cv, const char *text, const char *font, double x, double y,
               double width, int align, double ax, double ay, mz_rgb_t colour)
{
    PangoLayout *l = mz_text_layout(cv, text, font, width, align);
    double w, h;
    mz_text_size(l, &w, &h);
    if (width > 0)
        w = width;
    mz_text_draw(cv, l, x - ax * w, y - ay * h, colour, NULL);
    g_object_unref(l);
    return h;
}

void mz_text_measure(mz_canvas_t *cv, const char *text, const char *font, double *w, double *h)
{
    PangoLayout *l = mz_text_layout(cv, text, font, 0, MZ_HALIGN_LEFT);
    mz_text_size(l, w, h);
    g_object_unref(l);
}

void mz_fill_hatched(cairo_t *cr, double spacing)
{
    double x0, y0, x1, y1;
    cairo_save(cr);
    cairo_path_t *path = cairo_copy_path(cr);
    mz_set_rgb(cr, mz_rgb_hex(MZ_COL_WITHHELD));
    cairo_fill_preserve(cr);
    cairo_clip(cr);
    cairo_clip_extents(cr, &x0, &y0, &x1, &y1);
    cairo_path_destroy(path);
    /* diagonal lines anchored to the page, so neighbouring areas line up */
    double start = floor((x0 + y0) / spacing) * spacing, end = x1 + y1;
    cairo_new_path(cr);
    for (double c = start; c <= end; c += spacing) {
        cairo_move_to(cr, c - y0, y0);
        cairo_line_to(cr, c - y1, y1);
    }
    mz_set_rgb(cr, mz_rgb_hex(MZ_COL_HATCH));
    cairo_set_line_width(cr, 0.45);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_BUTT);
    cairo_stroke(cr);
    cairo_restore(cr);
    cairo_new_path(cr);
}

/* ---- page furniture ---- */

double mz_draw_header(mz_canvas_t *cv, int fig, const char *subtitle)
{
    char title[512];
    mz_rgb_t ink = mz_rgb_hex(MZ_COL_TEXT);
    snprintf(title, sizeof title, "%s %d: %s", mz_tr("Abbildung", "Figure"), fig,
             mz_figure_title(fig));
    double x = 10 * MZ_MM, y = 8 * MZ_MM, w = MZ_PAGE_W - 20 * MZ_MM;
    y += mz_text(cv, title, MZ_FONT_TITLE, x, y, w, MZ_HALIGN_LEFT, 0, 0, ink);
    y += 1.5;
    if (subtitle && *subtitle)
        y += mz_text(cv, subtitle, MZ_FONT_SUBTITLE, x, y, w, MZ_HALIGN_LEFT, 0, 0,
                     mz_rgb_hex(MZ_COL_TEXT_GREY));
    cairo_t *cr = cv->cr;
    y += 4;
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x + w, y);
    mz_set_rgb(cr, mz_rgb_hex(0xb0b0b0));
    cairo_set_line_width(cr, 0.5);
    cairo_stroke(cr);
    return y + 4;
}

double mz_draw_footer(mz_canvas_t *cv, const char *const *lines, const bool *bold, size_t n)
{
    double x = 10 * MZ_MM, w = MZ_PAGE_W - 20 * MZ_MM, y = MZ_PAGE_H - 7 * MZ_MM;
    for (size_t i = n; i-- > 0;) {
        if (!lines[i] || !*lines[i])
            continue;
        bool b = bold && bold[i];
        PangoLayout *l = mz_text_layout(cv, lines[i], b ? MZ_FONT_FOOT_BOLD : MZ_FONT_FOOT, w,
                                        MZ_HALIGN_LEFT);
        double lh;
        mz_text_size(l, NULL, &lh);
        y -= lh;
        mz_text_draw(cv, l, x, y, b ? mz_rgb_hex(MZ_COL_SYNTH) : mz_rgb_hex(MZ_COL_TEXT_GREY),
                     NULL);
        g_object_unref(l);
        y -= 0.6;
    }
    return y - 3;
}

/* ---- writing ---- */

/* libpng's write callback: append to the canvas's memory buffer. */
static void png_put(png_structp png, png_bytep data, size_t length)
{
    mz_canvas_t *cv = png_get_io_ptr(png);
    if (length > UINT_MAX || write_mem(cv, data, (unsigned)length) != CAIRO_STATUS_SUCCESS)
        png_error(png, "out of memory");
}

static void png_flush_nothing(png_structp png) { (void)png; }

/* libpng reports errors by longjmp from here; warnings are of no use to the user. */
static void png_fail(png_structp png, png_const_charp msg)
{
    (void)msg;
    png_longjmp(png, 1);
}

static void png_warn(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

/* Encode the image surface as an 8-bit RGB PNG with its resolution (pHYs).
 *
 * cairo_surface_write_to_png_stream would do, but with zlib's default level (6) and libpng's
 * adaptive filter choice, which made encoding half of the time of all figures. The figures
 * are large flat areas with antialiased edges: the "up" filter alone with zlib level 3 encodes
 * the ten figures of a year at 200 dpi in about a fifth of the time (measured: 0.9 s of CPU
 * less), for files 5 % larger (4.1 MB instead of 3.9 MB). The bytes depend only on the
 * pixels and the resolution. */
static bool encode_png(mz_canvas_t *cv)
{
    cairo_surface_t *s = cv->surface;
    const int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    const int stride = cairo_image_surface_get_stride(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    if (!data || w <= 0 || h <= 0)
        return false;
    unsigned char *row = malloc((size_t)w * 3);
    if (!row)
        return false;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, png_fail, png_warn);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        free(row);
        return false;
    }
    /* volatile: read after a longjmp */
    unsigned char *volatile rowv = row;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rowv);
        return false;
    }
    png_set_write_fn(png, cv, png_put, png_flush_nothing);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    const png_uint_32 ppm = (png_uint_32)lround(cv->dpi / 0.0254);
    png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_UP);
    png_set_compression_level(png, 3);
    png_write_info(png, info);
    for (int y = 0; y < h; y++) {
        /* CAIRO_FORMAT_RGB24: one native-endian 32-bit word per pixel, 0xXXRRGGBB */
        const uint32_t *px = (const uint32_t *)(const void *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < w; x++) {
            row[3 * x] = (unsigned char)(px[x] >> 16);
            row[3 * x + 1] = (unsigned char)(px[x] >> 8);
            row[3 * x + 2] = (unsigned char)px[x];
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    return true;
}

static bool xml_escape_append(mz_str_t *b, const char *s)
{
    char one[2] = {0, 0};
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        default:
            one[0] = *s;
            rep = one;
        }
        if (!mz_str_append(b, rep))
            return false;
    }
    return true;
}

/* cairo numbers the SVG top group after a process-wide surface counter ("surface17"): rename
 * such ids in order of appearance so the same figure gives the same bytes in any process. Then
 * add <title> and <desc> (all text of the figure) after the root element. */
static bool svg_finish(mz_str_t *svg, const char *title, const char *desc)
{
    mz_str_t o = {0};
    const char *s = svg->s;
    char *seen[64];
    size_t nseen = 0;
    bool ok = true, inserted = false;
    while (*s && ok) {
        if (!inserted && strncmp(s, "<svg", 4) == 0) {
            const char *gt = strchr(s, '>');
            if (!gt)
                break;
            size_t n = (size_t)(gt - s) + 1;
            char *tmp = malloc(n + 1);
            if (!tmp) {
                ok = false;
                break;
            }
            memcpy(tmp, s, n);
            tmp[n] = '\0';
            ok = mz_str_append(&o, tmp) && mz_str_append(&o, "\n<title>") &&
                 xml_escape_append(&o, title) && mz_str_append(&o, "</title>\n<desc>") &&
                 xml_escape_append(&o, desc) && mz_str_append(&o, "</desc>");
            free(tmp);
            s = gt + 1;
            inserted = true;
            continue;
        }
        if (strncmp(s, "surface", 7) == 0 && s[7] >= '0' && s[7] <= '9' &&
            (s == svg->s || s[-1] == '"' || s[-1] == '#')) {
            const char *e = s + 7;
            while (*e >= '0' && *e <= '9')
                e++;
            size_t n = (size_t)(e - s), k;
            for (k = 0; k < nseen; k++)
                if (strlen(seen[k]) == n && strncmp(seen[k], s, n) == 0)
                    break;
            if (k == nseen && nseen < 64) {
                seen[nseen] = malloc(n + 1);
                if (!seen[nseen]) {
                    ok = false;
                    break;
                }
                memcpy(seen[nseen], s, n);
                seen[nseen][n] = '\0';
                nseen++;
            }
            ok = mz_str_appendf(&o, "surface%zu", k + 1);
            s = e;
            continue;
        }
        const char *next = s + 1;
        while (*next && *next != '<' && *next != 's')
            next++;
        size_t n = (size_t)(next - s);
        if (o.len + n + 1 > o.cap) {
            size_t nc = o.cap ? o.cap * 2 : 65536;
            while (nc < o.len + n + 1)
                nc *= 2;
            char *p = realloc(o.s, nc);
            if (!p) {
                ok = false;
                break;
            }
            o.s = p;
            o.cap = nc;
        }
        memcpy(o.s + o.len, s, n);
        o.len += n;
        o.s[o.len] = '\0';
        s = next;
    }
    for (size_t k = 0; k < nseen; k++)
        free(seen[k]);
    if (!ok || !inserted) {
        mz_str_free(&o);
        return false;
    }
    mz_str_free(svg);
    *svg = o;
    return true;
}

static void pdf_date(const char *given, char *buf, size_t size)
{
    if (given && *given) {
        snprintf(buf, size, "%s", given);
        return;
    }
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        char *end;
        errno = 0;
        long long t = strtoll(sde, &end, 10);
        if (!*end && errno == 0 && t >= 0) {
            time_t tt = (time_t)t;
            struct tm tm;
            if (gmtime_r(&tt, &tm)) {
                strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
                return;
            }
        }
    }
    snprintf(buf, size, "2010-04-01T00:00:00Z");
}

static mz_status_t write_file(const char *path, const void *data, size_t len, mz_error_t *err)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s: %s",
                            mz_tr("kann nicht geschrieben werden", "cannot be written"),
                            strerror(errno));
    size_t w = fwrite(data, 1, len, f);
    int e = errno;
    if (fclose(f) != 0 || w != len) {
        remove(path);
        return mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s: %s",
                            mz_tr("Schreibfehler", "write error"), strerror(e));
    }
    return MZ_OK;
}

mz_status_t mz_canvas_write(mz_canvas_t *cv, const char *path, const char *title,
                            mz_error_t *err)
{
    if (cv->fmt == MZ_FMT_PDF) {
        char date[64];
        pdf_date(cv->pdf_date, date, sizeof date);
        cairo_pdf_surface_set_metadata(cv->surface, CAIRO_PDF_METADATA_TITLE, title);
        cairo_pdf_surface_set_metadata(cv->surface, CAIRO_PDF_METADATA_CREATOR,
                                       "mzatlas " MZ_VERSION);
        cairo_pdf_surface_set_metadata(cv->surface, CAIRO_PDF_METADATA_CREATE_DATE, date);
    }
    cairo_destroy(cv->cr);
    cv->cr = NULL;
    if (cv->fmt == MZ_FMT_PNG) {
        cairo_surface_flush(cv->surface);
        if (!encode_png(cv))
            cv->oom = true;
    } else {
        cairo_surface_finish(cv->surface);
    }
    cairo_status_t cs = cairo_surface_status(cv->surface);
    if (cs != CAIRO_STATUS_SUCCESS || cv->oom || !cv->out.s)
        return mz_error_set(err, cv->oom ? MZ_ERR_NOMEM : MZ_ERR_INTERNAL, path, 0, NULL, NULL,
                            "cairo: %s", cairo_status_to_string(cs));
    if (cv->fmt == MZ_FMT_SVG &&
        !svg_finish(&cv->out, title, cv->text.s ? cv->text.s : ""))
        return mz_error_set(err, MZ_ERR_NOMEM, path, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    return write_file(path, cv->out.s, cv->out.len, err);
}
