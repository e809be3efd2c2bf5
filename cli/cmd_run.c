/* cmd_run.c — `mzatlas run` and `mzatlas flag`. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "mzatlas/mz_results.h"

static const char *common_help(void)
{
    return mz_tr(
        "Optionen:\n"
        "  --year J            Erhebungsjahr (Standard: das Jahr der Datensätze)\n"
        "  --regions DATEI     Gemeindeverzeichnis (Standard: data/regions/gazetteer-ni.csv)\n"
        "  --profile NAME|DATEI Variablenprofil für Dateien mit anderen Variablennamen, z. B.\n"
        "                      mz-ef-2008-2016 (data/profiles/, docs/profiles.md);\n"
        "                      ohne: kanonische Spaltennamen\n"
        "  --ages A-B|all      Altersgruppe für Erwerbstätigen- und Erwerbslosenquote\n"
        "                      (Standard 18-64 wie im Bericht 2010; z. B. 15-64, 20-64)\n"
        "  --min-count N       hochgerechnete Zahl unter N: nicht veröffentlicht, Symbol /\n"
        "                      (Standard 5000)\n"
        "  --limited-below N   unter N: Aussagewert eingeschränkt, Wert in ( ) (Standard 10000)\n"
        "  --rate-rule R       both: Quote erbt das schlechteste Symbol von Zähler und Nenner\n"
        "                      (Standard); base: Regel nur auf den Nenner (so im Bericht 2010)\n"
        "  --min-cases N       weniger als N ungewichtete Fälle: geheim, Symbol . (Standard 3)\n"
        "  --protection P      Schutzbereich geheimer Zellen als Anteil des Werts (Standard\n"
        "                      0.5 = ±50 %, mindestens ±--min-count); siehe mzatlas audit\n"
        "  --gap-flag P        Handlungsbedarf ab P Prozentpunkten Differenz der\n"
        "                      Erwerbslosenquoten, gerundet auf eine Stelle (Standard 10)\n"
        "  --no-merge          Kreise nicht zusammenfassen (jeder Kreis eine Region)\n"
        "  --common-partition  eine Regionsgliederung für alle Indikatoren statt je Indikator\n"
        "  --ci-level P        Konfidenzniveau in Prozent (Standard 95)\n"
        "  --ci-method M       normal (Standard), logit oder beta (Korn-Graubard) für\n"
        "                      Quoten und Anteile; Differenzen immer normal\n"
        "  --lonely-psu P      Auswahlschicht mit nur einem Auswahlbezirk: adjust (Standard,\n"
        "                      wie R survey), remove (kein Beitrag) oder fail (Abbruch)\n"
        "  --deff D            Designeffekt für die Näherung ohne Spalten psu/stratum\n"
        "                      (Kish; Standard 1); solche Standardfehler sind Näherungen\n"
        "  --max-errors N      bis zu N fehlerhafte Datensätze (mit Zeile) melden, bevor der\n"
        "                      Lauf endet (Standard 1); ein fehlerhafter Datensatz lässt den\n"
        "                      Lauf immer scheitern, nichts wird stillschweigend übersprungen\n"
        "  --lang de|en        Sprache der Meldungen und Ausgaben (Standard de)\n"
        "  -h, --help          diese Hilfe\n"
        "\n"
        "Exit-Codes: 0 Erfolg, 2 falscher Aufruf, 3 ungültige Eingabedaten, 4 Ein-/Ausgabefehler.\n",
        "Options:\n"
        "  --year Y            survey year (default: the records' year)\n"
        "  --regions FILE      gazetteer (default: data/regions/gazetteer-ni.csv)\n"
        "  --profile NAME|FILE variable profile for files with other variable names, e.g.\n"
        "                      mz-ef-2008-2016 (data/profiles/, docs/profiles.md);\n"
        "                      without: canonical column names\n"
        "  --ages A-B|all      age band of the employment and unemployment rates\n"
        "                      (default 18-64 as in the 2010 report; e.g. 15-64, 20-64)\n"
        "  --min-count N       weighted count below N: not published, symbol /\n"
        "                      (default 5000)\n"
        "  --limited-below N   below N: limited reliability, value in ( ) (default 10000)\n"
        "  --rate-rule R       both: a rate takes the worst symbol of numerator and\n"
        "                      denominator (default); base: the rule on the denominator only\n"
        "                      (as in the 2010 report)\n"
        "  --min-cases N       fewer than N unweighted cases: secret, symbol . (default 3)\n"
        "  --protection P      protection range of secret cells as a share of the value\n"
        "                      (default 0.5 = ±50 %, at least ±--min-count); see mzatlas audit\n"
        "  --gap-flag P        action needed from P percentage points difference of the\n"
        "                      unemployment rates, rounded to one decimal (default 10)\n"
        "  --no-merge          do not merge Kreise (every Kreis its own region)\n"
        "  --common-partition  one partition of regions for all indicators instead of one\n"
        "                      per indicator\n"
        "  --ci-level P        confidence level in percent (default 95)\n"
        "  --ci-method M       normal (default), logit or beta (Korn-Graubard) for rates\n"
        "                      and shares; gaps always normal\n"
        "  --lonely-psu P      sampling stratum with a single sampling unit: adjust\n"
        "                      (default, as R survey), remove (no contribution) or fail\n"
        "  --deff D            design effect of the approximation used without the columns\n"
        "                      psu/stratum (Kish; default 1); such standard errors are\n"
        "                      approximate\n"
        "  --max-errors N      report up to N bad records (with their lines) before the run\n"
        "                      ends (default 1); a bad record always fails the run, nothing\n"
        "                      is skipped silently\n"
        "  --lang de|en        language of messages and outputs (default de)\n"
        "  -h, --help          this help\n"
        "\n"
        "Exit codes: 0 success, 2 usage error, 3 invalid input data, 4 I/O error.\n");
}

static void help_run(void)
{
    printf("%s\n%s", mz_tr(
        "Aufruf: mzatlas run [OPTIONEN] --out VERZEICHNIS AUSZUG.csv...\n"
        "\n"
        "Liest Mikrozensus-Auszüge im kanonischen CSV-Format (Spalten siehe docs/user-guide.md),\n"
        "fasst sie nach Kreis, Anpassungsschicht und Land zusammen, berechnet Migrationsanteil,\n"
        "Erwerbstätigenquote, Selbständigenanteil, Erwerbslosenquote und die Anteile nach\n"
        "Wirtschaftsbereichen für Menschen mit und ohne Migrationshintergrund samt Differenz,\n"
        "wendet die Veröffentlichungsregeln an und schreibt in VERZEICHNIS:\n"
        "  indicators.csv  alle Werte (ungerundet; gesperrte Werte leer)\n"
        "  action.csv      Regionen mit Handlungsbedarf und ihre Netzwerke (Stand 2010)\n"
        "  regions.csv     die Regionen je Indikator\n"
        "  mzatlas.xlsx    Arbeitsmappe: Übersicht, ein Blatt je Abbildung, Handlungsbedarf,\n"
        "                  Regionen, Netzwerke, Methodik (Werte gerundet, gesperrte nur als /)\n"
        "  maps/           Abbildungen 1-10 des Berichts als Karten und Diagramme (PNG, SVG, PDF)\n"
        "  run.json        Eingaben mit SHA-256, Optionen, Regeln, Laufzeiten\n"
        "Das Verzeichnis wird erst ersetzt, wenn alles geschrieben ist.\n"
        "\n"
        "Eingaben: CSV (kanonisch oder über --profile), Stata (.dta), SPSS (.sav), SAS\n"
        "(.sas7bdat) oder Tabellen hochgerechneter Zahlen (Spalten year, region, ages, group,\n"
        "measure, weighted; docs/tabulated-input.md; aus Tabellen keine Standardfehler).\n"
        "Mehrere Auszüge desselben Jahres mit verschiedenen Kreisen (z. B. einer je Schicht)\n"
        "werden zusammengefasst.\n"
        "\n"
        "  --out VERZ        Ausgabeverzeichnis (Pflicht)\n"
        "  --outputs LISTE   welche Ausgaben: csv, xlsx, maps (Standard: alle verfügbaren)\n"
        "  --formats LISTE   Dateiformate der Karten: png, svg, pdf (Standard: alle drei)\n"
        "  --dpi N           Auflösung der PNG-Dateien (Standard 200 = 1890 Pixel breit;\n"
        "                    300 für den Druck)\n",
        "Usage: mzatlas run [OPTIONS] --out DIR EXTRACT.csv...\n"
        "\n"
        "Reads Mikrozensus extracts in the canonical CSV format (columns: docs/user-guide.md),\n"
        "aggregates them by Kreis, stratum and Land, computes migration share, employment rate,\n"
        "self-employment share, unemployment rate and the sector shares for people with and\n"
        "without migration background with their gap, applies the publication rules and\n"
        "writes into DIR:\n"
        "  indicators.csv  every value (unrounded; withheld values empty)\n"
        "  action.csv      regions that need action and their networks (as of 2010)\n"
        "  regions.csv     the regions of each indicator\n"
        "  mzatlas.xlsx    workbook: overview, one sheet per figure, action needed, regions,\n"
        "                  networks, method (values rounded, withheld ones only as /)\n"
        "  maps/           figures 1-10 of the report as maps and charts (PNG, SVG, PDF)\n"
        "  run.json        inputs with SHA-256, options, rules, timings\n"
        "DIR is replaced only when everything has been written.\n"
        "\n"
        "Inputs: CSV (canonical or through --profile), Stata (.dta), SPSS (.sav), SAS\n"
        "(.sas7bdat) or tables of weighted counts (columns year, region, ages, group, measure,\n"
        "weighted; docs/tabulated-input.md; no standard errors from tables). Several extracts\n"
        "of the same year with different Kreise (e.g. one per stratum) are merged.\n"
        "\n"
        "  --out DIR         output directory (required)\n"
        "  --outputs LIST    which outputs: csv, xlsx, maps (default: all available)\n"
        "  --formats LIST    file formats of the maps: png, svg, pdf (default: all three)\n"
        "  --dpi N           resolution of the PNG files (default 200 = 1890 pixels wide;\n"
        "                    300 for print)\n"),
        common_help());
}

static void help_flag(void)
{
    printf("%s\n%s", mz_tr(
        "Aufruf: mzatlas flag [OPTIONEN] AUSZUG.csv...\n"
        "\n"
        "Zeigt die Regionen mit Handlungsbedarf: die Erwerbslosenquote der Menschen mit\n"
        "Migrationshintergrund liegt (gerundet) um --gap-flag Prozentpunkte oder mehr über der\n"
        "der Menschen ohne Migrationshintergrund. Schreibt keine Dateien.\n",
        "Usage: mzatlas flag [OPTIONS] EXTRACT.csv...\n"
        "\n"
        "Shows the regions that need action: the unemployment rate of people with migration\n"
        "background is (rounded) --gap-flag percentage points or more above that of people\n"
        "without. Writes no files.\n"),
        common_help());
}

int cmd_run(int argc, char **argv)
{
    cli_common_t c;
    int code = cli_parse_common(argc, argv, "run", &c);
    if (code)
        return code;
    if (c.help) {
        help_run();
        return 0;
    }
    if (!c.out)
        return cli_usage_error("run", "%s", mz_tr("--out VERZEICHNIS fehlt", "--out DIR missing"));
    if (c.ninputs == 0)
        return cli_usage_error("run", "%s",
                               mz_tr("keine Eingabedatei angegeben", "no input file given"));
    mz_run_t *run = cli_build_run(&c, &code);
    if (!run)
        return code;
    mz_error_t err;
    mz_error_clear(&err);
    if (mz_run_write(run, c.out, &err) != MZ_OK) {
        code = cli_fail(&err);
        mz_run_destroy(run);
        return code;
    }
    if (!c.quiet) {
        size_t flagged = 0;
        mz_results_t *res = mz_run_results(run);
        for (size_t i = 0; i < mz_results_count(res); i++)
            flagged += mz_estimate_needs_action(mz_results_at(res, i), mz_results_rules(res));
        fprintf(stderr,
                mz_tr("mzatlas: %llu Datensätze, Jahr %d%s; %zu Regionen mit Handlungsbedarf; "
                      "Ergebnisse in %s\n",
                      "mzatlas: %llu records, year %d%s; %zu regions need action; results in "
                      "%s\n"),
                (unsigned long long)mz_cells_records(mz_run_cells(run)), mz_run_year(run),
                mz_run_synthetic(run) ? mz_tr(" (SYNTHETISCHE DATEN)", " (SYNTHETIC DATA)") : "",
                flagged, c.out);
    }
    mz_run_destroy(run);
    return 0;
}

/* Number of characters (UTF-8 code points) of s, for aligning columns. */
static size_t text_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* Print s left-aligned in a column of width characters (at least one blank after it). */
static void pad(const char *s, size_t width)
{
    size_t w = text_width(s);
    printf("%s", s);
    for (size_t i = w; i < width; i++)
        putchar(' ');
    if (w >= width)
        putchar(' ');
}

/* Print s right-aligned in a column of width characters. */
static void pad_left(const char *s, size_t width)
{
    for (size_t i = text_width(s); i < width; i++)
        putchar(' ');
    printf("%s", s);
}

int cmd_flag(int argc, char **argv)
{
    cli_common_t c;
    int code = cli_parse_common(argc, argv, "flag", &c);
    if (code)
        return code;
    if (c.help) {
        help_flag();
        return 0;
    }
    if (c.ninputs == 0)
        return cli_usage_error("flag", "%s",
                               mz_tr("keine Eingabedatei angegeben", "no input file given"));
    mz_run_t *run = cli_build_run(&c, &code);
    if (!run)
        return code;
    mz_results_t *res = mz_run_results(run);
    const mz_rules_t *rules = mz_results_rules(res);
    char thr[32];
    cli_fmt1(rules->gap_flag, thr, sizeof thr);
    printf(mz_tr("Handlungsbedarf %d: Differenz der Erwerbslosenquoten (mit minus ohne "
                 "Migrationshintergrund, Alter %d–%d) ab %s Prozentpunkten%s\n\n",
                 "Action needed %d: gap of the unemployment rates (with minus without migration "
                 "background, ages %d-%d) of %s percentage points or more%s\n\n"),
           mz_run_year(run), c.run.band.lo, c.run.band.hi, thr,
           mz_run_synthetic(run) ? mz_tr(" — SYNTHETISCHE DATEN", " — SYNTHETIC DATA") : "");
    char cihead[48], lvl[16];
    snprintf(lvl, sizeof lvl, "%g", c.run.variance.ci_level);
    snprintf(cihead, sizeof cihead, mz_tr("%s-%%-KI", "%s%% CI"), lvl);
    for (char *p = cihead; mz_get_lang() == MZ_LANG_DE && *p; p++)
        if (*p == '.')
            *p = ',';
    pad(mz_tr("Region", "Region"), 22);
    pad(mz_tr("Name", "Name"), 28);
    pad_left(mz_tr("Differenz", "Gap"), 10);
    printf("  ");
    pad(cihead, 16);
    pad(mz_tr("Sicherheit", "Certainty"), 16);
    printf("%s\n", mz_tr("Netzwerke 2010", "Networks 2010"));
    size_t flagged = 0, possible = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < mz_results_count(res); i++) {
            const mz_estimate_t *e = mz_results_at(res, i);
            mz_certainty_t cert = mz_estimate_certainty(e, rules);
            bool need = mz_estimate_needs_action(e, rules);
            if (pass == 0 ? !need : cert != MZ_CERT_POSSIBLE)
                continue;
            if (pass == 0)
                flagged++;
            else if (possible++ == 0)
                printf("\n%s\n", mz_tr("Knapp darunter, aber mit Konfidenzintervall über der "
                                        "Schwelle (möglicher Handlungsbedarf):",
                                        "Below the threshold, but with a confidence interval "
                                        "reaching it (possible need for action):"));
            mz_network_join_t nj;
            mz_error_t err;
            if (mz_networks_join(mz_run_networks(run), e->region->members, &nj, &err) !=
                MZ_OK) {
                mz_run_destroy(run);
                return cli_fail(&err);
            }
            char gap[32], lo[32], hi[32], ci[80], gapd[40];
            cli_fmt1(e->p.estimate, gap, sizeof gap);
            snprintf(gapd, sizeof gapd, e->p.symbol == MZ_SYM_LIMITED ? "(%s)" : "%s", gap);
            if (isfinite(e->ci_low)) {
                cli_fmt1(e->ci_low, lo, sizeof lo);
                cli_fmt1(e->ci_high, hi, sizeof hi);
                snprintf(ci, sizeof ci, "%s … %s", lo, hi);
            } else {
                snprintf(ci, sizeof ci, "–");
            }
            const char *certainty = cert == MZ_CERT_CERTAIN    ? mz_tr("sicher", "certain")
                                    : cert == MZ_CERT_PROBABLE ? mz_tr("wahrscheinlich", "probable")
                                    : cert == MZ_CERT_POSSIBLE ? mz_tr("möglich", "possible")
                                                               : "–";
            const char *status = strcmp(nj.status, "network") == 0
                                     ? mz_tr("vorhanden", "present")
                                 : strcmp(nj.status, "no_information") == 0
                                     ? mz_tr("keine Angaben", "no information")
                                     : mz_tr("keine", "none");
            pad(e->region->code, 22);
            pad(e->region->name, 28);
            pad_left(gapd, 10);
            printf("  ");
            pad(ci, 16);
            pad(certainty, 16);
            printf("%s", status);
            if (nj.count)
                printf(" (%zu: %s)", nj.count, nj.names);
            printf("\n");
            mz_network_join_finish(&nj);
        }
    }
    if (!flagged)
        printf("%s\n", mz_tr("(keine Region)", "(no region)"));
    printf("\n%s %zu", mz_tr("Regionen mit Handlungsbedarf:", "Regions that need action:"),
           flagged);
    if (possible)
        printf(mz_tr("; mit möglichem Handlungsbedarf: %zu", "; with a possible need: %zu"),
               possible);
    printf("\n");
    mz_run_destroy(run);
    return 0;
}
