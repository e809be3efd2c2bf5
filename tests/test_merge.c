/* test_merge.c — region merging: known optima, a non-greedy case, tie-breaks, islands,
 * property tests against brute force, and merging on the bundled Niedersachsen geometry. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mzatlas/mz_extract.h"
#include "mzatlas/mz_merge.h"
#include "mzatlas/mz_run.h"
#include "testutil.h"

/* ======================= the search on small abstract graphs ======================= */

typedef struct wgraph {
    size_t n;
    unsigned char adj[32 * 32];
    double w[32];
    double threshold;
    double dist[32 * 32];
    bool use_dist;
    size_t evals;
} wgraph_t;

static void wg_init(wgraph_t *g, size_t n, const double *w, double threshold)
{
    memset(g, 0, sizeof *g);
    g->n = n;
    for (size_t i = 0; i < n; i++)
        g->w[i] = w[i];
    g->threshold = threshold;
}

static void wg_edge(wgraph_t *g, size_t a, size_t b)
{
    g->adj[a * g->n + b] = g->adj[b * g->n + a] = 1;
}

static bool wg_passes(const int *m, size_t k, void *ctx)
{
    wgraph_t *g = ctx;
    double s = 0;
    g->evals++;
    for (size_t i = 0; i < k; i++)
        s += g->w[m[i]];
    return s >= g->threshold;
}

static double wg_dist(int a, int b, void *ctx)
{
    const wgraph_t *g = ctx;
    return g->dist[(size_t)a * g->n + (size_t)b];
}

static mz_merge_solution_t wg_solve(wgraph_t *g, size_t exact_max)
{
    mz_merge_problem_t p = {g->n, g->adj, g->w, wg_passes, g->use_dist ? wg_dist : NULL, g,
                            exact_max};
    mz_merge_solution_t sol;
    mz_error_t err;
    mz_error_clear(&err);
    cr_assert_eq(mz_merge_solve(&p, &sol, &err), MZ_OK, "%s", err.message);
    return sol;
}

/* Region labels as a string, e.g. "0011" for {0,1},{2,3}. */
static void labels(const mz_merge_solution_t *s, size_t n, char *buf)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = (char)('0' + s->region[i]);
    buf[n] = '\0';
}

static void expect_partition(wgraph_t *g, size_t exact_max, const char *want, bool passing)
{
    mz_merge_solution_t s = wg_solve(g, exact_max);
    char got[40];
    labels(&s, g->n, got);
    cr_assert_str_eq(got, want);
    cr_assert_eq(s.passing, passing);
    mz_merge_solution_finish(&s);
}

Test(merge_solve, empty)
{
    wgraph_t g;
    wg_init(&g, 0, NULL, 1);
    mz_merge_solution_t s = wg_solve(&g, 0);
    cr_assert_eq(s.count, 0);
    cr_assert(s.passing);
    mz_merge_solution_finish(&s);
}

Test(merge_solve, path_into_pairs)
{
    const double w[] = {3, 3, 3, 3};
    wgraph_t g;
    wg_init(&g, 4, w, 6);
    wg_edge(&g, 0, 1);
    wg_edge(&g, 1, 2);
    wg_edge(&g, 2, 3);
    expect_partition(&g, 0, "0011", true);
}

Test(merge_solve, all_pass_alone)
{
    const double w[] = {6, 7, 8};
    wgraph_t g;
    wg_init(&g, 3, w, 6);
    wg_edge(&g, 0, 1);
    wg_edge(&g, 1, 2);
    expect_partition(&g, 0, "012", true);
}

Test(merge_solve, whole_fails_is_one_withheld_region)
{
    const double w[] = {1, 1, 1};
    wgraph_t g;
    wg_init(&g, 3, w, 6);
    wg_edge(&g, 0, 1);
    wg_edge(&g, 1, 2);
    mz_merge_solution_t s = wg_solve(&g, 0);
    cr_assert_eq(s.count, 1);
    cr_assert_not(s.passing);
    cr_assert_eq(s.region[0] + s.region[1] + s.region[2], 0);
    mz_merge_solution_finish(&s);
}

/* Greedy merging (the smallest failing unit joins its smallest neighbour) pairs the two
 * middle units B+C = 4, which still fails, and ends with one region. The optimum is two. */
Test(merge_solve, needs_a_non_greedy_choice)
{
    const double w[] = {4, 2, 2, 4};
    wgraph_t g;
    wg_init(&g, 4, w, 6);
    wg_edge(&g, 0, 1);
    wg_edge(&g, 1, 2);
    wg_edge(&g, 2, 3);
    expect_partition(&g, 0, "0011", true);
    /* the heuristic's greedy step ends with one region; its exact repair of the region
     * finds the two again */
    mz_merge_solution_t s = wg_solve(&g, 1);
    cr_assert_eq(s.count, 2);
    cr_assert(s.passing);
    cr_assert_not(s.exact);
    mz_merge_solution_finish(&s);
}

/* A star whose centre is large: merging leaves with the centre greedily wastes it. */
Test(merge_solve, star_keeps_leaves_together)
{
    /* centre 0 (weight 6) and leaves 1..4 (weight 3) in a ring 1-2-3-4-1 */
    const double w[] = {6, 3, 3, 3, 3};
    wgraph_t g;
    wg_init(&g, 5, w, 6);
    for (size_t i = 1; i <= 4; i++)
        wg_edge(&g, 0, i);
    wg_edge(&g, 1, 2);
    wg_edge(&g, 2, 3);
    wg_edge(&g, 3, 4);
    wg_edge(&g, 4, 1);
    /* centre alone, leaves in pairs: 3 regions; pairs {1,2},{3,4} first by codes */
    expect_partition(&g, 0, "01122", true);
}

Test(merge_solve, tie_break_prefers_balanced_regions)
{
    /* complete graph; {A,B}|{C,D} = 6/12, {A,C}|{B,D} = 7/11, {A,B,C}|{D} = 10/8 */
    const double w[] = {3, 3, 4, 8};
    wgraph_t g;
    wg_init(&g, 4, w, 6);
    for (size_t a = 0; a < 4; a++)
        for (size_t b = a + 1; b < 4; b++)
            wg_edge(&g, a, b);
    expect_partition(&g, 0, "0001", true);
}

Test(merge_solve, tie_break_then_codes)
{
    /* {A,B}|{C,D} and {A,C}|{B,D} are equally balanced: A's region with the earlier code wins */
    const double w[] = {1, 5, 5, 1};
    wgraph_t g;
    wg_init(&g, 4, w, 6);
    for (size_t a = 0; a < 4; a++)
        for (size_t b = a + 1; b < 4; b++)
            wg_edge(&g, a, b);
    expect_partition(&g, 0, "0011", true);
}

Test(merge_solve, island_failing_alone_joins_nearest)
{
    const double w[] = {6, 6, 6, 2};
    wgraph_t g;
    wg_init(&g, 4, w, 6);
    wg_edge(&g, 0, 1);
    wg_edge(&g, 1, 2);
    g.use_dist = true;
    for (size_t i = 0; i < 16; i++)
        g.dist[i] = INFINITY;
    double d3[] = {5, 2, 7};
    for (size_t i = 0; i < 3; i++)
        g.dist[3 * 4 + i] = g.dist[i * 4 + 3] = d3[i];
    mz_merge_solution_t s = wg_solve(&g, 0);
    cr_assert_eq(s.nbridges, 1);
    cr_assert_eq(s.bridges[0], 1);
    cr_assert_eq(s.bridges[1], 3);
    char got[8];
    labels(&s, 4, got);
    cr_assert_str_eq(got, "0121", "island joins its nearest unit 1");
    cr_assert(s.passing);
    mz_merge_solution_finish(&s);
}

Test(merge_solve, island_passing_alone_stays_alone)
{
    const double w[] = {6, 6, 6, 6};
    wgraph_t g;
    wg_init(&g, 4, w, 6);
    wg_edge(&g, 0, 1);
    wg_edge(&g, 1, 2);
    mz_merge_solution_t s = wg_solve(&g, 0);
    cr_assert_eq(s.nbridges, 0);
    cr_assert_eq(s.count, 4);
    mz_merge_solution_finish(&s);
}

Test(merge_solve, islands_without_distances_join_by_order)
{
    /* no edges, no distances: each failing part is linked to the vertex nearest in order,
     * 0-1, then 2-1, then 3-2: a chain that can be cut into {0,1}, {2,3} */
    const double w[] = {3, 3, 3, 3};
    wgraph_t g;
    wg_init(&g, 4, w, 6);
    mz_merge_solution_t s = wg_solve(&g, 0);
    cr_assert(s.passing);
    cr_assert_eq(s.count, 2);
    cr_assert_eq(s.nbridges, 3);
    const int want[] = {0, 1, 1, 2, 2, 3};
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(s.bridges[i], want[i]);
    for (size_t i = 0; i < 4; i++)
        cr_assert(s.region[i] >= 0 && s.region[i] < 2);
    mz_merge_solution_finish(&s);
}

/* ---- property tests against brute force ---- */

typedef struct best {
    int count;          /* -1: no valid partition */
    double sumsq;
    int lab[16];        /* restricted growth string of the best partition */
} best_t;

static bool block_connected(const wgraph_t *g, const unsigned char *adj, uint32_t mask)
{
    uint32_t reach = mask & (~mask + 1u), frontier = reach;
    while (frontier) {
        uint32_t next = 0;
        for (size_t i = 0; i < g->n; i++)
            if (frontier & (1u << i))
                for (size_t j = 0; j < g->n; j++)
                    if (adj[i * g->n + j])
                        next |= 1u << j;
        next &= mask & ~reach;
        reach |= next;
        frontier = next;
    }
    return reach == mask;
}

/* Regions in order of first vertex, compared as sorted member lists: a before b? */
static int cmp_partitions(const int *a, const int *b, size_t n, int count)
{
    for (int r = 0; r < count; r++) {
        int la[16], lb[16];
        size_t ka = 0, kb = 0;
        for (size_t i = 0; i < n; i++) {
            if (a[i] == r)
                la[ka++] = (int)i;
            if (b[i] == r)
                lb[kb++] = (int)i;
        }
        for (size_t i = 0; i < ka && i < kb; i++)
            if (la[i] != lb[i])
                return la[i] < lb[i] ? -1 : 1;
        if (ka != kb)
            return ka < kb ? -1 : 1;
    }
    return 0;
}

/* Enumerate every set partition (restricted growth strings). */
static void brute(wgraph_t *g, const unsigned char *adj, int *lab, size_t i, int used, best_t *b)
{
    if (i == g->n) {
        double sumsq = 0;
        for (int r = 0; r < used; r++) {
            uint32_t mask = 0;
            int m[16];
            size_t k = 0;
            double s = 0;
            for (size_t v = 0; v < g->n; v++)
                if (lab[v] == r) {
                    mask |= 1u << v;
                    m[k++] = (int)v;
                    s += g->w[v];
                }
            if (!block_connected(g, adj, mask) || !wg_passes(m, k, g))
                return;
            sumsq += s * s;
        }
        bool better = used > b->count ||
                      (used == b->count && (sumsq < b->sumsq ||
                                            (sumsq == b->sumsq &&
                                             cmp_partitions(lab, b->lab, g->n, used) < 0)));
        if (better) {
            b->count = used;
            b->sumsq = sumsq;
            memcpy(b->lab, lab, g->n * sizeof *lab);
        }
        return;
    }
    for (int r = 0; r <= used; r++) {
        lab[i] = r;
        brute(g, adj, lab, i + 1, r == used ? used + 1 : used, b);
    }
}

static uint32_t rnd_state = 12345u;
static uint32_t rnd(void)
{
    rnd_state = rnd_state * 1664525u + 1013904223u;
    return rnd_state >> 8;
}

static void random_graph(wgraph_t *g, size_t n, unsigned edge_pct)
{
    double w[32];
    for (size_t i = 0; i < n; i++)
        w[i] = (double)(1 + rnd() % 6);
    wg_init(g, n, w, (double)(4 + rnd() % 9));
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++)
            if (rnd() % 100 < edge_pct)
                wg_edge(g, a, b);
}

/* Checks every solution property; returns the solution's count. */
static void check_valid(wgraph_t *g, const mz_merge_solution_t *s)
{
    unsigned char adj[32 * 32];
    memcpy(adj, g->adj, sizeof adj);
    for (size_t b = 0; b < s->nbridges; b++) {
        int x = s->bridges[2 * b], y = s->bridges[2 * b + 1];
        cr_assert_not(g->adj[(size_t)x * g->n + (size_t)y], "a bridge between neighbours");
        adj[(size_t)x * g->n + (size_t)y] = adj[(size_t)y * g->n + (size_t)x] = 1;
    }
    /* covering: every vertex in exactly one region 0..count-1, numbered by first vertex */
    int next = 0;
    for (size_t v = 0; v < g->n; v++) {
        cr_assert(s->region[v] >= 0 && (size_t)s->region[v] < s->count);
        cr_assert(s->region[v] <= next, "regions numbered by first vertex");
        if (s->region[v] == next)
            next++;
    }
    cr_assert_eq((size_t)next, s->count);
    for (int r = 0; r < next; r++) {
        uint32_t mask = 0;
        int m[32];
        size_t k = 0;
        for (size_t v = 0; v < g->n; v++)
            if (s->region[v] == r) {
                mask |= 1u << v;
                m[k++] = (int)v;
            }
        if (s->passing) {
            cr_assert(block_connected(g, adj, mask), "region %d not connected", r);
            cr_assert(wg_passes(m, k, g), "region %d does not pass", r);
        }
    }
    if (!s->passing)
        cr_assert_eq(s->count, 1);
}

Test(merge_properties, exact_matches_brute_force)
{
    rnd_state = 20240601u;
    for (int iter = 0; iter < 3000; iter++) {
        size_t n = 1 + rnd() % 8;
        wgraph_t g;
        random_graph(&g, n, 20 + rnd() % 60);
        mz_merge_solution_t s = wg_solve(&g, 0);
        cr_assert(s.exact);
        check_valid(&g, &s);
        /* brute force over the graph the solver used (with its island links) */
        unsigned char adj[32 * 32];
        memcpy(adj, g.adj, sizeof adj);
        for (size_t b = 0; b < s.nbridges; b++) {
            size_t x = (size_t)s.bridges[2 * b], y = (size_t)s.bridges[2 * b + 1];
            adj[x * n + y] = adj[y * n + x] = 1;
        }
        best_t b = {.count = -1, .sumsq = 0};
        int lab[16];
        brute(&g, adj, lab, 0, 0, &b);
        if (b.count < 0) {
            cr_assert_not(s.passing, "iteration %d: solver found a partition brute force did not",
                          iter);
        } else {
            cr_assert(s.passing, "iteration %d", iter);
            cr_assert_eq((int)s.count, b.count, "iteration %d: %zu regions, brute force %d", iter,
                         s.count, b.count);
            for (size_t v = 0; v < n; v++)
                cr_assert_eq(s.region[v], b.lab[v], "iteration %d: tie-break differs at %zu",
                             iter, v);
        }
        /* no island links unless some part of the original graph fails on its own */
        if (s.nbridges == 0 && b.count >= 0) {
            best_t plain = {.count = -1};
            brute(&g, g.adj, lab, 0, 0, &plain);
            cr_assert_eq(plain.count, b.count);
        }
        mz_merge_solution_finish(&s);
    }
}

Test(merge_properties, bridges_only_for_failing_parts)
{
    rnd_state = 777u;
    for (int iter = 0; iter < 500; iter++) {
        size_t n = 2 + rnd() % 7;
        wgraph_t g;
        random_graph(&g, n, 10);
        /* does every connected part of the original graph pass on its own? */
        int comp[32];
        for (size_t v = 0; v < n; v++)
            comp[v] = -1;
        int nc = 0;
        for (size_t v = 0; v < n; v++) {
            if (comp[v] >= 0)
                continue;
            int stack[32], top = 0;
            stack[top++] = (int)v;
            comp[v] = nc;
            while (top) {
                int a = stack[--top];
                for (size_t b = 0; b < n; b++)
                    if (comp[b] < 0 && g.adj[(size_t)a * n + b]) {
                        comp[b] = nc;
                        stack[top++] = (int)b;
                    }
            }
            nc++;
        }
        bool all_pass = true;
        for (int c = 0; c < nc; c++) {
            int m[32];
            size_t k = 0;
            for (size_t v = 0; v < n; v++)
                if (comp[v] == c)
                    m[k++] = (int)v;
            all_pass = all_pass && wg_passes(m, k, &g);
        }
        mz_merge_solution_t s = wg_solve(&g, 0);
        if (all_pass)
            cr_assert_eq(s.nbridges, 0, "iteration %d", iter);
        else
            cr_assert(s.nbridges > 0 || nc == 1, "iteration %d", iter);
        cr_assert(s.nbridges <= (size_t)(nc - 1));
        mz_merge_solution_finish(&s);
    }
}

Test(merge_properties, heuristic_valid_and_never_better_than_exact)
{
    rnd_state = 4242u;
    for (int iter = 0; iter < 300; iter++) {
        /* planar-ish: a random grid with some diagonals */
        size_t cols = 3 + rnd() % 2, rows = 3, n = cols * rows;
        double w[32];
        for (size_t i = 0; i < n; i++)
            w[i] = (double)(1 + rnd() % 8);
        wgraph_t g;
        wg_init(&g, n, w, (double)(6 + rnd() % 10));
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < cols; c++) {
                size_t v = r * cols + c;
                if (c + 1 < cols)
                    wg_edge(&g, v, v + 1);
                if (r + 1 < rows)
                    wg_edge(&g, v, v + cols);
                if (c + 1 < cols && r + 1 < rows && rnd() % 3 == 0)
                    wg_edge(&g, v, v + cols + 1);
            }
        mz_merge_solution_t h = wg_solve(&g, 4);
        mz_merge_solution_t e = wg_solve(&g, 16);
        cr_assert(e.exact);
        check_valid(&g, &h);
        check_valid(&g, &e);
        cr_assert_eq(h.passing, e.passing);
        cr_assert(h.count <= e.count, "iteration %d: heuristic %zu > exact %zu", iter, h.count,
                  e.count);
        mz_merge_solution_finish(&h);
        mz_merge_solution_finish(&e);
    }
}

/* The greedy step pairs the small middle units (as in needs_a_non_greedy_choice); the exact
 * re-optimisation of neighbouring regions repairs it. */
Test(merge_properties, heuristic_repairs_greedy_choices)
{
    const double w[] = {4, 2, 2, 4, 4, 2, 2, 4};
    wgraph_t g;
    wg_init(&g, 8, w, 6);
    for (size_t i = 0; i + 1 < 8; i++)
        wg_edge(&g, i, i + 1);
    mz_merge_solution_t s = wg_solve(&g, 4);
    cr_assert_not(s.exact);
    check_valid(&g, &s);
    char got[16];
    labels(&s, 8, got);
    cr_assert_str_eq(got, "00112233");
    mz_merge_solution_finish(&s);
}

Test(merge_properties, heuristic_on_a_large_stratum)
{
    /* 30 units on a path of failing pairs: the heuristic must still pair them up */
    double w[30];
    for (size_t i = 0; i < 30; i++)
        w[i] = 3;
    wgraph_t g;
    wg_init(&g, 30, w, 6);
    for (size_t i = 0; i + 1 < 30; i++)
        wg_edge(&g, i, i + 1);
    mz_merge_solution_t s = wg_solve(&g, 0);
    cr_assert_not(s.exact);
    check_valid(&g, &s);
    cr_assert_eq(s.count, 15, "pairs along the path: %zu", s.count);
    mz_merge_solution_finish(&s);
}

Test(merge_properties, exact_at_sixteen_units)
{
    /* a 4x4 grid solved exactly (the default limit) */
    double w[16];
    rnd_state = 99u;
    for (size_t i = 0; i < 16; i++)
        w[i] = (double)(1 + rnd() % 5);
    wgraph_t g;
    wg_init(&g, 16, w, 7);
    for (size_t r = 0; r < 4; r++)
        for (size_t c = 0; c < 4; c++) {
            if (c + 1 < 4)
                wg_edge(&g, r * 4 + c, r * 4 + c + 1);
            if (r + 1 < 4)
                wg_edge(&g, r * 4 + c, r * 4 + c + 4);
        }
    mz_merge_solution_t s = wg_solve(&g, 0);
    cr_assert(s.exact);
    check_valid(&g, &s);
    mz_merge_solution_t h = wg_solve(&g, 4);
    cr_assert(h.count <= s.count);
    mz_merge_solution_finish(&s);
    mz_merge_solution_finish(&h);
}

/* ======================= merging on Niedersachsen ======================= */

typedef struct ni {
    mz_gazetteer_t *gz;
    mz_neighbours_t *nb;
    mz_cells_t *cells;
    mz_rules_t rules;
} ni_t;

static ni_t ni_open(int year)
{
    ni_t t;
    char path[4096];
    mz_error_t err;
    mz_error_clear(&err);
    t.gz = mz_gazetteer_load(mz_data_path("regions/gazetteer-ni.csv", path, sizeof path), &err);
    cr_assert(t.gz, "%s", err.message);
    t.nb = mz_neighbours_load_bundled(t.gz, year, &err);
    cr_assert(t.nb, "%s", err.message);
    mz_age_band_t band = {18, 64};
    t.cells = mz_cells_create(t.gz, band, &err);
    cr_assert(t.cells);
    mz_rules_init(&t.rules);
    return t;
}

static void ni_close(ni_t *t)
{
    mz_cells_destroy(t->cells);
    mz_neighbours_destroy(t->nb);
    mz_gazetteer_destroy(t->gz);
}

/* A unit with ample counts except the unemployed with MH (u) and the self-employed with MH. */
static void ni_unit(ni_t *t, const char *ags, double u, double self_with)
{
    mz_cell_t c;
    mz_cell_init(&c);
    c.have = MZ_HAVE_ALL;
    for (int g = 0; g < MZ_NGRP; g++) {
        c.w[g][MZ_M_POP] = 200000;
        c.w[g][MZ_M_POP_BAND] = 150000;
        c.w[g][MZ_M_EMP_BAND] = 100000;
        c.w[g][MZ_M_UNEMP_BAND] = g == MZ_GRP_WITH ? u : 20000;
        c.w[g][MZ_M_EMP] = 110000;
        c.w[g][MZ_M_SELF] = g == MZ_GRP_WITH ? self_with : 11000;
        c.w[g][MZ_M_SEC_AGR] = 20000;
        c.w[g][MZ_M_SEC_PROD] = 30000;
        c.w[g][MZ_M_SEC_TRADE] = 30000;
        c.w[g][MZ_M_SEC_SERV] = 30000;
        for (int m = 0; m < MZ_NMEAS; m++)
            c.n[g][m] = 500;
    }
    int i = mz_gazetteer_find(t->gz, ags);
    cr_assert(i >= 0);
    mz_cells_add_cell(t->cells, i, mz_gazetteer_unit_stratum(t->gz, (size_t)i), &c);
}

static const char *const RA09[] = {"03402", "03405", "03452", "03455", "03457", "03461", "03462"};

static const mz_region_t *find_region(const mz_partition_t *p, const char *code)
{
    for (size_t i = 0; i < p->count; i++)
        if (strcmp(p->regions[i].code, code) == 0)
            return &p->regions[i];
    return NULL;
}

static const mz_region_t *region_with(const mz_partition_t *p, const mz_gazetteer_t *gz,
                                      const char *ags)
{
    int u = mz_gazetteer_find(gz, ags);
    for (size_t i = 0; i < p->count; i++)
        for (size_t k = 0; k < p->regions[i].nunits; k++)
            if (p->regions[i].units[k] == u)
                return &p->regions[i];
    return NULL;
}

Test(merge_ni, friesland_wittmund)
{
    ni_t t = ni_open(2007);
    for (size_t i = 0; i < 7; i++)
        ni_unit(&t, RA09[i], strcmp(RA09[i], "03455") == 0   ? 3017
                             : strcmp(RA09[i], "03462") == 0 ? 2531
                                                             : 6000,
                11000);
    mz_merge_options_t mo;
    mz_merge_options_init(&mo);
    mz_partition_t parts[MZ_NIND];
    mz_merge_stats_t stats = {0};
    mz_error_t err;
    mz_error_clear(&err);
    cr_assert_eq(mz_merge_partitions(t.cells, t.nb, &t.rules, &mo, parts, &stats, &err), MZ_OK,
                 "%s", err.message);
    const mz_partition_t *p = &parts[MZ_IND_UNEMPLOYMENT_RATE];
    cr_assert_eq(p->count, 6);
    const mz_region_t *fw = find_region(p, "03455+03462");
    cr_assert(fw, "Friesland/Wittmund merged");
    cr_assert_str_eq(fw->name, "Friesland/Wittmund");
    cr_assert_str_eq(fw->members, "03455+03462");
    cr_assert_eq(fw->level, MZ_LEVEL_REGION);
    cr_assert(strstr(fw->why, "Friesland: unemployment_rate (with)"), "%s", fw->why);
    cr_assert(strstr(fw->why, "Wittmund: unemployment_rate (with)"), "%s", fw->why);
    cr_assert_null(strstr(fw->why, "3017"), "withheld number in why: %s", fw->why);
    cr_assert_null(strstr(fw->why, "2531"), "withheld number in why: %s", fw->why);
    const mz_region_t *emden = find_region(p, "03402");
    cr_assert(emden);
    cr_assert_str_eq(emden->why, "");
    /* other indicators pass everywhere: single Kreise */
    cr_assert_eq(parts[MZ_IND_MIGRATION_SHARE].count, 7);
    cr_assert_eq(stats.withheld, 0);
    cr_assert_eq(stats.heuristic, 0);
    cr_assert_eq(stats.bridges, 0);

    /* the estimates use the merged region */
    mz_results_t *res = mz_results_build(t.cells, parts, &t.rules, &err);
    cr_assert(res, "%s", err.message);
    const mz_estimate_t *e = mz_results_find(res, MZ_IND_UNEMPLOYMENT_RATE, MZ_LEVEL_REGION,
                                             "03455+03462", MZ_G_WITH);
    cr_assert(e);
    cr_assert_not(mz_symbol_withheld(e->p.symbol));
    cr_assert_float_eq(e->p.numerator, 3017 + 2531, 1e-9);
    cr_assert_null(mz_results_find(res, MZ_IND_UNEMPLOYMENT_RATE, MZ_LEVEL_REGION, "03455",
                                   MZ_G_WITH));
    mz_results_destroy(res);
    ni_close(&t);
}

Test(merge_ni, english_why)
{
    ni_t t = ni_open(2007);
    ni_unit(&t, "03455", 3000, 11000);
    ni_unit(&t, "03462", 3000, 11000);
    mz_set_lang(MZ_LANG_EN);
    mz_partition_t p;
    mz_error_t err;
    cr_assert_eq(mz_merge_indicator(t.cells, t.nb, &t.rules, MZ_IND_UNEMPLOYMENT_RATE, NULL, &p,
                                    NULL, &err),
                 MZ_OK);
    mz_set_lang(MZ_LANG_DE);
    cr_assert_eq(p.count, 1);
    cr_assert(strstr(p.regions[0].why, "numerator below the minimum count"), "%s",
              p.regions[0].why);
    mz_partition_finish(&p);
    ni_close(&t);
}

Test(merge_ni, stratum_failing_as_a_whole_is_withheld)
{
    ni_t t = ni_open(2007);
    ni_unit(&t, "03252", 1000, 11000);
    ni_unit(&t, "03254", 1000, 11000);
    ni_unit(&t, "03255", 1000, 11000);
    mz_partition_t parts[MZ_NIND];
    mz_merge_stats_t stats = {0};
    mz_error_t err;
    cr_assert_eq(mz_merge_partitions(t.cells, t.nb, &t.rules, NULL, parts, &stats, &err), MZ_OK);
    const mz_partition_t *p = &parts[MZ_IND_UNEMPLOYMENT_RATE];
    cr_assert_eq(p->count, 1);
    cr_assert_str_eq(p->regions[0].code, "03252+03254+03255");
    cr_assert(strstr(p->regions[0].why, "RA_05"), "%s", p->regions[0].why);
    cr_assert(strstr(p->regions[0].why, "als Ganzes"), "%s", p->regions[0].why);
    cr_assert_eq(stats.withheld, 1);
    mz_results_t *res = mz_results_build(t.cells, parts, &t.rules, &err);
    cr_assert(res);
    const mz_estimate_t *e = mz_results_find(res, MZ_IND_UNEMPLOYMENT_RATE, MZ_LEVEL_REGION,
                                             "03252+03254+03255", MZ_G_WITH);
    cr_assert(e);
    cr_assert(mz_symbol_withheld(e->p.symbol));
    mz_results_destroy(res);
    ni_close(&t);
}

Test(merge_ni, island_when_the_only_neighbour_is_missing)
{
    /* Wilhelmshaven borders only Friesland; without Friesland in the extract it is an island */
    ni_t t = ni_open(2007);
    for (size_t i = 0; i < 7; i++)
        if (strcmp(RA09[i], "03455") != 0)
            ni_unit(&t, RA09[i], strcmp(RA09[i], "03405") == 0 ? 2000 : 6000, 11000);
    mz_partition_t p;
    mz_merge_stats_t stats = {0};
    mz_error_t err;
    cr_assert_eq(mz_merge_indicator(t.cells, t.nb, &t.rules, MZ_IND_UNEMPLOYMENT_RATE, NULL, &p,
                                    &stats, &err),
                 MZ_OK);
    cr_assert_eq(p.count, 5);
    cr_assert_eq(stats.bridges, 1);
    const mz_region_t *r = region_with(&p, t.gz, "03405");
    cr_assert(r);
    cr_assert_eq(r->nunits, 2);
    cr_assert(strstr(r->why, "Insel"), "%s", r->why);
    cr_assert(strstr(r->why, "Wilhelmshaven: unemployment_rate"), "%s", r->why);
    /* the nearest unit across the Jadebusen */
    int nearest = r->units[0] == mz_gazetteer_find(t.gz, "03405") ? r->units[1] : r->units[0];
    double dmin = INFINITY;
    size_t wilhelmshaven = (size_t)mz_gazetteer_find(t.gz, "03405");
    for (size_t i = 0; i < 7; i++) {
        int u = mz_gazetteer_find(t.gz, RA09[i]);
        if (strcmp(RA09[i], "03455") == 0 || (size_t)u == wilhelmshaven)
            continue;
        double d = mz_neighbours_distance(t.nb, wilhelmshaven, (size_t)u);
        if (d < dmin)
            dmin = d;
    }
    cr_assert_float_eq(mz_neighbours_distance(t.nb, wilhelmshaven, (size_t)nearest), dmin, 1e-9);
    mz_partition_finish(&p);

    /* passing on its own, the island stays alone */
    ni_t t2 = ni_open(2007);
    for (size_t i = 0; i < 7; i++)
        if (strcmp(RA09[i], "03455") != 0)
            ni_unit(&t2, RA09[i], 6000, 11000);
    cr_assert_eq(mz_merge_indicator(t2.cells, t2.nb, &t2.rules, MZ_IND_UNEMPLOYMENT_RATE, NULL,
                                    &p, NULL, &err),
                 MZ_OK);
    cr_assert_eq(p.count, 6);
    cr_assert_str_eq(region_with(&p, t2.gz, "03405")->why, "");
    mz_partition_finish(&p);
    ni_close(&t2);
    ni_close(&t);
}

Test(merge_ni, no_geometry_still_covers)
{
    ni_t t = ni_open(2007);
    for (size_t i = 0; i < 7; i++)
        ni_unit(&t, RA09[i], 3000, 11000);
    mz_partition_t p;
    mz_error_t err;
    cr_assert_eq(mz_merge_indicator(t.cells, NULL, &t.rules, MZ_IND_UNEMPLOYMENT_RATE, NULL, &p,
                                    NULL, &err),
                 MZ_OK);
    size_t covered = 0;
    for (size_t i = 0; i < p.count; i++) {
        covered += p.regions[i].nunits;
        cr_assert(p.regions[i].nunits >= 2);
    }
    cr_assert_eq(covered, 7);
    cr_assert_eq(p.count, 3, "7 units of 3000: three regions");
    mz_partition_finish(&p);
    ni_close(&t);
}

Test(merge_ni, common_partition)
{
    ni_t t = ni_open(2007);
    for (size_t i = 0; i < 7; i++) {
        double u = strcmp(RA09[i], "03455") == 0 || strcmp(RA09[i], "03462") == 0 ? 3000 : 6000;
        double self = strcmp(RA09[i], "03402") == 0 ? 1000 : 11000; /* Emden */
        ni_unit(&t, RA09[i], u, self);
    }
    mz_merge_options_t mo;
    mz_merge_options_init(&mo);
    mz_partition_t per[MZ_NIND], common[MZ_NIND];
    mz_error_t err;
    cr_assert_eq(mz_merge_partitions(t.cells, t.nb, &t.rules, &mo, per, NULL, &err), MZ_OK);
    mo.common = true;
    cr_assert_eq(mz_merge_partitions(t.cells, t.nb, &t.rules, &mo, common, NULL, &err), MZ_OK);
    cr_assert(find_region(&per[MZ_IND_UNEMPLOYMENT_RATE], "03402"));
    cr_assert(find_region(&per[MZ_IND_SELF_EMPLOYMENT_SHARE], "03455"));
    /* Emden joins Aurich (equal balance as with Leer; Aurich's code comes first) */
    for (int i = 0; i < MZ_NIND; i++) {
        cr_assert_eq(common[i].count, 5, "indicator %d", i);
        cr_assert(find_region(&common[i], "03402+03452"));
        cr_assert(find_region(&common[i], "03455+03462"));
        for (size_t r = 0; r < common[i].count; r++)
            cr_assert_str_eq(common[i].regions[r].code, common[0].regions[r].code);
        /* every region passes for every indicator */
        for (size_t r = 0; r < common[i].count; r++) {
            mz_cell_t sum;
            mz_cells_sum_units(t.cells, common[i].regions[r].units, common[i].regions[r].nunits,
                               &sum);
            for (int k = 0; k < MZ_NIND; k++)
                cr_assert(mz_cell_passes(&sum, (mz_indicator_t)k, &t.rules, NULL, 0));
        }
    }
    const mz_region_t *emden = find_region(&common[0], "03402+03452");
    cr_assert(strstr(emden->why, "Emden: self_employment_share"), "%s", emden->why);
    for (int i = 0; i < MZ_NIND; i++) {
        mz_partition_finish(&per[i]);
        mz_partition_finish(&common[i]);
    }
    ni_close(&t);
}

/* ---- the bundled example, scaled: covering, connected, passing, maximal ---- */

typedef struct bf_ctx {
    const mz_cells_t *cells;
    const mz_neighbours_t *nb;
    const mz_rules_t *rules;
    mz_indicator_t ind;
    const int *units;
    size_t n;
    int best;
} bf_ctx_t;

static bool bf_block_ok(bf_ctx_t *c, const int *lab, int r)
{
    int m[32];
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        if (lab[i] == r)
            m[k++] = c->units[i];
    /* connected */
    bool in[32] = {false};
    size_t stack[32], top = 0, reached = 0;
    in[0] = true;
    stack[top++] = 0;
    while (top) {
        size_t a = stack[--top];
        reached++;
        for (size_t b = 0; b < k; b++)
            if (!in[b] && mz_neighbours_adjacent(c->nb, (size_t)m[a], (size_t)m[b])) {
                in[b] = true;
                stack[top++] = b;
            }
    }
    if (reached != k)
        return false;
    mz_cell_t sum;
    mz_cells_sum_units(c->cells, m, k, &sum);
    return mz_cell_passes(&sum, c->ind, c->rules, NULL, 0);
}

static void bf_enum(bf_ctx_t *c, int *lab, size_t i, int used)
{
    if (i == c->n) {
        if (used <= c->best)
            return;
        for (int r = 0; r < used; r++)
            if (!bf_block_ok(c, lab, r))
                return;
        c->best = used;
        return;
    }
    for (int r = 0; r <= used; r++) {
        lab[i] = r;
        bf_enum(c, lab, i + 1, r == used ? used + 1 : used);
    }
}

static void check_partition_against_brute_force(const mz_cells_t *cells,
                                                const mz_neighbours_t *nb, const mz_rules_t *rules,
                                                mz_indicator_t ind, const mz_partition_t *p)
{
    const mz_gazetteer_t *gz = mz_cells_gazetteer(cells);
    size_t nu = mz_gazetteer_count(gz);
    int *seen = calloc(nu, sizeof *seen);
    for (size_t r = 0; r < p->count; r++)
        for (size_t k = 0; k < p->regions[r].nunits; k++)
            seen[p->regions[r].units[k]]++;
    for (size_t u = 0; u < nu; u++)
        cr_assert_eq(seen[u], mz_cells_unit_present(cells, u) ? 1 : 0, "unit %s covered %d times",
                     mz_gazetteer_unit(gz, u)->ags, seen[u]);
    free(seen);
    for (size_t s = 0; s < mz_gazetteer_strata_count(gz); s++) {
        int units[32];
        size_t n = 0;
        for (size_t u = 0; u < nu; u++)
            if (mz_cells_unit_present(cells, u) && mz_gazetteer_unit_stratum(gz, u) == (int)s)
                units[n++] = (int)u;
        if (!n)
            continue;
        size_t count = 0;
        bool all_pass = true;
        for (size_t r = 0; r < p->count; r++) {
            if (p->regions[r].stratum != (int)s)
                continue;
            count++;
            mz_cell_t sum;
            mz_cells_sum_units(cells, p->regions[r].units, p->regions[r].nunits, &sum);
            all_pass = all_pass && mz_cell_passes(&sum, ind, rules, NULL, 0);
        }
        bf_ctx_t c = {cells, nb, rules, ind, units, n, 0};
        int lab[32];
        bf_enum(&c, lab, 0, 0);
        if (c.best == 0) {
            cr_assert_eq(count, 1, "%s %s: failing stratum is one region",
                         mz_indicator_id(ind), mz_gazetteer_stratum_code(gz, s));
        } else {
            cr_assert(all_pass, "%s %s: a region fails", mz_indicator_id(ind),
                      mz_gazetteer_stratum_code(gz, s));
            cr_assert_eq((int)count, c.best, "%s %s: %zu regions, brute force %d",
                         mz_indicator_id(ind), mz_gazetteer_stratum_code(gz, s), count, c.best);
        }
    }
}

static void example_cells(ni_t *t, double scale)
{
    char path[4096];
    mz_extract_options_t xo = {.year = 0, .gazetteer = t->gz};
    mz_error_t err;
    mz_error_clear(&err);
    mz_extract_reader_t *r =
        mz_extract_open(mz_data_path("examples/example-2007.csv", path, sizeof path), &xo, &err);
    cr_assert(r, "%s", err.message);
    mz_record_t rec;
    int rc;
    while ((rc = mz_extract_next(r, &rec, &err)) == 1) {
        rec.weight *= scale;
        cr_assert_eq(mz_cells_add_record(t->cells, &rec, &err), MZ_OK);
    }
    cr_assert_eq(rc, 0, "%s", err.message);
    mz_extract_close(r);
}

Test(merge_ni, example_extract_is_optimal, .timeout = 120)
{
    static const double scales[] = {1, 3, 8, 25};
    for (size_t sc = 0; sc < 4; sc++)
        for (int rule = 0; rule < 2; rule++) {
            ni_t t = ni_open(2007);
            t.rules.rate_rule = rule ? MZ_RATE_BASE : MZ_RATE_BOTH;
            example_cells(&t, scales[sc]);
            mz_partition_t parts[MZ_NIND];
            mz_merge_stats_t stats = {0};
            mz_error_t err;
            cr_assert_eq(mz_merge_partitions(t.cells, t.nb, &t.rules, NULL, parts, &stats, &err),
                         MZ_OK, "%s", err.message);
            cr_assert_eq(stats.heuristic, 0);
            cr_assert_eq(stats.bridges, 0);
            for (int i = 0; i < MZ_NIND; i++) {
                check_partition_against_brute_force(t.cells, t.nb, &t.rules, (mz_indicator_t)i,
                                                    &parts[i]);
                mz_partition_finish(&parts[i]);
            }
            ni_close(&t);
        }
}

/* ---- the command line ---- */

/* Run `mzatlas run` on the bundled 2007 example into out with the extra options args (blank-
 * separated); returns the exit code. */
static int run_cli(const char *args, const char *out)
{
    char path[4096], opts[256];
    /* --min-cases 0: no secret cells, so the secondary suppression (not tested here) has
     * nothing to do */
    const char *argv[32] = {"run", "--quiet", "--outputs", "csv", "--min-cases", "0", "--out", out};
    size_t n = 8;
    snprintf(opts, sizeof opts, "%s", args);
    n += tu_split_words(opts, argv + n, sizeof argv / sizeof argv[0] - n - 2);
    argv[n++] = mz_data_path("examples/example-2007.csv", path, sizeof path);
    argv[n] = NULL;
    tu_result_t r = tu_run(NULL, argv);
    tu_result_free(&r);
    return r.code;
}

/* members column (4th field; no quoting in the first four fields of regions.csv) per line */
static size_t read_members(const char *file, char lines[][256], size_t max, size_t *merged)
{
    FILE *f = fopen(file, "r");
    cr_assert(f, "%s", file);
    char buf[4096];
    size_t n = 0;
    *merged = 0;
    cr_assert(fgets(buf, sizeof buf, f));
    while (fgets(buf, sizeof buf, f) && n < max) {
        char *save = NULL, *ind = strtok_r(buf, ",", &save);
        (void)strtok_r(NULL, ",", &save);
        (void)strtok_r(NULL, ",", &save);
        char *members = strtok_r(NULL, ",", &save);
        cr_assert(ind && members);
        snprintf(lines[n++], 256, "%s|%s", ind, members);
        *merged += strchr(members, '+') != NULL;
    }
    fclose(f);
    return n;
}

Test(merge_cli, no_merge_and_common_partition)
{
    char dir[64];
    tu_workdir_make(dir, sizeof dir, "merge-cli");
    char out[4200], file[4300];
    static char lines[2000][256];
    size_t merged;

    snprintf(out, sizeof out, "%s/plain", dir);
    cr_assert_eq(run_cli("--no-merge", out), 0);
    snprintf(file, sizeof file, "%s/regions.csv", out);
    size_t n = read_members(file, lines, 2000, &merged);
    cr_assert_eq(merged, 0, "--no-merge: single Kreise only");
    cr_assert_eq(n % MZ_NIND, 0);

    snprintf(out, sizeof out, "%s/merged", dir);
    cr_assert_eq(run_cli("", out), 0);
    snprintf(file, sizeof file, "%s/regions.csv", out);
    read_members(file, lines, 2000, &merged);
    cr_assert(merged > 0, "the example needs merging");

    snprintf(out, sizeof out, "%s/common", dir);
    cr_assert_eq(run_cli("--common-partition", out), 0);
    snprintf(file, sizeof file, "%s/regions.csv", out);
    n = read_members(file, lines, 2000, &merged);
    cr_assert(n > 0 && n % MZ_NIND == 0);
    size_t per = n / MZ_NIND;
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(strchr(lines[i], '|'), strchr(lines[i % per], '|'),
                         "same partition for every indicator");

    snprintf(out, sizeof out, "%s/bad", dir);
    cr_assert_eq(run_cli("--no-merge --common-partition", out), 2);

    cr_assert_eq(tu_rm_tree(dir), 0);
}
