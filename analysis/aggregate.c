/* aggregate.c — person records → cells per unit and group, rolled up to strata and the Land,
 * with per-PSU totals for the design-based variance. */
#include "mzatlas/mz_cells.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../microcensus/util.h"

_Static_assert(MZ_NMEAS == 10, "mz_row_add_masked adds rows of 10 measures");

/* The per-PSU parts. A survey has hundreds of thousands of PSUs, and a part of 20 persons has a
 * value for only about 12 of its 20 (group, measure) sums, so parts keep their sums sparse: bit
 * k = g * MZ_NMEAS + m of `mask` is set when the part has a value for group g, measure m, and the
 * values of the set bits follow one another, in bit order, in a block of vals at `off` (blocks
 * hold an even number of values; a block that becomes too small is freed for reuse and the part
 * moves). The parts receiving records are open: dense copies in a small direct-mapped cache
 * (records of a PSU usually come one after another). The sums are the same as with dense parts:
 * the same additions in the same order, only stored elsewhere. */
typedef struct part_rec {
    uint32_t psu;
    int32_t unit, stratum;
    uint32_t mask;
    uint32_t off;
} part_rec_t;

#define OPEN_SLOTS 256u

typedef struct open_part {
    uint32_t id;            /* part index + 1; 0: the slot is free */
    mz_psu_part_t p;
} open_part_t;

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
    uint32_t *psu_part;     /* [psu] its most recent part; the parts of a PSU are chained */
    size_t psu_cap;
    part_rec_t *parts;      /* the per-PSU parts, their sums sparse in vals */
    uint32_t *part_next;    /* [part] the PSU's previous part, NO_PART at the end */
    size_t nparts, parts_cap;
    double *vals;
    size_t nvals, vals_cap;
    uint32_t free_block[MZ_NGRP * MZ_NMEAS / 2 + 1]; /* [size / 2] freed blocks, NO_PART: none */
    open_part_t *open;      /* [OPEN_SLOTS] parts being added to, dense */
    bool finished;          /* mz_cells_finish: the lookups are gone */
    size_t npsu, nds;       /* counts kept by mz_cells_finish */
    mz_psu_part_t scratch;  /* mz_cells_psu_part */
    /* the previous record's part: records of a PSU usually come one after another */
    long last_part;
    int32_t last_slot;
    size_t last_sl;
    char last_key[512];     /* design stratum, NUL, psu, NUL */
};

#define NO_PART UINT32_MAX

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
    for (size_t i = 0; i < sizeof c->free_block / sizeof c->free_block[0]; i++)
        c->free_block[i] = NO_PART;
    mz_strmap_init(&c->dstrata);
    mz_strmap_init(&c->psus);
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
    free(c->psu_dstratum);
    free(c->psu_part);
    free(c->parts);
    free(c->part_next);
    free(c->vals);
    free(c->open);
    free(c);
}

uint32_t mz_record_measures(const mz_record_t *r, mz_age_band_t band)
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

void mz_measure_table(mz_age_band_t band, uint32_t table[2][30])
{
    const mz_age_band_t none = {1, 0}; /* no age is in it */
    mz_record_t r = {.age = band.lo};
    for (int in = 0; in < 2; in++)
        for (r.ilo = 1; r.ilo <= 3; r.ilo++)
            for (r.selfemp = 0; r.selfemp <= 1; r.selfemp++)
                for (r.sector = 0; r.sector <= 4; r.sector++)
                    table[in][(r.ilo - 1) * 10 + r.selfemp * 5 + r.sector] =
                        mz_record_measures(&r, in ? band : none);
}

static unsigned popcount32(uint32_t x)
{
    unsigned n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

/* Values in a block of a part with this mask (even, so that blocks come in few sizes). */
static size_t block_size(uint32_t mask) { return (popcount32(mask) + 1u) & ~1u; }

/* The part's sums into a dense part. */
static void part_expand(const mz_cells_t *c, size_t id, mz_psu_part_t *out)
{
    const part_rec_t *r = &c->parts[id];
    out->psu = r->psu;
    out->unit = r->unit;
    out->stratum = r->stratum;
    double *w = &out->w[0][0];
    const double *v = r->mask ? c->vals + r->off : NULL; /* vals is NULL while all are empty */
    memset(out->w, 0, sizeof out->w);
    for (uint32_t m = r->mask; m; m &= m - 1)
        w[__builtin_ctz(m)] = *v++;
}

/* A block of n values: a freed one of that size, or new at the end. UINT32_MAX: no memory. */
static uint32_t block_alloc(mz_cells_t *c, size_t n)
{
    uint32_t *fl = &c->free_block[n / 2];
    if (*fl != NO_PART) {
        uint32_t b = *fl;
        uint64_t next;
        memcpy(&next, &c->vals[b], sizeof next); /* a freed block holds the next one's index */
        *fl = (uint32_t)next;
        return b;
    }
    if (c->nvals + n > UINT32_MAX - 1)
        return UINT32_MAX;
    if (c->nvals + n > c->vals_cap) {
        size_t nc = c->vals_cap ? c->vals_cap * 2 : 1u << 14;
        double *nv = realloc(c->vals, nc * sizeof *nv);
        if (!nv)
            return UINT32_MAX;
        c->vals = nv;
        c->vals_cap = nc;
    }
    c->nvals += n;
    return (uint32_t)(c->nvals - n);
}

static void block_free(mz_cells_t *c, uint32_t b, size_t n)
{
    if (n == 0)
        return;
    uint64_t next = c->free_block[n / 2];
    memcpy(&c->vals[b], &next, sizeof next);
    c->free_block[n / 2] = b;
}

/* Store an open part back into its sparse form and free the slot. */
static bool part_close(mz_cells_t *c, open_part_t *o)
{
    const size_t id = o->id - 1;
    part_rec_t *r = &c->parts[id];
    const double *w = &o->p.w[0][0];
    uint32_t mask = 0;
    for (int k = 0; k < MZ_NGRP * MZ_NMEAS; k++)
        mask |= (uint32_t)(w[k] != 0.0) << k; /* sums of weights > 0: zero until added to */
    mask |= r->mask;
    if (block_size(mask) != block_size(r->mask)) {
        uint32_t b = block_alloc(c, block_size(mask));
        if (b == UINT32_MAX)
            return false;
        block_free(c, r->off, block_size(r->mask));
        r->off = b;
    }
    r->mask = mask;
    double *v = c->vals + r->off;
    for (int k = 0; k < MZ_NGRP * MZ_NMEAS; k++)
        if ((mask >> k) & 1u)
            *v++ = w[k];
    o->id = 0;
    return true;
}

/* The dense, open copy of part id (opened now if need be); NULL: no memory. */
static mz_psu_part_t *part_open(mz_cells_t *c, size_t id)
{
    if (!c->open && !(c->open = calloc(OPEN_SLOTS, sizeof *c->open)))
        return NULL;
    open_part_t *o = &c->open[id % OPEN_SLOTS];
    if (o->id == id + 1)
        return &o->p;
    if (o->id && !part_close(c, o))
        return NULL;
    part_expand(c, id, &o->p);
    o->id = (uint32_t)id + 1;
    return &o->p;
}

static long find_part(mz_cells_t *c, const mz_record_t *rec, mz_error_t *err)
{
    /* slot of the part: the unit, or the stratum for records without one */
    const int32_t slot = rec->unit >= 0 ? rec->unit : -1 - rec->stratum;
    if (c->last_part >= 0 && slot == c->last_slot &&
        strcmp(rec->design_stratum, c->last_key) == 0 &&
        strcmp(rec->psu, c->last_key + c->last_sl + 1) == 0)
        return c->last_part;
    size_t sl = strlen(rec->design_stratum), pl = strlen(rec->psu);
    if (sl + pl + 2 > sizeof c->last_key)
        return mz_error_set(err, MZ_ERR_DATA, NULL, rec->line, "psu", rec->psu, "%s",
                            mz_tr("Kennung zu lang", "identifier too long")),
               -1;
    char key[sizeof c->last_key];
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
            np = realloc(c->psu_part, nc * sizeof *np);
            if (!np)
                goto nomem;
            c->psu_part = np;
            c->psu_cap = nc;
        }
        c->psu_dstratum[psu] = (uint32_t)ds;
        c->psu_part[psu] = NO_PART;
    }
    long id = -1;
    for (uint32_t i = c->psu_part[psu]; i != NO_PART; i = c->part_next[i]) {
        const part_rec_t *p = &c->parts[i];
        if ((p->unit >= 0 ? p->unit : -1 - p->stratum) == slot) {
            id = (long)i;
            break;
        }
    }
    if (id < 0) {
        if (c->nparts == c->parts_cap) {
            size_t nc = c->parts_cap ? c->parts_cap * 2 : 1024;
            part_rec_t *np = realloc(c->parts, nc * sizeof *np);
            if (!np)
                goto nomem;
            c->parts = np;
            uint32_t *nn = realloc(c->part_next, nc * sizeof *nn);
            if (!nn)
                goto nomem;
            c->part_next = nn;
            c->parts_cap = nc;
        }
        id = (long)c->nparts++;
        part_rec_t *p = &c->parts[id];
        p->psu = (uint32_t)psu;
        p->unit = rec->unit;
        p->stratum = rec->stratum;
        p->mask = 0;
        p->off = 0;
        c->part_next[id] = c->psu_part[psu];
        c->psu_part[psu] = (uint32_t)id;
    }
    c->last_part = id;
    c->last_slot = slot;
    c->last_sl = sl;
    memcpy(c->last_key, key, sl + 1 + pl);
    c->last_key[sl] = '\0';
    c->last_key[sl + 1 + pl] = '\0';
    return id;
nomem:
    mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
    return -1;
}

/* same_psu: the record's PSU and unit are those of the previous record added. */
static mz_status_t add_record(mz_cells_t *c, const mz_record_t *rec, bool same_psu,
                              mz_error_t *err);

mz_status_t mz_cells_add_record(mz_cells_t *c, const mz_record_t *rec, mz_error_t *err)
{
    return add_record(c, rec, false, err);
}

mz_status_t mz_cells_add_records(mz_cells_t *c, const mz_record_t *recs, size_t n,
                                 mz_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        const mz_record_t *r = &recs[i];
        /* the same strings at the same addresses within one array: the same PSU */
        const bool same = i > 0 && r->psu && r->psu == recs[i - 1].psu &&
                          r->design_stratum == recs[i - 1].design_stratum &&
                          r->unit == recs[i - 1].unit && r->stratum == recs[i - 1].stratum;
        mz_status_t st = add_record(c, r, same, err);
        if (st != MZ_OK)
            return st;
    }
    return MZ_OK;
}

/* The cell and (with design columns, else NULL) the open PSU part that a record adds to; the cell
 * is marked as having records. same_psu: the record's PSU and unit are those of the previous
 * record added. */
static mz_status_t record_target(mz_cells_t *c, const mz_record_t *rec, bool same_psu,
                                 mz_cell_t **cellp, mz_psu_part_t **partp, mz_error_t *err)
{
    if (c->finished && rec->psu && rec->design_stratum)
        return mz_error_set(err, MZ_ERR_INTERNAL, NULL, rec->line, NULL, NULL,
                            "record added after mz_cells_finish");
    mz_cell_t *cell;
    if (rec->unit >= 0) {
        cell = &c->unit[rec->unit];
        c->unit_present[rec->unit] = true;
    } else {
        cell = &c->stratum_only[rec->stratum];
        c->stratum_only_present[rec->stratum] = true;
    }
    cell->have = MZ_HAVE_ALL;
    c->dirty = true;
    *cellp = cell;
    *partp = NULL;
    if (!rec->psu || !rec->design_stratum) {
        c->design_all = false;
        return MZ_OK;
    }
    c->design_any = true;
    long p = same_psu && c->last_part >= 0 ? c->last_part : find_part(c, rec, err);
    if (p < 0)
        return err ? err->status : MZ_ERR_NOMEM;
    if (!(*partp = part_open(c, (size_t)p)))
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    return MZ_OK;
}

static mz_status_t add_record(mz_cells_t *c, const mz_record_t *rec, bool same_psu,
                              mz_error_t *err)
{
    mz_cell_t *cell;
    mz_psu_part_t *part;
    mz_status_t st = record_target(c, rec, same_psu, &cell, &part, err);
    if (st != MZ_OK)
        return st;
    const int g = rec->mig > 0 ? MZ_GRP_WITH : MZ_GRP_WITHOUT;
    const uint32_t ms = mz_record_measures(rec, c->band);
    /* Every measure gets the weight or +0.0: adding +0.0 leaves a sum as it is (no sum is ever
     * -0.0), so this is exactly adding to the record's measures only, without branches that the
     * mix of records makes unpredictable. */
    mz_row_add_masked(cell->w[g], rec->weight, ms);
    mz_row_count_masked(cell->n[g], ms);
    if (part)
        mz_row_add_masked(part->w[g], rec->weight, ms);
    c->records++;
    return MZ_OK;
}

mz_status_t mz_cells_rows(mz_cells_t *c, const mz_record_t *rec, mz_scan_rows_t *rows,
                          mz_error_t *err)
{
    mz_cell_t *cell;
    mz_psu_part_t *part;
    mz_status_t st = record_target(c, rec, false, &cell, &part, err);
    if (st != MZ_OK)
        return st;
    for (int g = 0; g < MZ_NGRP; g++) {
        rows->w[g] = cell->w[g];
        rows->n[g] = cell->n[g];
        rows->part[g] = part ? part->w[g] : NULL;
    }
    return MZ_OK;
}

void mz_cells_add_count(mz_cells_t *c, uint64_t records) { c->records += records; }

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

void mz_cells_finish(mz_cells_t *c)
{
    if (c->finished)
        return;
    c->npsu = c->psus.count;
    c->nds = c->dstrata.count;
    mz_strmap_finish(&c->psus);
    mz_strmap_finish(&c->dstrata);
    free(c->psu_part);
    free(c->part_next);
    c->psu_part = c->part_next = NULL;
    c->last_part = -1;
    c->finished = true;
}

bool mz_cells_has_design(const mz_cells_t *c) { return c->design_any && c->design_all; }
size_t mz_cells_psu_count(const mz_cells_t *c) { return c->finished ? c->npsu : c->psus.count; }
size_t mz_cells_design_stratum_count(const mz_cells_t *c)
{
    return c->finished ? c->nds : c->dstrata.count;
}
size_t mz_cells_psu_design_stratum(const mz_cells_t *c, size_t psu) { return c->psu_dstratum[psu]; }
size_t mz_cells_psu_part_count(const mz_cells_t *c) { return c->nparts; }
void mz_cells_psu_part_sums(const mz_cells_t *c, size_t i, uint32_t num, uint32_t den,
                            double out[2 * MZ_NGRP])
{
    for (int k = 0; k < 2 * MZ_NGRP; k++)
        out[k] = 0;
    const open_part_t *o = c->open ? &c->open[i % OPEN_SLOTS] : NULL;
    if (o && o->id == i + 1) {
        for (int g = 0; g < MZ_NGRP; g++)
            for (int m = 0; m < MZ_NMEAS; m++) {
                if ((num >> m) & 1u)
                    out[g] += o->p.w[g][m];
                if ((den >> m) & 1u)
                    out[MZ_NGRP + g] += o->p.w[g][m];
            }
        return;
    }
    /* the stored values in (group, measure) order; the absent ones are +0.0 and would not
     * change a sum */
    const part_rec_t *r = &c->parts[i];
    const double *v = r->mask ? c->vals + r->off : NULL;
    const uint32_t nsel = num | num << MZ_NMEAS, dsel = den | den << MZ_NMEAS;
    for (uint32_t m = r->mask; m; m &= m - 1) {
        const unsigned k = (unsigned)__builtin_ctz(m);
        const int g = k >= MZ_NMEAS;
        const double x = *v++;
        if ((nsel >> k) & 1u)
            out[g] += x;
        if ((dsel >> k) & 1u)
            out[MZ_NGRP + g] += x;
    }
}

void mz_cells_psu_part_get(const mz_cells_t *c, size_t i, mz_psu_part_t *out)
{
    const open_part_t *o = c->open ? &c->open[i % OPEN_SLOTS] : NULL;
    if (o && o->id == i + 1)
        *out = o->p;
    else
        part_expand(c, i, out);
}

const mz_psu_part_t *mz_cells_psu_part(const mz_cells_t *c, size_t i)
{
    const open_part_t *o = c->open ? &c->open[i % OPEN_SLOTS] : NULL;
    if (o && o->id == i + 1)
        return &o->p;
    mz_psu_part_t *s = &((mz_cells_t *)c)->scratch; /* a cache, not the cells' state */
    part_expand(c, i, s);
    return s;
}
