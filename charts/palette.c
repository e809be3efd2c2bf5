/* palette.c — colours (CIELAB ramps), the palettes of the figures, class breaks and number
 * formats for labels. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"

mz_rgb_t mz_rgb_hex(unsigned hex)
{
    mz_rgb_t c = {((hex >> 16) & 0xffu) / 255.0, ((hex >> 8) & 0xffu) / 255.0,
                  (hex & 0xffu) / 255.0};
    return c;
}

/* ---- sRGB <-> CIELAB (D65) ---- */

typedef struct lab {
    double l, a, b;
} lab_t;

static double to_linear(double c)
{
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

static double from_linear(double c)
{
    double v = c <= 0.0031308 ? 12.92 * c : 1.055 * pow(c, 1.0 / 2.4) - 0.055;
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

static const double lab_eps = 6.0 / 29.0;

static double lab_f(double t)
{
    return t > lab_eps * lab_eps * lab_eps ? cbrt(t) : t / (3 * lab_eps * lab_eps) + 4.0 / 29.0;
}

static double lab_finv(double t)
{
    return t > lab_eps ? t * t * t : 3 * lab_eps * lab_eps * (t - 4.0 / 29.0);
}

static const double white_x = 0.95047, white_z = 1.08883;

static lab_t rgb_to_lab(mz_rgb_t c)
{
    double r = to_linear(c.r), g = to_linear(c.g), b = to_linear(c.b);
    double x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
    double y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    double z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b;
    double fx = lab_f(x / white_x), fy = lab_f(y), fz = lab_f(z / white_z);
    lab_t o = {116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)};
    return o;
}

static mz_rgb_t lab_to_rgb(lab_t c)
{
    double fy = (c.l + 16) / 116, fx = fy + c.a / 500, fz = fy - c.b / 200;
    double x = white_x * lab_finv(fx), y = lab_finv(fy), z = white_z * lab_finv(fz);
    mz_rgb_t o = {from_linear(3.2404542 * x - 1.5371385 * y - 0.4985314 * z),
                  from_linear(-0.9692660 * x + 1.8760108 * y + 0.0415560 * z),
                  from_linear(0.0556434 * x - 0.2040259 * y + 1.0572252 * z)};
    return o;
}

double mz_rgb_lightness(mz_rgb_t c) { return rgb_to_lab(c).l; }

mz_rgb_t mz_rgb_shade(mz_rgb_t c, double dl)
{
    lab_t l = rgb_to_lab(c);
    l.l += dl;
    if (l.l < 0)
        l.l = 0;
    if (l.l > 100)
        l.l = 100;
    return lab_to_rgb(l);
}

void mz_palette_ramp(const mz_rgb_t *anchors, size_t nanchors, size_t n, mz_rgb_t *out)
{
    if (n == 0 || nanchors == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        if (nanchors == 1) {
            out[i] = anchors[0];
            continue;
        }
        double t = n == 1 ? 0.5 : (double)i / (double)(n - 1);
        double pos = t * (double)(nanchors - 1);
        size_t k = (size_t)floor(pos);
        if (k >= nanchors - 1)
            k = nanchors - 2;
        double f = pos - (double)k;
        lab_t a = rgb_to_lab(anchors[k]), b = rgb_to_lab(anchors[k + 1]);
        lab_t m = {a.l + (b.l - a.l) * f, a.a + (b.a - a.a) * f, a.b + (b.b - a.b) * f};
        out[i] = lab_to_rgb(m);
    }
}

/* Anchors chosen for this project: lightness falls steadily from the first to the last anchor,
 * so classes stay in order when printed in grey, and the hues avoid red–green contrasts. */
void mz_palette(mz_palette_id_t id, size_t n, mz_rgb_t *out)
{
    static const unsigned seq_blue[] = {0xf3f0d2, 0xa9d1c0, 0x4f98b5, 0x2a5b94, 0x1b2a5c};
    static const unsigned seq_orange[] = {0xfcefd6, 0xf6b36e, 0xdc6530, 0xa52d1b, 0x5a1410};
    static const unsigned div_neg[] = {0xe1ebf2, 0x8fb5d3, 0x3c76a8, 0x1f4274};
    static const unsigned div_pos[] = {0xf8e7cf, 0xe8aa63, 0xb8651f, 0x6e3511};
    static const unsigned seq_green[] = {0xe9f2d6, 0x9ccb98, 0x4a9a6c, 0x1d5d45};
    const unsigned *hex;
    size_t nh;
    switch (id) {
    case MZ_PAL_SEQ_ORANGE: hex = seq_orange; nh = sizeof seq_orange / sizeof *hex; break;
    case MZ_PAL_DIV_NEG: hex = div_neg; nh = sizeof div_neg / sizeof *hex; break;
    case MZ_PAL_DIV_POS: hex = div_pos; nh = sizeof div_pos / sizeof *hex; break;
    case MZ_PAL_SEQ_GREEN: hex = seq_green; nh = sizeof seq_green / sizeof *hex; break;
    case MZ_PAL_SEQ_BLUE:
    default: hex = seq_blue; nh = sizeof seq_blue / sizeof *hex; break;
    }
    mz_rgb_t anchors[8];
    for (size_t i = 0; i < nh; i++)
        anchors[i] = mz_rgb_hex(hex[i]);
    mz_palette_ramp(anchors, nh, n, out);
}

/* ---- numbers ---- */

static void localise(char *buf, size_t size)
{
    bool de = mz_get_lang() == MZ_LANG_DE;
    if (de)
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = ',';
    if (buf[0] == '-') {
        /* U+2212 MINUS SIGN instead of the hyphen */
        size_t len = strlen(buf);
        if (len + 3 < size) {
            memmove(buf + 3, buf + 1, len);
            memcpy(buf, "\xe2\x88\x92", 3);
        }
    }
}

void mz_fmt_value(double x, char *buf, size_t size)
{
    double r = mz_round1(x);
    if (r == 0)
        r = 0; /* no "-0,0" */
    snprintf(buf, size, "%.1f", r);
    localise(buf, size);
}

void mz_fmt_break(double x, char *buf, size_t size)
{
    if (x == floor(x))
        snprintf(buf, size, "%.0f", x == 0 ? 0.0 : x);
    else
        snprintf(buf, size, "%.1f", x);
    localise(buf, size);
}

void mz_fmt_count(double x, char *buf, size_t size)
{
    char digits[64];
    snprintf(digits, sizeof digits, "%.0f", fabs(x));
    const char *sep = mz_get_lang() == MZ_LANG_DE ? "\xe2\x80\xaf" : ","; /* narrow nbsp */
    size_t n = strlen(digits), o = 0;
    if (x < 0 && o + 1 < size)
        buf[o++] = '-';
    for (size_t i = 0; i < n && o + 4 < size; i++) {
        if (i && (n - i) % 3 == 0)
            for (const char *s = sep; *s; s++)
                buf[o++] = *s;
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

/* ---- classes ---- */

size_t mz_classes_count(const mz_classes_t *c) { return c->nbreaks + 1; }

size_t mz_classes_of(const mz_classes_t *c, double value)
{
    double v = mz_round1(value);
    size_t k = 0;
    while (k < c->nbreaks && v >= c->breaks[k])
        k++;
    return k;
}

void mz_classes_label(mz_classes_t *c)
{
    char a[32], b[32];
    size_t n = c->nbreaks;
    if (n == 0) {
        snprintf(c->label[0], sizeof c->label[0], "%s", mz_tr("alle Werte", "all values"));
        return;
    }
    mz_fmt_break(c->breaks[0], a, sizeof a);
    snprintf(c->label[0], sizeof c->label[0], "%s %s", mz_tr("unter", "below"), a);
    for (size_t i = 1; i < n; i++) {
        mz_fmt_break(c->breaks[i - 1], a, sizeof a);
        mz_fmt_break(c->breaks[i], b, sizeof b);
        snprintf(c->label[i], sizeof c->label[i], "%s %s %s", a,
                 mz_tr("bis unter", "to under"), b);
    }
    mz_fmt_break(c->breaks[n - 1], a, sizeof a);
    snprintf(c->label[n], sizeof c->label[n], "%s %s", a, mz_tr("und mehr", "and more"));
}

static double nice_step(size_t i)
{
    static const double mant[] = {1, 2, 2.5, 5};
    return mant[i % 4] * pow(10, (double)(i / 4) - 1); /* 0.1, 0.2, 0.25, 0.5, 1, … */
}

void mz_classes_nice(mz_classes_t *c, double vmin, double vmax, size_t max_classes,
                     const double *dflt, size_t ndflt)
{
    memset(c, 0, sizeof *c);
    if (max_classes < 2)
        max_classes = 2;
    if (max_classes > MZ_MAX_CLASSES)
        max_classes = MZ_MAX_CLASSES;
    if (!(vmin <= vmax) || !isfinite(vmin) || !isfinite(vmax)) {
        for (size_t i = 0; i < ndflt && i < MZ_MAX_CLASSES - 1; i++)
            c->breaks[c->nbreaks++] = dflt[i];
        mz_classes_label(c);
        return;
    }
    for (size_t i = 0; i < 24; i++) {
        double s = nice_step(i);
        /* breaks: multiples of s strictly above vmin and at most vmax */
        double lo = (floor(vmin / s + 1e-9) + 1) * s, hi = floor(vmax / s + 1e-9) * s;
        size_t k = lo <= hi + 1e-9 ? (size_t)llround((hi - lo) / s) + 1 : 0;
        if (k + 1 > max_classes)
            continue;
        if (k == 0) { /* all values within one step: one break in the middle */
            lo = hi = floor((vmin + vmax) / 2 / s) * s;
            k = 1;
        }
        for (size_t j = 0; j < k; j++)
            c->breaks[c->nbreaks++] = mz_round1(lo + (double)j * s);
        break;
    }
    mz_classes_label(c);
}

void mz_classes_diverging(mz_classes_t *c, double maxabs)
{
    memset(c, 0, sizeof *c);
    if (!(maxabs > 0) || !isfinite(maxabs))
        maxabs = 4;
    double s = 1;
    for (size_t i = 0; i < 24; i++) {
        s = nice_step(i);
        if (2.5 * s >= maxabs)
            break;
    }
    double b[] = {-2 * s, -s, 0, s, 2 * s};
    for (size_t i = 0; i < 5; i++)
        c->breaks[c->nbreaks++] = mz_round1(b[i]);
    mz_classes_label(c);
}
