/* runjson.c — run.json: inputs with hashes, options, rules, version, timings. */
#include "mzatlas/mz_output.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "mz_version.h"
#include "mzatlas/mz_charts.h"

static const char *rate_rule_id(mz_rate_rule_t r) { return r == MZ_RATE_BASE ? "base" : "both"; }

mz_status_t mz_write_run_json(mz_run_t *run, const char *const *outputs, size_t n_outputs,
                              FILE *f, mz_error_t *err)
{
    const mz_run_options_t *o = mz_run_options(run);
    const mz_rules_t *r = &o->rules;
    const mz_timings_t *t = mz_run_timings(run);
    const mz_cells_t *cells = mz_run_cells(run);
    json_t *root = json_object();
    json_t *inputs = json_array();
    json_t *outs = json_array();
    char ages[32], source[1024];
    snprintf(ages, sizeof ages, "%d-%d", o->band.lo, o->band.hi);
    if (mz_run_synthetic(run))
        snprintf(source, sizeof source,
                 "SYNTHETISCHE DATEN: künstliche Stichprobe, keine amtlichen "
                 "Ergebnisse / SYNTHETIC DATA: artificial sample, not official results");
    else if (mz_run_source(run)[0]) /* named by tabulated inputs, e.g. LSN's published counts */
        snprintf(source, sizeof source, "Quelle: %s; eigene Berechnungen mit mzatlas",
                 mz_run_source(run));
    else
        snprintf(source, sizeof source, "Mikrozensus %d, eigene Berechnungen mit mzatlas",
                 mz_run_year(run));
    for (size_t i = 0; i < mz_run_input_count(run); i++) {
        const mz_input_info_t *in = mz_run_input(run, i);
        json_array_append_new(
            inputs, json_pack("{s:s, s:s, s:I, s:I, s:b, s:b}", "path", in->path, "sha256",
                              in->sha256, "bytes", (json_int_t)in->bytes, "records",
                              (json_int_t)in->records, "design", in->design, "synthetic",
                              in->synthetic));
    }
    for (size_t i = 0; i < n_outputs; i++)
        json_array_append_new(outs, json_string(outputs[i]));
    json_object_set_new(root, "tool", json_string("mzatlas"));
    json_object_set_new(root, "version", json_string(MZ_VERSION));
    json_object_set_new(root, "command", json_string(o->command_line ? o->command_line : ""));
    json_object_set_new(root, "year", json_integer(mz_run_year(run)));
    json_object_set_new(root, "synthetic", json_boolean(mz_run_synthetic(run)));
    json_object_set_new(root, "source", json_string(source));
    json_object_set_new(root, "inputs", inputs);
    json_object_set_new(root, "records", json_integer((json_int_t)mz_cells_records(cells)));
    json_object_set_new(root, "tabulated", json_boolean(mz_run_tabulated(run)));
    json_object_set_new(root, "profile", o->profile ? json_string(o->profile) : json_null());
    json_t *notes = json_array();
    for (size_t i = 0; i < mz_run_note_count(run); i++)
        json_array_append_new(notes, json_string(mz_run_note(run, i)));
    json_object_set_new(root, "notes", notes);
    json_object_set_new(
        root, "options",
        json_pack("{s:s, s:s, s:s, s:b, s:b}", "ages", ages, "regions", o->regions_path, "lang",
                  mz_get_lang() == MZ_LANG_EN ? "en" : "de", "merge", o->merge,
                  "common_partition", o->common_partition));
    json_object_set_new(root, "rules",
                        json_pack("{s:f, s:f, s:s, s:I, s:f, s:f}", "min_count", r->min_count,
                                  "limited_below", r->limited_below, "rate_rule",
                                  rate_rule_id(r->rate_rule), "min_cases",
                                  (json_int_t)r->min_cases, "gap_flag", r->gap_flag,
                                  "protection", o->protection));
    const mz_suppress_info_t *si = mz_run_suppress_info(run);
    if (si)
        json_object_set_new(
            root, "suppression",
            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "primary", (json_int_t)si->primary,
                      "secondary", (json_int_t)si->secondary, "gaps", (json_int_t)si->gaps,
                      "protected_values", (json_int_t)si->targets, "unprotected",
                      (json_int_t)si->unprotected, "linear_programs", (json_int_t)si->solves,
                      "relaxed_model", si->relaxed));
    {
        char formats[32] = "";
        if (o->formats & MZ_FMT_PNG)
            strcat(formats, "png,");
        if (o->formats & MZ_FMT_SVG)
            strcat(formats, "svg,");
        if (o->formats & MZ_FMT_PDF)
            strcat(formats, "pdf,");
        if (formats[0])
            formats[strlen(formats) - 1] = '\0';
        json_object_set_new(json_object_get(root, "options"), "formats", json_string(formats));
        json_object_set_new(json_object_get(root, "options"), "dpi", json_real(o->dpi));
    }
    const mz_variance_info_t *vi = mz_run_variance_info(run);
    const mz_variance_options_t *vo = &o->variance;
    json_t *variance = json_pack(
        "{s:s, s:b, s:s, s:f, s:s, s:f, s:I, s:I, s:I, s:I}", "method",
        mz_variance_method_id(vi->method), "approximate", vi->approximate, "ci_method",
        mz_ci_method_id(vo->ci_method), "ci_level", vo->ci_level, "lonely_psu",
        mz_lonely_psu_id(vo->lonely_psu), "deff", vo->deff, "psus", (json_int_t)vi->psus,
        "design_strata", (json_int_t)vi->design_strata, "lonely_strata",
        (json_int_t)vi->lonely_strata, "estimates_with_se", (json_int_t)vi->rows_with_se);
    json_object_set_new(variance, "note",
                        json_string(
                            vi->method == MZ_VAR_DESIGN
                                ? mz_tr("designbasiert: Taylor-Linearisierung, Auswahlbezirke "
                                        "mit Zurücklegen innerhalb der Auswahlschichten",
                                        "design-based: Taylor linearisation, PSUs with "
                                        "replacement within sampling strata")
                            : vi->method == MZ_VAR_KISH
                                ? mz_tr("NÄHERUNG: keine Spalten psu/stratum; effektive "
                                        "Fallzahl nach Kish mal Designeffekt, Klumpung "
                                        "nicht berücksichtigt",
                                        "APPROXIMATE: no psu/stratum columns; Kish effective "
                                        "sample size times deff, clustering ignored")
                                : mz_tr("keine Standardfehler (keine Personendatensätze)",
                                        "no standard errors (no person records)")));
    json_object_set_new(root, "variance", variance);
    json_object_set_new(root, "timings_seconds",
                        json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "read", t->read, "aggregate",
                                  t->aggregate, "merge", t->merge, "estimate", t->estimate,
                                  "variance", t->variance, "outputs", t->outputs));
    json_object_set_new(root, "outputs", outs);
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(root);
    if (rc != 0 || ferror(f))
        return mz_error_set(err, MZ_ERR_IO, "run.json", 0, NULL, NULL, "%s",
                            mz_tr("Schreibfehler", "write error"));
    return MZ_OK;
}
