/* variance.c — standard errors and confidence intervals: design-based Taylor linearisation over
 * the per-PSU totals of the aggregation, the Kish approximation without design columns, and the
 * interval methods. The formulas are written out in docs/methodology.md. */
#include "mzatlas/mz_variance.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../microcensus/util.h"
#include "mzatlas/mz_indicators.h"
#include "mzatlas/mz_results.h"

/* ---- options ---- */

void mz_variance_options_init(mz_variance_options_t *opt)
{
    opt->ci_level = 95.0;
    opt->ci_method = MZ_CI_NORMAL;
    opt->lonely_psu = MZ_LONELY_ADJUST;
    opt->deff = 1.0;
}

static const char *const ci_ids[] = {"normal", "logit", "beta"};
static const char *const lonely_ids[] = {"adjust", "remove", "fail"};

const char *mz_ci_method_id(mz_ci_method_t m) { return (unsigned)m < 3 ? ci_ids[m] : "?"; }
const char *mz_lonely_psu_id(mz_lonely_psu_t p) { return (unsigned)p < 3 ? lonely_ids[p] : "?"; }

static int parse_id(const char *s, const char *const *ids, int n)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(s, ids[i]) == 0)
            return i;
    return -1;
}

int mz_ci_method_parse(const char *s) { return parse_id(s, ci_ids, 3); }
int mz_lonely_psu_parse(const char *s) { return parse_id(s, lonely_ids, 3); }

const char *mz_variance_method_id(mz_variance_method_t m)
{
    static const char *const ids[] = {"none", "design_taylor", "kish_approximation"};
    return (unsigned)m < 3 ? ids[m] : "?";
}

/* ---- sums of squared weights for the approximation ---- */

typedef struct kish_slot {
    double w[MZ_NGRP][MZ_NMEAS];
    double w2[MZ_NGRP][MZ_NMEAS];
} kish_slot_t;

struct mz_kish {
    size_t nunits, nstrata;
    mz_age_band_t band;
    kish_slot_t *slot; /* units first, then one stratum-only slot per stratum */
    uint64_t records;
};

mz_kish_t *mz_kish_create(const mz_gazetteer_t *gz, mz_age_band_t band, mz_error_t *err)
{
    mz_kish_t *k = calloc(1, sizeof *k);
    if (!k)
        goto nomem;
    k->nunits = mz_gazetteer_count(gz);
    k->nstrata = mz_gazetteer_strata_count(gz);
    k->band = band;
    k->slot = calloc(k->nunits + k->nstrata + 1, sizeof *k->slot);
    if (!k->slot)
        goto nomem;
    return k;
nomem:
    mz_kish_destroy(k);
    mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
    return NULL;
}

void mz_kish_destroy(mz_kish_t *k)
{
    if (!k)
        return;
    free(k->slot);
    free(k);
}

/* The slot of a record's sums, or NULL. */
static kish_slot_t *kish_slot(mz_kish_t *k, const mz_record_t *rec)
{
    if (rec->unit >= 0 && (size_t)rec->unit < k->nunits)
        return &k->slot[rec->unit];
    if (rec->stratum >= 0 && (size_t)rec->stratum < k->nstrata)
        return &k->slot[k->nunits + (size_t)rec->stratum];
    return NULL;
}

bool mz_kish_rows(mz_kish_t *k, const mz_record_t *rec, mz_scan_rows_t *rows)
{
    kish_slot_t *ks = kish_slot(k, rec);
    if (!ks)
        return false;
    for (int g = 0; g < MZ_NGRP; g++) {
        rows->kw[g] = ks->w[g];
        rows->kw2[g] = ks->w2[g];
    }
    return true;
}

void mz_kish_add_count(mz_kish_t *k, uint64_t records) { k->records += records; }

bool mz_kish_slot(const mz_kish_t *k, size_t i, double w[MZ_NGRP][MZ_NMEAS],
                  double w2[MZ_NGRP][MZ_NMEAS])
{
    if (i >= k->nunits + k->nstrata)
        return false;
    memcpy(w, k->slot[i].w, sizeof k->slot[i].w);
    memcpy(w2, k->slot[i].w2, sizeof k->slot[i].w2);
    return true;
}

void mz_kish_add_record(mz_kish_t *k, const mz_record_t *rec)
{
    kish_slot_t *ks = kish_slot(k, rec);
    if (!ks)
        return;
    const int g = rec->mig > 0 ? MZ_GRP_WITH : MZ_GRP_WITHOUT;
    const double w = rec->weight, w2 = rec->weight * rec->weight;
    const uint32_t ms = mz_record_measures(rec, k->band);
    /* +0.0 for the measures the record is not in: the same sums, without branches */
    mz_row_add_masked(ks->w[g], w, ms);
    mz_row_add_masked(ks->w2[g], w2, ms);
    k->records++;
}

void mz_kish_add_records(mz_kish_t *k, const mz_record_t *recs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        mz_kish_add_record(k, &recs[i]);
}

uint64_t mz_kish_records(const mz_kish_t *k) { return k ? k->records : 0; }

/* ---- confidence intervals ---- */

/* GSL aborts on a domain error unless its handler is switched off. */
static void gsl_quiet(void)
{
    static bool done = false;
    if (!done) {
        gsl_set_error_handler_off();
        done = true;
    }
}

static double expit(double x) { return 1.0 / (1.0 + exp(-x)); }

/* Quantile of the beta distribution. gsl_cdf_beta_Pinv gives up ("failed to converge") for
 * some shapes the Korn–Graubard interval needs, so the root of P(x) = q is polished (or found)
 * here: Newton steps on the CDF, kept inside a shrinking bracket, bisection when Newton leaves
 * it. */
static double beta_quantile(double q, double a, double b)
{
    if (!(q > 0 && q < 1 && a > 0 && b > 0))
        return q <= 0 ? 0.0 : q >= 1 ? 1.0 : NAN;
    double lo = 0, hi = 1;
    double x = gsl_cdf_beta_Pinv(q, a, b);
    if (!(x > 0 && x < 1))
        x = a / (a + b);
    for (int it = 0; it < 400; it++) {
        double f = gsl_cdf_beta_P(x, a, b) - q;
        if (f == 0)
            return x;
        if (f < 0)
            lo = x;
        else
            hi = x;
        double d = gsl_ran_beta_pdf(x, a, b);
        double nx = d > 0 && isfinite(d) ? x - f / d : NAN;
        if (!(nx > lo && nx < hi))
            nx = 0.5 * (lo + hi);
        if (fabs(nx - x) <= 4 * DBL_EPSILON * fabs(nx) || hi - lo <= 4 * DBL_EPSILON * hi)
            return nx;
        x = nx;
    }
    return x;
}

void mz_ci_interval(mz_ci_method_t method, double level, double est, double se, bool proportion,
                    double n, double df, double *lo, double *hi)
{
    *lo = *hi = NAN;
    gsl_quiet();
    if (!isfinite(est) || !isfinite(se) || se < 0 || !(level > 0 && level < 100))
        return;
    const double alpha = 1.0 - level / 100.0;
    const double p = est / 100.0, s = se / 100.0;
    if (method == MZ_CI_NORMAL || !proportion || p < 0 || p > 1) {
        double z = gsl_cdf_ugaussian_Qinv(alpha / 2);
        *lo = est - z * se;
        *hi = est + z * se;
        return;
    }
    if (s == 0 && p > 0 && p < 1) {
        *lo = *hi = est;
        return;
    }
    if (method == MZ_CI_LOGIT && p > 0 && p < 1) {
        double q = df >= 1 ? gsl_cdf_tdist_Qinv(alpha / 2, df) : gsl_cdf_ugaussian_Qinv(alpha / 2);
        double l = log(p / (1 - p)), sl = s / (p * (1 - p));
        *lo = 100.0 * expit(l - q * sl);
        *hi = 100.0 * expit(l + q * sl);
        return;
    }
    /* Korn–Graubard (also logit's fallback at 0 % and 100 %, where the logit is undefined):
     * effective sample size p(1-p)/Var, scaled by (t_{n-1}/t_df)^2; with no variance (p = 0 or
     * 1) the unweighted cases stand in for it, which gives the Clopper–Pearson interval. */
    double neff = s > 0 ? p * (1 - p) / (s * s) : n;
    if (!(neff > 0))
        return;
    if (df >= 1 && n > 1) {
        double r = gsl_cdf_tdist_Pinv(alpha / 2, n - 1) / gsl_cdf_tdist_Pinv(alpha / 2, df);
        neff *= r * r;
    }
    *lo = p <= 0 ? 0.0 : 100.0 * beta_quantile(alpha / 2, neff * p, neff * (1 - p) + 1);
    *hi = p >= 1 ? 100.0 : 100.0 * beta_quantile(1 - alpha / 2, neff * p + 1, neff * (1 - p));
}

/* ---- terms as index lists into the flattened w[group][measure] ---- */

typedef struct fterm {
    size_t n;
    uint8_t idx[MZ_NGRP * MZ_NMEAS];
} fterm_t;

static void fterm_init(fterm_t *f, const mz_term_t *t)
{
    f->n = 0;
    for (int g = 0; g < MZ_NGRP; g++)
        for (int m = 0; m < MZ_NMEAS; m++)
            if ((t->gmask & (1u << g)) && (t->mmask & (1u << m)))
                f->idx[f->n++] = (uint8_t)(g * MZ_NMEAS + m);
}

static double fterm_sum(const fterm_t *f, const double w[MZ_NGRP][MZ_NMEAS])
{
    const double *flat = &w[0][0];
    double s = 0;
    for (size_t i = 0; i < f->n; i++)
        s += flat[f->idx[i]];
    return s;
}

/* A ratio entering a row (the approximation): one for rates, the two rates of a gap. */
typedef struct comp {
    fterm_t num, den;
} comp_t;

/* The ratios of a row; returns how many (0 when the row has none). */
static size_t row_comps(const mz_estimate_t *e, comp_t c[2])
{
    mz_term_t num, den;
    if (e->group == MZ_G_GAP) {
        static const mz_group_t gs[2] = {MZ_G_WITH, MZ_G_WITHOUT};
        for (int i = 0; i < 2; i++) {
            if (!mz_indicator_terms(e->ind, gs[i], &num, &den))
                return 0;
            fterm_init(&c[i].num, &num);
            fterm_init(&c[i].den, &den);
        }
        return 2;
    }
    if (!mz_indicator_terms(e->ind, e->group, &num, &den))
        return 0;
    fterm_init(&c[0].num, &num);
    fterm_init(&c[0].den, &den);
    return 1;
}

/* The slots (units, then stratum-only slots) that make up a row's region. */
static size_t region_slots(const mz_region_t *r, size_t nunits, size_t nstrata, int *out)
{
    size_t k = 0;
    if (r->level == MZ_LEVEL_LAND) {
        for (size_t s = 0; s < nunits + nstrata; s++)
            out[k++] = (int)s;
        return k;
    }
    for (size_t i = 0; i < r->nunits; i++)
        out[k++] = r->units[i];
    if (r->level == MZ_LEVEL_SCHICHT && r->stratum >= 0 && (size_t)r->stratum < nstrata)
        out[k++] = (int)(nunits + (size_t)r->stratum);
    return k;
}

/* ---- design-based variance ---- */

/* A row as a linear combination of ratios over one domain: every ratio sums the same numerator
 * and denominator measures, over the groups in gn and gd (bits MZ_GRP_*). */
typedef struct rowdef {
    uint32_t num_m, den_m;
    size_t nc;
    struct {
        uint32_t gn, gd;
        double coef;
    } c[2];
} rowdef_t;

static bool row_def(const mz_estimate_t *e, rowdef_t *rd)
{
    static const mz_group_t gap[2] = {MZ_G_WITH, MZ_G_WITHOUT};
    const mz_group_t *gs = e->group == MZ_G_GAP ? gap : &e->group;
    rd->nc = e->group == MZ_G_GAP ? 2 : 1;
    for (size_t k = 0; k < rd->nc; k++) {
        mz_term_t num, den;
        if (!mz_indicator_terms(e->ind, gs[k], &num, &den))
            return false;
        if (k > 0 && (num.mmask != rd->num_m || den.mmask != rd->den_m))
            return false;
        rd->num_m = num.mmask;
        rd->den_m = den.mmask;
        rd->c[k].gn = num.gmask;
        rd->c[k].gd = den.gmask;
        rd->c[k].coef = k == 0 ? 1.0 : -1.0;
    }
    return true;
}

/* Rows of one domain computed in one pass over its PSUs (a rate's groups and its gap). */
#define ROWS_MAX 8
/* Workers computing domains at once (the rows of different domains are independent). */
#define THREADS_MAX 4
/* Fewer PSUs than this: one thread. */
#define THREADS_MIN_PSUS 20000u

typedef struct design {
    const mz_cells_t *cells;
    mz_lonely_psu_t lonely;
    size_t nunits, nstrata, nslots;
    size_t npsu, nds, nparts;
    uint32_t *psu_ds;      /* [npsu] design stratum of each PSU */
    uint32_t *ds_n;        /* [nds] PSUs per design stratum */
    size_t *slot_off;      /* [nslots + 1] */
    uint32_t *slot_part;   /* part indices grouped by slot */
    uint32_t *part_psu;    /* [nparts] PSU of each part */
    /* Simple designs, where every PSU lies in one unit (one part): a PSU's numerator and
     * denominator totals are the same in every domain that has it, so they are computed once per
     * measure pair for all PSUs (acc, shared by the workers) instead of once per domain. */
    bool simple;
    double *acc;           /* simple: [npsu][4] numerator by group, then denominator by group */
    uint32_t acc_num_m, acc_den_m;
} design_t;

/* A worker: the current domain and the scratch of its rows. */
typedef struct dwork {
    /* The current domain (a region and the measures of an indicator): per PSU the numerator
     * and denominator totals of both groups, reused while consecutive rows share it. */
    bool dom_valid;
    const mz_region_t *dom_region;
    uint32_t dom_num_m, dom_den_m;
    double *acc;           /* [npsu][4]: the design's (simple) or the worker's own */
    double *own_acc;
    double tot[4];         /* the same over the domain */
    unsigned char *psu_on; /* [npsu] PSU has domain members */
    uint32_t *psu_list;
    size_t npsu_list;
    /* scratch of the rows of one domain (up to ROWS_MAX, one pass over the PSUs for all): only
     * the touched entries are reset; [h * ROWS_MAX + k] is stratum h, row k */
    double *ds_sum, *ds_ss, *ds_mean;
    uint32_t *ds_t;         /* [nds] domain PSUs per design stratum */
    uint32_t *ds_m;         /* PSUs with members of the row's denominator */
    uint32_t *ds_list;
    size_t nds_list;
    int *slots;             /* the slots of a region */
    size_t rows_with_se;
} dwork_t;

static void design_finish(design_t *d)
{
    free(d->psu_ds);
    free(d->ds_n);
    free(d->slot_off);
    free(d->slot_part);
    free(d->part_psu);
    free(d->acc);
}

static void dwork_finish(dwork_t *w)
{
    free(w->own_acc);
    free(w->psu_on);
    free(w->psu_list);
    free(w->ds_sum);
    free(w->ds_ss);
    free(w->ds_mean);
    free(w->ds_t);
    free(w->ds_m);
    free(w->ds_list);
    free(w->slots);
}

static bool dwork_init(dwork_t *w, const design_t *d)
{
    const size_t np = d->npsu ? d->npsu : 1, nd = d->nds ? d->nds : 1;
    memset(w, 0, sizeof *w);
    if (!d->simple)
        w->own_acc = malloc(np * 4 * sizeof *w->own_acc);
    w->acc = d->simple ? d->acc : w->own_acc;
    w->psu_on = calloc(np, sizeof *w->psu_on);
    w->psu_list = malloc(np * sizeof *w->psu_list);
    w->ds_sum = calloc(nd * ROWS_MAX, sizeof *w->ds_sum);
    w->ds_ss = calloc(nd * ROWS_MAX, sizeof *w->ds_ss);
    w->ds_mean = calloc(nd * ROWS_MAX, sizeof *w->ds_mean);
    w->ds_t = calloc(nd, sizeof *w->ds_t);
    w->ds_m = calloc(nd * ROWS_MAX, sizeof *w->ds_m);
    w->ds_list = malloc(nd * sizeof *w->ds_list);
    w->slots = malloc((d->nslots + 1) * sizeof *w->slots);
    if (!w->acc || !w->psu_on || !w->psu_list || !w->ds_sum || !w->ds_ss || !w->ds_mean ||
        !w->ds_t || !w->ds_m || !w->ds_list || !w->slots) {
        dwork_finish(w);
        return false;
    }
    return true;
}

/* Slot of a part: its unit, or the stratum-only slot; nslots when neither is valid. */
static size_t part_slot(const design_t *d, const mz_psu_part_t *p)
{
    if (p->unit >= 0)
        return (size_t)p->unit < d->nunits ? (size_t)p->unit : d->nslots;
    if (p->stratum >= 0 && (size_t)p->stratum < d->nstrata)
        return d->nunits + (size_t)p->stratum;
    return d->nslots;
}

static mz_status_t design_init(design_t *d, const mz_cells_t *cells, mz_lonely_psu_t lonely,
                               mz_error_t *err)
{
    const mz_gazetteer_t *gz = mz_cells_gazetteer(cells);
    memset(d, 0, sizeof *d);
    d->cells = cells;
    d->lonely = lonely;
    d->nunits = mz_gazetteer_count(gz);
    d->nstrata = mz_gazetteer_strata_count(gz);
    d->nslots = d->nunits + d->nstrata;
    d->npsu = mz_cells_psu_count(cells);
    d->nds = mz_cells_design_stratum_count(cells);
    d->nparts = mz_cells_psu_part_count(cells);
    const size_t np = d->npsu ? d->npsu : 1, nd = d->nds ? d->nds : 1;
    const size_t nparts = d->nparts;
    /* every PSU has at least one part; without the fast paths the general way, for comparison */
    d->simple = nparts == d->npsu && mz_fast_paths();
    d->psu_ds = malloc(np * sizeof *d->psu_ds);
    d->ds_n = calloc(nd, sizeof *d->ds_n);
    d->slot_off = calloc(d->nslots + 1, sizeof *d->slot_off);
    d->slot_part = malloc((nparts ? nparts : 1) * sizeof *d->slot_part);
    d->part_psu = malloc((nparts ? nparts : 1) * sizeof *d->part_psu);
    if (d->simple)
        d->acc = malloc(np * 4 * sizeof *d->acc);
    uint32_t *pslot = malloc((nparts ? nparts : 1) * sizeof *pslot);
    size_t *next = malloc((d->nslots ? d->nslots : 1) * sizeof *next);
    if (!d->psu_ds || !d->ds_n || !d->slot_off || !d->slot_part || !d->part_psu ||
        (d->simple && !d->acc) || !pslot || !next) {
        free(pslot);
        free(next);
        design_finish(d);
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    }
    for (size_t i = 0; i < d->npsu; i++) {
        size_t ds = mz_cells_psu_design_stratum(cells, i);
        d->psu_ds[i] = (uint32_t)ds;
        d->ds_n[ds]++;
    }
    /* group the parts by slot (counting sort) */
    for (size_t i = 0; i < nparts; i++) {
        mz_psu_part_t p;
        mz_cells_psu_part_get(cells, i, &p);
        size_t s = part_slot(d, &p);
        if (s >= d->nslots) {
            free(pslot);
            free(next);
            design_finish(d);
            return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL,
                                "PSU part without unit or stratum");
        }
        pslot[i] = (uint32_t)s;
        d->part_psu[i] = p.psu;
        d->slot_off[s + 1]++;
    }
    for (size_t s = 1; s <= d->nslots; s++)
        d->slot_off[s] += d->slot_off[s - 1]; /* slot s spans [slot_off[s], slot_off[s + 1]) */
    memcpy(next, d->slot_off, d->nslots * sizeof *next);
    for (size_t i = 0; i < nparts; i++)
        d->slot_part[next[pslot[i]]++] = (uint32_t)i;
    free(pslot);
    free(next);
    return MZ_OK;
}

/* Simple designs: the totals of every PSU for a measure pair, parts [from, to). A PSU's total
 * is 0 + its one part's, which is the part's (sums are never -0.0). */
static void simple_acc(design_t *d, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        mz_cells_psu_part_sums(d->cells, i, d->acc_num_m, d->acc_den_m,
                               d->acc + 4 * (size_t)d->part_psu[i]);
}

/* Sum the domain's parts per PSU (unless the worker's previous domain was the same). */
static void design_domain(const design_t *d, dwork_t *w, const mz_region_t *region,
                          const int *slots, size_t nslots, uint32_t num_m, uint32_t den_m)
{
    if (w->dom_valid && w->dom_region == region && w->dom_num_m == num_m &&
        w->dom_den_m == den_m)
        return;
    for (size_t i = 0; i < w->npsu_list; i++)
        w->psu_on[w->psu_list[i]] = 0;
    w->npsu_list = 0;
    memset(w->tot, 0, sizeof w->tot);
    if (d->simple) {
        /* a PSU's totals are its part's (simple_acc), and no other part adds to them; the sums
         * in locals, in the same order */
        double t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        uint32_t *list = w->psu_list;
        size_t n = 0;
        for (size_t i = 0; i < nslots; i++)
            for (size_t j = d->slot_off[slots[i]]; j < d->slot_off[slots[i] + 1]; j++) {
                const uint32_t psu = d->part_psu[d->slot_part[j]];
                const double *a = d->acc + 4 * (size_t)psu;
                if (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0)
                    continue;
                list[n++] = psu;
                t0 += a[0];
                t1 += a[1];
                t2 += a[2];
                t3 += a[3];
            }
        w->npsu_list = n;
        w->tot[0] = t0;
        w->tot[1] = t1;
        w->tot[2] = t2;
        w->tot[3] = t3;
    }
    for (size_t i = 0; i < nslots && !d->simple; i++)
        for (size_t j = d->slot_off[slots[i]]; j < d->slot_off[slots[i] + 1]; j++) {
            const uint32_t part = d->slot_part[j], psu = d->part_psu[part];
            double *a = w->acc + 4 * (size_t)psu;
            double v[4];
            mz_cells_psu_part_sums(d->cells, part, num_m, den_m, v);
            if (v[0] == 0 && v[1] == 0 && v[2] == 0 && v[3] == 0)
                continue;
            if (!w->psu_on[psu]) {
                w->psu_on[psu] = 1;
                w->psu_list[w->npsu_list++] = psu;
                a[0] = a[1] = a[2] = a[3] = 0;
            }
            for (int k = 0; k < 4; k++) {
                a[k] += v[k];
                w->tot[k] += v[k];
            }
        }
    w->dom_valid = true;
    w->dom_region = region;
    w->dom_num_m = num_m;
    w->dom_den_m = den_m;
}

static double gsum(uint32_t gmask, const double *v)
{
    double s = 0;
    for (int g = 0; g < MZ_NGRP; g++)
        if (gmask & (1u << g))
            s += v[g];
    return s;
}

/* Variance (proportions, not percent) of Σ coef·ratio over the worker's current domain, for
 * nr <= ROWS_MAX rows at once: every PSU of the design enters, those without domain members
 * with a zero linearised total. For row k: ok[k] false when a ratio is undefined, else var[k]
 * and df[k] (the PSUs with members of the first ratio's denominator minus their design strata).
 * Each row's sums run in the same order as when it is computed alone, so the results do not
 * depend on which rows share the pass, nor on the worker. */
static void design_rows(const design_t *d, dwork_t *w, const rowdef_t *rd, size_t nr, bool *ok,
                        double *var, double *df)
{
    /* z_i = Σ_k coef_k (Y_ki - r_k X_ki) / X_k = Σ_g a_g y_gi + b_g x_gi */
    double a[ROWS_MAX][MZ_NGRP], b[ROWS_MAX][MZ_NGRP];
    size_t act[ROWS_MAX], na = 0; /* the rows with defined ratios */
    for (size_t r = 0; r < nr; r++) {
        ok[r] = true;
        for (int g = 0; g < MZ_NGRP; g++)
            a[r][g] = b[r][g] = 0;
        for (size_t k = 0; k < rd[r].nc; k++) {
            double y = gsum(rd[r].c[k].gn, w->tot), x = gsum(rd[r].c[k].gd, w->tot + MZ_NGRP);
            if (!(x > 0)) {
                ok[r] = false;
                break;
            }
            double ratio = y / x;
            for (int g = 0; g < MZ_NGRP; g++) {
                if (rd[r].c[k].gn & (1u << g))
                    a[r][g] += rd[r].c[k].coef / x;
                if (rd[r].c[k].gd & (1u << g))
                    b[r][g] -= rd[r].c[k].coef * ratio / x;
            }
        }
        if (ok[r])
            act[na++] = r;
    }
    if (na == 0)
        return;
    /* the active rows' coefficients side by side (the loops over rows vectorise; each row's
     * arithmetic is the same as alone), and the groups of their first denominator */
    double a0[ROWS_MAX], a1[ROWS_MAX], b0[ROWS_MAX], b1[ROWS_MAX];
    uint32_t gd[ROWS_MAX];
    for (size_t j = 0; j < na; j++) {
        a0[j] = a[act[j]][0];
        a1[j] = a[act[j]][1];
        b0[j] = b[act[j]][0];
        b1[j] = b[act[j]][1];
        gd[j] = rd[act[j]].c[0].gd;
    }
    _Static_assert(MZ_NGRP == 2, "two groups");
    size_t members[ROWS_MAX] = {0}, member_strata[ROWS_MAX] = {0};
    for (size_t i = 0; i < w->npsu_list; i++) {
        const uint32_t psu = w->psu_list[i], h = d->psu_ds[psu];
        const double *v = w->acc + 4 * (size_t)psu;
        const double v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3];
        double *sum = w->ds_sum + (size_t)h * ROWS_MAX;
        uint32_t *m = w->ds_m + (size_t)h * ROWS_MAX;
        if (w->ds_t[h]++ == 0) {
            w->ds_list[w->nds_list++] = h;
            for (size_t j = 0; j < na; j++) {
                sum[j] = w->ds_ss[(size_t)h * ROWS_MAX + j] = 0;
                m[j] = 0;
            }
        }
        for (size_t j = 0; j < na; j++) {
            double z = 0; /* row_z, written out */
            z += a0[j] * v0 + b0[j] * v2;
            z += a1[j] * v1 + b1[j] * v3;
            sum[j] += z;
        }
        /* the groups with denominator members in the PSU (a sum of totals >= 0 is > 0 when one
         * of them is) */
        const uint32_t has = (uint32_t)(v2 > 0) << MZ_GRP_WITHOUT | (uint32_t)(v3 > 0) << MZ_GRP_WITH;
        for (size_t j = 0; j < na; j++)
            if (has & gd[j]) {
                members[j]++;
                member_strata[j] += m[j]++ == 0;
            }
    }
    for (size_t i = 0; i < w->nds_list; i++) {
        const size_t h = w->ds_list[i];
        for (size_t j = 0; j < na; j++)
            w->ds_mean[h * ROWS_MAX + j] = w->ds_sum[h * ROWS_MAX + j] / d->ds_n[h];
    }
    /* squared deviations from the stratum mean over all its n_h PSUs */
    for (size_t i = 0; i < w->npsu_list; i++) {
        const uint32_t psu = w->psu_list[i], h = d->psu_ds[psu];
        const double *v = w->acc + 4 * (size_t)psu;
        const double v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3];
        const double *mean = w->ds_mean + (size_t)h * ROWS_MAX;
        double *ss = w->ds_ss + (size_t)h * ROWS_MAX;
        for (size_t j = 0; j < na; j++) {
            double z = 0;
            z += a0[j] * v0 + b0[j] * v2;
            z += a1[j] * v1 + b1[j] * v3;
            double dev = z - mean[j];
            ss[j] += dev * dev;
        }
    }
    for (size_t j = 0; j < na; j++) {
        double v = 0;
        for (size_t i = 0; i < w->nds_list; i++) {
            const uint32_t h = w->ds_list[i];
            const double sum = w->ds_sum[(size_t)h * ROWS_MAX + j];
            double nh = d->ds_n[h];
            if (d->ds_n[h] == 1) {
                /* lonely PSU: "adjust" centres at the grand mean, which is 0 for linearised
                 * values */
                if (d->lonely == MZ_LONELY_ADJUST)
                    v += sum * sum;
            } else {
                double mean = sum / nh;
                v += nh / (nh - 1) *
                     (w->ds_ss[(size_t)h * ROWS_MAX + j] + (nh - w->ds_t[h]) * mean * mean);
            }
        }
        var[act[j]] = v;
        df[act[j]] = (double)members[j] - (double)member_strata[j];
    }
    for (size_t i = 0; i < w->nds_list; i++)
        w->ds_t[w->ds_list[i]] = 0;
    w->nds_list = 0;
}

/* The rows of one domain, computed together. */
typedef struct dbatch {
    const mz_region_t *region;
    size_t n;
    size_t idx[ROWS_MAX];
    rowdef_t rd[ROWS_MAX];
} dbatch_t;

/* The work shared by the workers: the batches of one measure pair (or of all, in one worker),
 * handed out one at a time; in a simple design first the pair's PSU totals, in ranges. */
typedef struct djob {
    design_t *d;
    mz_results_t *res;
    const mz_variance_options_t *opt;
    const dbatch_t *batch;
    const size_t *list;     /* batch indices of this job */
    size_t nlist;
    atomic_size_t next;
    size_t nworkers;
    bool acc_phase;         /* the job is simple_acc over the parts */
    dwork_t *work;          /* [nworkers] */
} djob_t;

static void do_batch(const djob_t *j, dwork_t *w, const dbatch_t *b)
{
    const design_t *d = j->d;
    size_t ns = region_slots(b->region, d->nunits, d->nstrata, w->slots);
    design_domain(d, w, b->region, w->slots, ns, b->rd[0].num_m, b->rd[0].den_m);
    bool ok[ROWS_MAX];
    double var[ROWS_MAX], df[ROWS_MAX];
    design_rows(d, w, b->rd, b->n, ok, var, df);
    for (size_t k = 0; k < b->n; k++) {
        if (!ok[k] || !(var[k] >= 0))
            continue;
        mz_estimate_t *e = mz_results_get(j->res, b->idx[k]);
        e->se = 100.0 * sqrt(var[k]);
        e->se_approx = false;
        mz_ci_interval(j->opt->ci_method, j->opt->ci_level, e->p.estimate, e->se,
                       e->group != MZ_G_GAP, (double)e->p.n, df[k], &e->ci_low, &e->ci_high);
        w->rows_with_se++;
    }
}

static void djob_work(djob_t *j, size_t t)
{
    if (j->acc_phase) {
        const size_t n = j->d->nparts, per = (n + j->nworkers - 1) / j->nworkers;
        const size_t from = t * per < n ? t * per : n, to = from + per < n ? from + per : n;
        simple_acc(j->d, from, to);
        return;
    }
    for (;;) {
        size_t i = atomic_fetch_add(&j->next, 1);
        if (i >= j->nlist)
            return;
        do_batch(j, &j->work[t], &j->batch[j->list[i]]);
    }
}

typedef struct dthread {
    djob_t *job;
    size_t t;
} dthread_t;

static void *djob_main(void *arg)
{
    dthread_t *x = arg;
    djob_work(x->job, x->t);
    return NULL;
}

/* Run a job on the workers: worker 0 here, the others in threads (here, too, when a thread
 * cannot be started: the results do not depend on who computes what). */
static void djob_run(djob_t *j)
{
    pthread_t th[THREADS_MAX];
    dthread_t arg[THREADS_MAX];
    bool started[THREADS_MAX] = {false};
    atomic_store(&j->next, 0);
    for (size_t t = 1; t < j->nworkers; t++) {
        arg[t] = (dthread_t){j, t};
        started[t] = pthread_create(&th[t], NULL, djob_main, &arg[t]) == 0;
    }
    djob_work(j, 0);
    for (size_t t = 1; t < j->nworkers; t++) {
        if (started[t])
            pthread_join(th[t], NULL);
        else if (j->acc_phase)
            djob_work(j, t); /* its range of parts */
    }
}

/* All rows with a design: batches of rows sharing a domain, grouped by measure pair; in a simple
 * design each pair's PSU totals first, then its batches, on several workers. */
static mz_status_t design_all(design_t *d, mz_results_t *res, const mz_variance_options_t *opt,
                              size_t *rows_with_se, mz_error_t *err)
{
    const size_t nrows = mz_results_count(res);
    dbatch_t *batch = malloc((nrows ? nrows : 1) * sizeof *batch);
    size_t *list = malloc((nrows ? nrows : 1) * sizeof *list);
    bool *done = calloc(nrows ? nrows : 1, sizeof *done);
    size_t nb = 0;
    for (size_t i = 0; batch && list && done && i < nrows;) {
        dbatch_t *b = &batch[nb];
        b->n = 0;
        size_t j = i;
        for (; j < nrows && b->n < ROWS_MAX; j++) {
            mz_estimate_t *e = mz_results_get(res, j);
            comp_t c[2];
            rowdef_t rd;
            if (!isfinite(e->p.estimate) || row_comps(e, c) == 0 || !row_def(e, &rd))
                continue;
            if (b->n > 0 && (e->region != b->region || rd.num_m != b->rd[0].num_m ||
                             rd.den_m != b->rd[0].den_m))
                break;
            b->region = e->region;
            b->idx[b->n] = j;
            b->rd[b->n++] = rd;
        }
        i = j;
        if (b->n > 0)
            nb++;
    }
    size_t nworkers = 1;
    if (d->simple && d->npsu >= THREADS_MIN_PSUS) {
        nworkers = (size_t)mz_max_threads();
        if (nworkers > THREADS_MAX)
            nworkers = THREADS_MAX;
    }
    dwork_t work[THREADS_MAX];
    size_t ready = 0;
    while (batch && list && done && ready < nworkers && dwork_init(&work[ready], d))
        ready++;
    mz_status_t st = MZ_OK;
    if (!batch || !list || !done || ready < nworkers) {
        st = mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                          mz_strerror(MZ_ERR_NOMEM));
        goto out;
    }
    djob_t job = {.d = d, .res = res, .opt = opt, .batch = batch, .list = list,
                  .nworkers = nworkers, .work = work};
    if (!d->simple) {
        /* one worker, the batches in order */
        for (size_t k = 0; k < nb; k++)
            list[k] = k;
        job.nlist = nb;
        djob_run(&job);
    } else {
        for (size_t k = 0; k < nb; k++) {
            if (done[k])
                continue;
            /* the pair of batch k: its totals, then all its batches */
            d->acc_num_m = batch[k].rd[0].num_m;
            d->acc_den_m = batch[k].rd[0].den_m;
            job.acc_phase = true;
            djob_run(&job);
            job.nlist = 0;
            for (size_t m = k; m < nb; m++)
                if (!done[m] && batch[m].rd[0].num_m == d->acc_num_m &&
                    batch[m].rd[0].den_m == d->acc_den_m) {
                    done[m] = true;
                    list[job.nlist++] = m;
                }
            for (size_t t = 0; t < nworkers; t++)
                work[t].dom_valid = false; /* acc holds another pair now */
            job.acc_phase = false;
            djob_run(&job);
        }
    }
    for (size_t t = 0; t < nworkers; t++)
        *rows_with_se += work[t].rows_with_se;
out:
    for (size_t t = 0; t < ready; t++)
        dwork_finish(&work[t]);
    free(batch);
    free(list);
    free(done);
    return st;
}

/* ---- the approximation ---- */

static bool near(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* Whether the squared-weight sums cover exactly the records behind the cells (not so when
 * tabulated counts were added, or records were not fed). */
static bool kish_covers(const mz_kish_t *k, const mz_cells_t *cells)
{
    if (!k || k->records == 0 || k->records != mz_cells_records(cells))
        return false;
    const mz_gazetteer_t *gz = mz_cells_gazetteer(cells);
    if (k->nunits != mz_gazetteer_count(gz) || k->nstrata != mz_gazetteer_strata_count(gz))
        return false;
    for (size_t s = 0; s < k->nstrata; s++) {
        double w[MZ_NGRP][MZ_NMEAS];
        memcpy(w, k->slot[k->nunits + s].w, sizeof w);
        for (size_t u = 0; u < k->nunits; u++)
            if ((size_t)mz_gazetteer_unit_stratum(gz, u) == s)
                for (int g = 0; g < MZ_NGRP; g++)
                    for (int m = 0; m < MZ_NMEAS; m++)
                        w[g][m] += k->slot[u].w[g][m];
        const mz_cell_t *cs = mz_cells_stratum(cells, s);
        for (int g = 0; g < MZ_NGRP; g++)
            for (int m = 0; m < MZ_NMEAS; m++)
                if (!near(w[g][m], cs->w[g][m]))
                    return false;
    }
    for (size_t u = 0; u < k->nunits; u++) {
        const mz_cell_t *cu = mz_cells_unit(cells, u);
        for (int g = 0; g < MZ_NGRP; g++)
            for (int m = 0; m < MZ_NMEAS; m++)
                if (!near(k->slot[u].w[g][m], cu->w[g][m]))
                    return false;
    }
    return true;
}

/* Approximate variance (proportions) of a rate or a gap: each ratio p with Kish's effective sample
 * size n_eff = (Σw)² / Σw² of its denominator, Var ≈ deff · p(1-p) / n_eff; the ratios of a gap
 * are taken as independent. */
static bool kish_row(const mz_kish_t *k, double deff, const int *slots, size_t nslots, comp_t *c,
                     size_t nc, double *var)
{
    double v = 0;
    for (size_t i = 0; i < nc; i++) {
        double y = 0, x = 0, x2 = 0;
        for (size_t j = 0; j < nslots; j++) {
            const kish_slot_t *ks = &k->slot[slots[j]];
            y += fterm_sum(&c[i].num, ks->w);
            x += fterm_sum(&c[i].den, ks->w);
            x2 += fterm_sum(&c[i].den, ks->w2);
        }
        if (!(x > 0) || !(x2 > 0))
            return false;
        double p = y / x, neff = x * x / x2;
        v += deff * p * (1 - p) / neff;
    }
    *var = v;
    return true;
}

/* ---- all rows ---- */

static mz_status_t check_options(const mz_variance_options_t *o, mz_error_t *err)
{
    if (!(o->ci_level > 0 && o->ci_level < 100))
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, "ci-level", NULL, "%s",
                            mz_tr("Konfidenzniveau muss zwischen 0 und 100 (Prozent) liegen",
                                  "confidence level must be between 0 and 100 (percent)"));
    if (!(o->deff > 0) || !isfinite(o->deff))
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, "deff", NULL, "%s",
                            mz_tr("Designeffekt muss eine Zahl > 0 sein",
                                  "design effect must be a number > 0"));
    if ((unsigned)o->ci_method > MZ_CI_BETA || (unsigned)o->lonely_psu > MZ_LONELY_FAIL)
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL, "%s",
                            mz_tr("unbekanntes Varianzverfahren", "unknown variance option"));
    return MZ_OK;
}

mz_status_t mz_variance_compute(mz_results_t *res, const mz_kish_t *kish,
                                const mz_variance_options_t *opt, mz_variance_info_t *info,
                                mz_error_t *err)
{
    gsl_quiet();
    mz_variance_info_t inf;
    memset(&inf, 0, sizeof inf);
    if (info)
        *info = inf;
    mz_status_t st = check_options(opt, err);
    if (st != MZ_OK)
        return st;
    const mz_cells_t *cells = mz_results_cells(res);
    const mz_gazetteer_t *gz = mz_cells_gazetteer(cells);
    const size_t nunits = mz_gazetteer_count(gz), nstrata = mz_gazetteer_strata_count(gz);
    const size_t nrows = mz_results_count(res);
    for (size_t i = 0; i < nrows; i++) {
        mz_estimate_t *e = mz_results_get(res, i);
        e->se = e->ci_low = e->ci_high = NAN;
        e->se_approx = false;
    }
    design_t d;
    memset(&d, 0, sizeof d);
    bool have_design = false;
    if (mz_cells_has_design(cells)) {
        inf.method = MZ_VAR_DESIGN;
        st = design_init(&d, cells, opt->lonely_psu, err);
        if (st != MZ_OK)
            return st;
        have_design = true;
        inf.psus = d.npsu;
        inf.design_strata = d.nds;
        for (size_t h = 0; h < d.nds; h++)
            inf.lonely_strata += d.ds_n[h] == 1;
        if (inf.lonely_strata && opt->lonely_psu == MZ_LONELY_FAIL) {
            design_finish(&d);
            return mz_error_set(
                err, MZ_ERR_DATA, NULL, 0, "stratum", NULL,
                mz_tr("%zu Auswahlschicht(en) mit nur einem Auswahlbezirk (psu): "
                      "Standardfehler nicht schätzbar bei --lonely-psu fail "
                      "(adjust oder remove wählen)",
                      "%zu sampling strat(um/a) with a single sampling unit (psu): standard "
                      "errors cannot be estimated with --lonely-psu fail (choose adjust or "
                      "remove)"),
                inf.lonely_strata);
        }
    } else if (kish_covers(kish, cells)) {
        inf.method = MZ_VAR_KISH;
        inf.approximate = true;
    } else {
        if (info)
            *info = inf;
        return MZ_OK;
    }
    int *slots = malloc((nunits + nstrata + 1) * sizeof *slots);
    if (!slots) {
        if (have_design)
            design_finish(&d);
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    }
    for (size_t i = 0; i < nrows && !have_design; i++) {
        mz_estimate_t *e = mz_results_get(res, i);
        comp_t c[2];
        size_t nc;
        if (!isfinite(e->p.estimate) || (nc = row_comps(e, c)) == 0)
            continue;
        size_t ns = region_slots(e->region, nunits, nstrata, slots);
        double var, df = e->p.n > 1 ? (double)(e->p.n - 1) : 0;
        if (!kish_row(kish, opt->deff, slots, ns, c, nc, &var) || !(var >= 0))
            continue;
        e->se = 100.0 * sqrt(var);
        e->se_approx = true;
        mz_ci_interval(opt->ci_method, opt->ci_level, e->p.estimate, e->se,
                       e->group != MZ_G_GAP, (double)e->p.n, df, &e->ci_low, &e->ci_high);
        inf.rows_with_se++;
    }
    if (have_design) {
        size_t rows = 0;
        st = design_all(&d, res, opt, &rows, err);
        inf.rows_with_se += rows;
        if (st != MZ_OK) {
            free(slots);
            design_finish(&d);
            return st;
        }
    }
    free(slots);
    if (have_design)
        design_finish(&d);
    if (info)
        *info = inf;
    return MZ_OK;
}
