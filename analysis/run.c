/* run.c — the whole job: extracts → cells → partitions → estimates → outputs. */
#include "mzatlas/mz_run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../microcensus/util.h"
#include "mzatlas/mz_charts.h"
#include "mzatlas/mz_extract.h"
#include "mzatlas/mz_geo.h"
#include "mzatlas/mz_ingest.h"
#include "mzatlas/mz_merge.h"
#include "mzatlas/mz_output.h"
#include "mzatlas/mz_profile.h"
#include "mzatlas/mz_source.h"
#include "mzatlas/mz_suppress.h"
#include "mzatlas/mz_tabulated.h"
#include "mzatlas/mz_xlsx.h"

struct mz_run {
    mz_run_options_t opt;
    char *regions_path;
    char *command_line;
    mz_gazetteer_t *gz;
    mz_networks_t *nw;
    mz_cells_t *cells;
    mz_results_t *results;
    mz_kish_t *kish;          /* squared weights for the approximate variance */
    mz_variance_info_t vinfo;
    mz_suppress_info_t suppress; /* secondary suppression of secret cells */
    int year;
    bool synthetic;
    mz_input_info_t *inputs;
    size_t ninputs;
    mz_timings_t t;
    mz_profile_t *profile;    /* --profile; NULL = canonical names */
    mz_owners_t *owners;      /* several record extracts must hold different units */
    mz_tables_t *tables;      /* tabulated extracts, applied in mz_run_compute */
    bool tables_applied;
    char **notes;             /* what the user should know (not errors) */
    size_t nnotes;
    char **adopt_src, **adopt_rel; /* files moved into the output directory on write */
    size_t nadopt;
    char **record_errors;     /* bad records noted with --max-errors */
    size_t nrecord_errors;
};

void mz_run_options_init(mz_run_options_t *opt)
{
    memset(opt, 0, sizeof *opt);
    mz_rules_init(&opt->rules);
    opt->band.lo = 18;
    opt->band.hi = 64;
    opt->outputs = MZ_OUT_CSV | MZ_OUT_XLSX | MZ_OUT_MAPS;
    opt->formats = MZ_FMT_ALL;
    opt->dpi = 200;
    opt->merge = true;
    opt->max_errors = 1;
    opt->protection = MZ_PROTECTION_DEFAULT;
    mz_variance_options_init(&opt->variance);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *mz_data_dir(void)
{
    const char *env = getenv("MZATLAS_DATA");
    if (env && *env)
        return env;
#ifdef MZ_INSTALL_DATADIR
    if (is_dir(MZ_INSTALL_DATADIR "/regions"))
        return MZ_INSTALL_DATADIR;
#endif
#ifdef MZ_SOURCE_DATADIR
    return MZ_SOURCE_DATADIR;
#else
    return "data";
#endif
}

const char *mz_data_path(const char *rel, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", mz_data_dir(), rel);
    return buf;
}

mz_run_t *mz_run_create(const mz_run_options_t *opt, mz_error_t *err)
{
    char path[4096], path2[4096];
    mz_run_t *run = calloc(1, sizeof *run);
    if (!run) {
        mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        return NULL;
    }
    run->opt = *opt;
    run->year = opt->year;
    run->regions_path =
        mz_strdup(opt->regions_path ? opt->regions_path
                                    : mz_data_path("regions/gazetteer-ni.csv", path, sizeof path));
    run->command_line = mz_strdup(opt->command_line ? opt->command_line : "");
    if (!run->regions_path || !run->command_line) {
        mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        goto fail;
    }
    run->opt.regions_path = run->regions_path;
    run->opt.command_line = run->command_line;
    run->gz = mz_gazetteer_load(run->regions_path, err);
    if (!run->gz)
        goto fail;
    /* names that changed over time belong to the bundled gazetteer */
    if (!opt->regions_path &&
        mz_gazetteer_load_renames(run->gz, mz_data_path("regions/renames.csv", path, sizeof path),
                                  err) != MZ_OK)
        goto fail;
    run->nw = mz_networks_load(mz_data_path("networks/networks-ni-2010.csv", path, sizeof path),
                               mz_data_path("regions/kreise-ni.csv", path2, sizeof path2), err);
    if (!run->nw)
        goto fail;
    run->cells = mz_cells_create(run->gz, opt->band, err);
    if (!run->cells)
        goto fail;
    run->kish = mz_kish_create(run->gz, opt->band, err);
    if (!run->kish)
        goto fail;
    run->owners = mz_owners_create(run->gz, err);
    if (!run->owners)
        goto fail;
    if (opt->profile && !(run->profile = mz_profile_load(opt->profile, err)))
        goto fail;
    run->opt.profile = run->profile ? mz_profile_name(run->profile) : NULL; /* owned here */
    return run;
fail:
    mz_run_destroy(run);
    return NULL;
}

void mz_run_destroy(mz_run_t *run)
{
    if (!run)
        return;
    mz_results_destroy(run->results);
    mz_cells_destroy(run->cells);
    mz_kish_destroy(run->kish);
    mz_profile_destroy(run->profile);
    mz_owners_destroy(run->owners);
    mz_tables_destroy(run->tables);
    for (size_t i = 0; i < run->nnotes; i++)
        free(run->notes[i]);
    free(run->notes);
    mz_networks_destroy(run->nw);
    mz_gazetteer_destroy(run->gz);
    for (size_t i = 0; i < run->ninputs; i++)
        free(run->inputs[i].path);
    free(run->inputs);
    free(run->regions_path);
    free(run->command_line);
    for (size_t i = 0; i < run->nadopt; i++) {
        free(run->adopt_src[i]);
        free(run->adopt_rel[i]);
    }
    free(run->adopt_src);
    free(run->adopt_rel);
    for (size_t i = 0; i < run->nrecord_errors; i++)
        free(run->record_errors[i]);
    free(run->record_errors);
    free(run);
}

static mz_status_t add_note(mz_run_t *run, const char *text, mz_error_t *err)
{
    for (size_t i = 0; i < run->nnotes; i++)
        if (strcmp(run->notes[i], text) == 0)
            return MZ_OK;
    char **nn = realloc(run->notes, (run->nnotes + 1) * sizeof *nn);
    if (nn)
        run->notes = nn;
    if (!nn || !(run->notes[run->nnotes] = mz_strdup(text)))
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    run->nnotes++;
    return MZ_OK;
}

static mz_status_t push_input(mz_run_t *run, mz_input_info_t *info, const char *path,
                              mz_error_t *err)
{
    info->path = mz_strdup(path);
    mz_input_info_t *ni = realloc(run->inputs, (run->ninputs + 1) * sizeof *ni);
    if (!ni || !info->path) {
        free(info->path);
        if (ni)
            run->inputs = ni;
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    }
    run->inputs = ni;
    run->inputs[run->ninputs++] = *info;
    run->synthetic = run->synthetic || info->synthetic;
    return MZ_OK;
}

/* Tabulated extracts are collected and applied to the cells in mz_run_compute. */
static mz_status_t add_tables(mz_run_t *run, const char *path, mz_error_t *err)
{
    if (run->ninputs > 0 && !run->tables)
        return mz_error_set(err, MZ_ERR_USAGE, path, 0, NULL, NULL, "%s",
                            mz_tr("Tabellen und Personendatensätze lassen sich nicht in einem "
                                  "Lauf mischen",
                                  "tables and person records cannot be mixed in one run"));
    if (!run->tables && !(run->tables = mz_tables_create(run->gz, run->opt.band, run->year, err)))
        return err ? err->status : MZ_ERR_NOMEM;
    mz_tables_file_info_t ti;
    mz_status_t st = mz_tables_add_file(run->tables, path, &ti, err);
    if (st != MZ_OK)
        return st;
    run->year = mz_tables_year(run->tables);
    mz_input_info_t info = {.bytes = ti.bytes, .records = ti.rows};
    snprintf(info.sha256, sizeof info.sha256, "%s", ti.sha256);
    return push_input(run, &info, path, err);
}

static mz_status_t take_record(void *ctx, const mz_record_t *rec, mz_error_t *err)
{
    mz_run_t *run = ctx;
    return mz_ingest_record(run->cells, run->kish, run->owners, rec, err);
}

/* Profile-mapped CSV, Stata, SPSS, SAS (mz_source.h). */
static mz_status_t add_source(mz_run_t *run, const char *path, mz_error_t *err)
{
    mz_source_options_t so = {.year = run->year, .gazetteer = run->gz, .profile = run->profile};
    mz_source_info_t si;
    mz_status_t st = mz_source_read(path, &so, take_record, run, &si, err);
    if (st != MZ_OK)
        return st;
    if (si.records == 0)
        return mz_error_set(err, MZ_ERR_DATA, path, 0, NULL, NULL, "%s",
                            mz_tr("keine Datensätze", "no records"));
    if (run->profile && mz_profile_unverified(run->profile)[0]) {
        char note[700];
        snprintf(note, sizeof note,
                 mz_tr("Profil %s: Zuordnung für %s nicht geprüft – vor Gebrauch mit der "
                       "Dokumentation des Forschungsdatenzentrums abgleichen (docs/profiles.md)",
                       "profile %s: mapping of %s not verified – check it against the research "
                       "data centre's documentation before use (docs/profiles.md)"),
                 mz_profile_name(run->profile), mz_profile_unverified(run->profile));
        if ((st = add_note(run, note, err)) != MZ_OK)
            return st;
    }
    if (si.skipped) {
        char note[600];
        snprintf(note, sizeof note,
                 mz_tr("%s: %llu Datensätze durch den Filter des Profils ausgelassen",
                       "%s: %llu records left out by the profile's filter"),
                 path, (unsigned long long)si.skipped);
        if ((st = add_note(run, note, err)) != MZ_OK)
            return st;
    }
    run->year = si.year;
    mz_input_info_t info = {.bytes = si.bytes, .records = si.records, .design = si.design,
                            .synthetic = si.synthetic};
    snprintf(info.sha256, sizeof info.sha256, "%s", si.sha256);
    return push_input(run, &info, path, err);
}

static mz_status_t note_record_error(mz_run_t *run, const mz_error_t *e, mz_error_t *err)
{
    char buf[2048];
    mz_error_format(e, buf, sizeof buf);
    char *copy = mz_strdup(buf);
    char **ne = copy ? realloc(run->record_errors, (run->nrecord_errors + 1) * sizeof *ne) : NULL;
    if (!ne) {
        free(copy);
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    }
    run->record_errors = ne;
    run->record_errors[run->nrecord_errors++] = copy;
    return MZ_OK;
}

/* --max-errors: read record by record, note each bad record and go on, until max_errors bad
 * records or the end; then fail with a summary. Nothing is skipped silently: any bad record
 * fails the run. Returns 0 on success, -1 with err filled. */
static int read_collecting(mz_run_t *run, mz_extract_reader_t *r, const char *path,
                           mz_input_info_t *info, mz_error_t *err)
{
    mz_record_t rec;
    mz_error_t e;
    long last_bad = 0;
    size_t bad = 0;
    int rc;
    for (;;) {
        mz_error_clear(&e);
        rc = mz_extract_next(r, &rec, &e);
        if (rc == 0)
            break;
        mz_status_t st = MZ_OK;
        if (rc == 1) {
            st = mz_owners_check(run->owners, &rec, &e);
            if (st == MZ_OK) {
                st = mz_cells_add_record(run->cells, &rec, &e);
                if (st != MZ_OK) { /* not a fault of the record */
                    *err = e;
                    return -1;
                }
                mz_kish_add_records(run->kish, &rec, 1);
                info->records++;
                continue;
            }
        }
        /* a record that could not be read (the line did not advance) or not a data fault: stop */
        if (e.status != MZ_ERR_DATA || e.line <= last_bad) {
            if (bad == 0 || e.status != MZ_ERR_DATA) {
                *err = e;
                return -1;
            }
            break;
        }
        last_bad = e.line;
        if (note_record_error(run, &e, err) != MZ_OK)
            return -1;
        if (++bad >= (size_t)run->opt.max_errors)
            break;
    }
    if (bad == 0)
        return 0;
    mz_error_set(err, MZ_ERR_DATA, path, 0, NULL, NULL,
                 mz_tr("%zu fehlerhafte Datensätze%s; nichts wurde ausgewertet",
                       "%zu bad records%s; nothing was evaluated"),
                 bad,
                 bad >= (size_t)run->opt.max_errors
                     ? mz_tr(" (Abbruch bei --max-errors)", " (stopped at --max-errors)")
                     : "");
    return -1;
}

size_t mz_run_record_error_count(const mz_run_t *run) { return run->nrecord_errors; }
const char *mz_run_record_error(const mz_run_t *run, size_t i) { return run->record_errors[i]; }

mz_status_t mz_run_add_extract(mz_run_t *run, const char *path, mz_error_t *err)
{
    double t0 = mz_now();
    mz_input_format_t fmt = mz_source_format(path);
    if (fmt == MZ_FORMAT_CSV) {
        int tab = mz_tabulated_detect(path, err);
        if (tab < 0)
            return err ? err->status : MZ_ERR_IO;
        if (tab) {
            mz_status_t st = add_tables(run, path, err);
            run->t.read += mz_now() - t0;
            return st;
        }
    }
    if (run->tables)
        return mz_error_set(err, MZ_ERR_USAGE, path, 0, NULL, NULL, "%s",
                            mz_tr("Tabellen und Personendatensätze lassen sich nicht in einem "
                                  "Lauf mischen",
                                  "tables and person records cannot be mixed in one run"));
    mz_status_t ost = mz_owners_begin_file(run->owners, path, err);
    if (ost != MZ_OK)
        return ost;
    if (fmt != MZ_FORMAT_CSV || (run->profile && !mz_profile_is_canonical(run->profile))) {
        ost = add_source(run, path, err);
        run->t.read += mz_now() - t0;
        return ost;
    }
    /* the canonical CSV fast path */
    const bool collect = run->opt.max_errors > 1;
    mz_extract_options_t xo = {.year = run->year, .gazetteer = run->gz, .sequential = collect};
    mz_extract_reader_t *r = mz_extract_open(path, &xo, err);
    if (!r)
        return err ? err->status : MZ_ERR_DATA;
    mz_input_info_t info = {0};
    mz_status_t st;
    if (collect)
        st = read_collecting(run, r, path, &info, err) < 0 ? (err ? err->status : MZ_ERR_DATA)
                                                           : MZ_OK;
    else
        st = mz_ingest_extract(r, run->cells, run->kish, run->owners, &info.records, err);
    if (st != MZ_OK) {
        mz_extract_close(r);
        return st;
    }
    if (info.records == 0) {
        mz_extract_close(r);
        return mz_error_set(err, MZ_ERR_DATA, path, 0, NULL, NULL, "%s",
                            mz_tr("keine Datensätze (nur die Kopfzeile)",
                                  "no records (header only)"));
    }
    snprintf(info.sha256, sizeof info.sha256, "%s", mz_extract_sha256(r));
    info.bytes = mz_extract_bytes_read(r);
    info.design = mz_extract_has_design(r);
    info.synthetic = mz_extract_is_synthetic(r);
    run->year = mz_extract_year(r);
    mz_extract_close(r);
    st = push_input(run, &info, path, err);
    run->t.read += mz_now() - t0;
    return st;
}

mz_status_t mz_run_compute(mz_run_t *run, mz_error_t *err)
{
    if (run->ninputs == 0)
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL, "%s",
                            mz_tr("keine Eingabedatei", "no input file"));
    if (run->tables && !run->tables_applied) {
        run->tables_applied = true;
        mz_status_t st = mz_tables_apply(run->tables, run->cells, err);
        for (size_t i = 0; st == MZ_OK && i < mz_tables_note_count(run->tables); i++)
            st = add_note(run, mz_tables_note(run->tables, i), err);
        if (st != MZ_OK)
            return st;
    }
    mz_gazetteer_set_year(run->gz, run->year);
    mz_cells_finish(run->cells); /* all records are in: free the PSU lookup before merging */
    double t0 = mz_now();
    mz_results_destroy(run->results);
    run->results = NULL;
    mz_partition_t parts[MZ_NIND];
    bool merged = false;
    if (run->opt.merge) {
        /* neighbours from the bundled geometry of the run's year (docs/region-merging.md) */
        mz_neighbours_t *nb = mz_neighbours_load_bundled(run->gz, run->year, err);
        if (!nb)
            return err ? err->status : MZ_ERR_IO;
        mz_merge_options_t mo;
        mz_merge_options_init(&mo);
        mo.common = run->opt.common_partition;
        mz_status_t st =
            mz_merge_partitions(run->cells, nb, &run->opt.rules, &mo, parts, NULL, err);
        mz_neighbours_destroy(nb);
        if (st != MZ_OK)
            return st;
        merged = true;
        run->t.merge = mz_now() - t0;
        t0 = mz_now();
    }
    run->results = mz_results_build(run->cells, merged ? parts : NULL, &run->opt.rules, err);
    if (!run->results)
        return err ? err->status : MZ_ERR_NOMEM;
    /* secret cells: complementary suppressions (docs/confidentiality.md) */
    mz_status_t sst = mz_suppress_apply(run->results, run->opt.protection, &run->suppress, err);
    if (sst != MZ_OK)
        return sst;
    run->t.estimate = mz_now() - t0;
    t0 = mz_now();
    mz_status_t st =
        mz_variance_compute(run->results, run->kish, &run->opt.variance, &run->vinfo, err);
    run->t.variance = mz_now() - t0;
    return st;
}

int mz_run_year(const mz_run_t *run) { return run->year; }
bool mz_run_synthetic(const mz_run_t *run) { return run->synthetic; }
const mz_run_options_t *mz_run_options(const mz_run_t *run) { return &run->opt; }
const mz_gazetteer_t *mz_run_gazetteer(const mz_run_t *run) { return run->gz; }
const mz_networks_t *mz_run_networks(const mz_run_t *run) { return run->nw; }
const mz_cells_t *mz_run_cells(const mz_run_t *run) { return run->cells; }
mz_results_t *mz_run_results(mz_run_t *run) { return run->results; }
size_t mz_run_input_count(const mz_run_t *run) { return run->ninputs; }
const mz_input_info_t *mz_run_input(const mz_run_t *run, size_t i) { return &run->inputs[i]; }
const mz_timings_t *mz_run_timings(const mz_run_t *run) { return &run->t; }
const mz_variance_info_t *mz_run_variance_info(const mz_run_t *run) { return &run->vinfo; }
const mz_suppress_info_t *mz_run_suppress_info(const mz_run_t *run) { return &run->suppress; }
size_t mz_run_note_count(const mz_run_t *run) { return run->nnotes; }
const char *mz_run_note(const mz_run_t *run, size_t i) { return run->notes[i]; }
const char *mz_run_source(const mz_run_t *run)
{
    return run->tables ? mz_tables_source(run->tables) : "";
}
bool mz_run_tabulated(const mz_run_t *run) { return run->tables != NULL; }

typedef mz_status_t (*table_writer_t)(mz_run_t *, FILE *, mz_error_t *);

static mz_status_t write_table(mz_outdir_t *od, const char *name, table_writer_t fn, mz_run_t *run,
                               mz_error_t *err)
{
    char path[4096];
    mz_outdir_file(od, name, path, sizeof path);
    FILE *f = fopen(path, "w");
    if (!f)
        return mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                            mz_tr("kann nicht geschrieben werden", "cannot be written"));
    mz_status_t st = fn(run, f, err);
    if (fclose(f) != 0 && st == MZ_OK)
        st = mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                          mz_tr("Schreibfehler", "write error"));
    return st;
}

static const char *outdir_path(void *od, const char *rel, char *buf, size_t size)
{
    return mz_outdir_file(od, rel, buf, size);
}

/* Abbildungen 1–10 into maps/ (charts/). */
static mz_status_t write_maps(mz_run_t *run, mz_outdir_t *od, mz_error_t *err)
{
    mz_chart_input_t in;
    memset(&in, 0, sizeof in);
    in.results = run->results;
    in.gazetteer = run->gz;
    in.networks = run->nw;
    in.year = run->year;
    in.band = run->opt.band;
    in.synthetic = run->synthetic;
    in.source = mz_run_source(run);
    mz_charts_t *ch = mz_charts_create(&in, err);
    if (!ch)
        return err ? err->status : MZ_ERR_IO;
    mz_chart_options_t co;
    mz_chart_options_init(&co);
    if (run->opt.formats)
        co.formats = run->opt.formats;
    if (run->opt.dpi > 0)
        co.dpi = run->opt.dpi;
    mz_status_t st = mz_charts_write_all(ch, &co, outdir_path, od, NULL, err);
    mz_charts_destroy(ch);
    return st;
}

mz_status_t mz_run_adopt_file(mz_run_t *run, const char *src, const char *rel, mz_error_t *err)
{
    char **ns = realloc(run->adopt_src, (run->nadopt + 1) * sizeof *ns);
    if (ns)
        run->adopt_src = ns;
    char **nr = realloc(run->adopt_rel, (run->nadopt + 1) * sizeof *nr);
    if (nr)
        run->adopt_rel = nr;
    char *a = ns && nr ? mz_strdup(src) : NULL, *b = a ? mz_strdup(rel) : NULL;
    if (!b) {
        free(a);
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    }
    run->adopt_src[run->nadopt] = a;
    run->adopt_rel[run->nadopt] = b;
    run->nadopt++;
    return MZ_OK;
}

/* Inputs that will be adopted into dir are recorded at their final place. */
static mz_status_t relocate_adopted_inputs(mz_run_t *run, const char *dir, mz_error_t *err)
{
    for (size_t k = 0; k < run->nadopt; k++)
        for (size_t i = 0; i < run->ninputs; i++) {
            if (strcmp(run->inputs[i].path, run->adopt_src[k]) != 0)
                continue;
            mz_str_t b = {0};
            if (!mz_str_appendf(&b, "%s/%s", dir, run->adopt_rel[k]))
                return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                                    mz_strerror(MZ_ERR_NOMEM));
            free(run->inputs[i].path);
            run->inputs[i].path = mz_str_take(&b);
        }
    return MZ_OK;
}

mz_status_t mz_run_write(mz_run_t *run, const char *dir, mz_error_t *err)
{
    if (!run->results)
        return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL, "mz_run_write before compute");
    double t0 = mz_now();
    mz_outdir_t *od = mz_outdir_begin(dir, err);
    if (!od)
        return err ? err->status : MZ_ERR_IO;
    const char *written[16 + 8];
    size_t nw = 0;
    mz_status_t st = relocate_adopted_inputs(run, dir, err);
    if (st == MZ_OK && (run->opt.outputs & MZ_OUT_CSV)) {
        static const struct {
            const char *name;
            table_writer_t fn;
        } tables[] = {{"indicators.csv", mz_write_indicators_csv},
                      {"action.csv", mz_write_action_csv},
                      {"regions.csv", mz_write_regions_csv}};
        for (size_t i = 0; i < 3 && st == MZ_OK; i++) {
            st = write_table(od, tables[i].name, tables[i].fn, run, err);
            written[nw++] = tables[i].name;
        }
    }
    if ((run->opt.outputs & MZ_OUT_MAPS) && st == MZ_OK) {
        st = write_maps(run, od, err);
        written[nw++] = "maps/";
    }
    /* the workbook comes after the maps: it embeds maps/abbNN*.png when they exist */
    if ((run->opt.outputs & MZ_OUT_XLSX) && st == MZ_OK) {
        char path[4096];
        st = mz_write_xlsx(run, mz_outdir_file(od, "mzatlas.xlsx", path, sizeof path), err);
        written[nw++] = "mzatlas.xlsx";
    }
    for (size_t k = 0; k < run->nadopt && k < 8 && st == MZ_OK; k++) {
        char path[4096];
        mz_outdir_file(od, run->adopt_rel[k], path, sizeof path);
        if (rename(run->adopt_src[k], path) != 0)
            st = mz_error_set(err, MZ_ERR_IO, run->adopt_src[k], 0, NULL, NULL, "%s: %s",
                              mz_tr("kann nicht ins Ausgabeverzeichnis gebracht werden",
                                    "cannot be moved into the output directory"),
                              strerror(errno));
        written[nw++] = run->adopt_rel[k];
    }
    run->t.outputs = mz_now() - t0;
    if (st == MZ_OK) {
        char path[4096];
        written[nw++] = "run.json";
        mz_outdir_file(od, "run.json", path, sizeof path);
        FILE *f = fopen(path, "w");
        if (!f)
            st = mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                              mz_tr("kann nicht geschrieben werden", "cannot be written"));
        else {
            st = mz_write_run_json(run, written, nw, f, err);
            if (fclose(f) != 0 && st == MZ_OK)
                st = mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                                  mz_tr("Schreibfehler", "write error"));
        }
    }
    if (st != MZ_OK) {
        mz_outdir_abort(od);
        return st;
    }
    return mz_outdir_commit(od, err);
}
