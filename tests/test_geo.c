/* test_geo.c — GeoJSON loading, errors, and the neighbour graph (fixtures and bundled data). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mzatlas/mz_geo.h"
#include "mzatlas/mz_run.h"
#include "testutil.h"

static const char *fixture(const char *rel, char *buf, size_t size)
{
    snprintf(buf, size, "%s/merge/%s", tu_env("MZ_FIXTURES"), rel);
    return buf;
}

static mz_gazetteer_t *load_gz(const char *path)
{
    mz_error_t err;
    mz_error_clear(&err);
    mz_gazetteer_t *gz = mz_gazetteer_load(path, &err);
    cr_assert(gz, "gazetteer %s: %s", path, err.message);
    return gz;
}

static mz_gazetteer_t *bundled_gz(void)
{
    char path[4096];
    return load_gz(mz_data_path("regions/gazetteer-ni.csv", path, sizeof path));
}

static int idx(const mz_gazetteer_t *gz, const char *ags)
{
    int i = mz_gazetteer_find(gz, ags);
    cr_assert(i >= 0, "unit %s not in the gazetteer", ags);
    return i;
}

static bool adj(const mz_neighbours_t *nb, const mz_gazetteer_t *gz, const char *a, const char *b)
{
    return mz_neighbours_adjacent(nb, (size_t)idx(gz, a), (size_t)idx(gz, b));
}

/* ---- fixture geometry ---- */

typedef struct grid {
    mz_gazetteer_t *gz;
    mz_geo_t *geo;
} grid_t;

static grid_t grid_load(void)
{
    char path[4096];
    grid_t g;
    g.gz = load_gz(fixture("gazetteer-grid.csv", path, sizeof path));
    mz_error_t err;
    mz_error_clear(&err);
    g.geo = mz_geo_load(fixture("grid.geojson", path, sizeof path), &err);
    cr_assert(g.geo, "grid.geojson: %s", err.message);
    return g;
}

static void grid_free(grid_t *g)
{
    mz_geo_destroy(g->geo);
    mz_gazetteer_destroy(g->gz);
}

Test(geo, loads_features_properties_and_bboxes)
{
    grid_t g = grid_load();
    cr_assert_eq(mz_geo_count(g.geo), 18);
    const mz_shape_t *s = mz_geo_find(g.geo, "09010");
    cr_assert(s);
    cr_assert_str_eq(s->name, "Küste mit Insel");
    cr_assert_str_eq(s->kind, "landkreis");
    cr_assert_eq(s->npolygons, 2);
    cr_assert_eq(s->polygons[0].nrings, 1);
    cr_assert_eq(s->polygons[0].rings[0].npoints, 5);
    cr_assert_eq(s->bbox[0], 3.0);
    cr_assert_eq(s->bbox[1], 0.0);
    cr_assert_eq(s->bbox[2], 7.0);
    cr_assert_eq(s->bbox[3], 1.0);
    const mz_shape_t *ring = mz_geo_find(g.geo, "09012");
    cr_assert_eq(ring->polygons[0].nrings, 2, "outer ring and hole");
    /* a feature without ags loads with "" and is not found by an AGS */
    cr_assert_str_eq(mz_geo_shape(g.geo, 17)->ags, "");
    cr_assert_null(mz_geo_find(g.geo, "09099"));
    double bb[4];
    mz_geo_bbox(g.geo, bb);
    cr_assert_eq(bb[0], -5.0);
    cr_assert_eq(bb[1], -5.0);
    cr_assert_eq(bb[2], 22.0);
    cr_assert_eq(bb[3], 13.0);
    grid_free(&g);
}

Test(geo, shared_edges_make_neighbours_points_do_not)
{
    grid_t g = grid_load();
    mz_error_t err;
    mz_error_clear(&err);
    const mz_geo_t *geos[] = {g.geo};
    mz_neighbours_t *nb = mz_neighbours_build(g.gz, 2005, geos, 1, &err);
    cr_assert(nb, "%s", err.message);
    /* orthogonal grid neighbours */
    cr_assert(adj(nb, g.gz, "09001", "09002"));
    cr_assert(adj(nb, g.gz, "09002", "09001"), "symmetric");
    cr_assert(adj(nb, g.gz, "09001", "09004"));
    cr_assert(adj(nb, g.gz, "09005", "09008"));
    /* diagonal squares touch in one point only */
    cr_assert_not(adj(nb, g.gz, "09001", "09005"));
    cr_assert_not(adj(nb, g.gz, "09003", "09005"));
    /* the centre has exactly its four orthogonal neighbours, sorted by AGS */
    const int *list;
    size_t n = mz_neighbours_of(nb, (size_t)idx(g.gz, "09005"), &list);
    cr_assert_eq(n, 4);
    const char *want[] = {"09002", "09004", "09006", "09008"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(mz_gazetteer_unit(g.gz, (size_t)list[i])->ags, want[i]);
    /* a MultiPolygon unit touches through one of its parts */
    cr_assert(adj(nb, g.gz, "09003", "09010"));
    /* a unit inside another's hole borders it */
    cr_assert(adj(nb, g.gz, "09012", "09013"));
    /* a whole and its part overlap: not neighbours */
    cr_assert_not(adj(nb, g.gz, "09014", "09014001"));
    /* the far island has no neighbour; a unit without geometry neither */
    cr_assert_eq(mz_neighbours_of(nb, (size_t)idx(g.gz, "09011"), &list), 0);
    cr_assert(mz_neighbours_has_shape(nb, (size_t)idx(g.gz, "09011")));
    cr_assert_not(mz_neighbours_has_shape(nb, (size_t)idx(g.gz, "09015")));
    cr_assert(mz_neighbours_includes(nb, (size_t)idx(g.gz, "09015")));
    /* 09016 exists until 2009 and borders 09009 (3D positions are accepted) */
    cr_assert(adj(nb, g.gz, "09009", "09016"));
    cr_assert_eq(mz_neighbours_year(nb), 2005);
    mz_neighbours_destroy(nb);

    nb = mz_neighbours_build(g.gz, 2015, geos, 1, &err);
    cr_assert(nb);
    cr_assert_not(mz_neighbours_includes(nb, (size_t)idx(g.gz, "09016")));
    cr_assert_not(adj(nb, g.gz, "09009", "09016"), "dissolved unit is gone in 2015");
    n = mz_neighbours_of(nb, (size_t)idx(g.gz, "09009"), &list);
    cr_assert_eq(n, 2);
    mz_neighbours_destroy(nb);
    grid_free(&g);
}

Test(geo, distances_between_units)
{
    grid_t g = grid_load();
    const mz_geo_t *geos[] = {g.geo};
    mz_neighbours_t *nb = mz_neighbours_build(g.gz, 2005, geos, 1, NULL);
    cr_assert(nb);
    size_t a = (size_t)idx(g.gz, "09010"), b = (size_t)idx(g.gz, "09011");
    cr_assert_float_eq(mz_neighbours_distance(nb, a, b), 3.0, 1e-12,
                       "island part (6..7) to the far island (10..11)");
    cr_assert_eq(mz_neighbours_distance(nb, (size_t)idx(g.gz, "09001"),
                                         (size_t)idx(g.gz, "09002")),
                 0.0);
    cr_assert_eq(mz_neighbours_distance(nb, (size_t)idx(g.gz, "09001"),
                                         (size_t)idx(g.gz, "09005")),
                 0.0, "diagonal squares share a vertex");
    cr_assert(isinf(mz_neighbours_distance(nb, a, (size_t)idx(g.gz, "09015"))));
    mz_neighbours_destroy(nb);
    grid_free(&g);
}

Test(geo, graph_from_explicit_pairs)
{
    grid_t g = grid_load();
    int a = idx(g.gz, "09001"), b = idx(g.gz, "09011"), c = idx(g.gz, "09016");
    int pairs[] = {a, b, b, a, a, c};
    mz_error_t err;
    mz_error_clear(&err);
    mz_neighbours_t *nb = mz_neighbours_from_pairs(g.gz, 2015, pairs, 3, &err);
    cr_assert(nb, "%s", err.message);
    cr_assert(mz_neighbours_adjacent(nb, (size_t)a, (size_t)b));
    cr_assert(mz_neighbours_adjacent(nb, (size_t)b, (size_t)a));
    const int *list;
    cr_assert_eq(mz_neighbours_of(nb, (size_t)a, &list), 1, "duplicates merged, 09016 gone");
    cr_assert(isinf(mz_neighbours_distance(nb, (size_t)a, (size_t)c)));
    mz_neighbours_destroy(nb);

    int parent_child[] = {idx(g.gz, "09014"), idx(g.gz, "09014001")};
    nb = mz_neighbours_from_pairs(g.gz, 0, parent_child, 1, &err);
    cr_assert_null(nb);
    cr_assert_eq(err.status, MZ_ERR_DATA);
    int self[] = {a, a};
    cr_assert_null(mz_neighbours_from_pairs(g.gz, 0, self, 1, &err));
    int out_of_range[] = {a, 9999};
    cr_assert_null(mz_neighbours_from_pairs(g.gz, 0, out_of_range, 1, &err));
    grid_free(&g);
}

/* ---- errors ---- */

static mz_error_t load_bad(const char *name)
{
    char path[4096];
    mz_error_t err;
    mz_error_clear(&err);
    mz_geo_t *geo = mz_geo_load(fixture(name, path, sizeof path), &err);
    cr_assert_null(geo, "%s should not load", name);
    cr_assert(strstr(err.file, name), "error names the file: %s", err.file);
    return err;
}

Test(geo_errors, missing_file_is_io)
{
    mz_error_t err = load_bad("does-not-exist.geojson");
    cr_assert_eq(err.status, MZ_ERR_IO);
}

Test(geo_errors, syntax_error_names_line)
{
    mz_error_t err = load_bad("bad-syntax.geojson");
    cr_assert_eq(err.status, MZ_ERR_DATA);
    cr_assert_eq(err.line, 3);
}

Test(geo_errors, not_a_feature_collection)
{
    mz_error_t err = load_bad("bad-not-collection.geojson");
    cr_assert_eq(err.status, MZ_ERR_DATA);
    cr_assert_str_eq(err.value, "Feature");
}

Test(geo_errors, unsupported_geometry_names_feature_and_type)
{
    mz_error_t err = load_bad("bad-point.geojson");
    cr_assert_eq(err.status, MZ_ERR_DATA);
    cr_assert_eq(err.line, 2, "second feature");
    cr_assert_str_eq(err.column, "geometry.type");
    cr_assert_str_eq(err.value, "Point");
    cr_assert(strstr(err.message, "09002"), "names the feature's AGS: %s", err.message);
}

Test(geo_errors, unclosed_ring)
{
    mz_error_t err = load_bad("bad-unclosed.geojson");
    cr_assert_eq(err.line, 2);
    cr_assert_str_eq(err.column, "geometry.coordinates");
}

Test(geo_errors, bad_coordinate_names_position)
{
    mz_error_t err = load_bad("bad-coordinate.geojson");
    cr_assert_eq(err.line, 2);
    cr_assert_str_eq(err.value, "3");
}

Test(geo_errors, numeric_ags_is_refused)
{
    mz_error_t err = load_bad("bad-numeric-ags.geojson");
    cr_assert_str_eq(err.column, "properties.ags");
}

Test(geo_errors, duplicate_ags)
{
    mz_error_t err = load_bad("bad-duplicate.geojson");
    cr_assert_str_eq(err.value, "09001");
    cr_assert_eq(err.line, 2);
}

Test(geo_errors, null_geometry)
{
    mz_error_t err = load_bad("bad-null-geometry.geojson");
    cr_assert_str_eq(err.column, "geometry");
}

Test(geo_errors, messages_in_english_on_request)
{
    mz_set_lang(MZ_LANG_EN);
    mz_error_t err = load_bad("bad-point.geojson");
    mz_set_lang(MZ_LANG_DE);
    cr_assert(strstr(err.message, "expected Polygon or MultiPolygon"), "%s", err.message);
}

/* ---- bundled data ---- */

static mz_neighbours_t *bundled(const mz_gazetteer_t *gz, int year)
{
    mz_error_t err;
    mz_error_clear(&err);
    mz_neighbours_t *nb = mz_neighbours_load_bundled(gz, year, &err);
    cr_assert(nb, "bundled geometry %d: %s", year, err.message);
    return nb;
}

/* Undirected edges between 5-digit units (Kreise and the whole Region Hannover). */
static size_t kreis_edges(const mz_neighbours_t *nb, const mz_gazetteer_t *gz)
{
    size_t deg = 0;
    for (size_t u = 0; u < mz_gazetteer_count(gz); u++) {
        if (strlen(mz_gazetteer_unit(gz, u)->ags) != 5)
            continue;
        const int *list;
        size_t n = mz_neighbours_of(nb, u, &list);
        for (size_t k = 0; k < n; k++)
            deg += strlen(mz_gazetteer_unit(gz, (size_t)list[k])->ags) == 5;
    }
    cr_assert_eq(deg % 2, 0, "adjacency is symmetric");
    return deg / 2;
}

Test(geo_bundled, file_by_year)
{
    cr_assert_str_eq(mz_geo_kreise_file(2007), "geo/kreise-ni-2007.geojson");
    cr_assert_str_eq(mz_geo_kreise_file(2015), "geo/kreise-ni-2007.geojson");
    cr_assert_str_eq(mz_geo_kreise_file(2016), "geo/kreise-ni-2017.geojson");
    cr_assert_str_eq(mz_geo_kreise_file(2019), "geo/kreise-ni-2017.geojson");
}

Test(geo_bundled, niedersachsen_2007)
{
    mz_gazetteer_t *gz = bundled_gz();
    mz_neighbours_t *nb = bundled(gz, 2007);
    cr_assert(adj(nb, gz, "03455", "03462"), "Friesland and Wittmund");
    cr_assert(adj(nb, gz, "03462", "03455"));
    cr_assert(adj(nb, gz, "03152", "03156"), "Göttingen and Osterode (2007 geometry)");
    cr_assert_not(adj(nb, gz, "03101", "03455"));
    /* Wilhelmshaven borders only Friesland */
    const int *list;
    cr_assert_eq(mz_neighbours_of(nb, (size_t)idx(gz, "03405"), &list), 1);
    cr_assert_str_eq(mz_gazetteer_unit(gz, (size_t)list[0])->ags, "03455");
    /* Bremen is an enclave, not a unit */
    cr_assert_eq(mz_gazetteer_find(gz, "04011"), -1);
    cr_assert_eq(mz_gazetteer_find(gz, "04012"), -1);
    /* Hannover: the city borders only the Umland; the whole overlaps its halves */
    cr_assert_eq(mz_neighbours_of(nb, (size_t)idx(gz, "03241001"), &list), 1);
    cr_assert_str_eq(mz_gazetteer_unit(gz, (size_t)list[0])->ags, "03241999");
    cr_assert_not(adj(nb, gz, "03241", "03241999"));
    cr_assert_not(adj(nb, gz, "03241", "03241001"));
    cr_assert(adj(nb, gz, "03241", "03254"));
    cr_assert(adj(nb, gz, "03241999", "03254"));
    /* every unit valid in 2007 has a shape; the 2016 Landkreis Göttingen is not part of it */
    size_t included = 0;
    for (size_t u = 0; u < mz_gazetteer_count(gz); u++) {
        if (!mz_neighbours_includes(nb, u))
            continue;
        included++;
        cr_assert(mz_neighbours_has_shape(nb, u), "%s has no shape",
                  mz_gazetteer_unit(gz, u)->ags);
        cr_assert(mz_neighbours_of(nb, u, &list) > 0, "%s has no neighbour",
                  mz_gazetteer_unit(gz, u)->ags);
    }
    cr_assert_eq(included, 48, "the 46 units of the 2007 file and the halves of Region Hannover");
    cr_assert_not(mz_neighbours_includes(nb, (size_t)idx(gz, "03159")));
    cr_assert_eq(kreis_edges(nb, gz), 101);
    mz_neighbours_destroy(nb);
    mz_gazetteer_destroy(gz);
}

Test(geo_bundled, niedersachsen_2017)
{
    mz_gazetteer_t *gz = bundled_gz();
    mz_neighbours_t *nb = bundled(gz, 2017);
    cr_assert(adj(nb, gz, "03455", "03462"));
    cr_assert(adj(nb, gz, "03159", "03153"), "new Landkreis Göttingen borders Goslar");
    cr_assert(adj(nb, gz, "03159", "03155"));
    cr_assert_not(mz_neighbours_includes(nb, (size_t)idx(gz, "03152")));
    cr_assert_not(mz_neighbours_includes(nb, (size_t)idx(gz, "03156")));
    cr_assert_eq(kreis_edges(nb, gz), 99);
    mz_neighbours_destroy(nb);
    mz_gazetteer_destroy(gz);
}

/* Every stratum of the bundled data is connected, so merging needs no island rule there. */
static void check_strata_connected(int year)
{
    mz_gazetteer_t *gz = bundled_gz();
    mz_neighbours_t *nb = bundled(gz, year);
    size_t nu = mz_gazetteer_count(gz);
    int *stack = malloc(nu * sizeof *stack);
    bool *seen = calloc(nu, sizeof *seen);
    for (size_t s = 0; s < mz_gazetteer_strata_count(gz); s++) {
        memset(seen, 0, nu * sizeof *seen);
        int first = -1;
        size_t members = 0, reached = 0, top = 0;
        for (size_t u = 0; u < nu; u++)
            if (mz_neighbours_includes(nb, u) && mz_gazetteer_unit_stratum(gz, u) == (int)s) {
                members++;
                if (first < 0)
                    first = (int)u;
            }
        if (first < 0)
            continue;
        stack[top++] = first;
        seen[first] = true;
        while (top) {
            int a = stack[--top];
            reached++;
            const int *list;
            size_t n = mz_neighbours_of(nb, (size_t)a, &list);
            for (size_t k = 0; k < n; k++)
                if (!seen[list[k]] && mz_gazetteer_unit_stratum(gz, (size_t)list[k]) == (int)s) {
                    seen[list[k]] = true;
                    stack[top++] = list[k];
                }
        }
        cr_assert_eq(reached, members, "%d: stratum %s not connected", year,
                     mz_gazetteer_stratum_code(gz, s));
    }
    free(stack);
    free(seen);
    mz_neighbours_destroy(nb);
    mz_gazetteer_destroy(gz);
}

Test(geo_bundled, strata_connected_2007) { check_strata_connected(2007); }
Test(geo_bundled, strata_connected_2017) { check_strata_connected(2017); }

Test(geo_bundled, regions_command_lists_neighbours)
{
    tu_result_t r = TU_RUN("regions", "--year", "2007");
    bool friesland = false, goettingen_2016 = false;
    for (char *save = NULL, *line = strtok_r(r.out, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "03455 ", 6) == 0) {
            friesland = true;
            cr_assert(strstr(line, " 03462"), "Friesland lists Wittmund: %s", line);
            cr_assert(strstr(line, " 03405"), "Friesland lists Wilhelmshaven: %s", line);
        }
        if (strncmp(line, "03159 ", 6) == 0)
            goettingen_2016 = true;
    }
    cr_assert_eq(r.code, 0);
    tu_result_free(&r);
    cr_assert(friesland);
    cr_assert_not(goettingen_2016, "03159 does not exist in 2007");
}
