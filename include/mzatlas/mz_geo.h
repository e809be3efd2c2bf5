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
/** The same from memory (tests and fuzzing); `name` is used in messages. */
mz_geo_t *mz_geo_load_mem(const char *name, const void *data, size_t size, mz_error_t *err);
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

/* ---- extensions (region merging, `mzatlas regions`) ---- */

/** Build a graph from an explicit list of neighbour pairs: pairs[2k], pairs[2k+1] are gazetteer
 *  indices (a unit and its parent, or a unit and itself, are refused). Units are those valid in
 *  `year` (year <= 0: every unit). No unit has a shape, so distances are infinite. */
mz_neighbours_t *mz_neighbours_from_pairs(const mz_gazetteer_t *gz, int year, const int *pairs,
                                          size_t npairs, mz_error_t *err);
/** Whether unit a is part of the graph (valid in its year), and whether it has a shape. */
bool mz_neighbours_includes(const mz_neighbours_t *nb, size_t a);
bool mz_neighbours_has_shape(const mz_neighbours_t *nb, size_t a);
/** Survey year the graph was built for (<= 0: every unit). */
int mz_neighbours_year(const mz_neighbours_t *nb);
/** Smallest distance (metres) between boundary vertices of units a and b: 0 for neighbours,
 *  INFINITY when either has no shape. Used to attach islands to the nearest unit. */
double mz_neighbours_distance(const mz_neighbours_t *nb, size_t a, size_t b);

/** Bundled Kreise geometry for a survey year, relative to the data directory:
 *  "geo/kreise-ni-2007.geojson" before 2016, "geo/kreise-ni-2017.geojson" from 2016 (the
 *  Göttingen/Osterode merger of 1.11.2016; see data/geo/SOURCE.md). */
const char *mz_geo_kreise_file(int year);
/** Bundled geometry of the two halves of Region Hannover (03241001, 03241999). */
#define MZ_GEO_HANNOVER_SPLIT_FILE "geo/hannover-split.geojson"
/** Load the bundled geometry for `year` (Kreise + Hannover split, from the data directory, see
 *  mz_data_dir()) and build the graph of the gazetteer's units. */
mz_neighbours_t *mz_neighbours_load_bundled(const mz_gazetteer_t *gz, int year, mz_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
