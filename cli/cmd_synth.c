/* cmd_synth.c — `mzatlas synth`: write the synthetic calibrated sample. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mzatlas/mz_synth.h"

static void help_synth(void)
{
    printf(mz_tr(
               "Aufruf: mzatlas synth [--year J] [--seed S] [--persons N] [--out DATEI]\n"
               "\n"
               "Schreibt eine SYNTHETISCHE Mikrozensus-Stichprobe für Niedersachsen im kanonischen\n"
               "CSV-Format (Spalte synthetic = 1): etwa 1 %% der Bevölkerung in Auswahlbezirken von\n"
               "10–20 Personen, Kreisbevölkerung und Anteile mit Migrationshintergrund aus den\n"
               "LSN-Zählungen in data/real, hochgerechnet auf die Summen 2007 (7.977.850 Personen,\n"
               "1.258.762 mit Migrationshintergrund), Arbeitsmarktzahlen so kalibriert, dass die\n"
               "Befunde des Berichts 2010 herauskommen (docs/reproducing-the-2010-report.md).\n"
               "Gleiche Optionen ergeben dieselbe Datei. Keine echten Daten.\n"
               "\n"
               "  --year J        Erhebungsjahr (Standard 2007; kalibriert ist nur 2007)\n"
               "  --seed S        Startwert des Zufallsgenerators (Standard %u)\n"
               "  --persons N     Stichprobenumfang (Standard: 1 %% der Bevölkerung, 79.779)\n"
               "  --out DATEI     Ausgabedatei (Standard synthetic-J.csv; - für die\n"
               "                  Standardausgabe); wird erst am Ende an ihren Platz gebracht\n"
               "  --regions DATEI Gemeindeverzeichnis (Standard: data/regions/gazetteer-ni.csv)\n"
               "  --quiet         keine Zusammenfassung ausgeben\n"
               "  --lang de|en    Sprache der Meldungen\n"
               "  -h, --help      diese Hilfe\n"
               "\n"
               "Exit-Codes: 0 Erfolg, 2 falscher Aufruf, 3 ungültige Daten, 4 Ein-/Ausgabefehler.\n",
               "Usage: mzatlas synth [--year Y] [--seed S] [--persons N] [--out FILE]\n"
               "\n"
               "Writes a SYNTHETIC Mikrozensus sample for Niedersachsen in the canonical CSV format\n"
               "(column synthetic = 1): about 1 %% of the population in sampling units of 10-20\n"
               "persons, Kreis populations and migration-background shares from the LSN counts in\n"
               "data/real scaled to the 2007 totals (7,977,850 persons, 1,258,762 with migration\n"
               "background), labour-market figures calibrated so that the findings of the 2010\n"
               "report come out (docs/reproducing-the-2010-report.md). The same options give the\n"
               "same file. No real data.\n"
               "\n"
               "  --year Y        survey year (default 2007; only 2007 is calibrated)\n"
               "  --seed S        random seed (default %u)\n"
               "  --persons N     sample size (default: 1 %% of the population, 79,779)\n"
               "  --out FILE      output file (default synthetic-Y.csv; - for standard output);\n"
               "                  moved into place only when complete\n"
               "  --regions FILE  gazetteer (default: data/regions/gazetteer-ni.csv)\n"
               "  --quiet         print no summary\n"
               "  --lang de|en    language of messages\n"
               "  -h, --help      this help\n"
               "\n"
               "Exit codes: 0 success, 2 usage error, 3 invalid data, 4 I/O error.\n"),
           MZ_SYNTH_SEED_DEFAULT);
}

int cmd_synth(int argc, char **argv)
{
    enum { OPT_YEAR = 256, OPT_SEED, OPT_PERSONS, OPT_OUT, OPT_REGIONS, OPT_LANG, OPT_QUIET };
    static const struct option longopts[] = {{"year", required_argument, NULL, OPT_YEAR},
                                              {"seed", required_argument, NULL, OPT_SEED},
                                              {"persons", required_argument, NULL, OPT_PERSONS},
                                              {"out", required_argument, NULL, OPT_OUT},
                                              {"regions", required_argument, NULL, OPT_REGIONS},
                                              {"lang", required_argument, NULL, OPT_LANG},
                                              {"quiet", no_argument, NULL, OPT_QUIET},
                                              {"help", no_argument, NULL, 'h'},
                                              {NULL, 0, NULL, 0}};
    mz_synth_options_t opt;
    mz_synth_options_init(&opt);
    const char *out = NULL;
    bool quiet = false;
    unsigned long long v;
    int ch;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (ch) {
        case OPT_YEAR:
            if (!cli_parse_count(optarg, 2100, &v) || v < MZ_SYNTH_YEAR_MIN)
                return cli_usage_error("synth",
                                       mz_tr("--year: Jahr von %d bis 2100 erwartet, nicht '%s'",
                                             "--year: expected a year from %d to 2100, not '%s'"),
                                       MZ_SYNTH_YEAR_MIN, optarg);
            opt.year = (int)v;
            break;
        case OPT_SEED:
            if (!cli_parse_count(optarg, 4294967295ull, &v))
                return cli_usage_error("synth",
                                       mz_tr("--seed: ganze Zahl von 0 bis 4294967295 erwartet, "
                                             "nicht '%s'",
                                             "--seed: expected a whole number from 0 to "
                                             "4294967295, not '%s'"),
                                       optarg);
            opt.seed = (uint32_t)v;
            break;
        case OPT_PERSONS:
            if (!cli_parse_count(optarg, MZ_SYNTH_PERSONS_MAX, &v) || (long)v < MZ_SYNTH_PERSONS_MIN)
                return cli_usage_error("synth",
                                       mz_tr("--persons: %ld bis %ld Personen erwartet, nicht '%s'",
                                             "--persons: expected %ld to %ld persons, not '%s'"),
                                       MZ_SYNTH_PERSONS_MIN, MZ_SYNTH_PERSONS_MAX, optarg);
            opt.persons = (long)v;
            break;
        case OPT_OUT: out = optarg; break;
        case OPT_REGIONS: opt.regions_path = optarg; break;
        case OPT_LANG:
            if (mz_lang_parse(optarg) < 0)
                return cli_usage_error("synth", "--lang: %s '%s'",
                                       mz_tr("erwartet de oder en, nicht", "expected de or en, not"),
                                       optarg);
            mz_set_lang((mz_lang_t)mz_lang_parse(optarg));
            break;
        case OPT_QUIET: quiet = true; break;
        case 'h': help_synth(); return 0;
        default:
            return cli_usage_error("synth",
                                   mz_tr("unbekannte oder unvollständige Option '%s'",
                                         "unknown or incomplete option '%s'"),
                                   argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("synth", mz_tr("unerwartetes Argument '%s'",
                                              "unexpected argument '%s'"),
                               argv[optind]);
    char defname[64];
    if (!out) {
        snprintf(defname, sizeof defname, "synthetic-%d.csv", opt.year);
        out = defname;
    }
    mz_error_t err;
    mz_error_clear(&err);
    mz_synth_summary_t sum;
    mz_status_t st = strcmp(out, "-") == 0
                         ? mz_synth_write_stream(&opt, stdout, "-", &sum, &err)
                         : mz_synth_write(&opt, out, &sum, &err);
    if (st != MZ_OK)
        return cli_fail(&err);
    if (!quiet) {
        fprintf(stderr,
                mz_tr("mzatlas synth: %ld Personen in %ld Auswahlbezirken, %ld Kreise, Jahr %d, "
                      "Startwert %u — SYNTHETISCHE DATEN\n"
                      "               hochgerechnet %.0f Personen, davon %.0f mit "
                      "Migrationshintergrund; geschrieben: %s\n",
                      "mzatlas synth: %ld persons in %ld sampling units, %ld Kreise, year %d, "
                      "seed %u — SYNTHETIC DATA\n"
                      "               weighted %.0f persons, %.0f with migration background; "
                      "written: %s\n"),
                sum.persons, sum.psus, sum.units, sum.year, (unsigned)opt.seed, sum.population,
                sum.with_mh, out);
    }
    return 0;
}
