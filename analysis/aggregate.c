/* aggregate.c — person records → cells per unit and group, rolled up to strata and the Land,
 * with per-PSU totals for the design-based variance. */
#include "mzatlas/mz_cells.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../microcensus/util.h"

struct mz_cells {
    const mz_gazetteer_t *gz;
    mz_age_band_t band;
    size_t nunits, nstrata;
    mz_cell_t *unit;        /* [nunits] */
    bool *unit_present;
    mz_cell_t *stratum_only; /* [nstrata] records/cells with a stratum but no unit */
    bool *stratum_only_present;
    mz_cell_t land_only;    /* tabulated counts given for the Land only */
    bool land_only_present;
    /* rolled-up totals, recomputed when dirty */
    mz_cell_t *stratum;     /* [nstrata] */
    bool *stratum_present;
    mz_cell_t land;
    bool dirty;
    uint64_t records;
    /* design */
    bool design_all, design_any;
    mz_strmap_t dstrata;    /* design stratum id → index */
    mz_strmap_t psus;       /* "stratum\x1fpsu" → psu index */
    uint32_t *psu_dstratum;
    size_t psu_cap;
    mz_strmap_t partkeys;   /* (psu, unit) bytes → part index */
    mz_psu_part_t *parts;
    size_t nparts, parts_cap;
    long last_part;
};

const char *mz_measure_id(mz_measure_t m)
{
    static const char *const ids[MZ_NMEAS] = {
        "population",        "population_band",      "employed_band",
        "unemployed_band",   "employed",             "self_employed",
        "employed_agriculture", "employed_production", "employed_trade",
        "employed_services"};
    return (unsigned)m < MZ_NMEAS ? ids[m] : "?";
}

bool mz_age_band_parse(const char *s, mz_age_band_t *band)
{
    if (strcmp(s, "all") == 0) {
        band->lo = 0;
        band->hi = 120;
        return true;
    }
    int lo, hi, used = 0;
    if (sscanf(s, "%d-%d%n", &lo, &hi, &used) != 2 || (size_t)used != strlen(s) || lo < 0 ||
        hi > 120 || lo > hi)
        return false;
    band->lo = lo;
    band->hi = hi;
    return true;
}

void mz_cell_init(mz_cell_t *c) { memset(c, 0, sizeof *c); }

void mz_cell_add(mz_cell_t *c, const mz_cell_t *d)
{
    bool c_empty = c->have == 0;
    for (int g = 0; g < MZ_NGRP; g++)
        for (int m = 0; m < MZ_NMEAS; m++) {
            c->w[g][m] += d->w[g][m];
            if (c->n[g][m] < 0 || d->n[g][m] < 0)
                c->n[g][m] = -1;
            else
                c->n[g][m] += d->n[g][m];
        }
    c->have = c_empty ? d->have : (c->have & d->have);
}

mz_cells_t *mz_cells_create(const mz_gazetteer_t *gz, mz_age_band_t band, mz_error_t *err)
{
    mz_cells_t *c = calloc(1, sizeof *c);
    if (!c)
        goto nomem;
    c->gz = gz;
    c->band = band;
    c->nunits = mz_gazetteer_count(gz);
    c->nstrata = mz_gazetteer_strata_count(gz);
    c->unit = calloc(c->nunits, sizeof *c->unit);
    c->unit_present = calloc(c->nunits, sizeof *c->unit_present);
    c->stratum_only = calloc(c->nstrata, sizeof *c->stratum_only);
    c->stratum_only_present = calloc(c->nstrata, sizeof *c->stratum_only_present);
    c->stratum = calloc(c->nstrata, sizeof *c->stratum);
    c->stratum_present = calloc(c->nstrata, sizeof *c->stratum_present);
    if (!c->unit || !c->unit_present || !c->stratum_only || !c->stratum_only_present ||
        !c->stratum || !c->stratum_present)
        goto nomem;
    c->design_all = true;
    c->last_part = -1;
    mz_strmap_init(&c->dstrata);
    mz_strmap_init(&c->psus);
    mz_strmap_init(&c->partkeys);
    c->dirty = true;
    return c;
nomem:
    mz_cells_destroy(c);
    mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
    return NULL;
}

void mz_cells_destroy(mz_cells_t *c)
{
    if (!c)
        return;
    free(c->unit);
    free(c->unit_present);
    free(c->stratum_only);
    free(c->stratum_only_present);
    free(c->stratum);
    free(c->stratum_present);
    mz_strmap_finish(&c->dstrata);
    mz_strmap_finish(&c->psus);
    mz_strmap_finish(&c->partkeys);
    free(c->psu_dstratum);
    free(c->parts);
    free(c);
}

/* The measures a record counts in, as a bit set. */
static uint32_t record_measures(const mz_record_t *r, mz_age_band_t band)
{
    uint32_t m = 1u << MZ_M_POP;
    bool in_band = r->age >= band.lo && r->age <= band.hi;
    if (in_band) {
        m |= 1u << MZ_M_POP_BAND;
        if (r->ilo == MZ_ILO_EMPLOYED)
            m |= 1u << MZ_M_EMP_BAND;
        else if (r->ilo == MZ_ILO_UNEMPLOYED)
            m |= 1u << MZ_M_UNEMP_BAND;
    }
    if (r->ilo == MZ_ILO_EMPLOYED) {
        m |= 1u << MZ_M_EMP;
        if (r->selfemp)
            m |= 1u << MZ_M_SELF;
        if (r->sector >= MZ_SECTOR_AGRICULTURE && r->sector <= MZ_SECTOR_SERVICES)
            m |= 1u << (MZ_M_SEC_AGR + r->sector - MZ_SECTOR_AGRICULTURE);
    }
    return m;
}

static long find_part(mz_cells_t *c, const mz_record_t *rec, mz_error_t *err)
{
    char key[512];
    size_t sl = strlen(rec->design_stratum), pl = strlen(rec->psu);
    if (sl + pl + 2 > sizeof key)
        return mz_error_set(err, MZ_ERR_DATA, NULL, rec->line, "psu", rec->psu, "%s",
                            mz_tr("Kennung zu lang", "identifier too long")),
               -1;
    bool added;
    long ds = mz_strmap_intern(&c->dstrata, rec->design_stratum, sl, NULL);
    memcpy(key, rec->design_stratum, sl);
    key[sl] = '\x1f';
    memcpy(key + sl + 1, rec->psu, pl);
    long psu = ds < 0 ? -1 : mz_strmap_intern(&c->psus, key, sl + 1 + pl, &added);
    if (psu < 0)
        goto nomem;
    if (added) {
        if ((size_t)psu >= c->psu_cap) {
            size_t nc = c->psu_cap ? c->psu_cap * 2 : 1024;
            uint32_t *np = realloc(c->psu_dstratum, nc * sizeof *np);
            if (!np)
                goto nomem;
            c->psu_dstratum = np;
            c->psu_cap = nc;
        }
        c->psu_dstratum[psu] = (uint32_t)ds;
    }
    int32_t pk[2] = {(int32_t)psu, rec->unit >= 0 ? rec->unit : -1 - rec->stratum};
    if (c->last_part >= 0 && c->parts[c->last_part].psu == (uint32_t)psu &&
        (c->parts[c->last_part].unit >= 0 ? c->parts[c->last_part].unit
                                          : -1 - c->parts[c->last_part].stratum) == pk[1])
        return c->last_part;
    long id = mz_strmap_intern(&c->partkeys, (const char *)pk, sizeof pk, &added);
    if (id < 0)
        goto nomem;
    if (added) {
        if (c->nparts == c->parts_cap) {
            size_t nc = c->parts_cap ? c->parts_cap * 2 : 1024;
            mz_psu_part_t *np = realloc(c->parts, nc * sizeof *np);
            if (!np)
                goto nomem;
            c->parts = np;
            c->parts_cap = nc;
        }
        mz_psu_part_t *p = &c->parts[c->nparts++];
        memset(p, 0, sizeof *p);
        p->psu = (uint32_t)psu;
        p->unit = rec->unit;
        p->stratum = rec->stratum;
    }
    c->last_part = id;
    return id;
nomem:
    mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
    return -1;
}

mz_status_t mz_cells_add_record(mz_cells_t *c, const mz_record_t *rec, mz_error_t *err)
{
    mz_cell_t *cell;
    if (rec->unit >= 0) {
        cell = &c->unit[rec->unit];
        c->unit_present[rec->unit] = true;
    } else {
        cell = &c->stratum_only[rec->stratum];
        c->stratum_only_present[rec->stratum] = true;
    }
    cell->have = MZ_HAVE_ALL;
    const int g = rec->mig > 0 ? MZ_GRP_WITH : MZ_GRP_WITHOUT;
    const uint32_t ms = record_measures(rec, c->band);
    for (uint32_t bits = ms; bits; bits &= bits - 1) {
        int m = __builtin_ctz(bits);
        cell->w[g][m] += rec->weight;
        cell->n[g][m] += 1;
    }
    if (rec->psu && rec->design_stratum) {
        c->design_any = true;
        long p = find_part(c, rec, err);
        if (p < 0)
            return err ? err->status : MZ_ERR_NOMEM;
        for (uint32_t bits = ms; bits; bits &= bits - 1)
            c->parts[p].w[g][__builtin_ctz(bits)] += rec->weight;
    } else {
        c->design_all = false;
    }
    c->records++;
    c->dirty = true;
    return MZ_OK;
}

void mz_cells_add_cell(mz_cells_t *c, int unit, int stratum, const mz_cell_t *cell)
{
    if (unit >= 0) {
        mz_cell_add(&c->unit[unit], cell);
        c->unit_present[unit] = true;
    } else if (stratum >= 0) {
        mz_cell_add(&c->stratum_only[stratum], cell);
        c->stratum_only_present[stratum] = true;
    } else {
        mz_cell_add(&c->land_only, cell);
        c->land_only_present = true;
    }
    c->design_all = false;
    c->dirty = true;
}

static void rollup(mz_cells_t *c)
{
    if (!c->dirty)
        return;
    for (size_t s = 0; s < c->nstrata; s++) {
        mz_cell_init(&c->stratum[s]);
        c->stratum_present[s] = false;
        if (c->stratum_only_present[s]) {
            mz_cell_add(&c->stratum[s], &c->stratum_only[s]);
            c->stratum_present[s] = true;
        }
    }
    for (size_t u = 0; u < c->nunits; u++) {
        if (!c->unit_present[u])
            continue;
        size_t s = (size_t)mz_gazetteer_unit_stratum(c->gz, u);
        mz_cell_add(&c->stratum[s], &c->unit[u]);
        c->stratum_present[s] = true;
    }
    mz_cell_init(&c->land);
    for (size_t s = 0; s < c->nstrata; s++)
        if (c->stratum_present[s])
            mz_cell_add(&c->land, &c->stratum[s]);
    if (c->land_only_present)
        mz_cell_add(&c->land, &c->land_only);
    c->dirty = false;
}

mz_age_band_t mz_cells_band(const mz_cells_t *c) { return c->band; }
const mz_gazetteer_t *mz_cells_gazetteer(const mz_cells_t *c) { return c->gz; }
uint64_t mz_cells_records(const mz_cells_t *c) { return c->records; }
bool mz_cells_unit_present(const mz_cells_t *c, size_t u) { return c->unit_present[u]; }
const mz_cell_t *mz_cells_unit(const mz_cells_t *c, size_t u) { return &c->unit[u]; }

bool mz_cells_stratum_present(const mz_cells_t *c, size_t s)
{
    rollup((mz_cells_t *)c);
    return c->stratum_present[s];
}

const mz_cell_t *mz_cells_stratum(const mz_cells_t *c, size_t s)
{
    rollup((mz_cells_t *)c);
    return &c->stratum[s];
}

const mz_cell_t *mz_cells_land(const mz_cells_t *c)
{
    rollup((mz_cells_t *)c);
    return &c->land;
}

void mz_cells_sum_units(const mz_cells_t *c, const int *units, size_t n, mz_cell_t *out)
{
    mz_cell_init(out);
    for (size_t i = 0; i < n; i++)
        if (c->unit_present[units[i]])
            mz_cell_add(out, &c->unit[units[i]]);
}

bool mz_cells_has_design(const mz_cells_t *c) { return c->design_any && c->design_all; }
size_t mz_cells_psu_count(const mz_cells_t *c) { return c->psus.count; }
size_t mz_cells_design_stratum_count(const mz_cells_t *c) { return c->dstrata.count; }
size_t mz_cells_psu_design_stratum(const mz_cells_t *c, size_t psu) { return c->psu_dstratum[psu]; }
size_t mz_cells_psu_part_count(const mz_cells_t *c) { return c->nparts; }
const mz_psu_part_t *mz_cells_psu_part(const mz_cells_t *c, size_t i) { return &c->parts[i]; }
