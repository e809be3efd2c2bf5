/* indicators.c — indicator definitions, point estimates and the reliability rules. */
#include "mzatlas/mz_indicators.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void mz_rules_init(mz_rules_t *r)
{
    r->min_count = 5000.0;
    r->limited_below = 10000.0;
    r->rate_rule = MZ_RATE_BOTH;
    r->min_cases = 3;
    r->gap_flag = 10.0;
}

static const char *const ind_ids[MZ_NIND] = {
    "migration_share",
    "employment_rate",
    "self_employment_share",
    "unemployment_rate",
    "sector_migration_share:agriculture",
    "sector_migration_share:production",
    "sector_migration_share:trade",
    "sector_migration_share:services"};

const char *mz_indicator_id(mz_indicator_t ind)
{
    return (unsigned)ind < MZ_NIND ? ind_ids[ind] : "?";
}

int mz_indicator_parse(const char *id)
{
    for (int i = 0; i < MZ_NIND; i++)
        if (strcmp(id, ind_ids[i]) == 0)
            return i;
    return -1;
}

const char *mz_indicator_title(mz_indicator_t ind)
{
    switch (ind) {
    case MZ_IND_MIGRATION_SHARE:
        return mz_tr("Anteil der Menschen mit Migrationshintergrund an der Bevölkerung",
                     "Share of persons with migration background in the population");
    case MZ_IND_EMPLOYMENT_RATE:
        return mz_tr("Erwerbstätigenquote", "Employment rate");
    case MZ_IND_SELF_EMPLOYMENT_SHARE:
        return mz_tr("Anteil der Selbständigen an den Erwerbstätigen",
                     "Self-employed as a share of the employed");
    case MZ_IND_UNEMPLOYMENT_RATE:
        return mz_tr("Erwerbslosenquote", "Unemployment rate");
    case MZ_IND_SECTOR_AGRICULTURE:
        return mz_tr("Anteil der Erwerbstätigen mit Migrationshintergrund: Land- und "
                     "Forstwirtschaft, Fischerei",
                     "Share of the employed with migration background: agriculture, forestry, "
                     "fishing");
    case MZ_IND_SECTOR_PRODUCTION:
        return mz_tr("Anteil der Erwerbstätigen mit Migrationshintergrund: Produzierendes "
                     "Gewerbe",
                     "Share of the employed with migration background: production");
    case MZ_IND_SECTOR_TRADE:
        return mz_tr("Anteil der Erwerbstätigen mit Migrationshintergrund: Handel, "
                     "Gastgewerbe, Verkehr",
                     "Share of the employed with migration background: trade, hospitality, "
                     "transport");
    case MZ_IND_SECTOR_SERVICES:
        return mz_tr("Anteil der Erwerbstätigen mit Migrationshintergrund: sonstige "
                     "Dienstleistungen",
                     "Share of the employed with migration background: other services");
    default:
        return "?";
    }
}

bool mz_indicator_has_groups(mz_indicator_t ind)
{
    return ind == MZ_IND_EMPLOYMENT_RATE || ind == MZ_IND_SELF_EMPLOYMENT_SHARE ||
           ind == MZ_IND_UNEMPLOYMENT_RATE;
}

bool mz_indicator_uses_band(mz_indicator_t ind)
{
    return ind == MZ_IND_EMPLOYMENT_RATE || ind == MZ_IND_UNEMPLOYMENT_RATE;
}

const char *mz_group_id(mz_group_t g)
{
    static const char *const ids[MZ_NG] = {"with", "without", "all", "gap"};
    return (unsigned)g < MZ_NG ? ids[g] : "?";
}

const char *mz_level_id(mz_level_t l)
{
    static const char *const ids[] = {"land", "schicht", "region"};
    return (unsigned)l < 3 ? ids[l] : "?";
}

const char *mz_symbol_str(mz_symbol_t s)
{
    static const char *const ids[] = {"", "()", "/", "."};
    return (unsigned)s < 4 ? ids[s] : "?";
}

#define GBIT(g) (1u << (g))
#define MBIT(m) (1u << (m))

bool mz_indicator_terms(mz_indicator_t ind, mz_group_t g, mz_term_t *num, mz_term_t *den)
{
    const uint32_t both = GBIT(MZ_GRP_WITH) | GBIT(MZ_GRP_WITHOUT);
    uint32_t gm;
    if (g == MZ_G_GAP)
        return false;
    if (!mz_indicator_has_groups(ind) && g != MZ_G_ALL)
        return false;
    gm = g == MZ_G_WITH ? GBIT(MZ_GRP_WITH) : g == MZ_G_WITHOUT ? GBIT(MZ_GRP_WITHOUT) : both;
    switch (ind) {
    case MZ_IND_MIGRATION_SHARE:
        *num = (mz_term_t){GBIT(MZ_GRP_WITH), MBIT(MZ_M_POP)};
        *den = (mz_term_t){both, MBIT(MZ_M_POP)};
        return true;
    case MZ_IND_EMPLOYMENT_RATE:
        *num = (mz_term_t){gm, MBIT(MZ_M_EMP_BAND)};
        *den = (mz_term_t){gm, MBIT(MZ_M_POP_BAND)};
        return true;
    case MZ_IND_SELF_EMPLOYMENT_SHARE:
        *num = (mz_term_t){gm, MBIT(MZ_M_SELF)};
        *den = (mz_term_t){gm, MBIT(MZ_M_EMP)};
        return true;
    case MZ_IND_UNEMPLOYMENT_RATE:
        *num = (mz_term_t){gm, MBIT(MZ_M_UNEMP_BAND)};
        *den = (mz_term_t){gm, MBIT(MZ_M_EMP_BAND) | MBIT(MZ_M_UNEMP_BAND)};
        return true;
    case MZ_IND_SECTOR_AGRICULTURE:
    case MZ_IND_SECTOR_PRODUCTION:
    case MZ_IND_SECTOR_TRADE:
    case MZ_IND_SECTOR_SERVICES: {
        int m = MZ_M_SEC_AGR + (int)(ind - MZ_IND_SECTOR_AGRICULTURE);
        *num = (mz_term_t){GBIT(MZ_GRP_WITH), MBIT(m)};
        *den = (mz_term_t){both, MBIT(m)};
        return true;
    }
    default:
        return false;
    }
}

double mz_term_sum(const mz_term_t *t, const double w[MZ_NGRP][MZ_NMEAS])
{
    double s = 0;
    for (int g = 0; g < MZ_NGRP; g++) {
        if (!(t->gmask & GBIT(g)))
            continue;
        for (int m = 0; m < MZ_NMEAS; m++)
            if (t->mmask & MBIT(m))
                s += w[g][m];
    }
    return s;
}

double mz_term_weighted(const mz_term_t *t, const mz_cell_t *c) { return mz_term_sum(t, c->w); }

int64_t mz_term_cases(const mz_term_t *t, const mz_cell_t *c)
{
    int64_t s = 0;
    for (int g = 0; g < MZ_NGRP; g++) {
        if (!(t->gmask & GBIT(g)))
            continue;
        for (int m = 0; m < MZ_NMEAS; m++)
            if (t->mmask & MBIT(m)) {
                if (c->n[g][m] < 0)
                    return -1;
                s += c->n[g][m];
            }
    }
    return s;
}

bool mz_term_known(const mz_term_t *t, const mz_cell_t *c)
{
    return (c->have & t->mmask) == t->mmask;
}

mz_symbol_t mz_rules_count_symbol(const mz_rules_t *rules, double weighted)
{
    if (!(weighted >= rules->min_count))
        return MZ_SYM_WITHHELD;
    if (weighted < rules->limited_below)
        return MZ_SYM_LIMITED;
    return MZ_SYM_NONE;
}

static bool secret_cases(const mz_rules_t *rules, int64_t n)
{
    return n > 0 && n < rules->min_cases;
}

static mz_point_t point_ratio(const mz_cell_t *c, mz_indicator_t ind, mz_group_t g,
                              const mz_rules_t *rules)
{
    mz_point_t p = {NAN, NAN, NAN, -1, MZ_SYM_WITHHELD, false};
    mz_term_t num, den;
    if (!mz_indicator_terms(ind, g, &num, &den))
        return p;
    if (!mz_term_known(&num, c) || !mz_term_known(&den, c))
        return p;
    p.known = true;
    p.numerator = mz_term_weighted(&num, c);
    p.denominator = mz_term_weighted(&den, c);
    p.n = mz_term_cases(&den, c);
    p.estimate = p.denominator > 0 ? 100.0 * p.numerator / p.denominator : NAN;
    mz_symbol_t sd = mz_rules_count_symbol(rules, p.denominator);
    p.symbol = rules->rate_rule == MZ_RATE_BOTH
                   ? mz_symbol_worst(sd, mz_rules_count_symbol(rules, p.numerator))
                   : sd;
    if (secret_cases(rules, mz_term_cases(&num, c)) || secret_cases(rules, p.n))
        p.symbol = MZ_SYM_SECRET;
    if (!isfinite(p.estimate))
        p.symbol = mz_symbol_worst(p.symbol, MZ_SYM_WITHHELD);
    return p;
}

mz_point_t mz_point_estimate(const mz_cell_t *c, mz_indicator_t ind, mz_group_t g,
                             const mz_rules_t *rules)
{
    if (g != MZ_G_GAP)
        return point_ratio(c, ind, g, rules);
    mz_point_t p = {NAN, NAN, NAN, -1, MZ_SYM_WITHHELD, false};
    if (!mz_indicator_has_groups(ind))
        return p;
    mz_point_t a = point_ratio(c, ind, MZ_G_WITH, rules);
    mz_point_t b = point_ratio(c, ind, MZ_G_WITHOUT, rules);
    p.known = a.known && b.known;
    if (!p.known)
        return p;
    p.estimate = a.estimate - b.estimate;
    p.n = (a.n < 0 || b.n < 0) ? -1 : a.n + b.n;
    p.symbol = mz_symbol_worst(a.symbol, b.symbol);
    if (!isfinite(p.estimate))
        p.symbol = mz_symbol_worst(p.symbol, MZ_SYM_WITHHELD);
    return p;
}

bool mz_cell_passes(const mz_cell_t *cell, mz_indicator_t ind, const mz_rules_t *rules,
                    char *why, size_t why_size)
{
    static const mz_group_t grouped[] = {MZ_G_WITH, MZ_G_WITHOUT, MZ_G_ALL, MZ_G_GAP};
    static const mz_group_t single[] = {MZ_G_ALL};
    const bool has = mz_indicator_has_groups(ind);
    const mz_group_t *gs = has ? grouped : single;
    size_t ng = has ? 4 : 1;
    for (size_t i = 0; i < ng; i++) {
        mz_point_t p = mz_point_estimate(cell, ind, gs[i], rules);
        if (!mz_symbol_withheld(p.symbol))
            continue;
        if (why && why_size) {
            mz_term_t num, den;
            mz_group_t g = gs[i] == MZ_G_GAP ? MZ_G_WITH : gs[i];
            if (gs[i] == MZ_G_GAP) {
                /* report the rate that failed */
                mz_point_t w = mz_point_estimate(cell, ind, MZ_G_WITH, rules);
                g = mz_symbol_withheld(w.symbol) ? MZ_G_WITH : MZ_G_WITHOUT;
            }
            mz_indicator_terms(ind, g, &num, &den);
            /* say which part failed, never its value: the value is withheld */
            const char *part;
            if (!mz_term_known(&num, cell) || !mz_term_known(&den, cell))
                part = mz_tr("Angabe fehlt in den Eingabedaten", "not in the input data");
            else if (secret_cases(rules, mz_term_cases(&num, cell)) ||
                     secret_cases(rules, mz_term_cases(&den, cell)))
                part = mz_tr("zu wenige Fälle (geheim)", "too few cases (secret)");
            else if (mz_symbol_withheld(mz_rules_count_symbol(rules, mz_term_weighted(&den, cell))))
                part = mz_tr("Nenner unter der Mindestzahl", "denominator below the minimum count");
            else
                part = mz_tr("Zähler unter der Mindestzahl", "numerator below the minimum count");
            snprintf(why, why_size, "%s (%s): %s", mz_indicator_id(ind), mz_group_id(g), part);
        }
        return false;
    }
    if (why && why_size)
        why[0] = '\0';
    return true;
}

double mz_round1(double x)
{
    if (!isfinite(x))
        return x;
    /* the tiny offset makes decimal midpoints such as 9.95 (stored as 9.9499999…) round up */
    double a = floor(fabs(x) * 10.0 + 0.5 + 1e-9);
    return copysign(a / 10.0, x);
}
