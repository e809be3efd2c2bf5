/* variance.c — standard errors and confidence intervals: design-based Taylor linearisation over
 * the per-PSU totals of the aggregation, the Kish approximation without design columns, and the
 * interval methods. The formulas are written out in docs/methodology.md. */
#include "mzatlas/mz_variance.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <float.h>
#include <math.h>
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

/* The measures a record counts in (the same classification as the aggregation; the tests check
 * that both give the same weighted sums). */
static uint32_t kish_measures(const mz_record_t *r, mz_age_band_t band)
{
    const bool employed = r->ilo == MZ_ILO_EMPLOYED;
    uint32_t m = 1u << MZ_M_POP;
    if (r->age >= band.lo && r->age <= band.hi) {
        m |= 1u << MZ_M_POP_BAND;
        if (employed)
            m |= 1u << MZ_M_EMP_BAND;
        else if (r->ilo == MZ_ILO_UNEMPLOYED)
            m |= 1u << MZ_M_UNEMP_BAND;
    }
    if (employed) {
        m |= 1u << MZ_M_EMP;
        if (r->selfemp)
            m |= 1u << MZ_M_SELF;
        if (r->sector >= MZ_SECTOR_AGRICULTURE && r->sector <= MZ_SECTOR_SERVICES)
            m |= 1u << (MZ_M_SEC_AGR + (r->sector - MZ_SECTOR_AGRICULTURE));
    }
    return m;
}

void mz_kish_add_record(mz_kish_t *k, const mz_record_t *rec)
{
    size_t s;
    if (rec->unit >= 0 && (size_t)rec->unit < k->nunits)
        s = (size_t)rec->unit;
    else if (rec->stratum >= 0 && (size_t)rec->stratum < k->nstrata)
        s = k->nunits + (size_t)rec->stratum;
    else
        return;
    kish_slot_t *ks = &k->slot[s];
    const int g = rec->mig > 0 ? MZ_GRP_WITH : MZ_GRP_WITHOUT;
    const double w = rec->weight, w2 = rec->weight * rec->weight;
    const uint32_t ms = kish_measures(rec, k->band);
    /* +0.0 for the measures the record is not in: the same sums, without branches */
    mz_row_add_masked(ks->w[g], w, ms);
    mz_row_add_masked(ks->w2[g], w2, ms);
    k->records++;
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

/* Measure indices of a measure mask. */
typedef struct mlist {
    size_t n;
    uint8_t m[MZ_NMEAS];
} mlist_t;

static void mlist_init(mlist_t *l, uint32_t mmask)
{
    l->n = 0;
    for (int m = 0; m < MZ_NMEAS; m++)
        if (mmask & (1u << m))
            l->m[l->n++] = (uint8_t)m;
}

static double mlist_sum(const mlist_t *l, const double *w)
{
    double s = 0;
    for (size_t i = 0; i < l->n; i++)
        s += w[l->m[i]];
    return s;
}

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

typedef struct design {
    const mz_cells_t *cells;
    mz_lonely_psu_t lonely;
    size_t nunits, nstrata, nslots;
    size_t npsu, nds;
    uint32_t *psu_ds;      /* [npsu] design stratum of each PSU */
    uint32_t *ds_n;        /* [nds] PSUs per design stratum */
    size_t *slot_off;      /* [nslots + 1] */
    uint32_t *slot_part;   /* part indices grouped by slot */
    /* The current domain (a region and the measures of an indicator): per PSU the numerator
     * and denominator totals of both groups, reused while consecutive rows share it. */
    const mz_region_t *dom_region;
    uint32_t dom_num_m, dom_den_m;
    double *acc;           /* [npsu][4]: numerator by group, then denominator by group */
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
} design_t;

static void design_finish(design_t *d)
{
    free(d->psu_ds);
    free(d->ds_n);
    free(d->slot_off);
    free(d->slot_part);
    free(d->acc);
    free(d->psu_on);
    free(d->psu_list);
    free(d->ds_sum);
    free(d->ds_ss);
    free(d->ds_mean);
    free(d->ds_t);
    free(d->ds_m);
    free(d->ds_list);
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
    const size_t np = d->npsu ? d->npsu : 1, nd = d->nds ? d->nds : 1;
    const size_t nparts = mz_cells_psu_part_count(cells);
    d->psu_ds = malloc(np * sizeof *d->psu_ds);
    d->ds_n = calloc(nd, sizeof *d->ds_n);
    d->slot_off = calloc(d->nslots + 1, sizeof *d->slot_off);
    d->slot_part = malloc((nparts ? nparts : 1) * sizeof *d->slot_part);
    d->acc = malloc(np * 4 * sizeof *d->acc);
    d->psu_on = calloc(np, sizeof *d->psu_on);
    d->psu_list = malloc(np * sizeof *d->psu_list);
    d->ds_sum = calloc(nd * ROWS_MAX, sizeof *d->ds_sum);
    d->ds_ss = calloc(nd * ROWS_MAX, sizeof *d->ds_ss);
    d->ds_mean = calloc(nd * ROWS_MAX, sizeof *d->ds_mean);
    d->ds_t = calloc(nd, sizeof *d->ds_t);
    d->ds_m = calloc(nd * ROWS_MAX, sizeof *d->ds_m);
    d->ds_list = malloc(nd * sizeof *d->ds_list);
    size_t *next = malloc((d->nslots ? d->nslots : 1) * sizeof *next);
    if (!d->psu_ds || !d->ds_n || !d->slot_off || !d->slot_part || !d->acc || !d->psu_on ||
        !d->psu_list || !d->ds_sum || !d->ds_ss || !d->ds_mean || !d->ds_t || !d->ds_m ||
        !d->ds_list || !next) {
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
        size_t s = part_slot(d, mz_cells_psu_part(cells, i));
        if (s >= d->nslots) {
            free(next);
            design_finish(d);
            return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL,
                                "PSU part without unit or stratum");
        }
        d->slot_off[s + 1]++;
    }
    for (size_t s = 1; s <= d->nslots; s++)
        d->slot_off[s] += d->slot_off[s - 1]; /* slot s spans [slot_off[s], slot_off[s + 1]) */
    memcpy(next, d->slot_off, d->nslots * sizeof *next);
    for (size_t i = 0; i < nparts; i++)
        d->slot_part[next[part_slot(d, mz_cells_psu_part(cells, i))]++] = (uint32_t)i;
    free(next);
    return MZ_OK;
}

/* Sum the domain's parts per PSU (unless the previous row had the same domain). */
static void design_domain(design_t *d, const mz_region_t *region, const int *slots, size_t nslots,
                          uint32_t num_m, uint32_t den_m)
{
    if (d->dom_region == region && d->dom_num_m == num_m && d->dom_den_m == den_m)
        return;
    for (size_t i = 0; i < d->npsu_list; i++)
        d->psu_on[d->psu_list[i]] = 0;
    d->npsu_list = 0;
    memset(d->tot, 0, sizeof d->tot);
    mlist_t ln, ld;
    mlist_init(&ln, num_m);
    mlist_init(&ld, den_m);
    for (size_t i = 0; i < nslots; i++)
        for (size_t j = d->slot_off[slots[i]]; j < d->slot_off[slots[i] + 1]; j++) {
            const mz_psu_part_t *p = mz_cells_psu_part(d->cells, d->slot_part[j]);
            double v[4];
            for (int g = 0; g < MZ_NGRP; g++) {
                v[g] = mlist_sum(&ln, p->w[g]);
                v[MZ_NGRP + g] = mlist_sum(&ld, p->w[g]);
            }
            if (v[0] == 0 && v[1] == 0 && v[2] == 0 && v[3] == 0)
                continue;
            double *a = d->acc + 4 * (size_t)p->psu;
            if (!d->psu_on[p->psu]) {
                d->psu_on[p->psu] = 1;
                d->psu_list[d->npsu_list++] = p->psu;
                a[0] = a[1] = a[2] = a[3] = 0;
            }
            for (int k = 0; k < 4; k++) {
                a[k] += v[k];
                d->tot[k] += v[k];
            }
        }
    d->dom_region = region;
    d->dom_num_m = num_m;
    d->dom_den_m = den_m;
}

static double gsum(uint32_t gmask, const double *v)
{
    double s = 0;
    for (int g = 0; g < MZ_NGRP; g++)
        if (gmask & (1u << g))
            s += v[g];
    return s;
}

/* The linearised total of a PSU for one row, z = Σ_g a_g y_g + b_g x_g (v: the PSU's numerator
 * then denominator totals by group). Both passes below compute it with this one expression. */
static inline double row_z(const double *a, const double *b, const double *v)
{
    double z = 0;
    for (int g = 0; g < MZ_NGRP; g++)
        z += a[g] * v[g] + b[g] * v[MZ_NGRP + g];
    return z;
}

/* Variance (proportions, not percent) of Σ coef·ratio over the current domain, for nr <= ROWS_MAX
 * rows at once: every PSU of the design enters, those without domain members with a zero
 * linearised total. For row k: ok[k] false when a ratio is undefined, else var[k] and df[k] (the
 * PSUs with members of the first ratio's denominator minus their design strata). Each row's
 * sums run in the same order as when it is computed alone, so the results do not depend on
 * which rows share the pass. */
static void design_rows(design_t *d, const rowdef_t *rd, size_t nr, bool *ok, double *var,
                        double *df)
{
    /* z_i = Σ_k coef_k (Y_ki - r_k X_ki) / X_k = Σ_g a_g y_gi + b_g x_gi */
    double a[ROWS_MAX][MZ_NGRP], b[ROWS_MAX][MZ_NGRP];
    size_t act[ROWS_MAX], na = 0; /* the rows with defined ratios */
    for (size_t r = 0; r < nr; r++) {
        ok[r] = true;
        for (int g = 0; g < MZ_NGRP; g++)
            a[r][g] = b[r][g] = 0;
        for (size_t k = 0; k < rd[r].nc; k++) {
            double y = gsum(rd[r].c[k].gn, d->tot), x = gsum(rd[r].c[k].gd, d->tot + MZ_NGRP);
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
    size_t members[ROWS_MAX] = {0}, member_strata[ROWS_MAX] = {0};
    for (size_t i = 0; i < d->npsu_list; i++) {
        const uint32_t psu = d->psu_list[i], h = d->psu_ds[psu];
        const double *v = d->acc + 4 * (size_t)psu;
        double *sum = d->ds_sum + (size_t)h * ROWS_MAX;
        uint32_t *m = d->ds_m + (size_t)h * ROWS_MAX;
        if (d->ds_t[h]++ == 0) {
            d->ds_list[d->nds_list++] = h;
            for (size_t j = 0; j < na; j++) {
                sum[j] = d->ds_ss[(size_t)h * ROWS_MAX + j] = 0;
                m[j] = 0;
            }
        }
        for (size_t j = 0; j < na; j++) {
            const size_t r = act[j];
            sum[j] += row_z(a[r], b[r], v);
            if (gsum(rd[r].c[0].gd, v + MZ_NGRP) > 0) {
                members[j]++;
                member_strata[j] += m[j]++ == 0;
            }
        }
    }
    for (size_t i = 0; i < d->nds_list; i++) {
        const size_t h = d->ds_list[i];
        for (size_t j = 0; j < na; j++)
            d->ds_mean[h * ROWS_MAX + j] = d->ds_sum[h * ROWS_MAX + j] / d->ds_n[h];
    }
    /* squared deviations from the stratum mean over all its n_h PSUs */
    for (size_t i = 0; i < d->npsu_list; i++) {
        const uint32_t psu = d->psu_list[i], h = d->psu_ds[psu];
        const double *v = d->acc + 4 * (size_t)psu;
        const double *mean = d->ds_mean + (size_t)h * ROWS_MAX;
        double *ss = d->ds_ss + (size_t)h * ROWS_MAX;
        for (size_t j = 0; j < na; j++) {
            const size_t r = act[j];
            double dev = row_z(a[r], b[r], v) - mean[j];
            ss[j] += dev * dev;
        }
    }
    for (size_t j = 0; j < na; j++) {
        double v = 0;
        for (size_t i = 0; i < d->nds_list; i++) {
            const uint32_t h = d->ds_list[i];
            const double sum = d->ds_sum[(size_t)h * ROWS_MAX + j];
            double nh = d->ds_n[h];
            if (d->ds_n[h] == 1) {
                /* lonely PSU: "adjust" centres at the grand mean, which is 0 for linearised
                 * values */
                if (d->lonely == MZ_LONELY_ADJUST)
                    v += sum * sum;
            } else {
                double mean = sum / nh;
                v += nh / (nh - 1) *
                     (d->ds_ss[(size_t)h * ROWS_MAX + j] + (nh - d->ds_t[h]) * mean * mean);
            }
        }
        var[act[j]] = v;
        df[act[j]] = (double)members[j] - (double)member_strata[j];
    }
    for (size_t i = 0; i < d->nds_list; i++)
        d->ds_t[d->ds_list[i]] = 0;
    d->nds_list = 0;
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
    /* design: the rows of a domain (region and measures; a rate's groups and its gap follow one
     * another) in one pass */
    for (size_t i = 0; i < nrows && have_design;) {
        size_t idx[ROWS_MAX], nb = 0, j = i;
        rowdef_t rds[ROWS_MAX];
        const mz_region_t *region = NULL;
        for (; j < nrows && nb < ROWS_MAX; j++) {
            mz_estimate_t *e = mz_results_get(res, j);
            comp_t c[2];
            rowdef_t rd;
            if (!isfinite(e->p.estimate) || row_comps(e, c) == 0 || !row_def(e, &rd))
                continue;
            if (nb > 0 && (e->region != region || rd.num_m != rds[0].num_m ||
                           rd.den_m != rds[0].den_m))
                break;
            region = e->region;
            idx[nb] = j;
            rds[nb++] = rd;
        }
        i = j;
        if (nb == 0)
            continue;
        size_t ns = region_slots(region, nunits, nstrata, slots);
        design_domain(&d, region, slots, ns, rds[0].num_m, rds[0].den_m);
        bool ok[ROWS_MAX];
        double var[ROWS_MAX], df[ROWS_MAX];
        design_rows(&d, rds, nb, ok, var, df);
        for (size_t k = 0; k < nb; k++) {
            if (!ok[k] || !(var[k] >= 0))
                continue;
            mz_estimate_t *e = mz_results_get(res, idx[k]);
            e->se = 100.0 * sqrt(var[k]);
            e->se_approx = false;
            mz_ci_interval(opt->ci_method, opt->ci_level, e->p.estimate, e->se,
                           e->group != MZ_G_GAP, (double)e->p.n, df[k], &e->ci_low,
                           &e->ci_high);
            inf.rows_with_se++;
        }
    }
    free(slots);
    if (have_design)
        design_finish(&d);
    if (info)
        *info = inf;
    return MZ_OK;
}
