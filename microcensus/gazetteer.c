/* gazetteer.c — regional units and strata, read from a gazetteer CSV. */
#include "mzatlas/mz_gazetteer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "util.h"

typedef struct rename {
    size_t unit;
    int from_year;
    char *name, *short_name;
} rename_t;

struct mz_gazetteer {
    mz_unit_t *units;
    size_t count;
    const char **own_name, **own_short; /* the gazetteer's names, restored by set_year */
    rename_t *renames;
    size_t nrenames;
    char **strata;       /* codes */
    char **strata_names;
    size_t nstrata;
    int *unit_stratum;
};

enum { G_AGS, G_NAME, G_SHORT, G_KIND, G_PARENT, G_SCHICHT, G_SCHICHT_NAME, G_FROM, G_TO, G_N };
static const char *const gcols[G_N] = {"ags",     "name",         "short_name",
                                       "kind",    "parent",       "schicht",
                                       "schicht_name", "valid_from", "valid_to"};

static bool parse_kind(const char *s, mz_unit_kind_t *k)
{
    static const struct {
        const char *id;
        mz_unit_kind_t kind;
    } kinds[] = {{"kreisfreie_stadt", MZ_KIND_KREISFREIE_STADT},
                 {"landkreis", MZ_KIND_LANDKREIS},
                 {"region", MZ_KIND_REGION},
                 {"teilregion", MZ_KIND_TEILREGION}};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(s, kinds[i].id) == 0) {
            *k = kinds[i].kind;
            return true;
        }
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    /* composite codes (with '+') after single ones */
    bool cx = strchr(x, '+') != NULL, cy = strchr(y, '+') != NULL;
    if (cx != cy)
        return cx ? 1 : -1;
    return strcmp(x, y);
}

static mz_status_t build_strata(mz_gazetteer_t *gz, mz_error_t *err)
{
    gz->strata = calloc(gz->count + 1, sizeof *gz->strata);
    gz->strata_names = calloc(gz->count + 1, sizeof *gz->strata_names);
    gz->unit_stratum = calloc(gz->count + 1, sizeof *gz->unit_stratum);
    if (!gz->strata || !gz->strata_names || !gz->unit_stratum)
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    for (size_t i = 0; i < gz->count; i++) {
        const char *code = gz->units[i].schicht;
        size_t s;
        for (s = 0; s < gz->nstrata; s++)
            if (strcmp(gz->strata[s], code) == 0)
                break;
        if (s == gz->nstrata)
            gz->strata[gz->nstrata++] = (char *)code;
    }
    qsort(gz->strata, gz->nstrata, sizeof *gz->strata, cmp_str);
    for (size_t i = 0; i < gz->count; i++) {
        gz->unit_stratum[i] = mz_gazetteer_find_stratum(gz, gz->units[i].schicht);
        size_t s = (size_t)gz->unit_stratum[i];
        /* a stratum's name: that of a unit in it; for the whole Region Hannover "Hannover" */
        if (!gz->strata_names[s])
            gz->strata_names[s] = (char *)gz->units[i].schicht_name;
    }
    return MZ_OK;
}

/* Read the gazetteer from an open CSV (closed here); `path` names it in messages. */
static mz_gazetteer_t *load_csv(mz_csv_t *csv, const char *path, mz_error_t *err)
{
    mz_gazetteer_t *gz = calloc(1, sizeof *gz);
    size_t cap = 0;
    int col[G_N];
    int rc;
    if (!gz)
        goto nomem;
    rc = mz_csv_next(csv, err);
    if (rc <= 0) {
        if (rc == 0)
            mz_error_set(err, MZ_ERR_DATA, path, 1, NULL, NULL, "%s",
                         mz_tr("leere Datei", "empty file"));
        goto fail;
    }
    for (int k = 0; k < G_N; k++) {
        col[k] = -1;
        for (size_t i = 0; i < mz_csv_nfields(csv); i++)
            if (strcmp(mz_csv_field(csv, i), gcols[k]) == 0)
                col[k] = (int)i;
        if (col[k] < 0) {
            mz_error_set(err, MZ_ERR_DATA, path, 1, gcols[k], "",
                         "%s", mz_tr("Spalte fehlt im Gemeindeverzeichnis",
                                     "column missing in the gazetteer"));
            goto fail;
        }
    }
    while ((rc = mz_csv_next(csv, err)) == 1) {
        long line = mz_csv_line(csv);
        if (mz_csv_nfields(csv) < G_N) {
            mz_error_set(err, MZ_ERR_DATA, path, line, NULL, NULL,
                         mz_tr("%zu Felder, erwartet %d", "%zu fields, expected %d"),
                         mz_csv_nfields(csv), G_N);
            goto fail;
        }
        if (gz->count == cap) {
            cap = cap ? cap * 2 : 64;
            mz_unit_t *nu = realloc(gz->units, cap * sizeof *nu);
            if (!nu)
                goto nomem;
            gz->units = nu;
        }
        mz_unit_t *u = &gz->units[gz->count];
        memset(u, 0, sizeof *u);
        const char *kind = mz_csv_field(csv, (size_t)col[G_KIND]);
        if (!parse_kind(kind, &u->kind)) {
            mz_error_set(err, MZ_ERR_DATA, path, line, "kind", kind, "%s",
                         mz_tr("erwartet kreisfreie_stadt, landkreis, region oder teilregion",
                               "expected kreisfreie_stadt, landkreis, region or teilregion"));
            goto fail;
        }
        const char *ags = mz_csv_field(csv, (size_t)col[G_AGS]);
        size_t al = strlen(ags);
        if ((al != 5 && al != 8) || strspn(ags, "0123456789") != al) {
            mz_error_set(err, MZ_ERR_DATA, path, line, "ags", ags, "%s",
                         mz_tr("erwartet 5 oder 8 Ziffern", "expected 5 or 8 digits"));
            goto fail;
        }
        long from, to = 0;
        const char *sfrom = mz_csv_field(csv, (size_t)col[G_FROM]);
        const char *sto = mz_csv_field(csv, (size_t)col[G_TO]);
        if (!mz_parse_long(sfrom, &from) || from < 1900 || from > 2200) {
            mz_error_set(err, MZ_ERR_DATA, path, line, "valid_from", sfrom, "%s",
                         mz_tr("erwartet ein Jahr", "expected a year"));
            goto fail;
        }
        if (sto[0] && (!mz_parse_long(sto, &to) || to <= from || to > 2200)) {
            mz_error_set(err, MZ_ERR_DATA, path, line, "valid_to", sto, "%s",
                         mz_tr("erwartet leer oder ein Jahr nach valid_from",
                               "expected empty or a year after valid_from"));
            goto fail;
        }
        u->valid_from = (int)from;
        u->valid_to = (int)to;
        u->ags = mz_strdup(ags);
        u->name = mz_strdup(mz_csv_field(csv, (size_t)col[G_NAME]));
        u->short_name = mz_strdup(mz_csv_field(csv, (size_t)col[G_SHORT]));
        u->parent = mz_strdup(mz_csv_field(csv, (size_t)col[G_PARENT]));
        u->schicht = mz_strdup(mz_csv_field(csv, (size_t)col[G_SCHICHT]));
        u->schicht_name = mz_strdup(mz_csv_field(csv, (size_t)col[G_SCHICHT_NAME]));
        gz->count++;
        if (!u->ags || !u->name || !u->short_name || !u->parent || !u->schicht ||
            !u->schicht_name)
            goto nomem;
        if (!u->schicht[0]) {
            mz_error_set(err, MZ_ERR_DATA, path, line, "schicht", "", "%s",
                         mz_tr("Schicht fehlt", "stratum missing"));
            goto fail;
        }
        for (size_t i = 0; i + 1 < gz->count; i++)
            if (strcmp(gz->units[i].ags, ags) == 0) {
                mz_error_set(err, MZ_ERR_DATA, path, line, "ags", ags, "%s",
                             mz_tr("Schlüssel doppelt", "duplicate key"));
                goto fail;
            }
    }
    if (rc < 0)
        goto fail;
    if (gz->count == 0) {
        mz_error_set(err, MZ_ERR_DATA, path, 0, NULL, NULL, "%s",
                     mz_tr("keine Einheiten", "no units"));
        goto fail;
    }
    if (build_strata(gz, err) != MZ_OK)
        goto fail;
    mz_csv_close(csv);
    return gz;
nomem:
    mz_error_set(err, MZ_ERR_NOMEM, path, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
fail:
    mz_csv_close(csv);
    mz_gazetteer_destroy(gz);
    return NULL;
}

mz_gazetteer_t *mz_gazetteer_load(const char *path, mz_error_t *err)
{
    mz_csv_t *csv = mz_csv_open(path, ',', err);
    return csv ? load_csv(csv, path, err) : NULL;
}

mz_gazetteer_t *mz_gazetteer_load_mem(const char *name, const void *data, size_t size,
                                      mz_error_t *err)
{
    mz_csv_t *csv = mz_csv_open_mem(name, data, size, ',', err);
    return csv ? load_csv(csv, mz_csv_name(csv), err) : NULL;
}

void mz_gazetteer_destroy(mz_gazetteer_t *gz)
{
    if (!gz)
        return;
    /* the units own their original names; renames are freed below */
    if (gz->own_name)
        for (size_t i = 0; i < gz->count; i++) {
            gz->units[i].name = gz->own_name[i];
            gz->units[i].short_name = gz->own_short[i];
        }
    for (size_t i = 0; i < gz->count; i++) {
        mz_unit_t *u = &gz->units[i];
        free((char *)u->ags);
        free((char *)u->name);
        free((char *)u->short_name);
        free((char *)u->parent);
        free((char *)u->schicht);
        free((char *)u->schicht_name);
    }
    for (size_t i = 0; i < gz->nrenames; i++) {
        free(gz->renames[i].name);
        free(gz->renames[i].short_name);
    }
    free(gz->renames);
    free(gz->own_name);
    free(gz->own_short);
    free(gz->units);
    free(gz->strata);
    free(gz->strata_names);
    free(gz->unit_stratum);
    free(gz);
}

size_t mz_gazetteer_count(const mz_gazetteer_t *gz) { return gz->count; }
const mz_unit_t *mz_gazetteer_unit(const mz_gazetteer_t *gz, size_t i) { return &gz->units[i]; }

int mz_gazetteer_find(const mz_gazetteer_t *gz, const char *ags)
{
    for (size_t i = 0; i < gz->count; i++)
        if (strcmp(gz->units[i].ags, ags) == 0)
            return (int)i;
    return -1;
}

bool mz_unit_valid_in(const mz_unit_t *u, int year)
{
    return u->valid_from <= year && (u->valid_to == 0 || year < u->valid_to);
}

size_t mz_gazetteer_strata_count(const mz_gazetteer_t *gz) { return gz->nstrata; }
const char *mz_gazetteer_stratum_code(const mz_gazetteer_t *gz, size_t s) { return gz->strata[s]; }
const char *mz_gazetteer_stratum_name(const mz_gazetteer_t *gz, size_t s)
{
    return gz->strata_names[s];
}

int mz_gazetteer_find_stratum(const mz_gazetteer_t *gz, const char *code)
{
    for (size_t s = 0; s < gz->nstrata; s++)
        if (strcmp(gz->strata[s], code) == 0)
            return (int)s;
    return -1;
}

int mz_gazetteer_unit_stratum(const mz_gazetteer_t *gz, size_t unit)
{
    return gz->unit_stratum[unit];
}

mz_status_t mz_gazetteer_load_renames(mz_gazetteer_t *gz, const char *path, mz_error_t *err)
{
    static const char *const cols[] = {"ags", "from_year", "name", "short_name"};
    int idx[4];
    int rc;
    mz_csv_t *csv = mz_csv_open(path, ',', err);
    if (!csv)
        return err ? err->status : MZ_ERR_IO;
    rc = mz_csv_next(csv, err);
    if (rc <= 0) {
        if (rc == 0)
            mz_error_set(err, MZ_ERR_DATA, path, 1, NULL, NULL, "%s",
                         mz_tr("leere Datei", "empty file"));
        goto fail;
    }
    for (size_t k = 0; k < 4; k++) {
        idx[k] = -1;
        for (size_t i = 0; i < mz_csv_nfields(csv); i++)
            if (strcmp(mz_csv_field(csv, i), cols[k]) == 0)
                idx[k] = (int)i;
        if (idx[k] < 0) {
            mz_error_set(err, MZ_ERR_DATA, path, 1, cols[k], "", "%s",
                         mz_tr("Spalte fehlt", "column missing"));
            goto fail;
        }
    }
    if (!gz->own_name) {
        gz->own_name = malloc(gz->count * sizeof *gz->own_name);
        gz->own_short = malloc(gz->count * sizeof *gz->own_short);
        if (!gz->own_name || !gz->own_short)
            goto nomem;
        for (size_t i = 0; i < gz->count; i++) {
            gz->own_name[i] = gz->units[i].name;
            gz->own_short[i] = gz->units[i].short_name;
        }
    }
    while ((rc = mz_csv_next(csv, err)) == 1) {
        long line = mz_csv_line(csv), year;
        const char *ags = mz_csv_field(csv, (size_t)idx[0]);
        const char *sy = mz_csv_field(csv, (size_t)idx[1]);
        int u = mz_gazetteer_find(gz, ags);
        if (u < 0) {
            mz_error_set(err, MZ_ERR_DATA, path, line, "ags", ags, "%s",
                         mz_tr("Schlüssel fehlt im Gemeindeverzeichnis",
                               "key not in the gazetteer"));
            goto fail;
        }
        if (!mz_parse_long(sy, &year) || year < 1900 || year > 2200) {
            mz_error_set(err, MZ_ERR_DATA, path, line, "from_year", sy, "%s",
                         mz_tr("erwartet ein Jahr", "expected a year"));
            goto fail;
        }
        rename_t *nr = realloc(gz->renames, (gz->nrenames + 1) * sizeof *nr);
        if (!nr)
            goto nomem;
        gz->renames = nr;
        rename_t *r = &gz->renames[gz->nrenames];
        r->unit = (size_t)u;
        r->from_year = (int)year;
        r->name = mz_strdup(mz_csv_field(csv, (size_t)idx[2]));
        r->short_name = mz_strdup(mz_csv_field(csv, (size_t)idx[3]));
        gz->nrenames++;
        if (!r->name || !r->short_name)
            goto nomem;
    }
    if (rc < 0)
        goto fail;
    mz_csv_close(csv);
    return MZ_OK;
nomem:
    mz_error_set(err, MZ_ERR_NOMEM, path, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
fail:
    mz_csv_close(csv);
    return err ? err->status : MZ_ERR_DATA;
}

void mz_gazetteer_set_year(mz_gazetteer_t *gz, int year)
{
    if (!gz->own_name)
        return;
    for (size_t i = 0; i < gz->count; i++) {
        int best = -1;
        gz->units[i].name = gz->own_name[i];
        gz->units[i].short_name = gz->own_short[i];
        for (size_t k = 0; k < gz->nrenames; k++) {
            const rename_t *r = &gz->renames[k];
            if (r->unit == i && r->from_year <= year && r->from_year > best) {
                best = r->from_year;
                gz->units[i].name = r->name;
                gz->units[i].short_name = r->short_name;
            }
        }
    }
}
