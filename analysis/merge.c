/* merge.c — region merging: within each stratum, the partition of its units into the largest
 * number of connected regions that all pass the rules (docs/region-merging.md).
 *
 * The search works on an abstract graph (mz_merge_solve): vertices in AGS order, an adjacency
 * matrix, a predicate "this set of vertices passes". Steps:
 *   1. islands: while the graph has several connected parts and one of them fails as a whole,
 *      link the first such part to the nearest vertex outside it (a "bridge");
 *   2. a single part that fails as a whole: one region, withheld;
 *   3. every part separately: exact dynamic programme over subsets (parts up to exact_max
 *      vertices), else greedy merging followed by exact re-optimisation of small neighbourhoods.
 * The order of comparison between equally fine partitions: smallest sum of squared region
 * sizes (most balanced), then the region of the first vertex with the lexicographically
 * smallest member list, recursively. */
#include "mzatlas/mz_merge.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../microcensus/util.h"

void mz_merge_options_init(mz_merge_options_t *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->exact_max = MZ_MERGE_EXACT_DEFAULT;
}

/* ---- the search ---- */

/* Largest group of regions the heuristic re-optimises exactly (3^12 steps at most). */
enum { NBHD_EXACT_MAX = 12 };

typedef struct solver {
    const mz_merge_problem_t *p;
    size_t n;
    unsigned char *adj; /* working copy of p->adj, plus bridges */
    size_t exact_max;
    size_t evaluations;
    int *buf;           /* member list scratch, n entries */
    mz_error_t *err;
} solver_t;

static mz_status_t nomem(mz_error_t *err)
{
    return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
}

static bool eval(solver_t *s, const int *members, size_t k)
{
    s->evaluations++;
    return s->p->passes(members, k, s->p->ctx);
}

static double vsize(const solver_t *s, int v) { return s->p->size ? s->p->size[v] : 1.0; }

static double vdist(const solver_t *s, int a, int b)
{
    if (!s->p->distance)
        return fabs((double)a - (double)b);
    double d = s->p->distance(a, b, s->p->ctx);
    return isnan(d) ? INFINITY : d;
}

static bool adjacent(const solver_t *s, int a, int b) { return s->adj[(size_t)a * s->n + (size_t)b]; }

static unsigned lowest_bit(uint32_t x)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctz(x);
#else
    unsigned i = 0;
    while (!(x & 1u)) {
        x >>= 1;
        i++;
    }
    return i;
#endif
}

/* Connected parts: comp[v] = part number, numbered by first vertex. Returns the count. */
static size_t components(const solver_t *s, int *comp, int *queue)
{
    size_t nc = 0;
    for (size_t v = 0; v < s->n; v++)
        comp[v] = -1;
    for (size_t v = 0; v < s->n; v++) {
        if (comp[v] >= 0)
            continue;
        size_t head = 0, tail = 0;
        comp[v] = (int)nc;
        queue[tail++] = (int)v;
        while (head < tail) {
            int a = queue[head++];
            for (size_t b = 0; b < s->n; b++)
                if (comp[b] < 0 && adjacent(s, a, (int)b)) {
                    comp[b] = (int)nc;
                    queue[tail++] = (int)b;
                }
        }
        nc++;
    }
    return nc;
}

/* Whether mask is connected under the local adjacency ladj. */
static bool mask_connected(uint32_t mask, const uint32_t *ladj)
{
    uint32_t reach = mask & (~mask + 1u), frontier = reach;
    while (frontier) {
        uint32_t next = 0;
        for (uint32_t f = frontier; f; f &= f - 1u)
            next |= ladj[lowest_bit(f)];
        next &= mask & ~reach;
        reach |= next;
        frontier = next;
    }
    return reach == mask;
}

/* Sorted member list t1 before t2 (lexicographic; a proper prefix comes first). */
static bool lex_less(uint32_t t1, uint32_t t2)
{
    uint32_t d = t1 ^ t2;
    if (!d)
        return false;
    uint32_t low = d & (~d + 1u);
    uint32_t above = ~(low | (low - 1u));
    if (t1 & low)
        return (t2 & above) != 0;
    return (t1 & above) == 0;
}

/* Exact: partition of verts[0..m-1] (ascending, m <= MZ_MERGE_EXACT_LIMIT) into the largest
 * number of connected passing regions, ties by balance, then lexicographically. lab[i] gets the
 * region of verts[i] (0 … count-1, by first vertex); *count = 0 when no such partition exists. */
static mz_status_t solve_exact(solver_t *s, const int *verts, size_t m, int *lab, size_t *count)
{
    *count = 0;
    if (m == 0)
        return MZ_OK;
    size_t N = (size_t)1 << m;
    uint32_t full = (uint32_t)(N - 1);
    uint32_t ladj[32] = {0};
    unsigned char *valid = calloc(N, 1);
    double *sz = malloc(N * sizeof *sz);
    double *sq = malloc(N * sizeof *sq);
    int *cnt = malloc(N * sizeof *cnt);
    uint32_t *choice = malloc(N * sizeof *choice);
    mz_status_t st = MZ_OK;
    if (!valid || !sz || !sq || !cnt || !choice) {
        st = nomem(s->err);
        goto cleanup;
    }
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < m; j++)
            if (i != j && adjacent(s, verts[i], verts[j]))
                ladj[i] |= 1u << j;
    sz[0] = 0.0;
    for (uint32_t mask = 1; mask <= full; mask++) {
        sz[mask] = sz[mask & (mask - 1u)] + vsize(s, verts[lowest_bit(mask)]);
        if (!mask_connected(mask, ladj))
            continue;
        size_t k = 0;
        for (uint32_t b = mask; b; b &= b - 1u)
            s->buf[k++] = verts[lowest_bit(b)];
        valid[mask] = eval(s, s->buf, k);
    }
    cnt[0] = 0;
    sq[0] = 0.0;
    choice[0] = 0;
    for (uint32_t S = 1; S <= full; S++) {
        uint32_t low = S & (~S + 1u), rest = S ^ low;
        cnt[S] = -1;
        sq[S] = 0.0;
        choice[S] = 0;
        for (uint32_t sub = rest;; sub = (sub - 1u) & rest) {
            uint32_t T = sub | low, R = S ^ T;
            if (valid[T] && cnt[R] >= 0) {
                int c = cnt[R] + 1;
                double q = sq[R] + sz[T] * sz[T];
                bool better;
                if (cnt[S] < 0 || c != cnt[S]) {
                    better = cnt[S] < 0 || c > cnt[S];
                } else {
                    double tol = 1e-9 * fmax(fabs(q), fabs(sq[S]));
                    if (q < sq[S] - tol)
                        better = true;
                    else if (q > sq[S] + tol)
                        better = false;
                    else
                        better = lex_less(T, choice[S]);
                }
                if (better) {
                    cnt[S] = c;
                    sq[S] = q;
                    choice[S] = T;
                }
            }
            if (sub == 0)
                break;
        }
    }
    if (cnt[full] > 0) {
        int r = 0;
        for (uint32_t S = full; S; S ^= choice[S], r++)
            for (uint32_t b = choice[S]; b; b &= b - 1u)
                lab[lowest_bit(b)] = r;
        *count = (size_t)r;
    }
cleanup:
    free(valid);
    free(sz);
    free(sq);
    free(cnt);
    free(choice);
    return st;
}

/* Renumber labels lab[0..m-1] by first occurrence; returns the number of distinct labels. */
static size_t renumber(int *lab, size_t m, int *map, size_t nmap)
{
    for (size_t i = 0; i < nmap; i++)
        map[i] = -1;
    size_t next = 0;
    for (size_t i = 0; i < m; i++) {
        if (map[lab[i]] < 0)
            map[lab[i]] = (int)next++;
        lab[i] = map[lab[i]];
    }
    return next;
}

/* Members (as vertices) of label r among verts/lab into out; returns the count. */
static size_t members_of(const int *verts, const int *lab, size_t m, int r, int *out)
{
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        if (lab[i] == r)
            out[k++] = verts[i];
    return k;
}

/* Re-solve the union of the regions flagged in group[] exactly (when it has at most limit
 * vertices); when that yields more regions than the group had, relabel them (labels nl, nl+1,
 * …) and set *improved. */
static mz_status_t resolve_group(solver_t *s, const int *verts, int *lab, size_t m, size_t nl,
                                 const unsigned char *group, size_t limit, int *mem, int *sublab,
                                 bool *improved)
{
    size_t k = 0, regions = 0;
    for (size_t r = 0; r < nl; r++)
        regions += group[r] != 0;
    for (size_t i = 0; i < m; i++)
        if (group[lab[i]]) {
            if (k == limit)
                return MZ_OK; /* too large for the exact search */
            mem[k++] = verts[i];
        }
    if (k < 2)
        return MZ_OK;
    size_t c;
    mz_status_t st = solve_exact(s, mem, k, sublab, &c);
    if (st != MZ_OK || c <= regions)
        return st;
    size_t t = 0;
    for (size_t i = 0; i < m; i++)
        if (group[lab[i]])
            lab[i] = (int)nl + sublab[t++];
    *improved = true;
    return MZ_OK;
}

/* Heuristic for a connected part that passes as a whole (m vertices, ascending):
 *  1. greedy: start from single units; repeatedly take the failing region with the smallest
 *     size (ties: first vertex) and merge it into an adjacent region — a failing one if there is
 *     any, else a passing one — choosing the smallest (ties: first vertex);
 *  2. improve by exact re-optimisation of small groups of regions: every region alone (up to
 *     max(exact_max, NBHD_EXACT_MAX) units), every region with all its adjacent regions, and
 *     every pair of adjacent regions (up to NBHD_EXACT_MAX units together). Whenever a group
 *     can be cut into more passing regions, take that and start again. Every step adds a
 *     region, so this ends after at most m steps. */
static mz_status_t solve_heuristic(solver_t *s, const int *verts, size_t m, int *lab,
                                   size_t *count)
{
    mz_status_t st = MZ_OK;
    bool *alive = calloc(m, sizeof *alive), *pass = calloc(m, sizeof *pass);
    double *rsize = calloc(m, sizeof *rsize);
    int *mem = malloc(m * sizeof *mem);
    int *sublab = malloc(m * sizeof *sublab), *map = malloc(2 * m * sizeof *map);
    unsigned char *touch = calloc(m, 1), *group = calloc(2 * m, 1);
    unsigned char *radj = calloc(m * m, 1);
    if (!alive || !pass || !rsize || !mem || !sublab || !map || !touch || !group || !radj) {
        st = nomem(s->err);
        goto cleanup;
    }
    size_t alive_n = m;
    for (size_t i = 0; i < m; i++) {
        lab[i] = (int)i;
        alive[i] = true;
        rsize[i] = vsize(s, verts[i]);
        pass[i] = eval(s, &verts[i], 1);
    }
    /* 1. greedy merging */
    while (alive_n > 1) {
        int r = -1;
        for (size_t q = 0; q < m; q++)
            if (alive[q] && !pass[q] && (r < 0 || rsize[q] < rsize[r]))
                r = (int)q;
        if (r < 0)
            break;
        memset(touch, 0, m);
        for (size_t i = 0; i < m; i++) {
            if (lab[i] != r)
                continue;
            for (size_t j = 0; j < m; j++)
                if (lab[j] != r && adjacent(s, verts[i], verts[j]))
                    touch[lab[j]] = 1;
        }
        int best = -1;
        for (size_t q = 0; q < m; q++) {
            if (!touch[q])
                continue;
            if (best < 0 || (!pass[q] && pass[best]) ||
                (pass[q] == pass[best] && rsize[q] < rsize[best]))
                best = (int)q;
        }
        if (best < 0)
            break; /* cannot happen in a connected part */
        int keep = r < best ? r : best, gone = r < best ? best : r;
        for (size_t i = 0; i < m; i++)
            if (lab[i] == gone)
                lab[i] = keep;
        alive[gone] = false;
        alive_n--;
        rsize[keep] += rsize[gone];
        size_t k = members_of(verts, lab, m, keep, mem);
        pass[keep] = eval(s, mem, k);
    }
    /* 2. exact re-optimisation of small groups of regions */
    size_t single_limit = s->exact_max > NBHD_EXACT_MAX ? s->exact_max : NBHD_EXACT_MAX;
    for (bool improved = true; improved;) {
        improved = false;
        size_t nl = renumber(lab, m, map, 2 * m);
        /* region adjacency */
        memset(radj, 0, nl * nl);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < m; j++)
                if (lab[i] != lab[j] && adjacent(s, verts[i], verts[j]))
                    radj[(size_t)lab[i] * nl + (size_t)lab[j]] = 1;
        for (size_t r = 0; r < nl && !improved && st == MZ_OK; r++) {
            memset(group, 0, 2 * m);
            group[r] = 1;
            st = resolve_group(s, verts, lab, m, nl, group, single_limit, mem, sublab, &improved);
        }
        for (size_t r = 0; r < nl && !improved && st == MZ_OK; r++) {
            memset(group, 0, 2 * m);
            group[r] = 1;
            for (size_t q = 0; q < nl; q++)
                group[q] |= radj[r * nl + q];
            st = resolve_group(s, verts, lab, m, nl, group, NBHD_EXACT_MAX, mem, sublab,
                               &improved);
        }
        for (size_t r = 0; r < nl && !improved && st == MZ_OK; r++)
            for (size_t q = r + 1; q < nl && !improved && st == MZ_OK; q++) {
                if (!radj[r * nl + q])
                    continue;
                memset(group, 0, 2 * m);
                group[r] = group[q] = 1;
                st = resolve_group(s, verts, lab, m, nl, group, NBHD_EXACT_MAX, mem, sublab,
                                   &improved);
            }
        if (st != MZ_OK)
            goto cleanup;
    }
    *count = renumber(lab, m, map, 2 * m);
cleanup:
    free(alive);
    free(pass);
    free(rsize);
    free(mem);
    free(sublab);
    free(map);
    free(touch);
    free(group);
    free(radj);
    return st;
}

void mz_merge_solution_finish(mz_merge_solution_t *sol)
{
    if (!sol)
        return;
    free(sol->region);
    free(sol->bridges);
    memset(sol, 0, sizeof *sol);
}

static mz_status_t add_bridge(solver_t *s, mz_merge_solution_t *sol, int a, int b)
{
    int *nbr = realloc(sol->bridges, 2 * (sol->nbridges + 1) * sizeof *nbr);
    if (!nbr)
        return nomem(s->err);
    sol->bridges = nbr;
    nbr[2 * sol->nbridges] = a < b ? a : b;
    nbr[2 * sol->nbridges + 1] = a < b ? b : a;
    sol->nbridges++;
    s->adj[(size_t)a * s->n + (size_t)b] = 1;
    s->adj[(size_t)b * s->n + (size_t)a] = 1;
    return MZ_OK;
}

mz_status_t mz_merge_solve(const mz_merge_problem_t *p, mz_merge_solution_t *sol,
                           mz_error_t *err)
{
    memset(sol, 0, sizeof *sol);
    solver_t s = {.p = p, .n = p->n, .err = err};
    s.exact_max = p->exact_max ? p->exact_max : MZ_MERGE_EXACT_DEFAULT;
    if (s.exact_max > MZ_MERGE_EXACT_LIMIT)
        s.exact_max = MZ_MERGE_EXACT_LIMIT;
    size_t n = p->n;
    sol->passing = true;
    sol->exact = true;
    if (n == 0)
        return MZ_OK;
    mz_status_t st = MZ_OK;
    int *comp = malloc(n * sizeof *comp), *queue = malloc(n * sizeof *queue);
    int *verts = malloc(n * sizeof *verts), *lab = malloc(n * sizeof *lab);
    int *map = malloc(2 * n * sizeof *map);
    s.buf = malloc(n * sizeof *s.buf);
    s.adj = malloc(n * n);
    sol->region = malloc(n * sizeof *sol->region);
    if (!comp || !queue || !verts || !lab || !map || !s.buf || !s.adj || !sol->region) {
        st = nomem(err);
        goto cleanup;
    }
    for (size_t i = 0; i < n * n; i++)
        s.adj[i] = p->adj && p->adj[i] && i / n != i % n;
    for (size_t a = 0; a < n; a++) /* make it symmetric whatever the caller gave */
        for (size_t b = 0; b < a; b++)
            if (s.adj[a * n + b] || s.adj[b * n + a])
                s.adj[a * n + b] = s.adj[b * n + a] = 1;

    /* 1. islands: attach every part that fails on its own to the nearest vertex outside it */
    size_t nc;
    for (;;) {
        nc = components(&s, comp, queue);
        if (nc <= 1)
            break;
        int failing = -1;
        for (size_t c = 0; c < nc && failing < 0; c++) {
            size_t k = 0;
            for (size_t v = 0; v < n; v++)
                if (comp[v] == (int)c)
                    s.buf[k++] = (int)v;
            if (!eval(&s, s.buf, k))
                failing = (int)c;
        }
        if (failing < 0)
            break;
        int ba = -1, bb = -1;
        double bd = INFINITY;
        for (size_t a = 0; a < n; a++) {
            if (comp[a] != failing)
                continue;
            for (size_t b = 0; b < n; b++) {
                if (comp[b] == failing)
                    continue;
                /* nearest; ties (e.g. no geometry: all infinite) by AGS order distance, then
                 * the first pair, so that units without geometry form a chain, not a star */
                double d = vdist(&s, (int)a, (int)b);
                size_t gap = a > b ? a - b : b - a, bgap = 0;
                if (ba >= 0)
                    bgap = (size_t)(ba > bb ? ba - bb : bb - ba);
                if (ba < 0 || d < bd || (!(d > bd) && gap < bgap)) {
                    ba = (int)a;
                    bb = (int)b;
                    bd = d;
                }
            }
        }
        if ((st = add_bridge(&s, sol, ba, bb)) != MZ_OK)
            goto cleanup;
    }

    /* 2. one part failing as a whole: one region, withheld */
    if (nc == 1) {
        for (size_t v = 0; v < n; v++)
            s.buf[v] = (int)v;
        if (!eval(&s, s.buf, n)) {
            for (size_t v = 0; v < n; v++)
                sol->region[v] = 0;
            sol->count = 1;
            sol->passing = false;
            sol->parts = 1;
            sol->exact_parts = 1;
            goto cleanup;
        }
    }

    /* 3. every part on its own; labels are offset per part, then renumbered */
    int offset = 0;
    for (size_t c = 0; c < nc; c++) {
        size_t m = 0;
        for (size_t v = 0; v < n; v++)
            if (comp[v] == (int)c)
                verts[m++] = (int)v;
        size_t cnt = 0;
        if (m <= s.exact_max) {
            if ((st = solve_exact(&s, verts, m, lab, &cnt)) != MZ_OK)
                goto cleanup;
            sol->exact_parts++;
        } else {
            if ((st = solve_heuristic(&s, verts, m, lab, &cnt)) != MZ_OK)
                goto cleanup;
            sol->exact = false;
        }
        if (cnt == 0) {
            /* the part passes as a whole, so this means the predicate is inconsistent */
            st = mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL, "%s",
                              "region merging: no partition of a passing part");
            goto cleanup;
        }
        sol->parts++;
        for (size_t i = 0; i < m; i++)
            sol->region[verts[i]] = offset + lab[i];
        offset += (int)cnt;
    }
    sol->count = renumber(sol->region, n, map, 2 * n);

cleanup:
    sol->evaluations = s.evaluations;
    free(comp);
    free(queue);
    free(verts);
    free(lab);
    free(map);
    free(s.buf);
    free(s.adj);
    if (st != MZ_OK)
        mz_merge_solution_finish(sol);
    return st;
}

/* ---- strata of a Mikrozensus extract ---- */

typedef struct cell_ctx {
    const mz_cells_t *cells;
    const mz_neighbours_t *nb;
    const mz_rules_t *rules;
    const int *units;  /* gazetteer unit of each vertex */
    uint32_t inds;     /* indicators that must pass (bit per mz_indicator_t) */
    int *scratch;
} cell_ctx_t;

static bool ctx_sum_passes(const cell_ctx_t *c, const mz_cell_t *sum)
{
    for (int i = 0; i < MZ_NIND; i++)
        if ((c->inds & (1u << i)) && !mz_cell_passes(sum, (mz_indicator_t)i, c->rules, NULL, 0))
            return false;
    return true;
}

static bool ctx_passes(const int *members, size_t k, void *vctx)
{
    cell_ctx_t *c = vctx;
    for (size_t i = 0; i < k; i++)
        c->scratch[i] = c->units[members[i]];
    mz_cell_t sum;
    mz_cells_sum_units(c->cells, c->scratch, k, &sum);
    return ctx_sum_passes(c, &sum);
}

static double ctx_distance(int a, int b, void *vctx)
{
    const cell_ctx_t *c = vctx;
    return c->nb ? mz_neighbours_distance(c->nb, (size_t)c->units[a], (size_t)c->units[b])
                 : INFINITY;
}

/* Append to b why `cell` fails for the indicators in inds ("; "-separated reasons from
 * mz_cell_passes, which name the failing group and part, never a value). */
static bool append_failures(mz_str_t *b, const mz_cell_t *cell, uint32_t inds,
                            const mz_rules_t *rules, bool *ok)
{
    char why[256];
    bool any = false;
    for (int i = 0; i < MZ_NIND; i++) {
        if (!(inds & (1u << i)) || mz_cell_passes(cell, (mz_indicator_t)i, rules, why, sizeof why))
            continue;
        if ((any && !mz_str_append(b, ", ")) || !mz_str_append(b, why))
            *ok = false;
        any = true;
    }
    return any;
}

typedef struct region_list {
    mz_region_t *r;
    size_t count, cap;
} region_list_t;

static mz_region_t *region_push(region_list_t *l)
{
    if (l->count == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 64;
        mz_region_t *nr = realloc(l->r, nc * sizeof *nr);
        if (!nr)
            return NULL;
        l->r = nr;
        l->cap = nc;
    }
    mz_region_t *r = &l->r[l->count];
    memset(r, 0, sizeof *r);
    return r;
}

static void region_list_free(region_list_t *l)
{
    for (size_t i = 0; i < l->count; i++)
        mz_region_finish(&l->r[i]);
    free(l->r);
    memset(l, 0, sizeof *l);
}

/* Why region members (vertex list, gazetteer units via ctx) were merged or withheld. */
static mz_status_t explain(mz_region_t *reg, const cell_ctx_t *ctx, const mz_gazetteer_t *gz,
                           size_t stratum, bool withheld, bool island, uint32_t stratum_inds,
                           mz_error_t *err)
{
    mz_str_t b = {0};
    bool ok = true;
    if (withheld) {
        mz_cell_t sum;
        mz_cells_sum_units(ctx->cells, reg->units, reg->nunits, &sum);
        ok = mz_str_appendf(&b, "%s %s ", mz_gazetteer_stratum_code(gz, stratum),
                            mz_gazetteer_stratum_name(gz, stratum));
        if (stratum_inds == 0) {
            ok = ok && mz_str_append(&b, mz_tr("ist als Ganzes für keinen Indikator "
                                                "veröffentlichbar",
                                                "cannot be published as a whole for any "
                                                "indicator"));
        } else {
            ok = ok && mz_str_append(&b, mz_tr("ist als Ganzes nicht veröffentlichbar: ",
                                                "cannot be published as a whole: "));
            append_failures(&b, &sum, ctx->inds, ctx->rules, &ok);
        }
    } else if (reg->nunits > 1) {
        bool any = false;
        for (size_t i = 0; i < reg->nunits; i++) {
            const mz_cell_t *cell = mz_cells_unit(ctx->cells, (size_t)reg->units[i]);
            mz_str_t part = {0};
            bool pok = true;
            if (append_failures(&part, cell, ctx->inds, ctx->rules, &pok)) {
                const mz_unit_t *u = mz_gazetteer_unit(gz, (size_t)reg->units[i]);
                ok = ok && pok && (!any || mz_str_append(&b, "; ")) &&
                     mz_str_appendf(&b, "%s: %s", u->short_name, part.s ? part.s : "");
                any = true;
            }
            mz_str_free(&part);
        }
        if (!any)
            ok = ok && mz_str_append(&b, mz_tr("zusammengelegt von der Näherungssuche",
                                               "merged by the heuristic search"));
    }
    if (island && ok)
        ok = (b.len == 0 || mz_str_append(&b, "; ")) &&
             mz_str_append(&b, mz_tr("ohne gemeinsame Grenze: Insel mit der nächstgelegenen "
                                     "Einheit verbunden",
                                     "no common border: island joined to the nearest unit"));
    char *why = ok ? mz_str_take(&b) : NULL;
    mz_str_free(&b);
    if (!why)
        return nomem(err);
    mz_status_t st = mz_region_set_why(reg, why);
    free(why);
    return st == MZ_OK ? MZ_OK : nomem(err);
}

/* Partition one stratum's present units (AGS order) for the indicators in inds (or, with
 * per_stratum_inds, for those among inds that pass on the whole stratum). */
static mz_status_t merge_stratum(const mz_cells_t *cells, const mz_neighbours_t *nb,
                                 const mz_rules_t *rules, uint32_t inds, bool per_stratum_inds,
                                 size_t stratum, const mz_merge_options_t *opt,
                                 region_list_t *out, mz_merge_stats_t *stats, mz_error_t *err)
{
    const mz_gazetteer_t *gz = mz_cells_gazetteer(cells);
    size_t nu = mz_gazetteer_count(gz), n = 0;
    mz_status_t st = MZ_OK;
    int *units = malloc((nu ? nu : 1) * sizeof *units);
    int *scratch = malloc((nu ? nu : 1) * sizeof *scratch);
    int *mem = malloc((nu ? nu : 1) * sizeof *mem);
    double *size = NULL;
    unsigned char *adj = NULL;
    mz_merge_solution_t sol = {0};
    if (!units || !scratch || !mem) {
        st = nomem(err);
        goto cleanup;
    }
    for (size_t u = 0; u < nu; u++)
        if (mz_cells_unit_present(cells, u) && mz_gazetteer_unit_stratum(gz, u) == (int)stratum)
            units[n++] = (int)u;
    if (n == 0)
        goto cleanup;
    /* AGS order (the gazetteer need not be sorted) */
    for (size_t i = 1; i < n; i++) {
        int v = units[i];
        size_t j = i;
        while (j > 0 && strcmp(mz_gazetteer_unit(gz, (size_t)units[j - 1])->ags,
                               mz_gazetteer_unit(gz, (size_t)v)->ags) > 0) {
            units[j] = units[j - 1];
            j--;
        }
        units[j] = v;
    }
    cell_ctx_t ctx = {cells, nb, rules, units, inds, scratch};
    if (per_stratum_inds) {
        mz_cell_t sum;
        mz_cells_sum_units(cells, units, n, &sum);
        uint32_t keep = 0;
        for (int i = 0; i < MZ_NIND; i++)
            if ((inds & (1u << i)) && mz_cell_passes(&sum, (mz_indicator_t)i, rules, NULL, 0))
                keep |= 1u << i;
        ctx.inds = keep;
    }
    size = malloc(n * sizeof *size);
    adj = calloc(n * n, 1);
    if (!size || !adj) {
        st = nomem(err);
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        const mz_cell_t *c = mz_cells_unit(cells, (size_t)units[i]);
        size[i] = (c->have & (1u << MZ_M_POP))
                      ? c->w[MZ_GRP_WITHOUT][MZ_M_POP] + c->w[MZ_GRP_WITH][MZ_M_POP]
                      : 1.0;
        for (size_t j = 0; j < n; j++)
            adj[i * n + j] =
                nb && i != j && mz_neighbours_adjacent(nb, (size_t)units[i], (size_t)units[j]);
    }
    if (ctx.inds == 0) {
        /* nothing can be published for this stratum: one region */
        sol.region = calloc(n, sizeof *sol.region);
        if (!sol.region) {
            st = nomem(err);
            goto cleanup;
        }
        sol.count = 1;
        sol.passing = false;
        sol.exact = true;
        sol.parts = sol.exact_parts = 1;
    } else {
        mz_merge_problem_t prob = {n, adj, size, ctx_passes, ctx_distance, &ctx,
                                   opt ? opt->exact_max : 0};
        if ((st = mz_merge_solve(&prob, &sol, err)) != MZ_OK)
            goto cleanup;
    }
    if (stats) {
        stats->strata++;
        stats->parts += sol.parts;
        stats->exact += sol.exact_parts;
        stats->heuristic += sol.parts - sol.exact_parts;
        stats->withheld += sol.passing ? 0 : 1;
        stats->bridges += sol.nbridges;
        stats->evaluations += sol.evaluations;
    }
    for (size_t r = 0; r < sol.count; r++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (sol.region[i] == (int)r)
                mem[k++] = units[i];
        /* a bridge inside the region: it is not connected in the geometry */
        bool island = false;
        for (size_t b = 0; b < sol.nbridges && !island; b++)
            island = sol.region[sol.bridges[2 * b]] == (int)r &&
                     sol.region[sol.bridges[2 * b + 1]] == (int)r;
        mz_region_t *reg = region_push(out);
        if (!reg) {
            st = nomem(err);
            goto cleanup;
        }
        if ((st = mz_region_init_units(reg, gz, mem, k, err)) != MZ_OK)
            goto cleanup;
        out->count++;
        if ((st = explain(reg, &ctx, gz, stratum, !sol.passing, island, ctx.inds, err)) != MZ_OK)
            goto cleanup;
    }
cleanup:
    mz_merge_solution_finish(&sol);
    free(units);
    free(scratch);
    free(mem);
    free(size);
    free(adj);
    return st;
}

static int cmp_region(const void *a, const void *b)
{
    return strcmp(((const mz_region_t *)a)->members, ((const mz_region_t *)b)->members);
}

static mz_status_t merge_all(const mz_cells_t *cells, const mz_neighbours_t *nb,
                             const mz_rules_t *rules, uint32_t inds, bool per_stratum_inds,
                             const mz_merge_options_t *opt, mz_partition_t *out,
                             mz_merge_stats_t *stats, mz_error_t *err)
{
    const mz_gazetteer_t *gz = mz_cells_gazetteer(cells);
    region_list_t list = {0};
    memset(out, 0, sizeof *out);
    for (size_t s = 0; s < mz_gazetteer_strata_count(gz); s++) {
        mz_status_t st =
            merge_stratum(cells, nb, rules, inds, per_stratum_inds, s, opt, &list, stats, err);
        if (st != MZ_OK) {
            region_list_free(&list);
            return st;
        }
    }
    if (list.count)
        qsort(list.r, list.count, sizeof *list.r, cmp_region);
    out->regions = list.r ? list.r : calloc(1, sizeof *out->regions);
    out->count = list.count;
    if (!out->regions)
        return nomem(err);
    return MZ_OK;
}

mz_status_t mz_merge_indicator(const mz_cells_t *cells, const mz_neighbours_t *nb,
                               const mz_rules_t *rules, mz_indicator_t ind,
                               const mz_merge_options_t *opt, mz_partition_t *out,
                               mz_merge_stats_t *stats, mz_error_t *err)
{
    return merge_all(cells, nb, rules, 1u << ind, false, opt, out, stats, err);
}

static mz_status_t copy_partition(const mz_gazetteer_t *gz, const mz_partition_t *src,
                                  mz_partition_t *dst, mz_error_t *err)
{
    memset(dst, 0, sizeof *dst);
    dst->regions = calloc(src->count ? src->count : 1, sizeof *dst->regions);
    if (!dst->regions)
        return nomem(err);
    for (size_t i = 0; i < src->count; i++) {
        const mz_region_t *r = &src->regions[i];
        mz_status_t st = mz_region_init_units(&dst->regions[i], gz, r->units, r->nunits, err);
        if (st != MZ_OK) {
            mz_partition_finish(dst);
            return st;
        }
        dst->count++;
        if (mz_region_set_why(&dst->regions[i], r->why) != MZ_OK) {
            mz_partition_finish(dst);
            return nomem(err);
        }
    }
    return MZ_OK;
}

mz_status_t mz_merge_partitions(const mz_cells_t *cells, const mz_neighbours_t *nb,
                                const mz_rules_t *rules, const mz_merge_options_t *opt,
                                mz_partition_t out[MZ_NIND], mz_merge_stats_t *stats,
                                mz_error_t *err)
{
    mz_status_t st = MZ_OK;
    memset(out, 0, MZ_NIND * sizeof *out);
    if (opt && opt->common) {
        st = merge_all(cells, nb, rules, (1u << MZ_NIND) - 1u, true, opt, &out[0], stats, err);
        for (int i = 1; i < MZ_NIND && st == MZ_OK; i++)
            st = copy_partition(mz_cells_gazetteer(cells), &out[0], &out[i], err);
    } else {
        for (int i = 0; i < MZ_NIND && st == MZ_OK; i++)
            st = mz_merge_indicator(cells, nb, rules, (mz_indicator_t)i, opt, &out[i], stats, err);
    }
    if (st != MZ_OK)
        for (int i = 0; i < MZ_NIND; i++)
            mz_partition_finish(&out[i]);
    return st;
}
