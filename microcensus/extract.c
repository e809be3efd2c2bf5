/* extract.c — streaming reader and validator for the canonical extract (DESIGN.md). */
#include "mzatlas/mz_extract.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "util.h"

enum {
    C_YEAR, C_KREIS, C_SCHICHT, C_PSU, C_STRATUM, C_WEIGHT, C_AGE, C_SEX, C_MIG, C_ILO,
    C_SELFEMP, C_SECTOR, C_SYNTHETIC, C_N
};
static const char *const colname[C_N] = {"year", "kreis",   "schicht", "psu",    "stratum",
                                         "weight", "age",   "sex",     "mig",    "ilo",
                                         "selfemp", "sector", "synthetic"};
/* required columns (kreis/schicht: one of them) */
static const bool required[C_N] = {[C_YEAR] = true, [C_WEIGHT] = true, [C_AGE] = true,
                                   [C_MIG] = true,  [C_ILO] = true,    [C_SELFEMP] = true,
                                   [C_SECTOR] = true};

/* Largest weight accepted: no record stands for more persons than this. */
#define MAX_WEIGHT 100000.0

struct mz_extract_reader {
    mz_csv_t *csv;
    mz_extract_options_t opt;
    int col[C_N];
    size_t ncols;           /* fields in the header row */
    int year;
    bool synthetic;
    bool seen_hannover_whole, seen_hannover_split;
    long hannover_line;
    int last_unit;          /* cache for sorted extracts */
    char last_kreis[16];
};

static mz_extract_reader_t *finish_open(mz_csv_t *csv, const mz_extract_options_t *opt,
                                        mz_error_t *err);

mz_extract_reader_t *mz_extract_open(const char *path, const mz_extract_options_t *opt,
                                     mz_error_t *err)
{
    mz_csv_t *csv = mz_csv_open(path, 0, err);
    return csv ? finish_open(csv, opt, err) : NULL;
}

mz_extract_reader_t *mz_extract_open_mem(const char *name, const void *data, size_t size,
                                         const mz_extract_options_t *opt, mz_error_t *err)
{
    mz_csv_t *csv = mz_csv_open_mem(name, data, size, 0, err);
    return csv ? finish_open(csv, opt, err) : NULL;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t k = strspn(s, " \t");
    if (k)
        memmove(s, s + k, n - k + 1);
}

static mz_extract_reader_t *finish_open(mz_csv_t *csv, const mz_extract_options_t *opt,
                                        mz_error_t *err)
{
    const char *name = mz_csv_name(csv);
    mz_extract_reader_t *r = calloc(1, sizeof *r);
    if (!r) {
        mz_error_set(err, MZ_ERR_NOMEM, name, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        mz_csv_close(csv);
        return NULL;
    }
    r->csv = csv;
    r->opt = *opt;
    r->year = opt->year;
    r->last_unit = -1;
    for (int k = 0; k < C_N; k++)
        r->col[k] = -1;
    int rc = mz_csv_next(csv, err);
    if (rc <= 0) {
        if (rc == 0)
            mz_error_set(err, MZ_ERR_DATA, name, 1, NULL, NULL, "%s",
                         mz_tr("leere Datei: Kopfzeile mit Spaltennamen erwartet",
                               "empty file: expected a header row with column names"));
        goto fail;
    }
    r->ncols = mz_csv_nfields(csv);
    for (size_t i = 0; i < mz_csv_nfields(csv); i++) {
        char *h = (char *)mz_csv_field(csv, i);
        if (!mz_utf8_valid(h, mz_csv_field_len(csv, i))) {
            mz_error_set(err, MZ_ERR_DATA, name, 1, NULL, h, "%s",
                         mz_tr("Kopfzeile ist kein gültiges UTF-8",
                               "header is not valid UTF-8"));
            goto fail;
        }
        trim(h);
        for (int k = 0; k < C_N; k++) {
            if (strcasecmp(h, colname[k]) != 0)
                continue;
            if (r->col[k] >= 0) {
                mz_error_set(err, MZ_ERR_DATA, name, 1, colname[k], h, "%s",
                             mz_tr("Spalte kommt doppelt vor", "duplicate column"));
                goto fail;
            }
            r->col[k] = (int)i;
        }
    }
    for (int k = 0; k < C_N; k++)
        if (required[k] && r->col[k] < 0) {
            mz_error_set(err, MZ_ERR_DATA, name, 1, colname[k], "",
                         mz_tr("Pflichtspalte fehlt in der Kopfzeile (Trennzeichen '%c')",
                               "required column missing from the header (separator '%c')"),
                         mz_csv_sep(csv));
            goto fail;
        }
    if (r->col[C_KREIS] < 0 && r->col[C_SCHICHT] < 0) {
        mz_error_set(err, MZ_ERR_DATA, name, 1, "kreis", "", "%s",
                     mz_tr("weder Spalte kreis noch schicht vorhanden",
                           "neither column kreis nor schicht present"));
        goto fail;
    }
    if ((r->col[C_PSU] < 0) != (r->col[C_STRATUM] < 0)) {
        mz_error_set(err, MZ_ERR_DATA, name, 1, r->col[C_PSU] < 0 ? "psu" : "stratum", "", "%s",
                     mz_tr("psu und stratum gehören zusammen: beide oder keine",
                           "psu and stratum go together: both or neither"));
        goto fail;
    }
    return r;
fail:
    mz_extract_close(r);
    return NULL;
}

void mz_extract_close(mz_extract_reader_t *r)
{
    if (!r)
        return;
    mz_csv_close(r->csv);
    free(r);
}

bool mz_extract_has_design(const mz_extract_reader_t *r) { return r->col[C_PSU] >= 0; }
bool mz_extract_is_synthetic(const mz_extract_reader_t *r) { return r->synthetic; }
int mz_extract_year(const mz_extract_reader_t *r) { return r->year; }
uint64_t mz_extract_bytes_read(const mz_extract_reader_t *r) { return mz_csv_bytes_read(r->csv); }
uint64_t mz_extract_bytes_total(const mz_extract_reader_t *r) { return mz_csv_bytes_total(r->csv); }
const char *mz_extract_sha256(const mz_extract_reader_t *r) { return mz_csv_sha256(r->csv); }

/* Small non-negative integer; false unless the whole field is digits (surrounding blanks ok). */
static bool parse_small_int(const char *s, int *out)
{
    while (*s == ' ')
        s++;
    if (!*s)
        return false;
    int v = 0, nd = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (++nd > 6)
            return false;
        v = v * 10 + (*s - '0');
    }
    while (*s == ' ')
        s++;
    if (*s)
        return false;
    *out = v;
    return true;
}

#define FIELD(k) mz_csv_field(r->csv, (size_t)r->col[k])

static int bad(mz_extract_reader_t *r, mz_error_t *err, int k, const char *expected)
{
    const char *v = r->col[k] >= 0 ? FIELD(k) : "";
    mz_error_set(err, MZ_ERR_DATA, mz_csv_name(r->csv), mz_csv_line(r->csv), colname[k], v, "%s",
                 expected);
    return -1;
}

static int code_field(mz_extract_reader_t *r, mz_error_t *err, int k, int lo, int hi,
                      const char *expected, int *out)
{
    if (!parse_small_int(FIELD(k), out) || *out < lo || *out > hi)
        return bad(r, err, k, expected);
    return 0;
}

static int resolve_kreis(mz_extract_reader_t *r, mz_record_t *rec, mz_error_t *err)
{
    const char *k = FIELD(C_KREIS);
    const mz_gazetteer_t *gz = r->opt.gazetteer;
    size_t len = mz_csv_field_len(r->csv, (size_t)r->col[C_KREIS]);
    if (!mz_utf8_valid(k, len))
        return bad(r, err, C_KREIS,
                   mz_tr("kein gültiges UTF-8 (Datei in einer anderen Kodierung gespeichert?)",
                         "not valid UTF-8 (file saved in another encoding?)"));
    if (r->last_unit >= 0 && len < sizeof r->last_kreis && strcmp(k, r->last_kreis) == 0) {
        rec->unit = r->last_unit;
    } else {
        int u = mz_gazetteer_find(gz, k);
        if (u < 0) {
            char hint[600];
            char padded[16];
            bool digits = len > 0 && strspn(k, "0123456789") == len;
            snprintf(padded, sizeof padded, "0%s", k);
            if (digits && (len == 4 || len == 7) && mz_gazetteer_find(gz, padded) >= 0) {
                snprintf(hint, sizeof hint,
                         mz_tr("unbekannter Kreisschlüssel; vermutlich %s mit verlorener "
                               "führender Null (Spalte in einer Tabellenkalkulation als Zahl "
                               "gespeichert?): den Schlüssel als Text führen",
                               "unknown Kreis key; probably %s with its leading zero lost (column "
                               "saved as a number by a spreadsheet?): keep the key as text"),
                         padded);
            } else {
                snprintf(hint, sizeof hint, "%s",
                         mz_tr("unbekannter Kreisschlüssel (AGS); gültige Schlüssel zeigt "
                               "'mzatlas regions'",
                               "unknown Kreis key (AGS); 'mzatlas regions' lists the valid keys"));
            }
            return bad(r, err, C_KREIS, hint);
        }
        const mz_unit_t *unit = mz_gazetteer_unit(gz, (size_t)u);
        if (!mz_unit_valid_in(unit, rec->year)) {
            char msg[400];
            if (unit->valid_to)
                snprintf(msg, sizeof msg,
                         mz_tr("%s gibt es im Erhebungsjahr %d nicht (gültig %d bis %d)",
                               "%s does not exist in survey year %d (valid %d to %d)"),
                         unit->name, rec->year, unit->valid_from, unit->valid_to - 1);
            else
                snprintf(msg, sizeof msg,
                         mz_tr("%s gibt es im Erhebungsjahr %d nicht (gültig ab %d)",
                               "%s does not exist in survey year %d (valid from %d)"),
                         unit->name, rec->year, unit->valid_from);
            return bad(r, err, C_KREIS, msg);
        }
        if (unit->kind == MZ_KIND_REGION)
            r->seen_hannover_whole = true;
        if (unit->kind == MZ_KIND_TEILREGION)
            r->seen_hannover_split = true;
        if (r->seen_hannover_whole && r->seen_hannover_split)
            return bad(r, err, C_KREIS,
                       mz_tr("Region Hannover kommt sowohl als Ganzes (03241) als auch geteilt "
                             "(03241001/03241999) vor; nur eine Form ist erlaubt",
                             "Region Hannover appears both whole (03241) and split "
                             "(03241001/03241999); only one form is allowed"));
        rec->unit = u;
        r->last_unit = u;
        if (len < sizeof r->last_kreis)
            memcpy(r->last_kreis, k, len + 1);
        else
            r->last_unit = -1;
    }
    rec->stratum = mz_gazetteer_unit_stratum(gz, (size_t)rec->unit);
    return 0;
}

int mz_extract_next(mz_extract_reader_t *r, mz_record_t *rec, mz_error_t *err)
{
    int rc = mz_csv_next(r->csv, err);
    if (rc <= 0)
        return rc;
    const char *name = mz_csv_name(r->csv);
    long line = mz_csv_line(r->csv);
    size_t nf = mz_csv_nfields(r->csv);
    memset(rec, 0, sizeof *rec);
    rec->line = line;
    rec->unit = -1;
    rec->stratum = -1;
    for (int k = 0; k < C_N; k++) {
        if (r->col[k] >= (int)nf) {
            mz_error_set(err, MZ_ERR_DATA, name, line, colname[k], "",
                         mz_tr("Zeile hat nur %zu Felder (Spalte fehlt; falsches Trennzeichen "
                               "oder abgeschnittene Zeile?)",
                               "row has only %zu fields (column missing; wrong separator or "
                               "truncated row?)"),
                         nf);
            return -1;
        }
    }
    /* More fields than the header has columns: the values are shifted (typically a decimal
     * comma in a comma-separated file), so no field can be trusted. Empty trailing fields, as
     * some spreadsheets write them, are harmless. */
    for (size_t i = r->ncols; i < nf; i++) {
        if (mz_csv_field_len(r->csv, i) == 0)
            continue;
        mz_error_set(err, MZ_ERR_DATA, name, line, NULL, NULL,
                     mz_tr("Zeile hat %zu Felder, die Kopfzeile nur %zu (Trennzeichen in einem "
                           "Wert, z. B. Dezimalkomma in einer Datei mit Komma als Trennzeichen?)",
                           "row has %zu fields, the header only %zu (a separator inside a "
                           "value, e.g. a decimal comma in a comma-separated file?)"),
                     nf, r->ncols);
        return -1;
    }
    int year;
    if (!parse_small_int(FIELD(C_YEAR), &year) || year < 1950 || year > 2100)
        return bad(r, err, C_YEAR, mz_tr("erwartet ein Erhebungsjahr (z. B. 2007)",
                                         "expected a survey year (e.g. 2007)"));
    if (r->year == 0)
        r->year = year;
    if (year != r->year) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 mz_tr("Datensatz eines anderen Jahres (erwartet %d)",
                       "record of another year (expected %d)"),
                 r->year);
        return bad(r, err, C_YEAR, msg);
    }
    rec->year = year;

    bool has_kreis = r->col[C_KREIS] >= 0 && FIELD(C_KREIS)[0];
    if (has_kreis) {
        if (resolve_kreis(r, rec, err) < 0)
            return -1;
    }
    if (r->col[C_SCHICHT] >= 0 && FIELD(C_SCHICHT)[0]) {
        int s = mz_gazetteer_find_stratum(r->opt.gazetteer, FIELD(C_SCHICHT));
        if (s < 0)
            return bad(r, err, C_SCHICHT,
                       mz_tr("unbekannter Schichtschlüssel (erwartet RA_01 … RA_11)",
                             "unknown stratum code (expected RA_01 … RA_11)"));
        if (has_kreis && s != rec->stratum)
            return bad(r, err, C_SCHICHT,
                       mz_tr("passt nicht zur Schicht des Kreises",
                             "does not match the stratum of the Kreis"));
        rec->stratum = s;
    }
    if (rec->stratum < 0)
        return bad(r, err, r->col[C_KREIS] >= 0 ? C_KREIS : C_SCHICHT,
                   mz_tr("Kreis oder Schicht fehlt", "Kreis or stratum missing"));

    if (r->col[C_PSU] >= 0) {
        if (!FIELD(C_PSU)[0])
            return bad(r, err, C_PSU, mz_tr("Auswahlbezirk fehlt", "sampling unit missing"));
        if (!FIELD(C_STRATUM)[0])
            return bad(r, err, C_STRATUM,
                       mz_tr("Auswahlschicht fehlt", "sampling stratum missing"));
        if (!mz_utf8_valid(FIELD(C_PSU), mz_csv_field_len(r->csv, (size_t)r->col[C_PSU])))
            return bad(r, err, C_PSU, mz_tr("kein gültiges UTF-8", "not valid UTF-8"));
        if (!mz_utf8_valid(FIELD(C_STRATUM),
                           mz_csv_field_len(r->csv, (size_t)r->col[C_STRATUM])))
            return bad(r, err, C_STRATUM, mz_tr("kein gültiges UTF-8", "not valid UTF-8"));
        rec->psu = FIELD(C_PSU);
        rec->design_stratum = FIELD(C_STRATUM);
    }

    double w;
    if (!mz_parse_double(FIELD(C_WEIGHT), mz_csv_sep(r->csv) == ';', &w) || !(w > 0) ||
        w > MAX_WEIGHT)
        return bad(r, err, C_WEIGHT,
                   mz_tr("erwartet einen Hochrechnungsfaktor > 0 und <= 100000 (Personen je "
                         "Datensatz)",
                         "expected a weight > 0 and <= 100000 (persons per record)"));
    rec->weight = w;

    if (!parse_small_int(FIELD(C_AGE), &rec->age) || rec->age > 120)
        return bad(r, err, C_AGE, mz_tr("erwartet ganze Lebensjahre von 0 bis 120",
                                        "expected whole years from 0 to 120"));
    if (r->col[C_SEX] >= 0 && FIELD(C_SEX)[0]) {
        if (code_field(r, err, C_SEX, 1, 2,
                       mz_tr("erwartet 1 (männlich) oder 2 (weiblich)",
                             "expected 1 (male) or 2 (female)"),
                       &rec->sex) < 0)
            return -1;
    }
    if (code_field(r, err, C_MIG, 0, 2,
                   mz_tr("erwartet 0 (ohne MH), 1 (Deutsche mit MH) oder 2 (Ausländer/-innen)",
                         "expected 0 (without MH), 1 (German with MH) or 2 (foreign national)"),
                   &rec->mig) < 0)
        return -1;
    if (code_field(r, err, C_ILO, 1, 3,
                   mz_tr("erwartet 1 (erwerbstätig), 2 (erwerbslos) oder 3 (Nichterwerbsperson)",
                         "expected 1 (employed), 2 (unemployed) or 3 (inactive)"),
                   &rec->ilo) < 0)
        return -1;
    if (code_field(r, err, C_SELFEMP, 0, 1,
                   mz_tr("erwartet 1 (selbständig) oder 0", "expected 1 (self-employed) or 0"),
                   &rec->selfemp) < 0)
        return -1;
    if (code_field(r, err, C_SECTOR, 0, 4,
                   mz_tr("erwartet 0 (nicht erwerbstätig) oder 1–4 (Wirtschaftsbereich)",
                         "expected 0 (not employed) or 1-4 (economic sector)"),
                   &rec->sector) < 0)
        return -1;
    if (rec->ilo == MZ_ILO_EMPLOYED && rec->sector == MZ_SECTOR_NONE)
        return bad(r, err, C_SECTOR,
                   mz_tr("Erwerbstätige brauchen einen Wirtschaftsbereich 1–4",
                         "employed persons need an economic sector 1-4"));
    if (rec->ilo != MZ_ILO_EMPLOYED && rec->sector != MZ_SECTOR_NONE)
        return bad(r, err, C_SECTOR,
                   mz_tr("Wirtschaftsbereich nur bei Erwerbstätigen (ilo = 1), sonst 0",
                         "a sector only for employed persons (ilo = 1), else 0"));
    if (rec->ilo != MZ_ILO_EMPLOYED && rec->selfemp)
        return bad(r, err, C_SELFEMP,
                   mz_tr("selbständig nur bei Erwerbstätigen (ilo = 1)",
                         "self-employed only for employed persons (ilo = 1)"));
    if (r->col[C_SYNTHETIC] >= 0 && strcmp(FIELD(C_SYNTHETIC), "1") == 0)
        r->synthetic = true;
    return 1;
}
