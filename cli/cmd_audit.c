/* cmd_audit.c — `mzatlas audit DIR`: check published outputs against the confidentiality rules
 * (docs/confidentiality.md). The withheld values are never stored: the audit computes them
 * again from the extracts DIR was made from (recorded with their SHA-256 in DIR/run.json). */
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "mzatlas/mz_suppress.h"

enum { AUDIT_EXIT_FINDINGS = 5 };

static void help_audit(void)
{
    printf("%s", mz_tr(
        "Aufruf: mzatlas audit [OPTIONEN] VERZEICHNIS\n"
        "\n"
        "Prüft die Ausgaben eines Laufs (mzatlas run/demo/batch) auf Geheimhaltung:\n"
        "  - indicators.csv: gesperrte Zeilen (/ und .) zeigen keine Werte, geheime Zellen sind\n"
        "    mit . gekennzeichnet, keine Differenz steht neben einer gesperrten Quote;\n"
        "  - für jeden geheimen Wert (weniger als --min-cases Fälle) den Spielraum, den die\n"
        "    veröffentlichten Werte und ihre Beziehungen (insgesamt = mit + ohne MH, Regionen →\n"
        "    Schicht → Land, Merkmale untereinander) noch lassen, berechnet mit GLPK: er darf\n"
        "    nicht auf einen Wert schrumpfen und muss ±Schutzbereich abdecken;\n"
        "  - alle CSV-, SVG-, JSON- und Textdateien und die Blätter von mzatlas.xlsx: kein\n"
        "    gesperrter Wert darf darin stehen (PNG und PDF werden nicht durchsucht).\n"
        "Die gesperrten Werte selbst stehen nirgends: die Prüfung berechnet sie neu aus den\n"
        "Auszügen, die run.json mit SHA-256 nennt (oder --extract), mit den Regeln aus run.json.\n"
        "Die Meldungen nennen nie einen gesperrten Wert.\n"
        "\n"
        "  --extract DATEI   Auszug, aus dem VERZEICHNIS entstand (mehrfach möglich;\n"
        "                    Standard: die Eingaben aus run.json); die Prüfsumme muss passen\n"
        "  --protection P    Schutzbereich als Anteil des Werts (Standard: aus run.json,\n"
        "                    sonst 0.5 = ±50 %, mindestens ±--min-count Personen bzw. ein Fall)\n"
        "  --regions DATEI   Gemeindeverzeichnis (Standard: aus run.json, sonst mitgeliefert)\n"
        "  --lang de|en      Sprache der Meldungen (Standard de)\n"
        "  -h, --help        diese Hilfe\n"
        "\n"
        "Exit-Codes: 0 keine Befunde, 2 falscher Aufruf, 3 ungültige Eingabedaten (z. B. Auszug\n"
        "passt nicht zu run.json), 4 Ein-/Ausgabefehler, 5 Befunde (Liste auf der Standardausgabe).\n",
        "Usage: mzatlas audit [OPTIONS] DIR\n"
        "\n"
        "Checks the outputs of a run (mzatlas run/demo/batch) for confidentiality:\n"
        "  - indicators.csv: withheld rows (/ and .) show no values, secret cells are marked .,\n"
        "    no gap is published beside a withheld rate;\n"
        "  - for every secret value (fewer than --min-cases cases) the room the published values\n"
        "    and their relations (all = with + without MH, regions → stratum → Land, measures\n"
        "    among each other) leave, computed with GLPK: it must not shrink to one value and\n"
        "    must cover ±the protection range;\n"
        "  - every CSV, SVG, JSON and text file and the sheets of mzatlas.xlsx: no withheld\n"
        "    value may appear in them (PNG and PDF are not searched).\n"
        "The withheld values themselves are stored nowhere: the audit computes them again from\n"
        "the extracts run.json names with their SHA-256 (or --extract), with the rules of\n"
        "run.json. Messages never show a withheld value.\n"
        "\n"
        "  --extract FILE    extract DIR was made from (may be repeated; default: the inputs\n"
        "                    recorded in run.json); its checksum must match\n"
        "  --protection P    protection range as a fraction of the value (default: from\n"
        "                    run.json, else 0.5 = ±50 %, at least ±--min-count persons or one\n"
        "                    case)\n"
        "  --regions FILE    gazetteer (default: from run.json, else the bundled one)\n"
        "  --lang de|en      language of the messages (default de)\n"
        "  -h, --help        this help\n"
        "\n"
        "Exit codes: 0 no findings, 2 usage error, 3 invalid input data (e.g. an extract does\n"
        "not match run.json), 4 I/O error, 5 findings (listed on standard output).\n"));
}

static bool file_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The option value after token `name` in a recorded command line ("--x V" or "--x=V"). */
static bool command_option(const char *cmd, const char *name, char *out, size_t size)
{
    size_t nl = strlen(name);
    for (const char *p = strstr(cmd, name); p; p = strstr(p + 1, name)) {
        if (p != cmd && p[-1] != ' ')
            continue;
        const char *v = NULL;
        if (p[nl] == '=')
            v = p + nl + 1;
        else if (p[nl] == ' ')
            v = p + nl + 1;
        else if (p[nl] == '\0' && out == NULL)
            return true;
        if (!v)
            continue;
        if (!out)
            return true;
        size_t n = strcspn(v, " ");
        if (n >= size)
            n = size - 1;
        memcpy(out, v, n);
        out[n] = '\0';
        return true;
    }
    return false;
}

static double json_num(json_t *o, const char *key, double dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : dflt;
}

static const char *json_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The options of the run from run.json (what it does not record keeps its default). */
static int options_from_json(json_t *root, mz_run_options_t *o, double *protection,
                             bool *protection_known)
{
    json_t *opts = json_object_get(root, "options");
    json_t *rules = json_object_get(root, "rules");
    json_t *var = json_object_get(root, "variance");
    json_t *year = json_object_get(root, "year");
    if (json_is_integer(year))
        o->year = (int)json_integer_value(year);
    if (json_is_object(opts)) {
        const char *ages = json_str(opts, "ages");
        if (ages && !mz_age_band_parse(ages, &o->band))
            return 3;
        json_t *merge = json_object_get(opts, "merge");
        if (json_is_boolean(merge))
            o->merge = json_is_true(merge);
        json_t *common = json_object_get(opts, "common_partition");
        if (json_is_boolean(common))
            o->common_partition = json_is_true(common);
    }
    if (json_is_object(rules)) {
        o->rules.min_count = json_num(rules, "min_count", o->rules.min_count);
        o->rules.limited_below = json_num(rules, "limited_below", o->rules.limited_below);
        o->rules.gap_flag = json_num(rules, "gap_flag", o->rules.gap_flag);
        o->rules.min_cases = (int64_t)json_num(rules, "min_cases", (double)o->rules.min_cases);
        const char *rr = json_str(rules, "rate_rule");
        if (rr)
            o->rules.rate_rule = strcmp(rr, "base") == 0 ? MZ_RATE_BASE : MZ_RATE_BOTH;
        json_t *p = json_object_get(rules, "protection");
        if (json_is_number(p)) {
            *protection = json_number_value(p);
            *protection_known = true;
        }
    }
    if (json_is_object(var)) {
        o->variance.ci_level = json_num(var, "ci_level", o->variance.ci_level);
        o->variance.deff = json_num(var, "deff", o->variance.deff);
        const char *m = json_str(var, "ci_method");
        if (m && mz_ci_method_parse(m) >= 0)
            o->variance.ci_method = (mz_ci_method_t)mz_ci_method_parse(m);
        const char *l = json_str(var, "lonely_psu");
        if (l && mz_lonely_psu_parse(l) >= 0)
            o->variance.lonely_psu = (mz_lonely_psu_t)mz_lonely_psu_parse(l);
    }
    /* options run.json has no field for: from the recorded command line */
    const char *cmd = json_str(root, "command");
    if (cmd) {
        char v[256];
        if (!*protection_known && command_option(cmd, "--protection", v, sizeof v)) {
            char *end;
            double p = strtod(v, &end);
            if (end != v && !*end && p >= 0) {
                *protection = p;
                *protection_known = true;
            }
        }
        if (command_option(cmd, "--common-partition", NULL, 0))
            o->common_partition = o->merge;
    }
    return 0;
}

typedef struct recorded_input {
    const char *path;
    const char *sha256;
} recorded_input_t;

static void print_report(const char *dir, const mz_audit_t *a, double protection, bool relaxed)
{
    const mz_audit_stats_t *s = mz_audit_stats(a);
    printf(mz_tr("Geheimhaltungsprüfung von %s\n", "Confidentiality audit of %s\n"), dir);
    printf(mz_tr("  indicators.csv: %zu Zeilen, %zu mit . (geheim), davon %zu nach der "
                 "Fallzahlregel\n",
                 "  indicators.csv: %zu rows, %zu marked . (secret), %zu of them by the case "
                 "rule\n"),
           s->rows, s->secret_rows, s->primary_rows);
    printf(mz_tr("  Spielräume: %zu geheime Werte mit GLPK geprüft, Schutzbereich ±%g %% "
                 "(%s)\n",
                 "  intervals: %zu secret values checked with GLPK, protection range ±%g %% "
                 "(%s)\n"),
           s->targets, 100.0 * protection,
           relaxed ? mz_tr("unabhängige Merkmale", "independent measures")
                   : mz_tr("Personenmodell", "person model"));
    printf(mz_tr("  Dateien: %zu durchsucht nach %zu gesperrten Werten, %zu nicht durchsucht "
                 "(PNG, PDF, …)\n",
                 "  files: %zu searched for %zu withheld values, %zu not searched (PNG, PDF, "
                 "…)\n"),
           s->files, s->withheld_values, s->skipped);
    size_t n = mz_audit_count(a);
    if (n == 0) {
        printf("%s\n", mz_tr("Ergebnis: keine Befunde.", "Result: no findings."));
        return;
    }
    printf(mz_tr("Ergebnis: %zu Befunde\n", "Result: %zu findings\n"), n);
    for (size_t i = 0; i < n; i++) {
        const mz_audit_finding_t *f = mz_audit_finding(a, i);
        printf("  [%s] %s", mz_audit_kind_id(f->kind), f->file);
        if (f->where[0])
            printf(", %s", f->where);
        if (f->cell[0])
            printf(": %s", f->cell);
        printf(": %s\n", f->message);
    }
}

int cmd_audit(int argc, char **argv)
{
    enum { OPT_EXTRACT = 256, OPT_PROTECTION, OPT_REGIONS, OPT_LANG };
    static const struct option longopts[] = {
        {"extract", required_argument, NULL, OPT_EXTRACT},
        {"protection", required_argument, NULL, OPT_PROTECTION},
        {"regions", required_argument, NULL, OPT_REGIONS},
        {"lang", required_argument, NULL, OPT_LANG},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char **extracts = calloc((size_t)argc + 1, sizeof *extracts);
    size_t nextracts = 0;
    const char *regions = NULL;
    double protection = MZ_PROTECTION_DEFAULT;
    bool protection_given = false, help = false;
    int code = 0, ch;
    json_t *root = NULL;
    mz_run_t *run = NULL;
    mz_audit_t *audit = NULL;
    recorded_input_t *rec = NULL;
    size_t nrec = 0;
    mz_error_t err;
    mz_error_clear(&err);
    if (!extracts) {
        fprintf(stderr, "mzatlas: %s\n", mz_strerror(MZ_ERR_NOMEM));
        return 4;
    }
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (ch) {
        case OPT_EXTRACT: extracts[nextracts++] = optarg; break;
        case OPT_REGIONS: regions = optarg; break;
        case OPT_PROTECTION: {
            char *end;
            protection = strtod(optarg, &end);
            if (end == optarg || *end || !isfinite(protection) || protection < 0 ||
                protection > 100) {
                code = cli_usage_error("audit", "--protection: %s '%s'",
                                       mz_tr("Anteil >= 0 erwartet (z. B. 0.5 für ±50 %), nicht",
                                             "expected a fraction >= 0 (e.g. 0.5 for ±50 %), not"),
                                       optarg);
                goto done;
            }
            protection_given = true;
            break;
        }
        case OPT_LANG:
            if (mz_lang_parse(optarg) < 0) {
                code = cli_usage_error("audit", "--lang: %s '%s'",
                                       mz_tr("erwartet de oder en, nicht",
                                             "expected de or en, not"),
                                       optarg);
                goto done;
            }
            mz_set_lang((mz_lang_t)mz_lang_parse(optarg));
            break;
        case 'h': help = true; break;
        default:
            code = cli_usage_error("audit", mz_tr("unbekannte oder unvollständige Option '%s'",
                                                  "unknown or incomplete option '%s'"),
                                   argv[optind - 1]);
            goto done;
        }
    }
    if (help) {
        help_audit();
        goto done;
    }
    if (argc - optind != 1) {
        code = cli_usage_error("audit", "%s",
                               argc - optind == 0
                                   ? mz_tr("VERZEICHNIS fehlt", "DIR missing")
                                   : mz_tr("genau ein VERZEICHNIS erwartet",
                                           "exactly one DIR expected"));
        goto done;
    }
    const char *dir = argv[optind];
    char path[4096];
    snprintf(path, sizeof path, "%s/run.json", dir);
    json_error_t jerr;
    root = json_load_file(path, 0, &jerr);
    if (!root) {
        mz_error_set(&err, file_exists(path) ? MZ_ERR_DATA : MZ_ERR_IO, path,
                     jerr.line > 0 ? jerr.line : 0, NULL, NULL, "%s",
                     file_exists(path) ? jerr.text
                                       : mz_tr("fehlt: ohne run.json sind Regeln und Auszüge "
                                               "des Laufs unbekannt",
                                               "missing: without run.json the rules and extracts "
                                               "of the run are unknown"));
        code = cli_fail(&err);
        goto done;
    }
    mz_run_options_t opt;
    mz_run_options_init(&opt);
    bool protection_known = false;
    double recorded_protection = MZ_PROTECTION_DEFAULT;
    if (options_from_json(root, &opt, &recorded_protection, &protection_known) != 0) {
        mz_error_set(&err, MZ_ERR_DATA, path, 0, "options", NULL, "%s",
                     mz_tr("Optionen nicht lesbar", "options not readable"));
        code = cli_fail(&err);
        goto done;
    }
    if (!protection_given && protection_known)
        protection = recorded_protection;
    opt.protection = protection;
    const char *profile = json_str(root, "profile");
    if (profile)
        opt.profile = profile;
    json_t *opts = json_object_get(root, "options");
    const char *recorded_regions = json_is_object(opts) ? json_str(opts, "regions") : NULL;
    if (regions)
        opt.regions_path = regions;
    else if (recorded_regions && file_exists(recorded_regions))
        opt.regions_path = recorded_regions;
    opt.command_line = "mzatlas audit";

    /* the extracts: given, or recorded */
    json_t *inputs = json_object_get(root, "inputs");
    nrec = json_is_array(inputs) ? json_array_size(inputs) : 0;
    rec = calloc(nrec ? nrec : 1, sizeof *rec);
    if (!rec) {
        fprintf(stderr, "mzatlas: %s\n", mz_strerror(MZ_ERR_NOMEM));
        code = 4;
        goto done;
    }
    for (size_t i = 0; i < nrec; i++) {
        json_t *in = json_array_get(inputs, i);
        rec[i].path = json_str(in, "path");
        rec[i].sha256 = json_str(in, "sha256");
    }
    if (nextracts == 0) {
        for (size_t i = 0; i < nrec; i++)
            if (rec[i].path)
                extracts[nextracts++] = rec[i].path;
        if (nextracts == 0) {
            code = cli_usage_error("audit", "%s",
                                   mz_tr("run.json nennt keine Auszüge: --extract DATEI angeben",
                                         "run.json names no extracts: give --extract FILE"));
            goto done;
        }
    }
    run = mz_run_create(&opt, &err);
    if (!run) {
        code = cli_fail(&err);
        goto done;
    }
    for (size_t i = 0; i < nextracts; i++) {
        if (mz_run_add_extract(run, extracts[i], &err) != MZ_OK) {
            if (err.status == MZ_ERR_IO && i < nrec && !file_exists(extracts[i]))
                snprintf(err.message, sizeof err.message, "%s",
                         mz_tr("Auszug nicht gefunden (mit --extract DATEI angeben)",
                               "extract not found (give it with --extract FILE)"));
            code = cli_fail(&err);
            goto done;
        }
    }
    /* the extracts must be those the outputs were made from */
    for (size_t i = 0; i < mz_run_input_count(run) && nrec > 0; i++) {
        const mz_input_info_t *in = mz_run_input(run, i);
        bool found = false;
        for (size_t k = 0; k < nrec && !found; k++)
            found = rec[k].sha256 && strcmp(rec[k].sha256, in->sha256) == 0;
        if (!found || mz_run_input_count(run) != nrec) {
            mz_error_set(&err, MZ_ERR_DATA, in->path, 0, NULL, NULL, "%s",
                         mz_tr("passt nicht zu den Eingaben in run.json (SHA-256 oder Anzahl "
                               "verschieden): die Ausgaben entstanden aus anderen Auszügen",
                               "does not match the inputs in run.json (SHA-256 or count "
                               "differ): the outputs were made from other extracts"));
            code = cli_fail(&err);
            goto done;
        }
    }
    if (mz_run_compute(run, &err) != MZ_OK) {
        code = cli_fail(&err);
        goto done;
    }
    mz_audit_options_t ao;
    mz_audit_options_init(&ao);
    ao.protection = protection;
    audit = mz_audit_dir(mz_run_results(run), dir, &ao, &err);
    if (!audit) {
        code = cli_fail(&err);
        goto done;
    }
    print_report(dir, audit, protection, mz_audit_stats(audit)->relaxed);
    code = mz_audit_count(audit) ? AUDIT_EXIT_FINDINGS : 0;
done:
    mz_audit_destroy(audit);
    mz_run_destroy(run);
    json_decref(root);
    free(rec);
    free(extracts);
    return code;
}
