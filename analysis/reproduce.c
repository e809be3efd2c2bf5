/* reproduce.c — the findings of chapter 2 of the 2010 ies report, evaluated on a run's results,
 * and the demo job (mz_reproduce.h). The findings, their lines in the report and the conditions
 * checked are listed in docs/reproducing-the-2010-report.md. */
#include "mzatlas/mz_reproduce.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../microcensus/util.h"
#include "mzatlas/mz_networks.h"
#include "mzatlas/mz_results.h"
#include "mzatlas/mz_synth.h"

struct mz_reproduction {
    mz_finding_t *f;
    size_t n, cap;
};

typedef struct ctx {
    mz_run_t *run;
    mz_results_t *res;
    const mz_gazetteer_t *gz;
    const mz_rules_t *rules;
    mz_error_t *err;
} ctx_t;

/* ---- formatting ---- */

/* One decimal as published; decimal comma in German; with sign for gaps. */
static const char *fmt1(double x, bool sign, char *buf, size_t size)
{
    if (!isfinite(x)) {
        snprintf(buf, size, "–");
        return buf;
    }
    double r = mz_round1(x);
    if (r == 0)
        r = 0; /* no "-0,0" */
    snprintf(buf, size, sign ? "%+.1f" : "%.1f", r);
    if (mz_get_lang() == MZ_LANG_DE)
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = ',';
    return buf;
}

static const char *pct(void) { return mz_tr(" %", "%"); }
static const char *pp(void) { return mz_tr(" Prozentpunkte", " pp"); }

/* ---- the list ---- */

static mz_finding_t *add(mz_reproduction_t *r, const char *id, int line, const char *statement)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? 2 * r->cap : 16;
        mz_finding_t *nf = realloc(r->f, nc * sizeof *nf);
        if (!nf)
            return NULL;
        r->f = nf;
        r->cap = nc;
    }
    mz_finding_t *f = &r->f[r->n++];
    memset(f, 0, sizeof *f);
    f->id = id;
    f->line = line;
    f->statement = statement;
    return f;
}

/* Take the strings of two builders into a finding; false when out of memory. */
static bool finish(mz_finding_t *f, mz_str_t *exp, mz_str_t *obt, bool ok)
{
    f->expected = mz_str_take(exp);
    f->obtained = mz_str_take(obt);
    f->ok = ok && f->expected && f->obtained;
    return f->expected && f->obtained;
}

void mz_reproduction_destroy(mz_reproduction_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->f[i].expected);
        free(r->f[i].obtained);
    }
    free(r->f);
    free(r);
}

size_t mz_reproduction_count(const mz_reproduction_t *r) { return r->n; }
const mz_finding_t *mz_reproduction_get(const mz_reproduction_t *r, size_t i) { return &r->f[i]; }

const mz_finding_t *mz_reproduction_find(const mz_reproduction_t *r, const char *id)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->f[i].id, id) == 0)
            return &r->f[i];
    return NULL;
}

size_t mz_reproduction_ok_count(const mz_reproduction_t *r)
{
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        k += r->f[i].ok;
    return k;
}

/* ---- reading the results ---- */

static bool published(const mz_estimate_t *e)
{
    return e && !mz_symbol_withheld(e->p.symbol) && isfinite(e->p.estimate);
}

static bool rounds_to(double x, double target) { return fabs(mz_round1(x) - target) < 1e-9; }

/* Stratum code of the unit with this AGS, or NULL. */
static const char *stratum_of(const ctx_t *c, const char *ags)
{
    int u = mz_gazetteer_find(c->gz, ags);
    if (u < 0)
        return NULL;
    int s = mz_gazetteer_unit_stratum(c->gz, (size_t)u);
    return s < 0 ? NULL : mz_gazetteer_stratum_code(c->gz, (size_t)s);
}

static const mz_estimate_t *land(const ctx_t *c, mz_indicator_t ind, mz_group_t g)
{
    return mz_results_find(c->res, ind, MZ_LEVEL_LAND, MZ_LAND_CODE, g);
}

static const mz_estimate_t *schicht_of(const ctx_t *c, mz_indicator_t ind, const char *ags)
{
    const char *code = stratum_of(c, ags);
    return code ? mz_results_find(c->res, ind, MZ_LEVEL_SCHICHT, code, MZ_G_ALL) : NULL;
}

/* Published region-level rows of an indicator's group, in results order. */
static size_t region_rows(const ctx_t *c, mz_indicator_t ind, mz_group_t g,
                          const mz_estimate_t **out, size_t max)
{
    size_t k = 0;
    for (size_t i = 0; i < mz_results_count(c->res); i++) {
        const mz_estimate_t *e = mz_results_at(c->res, i);
        if (e->ind == ind && e->group == g && e->region->level == MZ_LEVEL_REGION && published(e) &&
            k < max)
            out[k++] = e;
    }
    return k;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = (*(const mz_estimate_t *const *)a)->p.estimate;
    double y = (*(const mz_estimate_t *const *)b)->p.estimate;
    return (x < y) - (x > y);
}

/* Whether the codes of rows[0..n) are exactly the codes in want (any order). */
static bool same_codes(const mz_estimate_t *const *rows, size_t n, const char *const *want,
                       size_t nwant)
{
    if (n != nwant)
        return false;
    for (size_t i = 0; i < nwant; i++) {
        bool found = false;
        for (size_t j = 0; j < n && !found; j++)
            found = strcmp(rows[j]->region->code, want[i]) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* "Name 12,3; Name 4,5" */
static bool list_rows(mz_str_t *b, const mz_estimate_t *const *rows, size_t n, bool sign,
                      const char *unit)
{
    char v[32];
    if (n == 0)
        return mz_str_append(b, mz_tr("keine", "none"));
    for (size_t i = 0; i < n; i++)
        if (!mz_str_appendf(b, "%s%s %s%s", i ? "; " : "", rows[i]->region->name,
                            fmt1(rows[i]->p.estimate, sign, v, sizeof v), unit))
            return false;
    return true;
}

/* A value for `obtained`: the rounded value, or why there is none. */
static bool put_value(mz_str_t *b, const mz_estimate_t *e, const char *unit)
{
    char v[32];
    if (!e)
        return mz_str_append(b, mz_tr("nicht berechnet", "not computed"));
    if (!published(e))
        return mz_str_appendf(b, "%s (%s)", mz_tr("nicht veröffentlicht", "not published"),
                              mz_symbol_str(e->p.symbol));
    return mz_str_appendf(b, "%s%s", fmt1(e->p.estimate, false, v, sizeof v), unit);
}

/* ---- the findings ---- */

#define NOMEM_IF(x)                                                                               \
    do {                                                                                          \
        if (!(x))                                                                                 \
            goto nomem;                                                                           \
    } while (0)

/* A Land value that must round to target (R6, R9). */
static bool land_value(mz_reproduction_t *r, const ctx_t *c, const char *id, int line,
                       const char *statement, mz_indicator_t ind, double target)
{
    mz_str_t exp = {0}, obt = {0};
    char v[32];
    mz_finding_t *f = add(r, id, line, statement);
    NOMEM_IF(f);
    const mz_estimate_t *e = land(c, ind, MZ_G_ALL);
    NOMEM_IF(mz_str_appendf(&exp, "%s%s", fmt1(target, false, v, sizeof v), pct()));
    NOMEM_IF(put_value(&obt, e, pct()));
    return finish(f, &exp, &obt, published(e) && rounds_to(e->p.estimate, target));
nomem:
    mz_str_free(&exp);
    mz_str_free(&obt);
    return false;
}

static bool f_r2(mz_reproduction_t *r, const ctx_t *c)
{
    static const char *const codes[] = {"03459", "03456", "03453"};
    mz_str_t exp = {0}, obt = {0};
    char v[32];
    mz_finding_t *f = add(r, "R2", 1066,
                          mz_tr("Anteil der Menschen mit Migrationshintergrund 20 % und mehr in "
                                "den Planungsregionen Landkreis Osnabrück, Grafschaft Bentheim und "
                                "Cloppenburg (Abb. 5)",
                                "Share of persons with migration background of 20% or more in "
                                "the planning regions Landkreis Osnabrück, Grafschaft Bentheim and "
                                "Cloppenburg (fig. 5)"));
    NOMEM_IF(f);
    NOMEM_IF(mz_str_appendf(&exp, mz_tr("je eigene Region, ≥ %s%s",
                                        "each a region of its own, ≥ %s%s"),
                            fmt1(20.0, false, v, sizeof v), pct()));
    bool ok = true;
    for (size_t i = 0; i < 3; i++) {
        const mz_estimate_t *e = mz_results_find(c->res, MZ_IND_MIGRATION_SHARE, MZ_LEVEL_REGION,
                                                 codes[i], MZ_G_ALL);
        int u = mz_gazetteer_find(c->gz, codes[i]);
        const char *name = u >= 0 ? mz_gazetteer_unit(c->gz, (size_t)u)->short_name : codes[i];
        NOMEM_IF(mz_str_appendf(&obt, "%s%s ", i ? "; " : "", name));
        if (!e) {
            NOMEM_IF(mz_str_append(&obt, mz_tr("nicht als eigene Region", "not a region of its own")));
            ok = false;
            continue;
        }
        NOMEM_IF(put_value(&obt, e, pct()));
        ok = ok && published(e) && mz_round1(e->p.estimate) >= 20.0;
    }
    return finish(f, &exp, &obt, ok);
nomem:
    mz_str_free(&exp);
    mz_str_free(&obt);
    return false;
}

/* Published stratum rows of an indicator (group all) above `than` (NaN: all), and the highest. */
static size_t strata_above(const ctx_t *c, mz_indicator_t ind, double than,
                           const mz_estimate_t **top)
{
    size_t k = 0;
    *top = NULL;
    for (size_t i = 0; i < mz_results_count(c->res); i++) {
        const mz_estimate_t *e = mz_results_at(c->res, i);
        if (e->ind != ind || e->group != MZ_G_ALL || e->region->level != MZ_LEVEL_SCHICHT ||
            !published(e))
            continue;
        if (!*top || e->p.estimate > (*top)->p.estimate)
            *top = e;
        k += isnan(than) || e->p.estimate > than;
    }
    return k;
}

static bool f_r7(mz_reproduction_t *r, const ctx_t *c)
{
    mz_str_t exp = {0}, obt = {0};
    char v[32], w[32];
    mz_finding_t *f = add(r, "R7", 1083,
                          mz_tr("Produzierendes Gewerbe: deutlich überdurchschnittliche Anteile im "
                                "Oldenburger Raum und in Westniedersachsen (Abb. 6)",
                                "Production: shares well above average in Oldenburger Raum and "
                                "Westniedersachsen (fig. 6)"));
    NOMEM_IF(f);
    /* the strata of Cloppenburg (Oldenburger Raum) and Emsland (Westniedersachsen) */
    const mz_estimate_t *old = schicht_of(c, MZ_IND_SECTOR_PRODUCTION, "03453");
    const mz_estimate_t *west = schicht_of(c, MZ_IND_SECTOR_PRODUCTION, "03454");
    const mz_estimate_t *l = land(c, MZ_IND_SECTOR_PRODUCTION, MZ_G_ALL);
    NOMEM_IF(mz_str_appendf(&exp, mz_tr("Oldenburger Raum %s%s, Westniedersachsen %s%s (die "
                                        "beiden höchsten Werte)",
                                        "Oldenburger Raum %s%s, Westniedersachsen %s%s (the two "
                                        "highest)"),
                            fmt1(25.0, false, v, sizeof v), pct(), fmt1(22.5, false, w, sizeof w),
                            pct()));
    NOMEM_IF(mz_str_append(&obt, old ? old->region->name : "Oldenburger Raum"));
    NOMEM_IF(mz_str_append(&obt, " "));
    NOMEM_IF(put_value(&obt, old, pct()));
    NOMEM_IF(mz_str_appendf(&obt, ", %s ", west ? west->region->name : "Westniedersachsen"));
    NOMEM_IF(put_value(&obt, west, pct()));
    /* the two highest: no other stratum above the lower of the two */
    const mz_estimate_t *top;
    size_t above = published(old) && published(west)
                       ? strata_above(c, MZ_IND_SECTOR_PRODUCTION,
                                      fmin(old->p.estimate, west->p.estimate) - 1e-9, &top)
                       : 0;
    if (above > 2)
        NOMEM_IF(mz_str_appendf(&obt, mz_tr("; %zu Schichten darüber oder gleich",
                                            "; %zu strata at or above"),
                                above - 2));
    else if (above == 2)
        NOMEM_IF(mz_str_append(&obt, mz_tr(" (die beiden höchsten Werte)", " (the two highest)")));
    bool ok = published(old) && published(west) && published(l) &&
              rounds_to(old->p.estimate, 25.0) && rounds_to(west->p.estimate, 22.5) &&
              old->p.estimate > l->p.estimate && west->p.estimate > l->p.estimate && above == 2;
    return finish(f, &exp, &obt, ok);
nomem:
    mz_str_free(&exp);
    mz_str_free(&obt);
    return false;
}

static bool f_r10(mz_reproduction_t *r, const ctx_t *c)
{
    mz_str_t exp = {0}, obt = {0};
    char v[32], w[32];
    mz_finding_t *f = add(r, "R10", 1085,
                          mz_tr("Handel, Gastgewerbe, Verkehr: höchster Anteil in der Region "
                                "Hannover, über 20 % auch in Ostniedersachsen (Abb. 6)",
                                "Trade, hospitality, transport: highest share in Region Hannover, "
                                "above 20% in Ostniedersachsen too (fig. 6)"));
    NOMEM_IF(f);
    const mz_estimate_t *han = schicht_of(c, MZ_IND_SECTOR_TRADE, "03241");
    const mz_estimate_t *ost = schicht_of(c, MZ_IND_SECTOR_TRADE, "03101");
    NOMEM_IF(mz_str_appendf(&exp, mz_tr("Region Hannover %s%s (höchster Wert), "
                                        "Ostniedersachsen > %s%s, sonst keine Schicht",
                                        "Region Hannover %s%s (highest), Ostniedersachsen > %s%s, "
                                        "no other stratum"),
                            fmt1(23.6, false, v, sizeof v), pct(), fmt1(20.0, false, w, sizeof w),
                            pct()));
    const mz_estimate_t *top;
    size_t over20 = strata_above(c, MZ_IND_SECTOR_TRADE, 20.0, &top);
    bool highest = published(han) && top == han;
    NOMEM_IF(mz_str_appendf(&obt, "%s ", han ? han->region->name : "Region Hannover"));
    NOMEM_IF(put_value(&obt, han, pct()));
    if (top && top != han)
        NOMEM_IF(mz_str_appendf(&obt, mz_tr(" (höchster Wert: %s %s%s)", " (highest: %s %s%s)"),
                                top->region->name, fmt1(top->p.estimate, false, w, sizeof w),
                                pct()));
    else if (highest)
        NOMEM_IF(mz_str_append(&obt, mz_tr(" (höchster Wert)", " (highest)")));
    NOMEM_IF(mz_str_appendf(&obt, ", %s ", ost ? ost->region->name : "Ostniedersachsen"));
    NOMEM_IF(put_value(&obt, ost, pct()));
    if (over20 > 2)
        NOMEM_IF(mz_str_appendf(&obt, mz_tr("; %zu Schichten über 20 %%", "; %zu strata above 20%%"),
                                over20));
    bool ok = highest && rounds_to(han->p.estimate, 23.6) && published(ost) &&
              ost->p.estimate > 20.0 && over20 == 2;
    return finish(f, &exp, &obt, ok);
nomem:
    mz_str_free(&exp);
    mz_str_free(&obt);
    return false;
}

static bool f_r12(mz_reproduction_t *r, const ctx_t *c)
{
    mz_str_t exp = {0}, obt = {0};
    char v[32], w[32];
    mz_finding_t *f = add(r, "R12", 1098,
                          mz_tr("Erwerbstätigenquote (18–64 Jahre) der Bevölkerung ohne / mit "
                                "Migrationshintergrund in Niedersachsen (Abb. 7)",
                                "Employment rate (ages 18-64) of the population without / with "
                                "migration background in Niedersachsen (fig. 7)"));
    NOMEM_IF(f);
    const mz_estimate_t *wo = land(c, MZ_IND_EMPLOYMENT_RATE, MZ_G_WITHOUT);
    const mz_estimate_t *wi = land(c, MZ_IND_EMPLOYMENT_RATE, MZ_G_WITH);
    NOMEM_IF(mz_str_appendf(&exp, "%s%s / %s%s", fmt1(74.8, false, v, sizeof v), pct(),
                            fmt1(62.1, false, w, sizeof w), pct()));
    NOMEM_IF(put_value(&obt, wo, pct()));
    NOMEM_IF(mz_str_append(&obt, " / "));
    NOMEM_IF(put_value(&obt, wi, pct()));
    const mz_age_band_t band = mz_cells_band(mz_results_cells(c->res));
    if (band.lo != 18 || band.hi != 64)
        NOMEM_IF(mz_str_appendf(&obt, mz_tr(" (Alter %d–%d statt 18–64)",
                                            " (ages %d-%d instead of 18-64)"),
                                band.lo, band.hi));
    bool ok = band.lo == 18 && band.hi == 64 && published(wo) && published(wi) &&
              rounds_to(wo->p.estimate, 74.8) && rounds_to(wi->p.estimate, 62.1);
    return finish(f, &exp, &obt, ok);
nomem:
    mz_str_free(&exp);
    mz_str_free(&obt);
    return false;
}

/* R14 (top) and R15 (bottom): the regions with the largest / smallest self-employment gap. */
static bool f_selfemp(mz_reproduction_t *r, const ctx_t *c, bool top)
{
    static const char *const top_codes[] = {"03359", "03457", "03456"};
    static const char *const low_codes[] = {"03352", "03356+03357", "03361", "03451+03453",
                                            "03404"};
    const char *const *want = top ? top_codes : low_codes;
    const size_t nwant = top ? 3 : 5;
    mz_str_t exp = {0}, obt = {0};
    const mz_estimate_t **rows = NULL;
    mz_finding_t *f =
        top ? add(r, "R14", 1102,
                  mz_tr("Selbständige: Menschen mit Migrationshintergrund im Verhältnis besonders "
                        "häufig selbständig in Stade, Leer und der Grafschaft Bentheim (die drei "
                        "größten Differenzen der Selbständigenanteile, Abb. 8)",
                        "Self-employment: persons with migration background relatively often "
                        "self-employed in Stade, Leer and Grafschaft Bentheim (the three largest "
                        "gaps of the self-employment shares, fig. 8)"))
            : add(r, "R15", 1106,
                  mz_tr("Selbständige: besonders niedriger Anteil mit Migrationshintergrund in "
                        "Cuxhaven, Osterholz/Rotenburg (Wümme), Verden, Ammerland/Cloppenburg und "
                        "der Stadt Osnabrück (die fünf kleinsten Differenzen, Abb. 8)",
                        "Self-employment: particularly low share with migration background in "
                        "Cuxhaven, Osterholz/Rotenburg (Wümme), Verden, Ammerland/Cloppenburg and "
                        "the city of Osnabrück (the five smallest gaps, fig. 8)"));
    NOMEM_IF(f);
    size_t max = mz_results_count(c->res);
    rows = malloc((max ? max : 1) * sizeof *rows);
    NOMEM_IF(rows);
    size_t n = region_rows(c, MZ_IND_SELF_EMPLOYMENT_SHARE, MZ_G_GAP, rows, max);
    qsort(rows, n, sizeof *rows, cmp_desc);
    const mz_estimate_t **pick = top ? rows : rows + (n > nwant ? n - nwant : 0);
    size_t npick = n < nwant ? n : nwant;
    if (!top) /* smallest first */
        for (size_t i = 0; i < npick / 2; i++) {
            const mz_estimate_t *t = pick[i];
            pick[i] = pick[npick - 1 - i];
            pick[npick - 1 - i] = t;
        }
    for (size_t i = 0; i < nwant; i++) {
        int u = strchr(want[i], '+') ? -1 : mz_gazetteer_find(c->gz, want[i]);
        const char *name = u >= 0 ? mz_gazetteer_unit(c->gz, (size_t)u)->short_name : NULL;
        if (!name) { /* a merged region: its member names joined by '/' */
            mz_str_t nm = {0};
            char code[64];
            snprintf(code, sizeof code, "%s", want[i]);
            for (char *save = NULL, *t = strtok_r(code, "+", &save); t;
                 t = strtok_r(NULL, "+", &save)) {
                int k = mz_gazetteer_find(c->gz, t);
                if (!mz_str_appendf(&nm, "%s%s", nm.len ? "/" : "",
                                    k >= 0 ? mz_gazetteer_unit(c->gz, (size_t)k)->short_name : t)) {
                    mz_str_free(&nm);
                    goto nomem;
                }
            }
            bool okn = mz_str_appendf(&exp, "%s%s", i ? ", " : "", nm.s ? nm.s : "");
            mz_str_free(&nm);
            NOMEM_IF(okn);
        } else {
            NOMEM_IF(mz_str_appendf(&exp, "%s%s", i ? ", " : "", name));
        }
    }
    NOMEM_IF(list_rows(&obt, pick, npick, true, ""));
    NOMEM_IF(mz_str_appendf(&obt, mz_tr(" (von %zu Regionen)", " (of %zu regions)"), n));
    bool ok = same_codes(pick, npick, want, nwant);
    free(rows);
    return finish(f, &exp, &obt, ok);
nomem:
    free(rows);
    mz_str_free(&exp);
    mz_str_free(&obt);
    return false;
}

static bool f_r18(mz_reproduction_t *r, const ctx_t *c)
{
    mz_str_t exp = {0}, obt = {0};
    const mz_estimate_t **rows = NULL;
    char v[32];
    mz_finding_t *f = add(r, "R18", 1137,
                          mz_tr("Erwerbslosigkeit: in allen dargestellten Regionen sind Menschen "
                                "mit Migrationshintergrund stärker betroffen (Abb. 9)",
                                "Unemployment: in every region shown persons with migration "
                                "background are more affected (fig. 9)"));
    NOMEM_IF(f);
    size_t max = mz_results_count(c->res);
    rows = malloc((max ? max : 1) * sizeof *rows);
    NOMEM_IF(rows);
    size_t n = region_rows(c, MZ_IND_UNEMPLOYMENT_RATE, MZ_G_GAP, rows, max);
    const mz_estimate_t *min = NULL;
    for (size_t i = 0; i < n; i++)
        if (!min || rows[i]->p.estimate < min->p.estimate)
            min = rows[i];
    NOMEM_IF(mz_str_append(&exp, mz_tr("Differenz > 0 in jeder Region", "gap > 0 in every region")));
    if (min)
        NOMEM_IF(mz_str_appendf(&obt, mz_tr("%zu Regionen, kleinste Differenz %s%s (%s)",
                                            "%zu regions, smallest gap %s%s (%s)"),
                                n, fmt1(min->p.estimate, true, v, sizeof v), pp(),
                                min->region->name));
    else
        NOMEM_IF(mz_str_append(&obt, mz_tr("keine veröffentlichte Region", "no published region")));
    bool ok = min && min->p.estimate > 0;
    free(rows);
    return finish(f, &exp, &obt, ok);
nomem:
    free(rows);
    mz_str_free(&exp);
    mz_str_free(&obt);
    return false;
}

static bool f_r19(mz_reproduction_t *r, const ctx_t *c)
{
    static const char *const want[] = {"03251", "03256", "03257", "03405", "03457", "03351"};
    mz_str_t exp = {0}, obt = {0};
    const mz_estimate_t **rows = NULL;
    char v[32];
    mz_finding_t *f = add(r, "R19", 1137,
                          mz_tr("Differenz der Erwerbslosenquoten 12 Prozentpunkte und mehr in "
                                "Diepholz, Nienburg/Weser, Schaumburg, Stadt Wilhelmshaven, Leer "
                                "und Celle (Abb. 9)",
                                "Gap of the unemployment rates of 12 percentage points or more in "
                                "Diepholz, Nienburg/Weser, Schaumburg, the city of Wilhelmshaven, "
                                "Leer and Celle (fig. 9)"));
    NOMEM_IF(f);
    size_t max = mz_results_count(c->res);
    rows = malloc((max ? max : 1) * sizeof *rows);
    NOMEM_IF(rows);
    size_t n = region_rows(c, MZ_IND_UNEMPLOYMENT_RATE, MZ_G_GAP, rows, max), k = 0;
    for (size_t i = 0; i < n; i++)
        if (mz_round1(rows[i]->p.estimate) >= 12.0)
            rows[k++] = rows[i];
    NOMEM_IF(mz_str_appendf(&exp, mz_tr("genau diese sechs Regionen, je ≥ %s%s",
                                        "exactly these six regions, each ≥ %s%s"),
                            fmt1(12.0, false, v, sizeof v), pp()));
    NOMEM_IF(list_rows(&obt, rows, k, false, ""));
    bool ok = same_codes(rows, k, want, 6);
    free(rows);
    return finish(f, &exp, &obt, ok);
nomem:
    free(rows);
    mz_str_free(&exp);
    mz_str_free(&obt);
    return false;
}

/* Regions that need action (H2, H3, S3). */
static bool f_action(mz_reproduction_t *r, const ctx_t *c)
{
    mz_str_t exp = {0}, obt = {0};
    const mz_estimate_t **rows = NULL;
    mz_network_join_t nj = {0};
    char v[32];
    size_t max = mz_results_count(c->res);
    rows = malloc((max ? max : 1) * sizeof *rows);
    NOMEM_IF(rows);
    size_t n = region_rows(c, MZ_IND_UNEMPLOYMENT_RATE, MZ_G_GAP, rows, max);
    size_t flagged = 0, big = 0, with_network = 0;
    bool consistent = true;
    for (size_t i = 0; i < n; i++) {
        bool need = mz_estimate_needs_action(rows[i], c->rules);
        bool ten = mz_round1(rows[i]->p.estimate) >= 10.0;
        consistent = consistent && need == ten;
        big += ten;
        if (!need)
            continue;
        rows[flagged++] = rows[i];
        if (mz_networks_join(mz_run_networks(c->run), rows[i]->region->members, &nj, c->err) !=
            MZ_OK)
            goto fail;
        with_network += strcmp(nj.status, "network") == 0;
        mz_network_join_finish(&nj);
    }

    mz_finding_t *f = add(r, "H2", 1153,
                          mz_tr("Handlungsbedarf in den Regionen, in denen die Erwerbslosenquote "
                                "mit Migrationshintergrund 10 und mehr Prozentpunkte höher liegt "
                                "(Abb. 10)",
                                "Action needed in the regions where the unemployment rate with "
                                "migration background is 10 or more percentage points higher "
                                "(fig. 10)"));
    NOMEM_IF(f);
    NOMEM_IF(mz_str_appendf(&exp, mz_tr("alle Regionen mit Differenz ≥ %s%s markiert",
                                        "every region with a gap ≥ %s%s flagged"),
                            fmt1(10.0, false, v, sizeof v), pp()));
    NOMEM_IF(mz_str_appendf(&obt, mz_tr("%zu markiert: ", "%zu flagged: "), flagged));
    NOMEM_IF(list_rows(&obt, rows, flagged, false, ""));
    if (fabs(c->rules->gap_flag - 10.0) > 1e-9)
        NOMEM_IF(mz_str_appendf(&obt, mz_tr(" (Schwelle %s statt 10)", " (threshold %s, not 10)"),
                                fmt1(c->rules->gap_flag, false, v, sizeof v)));
    if (!finish(f, &exp, &obt,
                consistent && flagged == big && flagged > 0 &&
                    fabs(c->rules->gap_flag - 10.0) < 1e-9))
        goto nomem;

    f = add(r, "H3", 1153,
            mz_tr("In der überwiegenden Mehrzahl dieser Regionen sind bereits Netzwerke vorhanden "
                  "(Netzwerke Stand 03/2010)",
                  "Networks already exist in the great majority of these regions (networks as "
                  "of 03/2010)"));
    NOMEM_IF(f);
    NOMEM_IF(mz_str_append(&exp, mz_tr("mehr als zwei Drittel mit Netzwerk",
                                       "more than two thirds with a network")));
    NOMEM_IF(mz_str_appendf(&obt, mz_tr("%zu von %zu mit Netzwerk", "%zu of %zu with a network"),
                            with_network, flagged));
    if (!finish(f, &exp, &obt, flagged > 0 && 3 * with_network > 2 * flagged))
        goto nomem;

    /* H5/H6: Friesland/Wittmund */
    f = add(r, "H5/H6", 1155,
            mz_tr("Friesland/Wittmund: große Differenz der Erwerbslosenquoten, keine Hinweise auf "
                  "Netzwerke – besonderer Handlungsbedarf (Abb. 10)",
                  "Friesland/Wittmund: large gap of the unemployment rates, no sign of a network "
                  "– particular need for action (fig. 10)"));
    NOMEM_IF(f);
    NOMEM_IF(mz_str_appendf(&exp, mz_tr("eine zusammengefasste Region, Differenz ≥ %s%s, "
                                        "kein Netzwerk",
                                        "one merged region, gap ≥ %s%s, no network"),
                            fmt1(10.0, false, v, sizeof v), pp()));
    const mz_estimate_t *fw = mz_results_find(c->res, MZ_IND_UNEMPLOYMENT_RATE, MZ_LEVEL_REGION,
                                              "03455+03462", MZ_G_GAP);
    bool ok = false;
    if (!fw) {
        /* say where the two Kreise went */
        const mz_partition_t *part = mz_results_partition(c->res, MZ_IND_UNEMPLOYMENT_RATE);
        NOMEM_IF(mz_str_append(&obt, mz_tr("keine Region Friesland/Wittmund; ",
                                           "no region Friesland/Wittmund; ")));
        for (size_t i = 0; part && i < part->count; i++)
            if (strstr(part->regions[i].members, "03455") ||
                strstr(part->regions[i].members, "03462"))
                NOMEM_IF(mz_str_appendf(&obt, "%s ", part->regions[i].name));
    } else {
        NOMEM_IF(mz_str_appendf(&obt, "%s ", fw->region->name));
        NOMEM_IF(put_value(&obt, fw, pp()));
        if (mz_networks_join(mz_run_networks(c->run), fw->region->members, &nj, c->err) != MZ_OK)
            goto fail;
        const char *st = strcmp(nj.status, "network") == 0 ? mz_tr("vorhanden", "present")
                         : strcmp(nj.status, "no_information") == 0
                             ? mz_tr("keine Angaben", "no information")
                             : mz_tr("keine", "none");
        bool none = nj.count == 0 && strcmp(nj.status, "network") != 0;
        mz_network_join_finish(&nj);
        NOMEM_IF(mz_str_appendf(&obt, mz_tr("; Netzwerke: %s", "; networks: %s"), st));
        ok = fw->region->nunits == 2 && mz_estimate_needs_action(fw, c->rules) && none;
    }
    if (!finish(f, &exp, &obt, ok))
        goto nomem;

    f = add(r, "S3", 1261,
            mz_tr("In mehr als 10 Regionen ist die Erwerbslosenquote mit Migrationshintergrund um "
                  "10 und mehr Prozentpunkte höher",
                  "In more than 10 regions the unemployment rate with migration background is "
                  "higher by 10 or more percentage points"));
    NOMEM_IF(f);
    NOMEM_IF(mz_str_append(&exp, mz_tr("mehr als 10 Regionen", "more than 10 regions")));
    NOMEM_IF(mz_str_appendf(&obt, mz_tr("%zu Regionen", "%zu regions"), big));
    if (!finish(f, &exp, &obt, big > 10))
        goto nomem;
    free(rows);
    return true;
nomem:
    mz_error_set(c->err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
fail:
    mz_network_join_finish(&nj);
    free(rows);
    mz_str_free(&exp);
    mz_str_free(&obt);
    return false;
}

mz_reproduction_t *mz_reproduce_2010(mz_run_t *run, mz_error_t *err)
{
    mz_reproduction_t *r = calloc(1, sizeof *r);
    mz_results_t *res = mz_run_results(run);
    if (!res) {
        free(r);
        mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL, "mz_reproduce_2010 before compute");
        return NULL;
    }
    if (!r)
        goto nomem;
    ctx_t c = {.run = run, .res = res, .gz = mz_run_gazetteer(run),
               .rules = mz_results_rules(res), .err = err};
    if (!f_r2(r, &c) ||
        !land_value(r, &c, "R6", 1083,
                    mz_tr("Produzierendes Gewerbe: Anteil der Beschäftigten mit "
                          "Migrationshintergrund in Niedersachsen (Abb. 6)",
                          "Production: share of employed persons with migration background in "
                          "Niedersachsen (fig. 6)"),
                    MZ_IND_SECTOR_PRODUCTION, 17.0) ||
        !f_r7(r, &c) ||
        !land_value(r, &c, "R9", 1085,
                    mz_tr("Handel, Gastgewerbe, Verkehr: Anteil der Beschäftigten mit "
                          "Migrationshintergrund in Niedersachsen (Abb. 6)",
                          "Trade, hospitality, transport: share of employed persons with "
                          "migration background in Niedersachsen (fig. 6)"),
                    MZ_IND_SECTOR_TRADE, 16.6) ||
        !f_r10(r, &c) || !f_r12(r, &c) || !f_selfemp(r, &c, true) || !f_selfemp(r, &c, false) ||
        !f_r18(r, &c) || !f_r19(r, &c))
        goto nomem;
    if (!f_action(r, &c)) {
        mz_reproduction_destroy(r);
        return NULL;
    }
    return r;
nomem:
    mz_reproduction_destroy(r);
    mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
    return NULL;
}

/* ---- reproduction.csv ---- */

static int put_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",;\"\n\r"))
        return fputs(s, f);
    if (fputc('"', f) == EOF)
        return EOF;
    for (const char *p = s; *p; p++) {
        if (*p == '"' && fputc('"', f) == EOF)
            return EOF;
        if (fputc(*p, f) == EOF)
            return EOF;
    }
    return fputc('"', f);
}

mz_status_t mz_reproduction_write_csv(const mz_reproduction_t *r, FILE *f, mz_error_t *err)
{
    bool bad = fputs("finding,statement,expected,obtained,ok\n", f) == EOF;
    for (size_t i = 0; i < r->n && !bad; i++) {
        const mz_finding_t *x = &r->f[i];
        char stmt[1024];
        snprintf(stmt, sizeof stmt, mz_tr("%s (Z. %d)", "%s (line %d)"), x->statement, x->line);
        bad = put_field(f, x->id) == EOF || fputc(',', f) == EOF || put_field(f, stmt) == EOF ||
              fputc(',', f) == EOF || put_field(f, x->expected) == EOF || fputc(',', f) == EOF ||
              put_field(f, x->obtained) == EOF || fprintf(f, ",%d\n", x->ok ? 1 : 0) < 0;
    }
    if (bad || ferror(f))
        return mz_error_set(err, MZ_ERR_IO, NULL, 0, NULL, NULL, "%s",
                            mz_tr("Schreibfehler", "write error"));
    return MZ_OK;
}

/* Write via a temporary file beside path, renamed into place when complete. */
typedef mz_status_t (*atomic_fn_t)(const void *obj, FILE *f, mz_error_t *err);

static mz_status_t write_atomic(const char *path, atomic_fn_t fn, const void *obj, mz_error_t *err)
{
    size_t n = strlen(path);
    char *tmp = malloc(n + 16);
    if (!tmp)
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    snprintf(tmp, n + 16, "%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *f = NULL;
    mz_status_t st = MZ_OK;
    if (fd >= 0) {
        mode_t um = umask(0);
        umask(um);
        (void)fchmod(fd, 0666 & ~um);
        f = fdopen(fd, "w");
        if (!f)
            close(fd);
    }
    if (!f) {
        st = mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s: %s",
                          mz_tr("kann nicht geschrieben werden", "cannot be written"),
                          strerror(errno));
        if (fd >= 0)
            unlink(tmp);
        free(tmp);
        return st;
    }
    st = fn(obj, f, err);
    if (fclose(f) != 0 && st == MZ_OK)
        st = mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                          mz_tr("Schreibfehler", "write error"));
    if (st == MZ_OK && rename(tmp, path) != 0)
        st = mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s: %s",
                          mz_tr("kann nicht an seinen Platz gebracht werden",
                                "cannot be moved into place"),
                          strerror(errno));
    if (st != MZ_OK) {
        unlink(tmp);
        if (err && !err->file[0])
            snprintf(err->file, sizeof err->file, "%s", path);
    }
    free(tmp);
    return st;
}

static mz_status_t csv_fn(const void *obj, FILE *f, mz_error_t *err)
{
    return mz_reproduction_write_csv(obj, f, err);
}

mz_status_t mz_reproduction_write(const mz_reproduction_t *r, const char *path, mz_error_t *err)
{
    return write_atomic(path, csv_fn, r, err);
}

/* ---- the demo ---- */

void mz_demo_options_init(mz_demo_options_t *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->seed = MZ_SYNTH_SEED_DEFAULT;
}

void mz_demo_result_finish(mz_demo_result_t *res)
{
    if (!res)
        return;
    mz_reproduction_destroy(res->reproduction);
    free(res->sample);
    memset(res, 0, sizeof *res);
}

/* mkdir -p of the directory that will contain path. */
static int make_parent_dirs(const char *path)
{
    char *p = mz_strdup(path);
    if (!p)
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    free(p);
    return 0;
}

mz_status_t mz_demo_run(const mz_demo_options_t *opt, mz_demo_result_t *res, mz_error_t *err)
{
    mz_demo_options_t o;
    mz_demo_options_init(&o);
    if (opt)
        o = *opt;
    const char *out = o.out && *o.out ? o.out : MZ_DEMO_OUT_DEFAULT;
    memset(res, 0, sizeof *res);
    mz_run_t *run = NULL;
    char *tmp_sample = NULL;
    mz_status_t st = MZ_OK;
    size_t n = strlen(out);
    while (n > 1 && out[n - 1] == '/')
        n--;

    const char *sample = o.sample;
    if (!sample) {
        /* generated beside the output directory (like its staging directory), moved into it
         * once the results are in place */
        tmp_sample = malloc(n + 64);
        if (!tmp_sample)
            goto nomem;
        snprintf(tmp_sample, n + 64, "%.*s.synthetic-%ld.csv", (int)n, out, (long)getpid());
        if (make_parent_dirs(tmp_sample) != 0) {
            st = mz_error_set(err, MZ_ERR_IO, out, 0, NULL, NULL, "%s: %s",
                              mz_tr("Verzeichnis kann nicht angelegt werden",
                                    "cannot create directory"),
                              strerror(errno));
            goto done;
        }
        mz_synth_options_t so;
        mz_synth_options_init(&so);
        so.year = 2007;
        so.seed = o.seed;
        so.persons = o.persons;
        st = mz_synth_write(&so, tmp_sample, NULL, err);
        if (st != MZ_OK)
            goto done;
        sample = tmp_sample;
    }

    mz_run_options_t ro;
    mz_run_options_init(&ro);
    ro.rules.rate_rule = MZ_RATE_BASE; /* the report's rule (DESIGN.md) */
    ro.band.lo = 18;
    ro.band.hi = 64;
    ro.merge = true;
    ro.outputs = o.outputs ? o.outputs : MZ_OUT_CSV | MZ_OUT_XLSX | MZ_OUT_MAPS;
    ro.command_line = o.command_line;
    run = mz_run_create(&ro, err);
    if (!run) {
        st = err ? err->status : MZ_ERR_NOMEM;
        goto done;
    }
    st = mz_run_add_extract(run, sample, err);
    if (st == MZ_OK)
        st = mz_run_compute(run, err);
    if (st != MZ_OK)
        goto done;
    res->reproduction = mz_reproduce_2010(run, err);
    if (!res->reproduction) {
        st = err ? err->status : MZ_ERR_NOMEM;
        goto done;
    }
    res->year = mz_run_year(run);
    res->synthetic = mz_run_synthetic(run);
    res->records = mz_cells_records(mz_run_cells(run));
    mz_results_t *results = mz_run_results(run);
    for (size_t i = 0; i < mz_results_count(results); i++)
        res->flagged +=
            mz_estimate_needs_action(mz_results_at(results, i), mz_results_rules(results));
    /* reproduction.csv and the generated sample go into the output directory in the same
     * atomic step as the other outputs */
    char path[4096], rel[64];
    snprintf(path, sizeof path, "%.*s.reproduction-%ld.csv", (int)n, out, (long)getpid());
    st = mz_reproduction_write(res->reproduction, path, err);
    if (st == MZ_OK)
        st = mz_run_adopt_file(run, path, "reproduction.csv", err);
    if (st != MZ_OK) {
        unlink(path);
        goto done;
    }
    snprintf(rel, sizeof rel, "synthetic-%d.csv", res->year);
    if (tmp_sample && (st = mz_run_adopt_file(run, tmp_sample, rel, err)) != MZ_OK) {
        unlink(path);
        goto done;
    }
    st = mz_run_write(run, out, err);
    unlink(path); /* gone already when the write succeeded */
    if (st != MZ_OK)
        goto done;
    if (tmp_sample) {
        snprintf(path, sizeof path, "%.*s/%s", (int)n, out, rel);
        free(tmp_sample);
        tmp_sample = NULL;
        res->sample = mz_strdup(path);
    } else {
        res->sample = mz_strdup(sample);
    }
    if (!res->sample)
        goto nomem;
    goto done;
nomem:
    st = mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
done:
    if (tmp_sample) {
        unlink(tmp_sample);
        free(tmp_sample);
    }
    mz_run_destroy(run);
    if (st != MZ_OK)
        mz_demo_result_finish(res);
    return st;
}
