/* mz_geo.h — boundary geometry of the units (GeoJSON, ETRS89/UTM32 metres) and the neighbour
 * graph derived from shared borders. */
#ifndef MZATLAS_MZ_GEO_H
#define MZATLAS_MZ_GEO_H

#include <stdbool.h>
#include <stddef.h>

#include "mz_error.h"
#include "mz_gazetteer.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A closed ring of points (first point repeated at the end as in GeoJSON). */
typedef struct mz_ring {
    const double *xy;   /**< x0, y0, x1, y1, … */
    size_t npoints;
} mz_ring_t;

/** One polygon: rings[0] is the outer ring, the rest are holes. */
typedef struct mz_polygon {
    const mz_ring_t *rings;
    size_t nrings;
} mz_polygon_t;

/** The geometry of one feature (a unit or a context area). Owned by the geometry set. */
typedef struct mz_shape {
    const char *ags;    /**< property "ags" ("" for context features without one) */
    const char *name;   /**< property "name" */
    const char *kind;   /**< property "kind" */
    const mz_polygon_t *polygons;
    size_t npolygons;
    double bbox[4];     /**< xmin, ymin, xmax, ymax */
} mz_shape_t;

typedef struct mz_geo mz_geo_t;

/** Load a GeoJSON FeatureCollection of Polygon/MultiPolygon features. Errors name the file,
 *  the feature index (as line) and the property or value at fault. */
mz_geo_t *mz_geo_load(const char *path, mz_error_t *err);
void mz_geo_destroy(mz_geo_t *geo);
size_t mz_geo_count(const mz_geo_t *geo);
const mz_shape_t *mz_geo_shape(const mz_geo_t *geo, size_t i);
/** Shape with property ags, or NULL. */
const mz_shape_t *mz_geo_find(const mz_geo_t *geo, const char *ags);
/** Bounding box of all shapes. */
void mz_geo_bbox(const mz_geo_t *geo, double bbox[4]);

/** Neighbour graph of gazetteer units: two units are neighbours when their boundaries share
 *  a border segment (two consecutive identical vertices), not just a point. */
typedef struct mz_neighbours mz_neighbours_t;

/** Build the graph for the units valid in `year` that have a shape in one of the geometry sets
 *  (e.g. the Kreise file plus the Hannover split file). */
mz_neighbours_t *mz_neighbours_build(const mz_gazetteer_t *gz, int year,
                                     const mz_geo_t *const *geos, size_t ngeos, mz_error_t *err);
void mz_neighbours_destroy(mz_neighbours_t *nb);
/** Whether units a and b (gazetteer indices) are neighbours. */
bool mz_neighbours_adjacent(const mz_neighbours_t *nb, size_t a, size_t b);
/** Neighbours of unit a: count and list (gazetteer indices, sorted by AGS). */
size_t mz_neighbours_of(const mz_neighbours_t *nb, size_t a, const int **list);

#ifdef __cplusplus
}
#endif
#endif
