/* run.c — the whole job: extracts → cells → partitions → estimates → outputs. */
#include "mzatlas/mz_run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../microcensus/util.h"
#include "mzatlas/mz_extract.h"
#include "mzatlas/mz_output.h"

struct mz_run {
    mz_run_options_t opt;
    char *regions_path;
    char *command_line;
    mz_gazetteer_t *gz;
    mz_networks_t *nw;
    mz_cells_t *cells;
    mz_results_t *results;
    int year;
    bool synthetic;
    mz_input_info_t *inputs;
    size_t ninputs;
    mz_timings_t t;
};

void mz_run_options_init(mz_run_options_t *opt)
{
    memset(opt, 0, sizeof *opt);
    mz_rules_init(&opt->rules);
    opt->band.lo = 18;
    opt->band.hi = 64;
    opt->outputs = MZ_OUT_CSV;
    opt->merge = true;
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
    run->nw = mz_networks_load(mz_data_path("networks/networks-ni-2010.csv", path, sizeof path),
                               mz_data_path("regions/kreise-ni.csv", path2, sizeof path2), err);
    if (!run->nw)
        goto fail;
    run->cells = mz_cells_create(run->gz, opt->band, err);
    if (!run->cells)
        goto fail;
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
    mz_networks_destroy(run->nw);
    mz_gazetteer_destroy(run->gz);
    for (size_t i = 0; i < run->ninputs; i++)
        free(run->inputs[i].path);
    free(run->inputs);
    free(run->regions_path);
    free(run->command_line);
    free(run);
}

mz_status_t mz_run_add_extract(mz_run_t *run, const char *path, mz_error_t *err)
{
    mz_extract_options_t xo = {.year = run->year, .gazetteer = run->gz};
    double t0 = mz_now();
    mz_extract_reader_t *r = mz_extract_open(path, &xo, err);
    if (!r)
        return err ? err->status : MZ_ERR_DATA;
    mz_input_info_t info = {0};
    mz_record_t rec;
    int rc;
    mz_status_t st = MZ_OK;
    while ((rc = mz_extract_next(r, &rec, err)) == 1) {
        st = mz_cells_add_record(run->cells, &rec, err);
        if (st != MZ_OK)
            break;
        info.records++;
    }
    if (rc < 0 || st != MZ_OK) {
        mz_extract_close(r);
        return err ? err->status : MZ_ERR_DATA;
    }
    if (info.records == 0) {
        mz_extract_close(r);
        return mz_error_set(err, MZ_ERR_DATA, path, 0, NULL, NULL, "%s",
                            mz_tr("keine Datensätze (nur die Kopfzeile)",
                                  "no records (header only)"));
    }
    info.path = mz_strdup(path);
    snprintf(info.sha256, sizeof info.sha256, "%s", mz_extract_sha256(r));
    info.bytes = mz_extract_bytes_read(r);
    info.design = mz_extract_has_design(r);
    info.synthetic = mz_extract_is_synthetic(r);
    run->year = mz_extract_year(r);
    mz_extract_close(r);
    mz_input_info_t *ni = realloc(run->inputs, (run->ninputs + 1) * sizeof *ni);
    if (!ni || !info.path) {
        free(info.path);
        if (ni)
            run->inputs = ni;
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    }
    run->inputs = ni;
    run->inputs[run->ninputs++] = info;
    run->synthetic = run->synthetic || info.synthetic;
    run->t.read += mz_now() - t0;
    return MZ_OK;
}

mz_status_t mz_run_compute(mz_run_t *run, mz_error_t *err)
{
    if (run->ninputs == 0)
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL, "%s",
                            mz_tr("keine Eingabedatei", "no input file"));
    double t0 = mz_now();
    mz_results_destroy(run->results);
    run->results = mz_results_build(run->cells, NULL, &run->opt.rules, err);
    if (!run->results)
        return err ? err->status : MZ_ERR_NOMEM;
    run->t.estimate = mz_now() - t0;
    return MZ_OK;
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

mz_status_t mz_run_write(mz_run_t *run, const char *dir, mz_error_t *err)
{
    if (!run->results)
        return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL, "mz_run_write before compute");
    double t0 = mz_now();
    mz_outdir_t *od = mz_outdir_begin(dir, err);
    if (!od)
        return err ? err->status : MZ_ERR_IO;
    const char *written[16];
    size_t nw = 0;
    mz_status_t st = MZ_OK;
    if (run->opt.outputs & MZ_OUT_CSV) {
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
