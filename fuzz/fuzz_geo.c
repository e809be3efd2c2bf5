/* fuzz_geo.c — the GeoJSON reader (mz_geo_load_mem), then the neighbour graph of the bundled
 * gazetteer's units built from what it loaded, and distances between them, as region merging
 * does with the bundled boundaries.
 *
 * Checks besides crashes and leaks: rings are closed and have at least four positions, every
 * coordinate is finite and inside its shape's bounding box, and adjacency is symmetric. */
#include <math.h>

#include "fuzz.h"
#include "mzatlas/mz_geo.h"

static void check_shape(const mz_shape_t *s)
{
    fuzz_assert(s->ags && s->name && s->kind, "shape property missing");
    for (size_t p = 0; p < s->npolygons; p++) {
        const mz_polygon_t *pg = &s->polygons[p];
        fuzz_assert(pg->nrings >= 1, "polygon without rings");
        for (size_t r = 0; r < pg->nrings; r++) {
            const mz_ring_t *ring = &pg->rings[r];
            size_t n = ring->npoints;
            fuzz_assert(n >= 4, "ring with fewer than 4 points");
            fuzz_assert(ring->xy[0] == ring->xy[2 * n - 2] && ring->xy[1] == ring->xy[2 * n - 1],
                        "ring not closed");
            for (size_t i = 0; i < n; i++) {
                double x = ring->xy[2 * i], y = ring->xy[2 * i + 1];
                fuzz_assert(isfinite(x) && isfinite(y), "coordinate not finite");
                fuzz_assert(x >= s->bbox[0] && y >= s->bbox[1] && x <= s->bbox[2] &&
                                y <= s->bbox[3],
                            "point outside the bounding box");
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const mz_gazetteer_t *gz = fuzz_gazetteer();
    mz_error_t err;
    mz_geo_t *geo = mz_geo_load_mem("fuzz.geojson", data, size, &err);
    fuzz_check_error(&err, geo == NULL, "mz_geo_load_mem");
    if (!geo)
        return 0;
    for (size_t i = 0; i < mz_geo_count(geo); i++) {
        const mz_shape_t *s = mz_geo_shape(geo, i);
        check_shape(s);
        if (s->ags[0])
            fuzz_assert(mz_geo_find(geo, s->ags) == s, "AGS does not find its shape");
    }
    double bbox[4];
    mz_geo_bbox(geo, bbox);
    /* the graph for a year before and after the 2016 merger, by the input's parity */
    const mz_geo_t *geos[1] = {geo};
    mz_neighbours_t *nb = mz_neighbours_build(gz, size % 2 ? 2017 : 2007, geos, 1, &err);
    fuzz_check_error(&err, nb == NULL, "mz_neighbours_build");
    if (nb) {
        size_t n = mz_gazetteer_count(gz);
        for (size_t a = 0; a < n; a++) {
            const int *list;
            size_t k = mz_neighbours_of(nb, a, &list);
            for (size_t j = 0; j < k; j++) {
                fuzz_assert(list[j] >= 0 && (size_t)list[j] < n && (size_t)list[j] != a,
                            "neighbour index");
                fuzz_assert(mz_neighbours_adjacent(nb, (size_t)list[j], a),
                            "neighbour relation not symmetric");
            }
            if (!mz_neighbours_has_shape(nb, a))
                continue;
            for (size_t b = a + 1; b < n; b++) {
                double d = mz_neighbours_distance(nb, a, b);
                fuzz_assert(d >= 0, "negative distance");
            }
        }
        mz_neighbours_destroy(nb);
    }
    mz_geo_destroy(geo);
    return 0;
}
