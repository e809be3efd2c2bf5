/* csvout.c — indicators.csv, action.csv and regions.csv (DESIGN.md "Output directory"). */
#include "mzatlas/mz_output.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mz_format_number(double x, char *buf, size_t size)
{
    if (!isfinite(x)) {
        if (size)
            buf[0] = '\0';
        return;
    }
    /* shortest of %.15g / %.16g / %.17g that reads back exactly */
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, size, "0");
}

void mz_csv_put_field(FILE *f, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n;")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

static void put_num(FILE *f, double x, bool last)
{
    char b[40];
    mz_format_number(x, b, sizeof b);
    mz_csv_put_field(f, b, last);
}

static void put_int(FILE *f, long long x, bool last)
{
    char b[32];
    if (x < 0)
        b[0] = '\0';
    else
        snprintf(b, sizeof b, "%lld", x);
    mz_csv_put_field(f, b, last);
}

static mz_status_t finish(FILE *f, mz_error_t *err)
{
    if (ferror(f))
        return mz_error_set(err, MZ_ERR_IO, NULL, 0, NULL, NULL, "%s",
                            mz_tr("Schreibfehler", "write error"));
    return MZ_OK;
}

mz_status_t mz_write_indicators_csv(mz_run_t *run, FILE *f, mz_error_t *err)
{
    mz_results_t *res = mz_run_results(run);
    char year[16];
    snprintf(year, sizeof year, "%d", mz_run_year(run));
    fputs("year,indicator,level,region,region_name,members,group,estimate,se,ci_low,ci_high,"
          "numerator,denominator,n,symbol\n",
          f);
    for (size_t i = 0; i < mz_results_count(res); i++) {
        const mz_estimate_t *e = mz_results_at(res, i);
        const bool hide = mz_symbol_withheld(e->p.symbol);
        mz_csv_put_field(f, year, false);
        mz_csv_put_field(f, mz_indicator_id(e->ind), false);
        mz_csv_put_field(f, mz_level_id(e->region->level), false);
        mz_csv_put_field(f, e->region->code, false);
        mz_csv_put_field(f, e->region->name, false);
        mz_csv_put_field(f, e->region->members, false);
        mz_csv_put_field(f, mz_group_id(e->group), false);
        put_num(f, hide ? NAN : e->p.estimate, false);
        put_num(f, hide ? NAN : e->se, false);
        put_num(f, hide ? NAN : e->ci_low, false);
        put_num(f, hide ? NAN : e->ci_high, false);
        put_num(f, hide ? NAN : e->p.numerator, false);
        put_num(f, hide ? NAN : e->p.denominator, false);
        put_int(f, hide ? -1 : (long long)e->p.n, false);
        mz_csv_put_field(f, mz_symbol_str(e->p.symbol), true);
    }
    return finish(f, err);
}

mz_status_t mz_write_action_csv(mz_run_t *run, FILE *f, mz_error_t *err)
{
    mz_results_t *res = mz_run_results(run);
    const mz_rules_t *rules = mz_results_rules(res);
    const mz_gazetteer_t *gz = mz_run_gazetteer(run);
    char year[16];
    snprintf(year, sizeof year, "%d", mz_run_year(run));
    fputs("year,region,region_name,members,schicht,gap,gap_rounded,se,ci_low,ci_high,certainty,"
          "symbol,networks,network_status,network_ids,network_names,network_fields\n",
          f);
    for (size_t i = 0; i < mz_results_count(res); i++) {
        const mz_estimate_t *e = mz_results_at(res, i);
        if (!mz_estimate_needs_action(e, rules))
            continue;
        mz_network_join_t nj;
        mz_status_t st = mz_networks_join(mz_run_networks(run), e->region->members, &nj, err);
        if (st != MZ_OK)
            return st;
        mz_csv_put_field(f, year, false);
        mz_csv_put_field(f, e->region->code, false);
        mz_csv_put_field(f, e->region->name, false);
        mz_csv_put_field(f, e->region->members, false);
        mz_csv_put_field(f, e->region->stratum >= 0
                         ? mz_gazetteer_stratum_code(gz, (size_t)e->region->stratum)
                         : "",
                  false);
        put_num(f, e->p.estimate, false);
        put_num(f, mz_round1(e->p.estimate), false);
        put_num(f, e->se, false);
        put_num(f, e->ci_low, false);
        put_num(f, e->ci_high, false);
        mz_csv_put_field(f, mz_certainty_id(mz_estimate_certainty(e, rules)), false);
        mz_csv_put_field(f, mz_symbol_str(e->p.symbol), false);
        put_int(f, (long long)nj.count, false);
        mz_csv_put_field(f, nj.status, false);
        mz_csv_put_field(f, nj.ids, false);
        mz_csv_put_field(f, nj.names, false);
        mz_csv_put_field(f, nj.fields, true);
        mz_network_join_finish(&nj);
    }
    return finish(f, err);
}

mz_status_t mz_write_regions_csv(mz_run_t *run, FILE *f, mz_error_t *err)
{
    mz_results_t *res = mz_run_results(run);
    const mz_gazetteer_t *gz = mz_run_gazetteer(run);
    fputs("indicator,region,region_name,members,schicht,merged,why\n", f);
    for (int i = 0; i < MZ_NIND; i++) {
        const mz_partition_t *p = mz_results_partition(res, (mz_indicator_t)i);
        for (size_t r = 0; r < p->count; r++) {
            const mz_region_t *reg = &p->regions[r];
            mz_csv_put_field(f, mz_indicator_id((mz_indicator_t)i), false);
            mz_csv_put_field(f, reg->code, false);
            mz_csv_put_field(f, reg->name, false);
            mz_csv_put_field(f, reg->members, false);
            mz_csv_put_field(f, reg->stratum >= 0 ? mz_gazetteer_stratum_code(gz, (size_t)reg->stratum)
                                           : "",
                      false);
            mz_csv_put_field(f, reg->nunits > 1 ? "yes" : "no", false);
            mz_csv_put_field(f, reg->why ? reg->why : "", true);
        }
    }
    return finish(f, err);
}
