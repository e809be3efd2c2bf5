/* geo.c — boundary geometry (GeoJSON via jansson) and the neighbour graph of the units.
 *
 * Two units are neighbours when their boundaries share a border segment: two consecutive
 * vertices that occur, in either order, as consecutive vertices of the other unit too. The
 * bundled files keep identical vertices on shared borders (data/geo/SOURCE.md), so this finds
 * every common border and never mistakes a single touching point for one. */
#include "mzatlas/mz_geo.h"

#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mzatlas/mz_run.h"
#include "util.h"

struct mz_geo {
    mz_shape_t *shapes;
    size_t count;
    double bbox[4];
};

/* ---- loading ---- */

typedef struct parse_ctx {
    const char *path;
    size_t feature;   /* 1-based feature number */
    const char *ags;  /* "" until known */
    mz_error_t *err;
} parse_ctx_t;

static mz_status_t feature_error(const parse_ctx_t *c, const char *column, const char *value,
                                 const char *msg)
{
    if (c->ags && c->ags[0])
        return mz_error_set(c->err, MZ_ERR_DATA, c->path, (long)c->feature, column, value,
                            "%s %zu (ags %s): %s", mz_tr("Objekt", "feature"), c->feature, c->ags,
                            msg);
    return mz_error_set(c->err, MZ_ERR_DATA, c->path, (long)c->feature, column, value, "%s %zu: %s",
                        mz_tr("Objekt", "feature"), c->feature, msg);
}

static mz_status_t nomem(mz_error_t *err, const char *path)
{
    return mz_error_set(err, MZ_ERR_NOMEM, path, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
}

static void bbox_empty(double b[4])
{
    b[0] = b[1] = INFINITY;
    b[2] = b[3] = -INFINITY;
}

static void bbox_add(double b[4], double x, double y)
{
    if (x < b[0])
        b[0] = x;
    if (y < b[1])
        b[1] = y;
    if (x > b[2])
        b[2] = x;
    if (y > b[3])
        b[3] = y;
}

static void ring_free(mz_ring_t *r) { free((void *)r->xy); }

static void polygon_free(mz_polygon_t *p)
{
    for (size_t i = 0; i < p->nrings; i++)
        ring_free((mz_ring_t *)&p->rings[i]);
    free((void *)p->rings);
}

static void shape_free(mz_shape_t *s)
{
    for (size_t i = 0; i < s->npolygons; i++)
        polygon_free((mz_polygon_t *)&s->polygons[i]);
    free((void *)s->polygons);
    free((void *)s->ags);
    free((void *)s->name);
    free((void *)s->kind);
    memset(s, 0, sizeof *s);
}

/* A position: an array of at least two numbers (a third, the height, is ignored). */
static bool parse_position(const json_t *pos, double *x, double *y)
{
    if (!json_is_array(pos) || json_array_size(pos) < 2)
        return false;
    const json_t *jx = json_array_get(pos, 0), *jy = json_array_get(pos, 1);
    if (!json_is_number(jx) || !json_is_number(jy))
        return false;
    *x = json_number_value(jx);
    *y = json_number_value(jy);
    return isfinite(*x) && isfinite(*y);
}

static mz_status_t parse_ring(const parse_ctx_t *c, const json_t *jr, mz_ring_t *out,
                              double bbox[4])
{
    memset(out, 0, sizeof *out);
    if (!json_is_array(jr))
        return feature_error(c, "geometry.coordinates", "",
                             mz_tr("Ring ist keine Liste von Punkten",
                                   "ring is not a list of positions"));
    size_t n = json_array_size(jr);
    if (n < 4) {
        char v[32];
        snprintf(v, sizeof v, "%zu", n);
        return feature_error(c, "geometry.coordinates", v,
                             mz_tr("Ring mit weniger als 4 Punkten",
                                   "ring with fewer than 4 positions"));
    }
    double *xy = malloc(2 * n * sizeof *xy);
    if (!xy)
        return nomem(c->err, c->path);
    for (size_t i = 0; i < n; i++) {
        if (!parse_position(json_array_get(jr, i), &xy[2 * i], &xy[2 * i + 1])) {
            free(xy);
            char v[32];
            snprintf(v, sizeof v, "%zu", i + 1);
            return feature_error(c, "geometry.coordinates", v,
                                 mz_tr("Punkt ist kein Zahlenpaar [x, y]",
                                       "position is not a pair of numbers [x, y]"));
        }
        bbox_add(bbox, xy[2 * i], xy[2 * i + 1]);
    }
    if (xy[0] != xy[2 * n - 2] || xy[1] != xy[2 * n - 1]) {
        free(xy);
        return feature_error(c, "geometry.coordinates", "",
                             mz_tr("Ring nicht geschlossen (erster und letzter Punkt verschieden)",
                                   "ring not closed (first and last position differ)"));
    }
    out->xy = xy;
    out->npoints = n;
    return MZ_OK;
}

static mz_status_t parse_polygon(const parse_ctx_t *c, const json_t *jp, mz_polygon_t *out,
                                 double bbox[4])
{
    memset(out, 0, sizeof *out);
    if (!json_is_array(jp) || json_array_size(jp) == 0)
        return feature_error(c, "geometry.coordinates", "",
                             mz_tr("Polygon ohne Ringe", "polygon without rings"));
    size_t n = json_array_size(jp);
    mz_ring_t *rings = calloc(n, sizeof *rings);
    if (!rings)
        return nomem(c->err, c->path);
    out->rings = rings;
    for (size_t i = 0; i < n; i++) {
        mz_status_t st = parse_ring(c, json_array_get(jp, i), &rings[i], bbox);
        if (st != MZ_OK)
            return st; /* the caller frees the rings parsed so far */
        out->nrings++;
    }
    return MZ_OK;
}

static mz_status_t parse_geometry(const parse_ctx_t *c, const json_t *jg, mz_shape_t *s)
{
    if (!json_is_object(jg))
        return feature_error(c, "geometry", "",
                             mz_tr("Geometrie fehlt", "geometry missing"));
    const char *type = json_string_value(json_object_get(jg, "type"));
    const json_t *coords = json_object_get(jg, "coordinates");
    bool multi;
    if (type && strcmp(type, "Polygon") == 0)
        multi = false;
    else if (type && strcmp(type, "MultiPolygon") == 0)
        multi = true;
    else
        return feature_error(c, "geometry.type", type ? type : "",
                             mz_tr("erwartet Polygon oder MultiPolygon",
                                   "expected Polygon or MultiPolygon"));
    if (!json_is_array(coords) || json_array_size(coords) == 0)
        return feature_error(c, "geometry.coordinates", "",
                             mz_tr("Koordinaten fehlen", "coordinates missing"));
    size_t n = multi ? json_array_size(coords) : 1;
    mz_polygon_t *polys = calloc(n, sizeof *polys);
    if (!polys)
        return nomem(c->err, c->path);
    s->polygons = polys;
    for (size_t i = 0; i < n; i++) {
        mz_status_t st =
            parse_polygon(c, multi ? json_array_get(coords, i) : coords, &polys[i], s->bbox);
        s->npolygons++; /* counted even when partial, so that it is freed */
        if (st != MZ_OK)
            return st;
    }
    return MZ_OK;
}

static mz_status_t parse_property(const parse_ctx_t *c, const json_t *props, const char *key,
                                  const char **out)
{
    const json_t *v = props ? json_object_get(props, key) : NULL;
    if (v && !json_is_null(v) && !json_is_string(v)) {
        char col[64];
        snprintf(col, sizeof col, "properties.%s", key);
        return feature_error(c, col, json_is_number(v) ? mz_tr("(Zahl)", "(number)") : "",
                             mz_tr("Text erwartet (AGS als Zeichenkette, führende Nullen zählen)",
                                   "expected a string (AGS as text: leading zeros matter)"));
    }
    *out = mz_strdup(json_is_string(v) ? json_string_value(v) : "");
    return *out ? MZ_OK : nomem(c->err, c->path);
}

static mz_status_t parse_feature(parse_ctx_t *c, const json_t *jf, mz_shape_t *s)
{
    memset(s, 0, sizeof *s);
    bbox_empty(s->bbox);
    if (!json_is_object(jf))
        return feature_error(c, NULL, NULL, mz_tr("kein Objekt", "not an object"));
    const char *type = json_string_value(json_object_get(jf, "type"));
    if (!type || strcmp(type, "Feature") != 0)
        return feature_error(c, "type", type ? type : "",
                             mz_tr("erwartet Feature", "expected Feature"));
    const json_t *props = json_object_get(jf, "properties");
    if (props && !json_is_null(props) && !json_is_object(props))
        return feature_error(c, "properties", "", mz_tr("kein Objekt", "not an object"));
    mz_status_t st;
    if ((st = parse_property(c, props, "ags", &s->ags)) != MZ_OK ||
        (st = parse_property(c, props, "name", &s->name)) != MZ_OK ||
        (st = parse_property(c, props, "kind", &s->kind)) != MZ_OK)
        return st;
    c->ags = s->ags;
    return parse_geometry(c, json_object_get(jf, "geometry"), s);
}

static mz_geo_t *geo_from_json(json_t *root, const json_error_t *jerr, const char *path,
                               mz_error_t *err);

mz_geo_t *mz_geo_load(const char *path, mz_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                     mz_tr("Geometriedatei kann nicht gelesen werden",
                           "cannot read the geometry file"));
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    fclose(f);
    return geo_from_json(root, &jerr, path, err);
}

mz_geo_t *mz_geo_load_mem(const char *name, const void *data, size_t size, mz_error_t *err)
{
    json_error_t jerr;
    json_t *root = json_loadb(data, size, JSON_REJECT_DUPLICATES, &jerr);
    return geo_from_json(root, &jerr, name, err);
}

/* The shapes of a parsed GeoJSON document (NULL root: the parse error in jerr); takes root. */
static mz_geo_t *geo_from_json(json_t *root, const json_error_t *jerr, const char *path,
                               mz_error_t *err)
{
    if (!root) {
        char col[32];
        snprintf(col, sizeof col, "%d", jerr->column);
        mz_error_set(err, MZ_ERR_DATA, path, jerr->line, col, NULL, "%s: %s",
                     mz_tr("kein gültiges JSON", "not valid JSON"), jerr->text);
        return NULL;
    }
    mz_geo_t *geo = calloc(1, sizeof *geo);
    if (!geo) {
        nomem(err, path);
        goto fail;
    }
    bbox_empty(geo->bbox);
    const char *type = json_string_value(json_object_get(root, "type"));
    const json_t *features = json_object_get(root, "features");
    if (!type || strcmp(type, "FeatureCollection") != 0 || !json_is_array(features)) {
        mz_error_set(err, MZ_ERR_DATA, path, 0, "type", type ? type : "", "%s",
                     mz_tr("erwartet eine GeoJSON-FeatureCollection mit \"features\"",
                           "expected a GeoJSON FeatureCollection with \"features\""));
        goto fail;
    }
    size_t n = json_array_size(features);
    geo->shapes = calloc(n ? n : 1, sizeof *geo->shapes);
    if (!geo->shapes) {
        nomem(err, path);
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        parse_ctx_t c = {path, i + 1, "", err};
        mz_shape_t *s = &geo->shapes[geo->count];
        mz_status_t st = parse_feature(&c, json_array_get(features, i), s);
        geo->count++;
        if (st != MZ_OK)
            goto fail;
        if (s->ags[0])
            for (size_t k = 0; k + 1 < geo->count; k++)
                if (strcmp(geo->shapes[k].ags, s->ags) == 0) {
                    feature_error(&c, "properties.ags", s->ags,
                                  mz_tr("AGS kommt mehrfach vor", "duplicate AGS"));
                    goto fail;
                }
        bbox_add(geo->bbox, s->bbox[0], s->bbox[1]);
        bbox_add(geo->bbox, s->bbox[2], s->bbox[3]);
    }
    json_decref(root);
    return geo;
fail:
    json_decref(root);
    mz_geo_destroy(geo);
    return NULL;
}

void mz_geo_destroy(mz_geo_t *geo)
{
    if (!geo)
        return;
    for (size_t i = 0; i < geo->count; i++)
        shape_free(&geo->shapes[i]);
    free(geo->shapes);
    free(geo);
}

size_t mz_geo_count(const mz_geo_t *geo) { return geo->count; }
const mz_shape_t *mz_geo_shape(const mz_geo_t *geo, size_t i) { return &geo->shapes[i]; }

const mz_shape_t *mz_geo_find(const mz_geo_t *geo, const char *ags)
{
    for (size_t i = 0; i < geo->count; i++)
        if (strcmp(geo->shapes[i].ags, ags) == 0)
            return &geo->shapes[i];
    return NULL;
}

void mz_geo_bbox(const mz_geo_t *geo, double bbox[4]) { memcpy(bbox, geo->bbox, sizeof geo->bbox); }

/* ---- the neighbour graph ---- */

struct mz_neighbours {
    int year;
    size_t n;        /* gazetteer units */
    bool *included;  /* valid in the year */
    size_t *off;     /* CSR: neighbours of u are adj[off[u] … off[u+1]) */
    int *adj;
    double **pts;    /* per unit: all boundary vertices (x, y pairs), NULL without a shape */
    size_t *npts;
    double (*bbox)[4];
};

static mz_neighbours_t *nb_alloc(const mz_gazetteer_t *gz, int year)
{
    mz_neighbours_t *nb = calloc(1, sizeof *nb);
    if (!nb)
        return NULL;
    nb->year = year;
    nb->n = mz_gazetteer_count(gz);
    size_t n1 = nb->n + 1;
    nb->included = calloc(n1, sizeof *nb->included);
    nb->off = calloc(n1, sizeof *nb->off);
    nb->pts = calloc(n1, sizeof *nb->pts);
    nb->npts = calloc(n1, sizeof *nb->npts);
    nb->bbox = calloc(n1, sizeof *nb->bbox);
    if (!nb->included || !nb->off || !nb->pts || !nb->npts || !nb->bbox) {
        mz_neighbours_destroy(nb);
        return NULL;
    }
    for (size_t u = 0; u < nb->n; u++)
        nb->included[u] = year <= 0 || mz_unit_valid_in(mz_gazetteer_unit(gz, u), year);
    return nb;
}

void mz_neighbours_destroy(mz_neighbours_t *nb)
{
    if (!nb)
        return;
    if (nb->pts)
        for (size_t u = 0; u < nb->n; u++)
            free(nb->pts[u]);
    free(nb->pts);
    free(nb->npts);
    free(nb->bbox);
    free(nb->included);
    free(nb->off);
    free(nb->adj);
    free(nb);
}

/* a is b's parent or the other way round: a whole and its part overlap, they are not neighbours */
static bool parent_child(const mz_gazetteer_t *gz, size_t a, size_t b)
{
    const mz_unit_t *ua = mz_gazetteer_unit(gz, a), *ub = mz_gazetteer_unit(gz, b);
    return strcmp(ua->parent, ub->ags) == 0 || strcmp(ub->parent, ua->ags) == 0;
}

static int cmp_pair(const void *x, const void *y)
{
    const int *a = x, *b = y;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return (a[1] > b[1]) - (a[1] < b[1]);
}

/* Fill the CSR lists from a list of pairs (both directions present); sorts by AGS. */
static mz_status_t nb_finish(mz_neighbours_t *nb, const mz_gazetteer_t *gz, int *pairs,
                             size_t npairs, mz_error_t *err)
{
    if (npairs)
        qsort(pairs, npairs, 2 * sizeof *pairs, cmp_pair);
    size_t k = 0;
    for (size_t i = 0; i < npairs; i++)
        if (k == 0 || pairs[2 * i] != pairs[2 * (k - 1)] ||
            pairs[2 * i + 1] != pairs[2 * (k - 1) + 1]) {
            pairs[2 * k] = pairs[2 * i];
            pairs[2 * k + 1] = pairs[2 * i + 1];
            k++;
        }
    nb->adj = malloc((k ? k : 1) * sizeof *nb->adj);
    if (!nb->adj)
        return nomem(err, NULL);
    memset(nb->off, 0, (nb->n + 1) * sizeof *nb->off);
    for (size_t i = 0; i < k; i++)
        nb->off[pairs[2 * i] + 1]++;
    for (size_t u = 0; u < nb->n; u++)
        nb->off[u + 1] += nb->off[u];
    for (size_t i = 0; i < k; i++)
        nb->adj[i] = pairs[2 * i + 1]; /* already grouped by the first element, in order */
    /* sort each list by AGS (the gazetteer need not be in AGS order) */
    for (size_t u = 0; u < nb->n; u++) {
        int *l = nb->adj + nb->off[u];
        size_t m = nb->off[u + 1] - nb->off[u];
        for (size_t i = 1; i < m; i++) {
            int v = l[i];
            size_t j = i;
            while (j > 0 && strcmp(mz_gazetteer_unit(gz, (size_t)l[j - 1])->ags,
                                   mz_gazetteer_unit(gz, (size_t)v)->ags) > 0) {
                l[j] = l[j - 1];
                j--;
            }
            l[j] = v;
        }
    }
    return MZ_OK;
}

mz_neighbours_t *mz_neighbours_from_pairs(const mz_gazetteer_t *gz, int year, const int *pairs,
                                          size_t npairs, mz_error_t *err)
{
    mz_neighbours_t *nb = nb_alloc(gz, year);
    int *both = malloc((npairs ? npairs : 1) * 4 * sizeof *both);
    if (!nb || !both) {
        nomem(err, NULL);
        goto fail;
    }
    size_t n = mz_gazetteer_count(gz), k = 0;
    for (size_t i = 0; i < npairs; i++) {
        int a = pairs[2 * i], b = pairs[2 * i + 1];
        if (a < 0 || b < 0 || (size_t)a >= n || (size_t)b >= n || a == b ||
            parent_child(gz, (size_t)a, (size_t)b)) {
            char v[48];
            snprintf(v, sizeof v, "%d-%d", a, b);
            mz_error_set(err, MZ_ERR_DATA, NULL, (long)i + 1, NULL, v, "%s",
                         mz_tr("ungültiges Nachbarpaar", "invalid neighbour pair"));
            goto fail;
        }
        if (!nb->included[a] || !nb->included[b])
            continue; /* not in this year's graph */
        both[4 * k] = a;
        both[4 * k + 1] = b;
        both[4 * k + 2] = b;
        both[4 * k + 3] = a;
        k++;
    }
    if (nb_finish(nb, gz, both, 2 * k, err) != MZ_OK)
        goto fail;
    free(both);
    return nb;
fail:
    free(both);
    mz_neighbours_destroy(nb);
    return NULL;
}

/* One boundary segment, endpoints ordered so that the same border found from both sides
 * compares equal. */
typedef struct seg {
    double x1, y1, x2, y2;
    int unit;
} seg_t;

static int cmp_seg(const void *x, const void *y)
{
    const seg_t *a = x, *b = y;
    if (a->x1 != b->x1)
        return a->x1 < b->x1 ? -1 : 1;
    if (a->y1 != b->y1)
        return a->y1 < b->y1 ? -1 : 1;
    if (a->x2 != b->x2)
        return a->x2 < b->x2 ? -1 : 1;
    if (a->y2 != b->y2)
        return a->y2 < b->y2 ? -1 : 1;
    return (a->unit > b->unit) - (a->unit < b->unit);
}

static bool same_seg(const seg_t *a, const seg_t *b)
{
    return a->x1 == b->x1 && a->y1 == b->y1 && a->x2 == b->x2 && a->y2 == b->y2;
}

static size_t shape_points(const mz_shape_t *s)
{
    size_t n = 0;
    for (size_t p = 0; p < s->npolygons; p++)
        for (size_t r = 0; r < s->polygons[p].nrings; r++)
            n += s->polygons[p].rings[r].npoints;
    return n;
}

mz_neighbours_t *mz_neighbours_build(const mz_gazetteer_t *gz, int year,
                                     const mz_geo_t *const *geos, size_t ngeos, mz_error_t *err)
{
    mz_neighbours_t *nb = nb_alloc(gz, year);
    seg_t *segs = NULL;
    int *pairs = NULL;
    size_t nsegs = 0, segcap = 0, npairs = 0, paircap = 0;
    if (!nb)
        goto nomem;
    for (size_t u = 0; u < nb->n; u++) {
        if (!nb->included[u])
            continue;
        const mz_shape_t *s = NULL;
        for (size_t g = 0; g < ngeos && !s; g++)
            s = geos[g] ? mz_geo_find(geos[g], mz_gazetteer_unit(gz, u)->ags) : NULL;
        if (!s || s->npolygons == 0)
            continue;
        size_t np = shape_points(s);
        nb->pts[u] = malloc(2 * (np ? np : 1) * sizeof(double));
        if (!nb->pts[u])
            goto nomem;
        memcpy(nb->bbox[u], s->bbox, sizeof s->bbox);
        if (nsegs + np > segcap) {
            size_t nc = (segcap + np) * 2;
            seg_t *ns = realloc(segs, nc * sizeof *ns);
            if (!ns)
                goto nomem;
            segs = ns;
            segcap = nc;
        }
        for (size_t p = 0; p < s->npolygons; p++)
            for (size_t r = 0; r < s->polygons[p].nrings; r++) {
                const mz_ring_t *ring = &s->polygons[p].rings[r];
                for (size_t i = 0; i < ring->npoints; i++) {
                    double x = ring->xy[2 * i], y = ring->xy[2 * i + 1];
                    nb->pts[u][2 * nb->npts[u]] = x;
                    nb->pts[u][2 * nb->npts[u] + 1] = y;
                    nb->npts[u]++;
                    if (i == 0)
                        continue;
                    double px = ring->xy[2 * i - 2], py = ring->xy[2 * i - 1];
                    if (px == x && py == y)
                        continue; /* repeated vertex: no segment */
                    seg_t *sg = &segs[nsegs++];
                    bool swap = px > x || (px == x && py > y);
                    sg->x1 = swap ? x : px;
                    sg->y1 = swap ? y : py;
                    sg->x2 = swap ? px : x;
                    sg->y2 = swap ? py : y;
                    sg->unit = (int)u;
                }
            }
    }
    if (nsegs)
        qsort(segs, nsegs, sizeof *segs, cmp_seg);
    for (size_t i = 0; i < nsegs;) {
        size_t j = i + 1;
        while (j < nsegs && same_seg(&segs[i], &segs[j]))
            j++;
        for (size_t a = i; a < j; a++)
            for (size_t b = a + 1; b < j; b++) {
                int ua = segs[a].unit, ub = segs[b].unit;
                if (ua == ub || parent_child(gz, (size_t)ua, (size_t)ub))
                    continue;
                if (npairs + 2 > paircap) {
                    size_t nc = paircap ? paircap * 2 : 256;
                    int *np = realloc(pairs, nc * 2 * sizeof *np);
                    if (!np)
                        goto nomem;
                    pairs = np;
                    paircap = nc;
                }
                pairs[2 * npairs] = ua;
                pairs[2 * npairs + 1] = ub;
                npairs++;
                pairs[2 * npairs] = ub;
                pairs[2 * npairs + 1] = ua;
                npairs++;
            }
        i = j;
    }
    free(segs);
    segs = NULL;
    if (nb_finish(nb, gz, pairs, npairs, err) != MZ_OK)
        goto fail;
    free(pairs);
    return nb;
nomem:
    nomem(err, NULL);
fail:
    free(segs);
    free(pairs);
    mz_neighbours_destroy(nb);
    return NULL;
}

bool mz_neighbours_adjacent(const mz_neighbours_t *nb, size_t a, size_t b)
{
    if (a >= nb->n || b >= nb->n)
        return false;
    for (size_t i = nb->off[a]; i < nb->off[a + 1]; i++)
        if ((size_t)nb->adj[i] == b)
            return true;
    return false;
}

size_t mz_neighbours_of(const mz_neighbours_t *nb, size_t a, const int **list)
{
    if (a >= nb->n) {
        *list = NULL;
        return 0;
    }
    *list = nb->adj + nb->off[a];
    return nb->off[a + 1] - nb->off[a];
}

bool mz_neighbours_includes(const mz_neighbours_t *nb, size_t a)
{
    return a < nb->n && nb->included[a];
}

bool mz_neighbours_has_shape(const mz_neighbours_t *nb, size_t a)
{
    return a < nb->n && nb->pts[a] != NULL;
}

int mz_neighbours_year(const mz_neighbours_t *nb) { return nb->year; }

double mz_neighbours_distance(const mz_neighbours_t *nb, size_t a, size_t b)
{
    if (a >= nb->n || b >= nb->n || !nb->pts[a] || !nb->pts[b])
        return INFINITY;
    if (a == b || mz_neighbours_adjacent(nb, a, b))
        return 0.0;
    double best = INFINITY;
    const double *pa = nb->pts[a], *pb = nb->pts[b];
    for (size_t i = 0; i < nb->npts[a]; i++)
        for (size_t j = 0; j < nb->npts[b]; j++) {
            double dx = pa[2 * i] - pb[2 * j], dy = pa[2 * i + 1] - pb[2 * j + 1];
            double d = dx * dx + dy * dy;
            if (d < best)
                best = d;
        }
    return sqrt(best);
}

const char *mz_geo_kreise_file(int year)
{
    return year > 0 && year < 2016 ? "geo/kreise-ni-2007.geojson" : "geo/kreise-ni-2017.geojson";
}

mz_neighbours_t *mz_neighbours_load_bundled(const mz_gazetteer_t *gz, int year, mz_error_t *err)
{
    char path[4096];
    mz_geo_t *geos[2] = {NULL, NULL};
    mz_neighbours_t *nb = NULL;
    geos[0] = mz_geo_load(mz_data_path(mz_geo_kreise_file(year), path, sizeof path), err);
    if (!geos[0])
        goto cleanup;
    geos[1] = mz_geo_load(mz_data_path(MZ_GEO_HANNOVER_SPLIT_FILE, path, sizeof path), err);
    if (!geos[1])
        goto cleanup;
    nb = mz_neighbours_build(gz, year, (const mz_geo_t *const *)geos, 2, err);
cleanup:
    mz_geo_destroy(geos[0]);
    mz_geo_destroy(geos[1]);
    return nb;
}
