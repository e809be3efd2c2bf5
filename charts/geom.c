/* geom.c — geometry for the maps: fitting the boundaries to the page, dissolving the borders
 * inside merged regions, point-in-polygon and distances for label placement. The bundled
 * boundaries share identical vertices along common borders, so a border shared by two shapes is
 * the same segment in both rings. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

/* ---- segment multiset: open addressing on the unordered end points ---- */

typedef struct seg_slot {
    double k[4];   /* smaller end point first */
    unsigned count; /* 0 = empty */
} seg_slot_t;

struct mz_segset {
    seg_slot_t *slots;
    size_t cap, used;
};

static void seg_key(double x1, double y1, double x2, double y2, double k[4])
{
    if (x1 < x2 || (x1 == x2 && y1 <= y2)) {
        k[0] = x1, k[1] = y1, k[2] = x2, k[3] = y2;
    } else {
        k[0] = x2, k[1] = y2, k[2] = x1, k[3] = y1;
    }
}

static uint64_t seg_hash(const double k[4])
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 4; i++) {
        double v = k[i] == 0 ? 0.0 : k[i]; /* -0 == 0 */
        uint64_t b;
        memcpy(&b, &v, sizeof b);
        h ^= b;
        h *= 1099511628211ull;
        h ^= h >> 29;
    }
    return h;
}

mz_segset_t *mz_segset_create(size_t hint)
{
    mz_segset_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    size_t cap = 1024;
    while (cap < hint * 2)
        cap *= 2;
    s->slots = calloc(cap, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return NULL;
    }
    s->cap = cap;
    return s;
}

void mz_segset_destroy(mz_segset_t *s)
{
    if (!s)
        return;
    free(s->slots);
    free(s);
}

static seg_slot_t *seg_find(const mz_segset_t *s, const double k[4])
{
    size_t i = (size_t)(seg_hash(k) & (s->cap - 1));
    for (;;) {
        seg_slot_t *sl = &s->slots[i];
        if (sl->count == 0 || memcmp(sl->k, k, sizeof sl->k) == 0)
            return sl;
        i = (i + 1) & (s->cap - 1);
    }
}

static bool seg_grow(mz_segset_t *s)
{
    size_t oc = s->cap;
    seg_slot_t *old = s->slots;
    seg_slot_t *ns = calloc(oc * 2, sizeof *ns);
    if (!ns)
        return false;
    s->slots = ns;
    s->cap = oc * 2;
    for (size_t i = 0; i < oc; i++)
        if (old[i].count)
            *seg_find(s, old[i].k) = old[i];
    free(old);
    return true;
}

static bool seg_add(mz_segset_t *s, double x1, double y1, double x2, double y2)
{
    if (x1 == x2 && y1 == y2)
        return true;
    if ((s->used + 1) * 2 > s->cap && !seg_grow(s))
        return false;
    double k[4];
    seg_key(x1, y1, x2, y2, k);
    seg_slot_t *sl = seg_find(s, k);
    if (sl->count == 0) {
        memcpy(sl->k, k, sizeof k);
        s->used++;
    }
    sl->count++;
    return true;
}

bool mz_segset_add_shape(mz_segset_t *s, const mz_shape_t *shape)
{
    for (size_t p = 0; p < shape->npolygons; p++)
        for (size_t r = 0; r < shape->polygons[p].nrings; r++) {
            const mz_ring_t *ring = &shape->polygons[p].rings[r];
            for (size_t i = 0; i + 1 < ring->npoints; i++)
                if (!seg_add(s, ring->xy[2 * i], ring->xy[2 * i + 1], ring->xy[2 * i + 2],
                             ring->xy[2 * i + 3]))
                    return false;
        }
    return true;
}

unsigned mz_segset_count(const mz_segset_t *s, double x1, double y1, double x2, double y2)
{
    double k[4];
    seg_key(x1, y1, x2, y2, k);
    return seg_find(s, k)->count;
}

/* ---- dissolve ---- */

mz_seg_t *mz_dissolve(const mz_shape_t *const *shapes, size_t n, size_t *nseg)
{
    size_t total = 0;
    *nseg = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < shapes[i]->npolygons; p++)
            for (size_t r = 0; r < shapes[i]->polygons[p].nrings; r++)
                total += shapes[i]->polygons[p].rings[r].npoints;
    if (total == 0)
        return NULL;
    mz_segset_t *set = mz_segset_create(total);
    mz_seg_t *out = malloc(total * sizeof *out);
    if (!set || !out)
        goto fail;
    for (size_t i = 0; i < n; i++)
        if (!mz_segset_add_shape(set, shapes[i]))
            goto fail;
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < shapes[i]->npolygons; p++)
            for (size_t r = 0; r < shapes[i]->polygons[p].nrings; r++) {
                const mz_ring_t *ring = &shapes[i]->polygons[p].rings[r];
                for (size_t j = 0; j + 1 < ring->npoints; j++) {
                    const double *a = &ring->xy[2 * j];
                    if (a[0] == a[2] && a[1] == a[3])
                        continue;
                    if (mz_segset_count(set, a[0], a[1], a[2], a[3]) == 1)
                        out[(*nseg)++] = (mz_seg_t){a[0], a[1], a[2], a[3]};
                }
            }
    mz_segset_destroy(set);
    return out;
fail:
    mz_segset_destroy(set);
    free(out);
    *nseg = 0;
    return NULL;
}

/* ---- point tests ---- */

static bool ring_crossings(const mz_ring_t *ring, double x, double y)
{
    bool in = false;
    const double *p = ring->xy;
    for (size_t i = 0, j = ring->npoints - 1; i < ring->npoints; j = i++) {
        double xi = p[2 * i], yi = p[2 * i + 1], xj = p[2 * j], yj = p[2 * j + 1];
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
            in = !in;
    }
    return in;
}

bool mz_point_in_shapes(const mz_shape_t *const *shapes, size_t n, double x, double y)
{
    bool in = false;
    for (size_t i = 0; i < n; i++) {
        const mz_shape_t *s = shapes[i];
        if (x < s->bbox[0] || x > s->bbox[2] || y < s->bbox[1] || y > s->bbox[3])
            continue;
        for (size_t p = 0; p < s->npolygons; p++)
            for (size_t r = 0; r < s->polygons[p].nrings; r++)
                if (s->polygons[p].rings[r].npoints >= 3 &&
                    ring_crossings(&s->polygons[p].rings[r], x, y))
                    in = !in;
    }
    return in;
}

double mz_dist_to_segs(const mz_seg_t *segs, size_t n, double x, double y)
{
    double best = INFINITY;
    for (size_t i = 0; i < n; i++) {
        const mz_seg_t *s = &segs[i];
        double dx = s->x2 - s->x1, dy = s->y2 - s->y1;
        double len2 = dx * dx + dy * dy;
        double t = len2 > 0 ? ((x - s->x1) * dx + (y - s->y1) * dy) / len2 : 0;
        if (t < 0)
            t = 0;
        else if (t > 1)
            t = 1;
        double ex = s->x1 + t * dx - x, ey = s->y1 + t * dy - y;
        double d2 = ex * ex + ey * ey;
        if (d2 < best)
            best = d2;
    }
    return sqrt(best);
}

bool mz_seg_hits_box(const mz_seg_t *s, double x0, double y0, double x1, double y1)
{
    /* Liang–Barsky: clip the segment to the box; it hits when something is left */
    double t0 = 0, t1 = 1, dx = s->x2 - s->x1, dy = s->y2 - s->y1;
    double p[4] = {-dx, dx, -dy, dy};
    double q[4] = {s->x1 - x0, x1 - s->x1, s->y1 - y0, y1 - s->y1};
    for (int i = 0; i < 4; i++) {
        if (p[i] == 0) {
            if (q[i] < 0)
                return false;
        } else {
            double t = q[i] / p[i];
            if (p[i] < 0) {
                if (t > t1)
                    return false;
                if (t > t0)
                    t0 = t;
            } else {
                if (t < t0)
                    return false;
                if (t < t1)
                    t1 = t;
            }
        }
    }
    return t0 <= t1;
}

static int cmp_candidate(const void *a, const void *b)
{
    const mz_candidate_t *x = a, *y = b;
    if (x->d != y->d)
        return x->d > y->d ? -1 : 1;
    if (x->y != y->y)
        return x->y > y->y ? -1 : 1;
    return x->x < y->x ? -1 : x->x > y->x;
}

size_t mz_label_candidates(const mz_shape_t *const *shapes, size_t n, const mz_seg_t *outline,
                           size_t nseg, const double *clip, mz_candidate_t *out, size_t max)
{
    if (n == 0 || max == 0)
        return 0;
    double b[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++) {
        b[0] = fmin(b[0], shapes[i]->bbox[0]);
        b[1] = fmin(b[1], shapes[i]->bbox[1]);
        b[2] = fmax(b[2], shapes[i]->bbox[2]);
        b[3] = fmax(b[3], shapes[i]->bbox[3]);
    }
    if (clip) {
        b[0] = fmax(b[0], clip[0]);
        b[1] = fmax(b[1], clip[1]);
        b[2] = fmin(b[2], clip[2]);
        b[3] = fmin(b[3], clip[3]);
    }
    if (!(b[0] < b[2] && b[1] < b[3]))
        return 0;
    enum { GRID = 40 };
    double step = fmax(b[2] - b[0], b[3] - b[1]) / GRID;
    size_t cap = (GRID + 2) * (GRID + 2), k = 0;
    mz_candidate_t *all = malloc(cap * sizeof *all);
    if (!all)
        return 0;
    for (double y = b[1] + step / 2; y < b[3]; y += step)
        for (double x = b[0] + step / 2; x < b[2] && k < cap; x += step) {
            if (!mz_point_in_shapes(shapes, n, x, y))
                continue;
            double d = mz_dist_to_segs(outline, nseg, x, y);
            if (clip) { /* the clip edge counts as a border */
                d = fmin(d, fmin(fmin(x - clip[0], clip[2] - x), fmin(y - clip[1], clip[3] - y)));
                if (d <= 0)
                    continue;
            }
            all[k++] = (mz_candidate_t){x, y, d};
        }
    qsort(all, k, sizeof *all, cmp_candidate);
    size_t m = k < max ? k : max;
    memcpy(out, all, m * sizeof *out);
    free(all);
    return m;
}

/* ---- projection and paths ---- */

void mz_proj_fit(mz_proj_t *p, const double bbox[4], double x, double y, double w, double h)
{
    double bw = bbox[2] - bbox[0], bh = bbox[3] - bbox[1];
    double s = fmin(w / bw, h / bh);
    p->scale = s;
    p->wx0 = bbox[0];
    p->wy1 = bbox[3];
    p->px0 = x + (w - bw * s) / 2;
    p->py0 = y + (h - bh * s) / 2;
}

void mz_path_shape(cairo_t *cr, const mz_proj_t *p, const mz_shape_t *shape)
{
    for (size_t k = 0; k < shape->npolygons; k++)
        for (size_t r = 0; r < shape->polygons[k].nrings; r++) {
            const mz_ring_t *ring = &shape->polygons[k].rings[r];
            if (ring->npoints < 3)
                continue;
            cairo_move_to(cr, mz_proj_x(p, ring->xy[0]), mz_proj_y(p, ring->xy[1]));
            for (size_t i = 1; i < ring->npoints; i++)
                cairo_line_to(cr, mz_proj_x(p, ring->xy[2 * i]), mz_proj_y(p, ring->xy[2 * i + 1]));
            cairo_close_path(cr);
        }
}

void mz_path_segs(cairo_t *cr, const mz_proj_t *p, const mz_seg_t *segs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const mz_seg_t *s = &segs[i];
        bool chained = i > 0 && segs[i - 1].x2 == s->x1 && segs[i - 1].y2 == s->y1;
        if (!chained)
            cairo_move_to(cr, mz_proj_x(p, s->x1), mz_proj_y(p, s->y1));
        cairo_line_to(cr, mz_proj_x(p, s->x2), mz_proj_y(p, s->y2));
    }
}
