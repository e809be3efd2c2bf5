/* results.c — regions, partitions and the table of estimates. */
#include "mzatlas/mz_results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../microcensus/util.h"

struct mz_results {
    const mz_cells_t *cells;
    mz_rules_t rules;
    mz_region_t land;
    mz_region_t *strata;
    size_t nstrata;
    mz_partition_t part[MZ_NIND];
    mz_estimate_t *rows;
    size_t nrows, cap;
};

static const mz_gazetteer_t *gz_of(const mz_cells_t *c) { return mz_cells_gazetteer(c); }

static int cmp_units_by_ags(const void *a, const void *b, void *gz)
{
    const mz_unit_t *ua = mz_gazetteer_unit(gz, (size_t) * (const int *)a);
    const mz_unit_t *ub = mz_gazetteer_unit(gz, (size_t) * (const int *)b);
    return strcmp(ua->ags, ub->ags);
}

/* qsort_r is a GNU extension; a small insertion sort keeps this portable (n is tiny). */
static void sort_units(int *u, size_t n, const mz_gazetteer_t *gz)
{
    for (size_t i = 1; i < n; i++) {
        int v = u[i];
        size_t j = i;
        while (j > 0 && cmp_units_by_ags(&u[j - 1], &v, (void *)gz) > 0) {
            u[j] = u[j - 1];
            j--;
        }
        u[j] = v;
    }
}

static char *join_units(const mz_gazetteer_t *gz, const int *u, size_t n, bool names)
{
    mz_str_t b = {0};
    for (size_t i = 0; i < n; i++) {
        const mz_unit_t *unit = mz_gazetteer_unit(gz, (size_t)u[i]);
        if ((i && !mz_str_append(&b, names ? "/" : "+")) ||
            !mz_str_append(&b, names ? unit->short_name : unit->ags)) {
            mz_str_free(&b);
            return NULL;
        }
    }
    return mz_str_take(&b);
}

mz_status_t mz_region_init_units(mz_region_t *r, const mz_gazetteer_t *gz, const int *units,
                                 size_t n, mz_error_t *err)
{
    memset(r, 0, sizeof *r);
    r->level = MZ_LEVEL_REGION;
    r->units = malloc((n ? n : 1) * sizeof *r->units);
    if (!r->units)
        goto nomem;
    memcpy(r->units, units, n * sizeof *units);
    r->nunits = n;
    sort_units(r->units, n, gz);
    r->stratum = n ? mz_gazetteer_unit_stratum(gz, (size_t)r->units[0]) : -1;
    r->code = join_units(gz, r->units, n, false);
    r->members = join_units(gz, r->units, n, false);
    r->name = join_units(gz, r->units, n, true);
    r->why = mz_strdup("");
    if (!r->code || !r->members || !r->name || !r->why)
        goto nomem;
    return MZ_OK;
nomem:
    mz_region_finish(r);
    return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
}

mz_status_t mz_region_set_why(mz_region_t *r, const char *why)
{
    char *w = mz_strdup(why ? why : "");
    if (!w)
        return MZ_ERR_NOMEM;
    free(r->why);
    r->why = w;
    return MZ_OK;
}

void mz_region_finish(mz_region_t *r)
{
    if (!r)
        return;
    free(r->code);
    free(r->name);
    free(r->members);
    free(r->units);
    free(r->why);
    memset(r, 0, sizeof *r);
}

void mz_partition_finish(mz_partition_t *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++)
        mz_region_finish(&p->regions[i]);
    free(p->regions);
    p->regions = NULL;
    p->count = 0;
}

mz_status_t mz_partition_singletons(const mz_cells_t *cells, mz_partition_t *out,
                                    mz_error_t *err)
{
    const mz_gazetteer_t *gz = gz_of(cells);
    size_t n = mz_gazetteer_count(gz);
    int *order = malloc((n ? n : 1) * sizeof *order);
    memset(out, 0, sizeof *out);
    out->regions = calloc(n ? n : 1, sizeof *out->regions);
    if (!order || !out->regions) {
        free(order);
        free(out->regions);
        out->regions = NULL;
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    }
    size_t k = 0;
    for (size_t u = 0; u < n; u++)
        if (mz_cells_unit_present(cells, u))
            order[k++] = (int)u;
    sort_units(order, k, gz);
    for (size_t i = 0; i < k; i++) {
        mz_status_t st = mz_region_init_units(&out->regions[out->count], gz, &order[i], 1, err);
        if (st != MZ_OK) {
            free(order);
            mz_partition_finish(out);
            return st;
        }
        out->count++;
    }
    free(order);
    return MZ_OK;
}

static mz_status_t push_row(mz_results_t *res, mz_indicator_t ind, mz_group_t g,
                            const mz_region_t *region, const mz_cell_t *cell, mz_error_t *err)
{
    if (res->nrows == res->cap) {
        size_t nc = res->cap ? res->cap * 2 : 512;
        mz_estimate_t *nr = realloc(res->rows, nc * sizeof *nr);
        if (!nr)
            return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                                mz_strerror(MZ_ERR_NOMEM));
        res->rows = nr;
        res->cap = nc;
    }
    mz_estimate_t *e = &res->rows[res->nrows++];
    e->ind = ind;
    e->group = g;
    e->region = region;
    e->p = mz_point_estimate(cell, ind, g, &res->rules);
    e->se = e->ci_low = e->ci_high = NAN;
    e->se_approx = false;
    return MZ_OK;
}

static mz_status_t push_region(mz_results_t *res, mz_indicator_t ind, const mz_region_t *r,
                               const mz_cell_t *cell, mz_error_t *err)
{
    static const mz_group_t grouped[] = {MZ_G_WITH, MZ_G_WITHOUT, MZ_G_ALL, MZ_G_GAP};
    bool has = mz_indicator_has_groups(ind);
    for (size_t i = 0; i < (has ? 4u : 1u); i++) {
        mz_status_t st = push_row(res, ind, has ? grouped[i] : MZ_G_ALL, r, cell, err);
        if (st != MZ_OK)
            return st;
    }
    return MZ_OK;
}

static mz_status_t init_fixed_regions(mz_results_t *res, mz_error_t *err)
{
    const mz_cells_t *cells = res->cells;
    const mz_gazetteer_t *gz = gz_of(cells);
    size_t nu = mz_gazetteer_count(gz), ns = mz_gazetteer_strata_count(gz);
    int *all = malloc((nu ? nu : 1) * sizeof *all);
    res->strata = calloc(ns ? ns : 1, sizeof *res->strata);
    if (!all || !res->strata)
        goto nomem;
    size_t k = 0;
    for (size_t u = 0; u < nu; u++)
        if (mz_cells_unit_present(cells, u))
            all[k++] = (int)u;
    if (mz_region_init_units(&res->land, gz, all, k, err) != MZ_OK)
        goto fail;
    res->land.level = MZ_LEVEL_LAND;
    res->land.stratum = -1;
    free(res->land.code);
    free(res->land.name);
    res->land.code = mz_strdup(MZ_LAND_CODE);
    res->land.name = mz_strdup("Niedersachsen");
    if (!res->land.code || !res->land.name)
        goto nomem;
    for (size_t s = 0; s < ns; s++) {
        if (!mz_cells_stratum_present(cells, s))
            continue;
        size_t m = 0;
        for (size_t u = 0; u < nu; u++)
            if (mz_cells_unit_present(cells, u) && mz_gazetteer_unit_stratum(gz, u) == (int)s)
                all[m++] = (int)u;
        mz_region_t *r = &res->strata[res->nstrata];
        if (mz_region_init_units(r, gz, all, m, err) != MZ_OK)
            goto fail;
        res->nstrata++;
        r->level = MZ_LEVEL_SCHICHT;
        r->stratum = (int)s;
        free(r->code);
        free(r->name);
        r->code = mz_strdup(mz_gazetteer_stratum_code(gz, s));
        r->name = mz_strdup(mz_gazetteer_stratum_name(gz, s));
        if (!r->code || !r->name)
            goto nomem;
    }
    free(all);
    return MZ_OK;
nomem:
    mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
fail:
    free(all);
    return err ? err->status : MZ_ERR_NOMEM;
}

mz_results_t *mz_results_build(const mz_cells_t *cells, mz_partition_t partitions[MZ_NIND],
                               const mz_rules_t *rules, mz_error_t *err)
{
    mz_results_t *res = calloc(1, sizeof *res);
    if (!res) {
        mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        if (partitions)
            for (int i = 0; i < MZ_NIND; i++)
                mz_partition_finish(&partitions[i]);
        return NULL;
    }
    res->cells = cells;
    res->rules = *rules;
    for (int i = 0; i < MZ_NIND; i++) {
        if (partitions) {
            res->part[i] = partitions[i];
            memset(&partitions[i], 0, sizeof partitions[i]);
        }
    }
    if (init_fixed_regions(res, err) != MZ_OK)
        goto fail;
    for (int i = 0; i < MZ_NIND; i++) {
        if (!partitions && mz_partition_singletons(cells, &res->part[i], err) != MZ_OK)
            goto fail;
    }
    for (int i = 0; i < MZ_NIND; i++) {
        mz_indicator_t ind = (mz_indicator_t)i;
        if (push_region(res, ind, &res->land, mz_cells_land(cells), err) != MZ_OK)
            goto fail;
        for (size_t s = 0; s < res->nstrata; s++)
            if (push_region(res, ind, &res->strata[s],
                            mz_cells_stratum(cells, (size_t)res->strata[s].stratum),
                            err) != MZ_OK)
                goto fail;
        for (size_t r = 0; r < res->part[i].count; r++) {
            const mz_region_t *reg = &res->part[i].regions[r];
            mz_cell_t sum;
            mz_cells_sum_units(cells, reg->units, reg->nunits, &sum);
            if (push_region(res, ind, reg, &sum, err) != MZ_OK)
                goto fail;
        }
    }
    return res;
fail:
    mz_results_destroy(res);
    return NULL;
}

void mz_results_destroy(mz_results_t *res)
{
    if (!res)
        return;
    mz_region_finish(&res->land);
    for (size_t s = 0; s < res->nstrata; s++)
        mz_region_finish(&res->strata[s]);
    free(res->strata);
    for (int i = 0; i < MZ_NIND; i++)
        mz_partition_finish(&res->part[i]);
    free(res->rows);
    free(res);
}

size_t mz_results_count(const mz_results_t *res) { return res->nrows; }
mz_estimate_t *mz_results_get(mz_results_t *res, size_t i) { return &res->rows[i]; }
const mz_estimate_t *mz_results_at(const mz_results_t *res, size_t i) { return &res->rows[i]; }
const mz_partition_t *mz_results_partition(const mz_results_t *res, mz_indicator_t ind)
{
    return &res->part[ind];
}
const mz_region_t *mz_results_land(const mz_results_t *res) { return &res->land; }
size_t mz_results_strata_count(const mz_results_t *res) { return res->nstrata; }
const mz_region_t *mz_results_stratum(const mz_results_t *res, size_t i) { return &res->strata[i]; }
const mz_rules_t *mz_results_rules(const mz_results_t *res) { return &res->rules; }
const mz_cells_t *mz_results_cells(const mz_results_t *res) { return res->cells; }

const mz_estimate_t *mz_results_find(const mz_results_t *res, mz_indicator_t ind,
                                     mz_level_t level, const char *code, mz_group_t g)
{
    for (size_t i = 0; i < res->nrows; i++) {
        const mz_estimate_t *e = &res->rows[i];
        if (e->ind == ind && e->group == g && e->region->level == level &&
            strcmp(e->region->code, code) == 0)
            return e;
    }
    return NULL;
}

bool mz_estimate_needs_action(const mz_estimate_t *e, const mz_rules_t *rules)
{
    return e->ind == MZ_IND_UNEMPLOYMENT_RATE && e->group == MZ_G_GAP &&
           e->region->level == MZ_LEVEL_REGION && !mz_symbol_withheld(e->p.symbol) &&
           isfinite(e->p.estimate) && mz_round1(e->p.estimate) >= rules->gap_flag;
}

mz_certainty_t mz_estimate_certainty(const mz_estimate_t *e, const mz_rules_t *rules)
{
    if (e->ind != MZ_IND_UNEMPLOYMENT_RATE || e->group != MZ_G_GAP ||
        e->region->level != MZ_LEVEL_REGION || mz_symbol_withheld(e->p.symbol) ||
        !isfinite(e->ci_low) || !isfinite(e->ci_high))
        return MZ_CERT_NONE;
    bool flagged = mz_estimate_needs_action(e, rules);
    if (flagged)
        return e->ci_low >= rules->gap_flag ? MZ_CERT_CERTAIN : MZ_CERT_PROBABLE;
    return e->ci_high >= rules->gap_flag ? MZ_CERT_POSSIBLE : MZ_CERT_NONE;
}

const char *mz_certainty_id(mz_certainty_t c)
{
    static const char *const ids[] = {"", "certain", "probable", "possible"};
    return (unsigned)c < 4 ? ids[c] : "?";
}
