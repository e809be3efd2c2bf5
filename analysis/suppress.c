/* suppress.c — secondary suppression: a generic protection table solved with GLPK, the linear
 * model of indicators.csv, and its application to a table of results (docs/confidentiality.md). */
#include "mzatlas/mz_suppress.h"

#include <glpk.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "suppress_model.h"

/* ================================================================= generic protection table */

/* A linear function in GLPK's layout: idx[1..n] are 1-based column numbers, val[1..n] their
 * coefficients (element 0 unused). Column numbers are distinct and coefficients nonzero. */
typedef struct pt_fn {
    size_t sys, n;
    int *idx;
    double *val;
} pt_fn_t;

typedef struct pt_cell {
    pt_fn_t fn;
    size_t unit;
    double value;
    int row;            /* GLPK row, 0 before the LP is built */
} pt_cell_t;

typedef struct pt_target {
    pt_fn_t fn;
    double value, lower, upper;
} pt_target_t;

typedef struct pt_unit {
    double cost;
    bool published, complement;
    size_t *cells, ncells, capcells;
    size_t *links, nlinks, caplinks;
} pt_unit_t;

typedef struct pt_sys {
    size_t nvars;
    double *lo, *hi;
    bool integral;
    glp_prob *lp;
    size_t *cell_of_row;   /* [1..nrows] */
    size_t nrows;
    size_t obj_target;     /* target whose coefficients are in the objective, or SIZE_MAX */
    double maxabs;         /* largest |value| of a cell: scale of the LP's rounding errors */
} pt_sys_t;

struct mz_ptable {
    pt_sys_t *sys;
    size_t nsys;
    pt_unit_t *units;
    size_t nunits, capunits;
    pt_cell_t *cells;
    size_t ncells, capcells;
    pt_target_t *targets;
    size_t ntargets, captargets;
    size_t solves;
    size_t *stack;         /* scratch for withholding with links */
    size_t capstack;
};

static mz_status_t nomem(mz_error_t *err)
{
    return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
}

/* Grow *p (of element size `size`) so it holds at least need elements. */
static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*p, nc * size);
    if (!np)
        return false;
    *p = np;
    *cap = nc;
    return true;
}

mz_ptable_t *mz_ptable_create(size_t nsys, const size_t *nvars, const bool *integral,
                              mz_error_t *err)
{
    mz_ptable_t *t = calloc(1, sizeof *t);
    if (!t || nsys == 0) {
        free(t);
        if (nsys == 0)
            mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL, "mz_ptable_create: no system");
        else
            nomem(err);
        return NULL;
    }
    t->sys = calloc(nsys, sizeof *t->sys);
    if (!t->sys)
        goto fail;
    t->nsys = nsys;
    for (size_t s = 0; s < nsys; s++) {
        pt_sys_t *y = &t->sys[s];
        y->nvars = nvars[s];
        y->integral = integral ? integral[s] : false;
        y->obj_target = SIZE_MAX;
        y->lo = calloc(nvars[s] ? nvars[s] : 1, sizeof *y->lo);
        y->hi = malloc((nvars[s] ? nvars[s] : 1) * sizeof *y->hi);
        if (!y->lo || !y->hi)
            goto fail;
        for (size_t v = 0; v < nvars[s]; v++)
            y->hi[v] = INFINITY;
    }
    return t;
fail:
    mz_ptable_destroy(t);
    nomem(err);
    return NULL;
}

static void fn_free(pt_fn_t *f)
{
    free(f->idx);
    free(f->val);
    f->idx = NULL;
    f->val = NULL;
    f->n = 0;
}

void mz_ptable_destroy(mz_ptable_t *t)
{
    if (!t)
        return;
    for (size_t s = 0; s < t->nsys; s++) {
        free(t->sys[s].lo);
        free(t->sys[s].hi);
        free(t->sys[s].cell_of_row);
        if (t->sys[s].lp)
            glp_delete_prob(t->sys[s].lp);
    }
    free(t->sys);
    for (size_t u = 0; u < t->nunits; u++) {
        free(t->units[u].cells);
        free(t->units[u].links);
    }
    free(t->units);
    for (size_t c = 0; c < t->ncells; c++)
        fn_free(&t->cells[c].fn);
    free(t->cells);
    for (size_t i = 0; i < t->ntargets; i++)
        fn_free(&t->targets[i].fn);
    free(t->targets);
    free(t->stack);
    free(t);
}

static void set_col_bounds(glp_prob *lp, size_t v, double lo, double hi)
{
    int j = (int)v + 1;
    if (isinf(hi))
        glp_set_col_bnds(lp, j, GLP_LO, lo, 0.0);
    else if (hi > lo)
        glp_set_col_bnds(lp, j, GLP_DB, lo, hi);
    else
        glp_set_col_bnds(lp, j, GLP_FX, lo, lo);
}

mz_status_t mz_ptable_bounds(mz_ptable_t *t, size_t sys, size_t var, double lo, double hi,
                             mz_error_t *err)
{
    if (sys >= t->nsys || var >= t->sys[sys].nvars || !isfinite(lo) || isnan(hi) || hi < lo)
        return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL,
                            "mz_ptable_bounds: bad arguments");
    t->sys[sys].lo[var] = lo;
    t->sys[sys].hi[var] = hi;
    if (t->sys[sys].lp)
        set_col_bounds(t->sys[sys].lp, var, lo, hi);
    return MZ_OK;
}

long mz_ptable_add_unit(mz_ptable_t *t, double cost, bool published, mz_error_t *err)
{
    if (!grow((void **)&t->units, &t->capunits, t->nunits + 1, sizeof *t->units)) {
        nomem(err);
        return -1;
    }
    pt_unit_t *u = &t->units[t->nunits];
    memset(u, 0, sizeof *u);
    u->cost = isfinite(cost) ? cost : 0.0;
    u->published = published;
    return (long)t->nunits++;
}

/* Copy a function into GLPK's layout, merging repeated unknowns and dropping zeros. */
static mz_status_t fn_make(const mz_ptable_t *t, size_t sys, size_t n, const size_t *vars,
                           const double *coefs, pt_fn_t *out, mz_error_t *err)
{
    memset(out, 0, sizeof *out);
    if (sys >= t->nsys)
        return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL, "ptable: bad system");
    out->sys = sys;
    out->idx = malloc((n + 1) * sizeof *out->idx);
    out->val = malloc((n + 1) * sizeof *out->val);
    if (!out->idx || !out->val) {
        fn_free(out);
        return nomem(err);
    }
    for (size_t i = 0; i < n; i++) {
        if (vars[i] >= t->sys[sys].nvars || !isfinite(coefs[i])) {
            fn_free(out);
            return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL,
                                "ptable: unknown out of range");
        }
        if (coefs[i] == 0.0)
            continue;
        int col = (int)vars[i] + 1;
        size_t k;
        for (k = 1; k <= out->n; k++)
            if (out->idx[k] == col)
                break;
        if (k <= out->n) {
            out->val[k] += coefs[i];
        } else {
            out->n++;
            out->idx[out->n] = col;
            out->val[out->n] = coefs[i];
        }
    }
    /* merged coefficients may cancel */
    size_t w = 0;
    for (size_t k = 1; k <= out->n; k++)
        if (out->val[k] != 0.0) {
            w++;
            out->idx[w] = out->idx[k];
            out->val[w] = out->val[k];
        }
    out->n = w;
    return MZ_OK;
}

mz_status_t mz_ptable_add_cell(mz_ptable_t *t, size_t unit, size_t sys, size_t n,
                               const size_t *vars, const double *coefs, double value,
                               mz_error_t *err)
{
    if (unit >= t->nunits || sys >= t->nsys || !isfinite(value))
        return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL,
                            "mz_ptable_add_cell: bad arguments");
    if (t->sys[sys].lp)
        return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL,
                            "mz_ptable_add_cell after the first solve");
    pt_unit_t *u = &t->units[unit];
    if (!grow((void **)&t->cells, &t->capcells, t->ncells + 1, sizeof *t->cells) ||
        !grow((void **)&u->cells, &u->capcells, u->ncells + 1, sizeof *u->cells))
        return nomem(err);
    pt_cell_t *c = &t->cells[t->ncells];
    mz_status_t st = fn_make(t, sys, n, vars, coefs, &c->fn, err);
    if (st != MZ_OK)
        return st;
    c->unit = unit;
    c->value = value;
    c->row = 0;
    if (fabs(value) > t->sys[sys].maxabs)
        t->sys[sys].maxabs = fabs(value);
    u->cells[u->ncells++] = t->ncells++;
    return MZ_OK;
}

mz_status_t mz_ptable_link(mz_ptable_t *t, size_t unit, size_t follower, mz_error_t *err)
{
    if (unit >= t->nunits || follower >= t->nunits)
        return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL,
                            "mz_ptable_link: bad unit");
    pt_unit_t *u = &t->units[unit];
    if (!grow((void **)&u->links, &u->caplinks, u->nlinks + 1, sizeof *u->links))
        return nomem(err);
    u->links[u->nlinks++] = follower;
    return MZ_OK;
}

long mz_ptable_add_target(mz_ptable_t *t, size_t sys, size_t n, const size_t *vars,
                          const double *coefs, double value, double lower, double upper,
                          mz_error_t *err)
{
    if (!isfinite(value) || !(lower >= 0) || !(upper >= 0)) {
        mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL, "mz_ptable_add_target: bad value");
        return -1;
    }
    if (!grow((void **)&t->targets, &t->captargets, t->ntargets + 1, sizeof *t->targets)) {
        nomem(err);
        return -1;
    }
    pt_target_t *g = &t->targets[t->ntargets];
    if (fn_make(t, sys, n, vars, coefs, &g->fn, err) != MZ_OK)
        return -1;
    g->value = value;
    g->lower = lower;
    g->upper = upper;
    return (long)t->ntargets++;
}

bool mz_ptable_unit_published(const mz_ptable_t *t, size_t unit)
{
    return unit < t->nunits && t->units[unit].published;
}

bool mz_ptable_unit_complement(const mz_ptable_t *t, size_t unit)
{
    return unit < t->nunits && t->units[unit].complement;
}

size_t mz_ptable_unit_count(const mz_ptable_t *t) { return t->nunits; }
size_t mz_ptable_target_count(const mz_ptable_t *t) { return t->ntargets; }

/* Withhold a unit and, transitively, what it is linked to. */
static mz_status_t withhold(mz_ptable_t *t, size_t unit, bool complement, size_t *count,
                            mz_error_t *err)
{
    size_t top = 0;
    if (!grow((void **)&t->stack, &t->capstack, 1, sizeof *t->stack))
        return nomem(err);
    t->stack[top++] = unit;
    while (top) {
        pt_unit_t *u = &t->units[t->stack[--top]];
        if (!u->published)
            continue;
        u->published = false;
        u->complement = complement;
        if (count)
            (*count)++;
        for (size_t i = 0; i < u->ncells; i++) {
            pt_cell_t *c = &t->cells[u->cells[i]];
            glp_prob *lp = t->sys[c->fn.sys].lp;
            if (lp && c->row > 0)
                glp_set_row_bnds(lp, c->row, GLP_FR, 0.0, 0.0);
        }
        if (!grow((void **)&t->stack, &t->capstack, top + u->nlinks, sizeof *t->stack))
            return nomem(err);
        for (size_t i = 0; i < u->nlinks; i++)
            t->stack[top++] = u->links[i];
    }
    return MZ_OK;
}

mz_status_t mz_ptable_suppress(mz_ptable_t *t, size_t unit, mz_error_t *err)
{
    if (unit >= t->nunits)
        return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL,
                            "mz_ptable_suppress: bad unit");
    return withhold(t, unit, false, NULL, err);
}

/* Build the LP of a system on first use: one column per unknown, one row per cell (fixed at
 * its value while the unit is published, free otherwise). */
static mz_status_t sys_lp(mz_ptable_t *t, size_t s, mz_error_t *err)
{
    pt_sys_t *y = &t->sys[s];
    if (y->lp)
        return MZ_OK;
    glp_term_out(GLP_OFF);
    size_t nrows = 0;
    for (size_t c = 0; c < t->ncells; c++)
        nrows += t->cells[c].fn.sys == s;
    y->cell_of_row = malloc((nrows + 1) * sizeof *y->cell_of_row);
    if (!y->cell_of_row)
        return nomem(err);
    y->lp = glp_create_prob();
    if (!y->lp)
        return nomem(err);
    glp_set_obj_dir(y->lp, GLP_MIN);
    if (y->nvars)
        glp_add_cols(y->lp, (int)y->nvars);
    for (size_t v = 0; v < y->nvars; v++)
        set_col_bounds(y->lp, v, y->lo[v], y->hi[v]);
    if (nrows)
        glp_add_rows(y->lp, (int)nrows);
    int r = 0;
    for (size_t c = 0; c < t->ncells; c++) {
        pt_cell_t *cell = &t->cells[c];
        if (cell->fn.sys != s)
            continue;
        cell->row = ++r;
        y->cell_of_row[r] = c;
        glp_set_mat_row(y->lp, r, (int)cell->fn.n, cell->fn.idx, cell->fn.val);
        if (t->units[cell->unit].published)
            glp_set_row_bnds(y->lp, r, GLP_FX, cell->value, cell->value);
        else
            glp_set_row_bnds(y->lp, r, GLP_FR, 0.0, 0.0);
    }
    y->nrows = nrows;
    glp_scale_prob(y->lp, GLP_SF_AUTO);
    return MZ_OK;
}

/* Put target i (SIZE_MAX: none) into the objective of system s. */
static void set_objective(mz_ptable_t *t, size_t s, size_t target)
{
    pt_sys_t *y = &t->sys[s];
    if (y->obj_target == target)
        return;
    if (y->obj_target != SIZE_MAX) {
        const pt_fn_t *f = &t->targets[y->obj_target].fn;
        for (size_t k = 1; k <= f->n; k++)
            glp_set_obj_coef(y->lp, f->idx[k], 0.0);
    }
    if (target != SIZE_MAX) {
        const pt_fn_t *f = &t->targets[target].fn;
        for (size_t k = 1; k <= f->n; k++)
            glp_set_obj_coef(y->lp, f->idx[k], f->val[k]);
    }
    y->obj_target = target;
}

enum { SOLVED = 0, UNBOUNDED = 1, INFEASIBLE = 2 };

/* Optimise target (SIZE_MAX: feasibility only) of system s in direction dir (GLP_MIN/GLP_MAX).
 * Returns SOLVED (*val set), UNBOUNDED, INFEASIBLE, or -1 with err set. */
static int solve(mz_ptable_t *t, size_t s, size_t target, int dir, double *val, mz_error_t *err)
{
    pt_sys_t *y = &t->sys[s];
    if (sys_lp(t, s, err) != MZ_OK)
        return -1;
    set_objective(t, s, target);
    glp_set_obj_dir(y->lp, dir);
    glp_term_out(GLP_OFF);
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_OFF;
    parm.meth = GLP_PRIMAL;
    for (int attempt = 0; attempt < 3; attempt++) {
        if (attempt == 1)
            glp_adv_basis(y->lp, 0);
        else if (attempt == 2)
            glp_std_basis(y->lp);
        t->solves++;
        int rc = glp_simplex(y->lp, &parm);
        if (rc != 0)
            continue;
        switch (glp_get_status(y->lp)) {
        case GLP_OPT:
            *val = glp_get_obj_val(y->lp);
            return SOLVED;
        case GLP_UNBND:
            return UNBOUNDED;
        case GLP_NOFEAS:
            return INFEASIBLE;
        default:
            break;
        }
    }
    mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL, "%s",
                 mz_tr("lineares Programm nicht lösbar (GLPK)", "linear program failed (GLPK)"));
    return -1;
}

mz_status_t mz_ptable_feasible(mz_ptable_t *t, bool *feasible, mz_error_t *err)
{
    *feasible = true;
    for (size_t s = 0; s < t->nsys; s++) {
        bool any = false;
        for (size_t c = 0; c < t->ncells && !any; c++)
            any = t->cells[c].fn.sys == s;
        if (!any || t->sys[s].nvars == 0)
            continue;
        double v;
        int rc = solve(t, s, SIZE_MAX, GLP_MIN, &v, err);
        if (rc < 0)
            return err ? err->status : MZ_ERR_INTERNAL;
        if (rc == INFEASIBLE) {
            *feasible = false;
            return MZ_OK;
        }
    }
    return MZ_OK;
}

static mz_status_t inconsistent(mz_error_t *err)
{
    return mz_error_set(err, MZ_ERR_DATA, NULL, 0, NULL, NULL, "%s",
                        mz_tr("die veröffentlichten Werte widersprechen einander",
                              "the published values contradict each other"));
}

/* Round an optimum inwards for whole-number systems. */
static double settle(const pt_sys_t *y, double v, bool upper)
{
    if (!y->integral || !isfinite(v))
        return v;
    return upper ? floor(v + 1e-6) : ceil(v - 1e-6);
}

mz_status_t mz_ptable_interval(mz_ptable_t *t, size_t target, double *lo, double *hi,
                               mz_error_t *err)
{
    if (target >= t->ntargets)
        return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL,
                            "mz_ptable_interval: bad target");
    size_t s = t->targets[target].fn.sys;
    double v = 0;
    int rc = solve(t, s, target, GLP_MIN, &v, err);
    if (rc < 0)
        return err ? err->status : MZ_ERR_INTERNAL;
    if (rc == INFEASIBLE)
        return inconsistent(err);
    *lo = rc == UNBOUNDED ? -INFINITY : settle(&t->sys[s], v, false);
    rc = solve(t, s, target, GLP_MAX, &v, err);
    if (rc < 0)
        return err ? err->status : MZ_ERR_INTERNAL;
    if (rc == INFEASIBLE)
        return inconsistent(err);
    *hi = rc == UNBOUNDED ? INFINITY : settle(&t->sys[s], v, true);
    return MZ_OK;
}

/* The range a target's interval must reach, clipped to what the bounds allow at all. */
static void required(const mz_ptable_t *t, size_t target, double *rlo, double *rhi)
{
    const pt_target_t *g = &t->targets[target];
    const pt_sys_t *y = &t->sys[g->fn.sys];
    double nlo = 0, nhi = 0;
    for (size_t k = 1; k <= g->fn.n; k++) {
        size_t v = (size_t)g->fn.idx[k] - 1;
        double c = g->fn.val[k];
        nlo += c > 0 ? c * y->lo[v] : c * y->hi[v];
        nhi += c > 0 ? c * y->hi[v] : c * y->lo[v];
    }
    if (isnan(nlo))
        nlo = -INFINITY;
    if (isnan(nhi))
        nhi = INFINITY;
    *rlo = fmax(g->value - g->lower, nlo);
    *rhi = fmin(g->value + g->upper, nhi);
}

/* Tolerance for comparing optima of system s (the LP's rounding errors grow with its values). */
static double tolerance(const pt_sys_t *y) { return y->integral ? 1e-6 : 1e-7 * y->maxabs + 1e-6; }

mz_protection_t mz_ptable_judge(const mz_ptable_t *t, size_t target, double lo, double hi)
{
    const pt_sys_t *y = &t->sys[t->targets[target].fn.sys];
    double tol = tolerance(y);
    double rlo, rhi;
    required(t, target, &rlo, &rhi);
    if (hi - lo <= (y->integral ? 0.5 : 10 * tol))
        return MZ_PROT_EXACT;
    if (lo > rlo + tol || hi < rhi - tol)
        return MZ_PROT_NARROW;
    return MZ_PROT_OK;
}

/* The cheapest published unit whose cells bound the last optimum of system s (nonzero dual);
 * failing that, the cheapest published unit with a cell sharing an unknown with the target.
 * -1 when there is none. */
static long pick_complement(mz_ptable_t *t, size_t s, size_t target)
{
    pt_sys_t *y = &t->sys[s];
    long best = -1;
    for (size_t r = 1; r <= y->nrows; r++) {
        const pt_cell_t *c = &t->cells[y->cell_of_row[r]];
        const pt_unit_t *u = &t->units[c->unit];
        if (!u->published || fabs(glp_get_row_dual(y->lp, (int)r)) <= 1e-9)
            continue;
        if (best < 0 || u->cost < t->units[best].cost ||
            (u->cost == t->units[best].cost && c->unit < (size_t)best))
            best = (long)c->unit;
    }
    if (best >= 0)
        return best;
    const pt_fn_t *f = &t->targets[target].fn;
    for (size_t r = 1; r <= y->nrows; r++) {
        const pt_cell_t *c = &t->cells[y->cell_of_row[r]];
        const pt_unit_t *u = &t->units[c->unit];
        if (!u->published)
            continue;
        bool shares = false;
        for (size_t a = 1; a <= c->fn.n && !shares; a++)
            for (size_t b = 1; b <= f->n && !shares; b++)
                shares = c->fn.idx[a] == f->idx[b];
        if (shares && (best < 0 || u->cost < t->units[best].cost))
            best = (long)c->unit;
    }
    return best;
}

/* ---- backward elimination: give back complements that turned out to be unnecessary ----
 *
 * For every target and side the table keeps a witness: a point x that meets every published
 * cell and reaches the required end of the protection range (NULL: that side is unbounded or
 * not yet known). Publishing a unit again only adds cells; a witness that meets them stays a
 * witness, and only targets whose witness fails are solved again. Withholding never breaks a
 * witness. */

typedef struct witness {
    double *x[2];   /* per side (min, max): values of the unknowns of the target's system */
} witness_t;

static bool witness_meets(const mz_ptable_t *t, const pt_unit_t *u, size_t sys, const double *x)
{
    const pt_sys_t *y = &t->sys[sys];
    for (size_t i = 0; i < u->ncells; i++) {
        const pt_cell_t *c = &t->cells[u->cells[i]];
        if (c->fn.sys != sys)
            continue;
        double v = 0;
        for (size_t k = 1; k <= c->fn.n; k++)
            v += c->fn.val[k] * x[c->fn.idx[k] - 1];
        if (fabs(v - c->value) > tolerance(y))
            return false;
    }
    return true;
}

/* Solve one side of target i and, when it reaches the requirement, store the witness.
 * *ok: the side is protected. */
static mz_status_t check_side(mz_ptable_t *t, size_t i, int side, witness_t *w, bool *ok,
                              mz_error_t *err)
{
    size_t s = t->targets[i].fn.sys;
    pt_sys_t *y = &t->sys[s];
    double rlo, rhi, v = 0;
    required(t, i, &rlo, &rhi);
    int rc = solve(t, s, i, side == 0 ? GLP_MIN : GLP_MAX, &v, err);
    if (rc < 0)
        return err ? err->status : MZ_ERR_INTERNAL;
    if (rc == INFEASIBLE)
        return inconsistent(err);
    free(w->x[side]);
    w->x[side] = NULL;
    if (rc == UNBOUNDED) {
        *ok = true;
        return MZ_OK;
    }
    v = settle(y, v, side == 1);
    double tol = tolerance(y);
    *ok = side == 0 ? v <= rlo + tol : v >= rhi - tol;
    if (*ok) {
        w->x[side] = malloc((y->nvars ? y->nvars : 1) * sizeof *w->x[side]);
        if (!w->x[side])
            return nomem(err);
        for (size_t j = 0; j < y->nvars; j++)
            w->x[side][j] = glp_get_col_prim(y->lp, (int)j + 1);
    }
    return MZ_OK;
}

/* Check target i after publishing unit un; *kept false when a side is no longer protected. */
static mz_status_t recheck(mz_ptable_t *t, const pt_unit_t *un, size_t i, witness_t *wit,
                           bool *kept, mz_error_t *err)
{
    size_t s = t->targets[i].fn.sys;
    for (int side = 0; side < 2 && *kept; side++) {
        if (wit[i].x[side] && witness_meets(t, un, s, wit[i].x[side]))
            continue;
        mz_status_t st = check_side(t, i, side, &wit[i], kept, err);
        if (st != MZ_OK)
            return st;
    }
    return MZ_OK;
}

/* Publish unit u again, as a trial: *kept = every target stays protected (else u is withheld
 * again). The targets most likely to fail are checked first: the one that made u a complement,
 * then the one that failed the last trial. */
static mz_status_t try_publish(mz_ptable_t *t, size_t u, witness_t *wit, const size_t *trigger,
                               size_t *last_fail, bool *kept, mz_error_t *err)
{
    pt_unit_t *un = &t->units[u];
    bool in_sys[8] = {false};
    for (size_t i = 0; i < un->ncells; i++) {
        const pt_cell_t *c = &t->cells[un->cells[i]];
        if (c->fn.sys < 8)
            in_sys[c->fn.sys] = true;
        glp_prob *lp = t->sys[c->fn.sys].lp;
        if (lp && c->row > 0)
            glp_set_row_bnds(lp, c->row, GLP_FX, c->value, c->value);
    }
    un->published = true;
    un->complement = false;
    *kept = true;
    size_t first[2] = {trigger[u], *last_fail};
    for (size_t j = 0; j < 2 + t->ntargets && *kept; j++) {
        size_t i = j < 2 ? first[j] : j - 2;
        if (i >= t->ntargets || (j >= 2 && (i == first[0] || i == first[1])) ||
            (j == 1 && first[1] == first[0]))
            continue;
        size_t s = t->targets[i].fn.sys;
        if (s >= 8 || !in_sys[s])
            continue;
        mz_status_t st = recheck(t, un, i, wit, kept, err);
        if (st != MZ_OK)
            return st;
        if (!*kept)
            *last_fail = i;
    }
    if (!*kept)
        return withhold(t, u, true, NULL, err);
    return MZ_OK;
}

/* Whether every unit linking to u is published (a follower may only be published then). */
static bool leaders_published(const mz_ptable_t *t, size_t u)
{
    for (size_t v = 0; v < t->nunits; v++) {
        const pt_unit_t *l = &t->units[v];
        for (size_t k = 0; k < l->nlinks; k++)
            if (l->links[k] == u && !l->published)
                return false;
    }
    return true;
}

static mz_status_t eliminate(mz_ptable_t *t, const size_t *trigger, size_t *released,
                             mz_error_t *err)
{
    mz_status_t st = MZ_OK;
    size_t last_fail = SIZE_MAX;
    witness_t *wit = calloc(t->ntargets ? t->ntargets : 1, sizeof *wit);
    size_t *order = malloc((t->nunits ? t->nunits : 1) * sizeof *order);
    size_t n = 0;
    if (!wit || !order) {
        st = nomem(err);
        goto done;
    }
    for (size_t i = 0; i < t->ntargets && st == MZ_OK; i++)
        for (int side = 0; side < 2 && st == MZ_OK; side++) {
            bool ok;
            st = check_side(t, i, side, &wit[i], &ok, err);
        }
    for (size_t u = 0; u < t->nunits; u++)
        if (t->units[u].complement)
            order[n++] = u;
    /* most expensive first (insertion sort: few complements) */
    for (size_t i = 1; i < n; i++) {
        size_t v = order[i], j = i;
        while (j > 0 && (t->units[order[j - 1]].cost < t->units[v].cost ||
                         (t->units[order[j - 1]].cost == t->units[v].cost && order[j - 1] < v))) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    /* Publishing more only narrows intervals, so a unit that cannot be given back now cannot be
     * later either: each is tried once. A follower waits until its leaders are published. */
    bool again = true;
    while (again && st == MZ_OK) {
        again = false;
        for (size_t i = 0; i < n && st == MZ_OK; i++) {
            size_t u = order[i];
            if (u == SIZE_MAX || !t->units[u].complement || !leaders_published(t, u))
                continue;
            bool kept;
            st = try_publish(t, u, wit, trigger, &last_fail, &kept, err);
            order[i] = SIZE_MAX;
            if (st == MZ_OK && kept) {
                (*released)++;
                again = true;
            }
        }
    }
done:
    if (wit)
        for (size_t i = 0; i < t->ntargets; i++) {
            free(wit[i].x[0]);
            free(wit[i].x[1]);
        }
    free(wit);
    free(order);
    return st;
}

mz_status_t mz_ptable_protect(mz_ptable_t *t, mz_ptable_stats_t *stats, mz_error_t *err)
{
    mz_ptable_stats_t st = {0};
    size_t solves0 = t->solves;
    mz_status_t rs = MZ_OK;
    size_t *trigger = malloc((t->nunits ? t->nunits : 1) * sizeof *trigger);
    if (!trigger)
        return nomem(err);
    for (size_t u = 0; u < t->nunits; u++)
        trigger[u] = SIZE_MAX;
    for (size_t i = 0; i < t->ntargets && rs == MZ_OK; i++) {
        size_t s = t->targets[i].fn.sys;
        pt_sys_t *y = &t->sys[s];
        double rlo, rhi;
        required(t, i, &rlo, &rhi);
        bool ok = true;
        st.targets++;
        for (int side = 0; side < 2 && ok && rs == MZ_OK; side++) {
            for (;;) {
                double v = 0;
                int rc = solve(t, s, i, side == 0 ? GLP_MIN : GLP_MAX, &v, err);
                if (rc < 0) {
                    rs = err ? err->status : MZ_ERR_INTERNAL;
                    break;
                }
                if (rc == INFEASIBLE) {
                    rs = inconsistent(err);
                    break;
                }
                double tol = tolerance(y);
                v = settle(y, v, side == 1);
                if (rc == UNBOUNDED || (side == 0 ? v <= rlo + tol : v >= rhi - tol))
                    break;
                long u = pick_complement(t, s, i);
                if (u < 0) {
                    ok = false;
                    break;
                }
                trigger[u] = i;
                rs = withhold(t, (size_t)u, true, &st.complements, err);
                if (rs != MZ_OK)
                    break;
            }
        }
        if (!ok)
            st.unprotected++;
    }
    if (rs == MZ_OK && st.complements && st.unprotected == 0) {
        size_t released = 0;
        rs = eliminate(t, trigger, &released, err);
        st.complements -= released;
    }
    free(trigger);
    st.solves = t->solves - solves0;
    if (stats)
        *stats = st;
    return rs;
}

/* ================================================================ the model of the results */

#define MB(m) (1u << (m))

static size_t model_kinds(bool relaxed, bool band_all, uint32_t *sig)
{
    size_t k = 0;
    if (relaxed) {
        for (int m = 0; m < MZ_NMEAS; m++)
            sig[k++] = MB(m);
        return k;
    }
    for (int in_band = 1; in_band >= 0; in_band--) {
        if (!in_band && band_all)
            break;
        uint32_t base = MB(MZ_M_POP) | (in_band ? MB(MZ_M_POP_BAND) : 0u);
        for (int sector = 0; sector < 4; sector++)
            for (int self = 0; self < 2; self++)
                sig[k++] = base | MB(MZ_M_EMP) | (in_band ? MB(MZ_M_EMP_BAND) : 0u) |
                           MB(MZ_M_SEC_AGR + sector) | (self ? MB(MZ_M_SELF) : 0u);
        if (in_band)
            sig[k++] = base | MB(MZ_M_UNEMP_BAND);
        sig[k++] = base;   /* in the band: inactive; outside: not employed */
    }
    return k;
}

static int popcount32(uint32_t x)
{
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

static void acc_add(mz_sdc_model_t *m, size_t v, double c)
{
    if (!m->mark[v]) {
        m->mark[v] = 1;
        m->touched[m->ntouched++] = v;
    }
    m->acc[v] += c;
}

/* acc += scale × term over the slots (each class of slots once). */
static void acc_term(mz_sdc_model_t *m, const size_t *slots, size_t nslots, const mz_term_t *t,
                     double scale)
{
    if (++m->stamp == 0) {
        memset(m->class_stamp, 0, (m->nclasses ? m->nclasses : 1) * sizeof *m->class_stamp);
        m->stamp = 1;
    }
    for (size_t i = 0; i < nslots; i++) {
        size_t cl = slots[i] < m->nslots ? m->slot_class[slots[i]] : SIZE_MAX;
        if (cl == SIZE_MAX || m->class_stamp[cl] == m->stamp)
            continue;
        m->class_stamp[cl] = m->stamp;
        for (int g = 0; g < MZ_NGRP; g++) {
            if (!(t->gmask & (1u << g)))
                continue;
            size_t base = (cl * MZ_NGRP + (size_t)g) * m->nkinds;
            for (size_t k = 0; k < m->nkinds; k++) {
                int c = popcount32(m->sig[k] & t->mmask);
                if (c)
                    acc_add(m, base + k, scale * c);
            }
        }
    }
}

/* Classes of slots: two slots lie in the same class when exactly the same rows cover them. The
 * unknowns of a class stand for the sum over its slots, which is all any row can tell. */
static mz_status_t slot_classes(mz_sdc_model_t *m, const mz_sdc_row_t *rows, size_t nrows,
                                mz_error_t *err)
{
    size_t words = (nrows + 63) / 64, ns = m->nslots;
    uint64_t *bits = calloc((ns ? ns : 1) * (words ? words : 1), sizeof *bits);
    m->slot_class = malloc((ns ? ns : 1) * sizeof *m->slot_class);
    if (!bits || !m->slot_class) {
        free(bits);
        return nomem(err);
    }
    for (size_t i = 0; i < nrows; i++)
        for (size_t k = 0; k < rows[i].nslots; k++)
            if (rows[i].slots[k] < ns)
                bits[rows[i].slots[k] * words + i / 64] |= (uint64_t)1 << (i % 64);
    m->nclasses = 0;
    for (size_t s = 0; s < ns; s++) {
        const uint64_t *b = bits + s * words;
        bool used = false;
        for (size_t w = 0; w < words && !used; w++)
            used = b[w] != 0;
        m->slot_class[s] = SIZE_MAX;
        if (!used)
            continue;
        for (size_t r = 0; r < s; r++)
            if (m->slot_class[r] != SIZE_MAX &&
                memcmp(bits + r * words, b, words * sizeof *b) == 0) {
                m->slot_class[s] = m->slot_class[r];
                break;
            }
        if (m->slot_class[s] == SIZE_MAX)
            m->slot_class[s] = m->nclasses++;
    }
    free(bits);
    m->class_stamp = calloc(m->nclasses ? m->nclasses : 1, sizeof *m->class_stamp);
    if (!m->class_stamp)
        return nomem(err);
    return MZ_OK;
}

/* Turn the accumulator into (vars, coefs) in m->touched / m->acc order and reset it. The
 * arrays stay valid until the next acc_add. */
typedef struct acc_fn {
    size_t *vars;
    double *coefs;
    size_t n;
} acc_fn_t;

static void acc_take(mz_sdc_model_t *m, acc_fn_t *f, double *coefbuf)
{
    f->vars = m->touched;
    f->coefs = coefbuf;
    f->n = m->ntouched;
    for (size_t i = 0; i < m->ntouched; i++) {
        size_t v = m->touched[i];
        coefbuf[i] = m->acc[v];
        m->acc[v] = 0;
        m->mark[v] = 0;
    }
    m->ntouched = 0;
}

static bool row_terms(const mz_sdc_row_t *r, mz_term_t *num, mz_term_t *den)
{
    if (r->group == MZ_G_GAP) {
        /* the gap's case count is that of both denominators */
        return mz_indicator_has_groups(r->ind) && mz_indicator_terms(r->ind, MZ_G_ALL, num, den);
    }
    return mz_indicator_terms(r->ind, r->group, num, den);
}

void mz_sdc_finish(mz_sdc_model_t *m)
{
    if (!m)
        return;
    mz_ptable_destroy(m->pt);
    free(m->slot_class);
    free(m->class_stamp);
    free(m->acc);
    free(m->mark);
    free(m->touched);
    memset(m, 0, sizeof *m);
}

static mz_status_t add_term_cell(mz_sdc_model_t *m, size_t unit, size_t sys,
                                 const mz_sdc_row_t *r, const mz_term_t *t, double value,
                                 double *coefbuf, mz_error_t *err)
{
    acc_fn_t f;
    acc_term(m, r->slots, r->nslots, t, 1.0);
    acc_take(m, &f, coefbuf);
    return mz_ptable_add_cell(m->pt, unit, sys, f.n, f.vars, f.coefs, value, err);
}

mz_status_t mz_sdc_build(mz_sdc_model_t *m, const mz_sdc_row_t *rows, size_t nrows,
                         size_t nslots, bool band_all, bool relaxed, mz_error_t *err)
{
    memset(m, 0, sizeof *m);
    m->relaxed = relaxed;
    m->nkinds = model_kinds(relaxed, band_all, m->sig);
    m->nslots = nslots;
    double *coefbuf = NULL;
    mz_status_t st = slot_classes(m, rows, nrows, err);
    if (st != MZ_OK) {
        mz_sdc_finish(m);
        return st;
    }
    m->nvars = m->nclasses * MZ_NGRP * m->nkinds;
    size_t nv[MZ_SDC_NSYS] = {m->nvars, m->nvars};
    bool integral[MZ_SDC_NSYS] = {false, true};
    m->pt = mz_ptable_create(MZ_SDC_NSYS, nv, integral, err);
    if (!m->pt) {
        mz_sdc_finish(m);
        return err ? err->status : MZ_ERR_NOMEM;
    }
    size_t n = m->nvars ? m->nvars : 1;
    m->acc = calloc(n, sizeof *m->acc);
    m->mark = calloc(n, 1);
    m->touched = malloc(n * sizeof *m->touched);
    coefbuf = malloc(n * sizeof *coefbuf);
    if (!m->acc || !m->mark || !m->touched || !coefbuf) {
        st = nomem(err);
        goto done;
    }
    for (size_t i = 0; i < nrows; i++) {
        const mz_sdc_row_t *r = &rows[i];
        bool pub = r->has_num || r->has_den || r->has_n || r->has_est;
        if (mz_ptable_add_unit(m->pt, r->cost, pub, err) < 0) {
            st = err ? err->status : MZ_ERR_NOMEM;
            goto done;
        }
    }
    for (size_t i = 0; i < nrows && st == MZ_OK; i++) {
        const mz_sdc_row_t *r = &rows[i];
        mz_term_t num, den;
        if (!row_terms(r, &num, &den))
            continue;
        if (r->group != MZ_G_GAP) {
            if (r->has_num && isfinite(r->num))
                st = add_term_cell(m, i, MZ_SDC_WEIGHTED, r, &num, r->num, coefbuf, err);
            if (st == MZ_OK && r->has_den && isfinite(r->den))
                st = add_term_cell(m, i, MZ_SDC_WEIGHTED, r, &den, r->den, coefbuf, err);
            if (st == MZ_OK && r->has_est && isfinite(r->est) && !(r->has_num && r->has_den)) {
                /* a rate alone: numerator - rate/100 × denominator = 0 */
                acc_fn_t f;
                acc_term(m, r->slots, r->nslots, &num, 1.0);
                acc_term(m, r->slots, r->nslots, &den, -r->est / 100.0);
                acc_take(m, &f, coefbuf);
                st = mz_ptable_add_cell(m->pt, i, MZ_SDC_WEIGHTED, f.n, f.vars, f.coefs, 0.0,
                                        err);
            }
        }
        if (st == MZ_OK && r->has_n && isfinite(r->n))
            st = add_term_cell(m, i, MZ_SDC_CASES, r, &den, r->n, coefbuf, err);
        if (st == MZ_OK && (r->group == MZ_G_WITH || r->group == MZ_G_WITHOUT) &&
            r->gap_row >= 0 && (size_t)r->gap_row < nrows)
            st = mz_ptable_link(m->pt, i, (size_t)r->gap_row, err);
    }
done:
    free(coefbuf);
    if (st != MZ_OK)
        mz_sdc_finish(m);
    return st;
}

mz_status_t mz_sdc_build_fitting(mz_sdc_model_t *m, const mz_sdc_row_t *rows, size_t nrows,
                                 size_t nslots, bool band_all, bool *fits, mz_error_t *err)
{
    for (int relaxed = 0; relaxed < 2; relaxed++) {
        mz_status_t st = mz_sdc_build(m, rows, nrows, nslots, band_all, relaxed != 0, err);
        if (st != MZ_OK)
            return st;
        st = mz_ptable_feasible(m->pt, fits, err);
        if (st != MZ_OK) {
            mz_sdc_finish(m);
            return st;
        }
        if (*fits || relaxed)
            return MZ_OK;
        mz_sdc_finish(m);
    }
    return MZ_OK;
}

long mz_sdc_target(mz_sdc_model_t *m, const mz_sdc_row_t *row, int which, size_t sys,
                   double value, double prot, mz_error_t *err)
{
    mz_term_t num, den;
    if (row->group == MZ_G_GAP || !mz_indicator_terms(row->ind, row->group, &num, &den)) {
        mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL, "mz_sdc_target: no term");
        return -1;
    }
    double *coefbuf = malloc((m->nvars ? m->nvars : 1) * sizeof *coefbuf);
    if (!coefbuf) {
        nomem(err);
        return -1;
    }
    acc_fn_t f;
    acc_term(m, row->slots, row->nslots, which == 0 ? &num : &den, 1.0);
    acc_take(m, &f, coefbuf);
    long id = mz_ptable_add_target(m->pt, sys, f.n, f.vars, f.coefs, value, prot, prot, err);
    free(coefbuf);
    return id;
}

double mz_sdc_prot_weighted(double value, double protection, double min_count)
{
    return fmax(fmax(protection * fabs(value), min_count), 1.0);
}

double mz_sdc_prot_cases(double cases, double protection)
{
    return fmax(protection * fabs(cases), 1.0);
}

unsigned mz_sdc_sensitive(const mz_cell_t *cell, mz_indicator_t ind, mz_group_t g,
                          const mz_rules_t *rules, double weighted[2], int64_t cases[2])
{
    mz_term_t t[2];
    weighted[0] = weighted[1] = NAN;
    cases[0] = cases[1] = -1;
    if (g == MZ_G_GAP || !mz_indicator_terms(ind, g, &t[0], &t[1]))
        return 0;
    unsigned bits = 0;
    for (int i = 0; i < 2; i++) {
        if (!mz_term_known(&t[i], cell))
            continue;
        weighted[i] = mz_term_weighted(&t[i], cell);
        cases[i] = mz_term_cases(&t[i], cell);
        if (cases[i] > 0 && cases[i] < rules->min_cases)
            bits |= 1u << i;
    }
    return bits;
}

void mz_sdc_region_cell(const mz_results_t *res, const mz_region_t *r, mz_cell_t *out)
{
    const mz_cells_t *cells = mz_results_cells(res);
    switch (r->level) {
    case MZ_LEVEL_LAND:
        *out = *mz_cells_land(cells);
        break;
    case MZ_LEVEL_SCHICHT:
        *out = *mz_cells_stratum(cells, (size_t)r->stratum);
        break;
    default:
        mz_cells_sum_units(cells, r->units, r->nunits, out);
        break;
    }
}

bool mz_sdc_stratum_only(const mz_results_t *res, const mz_region_t *stratum)
{
    const mz_cells_t *cells = mz_results_cells(res);
    if (stratum->stratum < 0)
        return false;
    const mz_cell_t *s = mz_cells_stratum(cells, (size_t)stratum->stratum);
    mz_cell_t u;
    mz_cells_sum_units(cells, stratum->units, stratum->nunits, &u);
    for (int g = 0; g < MZ_NGRP; g++)
        for (int m = 0; m < MZ_NMEAS; m++) {
            if (s->n[g][m] >= 0 && u.n[g][m] >= 0) {
                if (s->n[g][m] > u.n[g][m])
                    return true;
            } else if (fabs(s->w[g][m] - u.w[g][m]) > 1e-9 * (1.0 + fabs(s->w[g][m]))) {
                return true;
            }
        }
    return false;
}

/* ============================================================ suppression of the results */

/* Slots: gazetteer unit u is slot u; the stratum-only records of the i-th stratum of the
 * results are slot nunits + i. Writes the slots of region r into out (capacity cap). */
static size_t region_slots(const mz_results_t *res, const mz_region_t *r, size_t nunits,
                           const bool *so, size_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < r->nunits; i++)
        out[k++] = (size_t)r->units[i];
    size_t ns = mz_results_strata_count(res);
    for (size_t i = 0; i < ns; i++) {
        if (!so[i])
            continue;
        if (r->level == MZ_LEVEL_LAND || mz_results_stratum(res, i) == r)
            out[k++] = nunits + i;
    }
    return k;
}

static long find_sibling(const mz_results_t *res, size_t row, mz_group_t g)
{
    const mz_estimate_t *e = mz_results_at(res, row);
    size_t n = mz_results_count(res);
    /* the rows of a region are next to each other; look there first */
    size_t from = row >= 4 ? row - 4 : 0, to = row + 5 < n ? row + 5 : n;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t j = from; j < to; j++) {
            const mz_estimate_t *f = mz_results_at(res, j);
            if (f->ind == e->ind && f->region == e->region && f->group == g)
                return (long)j;
        }
        from = 0;
        to = n;
    }
    return -1;
}

mz_status_t mz_suppress_apply(mz_results_t *res, double protection, mz_suppress_info_t *info,
                              mz_error_t *err)
{
    mz_suppress_info_t inf;
    memset(&inf, 0, sizeof inf);
    if (info)
        *info = inf;
    if (!(protection >= 0) || !isfinite(protection))
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, "protection", NULL, "%s",
                            mz_tr("Schutzbereich muss >= 0 sein", "protection must be >= 0"));
    const mz_rules_t *rules = mz_results_rules(res);
    const mz_cells_t *cells = mz_results_cells(res);
    const size_t nrows = mz_results_count(res);
    const size_t nunits = mz_gazetteer_count(mz_cells_gazetteer(cells));
    const size_t nstrata = mz_results_strata_count(res);
    const mz_age_band_t band = mz_cells_band(cells);
    const bool band_all = band.lo <= 0 && band.hi >= 120;

    /* which rows hold secret values: without any there is nothing to protect */
    unsigned *sens = calloc(nrows ? nrows : 1, sizeof *sens);
    double (*wv)[2] = calloc(nrows ? nrows : 1, sizeof *wv);
    int64_t (*cv)[2] = calloc(nrows ? nrows : 1, sizeof *cv);
    bool *so = calloc(nstrata ? nstrata : 1, sizeof *so);
    mz_sdc_row_t *rows = calloc(nrows ? nrows : 1, sizeof *rows);
    size_t *slotbuf = NULL;
    mz_sdc_model_t model;
    memset(&model, 0, sizeof model);
    mz_status_t st = MZ_OK;
    if (!sens || !wv || !cv || !so || !rows) {
        st = nomem(err);
        goto done;
    }
    for (size_t i = 0; i < nrows; i++) {
        const mz_estimate_t *e = mz_results_at(res, i);
        mz_cell_t cell;
        mz_sdc_region_cell(res, e->region, &cell);
        sens[i] = mz_sdc_sensitive(&cell, e->ind, e->group, rules, wv[i], cv[i]);
        inf.primary += sens[i] != 0;
    }
    if (inf.primary == 0)
        goto done;

    for (size_t s = 0; s < nstrata; s++)
        so[s] = mz_sdc_stratum_only(res, mz_results_stratum(res, s));
    size_t nslots = nunits + nstrata, total = 0;
    for (size_t i = 0; i < nrows; i++)
        total += mz_results_at(res, i)->region->nunits + nstrata;
    slotbuf = malloc((total ? total : 1) * sizeof *slotbuf);
    if (!slotbuf) {
        st = nomem(err);
        goto done;
    }
    size_t used = 0;
    for (size_t i = 0; i < nrows; i++) {
        const mz_estimate_t *e = mz_results_at(res, i);
        mz_sdc_row_t *r = &rows[i];
        r->ind = e->ind;
        r->group = e->group;
        r->slots = slotbuf + used;
        r->nslots = region_slots(res, e->region, nunits, so, slotbuf + used);
        used += r->nslots;
        bool pub = e->p.known && !mz_symbol_withheld(e->p.symbol);
        r->has_num = pub && e->group != MZ_G_GAP && isfinite(e->p.numerator);
        r->has_den = pub && e->group != MZ_G_GAP && isfinite(e->p.denominator);
        r->has_n = pub && e->p.n >= 0;
        r->num = e->p.numerator;
        r->den = e->p.denominator;
        r->n = (double)e->p.n;
        r->gap_row = (e->group == MZ_G_WITH || e->group == MZ_G_WITHOUT)
                         ? find_sibling(res, i, MZ_G_GAP)
                         : -1;
        r->cost = isfinite(e->p.denominator) ? e->p.denominator : 0.0;
    }
    /* a gap costs more than the "all" row whose case count it repeats: it is the figure the
     * report is about */
    for (size_t i = 0; i < nrows; i++) {
        if (rows[i].group != MZ_G_GAP)
            continue;
        long a = find_sibling(res, i, MZ_G_ALL);
        rows[i].cost = a >= 0 ? 1.5 * rows[a].cost : 0.0;
    }

    bool fits = false;
    st = mz_sdc_build_fitting(&model, rows, nrows, nslots, band_all, &fits, err);
    if (st != MZ_OK)
        goto done;
    if (!fits) {
        st = mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL, "%s",
                          mz_tr("Geheimhaltung: Ergebnistabelle widersprüchlich",
                                "confidentiality: table of results is inconsistent"));
        goto done;
    }
    inf.relaxed = model.relaxed;
    for (size_t i = 0; i < nrows && st == MZ_OK; i++) {
        for (int w = 0; w < 2 && st == MZ_OK; w++) {
            if (!(sens[i] & (1u << w)))
                continue;
            if (mz_sdc_target(&model, &rows[i], w, MZ_SDC_WEIGHTED, wv[i][w],
                              mz_sdc_prot_weighted(wv[i][w], protection, rules->min_count),
                              err) < 0 ||
                mz_sdc_target(&model, &rows[i], w, MZ_SDC_CASES, (double)cv[i][w],
                              mz_sdc_prot_cases((double)cv[i][w], protection), err) < 0)
                st = err ? err->status : MZ_ERR_NOMEM;
        }
    }
    if (st != MZ_OK)
        goto done;
    mz_ptable_stats_t ps;
    st = mz_ptable_protect(model.pt, &ps, err);
    if (st != MZ_OK)
        goto done;
    inf.targets = ps.targets;
    inf.unprotected = ps.unprotected;
    inf.solves = ps.solves;
    for (size_t i = 0; i < nrows; i++) {
        if (!mz_ptable_unit_complement(model.pt, i))
            continue;
        mz_estimate_t *e = mz_results_get(res, i);
        e->p.symbol = MZ_SYM_SECRET;
        if (e->group == MZ_G_GAP)
            inf.gaps++;
        else
            inf.secondary++;
    }
done:
    mz_sdc_finish(&model);
    free(sens);
    free(wv);
    free(cv);
    free(so);
    free(rows);
    free(slotbuf);
    if (info)
        *info = inf;
    return st;
}
