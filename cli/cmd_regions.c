/* cmd_regions.c — `mzatlas regions`: units and strata valid in a year. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mzatlas/mz_gazetteer.h"
#include "mzatlas/mz_geo.h"

int cmd_regions(int argc, char **argv)
{
    cli_common_t c;
    int code = cli_parse_common(argc, argv, "regions", &c);
    if (code)
        return code;
    if (c.help) {
        printf("%s", mz_tr("Aufruf: mzatlas regions [--year J] [--regions DATEI] [--lang de|en]\n"
                           "\n"
                           "Listet die Kreise (AGS, Name, Anpassungsschicht), die es im "
                           "Erhebungsjahr J gibt\n(Standard: aktuelles Verzeichnis ohne "
                           "Jahresfilter), mit ihren Nachbarn (gemeinsame Grenze\nin der "
                           "Geometrie des Jahres), und die Schichten.\n",
                           "Usage: mzatlas regions [--year Y] [--regions FILE] [--lang de|en]\n"
                           "\n"
                           "Lists the units (AGS, name, stratum) that exist in survey year Y "
                           "(default: all,\nwithout a year filter), with their neighbours "
                           "(common border in the year's\ngeometry), and the strata.\n"));
        return 0;
    }
    if (c.ninputs > 0)
        return cli_usage_error("regions", mz_tr("unerwartetes Argument '%s'",
                                                "unexpected argument '%s'"),
                               c.inputs[0]);
    char path[4096];
    mz_error_t err;
    mz_error_clear(&err);
    mz_gazetteer_t *gz = mz_gazetteer_load(
        c.run.regions_path ? c.run.regions_path
                           : mz_data_path("regions/gazetteer-ni.csv", path, sizeof path),
        &err);
    if (!gz)
        return cli_fail(&err);
    int year = c.run.year;
    /* neighbours: the year's geometry; without a year, each unit's last year (units that ended
     * with the 2016 reform in the 2007 geometry, all others in the current one) */
    mz_neighbours_t *nb_old = NULL, *nb_new = NULL;
    if (year)
        nb_new = mz_neighbours_load_bundled(gz, year, &err);
    else if ((nb_old = mz_neighbours_load_bundled(gz, 2015, &err)) != NULL)
        nb_new = mz_neighbours_load_bundled(gz, 2016, &err);
    if (!nb_new) {
        mz_neighbours_destroy(nb_old);
        mz_gazetteer_destroy(gz);
        return cli_fail(&err);
    }
    if (year)
        printf(mz_tr("Einheiten im Erhebungsjahr %d\n\n", "Units in survey year %d\n\n"), year);
    printf("%-9s %-48s %-12s %-11s %s\n", "AGS", "Name", mz_tr("Schicht", "Stratum"),
           mz_tr("gültig", "valid"), mz_tr("Nachbarn", "neighbours"));
    for (size_t i = 0; i < mz_gazetteer_count(gz); i++) {
        const mz_unit_t *u = mz_gazetteer_unit(gz, i);
        if (year && !mz_unit_valid_in(u, year))
            continue;
        char valid[32];
        if (u->valid_to)
            snprintf(valid, sizeof valid, "%d–%d", u->valid_from, u->valid_to - 1);
        else
            snprintf(valid, sizeof valid, mz_tr("ab %d", "from %d"), u->valid_from);
        printf("%-9s %-48s %-12s %-11s", u->ags, u->name, u->schicht, valid);
        const mz_neighbours_t *nb =
            (!year && u->valid_to && u->valid_to <= 2016) ? nb_old : nb_new;
        const int *list;
        size_t nn = mz_neighbours_of(nb, i, &list);
        if (!mz_neighbours_has_shape(nb, i))
            printf(" %s", mz_tr("(keine Geometrie)", "(no geometry)"));
        for (size_t k = 0; k < nn; k++)
            printf(" %s", mz_gazetteer_unit(gz, (size_t)list[k])->ags);
        putchar('\n');
    }
    printf("\n%s\n", mz_tr("Anpassungsschichten:", "Strata:"));
    for (size_t s = 0; s < mz_gazetteer_strata_count(gz); s++)
        printf("  %-12s %s\n", mz_gazetteer_stratum_code(gz, s), mz_gazetteer_stratum_name(gz, s));
    printf("\n%s\n",
           mz_tr("Region Hannover steht im Auszug entweder als 03241 oder geteilt als 03241001 + "
                 "03241999, nie beides.",
                 "An extract gives Region Hannover either as 03241 or split as 03241001 + "
                 "03241999, never both."));
    printf("%s\n", mz_tr("Nachbarn teilen eine Grenzstrecke (nicht nur einen Punkt). Bremen "
                          "und Bremerhaven\ngehören nicht zu Niedersachsen und sind keine "
                          "Einheiten.",
                          "Neighbours share a stretch of border (not just a point). Bremen and "
                          "Bremerhaven\nare not part of Niedersachsen and are not units."));
    mz_neighbours_destroy(nb_old);
    mz_neighbours_destroy(nb_new);
    mz_gazetteer_destroy(gz);
    return 0;
}
