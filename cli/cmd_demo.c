/* cmd_demo.c — `mzatlas demo`: the synthetic 2007 sample through the whole pipeline, and how
 * each finding of the 2010 report is reproduced. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "mzatlas/mz_reproduce.h"
#include "mzatlas/mz_synth.h"

static void help_demo(void)
{
    printf(mz_tr(
               "Aufruf: mzatlas demo [--out VERZEICHNIS] [--seed S] [--persons N] [--sample DATEI]\n"
               "\n"
               "Erzeugt die SYNTHETISCHE kalibrierte Stichprobe 2007 (wie mzatlas synth), wertet sie\n"
               "mit den Regeln des Berichts 2010 aus (Quotenregel base: die Mindestzahl 5.000 gilt\n"
               "für den Nenner; Alter 18–64; Kreise zu Planungsregionen zusammengefasst), schreibt\n"
               "alle Ausgaben nach VERZEICHNIS und dazu\n"
               "  reproduction.csv      je Befund des Berichts: Aussage, erwartet, erhalten, ok\n"
               "  synthetic-2007.csv    die ausgewertete Stichprobe\n"
               "und zeigt, wie jeder Befund nachgebildet wird. Keine echten Daten.\n"
               "\n"
               "  --out VERZ      Ausgabeverzeichnis (Standard %s)\n"
               "  --seed S        Startwert der Stichprobe (Standard %u)\n"
               "  --persons N     Stichprobenumfang (Standard 1 %% der Bevölkerung)\n"
               "  --sample DATEI  diese Stichprobe auswerten statt eine zu erzeugen\n"
               "                  (z. B. data/examples/synthetic-2007.csv)\n"
               "  --outputs LISTE welche Ausgaben: csv, xlsx, maps (Standard: alle)\n"
               "  --quiet         nur die Zusammenfassung ausgeben\n"
               "  --lang de|en    Sprache der Meldungen und Ausgaben\n"
               "  -h, --help      diese Hilfe\n"
               "\n"
               "Exit-Codes: 0 alle Befunde nachgebildet, 1 ein Befund nicht nachgebildet,\n"
               "2 falscher Aufruf, 3 ungültige Daten, 4 Ein-/Ausgabefehler.\n",
               "Usage: mzatlas demo [--out DIR] [--seed S] [--persons N] [--sample FILE]\n"
               "\n"
               "Generates the SYNTHETIC calibrated 2007 sample (as mzatlas synth), evaluates it with\n"
               "the rules of the 2010 report (rate rule base: the minimum count of 5,000 applies to\n"
               "the denominator; ages 18-64; Kreise merged into planning regions), writes every\n"
               "output into DIR and also\n"
               "  reproduction.csv      per finding of the report: statement, expected, obtained, ok\n"
               "  synthetic-2007.csv    the evaluated sample\n"
               "and shows how each finding is reproduced. No real data.\n"
               "\n"
               "  --out DIR       output directory (default %s)\n"
               "  --seed S        seed of the sample (default %u)\n"
               "  --persons N     sample size (default 1 %% of the population)\n"
               "  --sample FILE   evaluate this sample instead of generating one\n"
               "                  (e.g. data/examples/synthetic-2007.csv)\n"
               "  --outputs LIST  which outputs: csv, xlsx, maps (default: all)\n"
               "  --quiet         print the summary only\n"
               "  --lang de|en    language of messages and outputs\n"
               "  -h, --help      this help\n"
               "\n"
               "Exit codes: 0 every finding reproduced, 1 a finding not reproduced, 2 usage error,\n"
               "3 invalid data, 4 I/O error.\n"),
           MZ_DEMO_OUT_DEFAULT, MZ_SYNTH_SEED_DEFAULT);
}

/* Display width of UTF-8 text: code points (the texts hold no wide characters). */
static size_t width(const char *s, size_t len)
{
    size_t w = 0;
    for (size_t i = 0; i < len; i++)
        w += ((unsigned char)s[i] & 0xc0) != 0x80;
    return w;
}

/* Print text wrapped at `cols` columns; the first line continues the current one at column
 * `col`, further lines start with `indent` blanks. A lone "%" stays with its number. */
static void wrap(const char *text, size_t col, size_t indent, size_t cols)
{
    const char *p = text;
    bool first = true;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        size_t wl = strcspn(p, " ");
        size_t ww = width(p, wl);
        bool glue = wl == 1 && *p == '%';
        if (!first && !glue && col + 1 + ww > cols) {
            printf("\n%*s", (int)indent, "");
            col = indent;
        } else if (!first) {
            putchar(' ');
            col++;
        }
        fwrite(p, 1, wl, stdout);
        col += ww;
        p += wl;
        first = false;
    }
    putchar('\n');
}

/* Whole number with thousands separators (German '.', English ','). */
static const char *fmt_count(unsigned long long v, char *buf, size_t size)
{
    char raw[32];
    int n = snprintf(raw, sizeof raw, "%llu", v);
    const char sep = mz_get_lang() == MZ_LANG_DE ? '.' : ',';
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = sep;
        buf[o++] = raw[i];
    }
    buf[o] = '\0';
    return buf;
}

int cmd_demo(int argc, char **argv)
{
    enum { OPT_OUT = 256, OPT_SEED, OPT_PERSONS, OPT_SAMPLE, OPT_OUTPUTS, OPT_LANG, OPT_QUIET };
    static const struct option longopts[] = {{"out", required_argument, NULL, OPT_OUT},
                                              {"seed", required_argument, NULL, OPT_SEED},
                                              {"persons", required_argument, NULL, OPT_PERSONS},
                                              {"sample", required_argument, NULL, OPT_SAMPLE},
                                              {"outputs", required_argument, NULL, OPT_OUTPUTS},
                                              {"lang", required_argument, NULL, OPT_LANG},
                                              {"quiet", no_argument, NULL, OPT_QUIET},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    mz_demo_options_t opt;
    mz_demo_options_init(&opt);
    char command_line[4096];
    cli_record_command("demo", argc, argv, command_line, sizeof command_line);
    opt.command_line = command_line;
    bool quiet = false;
    unsigned long long v;
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (ch) {
        case OPT_OUT: opt.out = optarg; break;
        case OPT_SEED:
            if (!cli_parse_count(optarg, 4294967295ull, &v))
                return cli_usage_error("demo",
                                       mz_tr("--seed: ganze Zahl von 0 bis 4294967295 erwartet, "
                                             "nicht '%s'",
                                             "--seed: expected a whole number from 0 to "
                                             "4294967295, not '%s'"),
                                       optarg);
            opt.seed = (uint32_t)v;
            break;
        case OPT_PERSONS:
            if (!cli_parse_count(optarg, MZ_SYNTH_PERSONS_MAX, &v) || (long)v < MZ_SYNTH_PERSONS_MIN)
                return cli_usage_error("demo",
                                       mz_tr("--persons: %ld bis %ld Personen erwartet, nicht '%s'",
                                             "--persons: expected %ld to %ld persons, not '%s'"),
                                       MZ_SYNTH_PERSONS_MIN, MZ_SYNTH_PERSONS_MAX, optarg);
            opt.persons = (long)v;
            break;
        case OPT_SAMPLE: opt.sample = optarg; break;
        case OPT_OUTPUTS: {
            char buf[256];
            snprintf(buf, sizeof buf, "%s", optarg);
            opt.outputs = 0;
            for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
                 tok = strtok_r(NULL, ",", &save)) {
                if (strcmp(tok, "csv") == 0)
                    opt.outputs |= MZ_OUT_CSV;
                else if (strcmp(tok, "xlsx") == 0)
                    opt.outputs |= MZ_OUT_XLSX;
                else if (strcmp(tok, "maps") == 0)
                    opt.outputs |= MZ_OUT_MAPS;
                else if (strcmp(tok, "all") == 0)
                    opt.outputs |= MZ_OUT_CSV | MZ_OUT_XLSX | MZ_OUT_MAPS;
                else
                    return cli_usage_error("demo",
                                           mz_tr("--outputs: unbekannte Ausgabe '%s' (verfügbar: "
                                                 "csv, xlsx, maps, all)",
                                                 "--outputs: unknown output '%s' (available: csv, "
                                                 "xlsx, maps, all)"),
                                           tok);
            }
            if (!opt.outputs)
                return cli_usage_error("demo", "%s",
                                       mz_tr("--outputs: leere Liste", "--outputs: empty list"));
            break;
        }
        case OPT_LANG:
            if (mz_lang_parse(optarg) < 0)
                return cli_usage_error("demo", "--lang: %s '%s'",
                                       mz_tr("erwartet de oder en, nicht", "expected de or en, not"),
                                       optarg);
            mz_set_lang((mz_lang_t)mz_lang_parse(optarg));
            break;
        case OPT_QUIET: quiet = true; break;
        case 'h': help_demo(); return 0;
        default:
            return cli_usage_error("demo",
                                   mz_tr("unbekannte oder unvollständige Option '%s'",
                                         "unknown or incomplete option '%s'"),
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("demo", mz_tr("unerwartetes Argument '%s'",
                                             "unexpected argument '%s'"),
                               argv[optind]);
    const char *out = opt.out ? opt.out : MZ_DEMO_OUT_DEFAULT;

    mz_error_t err;
    mz_error_clear(&err);
    mz_demo_result_t res;
    if (mz_demo_run(&opt, &res, &err) != MZ_OK)
        return cli_fail(&err);
    const mz_reproduction_t *r = res.reproduction;
    size_t n = mz_reproduction_count(r), ok = mz_reproduction_ok_count(r);

    if (!quiet) {
        printf("%s\n", mz_tr("mzatlas demo: Befunde des Berichts 2010 (ies, Kapitel 2 „Regionale "
                             "Unterschiede“), nachgebildet mit der Pipeline",
                             "mzatlas demo: findings of the 2010 report (ies, chapter 2 "
                             "\"Regional differences\"), reproduced by the pipeline"));
        char recs[32];
        printf(mz_tr("Stichprobe: %s — %s Datensätze, Jahr %d, %s\n",
                     "Sample: %s — %s records, year %d, %s\n"),
               res.sample, fmt_count(res.records, recs, sizeof recs), res.year,
               res.synthetic ? mz_tr("SYNTHETISCH (keine echten Mikrozensusdaten)",
                                     "SYNTHETIC (not real Mikrozensus data)")
                             : mz_tr("nicht als synthetisch gekennzeichnet",
                                     "not marked synthetic"));
        printf("%s\n\n", mz_tr("Regeln wie im Bericht: Quotenregel base (Mindestzahl 5.000 für den "
                               "Nenner), Alter 18–64, Kreise zu Planungsregionen zusammengefasst",
                               "Rules as in the report: rate rule base (minimum count 5,000 for "
                               "the denominator), ages 18-64, Kreise merged into planning "
                               "regions"));
        const char *lbl_exp = mz_tr("erwartet:", "expected:");
        const char *lbl_obt = mz_tr("erhalten:", "obtained:");
        for (size_t i = 0; i < n; i++) {
            const mz_finding_t *f = mz_reproduction_get(r, i);
            char head[64];
            int hl = snprintf(head, sizeof head, "%-5s %-6s %s %-5d ",
                              f->ok ? "ok" : mz_tr("FEHLT", "FAIL"), f->id,
                              mz_tr("Z.", "line"), f->line);
            size_t hw = width(head, (size_t)hl);
            fputs(head, stdout);
            wrap(f->statement, hw, hw, 100);
            printf("%*s%-10s", (int)hw, "", lbl_exp);
            wrap(f->expected, hw + 10, hw + 10, 100);
            printf("%*s%-10s", (int)hw, "", lbl_obt);
            wrap(f->obtained, hw + 10, hw + 10, 100);
        }
        printf("\n");
    }
    printf(mz_tr("%zu von %zu Befunden nachgebildet; %zu Regionen mit Handlungsbedarf.\n",
                 "%zu of %zu findings reproduced; %zu regions need action.\n"),
           ok, n, res.flagged);
    /* the outputs that are there */
    static const char *const names[] = {"indicators.csv", "action.csv",       "regions.csv",
                                        "mzatlas.xlsx",   "maps",             "run.json",
                                        "reproduction.csv", "synthetic-2007.csv"};
    printf(mz_tr("Ergebnisse in %s:", "Results in %s:"), out);
    for (size_t i = 0, k = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", out, names[i]);
        if (stat(path, &st) == 0)
            printf("%s %s%s", k++ ? "," : "", names[i], S_ISDIR(st.st_mode) ? "/" : "");
    }
    printf("\n");
    int code = ok == n ? 0 : 1;
    mz_demo_result_finish(&res);
    return code;
}
