/* synth.c — the synthetic, calibrated Mikrozensus sample (mz_synth.h).
 *
 * How a sample is made (docs/reproducing-the-2010-report.md has every target and its source):
 *   1. Plan: for every unit of the year, its 2007 population (LSN Kreis counts, data/real A3,
 *      2010, scaled to 7,977,850) and its share of persons with migration background (MH; same
 *      source, scaled to 1,258,762, with a few documented calibration overrides). The sample size
 *      per unit is proportional to its population; every record of a unit carries the same
 *      weight (population / sample size).
 *   2. Counts: per unit and group (without / with MH) the integer numbers of persons in each age
 *      class, employed, unemployed, self-employed and employed per sector, from the parameters
 *      below. No randomness is involved, so every seed gives the same aggregates.
 *   3. Calibration: a few persons are moved between statuses (inactive ↔ employed, services ↔
 *      another sector) in chosen units until the published Land and stratum figures of the report
 *      come out exactly (to one decimal).
 *   4. Records: the seed decides ages, sex, German or foreign MH, which persons carry which
 *      status, and the clustering of persons into Auswahlbezirke of 10–20 persons (persons with
 *      MH and unemployed persons cluster, as they do in real neighbourhoods), so design-based
 *      standard errors see a realistic between-PSU variation. */
#include "mzatlas/mz_synth.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "mzatlas/mz_gazetteer.h"
#include "mzatlas/mz_run.h"
#include "util.h"

void mz_synth_options_init(mz_synth_options_t *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->year = 2007;
    opt->seed = MZ_SYNTH_SEED_DEFAULT;
}

/* ---- source figures ---- */

/* Population and persons with MH (narrow definition), weighted persons: LSN Kreis table A10,
 * year 2010 (data/real/ni-kreise-2019-migration.csv, rows year=2010, measures population and
 * with_mh), the year closest to 2007 with the 2007 Kreis structure. */
typedef struct base_row {
    const char *ags;
    double pop, mh;
} base_row_t;

static const base_row_t base_rows[] = {
    {"03101", 247163.69, 53288.24},   {"03102", 103226.2, 25286.53},
    {"03103", 121044.55, 39835.26},   {"03151", 173088.36, 29067.38},
    {"03152", 258642.28, 37578.33},   {"03153", 144276.94, 16708.21},
    {"03154", 93709.47, 9541.16},     {"03155", 140294.42, 14578.79},
    {"03156", 78115.39, 7226.92},     {"03157", 131855.15, 24174.1},
    {"03158", 122671.47, 19293.93},   {"03241", 1129124.41, 256723.07},
    {"03241001", 520325.96, 149589.61}, {"03241999", 608798.45, 107133.46},
    {"03251", 214161.72, 28140.51},   {"03252", 154913.42, 19152.3},
    {"03254", 283964.51, 45666.61},   {"03255", 73720.99, 8274.19},
    {"03256", 123521.87, 24697.26},   {"03257", 161517.13, 22666.8},
    {"03351", 179020.87, 28221.3},    {"03352", 201044.66, 26356.29},
    {"03353", 245512.3, 30965.64},    {"03355", 176844.07, 19720.4},
    {"03356", 111920.52, 6848.23},    {"03357", 164009.52, 23880.46},
    {"03358", 139994.33, 19634.21},   {"03359", 196405.84, 22324.14},
    {"03361", 133257.01, 18871.64},   {"03401", 74478.59, 20683.29},
    {"03403", 161130.82, 26264.25},   {"03404", 163225.55, 39280.75},
    {"03405", 80981.87, 11074.84},    {"03451", 117518.7, 16138.24},
    {"03452", 188979.63, 13222.98},   {"03453", 157869.02, 43466.69},
    {"03454", 312535.18, 57229.3},    {"03456", 135189.88, 29553.01},
    {"03458", 126868.75, 11328.72},   {"03459", 356957.72, 77042.5},
    {"03460", 135920.75, 33947.28},   {"03461", 91133.52, 17041.96},
};

/* Six Kreise have no value of their own in A10. Their population and MH come from the 2011
 * stratum residual: the stratum total (data/real/ni-strata-population.csv, 2011) minus the
 * Kreise of the stratum that A10 has (2011). The residual is split by approximate 2007 official
 * populations in thousands (not in data/real; they only split the residual). */
typedef struct residual_row {
    const char *ags;
    const char *stratum;
    double approx_pop; /* thousands, only a split key */
} residual_row_t;

static const residual_row_t residual_rows[] = {
    {"03354", "RA_08", 50.4},  /* Lüchow-Dannenberg */
    {"03360", "RA_08", 95.0},  /* Uelzen */
    {"03402", "RA_09", 51.7},  /* Emden */
    {"03455", "RA_09", 100.5}, /* Friesland */
    {"03457", "RA_09", 165.0}, /* Leer */
    {"03462", "RA_09", 57.5},  /* Wittmund */
};

/* The residuals (2011): RA_08 = 762,237.88 − Celle, Lüneburg, Heidekreis, Verden;
 * RA_09 = 722,880.35 − Wilhelmshaven, Aurich, Wesermarsch; population and with MH. */
static const struct {
    const char *stratum;
    double pop, mh;
} residuals[] = {
    {"RA_08", 142694.01, 17965.11},
    {"RA_09", 368591.81, 35493.98},
};

/* ---- calibration parameters ---- */

/* Per-stratum defaults (invented): employment rates 18–64 without / with MH and the
 * unemployment rate without MH, in percent. The Land employment rates are calibrated exactly
 * afterwards; these only shape the regional pattern. */
static const struct stratum_param {
    const char *code;
    double er_without, er_with, ur_without;
} strata_params[] = {
    {"RA_01", 74.0, 62.5, 7.0}, {"RA_02", 73.0, 60.5, 7.5},       {"RA_03", 72.5, 60.0, 8.0},
    {"RA_04", 76.0, 63.0, 6.0}, {"RA_03+RA_04", 74.5, 61.5, 7.0}, {"RA_05", 74.0, 61.0, 7.0},
    {"RA_06", 75.5, 62.5, 6.0}, {"RA_07", 76.5, 63.5, 5.5},       {"RA_08", 75.0, 62.0, 6.5},
    {"RA_09", 72.0, 60.0, 8.0}, {"RA_10", 76.0, 64.0, 5.5},       {"RA_11", 76.5, 64.5, 5.0},
};
static const struct stratum_param stratum_default = {"", 74.8, 62.1, 6.5};

/* Per-unit calibration (0 = default). Each entry names the finding it serves. */
typedef struct unit_calib {
    const char *ags;
    double mh_share;   /* MH share, percent, replacing the scaled LSN share */
    double ur_gap;     /* unemployment rate with minus without MH, percentage points */
    double er_with;    /* added to the employment rate with MH, percentage points */
    double se_without; /* self-employment share without MH, percent */
    double se_gap;     /* self-employment share with minus without MH, percentage points */
    double se_with;    /* self-employment share with MH, percent (instead of se_gap) */
    int se_with_cases; /* exact number of self-employed records with MH */
} unit_calib_t;

static const unit_calib_t calib[] = {
    /* S3: further regions with an unemployment gap of 10 to 12 */
    {.ags = "03102", .ur_gap = 11.2},
    {.ags = "03241", .ur_gap = 10.9},
    {.ags = "03241001", .ur_gap = 10.9},
    {.ags = "03241999", .ur_gap = 10.9},
    {.ags = "03401", .ur_gap = 11.3},
    {.ags = "03454", .ur_gap = 10.7},
    /* R19: gap of 12 and more */
    {.ags = "03251", .ur_gap = 13.6},
    {.ags = "03256", .ur_gap = 14.2},
    {.ags = "03257", .ur_gap = 13.4},
    {.ags = "03351", .ur_gap = 13.3},
    /* R19, and publishable alone for the unemployment and self-employment shares (R14 order) */
    {.ags = "03405", .mh_share = 16.5, .ur_gap = 14.6, .er_with = 6.0},
    /* R19 and R14 */
    {.ags = "03457", .ur_gap = 13.9, .se_gap = 5.5},
    /* H5/H6: Friesland and Wittmund fail alone, pass together, gap 10 to 12 */
    {.ags = "03455", .ur_gap = 11.2},
    {.ags = "03462", .ur_gap = 11.0},
    /* Emden/Aurich: Aurich fails alone too, so Emden joins Aurich (not Leer, R19/R14) */
    {.ags = "03452", .mh_share = 5.0},
    /* R14: self-employment share with MH above that without */
    {.ags = "03359", .se_gap = 5.5},
    {.ags = "03456", .mh_share = 21.5, .se_gap = 5.5}, /* and R2 */
    /* R2 */
    {.ags = "03459", .mh_share = 21.0},
    /* R15: self-employment share with MH far below that without */
    {.ags = "03352", .se_without = 12.5, .se_with = 3.5},
    {.ags = "03361", .se_without = 12.5, .se_with = 3.5},
    {.ags = "03404", .ur_gap = 10.8, .se_without = 12.5, .se_with = 3.5}, /* and S3 */
    /* R15: one and two self-employed persons with MH are secret alone (fewer than 3 cases),
     * so Osterholz/Rotenburg (Wümme) and Ammerland/Cloppenburg are merged */
    {.ags = "03356", .se_without = 12.5, .se_with_cases = 1},
    {.ags = "03357", .se_without = 12.5, .se_with_cases = 2},
    {.ags = "03451", .se_without = 12.5, .se_with_cases = 1},
    {.ags = "03453", .se_without = 12.5, .se_with_cases = 2},
    /* Ammerland/Cloppenburg must be the only possible merge: LK Oldenburg passes alone */
    {.ags = "03458", .mh_share = 10.0},
    /* Lüchow-Dannenberg/Uelzen: Uelzen fails alone as well, so the pair is the only merge */
    {.ags = "03360", .mh_share = 10.0},
};

/* Units where persons are moved to reach the Land totals: large, far from every threshold and
 * not named in any finding. */
static const char *const tunable_units[] = {"03101", "03103", "03151", "03152", "03159", "03155",
                                            "03157", "03254", "03353", "03355", "03358"};

/* Calibration targets of the report (percent, one decimal). */
#define T_ER_WITHOUT 74.8     /* R12, line 1098 */
#define T_ER_WITH 62.1        /* R12, line 1098 */
#define T_PROD_LAND 17.0      /* R6, line 1083 */
#define T_PROD_RA10 25.0      /* R7, line 1083 */
#define T_PROD_RA11 22.5      /* R7, line 1083 */
#define T_TRADE_LAND 16.6     /* R9, line 1085 */
#define T_TRADE_HANNOVER 23.6 /* R10, line 1085 */
#define T_TRADE_RA01 21.5     /* R10 "über 20 %", line 1085 (the value is invented) */
/* Invented, so that the strata the report names stand out as it says: production highest in
 * Oldenburger Raum and Westniedersachsen (R7), trade above 20 % only in Hannover and
 * Ostniedersachsen (R10). */
#define T_PROD_HANNOVER 18.0
#define T_PROD_RA01 19.0
#define T_TRADE_RA11 19.0

enum { G_WITHOUT = 0, G_WITH = 1, G_N };
enum { S_AGR = 0, S_PROD, S_TRADE, S_SERV, S_N };

/* Age structure (shares of a group): 0–14, 15–17, 18–64 (rest), 65+. Employed outside the
 * band: shares of 15–17 and of 65+. Invented, close to Niedersachsen 2007. */
static const double age_young[G_N] = {0.135, 0.205};
static const double age_teen[G_N] = {0.035, 0.045};
static const double age_old[G_N] = {0.215, 0.085};
static const double emp_teen[G_N] = {0.12, 0.08};
static const double emp_old[G_N] = {0.04, 0.025};

/* ---- the plan ---- */

typedef struct group_counts {
    long n;               /* persons */
    long a0, a1, a2, a3;  /* 0–14, 15–17, 18–64, 65+ */
    long e1, e2, e3;      /* employed among a1, a2, a3 */
    long u2;              /* unemployed 18–64 */
    long self;            /* self-employed (among e2 + e3) */
    long sec[S_N];        /* employed by sector (sum = e1 + e2 + e3) */
    long german;          /* with MH: Germans (mig 1); the rest are foreign nationals */
} group_counts_t;

typedef struct plan {
    const char *ags;
    const char *stratum;
    mz_unit_kind_t kind;
    double base_pop, base_mh;
    double pop, share;    /* 2007 population, MH share (fraction) */
    long n;               /* records */
    double w;             /* weight of every record */
    bool tunable;
    bool fixed_share;     /* MH share set by the calibration */
    double h[4];          /* fixed pseudo-random numbers of the unit, from its AGS */
    const unit_calib_t *cal;
    group_counts_t g[G_N];
} plan_t;

static const unit_calib_t no_calib = {.ags = ""};

static const base_row_t *find_base(const char *ags)
{
    for (size_t i = 0; i < sizeof base_rows / sizeof base_rows[0]; i++)
        if (strcmp(base_rows[i].ags, ags) == 0)
            return &base_rows[i];
    return NULL;
}

/* Population and MH of a unit from the source figures; false if there are none. */
static bool base_figures(const char *ags, double *pop, double *mh)
{
    const base_row_t *b = find_base(ags);
    if (b) {
        *pop = b->pop;
        *mh = b->mh;
        return true;
    }
    if (strcmp(ags, "03159") == 0) { /* Göttingen since 2016 = old Göttingen + Osterode */
        const base_row_t *x = find_base("03152"), *y = find_base("03156");
        *pop = x->pop + y->pop;
        *mh = x->mh + y->mh;
        return true;
    }
    for (size_t i = 0; i < sizeof residual_rows / sizeof residual_rows[0]; i++) {
        const residual_row_t *r = &residual_rows[i];
        if (strcmp(r->ags, ags) != 0)
            continue;
        double key = 0;
        for (size_t j = 0; j < sizeof residual_rows / sizeof residual_rows[0]; j++)
            if (strcmp(residual_rows[j].stratum, r->stratum) == 0)
                key += residual_rows[j].approx_pop;
        for (size_t j = 0; j < sizeof residuals / sizeof residuals[0]; j++)
            if (strcmp(residuals[j].stratum, r->stratum) == 0) {
                *pop = residuals[j].pop * r->approx_pop / key;
                *mh = residuals[j].mh * r->approx_pop / key;
                return true;
            }
    }
    return false;
}

static const unit_calib_t *find_calib(const char *ags)
{
    for (size_t i = 0; i < sizeof calib / sizeof calib[0]; i++)
        if (strcmp(calib[i].ags, ags) == 0)
            return &calib[i];
    return &no_calib;
}

static const struct stratum_param *find_stratum_param(const char *code)
{
    for (size_t i = 0; i < sizeof strata_params / sizeof strata_params[0]; i++)
        if (strcmp(strata_params[i].code, code) == 0)
            return &strata_params[i];
    return &stratum_default;
}

static bool is_tunable(const char *ags)
{
    for (size_t i = 0; i < sizeof tunable_units / sizeof tunable_units[0]; i++)
        if (strcmp(tunable_units[i], ags) == 0)
            return true;
    return false;
}

/* Four numbers in [0, 1) that depend only on the AGS: regional variety without randomness. */
static void unit_hash(const char *ags, double h[4])
{
    uint64_t x = 1469598103934665603ull;
    for (const char *p = ags; *p; p++)
        x = (x ^ (unsigned char)*p) * 1099511628211ull;
    for (int i = 0; i < 4; i++) {
        x += 0x9e3779b97f4a7c15ull;
        uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        h[i] = (double)(z >> 11) / 9007199254740992.0;
    }
}

/* Rounded count, avoiding 1 and 2: a cell of one or two cases would be secret (--min-cases 3)
 * and force merges nobody asked for. */
static long count_of(double x)
{
    long k = lround(x);
    if (k == 1 || k == 2)
        k = x >= 1.5 ? 3 : 0;
    return k < 0 ? 0 : k;
}

static long clampl(long v, long lo, long hi) { return v < lo ? lo : v > hi ? hi : v; }

static long employed(const group_counts_t *g) { return g->e1 + g->e2 + g->e3; }

static bool use_unit(const mz_unit_t *u, int year)
{
    if (!mz_unit_valid_in(u, year))
        return false;
    /* the Land's ten 2007 strata have the whole Region Hannover; LSN's eleven strata (from
     * 2011) split it into the Landeshauptstadt and the Umland */
    if (u->kind == MZ_KIND_REGION)
        return year < 2011;
    if (u->kind == MZ_KIND_TEILREGION)
        return year >= 2011;
    return true;
}

typedef struct synth {
    plan_t *p;
    size_t np;
} synth_t;

static mz_status_t make_plans(synth_t *s, const mz_gazetteer_t *gz, int year, long persons,
                              mz_error_t *err)
{
    size_t nu = mz_gazetteer_count(gz);
    s->p = calloc(nu ? nu : 1, sizeof *s->p);
    if (!s->p)
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    double sum_pop = 0;
    for (size_t i = 0; i < nu; i++) {
        const mz_unit_t *u = mz_gazetteer_unit(gz, i);
        if (!use_unit(u, year))
            continue;
        plan_t *p = &s->p[s->np++];
        p->ags = u->ags;
        p->stratum = mz_gazetteer_stratum_code(gz, (size_t)mz_gazetteer_unit_stratum(gz, i));
        p->kind = u->kind;
        if (!base_figures(u->ags, &p->base_pop, &p->base_mh))
            return mz_error_set(err, MZ_ERR_DATA, NULL, 0, "ags", u->ags, "%s",
                                mz_tr("für diese Einheit hat der Generator keine "
                                      "Bevölkerungszahlen (nur die Kreise Niedersachsens)",
                                      "the generator has no population figures for this unit "
                                      "(only the Kreise of Niedersachsen)"));
        p->cal = find_calib(u->ags);
        p->tunable = is_tunable(u->ags);
        unit_hash(u->ags, p->h);
        sum_pop += p->base_pop;
    }
    if (s->np == 0)
        return mz_error_set(err, MZ_ERR_DATA, NULL, 0, NULL, NULL,
                            mz_tr("keine Einheiten im Jahr %d", "no units in year %d"), year);
    /* population: scaled to the 2007 total */
    const double fpop = MZ_SYNTH_POPULATION_2007 / sum_pop;
    double fixed_mh = 0, free_mh = 0;
    for (size_t i = 0; i < s->np; i++) {
        plan_t *p = &s->p[i];
        p->pop = p->base_pop * fpop;
        p->fixed_share = p->cal->mh_share > 0;
        if (p->fixed_share) {
            p->share = p->cal->mh_share / 100.0;
            fixed_mh += p->pop * p->share;
        } else {
            p->share = p->base_mh / p->base_pop;
            free_mh += p->pop * p->share;
        }
    }
    /* MH: the shares of the other units scaled so that the total is the 2007 total */
    const double fmh = (MZ_SYNTH_WITH_MH_2007 - fixed_mh) / free_mh;
    for (size_t i = 0; i < s->np; i++)
        if (!s->p[i].fixed_share)
            s->p[i].share *= fmh;
    /* sample sizes and weights */
    for (size_t i = 0; i < s->np; i++) {
        plan_t *p = &s->p[i];
        p->n = lround(p->pop * (double)persons / MZ_SYNTH_POPULATION_2007);
        if (p->n < 1)
            p->n = 1;
        p->w = round(p->pop / (double)p->n * 10000.0) / 10000.0;
    }
    /* persons with MH, then a few more or fewer in the tunable units to hit the total */
    double mh_w = 0;
    for (size_t i = 0; i < s->np; i++) {
        plan_t *p = &s->p[i];
        p->g[G_WITH].n = clampl(lround((double)p->n * p->share), 0, p->n);
        p->g[G_WITHOUT].n = p->n - p->g[G_WITH].n;
        mh_w += (double)p->g[G_WITH].n * p->w;
    }
    for (int guard = 0; guard < 100000; guard++) {
        double diff = MZ_SYNTH_WITH_MH_2007 - mh_w;
        bool moved = false;
        for (size_t i = 0; i < s->np && fabs(diff) > 0.5 * s->p[i].w + 1e-9; i++) {
            plan_t *p = &s->p[i];
            if (!p->tunable)
                continue;
            long d = diff > 0 ? 1 : -1;
            if (p->g[G_WITH].n + d < 0 || p->g[G_WITHOUT].n - d < 0)
                continue;
            p->g[G_WITH].n += d;
            p->g[G_WITHOUT].n -= d;
            mh_w += (double)d * p->w;
            diff -= (double)d * p->w;
            moved = true;
        }
        if (!moved)
            break;
    }
    return MZ_OK;
}

/* The integer counts of one group from the parameters. */
static void make_counts(plan_t *p, int g)
{
    group_counts_t *c = &p->g[g];
    const struct stratum_param *sp = find_stratum_param(p->stratum);
    const unit_calib_t *cal = p->cal;
    const double n = (double)c->n;
    c->a0 = lround(n * age_young[g]);
    c->a1 = lround(n * age_teen[g]);
    c->a3 = lround(n * age_old[g]);
    if (c->a0 + c->a1 + c->a3 > c->n) {
        c->a0 = c->a1 = c->a3 = 0;
    }
    c->a2 = c->n - c->a0 - c->a1 - c->a3;

    /* unemployment and employment rates 18–64 */
    double gap = cal->ur_gap > 0 ? cal->ur_gap : 6.5 + 3.0 * (p->h[0] - 0.5);
    double ur = sp->ur_without + (p->h[1] - 0.5);
    double er = sp->er_without + 2.0 * (p->h[2] - 0.5);
    if (g == G_WITH) {
        ur += gap;
        er = sp->er_with + cal->er_with - 0.25 * (gap - 6.5) + 2.0 * (p->h[3] - 0.5);
    }
    c->e2 = clampl(lround((double)c->a2 * er / 100.0), 0, c->a2);
    c->u2 = clampl(count_of((double)c->e2 * ur / (100.0 - ur)), 0, c->a2 - c->e2);
    c->e1 = clampl(lround((double)c->a1 * emp_teen[g]), 0, c->a1);
    c->e3 = clampl(lround((double)c->a3 * emp_old[g]), 0, c->a3);

    /* self-employment */
    double se_without = cal->se_without > 0 ? cal->se_without : 11.0 + 3.0 * (p->h[1] - 0.5);
    double se = se_without;
    if (g == G_WITH)
        se = cal->se_with > 0   ? cal->se_with
             : cal->se_gap != 0 ? se_without + cal->se_gap
                                : se_without - 2.5 + 3.0 * (p->h[0] - 0.5);
    long adults = c->e2 + c->e3;
    if (g == G_WITH && cal->se_with_cases > 0)
        c->self = clampl(cal->se_with_cases, 0, adults);
    else
        c->self = clampl(count_of((double)adults * se / 100.0), 0, adults);

    /* sectors: agriculture, production, trade/hospitality/transport; the rest services */
    static const double city[S_N] = {0.5, 21.0, 24.0, 0};
    static const double rural[S_N] = {3.5, 29.0, 24.0, 0};
    static const double hannover[S_N] = {1.0, 22.0, 25.0, 0};
    static const double with_mh[S_N] = {1.0, 31.0, 26.0, 0};
    const double *sh = g == G_WITH                               ? with_mh
                       : p->kind == MZ_KIND_KREISFREIE_STADT     ? city
                       : p->kind == MZ_KIND_LANDKREIS            ? rural
                                                                 : hannover;
    long e = employed(c), used = 0;
    for (int k = 0; k < S_SERV; k++) {
        c->sec[k] = clampl(count_of((double)e * sh[k] / 100.0), 0, e - used);
        used += c->sec[k];
    }
    c->sec[S_SERV] = e - used;
    c->german = 0;
    if (g == G_WITH) {
        double gs = 0.62;
        if (p->kind == MZ_KIND_KREISFREIE_STADT || p->kind == MZ_KIND_REGION ||
            p->kind == MZ_KIND_TEILREGION)
            gs = 0.52;
        static const char *const aussiedler[] = {"03351", "03453", "03454", "03456", "03459",
                                                 "03460"};
        for (size_t i = 0; i < sizeof aussiedler / sizeof aussiedler[0]; i++)
            if (strcmp(p->ags, aussiedler[i]) == 0)
                gs = 0.75;
        c->german = clampl(lround(n * gs), 0, c->n);
    }
}

/* ---- calibration moves ---- */

/* Employment rate 18–64 of group g over all units. */
static double employment_rate(const synth_t *s, int g)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < s->np; i++) {
        num += s->p[i].w * (double)s->p[i].g[g].e2;
        den += s->p[i].w * (double)s->p[i].g[g].a2;
    }
    return den > 0 ? 100.0 * num / den : 0;
}

/* Move persons 18–64 between inactive and employed (services) in the tunable units until the
 * Land employment rate of group g rounds to target (as close as one person allows). */
static void calibrate_employment(synth_t *s, int g, double target)
{
    double den = 0;
    for (size_t i = 0; i < s->np; i++)
        den += s->p[i].w * (double)s->p[i].g[g].a2;
    if (den <= 0)
        return;
    size_t rr = 0;
    for (long guard = 0; guard < 10000000L; guard++) {
        double rate = employment_rate(s, g);
        double diff = target - rate;
        /* next tunable unit, round robin */
        plan_t *p = NULL;
        for (size_t k = 0; k < s->np; k++) {
            plan_t *q = &s->p[(rr + k) % s->np];
            group_counts_t *c = &q->g[g];
            long inactive = c->a2 - c->e2 - c->u2;
            if (q->tunable && (diff > 0 ? inactive > 0 : c->sec[S_SERV] > 0 && c->e2 > 0)) {
                p = q;
                rr = (rr + k + 1) % s->np;
                break;
            }
        }
        if (!p)
            return;
        double step = 100.0 * p->w / den;
        if (fabs(diff) <= 0.5 * step)
            return;
        long d = diff > 0 ? 1 : -1;
        p->g[g].e2 += d;
        p->g[g].sec[S_SERV] += d;
    }
}

/* A set of units for a share: all units (NULL filters) or those of a stratum / AGS prefix. */
typedef struct unit_set {
    const char *stratum;     /* only units of this stratum */
    const char *ags_prefix;  /* only units whose AGS starts with this */
    const char *const *not_strata; /* excluding units of these strata (NULL-terminated) */
    const char *not_prefix;  /* excluding units whose AGS starts with this */
} unit_set_t;

static bool in_set(const plan_t *p, const unit_set_t *set)
{
    if (set->stratum && strcmp(p->stratum, set->stratum) != 0)
        return false;
    if (set->ags_prefix && strncmp(p->ags, set->ags_prefix, strlen(set->ags_prefix)) != 0)
        return false;
    if (set->not_prefix && strncmp(p->ags, set->not_prefix, strlen(set->not_prefix)) == 0)
        return false;
    for (const char *const *x = set->not_strata; x && *x; x++)
        if (strcmp(p->stratum, *x) == 0)
            return false;
    return true;
}

/* Share of persons with MH among the employed in sector k over the units of set. */
static double sector_share(const synth_t *s, int k, const unit_set_t *set)
{
    double with = 0, all = 0;
    for (size_t i = 0; i < s->np; i++) {
        const plan_t *p = &s->p[i];
        if (set && !in_set(p, set))
            continue;
        with += p->w * (double)p->g[G_WITH].sec[k];
        all += p->w * (double)(p->g[G_WITH].sec[k] + p->g[G_WITHOUT].sec[k]);
    }
    return all > 0 ? 100.0 * with / all : 0;
}

/* Move employed persons with MH between services and sector k in the units of `move` until the
 * share over the units of `eval` (NULL = all) rounds to target. First all units of `move` are
 * scaled together, then single persons are moved in the unit with the most room. */
static void calibrate_sector(synth_t *s, int k, double target, const unit_set_t *eval,
                             const unit_set_t *move)
{
    /* proportional first step: the with-MH count of sector k needed in the moving units */
    double with_in = 0, with_out = 0, without = 0;
    for (size_t i = 0; i < s->np; i++) {
        const plan_t *p = &s->p[i];
        if (eval && !in_set(p, eval))
            continue;
        without += p->w * (double)p->g[G_WITHOUT].sec[k];
        if (in_set(p, move))
            with_in += p->w * (double)p->g[G_WITH].sec[k];
        else
            with_out += p->w * (double)p->g[G_WITH].sec[k];
    }
    double need = target / (100.0 - target) * without - with_out;
    if (with_in > 0 && need > 0) {
        double f = need / with_in;
        for (size_t i = 0; i < s->np; i++) {
            plan_t *p = &s->p[i];
            if (!in_set(p, move))
                continue;
            group_counts_t *c = &p->g[G_WITH];
            long room = c->sec[k] + c->sec[S_SERV];
            long v = clampl(count_of((double)c->sec[k] * f), 0, room);
            c->sec[S_SERV] = room - v;
            c->sec[k] = v;
        }
    }
    for (long guard = 0; guard < 1000000L; guard++) {
        double share = sector_share(s, k, eval);
        double diff = target - share;
        plan_t *best = NULL;
        long room = 0;
        for (size_t i = 0; i < s->np; i++) {
            plan_t *p = &s->p[i];
            if (!in_set(p, move))
                continue;
            long r = diff > 0 ? p->g[G_WITH].sec[S_SERV] : p->g[G_WITH].sec[k];
            if (r > room) {
                room = r;
                best = p;
            }
        }
        if (!best)
            return;
        /* the share moves by about (1 - share) * w / all for one person */
        double all = 0;
        for (size_t i = 0; i < s->np; i++) {
            const plan_t *p = &s->p[i];
            if (!eval || in_set(p, eval))
                all += p->w * (double)(p->g[G_WITH].sec[k] + p->g[G_WITHOUT].sec[k]);
        }
        double step = all > 0 ? 100.0 * best->w / all * (1.0 - share / 100.0) : 0;
        if (fabs(diff) <= 0.5 * step)
            return;
        long d = diff > 0 ? 1 : -1;
        best->g[G_WITH].sec[k] += d;
        best->g[G_WITH].sec[S_SERV] -= d;
    }
}

static void calibrate(synth_t *s)
{
    for (size_t i = 0; i < s->np; i++)
        for (int g = 0; g < G_N; g++)
            make_counts(&s->p[i], g);
    calibrate_employment(s, G_WITHOUT, T_ER_WITHOUT);
    calibrate_employment(s, G_WITH, T_ER_WITH);

    /* R7 and R10 (strata) first, then the Land (R6, R9) in the remaining strata */
    const unit_set_t ra01 = {.stratum = "RA_01"}, ra10 = {.stratum = "RA_10"};
    const unit_set_t ra11 = {.stratum = "RA_11"}, hannover = {.ags_prefix = "03241"};
    static const char *const named[] = {"RA_01", "RA_10", "RA_11", NULL};
    const unit_set_t rest = {.not_strata = named, .not_prefix = "03241"};
    calibrate_sector(s, S_PROD, T_PROD_RA10, &ra10, &ra10);
    calibrate_sector(s, S_PROD, T_PROD_RA11, &ra11, &ra11);
    calibrate_sector(s, S_PROD, T_PROD_HANNOVER, &hannover, &hannover);
    calibrate_sector(s, S_PROD, T_PROD_RA01, &ra01, &ra01);
    calibrate_sector(s, S_TRADE, T_TRADE_HANNOVER, &hannover, &hannover);
    calibrate_sector(s, S_TRADE, T_TRADE_RA01, &ra01, &ra01);
    calibrate_sector(s, S_TRADE, T_TRADE_RA11, &ra11, &ra11);
    calibrate_sector(s, S_PROD, T_PROD_LAND, NULL, &rest);
    calibrate_sector(s, S_TRADE, T_TRADE_LAND, NULL, &rest);
}

/* ---- records ---- */

typedef struct person {
    double score;   /* clustering key */
    uint8_t age, sex, mig, ilo, selfemp, sector;
} person_t;

static int cmp_person(const void *a, const void *b)
{
    double x = ((const person_t *)a)->score, y = ((const person_t *)b)->score;
    return (x > y) - (x < y);
}

static void shuffle_idx(gsl_rng *r, long *idx, long n)
{
    for (long i = n - 1; i > 0; i--) {
        long j = (long)gsl_rng_uniform_int(r, (unsigned long)i + 1);
        long t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

static int draw_age(gsl_rng *r, int cls, int g)
{
    switch (cls) {
    case 0: return (int)gsl_rng_uniform_int(r, 15);
    case 1: return 15 + (int)gsl_rng_uniform_int(r, 3);
    case 2:
        /* people with MH are younger: a triangular tilt towards 18 */
        if (g == G_WITH && gsl_rng_uniform(r) < 0.35)
            return 18 + (int)(47.0 * (1.0 - sqrt(gsl_rng_uniform(r))));
        return 18 + (int)gsl_rng_uniform_int(r, 47);
    default: {
        int a = 65 + (int)gsl_ran_geometric(r, 0.09) - 1;
        return a > 99 ? 99 : a;
    }
    }
}

/* Fill the persons of one group; returns the next free slot. idx is scratch (>= c->n). */
static long fill_group(gsl_rng *r, const group_counts_t *c, int g, person_t *out, long *idx)
{
    const long n = c->n;
    const long cls_n[4] = {c->a0, c->a1, c->a2, c->a3};
    long k = 0;
    for (int cls = 0; cls < 4; cls++) {
        long emp = cls == 1 ? c->e1 : cls == 2 ? c->e2 : cls == 3 ? c->e3 : 0;
        long unemp = cls == 2 ? c->u2 : 0;
        for (long i = 0; i < cls_n[cls]; i++, k++) {
            person_t *p = &out[k];
            memset(p, 0, sizeof *p);
            p->age = (uint8_t)draw_age(r, cls, g);
            p->ilo = i < emp ? 1 : i < emp + unemp ? 2 : 3;
            p->mig = g == G_WITH ? 2 : 0;
        }
    }
    /* self-employed among the employed adults, sectors among all employed */
    long ne = 0;
    for (long i = 0; i < n; i++)
        if (out[i].ilo == 1 && out[i].age >= 18)
            idx[ne++] = i;
    shuffle_idx(r, idx, ne);
    for (long i = 0; i < c->self && i < ne; i++)
        out[idx[i]].selfemp = 1;
    ne = 0;
    for (long i = 0; i < n; i++)
        if (out[i].ilo == 1)
            idx[ne++] = i;
    shuffle_idx(r, idx, ne);
    long pos = 0;
    for (int sct = 0; sct < S_N; sct++)
        for (long i = 0; i < c->sec[sct] && pos < ne; i++)
            out[idx[pos++]].sector = (uint8_t)(sct + 1);
    /* Germans with MH */
    if (g == G_WITH) {
        for (long i = 0; i < n; i++)
            idx[i] = i;
        shuffle_idx(r, idx, n);
        for (long i = 0; i < c->german && i < n; i++)
            out[idx[i]].mig = 1;
    }
    /* sex: men are more often employed, women more often inactive at working age */
    for (long i = 0; i < n; i++) {
        person_t *p = &out[i];
        double pm = 0.49;
        if (p->ilo == 1)
            pm = 0.55;
        else if (p->ilo == 2)
            pm = 0.56;
        else if (p->age >= 18 && p->age <= 64)
            pm = g == G_WITH ? 0.33 : 0.40;
        else if (p->age >= 65)
            pm = 0.43;
        p->sex = gsl_rng_uniform(r) < pm ? 1 : 2;
        /* persons with MH and unemployed persons live closer together */
        p->score = (p->mig ? 1.4 : 0.0) + (p->ilo == 2 ? 0.5 : 0.0) + gsl_ran_gaussian(r, 1.0);
    }
    return n;
}

typedef struct writer {
    FILE *f;
    int year;
    long psus;
    double pop, with_mh;
    long persons;
} writer_t;

static int write_unit(writer_t *wr, gsl_rng *r, const plan_t *p, person_t *buf, long *idx)
{
    long n = 0;
    for (int g = 0; g < G_N; g++)
        n += fill_group(r, &p->g[g], g, buf + n, idx);
    qsort(buf, (size_t)n, sizeof *buf, cmp_person);
    long start = 0, psu = 0;
    while (start < n) {
        long rest = n - start, size;
        if (rest <= 20)
            size = rest;
        else {
            long hi = rest - 10 < 20 ? rest - 10 : 20;
            size = 10 + (long)gsl_rng_uniform_int(r, (unsigned long)(hi - 10 + 1));
        }
        psu++;
        for (long i = start; i < start + size; i++) {
            const person_t *q = &buf[i];
            if (fprintf(wr->f, "%d,%s,%s-%04ld,%s,%.4f,%u,%u,%u,%u,%u,%u,1\n", wr->year, p->ags,
                        p->ags, psu, p->ags, p->w, q->age, q->sex, q->mig, q->ilo, q->selfemp,
                        q->sector) < 0)
                return -1;
            wr->pop += p->w;
            if (q->mig)
                wr->with_mh += p->w;
        }
        start += size;
    }
    wr->psus += psu;
    wr->persons += n;
    return 0;
}

mz_status_t mz_synth_write_stream(const mz_synth_options_t *opt, FILE *f, const char *name,
                                  mz_synth_summary_t *summary, mz_error_t *err)
{
    mz_synth_options_t o;
    char path[4096];
    mz_gazetteer_t *gz = NULL;
    synth_t s = {0};
    gsl_rng *r = NULL;
    person_t *buf = NULL;
    long *idx = NULL;
    mz_status_t st = MZ_OK;

    mz_synth_options_init(&o);
    if (opt)
        o = *opt;
    if (o.year == 0)
        o.year = 2007;
    long persons = o.persons ? o.persons : lround(MZ_SYNTH_POPULATION_2007 / 100.0);
    if (o.year < MZ_SYNTH_YEAR_MIN || o.year > 2100)
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, "year", NULL,
                            mz_tr("Erhebungsjahr von %d bis 2100 erwartet (Migrationshintergrund "
                                  "wird seit 2005 erhoben)",
                                  "expected a survey year from %d to 2100 (migration background "
                                  "is surveyed since 2005)"),
                            MZ_SYNTH_YEAR_MIN);
    if (persons < MZ_SYNTH_PERSONS_MIN || persons > MZ_SYNTH_PERSONS_MAX)
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, "persons", NULL,
                            mz_tr("Stichprobenumfang von %ld bis %ld Personen erwartet",
                                  "expected a sample size from %ld to %ld persons"),
                            MZ_SYNTH_PERSONS_MIN, MZ_SYNTH_PERSONS_MAX);
    gz = mz_gazetteer_load(o.regions_path ? o.regions_path
                                          : mz_data_path("regions/gazetteer-ni.csv", path,
                                                         sizeof path),
                           err);
    if (!gz)
        return err ? err->status : MZ_ERR_IO;
    st = make_plans(&s, gz, o.year, persons, err);
    if (st != MZ_OK)
        goto done;
    calibrate(&s);

    long maxn = 0;
    for (size_t i = 0; i < s.np; i++)
        maxn = s.p[i].n > maxn ? s.p[i].n : maxn;
    buf = malloc((size_t)maxn * sizeof *buf);
    idx = malloc((size_t)maxn * sizeof *idx);
    /* GSL reports allocation failures through its handler, which aborts by default */
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_set_error_handler(old);
    if (!buf || !idx || !r) {
        st = mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                          mz_strerror(MZ_ERR_NOMEM));
        goto done;
    }
    gsl_rng_set(r, o.seed);

    writer_t wr = {.f = f, .year = o.year};
    if (fputs("year,kreis,psu,stratum,weight,age,sex,mig,ilo,selfemp,sector,synthetic\n", f) < 0)
        goto io;
    for (size_t i = 0; i < s.np; i++)
        if (write_unit(&wr, r, &s.p[i], buf, idx) != 0)
            goto io;
    if (fflush(f) != 0 || ferror(f))
        goto io;
    if (summary) {
        summary->year = o.year;
        summary->persons = wr.persons;
        summary->psus = wr.psus;
        summary->units = (long)s.np;
        summary->population = wr.pop;
        summary->with_mh = wr.with_mh;
    }
    goto done;
io:
    st = mz_error_set(err, MZ_ERR_IO, name, 0, NULL, NULL, "%s: %s",
                      mz_tr("Schreibfehler", "write error"), strerror(errno));
done:
    gsl_rng_free(r);
    free(buf);
    free(idx);
    free(s.p);
    mz_gazetteer_destroy(gz);
    return st;
}

mz_status_t mz_synth_write(const mz_synth_options_t *opt, const char *path,
                           mz_synth_summary_t *summary, mz_error_t *err)
{
    if (!path || !*path)
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL, "%s",
                            mz_tr("keine Ausgabedatei angegeben", "no output file given"));
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    memcpy(tmp, path, n);
    memcpy(tmp + n, ".tmp-XXXXXX", 12);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s: %s",
                            mz_tr("kann nicht geschrieben werden", "cannot be written"),
                            strerror(e));
    }
    mode_t um = umask(0);
    umask(um);
    (void)fchmod(fd, 0666 & ~um); /* like fopen, not mkstemp's 0600 */
    FILE *f = fdopen(fd, "w");
    if (!f) {
        int e = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        return mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s: %s",
                            mz_tr("kann nicht geschrieben werden", "cannot be written"),
                            strerror(e));
    }
    mz_status_t st = mz_synth_write_stream(opt, f, path, summary, err);
    if (st == MZ_OK && fsync(fileno(f)) != 0)
        st = mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s: %s",
                          mz_tr("Schreibfehler", "write error"), strerror(errno));
    if (fclose(f) != 0 && st == MZ_OK)
        st = mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s: %s",
                          mz_tr("Schreibfehler", "write error"), strerror(errno));
    if (st == MZ_OK && rename(tmp, path) != 0)
        st = mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s: %s",
                          mz_tr("kann nicht an seinen Platz gebracht werden",
                                "cannot be moved into place"),
                          strerror(errno));
    if (st != MZ_OK)
        unlink(tmp);
    free(tmp);
    return st;
}
