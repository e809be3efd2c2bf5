/* trend.c — years side by side: regions on common footprints, trend.csv and trend.xlsx.
 *
 * Footprints (docs/batch.md "Comparable regions"). Every unit of the gazetteer is described by
 * the finest pieces of territory ("atoms") it consists of:
 *  - a unit is its own atom, except
 *  - a whole that has parts in the gazetteer (Region Hannover: Stadt and Umland) consists of its
 *    parts, and
 *  - a territorial reform — in one stratum, units that end in year Y and units that begin in Y
 *    (03152 Göttingen and 03156 Osterode am Harz → 03159 Göttingen in 2016) — makes the side
 *    with more units the atoms: each unit of the other side consists of all of them.
 * Per indicator, two atoms belong to the same footprint when some year's published partition
 * puts them into one region (transitively). A footprint is thus the smallest territory that is
 * a union of published regions in every year. In a year it is either one published region
 * (comparability "same": the published values), several ("combined": recomputed for the
 * footprint from that year's cells under that year's rules, withheld whenever a part is
 * withheld, so that nothing withheld can be recovered by difference), or not fully covered by
 * the year's data ("partial": no values). */
#include "mzatlas/mz_batch.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xlsxwriter.h>

#include "../microcensus/util.h"
#include "mz_version.h"
#include "mzatlas/mz_output.h"
#include "mzatlas/mz_variance.h"

/* ---------------------------------------------------------------- definitions per year */

mz_mh_definition_t mz_mh_definition_for(int year) { return year <= 2016 ? MZ_MH_NARROW : MZ_MH_WIDE; }

const char *mz_mh_definition_id(mz_mh_definition_t d)
{
    return d == MZ_MH_NARROW ? "narrow" : d == MZ_MH_WIDE ? "wide" : "";
}

int mz_mh_definition_parse(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "narrow") == 0 || strcmp(s, "eng") == 0)
        return MZ_MH_NARROW;
    if (strcmp(s, "wide") == 0 || strcmp(s, "weit") == 0)
        return MZ_MH_WIDE;
    return -1;
}

const char *mz_mh_definition_note(mz_mh_definition_t d)
{
    if (d == MZ_MH_NARROW)
        return mz_tr("Migrationshintergrund im engeren Sinne (so im Mikrozensus bis 2016)",
                     "migration background in the narrow sense (Mikrozensus up to 2016)");
    if (d == MZ_MH_WIDE)
        return mz_tr("Migrationshintergrund im weiteren Sinne (so im Mikrozensus ab 2017): "
                     "Bruch in der Zeitreihe gegenüber den Jahren bis 2016",
                     "migration background in the wider sense (Mikrozensus from 2017): a break "
                     "in the series against the years up to 2016");
    return "";
}

const char *mz_comparability_id(mz_comparability_t c)
{
    return c == MZ_CMP_SAME ? "same" : c == MZ_CMP_COMBINED ? "combined" : "partial";
}

/* ---------------------------------------------------------------- the trend object */

typedef struct tyear {
    int year;
    mz_run_t *run;
    mz_mh_definition_t mh;
    mz_rules_t rules;
    mz_results_t *combined; /* estimates of the combined footprints (own) */
} tyear_t;

/* A footprint of one indicator and what each year has of it. */
typedef struct fp_year {
    const mz_region_t **parts; /* the year's published regions inside the footprint */
    size_t nparts;
    bool complete;             /* the parts cover every atom of the footprint */
    char *members;             /* the year's units, '+' */
    char *regions;             /* the parts' codes, ' ' */
} fp_year_t;

typedef struct footprint {
    char *code, *name;
    size_t root;               /* union-find root of its atoms */
    fp_year_t *y;              /* [nyears] */
} footprint_t;

typedef struct fp_set {
    footprint_t *fp;
    size_t n;
} fp_set_t;

struct mz_trend {
    tyear_t *years;
    size_t nyears;
    const mz_gazetteer_t *gz;
    mz_age_band_t band;
    fp_set_t fps[MZ_NIND];
    char **strata; /* stratum codes seen in any year, sorted */
    const char **strata_names;
    size_t nstrata;
    mz_trend_row_t *rows;
    size_t nrows, cap;
};

static mz_status_t nomem(mz_error_t *err)
{
    return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
}

static void fp_set_finish(fp_set_t *s, size_t nyears)
{
    for (size_t i = 0; i < s->n; i++) {
        footprint_t *f = &s->fp[i];
        for (size_t y = 0; f->y && y < nyears; y++) {
            free(f->y[y].parts);
            free(f->y[y].members);
            free(f->y[y].regions);
        }
        free(f->y);
        free(f->code);
        free(f->name);
    }
    free(s->fp);
    s->fp = NULL;
    s->n = 0;
}

void mz_trend_destroy(mz_trend_t *t)
{
    if (!t)
        return;
    for (int i = 0; i < MZ_NIND; i++)
        fp_set_finish(&t->fps[i], t->nyears);
    for (size_t y = 0; y < t->nyears; y++)
        mz_results_destroy(t->years[y].combined);
    free(t->years);
    for (size_t s = 0; s < t->nstrata; s++)
        free(t->strata[s]);
    free(t->strata);
    free(t->strata_names);
    free(t->rows);
    free(t);
}

/* ---------------------------------------------------------------- atoms */

/* atoms[u * nu + a] != 0: unit u contains atom a. */
static unsigned char *build_atoms(const mz_gazetteer_t *gz)
{
    size_t nu = mz_gazetteer_count(gz);
    unsigned char *am = calloc(nu > 0 ? nu * nu : 1, 1);
    if (!am)
        return NULL;
    for (size_t u = 0; u < nu; u++)
        am[u * nu + u] = 1;
    /* a whole with parts consists of its parts */
    for (size_t u = 0; u < nu; u++) {
        const mz_unit_t *w = mz_gazetteer_unit(gz, u);
        bool parts = false;
        for (size_t p = 0; p < nu; p++) {
            const mz_unit_t *c = mz_gazetteer_unit(gz, p);
            if (p != u && c->parent && strcmp(c->parent, w->ags) == 0) {
                am[u * nu + p] = 1;
                parts = true;
            }
        }
        if (parts)
            am[u * nu + u] = 0;
    }
    /* territorial reforms: units ending and units beginning in the same year and stratum */
    for (size_t e = 0; e < nu; e++) {
        const mz_unit_t *ue = mz_gazetteer_unit(gz, e);
        if (ue->valid_to <= 0)
            continue;
        /* handle each (year, stratum) once: at its first ending unit */
        bool first = true;
        for (size_t k = 0; k < e && first; k++) {
            const mz_unit_t *uk = mz_gazetteer_unit(gz, k);
            first = !(uk->valid_to == ue->valid_to && strcmp(uk->schicht, ue->schicht) == 0);
        }
        if (!first)
            continue;
        size_t nold = 0, nnew = 0;
        for (size_t k = 0; k < nu; k++) {
            const mz_unit_t *uk = mz_gazetteer_unit(gz, k);
            if (strcmp(uk->schicht, ue->schicht) != 0)
                continue;
            nold += uk->valid_to == ue->valid_to;
            nnew += uk->valid_from == ue->valid_to;
        }
        if (nnew == 0)
            continue;
        bool old_are_atoms = nold >= nnew;
        for (size_t k = 0; k < nu; k++) {
            const mz_unit_t *uk = mz_gazetteer_unit(gz, k);
            if (strcmp(uk->schicht, ue->schicht) != 0)
                continue;
            bool is_old = uk->valid_to == ue->valid_to, is_new = uk->valid_from == ue->valid_to;
            if (old_are_atoms ? !is_new : !is_old)
                continue;
            /* unit k consists of the atoms of every unit on the other side */
            memset(am + k * nu, 0, nu);
            for (size_t o = 0; o < nu; o++) {
                const mz_unit_t *uo = mz_gazetteer_unit(gz, o);
                if (strcmp(uo->schicht, ue->schicht) != 0)
                    continue;
                bool other = old_are_atoms ? uo->valid_to == ue->valid_to
                                           : uo->valid_from == ue->valid_to;
                if (!other)
                    continue;
                for (size_t a = 0; a < nu; a++)
                    am[k * nu + a] |= am[o * nu + a];
            }
        }
    }
    return am;
}

static size_t uf_find(size_t *uf, size_t a)
{
    while (uf[a] != a) {
        uf[a] = uf[uf[a]];
        a = uf[a];
    }
    return a;
}

static void uf_join(size_t *uf, size_t a, size_t b)
{
    a = uf_find(uf, a);
    b = uf_find(uf, b);
    if (a != b) /* the smaller index is the root: independent of the order of joins */
        uf[a > b ? a : b] = a < b ? a : b;
}

/* First atom of a region (every atom of a region has the same root). */
static long region_atom(const mz_region_t *r, const unsigned char *am, size_t nu)
{
    for (size_t i = 0; i < r->nunits; i++)
        for (size_t a = 0; a < nu; a++)
            if (am[(size_t)r->units[i] * nu + a])
                return (long)a;
    return -1;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Units sorted by AGS, joined: codes with '+', short names with '/'. */
static char *join_units(const mz_gazetteer_t *gz, int *units, size_t n, bool names)
{
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
    mz_str_t b = {0};
    for (size_t i = 0; i < n; i++) {
        const mz_unit_t *u = mz_gazetteer_unit(gz, (size_t)units[i]);
        if ((i && !mz_str_append(&b, names ? "/" : "+")) ||
            !mz_str_append(&b, names ? u->short_name : u->ags)) {
            mz_str_free(&b);
            return NULL;
        }
    }
    return mz_str_take(&b);
}

/* Units of a footprint's parts in a year (malloc'd, *n set). */
static int *part_units(const fp_year_t *fy, size_t *n)
{
    size_t k = 0;
    for (size_t p = 0; p < fy->nparts; p++)
        k += fy->parts[p]->nunits;
    int *u = malloc((k ? k : 1) * sizeof *u);
    if (!u)
        return NULL;
    k = 0;
    for (size_t p = 0; p < fy->nparts; p++)
        for (size_t i = 0; i < fy->parts[p]->nunits; i++)
            u[k++] = fy->parts[p]->units[i];
    *n = k;
    return u;
}

static int cmp_footprint(const void *a, const void *b)
{
    const footprint_t *x = a, *y = b;
    return strcmp(x->code, y->code);
}

static int cmp_part(const void *a, const void *b)
{
    const mz_region_t *x = *(const mz_region_t *const *)a, *y = *(const mz_region_t *const *)b;
    return strcmp(x->code, y->code);
}

/* The footprints of one indicator. */
static mz_status_t build_footprints(mz_trend_t *t, mz_indicator_t ind, const unsigned char *am,
                                    mz_error_t *err)
{
    const size_t nu = mz_gazetteer_count(t->gz), ny = t->nyears;
    fp_set_t *set = &t->fps[ind];
    size_t *uf = malloc((nu ? nu : 1) * sizeof *uf);
    unsigned char *present = calloc(nu ? nu : 1, 1);
    long *fp_of_root = malloc((nu ? nu : 1) * sizeof *fp_of_root);
    unsigned char *covered = NULL;
    if (!uf || !present || !fp_of_root)
        goto nomem;
    for (size_t a = 0; a < nu; a++) {
        uf[a] = a;
        fp_of_root[a] = -1;
    }
    for (size_t y = 0; y < ny; y++) {
        const mz_partition_t *part = mz_results_partition(mz_run_results(t->years[y].run), ind);
        for (size_t r = 0; r < part->count; r++) {
            const mz_region_t *reg = &part->regions[r];
            long first = region_atom(reg, am, nu);
            if (first < 0)
                continue;
            for (size_t i = 0; i < reg->nunits; i++)
                for (size_t a = 0; a < nu; a++)
                    if (am[(size_t)reg->units[i] * nu + a]) {
                        uf_join(uf, (size_t)first, a);
                        present[a] = 1;
                    }
        }
    }
    for (size_t a = 0; a < nu; a++) {
        if (!present[a] || fp_of_root[uf_find(uf, a)] >= 0)
            continue;
        footprint_t *nf = realloc(set->fp, (set->n + 1) * sizeof *nf);
        if (!nf)
            goto nomem;
        set->fp = nf;
        footprint_t *f = &set->fp[set->n];
        memset(f, 0, sizeof *f);
        f->root = uf_find(uf, a);
        fp_of_root[f->root] = (long)set->n++;
        if (!(f->y = calloc(ny, sizeof *f->y)))
            goto nomem;
    }
    /* the parts of each footprint in each year */
    for (size_t y = 0; y < ny; y++) {
        const mz_partition_t *part = mz_results_partition(mz_run_results(t->years[y].run), ind);
        for (size_t r = 0; r < part->count; r++) {
            const mz_region_t *reg = &part->regions[r];
            long first = region_atom(reg, am, nu);
            if (first < 0)
                continue;
            fp_year_t *fy = &set->fp[fp_of_root[uf_find(uf, (size_t)first)]].y[y];
            const mz_region_t **np = realloc(fy->parts, (fy->nparts + 1) * sizeof *np);
            if (!np)
                goto nomem;
            fy->parts = np;
            fy->parts[fy->nparts++] = reg;
        }
    }
    covered = malloc(nu ? nu : 1);
    if (!covered)
        goto nomem;
    for (size_t i = 0; i < set->n; i++) {
        footprint_t *f = &set->fp[i];
        for (size_t y = 0; y < ny; y++) {
            fp_year_t *fy = &f->y[y];
            qsort(fy->parts, fy->nparts, sizeof *fy->parts, cmp_part);
            memset(covered, 0, nu);
            for (size_t p = 0; p < fy->nparts; p++)
                for (size_t k = 0; k < fy->parts[p]->nunits; k++)
                    for (size_t a = 0; a < nu; a++)
                        covered[a] |= am[(size_t)fy->parts[p]->units[k] * nu + a];
            fy->complete = fy->nparts > 0;
            for (size_t a = 0; a < nu && fy->complete; a++)
                if (present[a] && uf_find(uf, a) == f->root && !covered[a])
                    fy->complete = false;
            size_t n = 0;
            int *units = part_units(fy, &n);
            mz_str_t codes = {0};
            for (size_t p = 0; units && p < fy->nparts; p++)
                if ((p && !mz_str_append(&codes, " ")) ||
                    !mz_str_append(&codes, fy->parts[p]->code)) {
                    free(units);
                    units = NULL;
                }
            fy->members = units ? join_units(t->gz, units, n, false) : NULL;
            fy->regions = units ? mz_str_take(&codes) : NULL;
            mz_str_free(&codes);
            free(units);
            if (!fy->members || !fy->regions)
                goto nomem;
        }
        /* named after the latest year that covers it (or has any of it) */
        size_t label = ny;
        for (size_t y = ny; y-- > 0 && label == ny;)
            if (f->y[y].complete)
                label = y;
        for (size_t y = ny; y-- > 0 && label == ny;)
            if (f->y[y].nparts)
                label = y;
        size_t n = 0;
        int *units = part_units(&f->y[label], &n);
        if (!units)
            goto nomem;
        f->code = join_units(t->gz, units, n, false);
        /* names as valid in that year (units can be renamed, e.g. 03358 in 2011) */
        f->name = f->y[label].nparts == 1
                      ? mz_strdup(f->y[label].parts[0]->name)
                      : join_units(mz_run_gazetteer(t->years[label].run), units, n, true);
        free(units);
        if (!f->code || !f->name)
            goto nomem;
    }
    qsort(set->fp, set->n, sizeof *set->fp, cmp_footprint);
    free(uf);
    free(present);
    free(fp_of_root);
    free(covered);
    return MZ_OK;
nomem:
    free(uf);
    free(present);
    free(fp_of_root);
    free(covered);
    return nomem(err);
}

/* Estimates of the combined footprints of one year: one partition per indicator holding the
 * footprints that join several published regions, estimated and given standard errors exactly
 * like the published regions (design-based when the data have a design). */
static mz_status_t build_combined(mz_trend_t *t, size_t y, mz_error_t *err)
{
    tyear_t *ty = &t->years[y];
    mz_partition_t parts[MZ_NIND];
    memset(parts, 0, sizeof parts);
    mz_status_t st = MZ_OK;
    for (int i = 0; i < MZ_NIND && st == MZ_OK; i++) {
        const fp_set_t *set = &t->fps[i];
        size_t n = 0;
        for (size_t f = 0; f < set->n; f++)
            n += set->fp[f].y[y].complete && set->fp[f].y[y].nparts > 1;
        if (!n)
            continue;
        if (!(parts[i].regions = calloc(n, sizeof *parts[i].regions))) {
            st = nomem(err);
            break;
        }
        for (size_t f = 0; f < set->n && st == MZ_OK; f++) {
            const fp_year_t *fy = &set->fp[f].y[y];
            if (!fy->complete || fy->nparts < 2)
                continue;
            size_t nunits = 0;
            int *units = part_units(fy, &nunits);
            if (!units) {
                st = nomem(err);
                break;
            }
            st = mz_region_init_units(&parts[i].regions[parts[i].count], t->gz, units, nunits,
                                      err);
            free(units);
            if (st == MZ_OK)
                parts[i].count++;
        }
    }
    if (st != MZ_OK) {
        for (int i = 0; i < MZ_NIND; i++)
            mz_partition_finish(&parts[i]);
        return st;
    }
    ty->combined = mz_results_build(mz_run_cells(ty->run), parts, &ty->rules, err);
    if (!ty->combined)
        return err ? err->status : MZ_ERR_NOMEM;
    /* only design-based standard errors can be formed again (the approximation needs the
     * squared weights of the records, which the run keeps to itself) */
    return mz_variance_compute(ty->combined, NULL, &mz_run_options(ty->run)->variance, NULL, err);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static mz_status_t collect_strata(mz_trend_t *t, mz_error_t *err)
{
    for (size_t y = 0; y < t->nyears; y++) {
        const mz_results_t *res = mz_run_results(t->years[y].run);
        for (size_t s = 0; s < mz_results_strata_count(res); s++) {
            const char *code = mz_results_stratum(res, s)->code;
            bool seen = false;
            for (size_t k = 0; k < t->nstrata && !seen; k++)
                seen = strcmp(t->strata[k], code) == 0;
            if (seen)
                continue;
            char **ns = realloc(t->strata, (t->nstrata + 1) * sizeof *ns);
            if (!ns)
                return nomem(err);
            t->strata = ns;
            if (!(t->strata[t->nstrata] = mz_strdup(code)))
                return nomem(err);
            t->nstrata++;
        }
    }
    qsort(t->strata, t->nstrata, sizeof *t->strata, cmp_str);
    /* names from the latest year that has the stratum */
    if (!(t->strata_names = calloc(t->nstrata ? t->nstrata : 1, sizeof *t->strata_names)))
        return nomem(err);
    for (size_t k = 0; k < t->nstrata; k++) {
        t->strata_names[k] = t->strata[k];
        for (size_t y = 0; y < t->nyears; y++) {
            const mz_results_t *res = mz_run_results(t->years[y].run);
            for (size_t s = 0; s < mz_results_strata_count(res); s++)
                if (strcmp(mz_results_stratum(res, s)->code, t->strata[k]) == 0)
                    t->strata_names[k] = mz_results_stratum(res, s)->name;
        }
    }
    return MZ_OK;
}

/* ---------------------------------------------------------------- rows */

static mz_trend_row_t *new_row(mz_trend_t *t, size_t y, mz_indicator_t ind, mz_level_t level,
                               const char *code, const char *name, mz_group_t g,
                               mz_error_t *err)
{
    if (t->nrows == t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 1024;
        mz_trend_row_t *nr = realloc(t->rows, nc * sizeof *nr);
        if (!nr) {
            nomem(err);
            return NULL;
        }
        t->rows = nr;
        t->cap = nc;
    }
    mz_trend_row_t *r = &t->rows[t->nrows++];
    memset(r, 0, sizeof *r);
    r->year = t->years[y].year;
    r->ind = ind;
    r->level = level;
    r->region = code;
    r->name = name;
    r->year_members = "";
    r->year_regions = "";
    r->group = g;
    r->estimate = r->se = NAN;
    r->symbol = MZ_SYM_NONE;
    r->cmp = MZ_CMP_PARTIAL;
    r->mh = t->years[y].mh;
    return r;
}

/* Fill a row from a published (or recomputed) estimate. */
static void take_estimate(mz_trend_row_t *r, const mz_estimate_t *e, mz_symbol_t worst_part)
{
    mz_symbol_t sym = mz_symbol_worst(e->p.symbol, worst_part);
    r->symbol = sym;
    if (!e->p.known || mz_symbol_withheld(sym) || !isfinite(e->p.estimate))
        return;
    r->estimate = e->p.estimate;
    r->se = isfinite(e->se) ? e->se : NAN;
}

/* Worst withheld symbol among the published parts of a combined footprint for group g (the gap
 * also looks at the two rates it is made of). */
static mz_symbol_t parts_withheld(const mz_results_t *res, mz_indicator_t ind,
                                  const fp_year_t *fy, mz_group_t g)
{
    mz_symbol_t worst = MZ_SYM_NONE;
    mz_group_t gs[3] = {g, MZ_G_WITH, MZ_G_WITHOUT};
    size_t ng = g == MZ_G_GAP ? 3 : 1;
    for (size_t p = 0; p < fy->nparts; p++)
        for (size_t k = 0; k < ng; k++) {
            const mz_estimate_t *e =
                mz_results_find(res, ind, MZ_LEVEL_REGION, fy->parts[p]->code, gs[k]);
            if (!e)
                return MZ_SYM_WITHHELD;
            if (mz_symbol_withheld(e->p.symbol))
                worst = mz_symbol_worst(worst, e->p.symbol);
        }
    return worst;
}

static mz_status_t emit_fixed(mz_trend_t *t, mz_indicator_t ind, mz_level_t level,
                              const char *code, const char *name, mz_group_t g, mz_error_t *err)
{
    for (size_t y = 0; y < t->nyears; y++) {
        const mz_results_t *res = mz_run_results(t->years[y].run);
        const mz_estimate_t *e = mz_results_find(res, ind, level, code, g);
        mz_trend_row_t *r = new_row(t, y, ind, level, code, name, g, err);
        if (!r)
            return MZ_ERR_NOMEM;
        if (!e || !e->p.known)
            continue;
        r->cmp = MZ_CMP_SAME;
        r->year_members = level == MZ_LEVEL_LAND ? "" : e->region->members;
        r->year_regions = e->region->code;
        take_estimate(r, e, MZ_SYM_NONE);
    }
    return MZ_OK;
}

static mz_status_t emit_footprint(mz_trend_t *t, mz_indicator_t ind, const footprint_t *f,
                                  mz_group_t g, mz_error_t *err)
{
    for (size_t y = 0; y < t->nyears; y++) {
        const fp_year_t *fy = &f->y[y];
        const mz_results_t *res = mz_run_results(t->years[y].run);
        mz_trend_row_t *r = new_row(t, y, ind, MZ_LEVEL_REGION, f->code, f->name, g, err);
        if (!r)
            return MZ_ERR_NOMEM;
        r->year_members = fy->members;
        r->year_regions = fy->regions;
        if (!fy->complete)
            continue;
        const mz_estimate_t *e;
        if (fy->nparts == 1) {
            e = mz_results_find(res, ind, MZ_LEVEL_REGION, fy->parts[0]->code, g);
            if (e && e->p.known) {
                r->cmp = MZ_CMP_SAME;
                take_estimate(r, e, MZ_SYM_NONE);
            }
        } else {
            e = mz_results_find(t->years[y].combined, ind, MZ_LEVEL_REGION, fy->members, g);
            if (e && e->p.known) {
                r->cmp = MZ_CMP_COMBINED;
                take_estimate(r, e, parts_withheld(res, ind, fy, g));
            }
        }
    }
    return MZ_OK;
}

static mz_status_t build_rows(mz_trend_t *t, mz_error_t *err)
{
    static const mz_group_t grouped[] = {MZ_G_WITH, MZ_G_WITHOUT, MZ_G_ALL, MZ_G_GAP};
    static const mz_group_t single[] = {MZ_G_ALL};
    for (int i = 0; i < MZ_NIND; i++) {
        mz_indicator_t ind = (mz_indicator_t)i;
        bool has = mz_indicator_has_groups(ind);
        const mz_group_t *gs = has ? grouped : single;
        size_t ng = has ? 4 : 1;
        const char *land = mz_results_land(mz_run_results(t->years[0].run))->name;
        for (size_t k = 0; k < ng; k++)
            if (emit_fixed(t, ind, MZ_LEVEL_LAND, MZ_LAND_CODE, land, gs[k], err) != MZ_OK)
                return MZ_ERR_NOMEM;
        for (size_t s = 0; s < t->nstrata; s++)
            for (size_t k = 0; k < ng; k++)
                if (emit_fixed(t, ind, MZ_LEVEL_SCHICHT, t->strata[s], t->strata_names[s], gs[k],
                               err) != MZ_OK)
                    return MZ_ERR_NOMEM;
        for (size_t f = 0; f < t->fps[i].n; f++)
            for (size_t k = 0; k < ng; k++)
                if (emit_footprint(t, ind, &t->fps[i].fp[f], gs[k], err) != MZ_OK)
                    return MZ_ERR_NOMEM;
    }
    return MZ_OK;
}

static int cmp_tyear(const void *a, const void *b)
{
    return cmp_int(&((const tyear_t *)a)->year, &((const tyear_t *)b)->year);
}

mz_trend_t *mz_trend_build(const mz_trend_year_t *years, size_t n, mz_error_t *err)
{
    if (n == 0 || !years) {
        mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL, "%s",
                     mz_tr("keine Jahre für die Zeitreihe", "no years for the trend"));
        return NULL;
    }
    mz_trend_t *t = calloc(1, sizeof *t);
    unsigned char *am = NULL;
    if (!t || !(t->years = calloc(n, sizeof *t->years)))
        goto nomem;
    t->nyears = n;
    for (size_t i = 0; i < n; i++) {
        tyear_t *ty = &t->years[i];
        ty->year = years[i].year;
        ty->run = years[i].run;
        ty->mh = years[i].mh != MZ_MH_DEFAULT ? years[i].mh : mz_mh_definition_for(ty->year);
        if (!ty->run || !mz_run_results(ty->run)) {
            mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL,
                         mz_tr("Jahr %d ist nicht berechnet", "year %d has not been computed"),
                         ty->year);
            goto fail;
        }
        ty->rules = *mz_results_rules(mz_run_results(ty->run));
    }
    qsort(t->years, n, sizeof *t->years, cmp_tyear);
    for (size_t i = 1; i < n; i++)
        if (t->years[i].year == t->years[i - 1].year) {
            mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL,
                         mz_tr("Jahr %d doppelt", "year %d given twice"), t->years[i].year);
            goto fail;
        }
    t->gz = mz_run_gazetteer(t->years[0].run);
    t->band = mz_run_options(t->years[0].run)->band;
    for (size_t i = 1; i < n; i++)
        if (mz_gazetteer_count(mz_run_gazetteer(t->years[i].run)) != mz_gazetteer_count(t->gz)) {
            mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL, "%s",
                         mz_tr("alle Jahre brauchen dasselbe Gemeindeverzeichnis",
                               "every year needs the same gazetteer"));
            goto fail;
        }
    if (!(am = build_atoms(t->gz)))
        goto nomem;
    for (int i = 0; i < MZ_NIND; i++)
        if (build_footprints(t, (mz_indicator_t)i, am, err) != MZ_OK)
            goto fail;
    for (size_t y = 0; y < n; y++)
        if (build_combined(t, y, err) != MZ_OK)
            goto fail;
    if (collect_strata(t, err) != MZ_OK || build_rows(t, err) != MZ_OK)
        goto fail;
    free(am);
    return t;
nomem:
    nomem(err);
fail:
    free(am);
    mz_trend_destroy(t);
    return NULL;
}

size_t mz_trend_count(const mz_trend_t *t) { return t->nrows; }
const mz_trend_row_t *mz_trend_row(const mz_trend_t *t, size_t i) { return &t->rows[i]; }
size_t mz_trend_year_count(const mz_trend_t *t) { return t->nyears; }
int mz_trend_year(const mz_trend_t *t, size_t i) { return t->years[i].year; }
mz_mh_definition_t mz_trend_mh(const mz_trend_t *t, size_t i) { return t->years[i].mh; }
const mz_rules_t *mz_trend_rules(const mz_trend_t *t, size_t i) { return &t->years[i].rules; }
bool mz_trend_synthetic(const mz_trend_t *t, size_t i) { return mz_run_synthetic(t->years[i].run); }
const char *mz_trend_source(const mz_trend_t *t, size_t i) { return mz_run_source(t->years[i].run); }
mz_age_band_t mz_trend_band(const mz_trend_t *t) { return t->band; }
size_t mz_trend_footprint_count(const mz_trend_t *t, mz_indicator_t ind) { return t->fps[ind].n; }
const char *mz_trend_footprint_code(const mz_trend_t *t, mz_indicator_t ind, size_t i)
{
    return t->fps[ind].fp[i].code;
}
const char *mz_trend_footprint_name(const mz_trend_t *t, mz_indicator_t ind, size_t i)
{
    return t->fps[ind].fp[i].name;
}

const mz_trend_row_t *mz_trend_find(const mz_trend_t *t, int year, mz_indicator_t ind,
                                    mz_level_t level, const char *region, mz_group_t g)
{
    for (size_t i = 0; i < t->nrows; i++) {
        const mz_trend_row_t *r = &t->rows[i];
        if (r->year == year && r->ind == ind && r->level == level && r->group == g &&
            strcmp(r->region, region) == 0)
            return r;
    }
    return NULL;
}

/* ---------------------------------------------------------------- trend.csv */

mz_status_t mz_trend_write_csv(const mz_trend_t *t, FILE *f, mz_error_t *err)
{
    fputs("year,indicator,level,region,region_name,year_members,year_regions,group,estimate,se,"
          "symbol,comparability,mh_definition\n",
          f);
    for (size_t i = 0; i < t->nrows; i++) {
        const mz_trend_row_t *r = &t->rows[i];
        char year[16], est[40], se[40];
        snprintf(year, sizeof year, "%d", r->year);
        mz_format_number(r->estimate, est, sizeof est);
        mz_format_number(r->se, se, sizeof se);
        mz_csv_put_field(f, year, false);
        mz_csv_put_field(f, mz_indicator_id(r->ind), false);
        mz_csv_put_field(f, mz_level_id(r->level), false);
        mz_csv_put_field(f, r->region, false);
        mz_csv_put_field(f, r->name, false);
        mz_csv_put_field(f, r->year_members, false);
        mz_csv_put_field(f, r->year_regions, false);
        mz_csv_put_field(f, mz_group_id(r->group), false);
        mz_csv_put_field(f, est, false);
        mz_csv_put_field(f, se, false);
        mz_csv_put_field(f, mz_symbol_str(r->symbol), false);
        mz_csv_put_field(f, mz_comparability_id(r->cmp), false);
        mz_csv_put_field(f, mz_mh_definition_id(r->mh), true);
    }
    if (ferror(f))
        return mz_error_set(err, MZ_ERR_IO, "trend.csv", 0, NULL, NULL, "%s",
                            mz_tr("Schreibfehler", "write error"));
    return MZ_OK;
}

/* ---------------------------------------------------------------- trend.xlsx */

typedef struct txl {
    lxw_workbook *wb;
    lxw_error first;
    lxw_format *title, *bold, *head, *text, *wrap, *num, *num_br, *flag, *flag_br, *comb,
        *comb_br, *mark, *se;
} txl_t;

static void lx(txl_t *x, lxw_error e)
{
    if (e != LXW_NO_ERROR && x->first == LXW_NO_ERROR)
        x->first = e;
}

static long days_before_year(int y)
{
    long d = 0;
    for (int k = 1970; k < y; k++)
        d += (k % 4 == 0 && (k % 100 != 0 || k % 400 == 0)) ? 366 : 365;
    return d;
}

/* Creation date of the workbook: SOURCE_DATE_EPOCH, else 1 January after the last year. */
static time_t trend_time(const mz_trend_t *t)
{
    const char *env = getenv("SOURCE_DATE_EPOCH");
    long v;
    if (env && *env && mz_parse_long(env, &v) && v >= 0)
        return (time_t)v;
    int last = t->years[t->nyears - 1].year;
    return (time_t)(days_before_year(last + 1 > 1970 ? last + 1 : 1970) * 86400L);
}

static void put_value(txl_t *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col,
                      const mz_trend_row_t *r, double flag)
{
    if (!r || r->cmp == MZ_CMP_PARTIAL) {
        lx(x, worksheet_write_string(ws, row, col, "x", x->mark));
        return;
    }
    if (mz_symbol_withheld(r->symbol)) {
        lx(x, worksheet_write_string(ws, row, col, r->symbol == MZ_SYM_SECRET ? "." : "/",
                                     x->mark));
        return;
    }
    if (!isfinite(r->estimate)) {
        lx(x, worksheet_write_string(ws, row, col, "x", x->mark));
        return;
    }
    double v = mz_round1(r->estimate);
    bool br = r->symbol == MZ_SYM_LIMITED;
    bool flagged = r->ind == MZ_IND_UNEMPLOYMENT_RATE && r->group == MZ_G_GAP &&
                   r->level == MZ_LEVEL_REGION && v >= flag;
    lxw_format *fm = flagged ? (br ? x->flag_br : x->flag)
                   : r->cmp == MZ_CMP_COMBINED ? (br ? x->comb_br : x->comb)
                                               : (br ? x->num_br : x->num);
    lx(x, worksheet_write_number(ws, row, col, v, fm));
}

static const char *group_label(mz_group_t g)
{
    switch (g) {
    case MZ_G_WITH: return mz_tr("mit MH", "with MB");
    case MZ_G_WITHOUT: return mz_tr("ohne MH", "without MB");
    case MZ_G_ALL: return mz_tr("insgesamt", "all");
    default: return mz_tr("Differenz", "gap");
    }
}

static const char *cmp_label(mz_comparability_t c)
{
    switch (c) {
    case MZ_CMP_SAME: return mz_tr("wie veröffentlicht", "as published");
    case MZ_CMP_COMBINED: return mz_tr("zusammengefasst", "combined");
    default: return mz_tr("nicht vergleichbar", "not comparable");
    }
}

static void legend_lines(txl_t *x, lxw_worksheet *ws, lxw_row_t *row, const mz_trend_t *t)
{
    char buf[700];
    snprintf(buf, sizeof buf, "%s",
             mz_tr("/ Zahlenwert nicht sicher genug; . geheim; ( ) Aussagewert eingeschränkt; "
                   "x nicht vergleichbar (die Daten des Jahres decken die Region nicht ganz ab).",
                   "/ not reliable enough; . secret; ( ) limited reliability; x not comparable "
                   "(the year's data do not cover the whole region)."));
    lx(x, worksheet_write_string(ws, (*row)++, 0, buf, x->text));
    lx(x, worksheet_write_string(
              ws, (*row)++, 0,
              mz_tr("Kursiv: Region auf gemeinsamem Gebietsstand aus mehreren im Jahr "
                    "veröffentlichten Regionen zusammengefasst und neu berechnet "
                    "(docs/batch.md).",
                    "Italic: region on a common footprint, combined from several regions "
                    "published in that year and computed anew (docs/batch.md)."),
              x->text));
    for (size_t y = 0; y < t->nyears; y++) {
        char a[32], b[32];
        mz_format_number(t->years[y].rules.gap_flag, a, sizeof a);
        mz_format_number(t->years[y].rules.min_count, b, sizeof b);
        snprintf(buf, sizeof buf,
                 mz_tr("%d: %s; Handlungsbedarf ab %s Prozentpunkten; nicht veröffentlicht "
                       "unter %s Personen",
                       "%d: %s; action needed from %s percentage points; not published below "
                       "%s persons"),
                 t->years[y].year, mz_mh_definition_note(t->years[y].mh), a, b);
        lx(x, worksheet_write_string(ws, (*row)++, 0, buf, x->text));
    }
}

void mz_trend_source_line(const mz_trend_t *t, char *buf, size_t size)
{
    /* years without a source of their own are Mikrozensus years of the statistical offices */
    size_t o = (size_t)snprintf(buf, size, "%s ", mz_tr("Quelle:", "Source:"));
    size_t plain = 0;
    for (size_t y = 0; y < t->nyears && o < size; y++)
        if (!mz_run_source(t->years[y].run)[0] && !mz_run_synthetic(t->years[y].run))
            o += (size_t)snprintf(buf + o, size - o, "%s%d",
                                  plain++ ? ", "
                                          : mz_tr("Statistische Ämter des Bundes und der Länder, "
                                                  "Mikrozensus ",
                                                  "Federal Statistical Office and statistical "
                                                  "offices of the Länder, Mikrozensus "),
                                  t->years[y].year);
    for (size_t y = 0; y < t->nyears && o < size; y++)
        if (mz_run_source(t->years[y].run)[0])
            o += (size_t)snprintf(buf + o, size - o, "%s%d: %s", o > 8 ? "; " : "",
                                  t->years[y].year, mz_run_source(t->years[y].run));
    /* synthetic years are no Mikrozensus data: no office is named as their source */
    size_t synth = 0;
    for (size_t y = 0; y < t->nyears && o < size; y++)
        if (!mz_run_source(t->years[y].run)[0] && mz_run_synthetic(t->years[y].run))
            o += (size_t)snprintf(buf + o, size - o, "%s%d",
                                  synth++ ? ", "
                                  : o > 8 ? mz_tr("; synthetische Stichproben (künstliche Datensätze) ",
                                                  "; synthetic samples (artificial records) ")
                                          : mz_tr("synthetische Stichproben (künstliche Datensätze) ",
                                                  "synthetic samples (artificial records) "),
                                  t->years[y].year);
    if (o < size)
        snprintf(buf + o, size - o, "; %s", mz_tr("eigene Berechnungen", "own calculations"));
}

static void sheet_gap(txl_t *x, const mz_trend_t *t, const char *chart_png)
{
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, mz_tr("Trend", "Trend"));
    if (!ws) {
        lx(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    char buf[700], band[64];
    if (t->band.lo <= 0 && t->band.hi >= 120)
        snprintf(band, sizeof band, "%s", mz_tr("alle Altersjahre", "all ages"));
    else
        snprintf(band, sizeof band, mz_tr("%d bis %d Jahre", "aged %d to %d"), t->band.lo,
                 t->band.hi);
    snprintf(buf, sizeof buf,
             mz_tr("Differenz der Erwerbslosenquoten (mit minus ohne Migrationshintergrund), "
                   "%d–%d",
                   "Gap in unemployment rates (with minus without migration background), %d–%d"),
             t->years[0].year, t->years[t->nyears - 1].year);
    lx(x, worksheet_write_string(ws, 0, 0, buf, x->title));
    snprintf(buf, sizeof buf,
             mz_tr("Prozentpunkte, %s; Regionen auf gemeinsamem Gebietsstand; hervorgehoben: "
                   "Handlungsbedarf",
                   "percentage points, %s; regions on a common footprint; highlighted: action "
                   "needed"),
             band);
    lx(x, worksheet_write_string(ws, 1, 0, buf, x->text));
    lxw_row_t row = 3;
    lx(x, worksheet_write_string(ws, row, 0, mz_tr("Region", "Region"), x->head));
    lx(x, worksheet_write_string(ws, row, 1, mz_tr("Name", "Name"), x->head));
    for (size_t y = 0; y < t->nyears; y++)
        lx(x, worksheet_write_number(ws, row, (lxw_col_t)(2 + y), t->years[y].year, x->head));
    row++;
    const mz_indicator_t ind = MZ_IND_UNEMPLOYMENT_RATE;
    const char *land_name = mz_results_land(mz_run_results(t->years[0].run))->name;
    lx(x, worksheet_write_string(ws, row, 0, MZ_LAND_CODE, x->bold));
    lx(x, worksheet_write_string(ws, row, 1, land_name, x->bold));
    for (size_t y = 0; y < t->nyears; y++)
        put_value(x, ws, row, (lxw_col_t)(2 + y),
                  mz_trend_find(t, t->years[y].year, ind, MZ_LEVEL_LAND, MZ_LAND_CODE, MZ_G_GAP),
                  t->years[y].rules.gap_flag);
    row++;
    for (size_t f = 0; f < t->fps[ind].n; f++, row++) {
        const footprint_t *fp = &t->fps[ind].fp[f];
        lx(x, worksheet_write_string(ws, row, 0, fp->code, x->text));
        lx(x, worksheet_write_string(ws, row, 1, fp->name, x->text));
        for (size_t y = 0; y < t->nyears; y++)
            put_value(x, ws, row, (lxw_col_t)(2 + y),
                      mz_trend_find(t, t->years[y].year, ind, MZ_LEVEL_REGION, fp->code,
                                    MZ_G_GAP),
                      t->years[y].rules.gap_flag);
    }
    row++;
    legend_lines(x, ws, &row, t);
    mz_trend_source_line(t, buf, sizeof buf);
    lx(x, worksheet_write_string(ws, row++, 0, buf, x->text));
    for (size_t y = 0; y < t->nyears; y++)
        if (mz_run_synthetic(t->years[y].run)) {
            lx(x, worksheet_write_string(
                      ws, row++, 0,
                      mz_tr("SYNTHETISCHE DATEN – Demonstration, keine Ergebnisse des Mikrozensus",
                            "SYNTHETIC DATA – demonstration only, not Mikrozensus results"),
                      x->bold));
            break;
        }
    lx(x, worksheet_set_column(ws, 0, 0, 22, NULL));
    lx(x, worksheet_set_column(ws, 1, 1, 34, NULL));
    lx(x, worksheet_set_column(ws, 2, (lxw_col_t)(1 + t->nyears), 9, NULL));
    worksheet_freeze_panes(ws, 4, 2);
    FILE *probe = chart_png ? fopen(chart_png, "rb") : NULL;
    if (probe) {
        fclose(probe);
        lxw_image_options io;
        memset(&io, 0, sizeof io);
        io.x_scale = io.y_scale = 0.5;
        io.description = (char *)mz_tr("Zeitreihe der Differenz der Erwerbslosenquoten je Region",
                               "Trend of the unemployment-rate gap per region");
        lx(x, worksheet_insert_image_opt(ws, row + 1, 0, chart_png, &io));
    }
}

static void sheet_data(txl_t *x, const mz_trend_t *t)
{
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, mz_tr("Daten", "Data"));
    if (!ws) {
        lx(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    const char *head[] = {mz_tr("Jahr", "Year"),
                          mz_tr("Indikator", "Indicator"),
                          mz_tr("Ebene", "Level"),
                          mz_tr("Region", "Region"),
                          mz_tr("Name", "Name"),
                          mz_tr("Kreise im Jahr", "Units in the year"),
                          mz_tr("Regionen im Jahr", "Regions in the year"),
                          mz_tr("Gruppe", "Group"),
                          mz_tr("Wert", "Value"),
                          mz_tr("Standardfehler", "Standard error"),
                          mz_tr("Vergleichbarkeit", "Comparability"),
                          mz_tr("Migrationshintergrund", "Migration background")};
    for (size_t c = 0; c < sizeof head / sizeof head[0]; c++)
        lx(x, worksheet_write_string(ws, 0, (lxw_col_t)c, head[c], x->head));
    for (size_t i = 0; i < t->nrows; i++) {
        const mz_trend_row_t *r = &t->rows[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        lx(x, worksheet_write_number(ws, row, 0, r->year, NULL));
        lx(x, worksheet_write_string(ws, row, 1, mz_indicator_title(r->ind), x->text));
        lx(x, worksheet_write_string(ws, row, 2, mz_level_id(r->level), x->text));
        lx(x, worksheet_write_string(ws, row, 3, r->region, x->text));
        lx(x, worksheet_write_string(ws, row, 4, r->name, x->text));
        lx(x, worksheet_write_string(ws, row, 5, r->year_members, x->text));
        lx(x, worksheet_write_string(ws, row, 6, r->year_regions, x->text));
        lx(x, worksheet_write_string(ws, row, 7, group_label(r->group), x->text));
        put_value(x, ws, row, 8, r, INFINITY);
        if (isfinite(r->se) && isfinite(r->estimate))
            lx(x, worksheet_write_number(ws, row, 9, round(r->se * 100.0) / 100.0, x->se));
        lx(x, worksheet_write_string(ws, row, 10, cmp_label(r->cmp), x->text));
        lx(x, worksheet_write_string(
                  ws, row, 11,
                  r->mh == MZ_MH_NARROW ? mz_tr("engerer Sinn", "narrow sense")
                                        : mz_tr("weiterer Sinn", "wider sense"),
                  x->text));
    }
    lx(x, worksheet_set_column(ws, 0, 0, 7, NULL));
    lx(x, worksheet_set_column(ws, 1, 1, 34, NULL));
    lx(x, worksheet_set_column(ws, 2, 2, 9, NULL));
    lx(x, worksheet_set_column(ws, 3, 6, 22, NULL));
    lx(x, worksheet_set_column(ws, 7, 11, 14, NULL));
    worksheet_freeze_panes(ws, 1, 0);
    if (t->nrows)
        lx(x, worksheet_autofilter(ws, 0, 0, (lxw_row_t)t->nrows, 11));
}

static void sheet_notes(txl_t *x, const mz_trend_t *t)
{
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, mz_tr("Hinweise", "Notes"));
    if (!ws) {
        lx(x, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    char buf[1024];
    lxw_row_t row = 0;
    lx(x, worksheet_write_string(ws, row++, 0,
                                 mz_tr("Zeitreihe über Erhebungsjahre", "Trend over survey years"),
                                 x->title));
    row++;
    for (size_t y = 0; y < t->nyears; y++) {
        const mz_run_t *run = t->years[y].run;
        const mz_rules_t *r = &t->years[y].rules;
        char a[32], b[32], c[32];
        mz_format_number(r->min_count, a, sizeof a);
        mz_format_number(r->limited_below, b, sizeof b);
        mz_format_number(r->gap_flag, c, sizeof c);
        unsigned long long recs = 0;
        for (size_t i = 0; i < mz_run_input_count(run); i++)
            recs += mz_run_input(run, i)->records;
        snprintf(buf, sizeof buf,
                 mz_tr("%d: %llu Datensätze/Zeilen aus %zu Datei(en)%s; Regeln: unter %s "
                       "Personen nicht veröffentlicht, unter %s eingeschränkt, Quotenregel %s, "
                       "Handlungsbedarf ab %s Prozentpunkten; %s. Ergebnisse in %d/",
                       "%d: %llu records/rows from %zu file(s)%s; rules: not published below %s "
                       "persons, limited below %s, rate rule %s, action needed from %s "
                       "percentage points; %s. Results in %d/"),
                 t->years[y].year, recs, mz_run_input_count(run),
                 mz_run_synthetic(run) ? mz_tr(" (SYNTHETISCH)", " (SYNTHETIC)") : "", a, b,
                 r->rate_rule == MZ_RATE_BASE ? "base" : "both", c,
                 mz_mh_definition_note(t->years[y].mh), t->years[y].year);
        lx(x, worksheet_write_string(ws, row++, 0, buf, x->wrap));
    }
    row++;
    lx(x, worksheet_write_string(ws, row++, 0, mz_tr("Gemeinsamer Gebietsstand", "Common footprints"),
                                 x->bold));
    lx(x, worksheet_write_string(
              ws, row++, 0,
              mz_tr("Eine Region der Zeitreihe ist das kleinste Gebiet, das in jedem Jahr aus "
                    "ganzen veröffentlichten Regionen besteht: zusammengelegte Kreise und "
                    "Gebietsreformen (2016: Göttingen und Osterode am Harz zu Göttingen, 03159) "
                    "erscheinen auf dem gemeinsamen Gebiet, benannt nach dem letzten Jahr. Wo "
                    "ein Jahr das Gebiet aus mehreren Regionen bildet, sind die Werte für das "
                    "gemeinsame Gebiet aus den Daten und nach den Regeln dieses Jahres neu "
                    "berechnet (kursiv) und gesperrt, sobald ein Teil gesperrt ist.",
                    "A region of the trend is the smallest territory made of whole published "
                    "regions in every year: merged Kreise and territorial reforms (2016: "
                    "Göttingen and Osterode am Harz into Göttingen, 03159) appear on the common "
                    "footprint, named after the latest year. Where a year forms the footprint "
                    "from several regions, its values are computed anew for the footprint from "
                    "that year's data under that year's rules (italic) and withheld as soon as "
                    "one part is withheld."),
              x->wrap));
    row++;
    mz_trend_source_line(t, buf, sizeof buf);
    lx(x, worksheet_write_string(ws, row++, 0, buf, x->wrap));
    snprintf(buf, sizeof buf, mz_tr("Erstellt mit mzatlas %s; ungerundete Werte: trend.csv",
                                    "Made with mzatlas %s; unrounded values: trend.csv"),
             MZ_VERSION);
    lx(x, worksheet_write_string(ws, row++, 0, buf, x->wrap));
    lx(x, worksheet_set_column(ws, 0, 0, 120, NULL));
}

static lxw_format *fmt(txl_t *x, const char *num, bool bold, bool italic, unsigned fill)
{
    lxw_format *f = workbook_add_format(x->wb);
    if (!f)
        return NULL;
    if (num)
        format_set_num_format(f, num);
    if (bold)
        format_set_bold(f);
    if (italic)
        format_set_italic(f);
    if (fill)
        format_set_bg_color(f, (lxw_color_t)fill);
    return f;
}

mz_status_t mz_trend_write_xlsx(const mz_trend_t *t, const char *path, const char *chart_png,
                                mz_error_t *err)
{
    txl_t x;
    memset(&x, 0, sizeof x);
    lxw_workbook_options wo = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    x.wb = workbook_new_opt(path, &wo);
    if (!x.wb)
        return mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                            mz_tr("kann nicht geschrieben werden", "cannot be written"));
    lxw_doc_properties props;
    memset(&props, 0, sizeof props);
    props.title = (char *)mz_tr("mzatlas – Zeitreihe", "mzatlas – trend");
    props.author = (char *)"mzatlas";
    props.created = trend_time(t);
    lx(&x, workbook_set_properties(x.wb, &props));
    x.title = fmt(&x, NULL, true, false, 0);
    if (x.title)
        format_set_font_size(x.title, 13);
    x.bold = fmt(&x, NULL, true, false, 0);
    x.head = fmt(&x, NULL, true, false, 0xE7E6E6);
    x.text = fmt(&x, NULL, false, false, 0);
    x.wrap = fmt(&x, NULL, false, false, 0);
    if (x.wrap) {
        format_set_text_wrap(x.wrap);
        format_set_align(x.wrap, LXW_ALIGN_VERTICAL_TOP);
    }
    x.num = fmt(&x, "0.0;-0.0;0.0", false, false, 0);
    x.num_br = fmt(&x, "(0.0);(-0.0);(0.0)", false, false, 0);
    x.comb = fmt(&x, "0.0;-0.0;0.0", false, true, 0);
    x.comb_br = fmt(&x, "(0.0);(-0.0);(0.0)", false, true, 0);
    x.flag = fmt(&x, "0.0;-0.0;0.0", true, false, 0xF4B183);
    x.flag_br = fmt(&x, "(0.0);(-0.0);(0.0)", true, false, 0xF4B183);
    x.mark = fmt(&x, NULL, false, false, 0);
    if (x.mark)
        format_set_align(x.mark, LXW_ALIGN_RIGHT);
    x.se = fmt(&x, "0.00", false, false, 0);
    if (!x.title || !x.bold || !x.head || !x.text || !x.wrap || !x.num || !x.num_br ||
        !x.comb || !x.comb_br || !x.flag || !x.flag_br || !x.mark || !x.se)
        lx(&x, LXW_ERROR_MEMORY_MALLOC_FAILED);
    if (x.first == LXW_NO_ERROR)
        sheet_gap(&x, t, chart_png);
    if (x.first == LXW_NO_ERROR)
        sheet_data(&x, t);
    if (x.first == LXW_NO_ERROR)
        sheet_notes(&x, t);
    lxw_error ce = workbook_close(x.wb);
    if (x.first == LXW_NO_ERROR)
        x.first = ce;
    if (x.first != LXW_NO_ERROR) {
        remove(path);
        return mz_error_set(err,
                            x.first == LXW_ERROR_MEMORY_MALLOC_FAILED ? MZ_ERR_NOMEM : MZ_ERR_IO,
                            path, 0, NULL, NULL, "xlsx: %s", lxw_strerror(x.first));
    }
    return MZ_OK;
}
