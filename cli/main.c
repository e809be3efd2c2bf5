/* main.c — the mzatlas command: subcommand dispatch and top-level help. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "mz_version.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *de, *en;
} commands[] = {
    {"run", cmd_run, "Auszüge auswerten, alle Ausgaben schreiben",
     "evaluate extracts, write all outputs"},
    {"flag", cmd_flag, "Regionen mit Handlungsbedarf anzeigen, nichts schreiben",
     "print the regions that need action, write nothing"},
    {"batch", cmd_batch, "mehrere Erhebungsjahre auswerten, Zeitreihe schreiben",
     "evaluate several survey years, write the trend"},
    {"regions", cmd_regions, "Kreise und Anpassungsschichten eines Jahres auflisten",
     "list the units and strata of a year"},
    {"demo", cmd_demo, "synthetische Stichprobe 2007 auswerten, Befunde des Berichts 2010 prüfen",
     "evaluate the synthetic 2007 sample, check the findings of the 2010 report"},
    {"synth", cmd_synth, "synthetische kalibrierte Stichprobe schreiben",
     "write a synthetic calibrated sample"},
    {"audit", cmd_audit, "veröffentlichte Ausgaben auf Geheimhaltung prüfen",
     "check published outputs for confidentiality"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
    fprintf(f, "mzatlas %s — %s\n\n", MZ_VERSION,
            mz_tr("Mikrozensus-Regionalstatistik für Menschen mit und ohne Migrationshintergrund",
                  "Mikrozensus regional statistics for people with and without migration "
                  "background"));
    fprintf(f, "%s\n\n", mz_tr("Aufruf: mzatlas <Befehl> [OPTIONEN] [DATEIEN]",
                               "Usage: mzatlas <command> [OPTIONS] [FILES]"));
    fprintf(f, "%s\n", mz_tr("Befehle:", "Commands:"));
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, mz_tr(commands[i].de, commands[i].en));
    fprintf(f, "\n%s\n",
            mz_tr("Hilfe zu einem Befehl: mzatlas <Befehl> --help. Sprache: --lang de|en.\n"
                  "Umgebung: MZATLAS_THREADS=N begrenzt die Threads (Ergebnisse gleich),\n"
                  "MZATLAS_DATA=VERZ die mitgelieferten Daten (Gemeindeverzeichnis, Grenzen).\n"
                  "Exit-Codes: 0 Erfolg, 2 falscher Aufruf, 3 ungültige Eingabedaten,\n"
                  "4 Ein-/Ausgabefehler, 5 audit fand Probleme.\n"
                  "Anleitung: docs/user-guide.md",
                  "Help on a command: mzatlas <command> --help. Language: --lang de|en.\n"
                  "Environment: MZATLAS_THREADS=N limits the threads (same results),\n"
                  "MZATLAS_DATA=DIR the bundled data (gazetteer, boundaries).\n"
                  "Exit codes: 0 success, 2 usage error, 3 invalid input data,\n"
                  "4 input/output error, 5 audit found problems.\n"
                  "Guide: docs/user-guide.md"));
}

int main(int argc, char **argv)
{
    /* the language applies to everything, so look for it first */
    for (int i = 1; i < argc; i++) {
        const char *v = NULL;
        if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
            v = argv[i + 1];
        else if (strncmp(argv[i], "--lang=", 7) == 0)
            v = argv[i] + 7;
        if (v && mz_lang_parse(v) >= 0)
            mz_set_lang((mz_lang_t)mz_lang_parse(v));
    }
    /* "mzatlas --lang en run …" as well as "mzatlas run --lang en …" */
    int first = 1;
    while (first < argc) {
        const char *v = NULL;
        int n = 0;
        if (strcmp(argv[first], "--lang") == 0)
            v = first + 1 < argc ? argv[first + 1] : "", n = 2;
        else if (strncmp(argv[first], "--lang=", 7) == 0)
            v = argv[first] + 7, n = 1;
        else
            break;
        if (mz_lang_parse(v) < 0) {
            fprintf(stderr, mz_tr("mzatlas: --lang: erwartet de oder en, nicht '%s'\n",
                                  "mzatlas: --lang: expected de or en, not '%s'\n"),
                    v);
            return 2;
        }
        first += n;
    }
    if (first >= argc) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[first];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("mzatlas %s\n", MZ_VERSION);
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].fn(argc - first, argv + first);
    fprintf(stderr, mz_tr("mzatlas: unbekannter Befehl '%s'\n\n", "mzatlas: unknown command '%s'\n\n"),
            cmd);
    usage(stderr);
    return 2;
}
