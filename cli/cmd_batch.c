/* cmd_batch.c — `mzatlas batch`: several census years at once, DIR/<year>/ plus trends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mzatlas/mz_batch.h"
#include "mzatlas/mz_results.h"

static void help_batch(void)
{
    printf("%s", mz_tr(
        "Aufruf: mzatlas batch [OPTIONEN] --out VERZEICHNIS AUSZUG...\n"
        "        mzatlas batch --config DATEI [OPTIONEN] [AUSZUG...]\n"
        "\n"
        "Wertet Auszüge mehrerer Erhebungsjahre in einem Aufruf aus. Das Jahr jeder Datei wird\n"
        "aus der Datei gelesen (oder in der Konfiguration unter [year J] angegeben); jedes Jahr\n"
        "läuft genau wie `mzatlas run` mit seinen Dateien und schreibt nach VERZEICHNIS/<Jahr>/.\n"
        "Dazu kommen:\n"
        "  trend.csv     Jahr × Indikator × Region × Gruppe: Wert, Standardfehler, Zeichen,\n"
        "                Vergleichbarkeit, Definition des Migrationshintergrunds\n"
        "  trend.xlsx    Differenz der Erwerbslosenquoten je Region und Jahr, alle Werte, Hinweise\n"
        "  maps/trend-erwerbslosenquote-differenz.png|svg|pdf  Kleine Vielfache je Region mit\n"
        "                der Schwelle für Handlungsbedarf\n"
        "  run.json      Jahre, Eingaben, Regeln je Jahr, Laufzeiten\n"
        "Regionen werden über die Jahre auf einen gemeinsamen Gebietsstand gebracht\n"
        "(zusammengelegte Kreise, Gebietsreform 2016 Göttingen/Osterode am Harz; docs/batch.md).\n"
        "Das Verzeichnis wird erst ersetzt, wenn alles geschrieben ist.\n"
        "\n"
        "  --out VERZ        Ausgabeverzeichnis (Pflicht, hier oder in der Konfiguration)\n"
        "  --config DATEI    Konfiguration (INI): Eingaben je Jahr, Profil, Regionen, Regeln je\n"
        "                    Zeitraum, Ausgaben; Optionen auf der Befehlszeile gehen vor\n"
        "                    (docs/batch.md, Beispiel docs/examples/batch.ini)\n"
        "  -j, --jobs N      so viele Jahre gleichzeitig (Standard: Zahl der Prozessorkerne);\n"
        "                    die Ergebnisse hängen nicht davon ab\n"
        "  --quiet           keine Fortschrittsanzeige, keine Zusammenfassung\n"
        "\n"
        "Alle Optionen von `mzatlas run` (außer --year) gelten für jedes Jahr: --regions,\n"
        "--profile, --ages, --min-count, --limited-below, --rate-rule, --min-cases, --gap-flag,\n"
        "--ci-level, --ci-method, --lonely-psu, --deff, --protection, --no-merge,\n"
        "--common-partition, --outputs, --formats, --dpi, --lang (siehe mzatlas run --help).\n"
        "Andere Regeln für einzelne Zeiträume (z. B. ab 2020) nur über [rules ZEITRAUM] der\n"
        "Konfiguration.\n"
        "\n"
        "Die Fortschrittsanzeige (Datensätze, fertige Jahre, Restzeit) erscheint nur, wenn die\n"
        "Standardfehlerausgabe ein Terminal ist.\n"
        "Exit-Codes: 0 Erfolg, 2 falscher Aufruf, 3 ungültige Eingabedaten, 4 Ein-/Ausgabefehler.\n",
        "Usage: mzatlas batch [OPTIONS] --out DIR EXTRACT...\n"
        "       mzatlas batch --config FILE [OPTIONS] [EXTRACT...]\n"
        "\n"
        "Evaluates extracts of several survey years in one call. The year of each file is read\n"
        "from the file (or given in the config under [year Y]); every year runs exactly like\n"
        "`mzatlas run` with its files and writes into DIR/<year>/. In addition:\n"
        "  trend.csv     year × indicator × region × group: estimate, standard error, symbol,\n"
        "                comparability, definition of the migration background\n"
        "  trend.xlsx    unemployment-rate gap per region and year, all values, notes\n"
        "  maps/trend-erwerbslosenquote-differenz.png|svg|pdf  small multiples per region with\n"
        "                the threshold for action\n"
        "  run.json      years, inputs, rules per year, timings\n"
        "Regions are put on a common footprint across the years (merged Kreise, the 2016\n"
        "reform Göttingen/Osterode am Harz; docs/batch.md).\n"
        "DIR is replaced only when everything has been written.\n"
        "\n"
        "  --out DIR         output directory (required, here or in the config)\n"
        "  --config FILE     config (INI): inputs per year, profile, regions, rules per period,\n"
        "                    outputs; options on the command line take precedence\n"
        "                    (docs/batch.md, example docs/examples/batch.ini)\n"
        "  -j, --jobs N      this many years at once (default: the number of cores); the\n"
        "                    results do not depend on it\n"
        "  --quiet           no progress bar, no summary\n"
        "\n"
        "Every option of `mzatlas run` (except --year) applies to every year: --regions,\n"
        "--profile, --ages, --min-count, --limited-below, --rate-rule, --min-cases, --gap-flag,\n"
        "--ci-level, --ci-method, --lonely-psu, --deff, --protection, --no-merge,\n"
        "--common-partition, --outputs, --formats, --dpi, --lang (see mzatlas run --help).\n"
        "Other rules for single periods (e.g. from 2020) only through [rules PERIOD] in the\n"
        "config.\n"
        "\n"
        "The progress bar (records, years done, time left) appears only when standard error\n"
        "is a terminal.\n"
        "Exit codes: 0 success, 2 usage error, 3 invalid input data, 4 I/O error.\n"));
}

/* Common options that take a value in the next argument. */
static bool takes_value(const char *arg)
{
    static const char *const opts[] = {
        "--year",     "--regions",   "--out",       "--min-count",  "--limited-below",
        "--rate-rule", "--min-cases", "--gap-flag", "--ages",       "--lang",
        "--outputs",  "--formats",   "--dpi",       "--ci-level",   "--ci-method",
        "--lonely-psu", "--deff",    "--profile",   "--protection"};
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (strcmp(arg, opts[i]) == 0)
            return true;
    return false;
}

static bool parse_jobs(const char *s, int *out)
{
    unsigned long long v;
    if (!cli_parse_count(s, 1024, &v) || v < 1)
        return false;
    *out = (int)v;
    return true;
}

/* ---- progress bar ---- */

typedef struct bar {
    bool drawn;
} bar_t;

static void fmt_count(unsigned long long v, char *buf, size_t size)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%llu", v);
    const char sep = mz_get_lang() == MZ_LANG_DE ? '.' : ',';
    size_t n = strlen(digits), o = 0;
    for (size_t i = 0; i < n && o + 2 < size; i++) {
        if (i && (n - i) % 3 == 0)
            buf[o++] = sep;
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

static void fmt_secs(double s, char *buf, size_t size)
{
    long v = (long)(s + 0.5);
    if (v >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", v / 3600, v / 60 % 60, v % 60);
    else if (v >= 60)
        snprintf(buf, size, "%ld:%02ld", v / 60, v % 60);
    else
        snprintf(buf, size, "%ld s", v);
}

static void on_progress(void *ctx, const mz_batch_progress_t *p)
{
    bar_t *b = ctx;
    if (p->finished) {
        if (b->drawn)
            fputs("\r\033[K", stderr);
        b->drawn = false;
        fflush(stderr);
        return;
    }
    enum { WIDTH = 24 };
    char bar[WIDTH * 3 + 1], recs[32], el[32], eta[48];
    size_t fill = (size_t)(p->fraction * WIDTH + 0.5), o = 0;
    for (size_t i = 0; i < WIDTH; i++) {
        const char *c = i < fill ? "\xe2\x96\x88" : "\xe2\x96\x91"; /* █ ░ */
        memcpy(bar + o, c, 3);
        o += 3;
    }
    bar[o] = '\0';
    fmt_count(p->records_read, recs, sizeof recs);
    fmt_secs(p->elapsed, el, sizeof el);
    if (p->eta >= 0) {
        char t[32];
        fmt_secs(p->eta, t, sizeof t);
        snprintf(eta, sizeof eta, mz_tr("noch ~%s", "~%s left"), t);
    } else {
        snprintf(eta, sizeof eta, "%s", mz_tr("Restzeit wird geschätzt", "estimating time left"));
    }
    fprintf(stderr, mz_tr("\r\033[Kmzatlas batch %s %3.0f %% · Jahre %zu/%zu · %s Datensätze · "
                          "%s · %s",
                          "\r\033[Kmzatlas batch %s %3.0f %% · years %zu/%zu · %s records · %s · "
                          "%s"),
            bar, p->fraction * 100, p->years_done, p->years_total, recs, el, eta);
    fflush(stderr);
    b->drawn = true;
}

/* ---- the command ---- */

typedef struct args {
    char **v;
    int n, cap;
    char **owned; /* strings made here */
    int nowned;
} args_t;

static bool args_push(args_t *a, char *s, bool own)
{
    if (a->n + 1 >= a->cap) {
        int nc = a->cap ? 2 * a->cap : 32;
        char **nv = realloc(a->v, (size_t)nc * sizeof *nv);
        if (!nv)
            return false;
        a->v = nv;
        a->cap = nc;
    }
    if (own) {
        char **no = realloc(a->owned, (size_t)(a->nowned + 1) * sizeof *no);
        if (!no)
            return false;
        a->owned = no;
        a->owned[a->nowned++] = s;
    }
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
    return true;
}

static void args_free(args_t *a)
{
    for (int i = 0; i < a->nowned; i++)
        free(a->owned[i]);
    free(a->owned);
    free(a->v);
}

static char *setting_arg(const mz_batch_setting_t *s)
{
    size_t n = strlen(s->name) + strlen(s->value) + 4;
    char *a = malloc(n);
    if (!a)
        return NULL;
    if (mz_batch_setting_is_switch(s->name))
        snprintf(a, n, "--%s", s->name);
    else
        snprintf(a, n, "--%s=%s", s->name, s->value);
    return a;
}

static int oom(void)
{
    fprintf(stderr, "mzatlas batch: %s\n", mz_strerror(MZ_ERR_NOMEM));
    return 4;
}

int cmd_batch(int argc, char **argv)
{
    args_t rest = {0}, all = {0};
    const char *config = NULL;
    int jobs = 0, code = 0;
    bool jobs_given = false;
    mz_batch_config_t *cfg = NULL;
    mz_batch_t *b = NULL;
    char command_line[4096];
    cli_record_command("batch", argc, argv, command_line, sizeof command_line);

    /* take out what only batch knows (-j, --jobs, --config), anywhere before "--" */
    if (!args_push(&rest, argv[0], false))
        return oom();
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        bool is_jobs = false;
        if (strcmp(a, "--") == 0) {
            for (; i < argc; i++)
                if (!args_push(&rest, argv[i], false))
                    goto nomem;
            break;
        }
        if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0 || strcmp(a, "--config") == 0) {
            if (i + 1 >= argc) {
                code = cli_usage_error("batch", mz_tr("%s: Wert fehlt", "%s: value missing"), a);
                goto done;
            }
            is_jobs = strcmp(a, "--config") != 0;
            val = argv[++i];
        } else if (strncmp(a, "--jobs=", 7) == 0) {
            is_jobs = true;
            val = a + 7;
        } else if (strncmp(a, "-j", 2) == 0 && a[2]) {
            is_jobs = true;
            val = a + 2;
        } else if (strncmp(a, "--config=", 9) == 0) {
            val = a + 9;
        }
        if (val && is_jobs) {
            if (!parse_jobs(val, &jobs)) {
                code = cli_usage_error("batch", "--jobs: %s '%s'",
                                       mz_tr("ganze Zahl von 1 bis 1024 erwartet, nicht",
                                             "expected a whole number from 1 to 1024, not"),
                                       val);
                goto done;
            }
            jobs_given = true;
            continue;
        }
        if (val) {
            config = val;
            continue;
        }
        if (!args_push(&rest, argv[i], false))
            goto nomem;
        if (takes_value(a) && i + 1 < argc && !args_push(&rest, argv[++i], false))
            goto nomem;
    }

    /* the config's general settings come first: the command line overrides them */
    if (!args_push(&all, argv[0], false))
        goto nomem;
    if (config) {
        mz_error_t err;
        mz_error_clear(&err);
        if (!(cfg = mz_batch_config_load(config, &err))) {
            code = cli_fail(&err);
            goto done;
        }
        for (size_t i = 0; i < cfg->nsettings; i++) {
            const mz_batch_setting_t *s = &cfg->settings[i];
            if (strcmp(s->name, "jobs") == 0) {
                int j;
                if (!parse_jobs(s->value, &j)) {
                    fprintf(stderr, "mzatlas batch: %s:%ld: jobs: %s '%s'\n", cfg->path,
                            s->line,
                            mz_tr("ganze Zahl von 1 bis 1024 erwartet, nicht",
                                  "expected a whole number from 1 to 1024, not"),
                            s->value);
                    code = 2;
                    goto done;
                }
                if (!jobs_given)
                    jobs = j;
                continue;
            }
            if (mz_batch_setting_is_switch(s->name) && strcmp(s->value, "1") != 0)
                continue;
            char *arg = setting_arg(s);
            if (!arg || !args_push(&all, arg, true)) {
                free(arg);
                goto nomem;
            }
        }
    }
    for (int i = 1; i < rest.n; i++)
        if (!args_push(&all, rest.v[i], false))
            goto nomem;

    cli_common_t c;
    if ((code = cli_parse_common(all.n, all.v, "batch", &c)) != 0) {
        if (cfg)
            fprintf(stderr, mz_tr("mzatlas batch: (Einstellungen aus %s und der Befehlszeile)\n",
                                  "mzatlas batch: (settings from %s and the command line)\n"),
                    cfg->path);
        goto done;
    }
    if (c.help) {
        help_batch();
        goto done;
    }
    if (c.run.year) {
        code = cli_usage_error("batch", "%s",
                               mz_tr("--year gibt es bei batch nicht: das Jahr kommt aus den "
                                     "Dateien oder aus [year J] der Konfiguration",
                                     "batch takes no --year: the year comes from the files or "
                                     "from [year Y] of the config"));
        goto done;
    }
    if (!c.out) {
        code = cli_usage_error("batch", "%s",
                               mz_tr("--out VERZEICHNIS fehlt", "--out DIR missing"));
        goto done;
    }
    if (c.ninputs == 0 && (!cfg || (cfg->nyears == 0 && cfg->ninputs == 0))) {
        code = cli_usage_error("batch", "%s",
                               mz_tr("keine Eingabedatei angegeben", "no input file given"));
        goto done;
    }
    c.run.command_line = command_line;

    bar_t bar = {false};
    mz_batch_options_t bo;
    mz_batch_options_init(&bo);
    bo.run = c.run;
    bo.jobs = jobs;
    if (!c.quiet && isatty(STDERR_FILENO)) {
        bo.progress = on_progress;
        bo.progress_ctx = &bar;
    }
    mz_error_t err;
    mz_error_clear(&err);
    if (!(b = mz_batch_create(&bo, &err)) ||
        (cfg && mz_batch_apply_config(b, cfg, &err) != MZ_OK)) {
        code = cli_fail(&err);
        goto done;
    }
    for (int i = 0; i < c.ninputs; i++)
        if (mz_batch_add_input(b, c.inputs[i], 0, &err) != MZ_OK) {
            code = cli_fail(&err);
            goto done;
        }
    mz_status_t st = mz_batch_execute(b, c.out, &err);
    if (bar.drawn)
        fputs("\r\033[K", stderr);
    if (st != MZ_OK) {
        code = cli_fail(&err);
        goto done;
    }
    if (!c.quiet) {
        size_t ny = mz_batch_year_count(b);
        for (size_t i = 0; i < ny; i++) {
            mz_run_t *run = mz_batch_run_at(b, i);
            mz_results_t *res = mz_run_results(run);
            size_t flagged = 0;
            unsigned long long recs = 0;
            for (size_t k = 0; k < mz_results_count(res); k++)
                flagged += mz_estimate_needs_action(mz_results_at(res, k), mz_results_rules(res));
            for (size_t k = 0; k < mz_run_input_count(run); k++)
                recs += mz_run_input(run, k)->records;
            char rc[32];
            fmt_count(recs, rc, sizeof rc);
            fprintf(stderr,
                    mz_tr("mzatlas: %d: %s %s%s; %zu Regionen mit Handlungsbedarf; "
                          "Ergebnisse in %s/%d\n",
                          "mzatlas: %d: %s %s%s; %zu regions need action; results in %s/%d\n"),
                    mz_batch_year_at(b, i), rc,
                    mz_run_tabulated(run) ? mz_tr("Tabellenzeilen", "table rows")
                                          : mz_tr("Datensätze", "records"),
                    mz_run_synthetic(run) ? mz_tr(" (SYNTHETISCHE DATEN)", " (SYNTHETIC DATA)")
                                          : "",
                    flagged, c.out, mz_batch_year_at(b, i));
            for (size_t k = 0; k < mz_run_note_count(run); k++)
                fprintf(stderr, "mzatlas: %s: %d: %s\n", mz_tr("Hinweis", "note"),
                        mz_batch_year_at(b, i), mz_run_note(run, k));
        }
        char files[256] = "";
        size_t fo = 0;
        unsigned outs = c.run.outputs;
        if (outs & MZ_OUT_CSV)
            fo += (size_t)snprintf(files + fo, sizeof files - fo, "trend.csv");
        if ((outs & MZ_OUT_XLSX) && fo < sizeof files)
            fo += (size_t)snprintf(files + fo, sizeof files - fo, "%strend.xlsx", fo ? ", " : "");
        if ((outs & MZ_OUT_MAPS) && fo < sizeof files)
            snprintf(files + fo, sizeof files - fo, "%smaps/%s.*", fo ? ", " : "",
                     mz_trend_chart_stem());
        fprintf(stderr,
                mz_tr("mzatlas: Zeitreihe über %zu Jahre in %s (%s)\n",
                      "mzatlas: trend over %zu years in %s (%s)\n"),
                ny, c.out, files);
    }
    code = 0;
    goto done;
nomem:
    code = oom();
done:
    mz_batch_destroy(b);
    mz_batch_config_destroy(cfg);
    args_free(&all);
    args_free(&rest);
    return code;
}
