/* source.c — person records from profile-mapped CSV, Stata, SPSS and SAS files (ReadStat), with
 * the validation of the canonical reader; the disjointness check for several extracts. */
#include "mzatlas/mz_source.h"

#include <ctype.h>
#include <math.h>
#include <nettle/sha2.h>
#include <readstat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "util.h"

/* Largest weight accepted (as in the canonical reader). */
#define MAX_WEIGHT 100000.0
/* Longest text value kept for a field. */
#define MAX_TEXT 256
/* Raw value slots: the canonical fields, then the profile's filter variables. */
#define NSLOTS (MZ_NFIELDS + MZ_PROFILE_MAX_FILTERS)

mz_input_format_t mz_source_format(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        return MZ_FORMAT_CSV;
    if (!strcasecmp(dot, ".dta"))
        return MZ_FORMAT_DTA;
    if (!strcasecmp(dot, ".sav") || !strcasecmp(dot, ".zsav"))
        return MZ_FORMAT_SAV;
    if (!strcasecmp(dot, ".sas7bdat"))
        return MZ_FORMAT_SAS7BDAT;
    return MZ_FORMAT_CSV;
}

const char *mz_source_format_id(mz_input_format_t fmt)
{
    static const char *const ids[] = {"csv", "dta", "sav", "sas7bdat"};
    return (unsigned)fmt < 4 ? ids[fmt] : "?";
}

/* ---------------------------------------------------------------- raw values → record */

enum { RAW_MISSING = 0, RAW_NUM, RAW_STR };

typedef struct raw {
    int kind;
    double num;
    char str[MAX_TEXT];
} raw_t;

/* Label of a numeric value of field f, or NULL (ReadStat value labels). */
typedef const char *(*label_fn)(void *ctx, mz_field_t f, double v);

typedef struct builder {
    const mz_profile_t *p;
    const mz_gazetteer_t *gz;
    const char *file;
    bool decimal_comma;
    char wmark;           /* semicolon files: decimal mark of the weights so far (0: none) */
    long wmark_row;       /* where it was first seen */
    bool present[NSLOTS]; /* the variable exists in the file (or is a constant) */
    raw_t raw[NSLOTS];
    double wsum;          /* sum of the weights read, for the plausibility check */
    uint64_t skipped;     /* records left out by the profile's filters */
    label_fn label;
    void *label_ctx;
    int year;
    bool synthetic;
    bool seen_whole, seen_split;
    char text[MZ_NFIELDS][MAX_TEXT]; /* canonical text of each field of the current row */
    char shown[MZ_NFIELDS][MAX_TEXT]; /* the value as found in the file, for messages */
} builder_t;

static const char *var_name(const builder_t *b, mz_field_t f)
{
    const char *v = mz_profile_variable(b->p, f);
    return v ? v : mz_field_id(f);
}

/* A data error about field f of the current row. */
static int bad(builder_t *b, long row, mz_field_t f, const char *expected, mz_error_t *err)
{
    const char *var = var_name(b, f);
    char msg[700];
    if (strcasecmp(var, mz_field_id(f)) == 0 && strcmp(b->shown[f], b->text[f]) == 0)
        snprintf(msg, sizeof msg, "%s", expected);
    else if (strcmp(b->shown[f], b->text[f]) == 0)
        snprintf(msg, sizeof msg, mz_tr("Feld %s: %s", "field %s: %s"), mz_field_id(f), expected);
    else
        snprintf(msg, sizeof msg,
                 mz_tr("Feld %s (umkodiert zu '%s', Profil %s): %s",
                       "field %s (recoded to '%s', profile %s): %s"),
                 mz_field_id(f), b->text[f], mz_profile_file(b->p), expected);
    mz_error_set(err, MZ_ERR_DATA, b->file, row, var, b->shown[f], "%s", msg);
    return -1;
}

static void format_num(double v, char *buf, size_t size)
{
    if (v == floor(v) && fabs(v) < 1e15)
        snprintf(buf, size, "%.0f", v);
    else
        snprintf(buf, size, "%.17g", v);
}

static void trim_copy(char *dst, size_t size, const char *src)
{
    while (*src && isspace((unsigned char)*src))
        src++;
    size_t n = strlen(src);
    while (n > 0 && isspace((unsigned char)src[n - 1]))
        n--;
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Canonical text of field f: 1 = present, 0 = missing, -1 = error. */
static int field_text(builder_t *b, long row, mz_field_t f, mz_error_t *err)
{
    const char *c = mz_profile_constant(b->p, f);
    b->text[f][0] = b->shown[f][0] = '\0';
    if (c) {
        snprintf(b->text[f], MAX_TEXT, "%s", c);
        snprintf(b->shown[f], MAX_TEXT, "%s", c);
        return 1;
    }
    if (!b->present[f])
        return 0;
    const raw_t *r = &b->raw[f];
    const char *out = NULL;
    mz_recode_result_t rr;
    const char *label = NULL;
    if (r->kind == RAW_MISSING || (r->kind == RAW_STR && r->str[0] == '\0')) {
        rr = mz_profile_recode_missing(b->p, f, &out);
        if (rr != MZ_RECODE_HIT)
            return 0;
    } else if (r->kind == RAW_NUM) {
        format_num(r->num, b->shown[f], MAX_TEXT);
        if (mz_profile_use_labels(b->p) && b->label)
            label = b->label(b->label_ctx, f, r->num);
        if (label) {
            snprintf(b->shown[f] + strlen(b->shown[f]), MAX_TEXT - strlen(b->shown[f]), " [%s]",
                     label);
            rr = mz_profile_recode_str(b->p, f, label, &out);
            if (rr == MZ_RECODE_NONE)
                out = label;
        } else {
            rr = mz_profile_recode_num(b->p, f, r->num, &out);
            if (rr == MZ_RECODE_NONE)
                out = b->shown[f];
        }
    } else {
        trim_copy(b->shown[f], MAX_TEXT, r->str);
        rr = mz_profile_recode_str(b->p, f, b->shown[f], &out);
        if (rr == MZ_RECODE_NONE)
            out = b->shown[f];
    }
    if (rr == MZ_RECODE_MISS) {
        char msg[400];
        memcpy(b->text[f], b->shown[f], MAX_TEXT);
        snprintf(msg, sizeof msg,
                 mz_tr("Wert fehlt in der Umkodierung [recode.%s] des Profils %s (Zeile %ld); "
                       "dort ergänzen oder '* = …' als Vorgabe setzen",
                       "value missing from the recode table [recode.%s] of profile %s (line "
                       "%ld); add it there or set a default '* = …'"),
                 mz_field_id(f), mz_profile_file(b->p), mz_profile_recode_line(b->p, f));
        mz_error_set(err, MZ_ERR_DATA, b->file, row, var_name(b, f), b->shown[f], "%s", msg);
        return -1;
    }
    if (out != b->text[f])
        memmove(b->text[f], out, strnlen(out, MAX_TEXT - 1) + 1);
    b->text[f][MAX_TEXT - 1] = '\0';
    if (f == MZ_F_KREIS && rr == MZ_RECODE_NONE) {
        int digits = mz_profile_kreis_digits(b->p);
        const char *prefix = mz_profile_kreis_prefix(b->p);
        size_t n = strlen(out);
        if ((digits > 0 || prefix[0]) && n > 0 && strspn(out, "0123456789") == n &&
            (digits == 0 || n <= (size_t)digits)) {
            /* prefix, then the value padded with leading zeros to `digits` */
            char tmp[MAX_TEXT];
            size_t o = (size_t)snprintf(tmp, sizeof tmp, "%s", prefix);
            for (size_t i = n; i < (size_t)digits && o + 1 < sizeof tmp; i++)
                tmp[o++] = '0';
            snprintf(tmp + o, sizeof tmp - o, "%s", out);
            snprintf(b->text[f], MAX_TEXT, "%s", tmp);
        }
    }
    return 1;
}

/* Whole non-negative number of at most 6 digits (blanks around allowed), as the canonical
 * reader accepts it. */
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

/* A code field: required or optional, within lo..hi. 1 = set, 0 = missing (optional), -1. */
static int code_field(builder_t *b, long row, mz_field_t f, bool required, int lo, int hi,
                      const char *expected, int *out, mz_error_t *err)
{
    int rc = field_text(b, row, f, err);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        if (!required)
            return 0;
        return bad(b, row, f, expected, err);
    }
    if (!parse_small_int(b->text[f], out) || *out < lo || *out > hi)
        return bad(b, row, f, expected, err);
    return 1;
}

static int resolve_kreis(builder_t *b, long row, mz_record_t *rec, mz_error_t *err)
{
    const char *k = b->text[MZ_F_KREIS];
    size_t len = strlen(k);
    if (!mz_utf8_valid(k, len))
        return bad(b, row, MZ_F_KREIS,
                   mz_tr("kein gültiges UTF-8 (Datei in einer anderen Kodierung gespeichert?)",
                         "not valid UTF-8 (file saved in another encoding?)"),
                   err);
    int u = mz_gazetteer_find(b->gz, k);
    if (u < 0) {
        char hint[600], padded[MAX_TEXT + 2];
        bool digits = len > 0 && strspn(k, "0123456789") == len;
        snprintf(padded, sizeof padded, "0%s", k);
        if (digits && (len == 4 || len == 7) && mz_gazetteer_find(b->gz, padded) >= 0)
            snprintf(hint, sizeof hint,
                     mz_tr("unbekannter Kreisschlüssel; vermutlich %s mit verlorener führender "
                           "Null (als Zahl gespeichert?): den Schlüssel als Text führen oder im "
                           "Profil [kreis] digits = 5 setzen",
                           "unknown Kreis key; probably %s with its leading zero lost (stored "
                           "as a number?): keep the key as text or set [kreis] digits = 5 in "
                           "the profile"),
                     padded);
        else
            snprintf(hint, sizeof hint, "%s",
                     mz_tr("unbekannter Kreisschlüssel (AGS); gültige Schlüssel zeigt "
                           "'mzatlas regions'",
                           "unknown Kreis key (AGS); 'mzatlas regions' lists the valid keys"));
        return bad(b, row, MZ_F_KREIS, hint, err);
    }
    const mz_unit_t *unit = mz_gazetteer_unit(b->gz, (size_t)u);
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
        return bad(b, row, MZ_F_KREIS, msg, err);
    }
    if (unit->kind == MZ_KIND_REGION)
        b->seen_whole = true;
    if (unit->kind == MZ_KIND_TEILREGION)
        b->seen_split = true;
    if (b->seen_whole && b->seen_split)
        return bad(b, row, MZ_F_KREIS,
                   mz_tr("Region Hannover kommt sowohl als Ganzes (03241) als auch geteilt "
                         "(03241001/03241999) vor; nur eine Form ist erlaubt",
                         "Region Hannover appears both whole (03241) and split "
                         "(03241001/03241999); only one form is allowed"),
                   err);
    rec->unit = u;
    rec->stratum = mz_gazetteer_unit_stratum(b->gz, (size_t)u);
    return 0;
}

/* Build and validate the record of the current row (same rules and messages as extract.c). */
static int build_record(builder_t *b, long row, mz_record_t *rec, mz_error_t *err)
{
    memset(rec, 0, sizeof *rec);
    rec->line = row;
    rec->unit = -1;
    rec->stratum = -1;
    int rc, year;
    if ((rc = field_text(b, row, MZ_F_YEAR, err)) < 0)
        return -1;
    if (rc == 0 || !parse_small_int(b->text[MZ_F_YEAR], &year) || year < 1950 || year > 2100)
        return bad(b, row, MZ_F_YEAR,
                   mz_tr("erwartet ein Erhebungsjahr (z. B. 2007)",
                         "expected a survey year (e.g. 2007)"),
                   err);
    if (b->year == 0)
        b->year = year;
    if (year != b->year) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 mz_tr("Datensatz eines anderen Jahres (erwartet %d)",
                       "record of another year (expected %d)"),
                 b->year);
        return bad(b, row, MZ_F_YEAR, msg, err);
    }
    rec->year = year;

    bool has_kreis = false;
    if ((rc = field_text(b, row, MZ_F_KREIS, err)) < 0)
        return -1;
    if (rc == 1) {
        has_kreis = true;
        if (resolve_kreis(b, row, rec, err) < 0)
            return -1;
    }
    if ((rc = field_text(b, row, MZ_F_SCHICHT, err)) < 0)
        return -1;
    if (rc == 1) {
        int s = mz_gazetteer_find_stratum(b->gz, b->text[MZ_F_SCHICHT]);
        if (s < 0)
            return bad(b, row, MZ_F_SCHICHT,
                       mz_tr("unbekannter Schichtschlüssel (erwartet RA_01 … RA_11)",
                             "unknown stratum code (expected RA_01 … RA_11)"),
                       err);
        if (has_kreis && s != rec->stratum)
            return bad(b, row, MZ_F_SCHICHT,
                       mz_tr("passt nicht zur Schicht des Kreises",
                             "does not match the stratum of the Kreis"),
                       err);
        rec->stratum = s;
    }
    if (rec->stratum < 0)
        return bad(b, row, b->present[MZ_F_KREIS] ? MZ_F_KREIS : MZ_F_SCHICHT,
                   mz_tr("Kreis oder Schicht fehlt", "Kreis or stratum missing"), err);

    if (b->present[MZ_F_PSU] || b->present[MZ_F_STRATUM]) {
        if ((rc = field_text(b, row, MZ_F_PSU, err)) < 0)
            return -1;
        if (rc == 0)
            return bad(b, row, MZ_F_PSU, mz_tr("Auswahlbezirk fehlt", "sampling unit missing"),
                       err);
        if ((rc = field_text(b, row, MZ_F_STRATUM, err)) < 0)
            return -1;
        if (rc == 0)
            return bad(b, row, MZ_F_STRATUM,
                       mz_tr("Auswahlschicht fehlt", "sampling stratum missing"), err);
        if (!mz_utf8_valid(b->text[MZ_F_PSU], strlen(b->text[MZ_F_PSU])))
            return bad(b, row, MZ_F_PSU, mz_tr("kein gültiges UTF-8", "not valid UTF-8"), err);
        if (!mz_utf8_valid(b->text[MZ_F_STRATUM], strlen(b->text[MZ_F_STRATUM])))
            return bad(b, row, MZ_F_STRATUM, mz_tr("kein gültiges UTF-8", "not valid UTF-8"),
                       err);
        static const mz_field_t ids[2] = {MZ_F_PSU, MZ_F_STRATUM};
        for (int i = 0; i < 2; i++) {
            if (strlen(b->text[ids[i]]) > MZ_ID_MAX) {
                char msg[200];
                snprintf(msg, sizeof msg,
                         mz_tr("Kennung zu lang (höchstens %d Bytes)",
                               "identifier too long (at most %d bytes)"),
                         MZ_ID_MAX);
                return bad(b, row, ids[i], msg, err);
            }
        }
        rec->psu = b->text[MZ_F_PSU];
        rec->design_stratum = b->text[MZ_F_STRATUM];
    }

    /* weight: numbers are used as they are (no text round trip), then scaled */
    const raw_t *wr = &b->raw[MZ_F_WEIGHT];
    double w = NAN;
    b->text[MZ_F_WEIGHT][0] = '\0';
    if (wr->kind == RAW_NUM) {
        w = wr->num;
        format_num(w, b->shown[MZ_F_WEIGHT], MAX_TEXT);
    } else {
        trim_copy(b->shown[MZ_F_WEIGHT], MAX_TEXT, wr->kind == RAW_STR ? wr->str : "");
        if (!mz_parse_double(b->shown[MZ_F_WEIGHT], b->decimal_comma, &w))
            w = NAN;
        /* semicolon files: either mark, but one per file (a thousands point after decimal
         * commas would read as a thousandth) */
        const char *sw = b->shown[MZ_F_WEIGHT];
        const char mark = !b->decimal_comma || !isfinite(w) ? 0
                          : strchr(sw, ',')                 ? ','
                          : strchr(sw, '.')                 ? '.'
                                                            : 0;
        if (mark && b->wmark && mark != b->wmark) {
            snprintf(b->text[MZ_F_WEIGHT], MAX_TEXT, "%s", sw);
            char msg[300];
            snprintf(msg, sizeof msg,
                     mz_tr("Dezimaltrennzeichen '%c', in Zeile %ld war es '%c' "
                           "(Tausenderpunkt? Gewichte ohne Tausendertrennzeichen schreiben)",
                           "decimal mark '%c', in line %ld it was '%c' (a thousands "
                           "separator? write weights without one)"),
                     mark, b->wmark_row, b->wmark);
            return bad(b, row, MZ_F_WEIGHT, msg, err);
        }
        if (mark && !b->wmark) {
            b->wmark = mark;
            b->wmark_row = row;
        }
    }
    snprintf(b->text[MZ_F_WEIGHT], MAX_TEXT, "%s", b->shown[MZ_F_WEIGHT]);
    double scale = mz_profile_weight_scale(b->p);
    if (scale != 1.0 && isfinite(w)) {
        w *= scale;
        format_num(w, b->text[MZ_F_WEIGHT], MAX_TEXT);
    }
    if (!(w > 0) || w > MAX_WEIGHT)
        return bad(b, row, MZ_F_WEIGHT,
                   mz_tr("erwartet einen Hochrechnungsfaktor > 0 und <= 100000 (Personen je "
                         "Datensatz; bei Angabe in Tausend weight_scale = 1000 im Profil)",
                         "expected a weight > 0 and <= 100000 (persons per record; when given "
                         "in thousands set weight_scale = 1000 in the profile)"),
                   err);
    rec->weight = w;

    if (code_field(b, row, MZ_F_AGE, true, 0, 120,
                   mz_tr("erwartet ganze Lebensjahre von 0 bis 120",
                         "expected whole years from 0 to 120"),
                   &rec->age, err) < 0)
        return -1;
    if (code_field(b, row, MZ_F_SEX, false, 1, 2,
                   mz_tr("erwartet 1 (männlich) oder 2 (weiblich)",
                         "expected 1 (male) or 2 (female)"),
                   &rec->sex, err) < 0)
        return -1;
    if (code_field(b, row, MZ_F_MIG, true, 0, 2,
                   mz_tr("erwartet 0 (ohne MH), 1 (Deutsche mit MH) oder 2 (Ausländer/-innen)",
                         "expected 0 (without MH), 1 (German with MH) or 2 (foreign national)"),
                   &rec->mig, err) < 0)
        return -1;
    if (code_field(b, row, MZ_F_ILO, true, 1, 3,
                   mz_tr("erwartet 1 (erwerbstätig), 2 (erwerbslos) oder 3 (Nichterwerbsperson)",
                         "expected 1 (employed), 2 (unemployed) or 3 (inactive)"),
                   &rec->ilo, err) < 0)
        return -1;
    bool skip = rec->ilo != MZ_ILO_EMPLOYED && mz_profile_not_employed(b->p) == MZ_NOTEMP_ZERO;
    if (!skip) {
        if (code_field(b, row, MZ_F_SELFEMP, true, 0, 1,
                       mz_tr("erwartet 1 (selbständig) oder 0", "expected 1 (self-employed) or 0"),
                       &rec->selfemp, err) < 0)
            return -1;
        if (code_field(b, row, MZ_F_SECTOR, true, 0, 4,
                       mz_tr("erwartet 0 (nicht erwerbstätig) oder 1–4 (Wirtschaftsbereich)",
                             "expected 0 (not employed) or 1-4 (economic sector)"),
                       &rec->sector, err) < 0)
            return -1;
    }
    if (rec->ilo == MZ_ILO_EMPLOYED && rec->sector == MZ_SECTOR_NONE)
        return bad(b, row, MZ_F_SECTOR,
                   mz_tr("Erwerbstätige brauchen einen Wirtschaftsbereich 1–4",
                         "employed persons need an economic sector 1-4"),
                   err);
    if (rec->ilo != MZ_ILO_EMPLOYED && rec->sector != MZ_SECTOR_NONE)
        return bad(b, row, MZ_F_SECTOR,
                   mz_tr("Wirtschaftsbereich nur bei Erwerbstätigen (ilo = 1), sonst 0",
                         "a sector only for employed persons (ilo = 1), else 0"),
                   err);
    if (rec->ilo != MZ_ILO_EMPLOYED && rec->selfemp)
        return bad(b, row, MZ_F_SELFEMP,
                   mz_tr("selbständig nur bei Erwerbstätigen (ilo = 1)",
                         "self-employed only for employed persons (ilo = 1)"),
                   err);
    if (b->present[MZ_F_SYNTHETIC] && field_text(b, row, MZ_F_SYNTHETIC, err) == 1 &&
        strcmp(b->text[MZ_F_SYNTHETIC], "1") == 0)
        b->synthetic = true;
    return 0;
}

/* A variable named by the profile that the file lacks. */
static mz_status_t missing_variable(const builder_t *b, mz_field_t f, mz_error_t *err)
{
    return mz_error_set(err, MZ_ERR_DATA, b->file, 1, mz_profile_variable(b->p, f), "",
                        mz_tr("Variable fehlt in der Datei (Feld %s, zugeordnet im Profil %s, "
                              "Zeile %ld)",
                              "variable missing from the file (field %s, mapped in profile %s, "
                              "line %ld)"),
                        mz_field_id(f), mz_profile_file(b->p), mz_profile_line(b->p, f));
}

/* Whether the current row passes the profile's filters. */
static bool row_kept(builder_t *b)
{
    for (size_t i = 0; i < mz_profile_filter_count(b->p); i++) {
        const raw_t *r = &b->raw[MZ_NFIELDS + i];
        if (r->kind == RAW_MISSING ||
            !mz_profile_filter_keeps(b->p, i, r->kind == RAW_NUM, r->num,
                                     r->kind == RAW_STR ? r->str : NULL)) {
            b->skipped++;
            return false;
        }
    }
    return true;
}

/* After the variables are known: every mapped, non-optional variable must be there. */
static mz_status_t check_variables(builder_t *b, mz_error_t *err)
{
    for (size_t i = 0; i < mz_profile_filter_count(b->p); i++)
        if (!b->present[MZ_NFIELDS + i])
            return mz_error_set(err, MZ_ERR_DATA, b->file, 1, mz_profile_filter_variable(b->p, i),
                                "",
                                mz_tr("Filtervariable fehlt in der Datei (Profil %s, Zeile %ld)",
                                      "filter variable missing from the file (profile %s, line "
                                      "%ld)"),
                                mz_profile_file(b->p), mz_profile_filter_line(b->p, i));
    for (int f = 0; f < MZ_NFIELDS; f++) {
        if (mz_profile_constant(b->p, (mz_field_t)f))
            b->present[f] = true;
        else if (mz_profile_variable(b->p, (mz_field_t)f) && !b->present[f] &&
                 !mz_profile_optional(b->p, (mz_field_t)f))
            return missing_variable(b, (mz_field_t)f, err);
    }
    if (!b->present[MZ_F_KREIS] && !b->present[MZ_F_SCHICHT])
        return mz_error_set(err, MZ_ERR_DATA, b->file, 1, "kreis", "", "%s",
                            mz_tr("weder Variable für kreis noch für schicht vorhanden",
                                  "neither a kreis nor a schicht variable present"));
    if (b->present[MZ_F_PSU] != b->present[MZ_F_STRATUM])
        return mz_error_set(err, MZ_ERR_DATA, b->file, 1, b->present[MZ_F_PSU] ? "stratum" : "psu",
                            "", "%s",
                            mz_tr("psu und stratum gehören zusammen: beide oder keine",
                                  "psu and stratum go together: both or neither"));
    return MZ_OK;
}

/* Which slots (fields, then filters) a variable name feeds: bit set. */
static uint32_t fields_of_variable(const mz_profile_t *p, const char *name)
{
    uint32_t m = 0;
    for (int f = 0; f < MZ_NFIELDS; f++) {
        const char *v = mz_profile_variable(p, (mz_field_t)f);
        if (v && strcasecmp(v, name) == 0)
            m |= 1u << f;
    }
    for (size_t i = 0; i < mz_profile_filter_count(p); i++)
        if (strcasecmp(mz_profile_filter_variable(p, i), name) == 0)
            m |= 1u << (MZ_NFIELDS + i);
    return m;
}

/* ---------------------------------------------------------------- file hash */

static mz_status_t hash_file(const char *path, mz_source_info_t *info, mz_error_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                            mz_tr("Datei fehlt oder ist nicht lesbar",
                                  "file missing or not readable"));
    struct sha256_ctx sha;
    sha256_init(&sha);
    static const size_t bufsize = 1 << 16;
    unsigned char *buf = malloc(bufsize);
    if (!buf) {
        fclose(f);
        return mz_error_set(err, MZ_ERR_NOMEM, path, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    }
    size_t got;
    info->bytes = 0;
    while ((got = fread(buf, 1, bufsize, f)) > 0) {
        sha256_update(&sha, got, buf);
        info->bytes += got;
    }
    bool failed = ferror(f) != 0;
    fclose(f);
    free(buf);
    if (failed)
        return mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                            mz_tr("Lesefehler (ist es ein Verzeichnis?)",
                                  "read error (is it a directory?)"));
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&sha, sizeof d, d);
    for (size_t i = 0; i < sizeof d; i++)
        snprintf(info->sha256 + 2 * i, 3, "%02x", d[i]);
    return MZ_OK;
}

/* ---------------------------------------------------------------- canonical CSV */

static mz_status_t read_canonical_csv(const char *path, const mz_source_options_t *opt,
                                      mz_record_fn fn, void *ctx, mz_source_info_t *info,
                                      mz_error_t *err)
{
    mz_extract_options_t xo = {.year = opt->year, .gazetteer = opt->gazetteer};
    mz_extract_reader_t *r = mz_extract_open(path, &xo, err);
    if (!r)
        return err ? err->status : MZ_ERR_DATA;
    mz_record_t rec;
    int rc;
    mz_status_t st = MZ_OK;
    while ((rc = mz_extract_next(r, &rec, err)) == 1) {
        if ((st = fn(ctx, &rec, err)) != MZ_OK)
            break;
        info->records++;
    }
    if (rc < 0)
        st = err ? err->status : MZ_ERR_DATA;
    if (st == MZ_OK) {
        snprintf(info->sha256, sizeof info->sha256, "%s", mz_extract_sha256(r));
        info->bytes = mz_extract_bytes_read(r);
        info->design = mz_extract_has_design(r);
        info->synthetic = mz_extract_is_synthetic(r);
        info->year = mz_extract_year(r);
    }
    mz_extract_close(r);
    return st;
}

/* ---------------------------------------------------------------- CSV through a profile */

static mz_status_t read_profile_csv(const char *path, builder_t *b, mz_record_fn fn, void *ctx,
                                    mz_source_info_t *info, mz_error_t *err)
{
    int col[NSLOTS];
    char names[NSLOTS][MAX_TEXT]; /* the header's name of each slot's column, for messages */
    mz_status_t st = MZ_OK;
    mz_csv_t *csv = mz_csv_open(path, 0, err);
    if (!csv)
        return err ? err->status : MZ_ERR_IO;
    for (int f = 0; f < NSLOTS; f++)
        col[f] = -1;
    int rc = mz_csv_next(csv, err);
    if (rc <= 0) {
        if (rc == 0)
            mz_error_set(err, MZ_ERR_DATA, path, 1, NULL, NULL, "%s",
                         mz_tr("leere Datei: Kopfzeile mit Variablennamen erwartet",
                               "empty file: expected a header row with variable names"));
        st = err ? err->status : MZ_ERR_DATA;
        goto done;
    }
    b->decimal_comma = mz_csv_sep(csv) == ';';
    size_t ncols = mz_csv_nfields(csv);
    for (size_t i = 0; i < ncols; i++) {
        char h[MAX_TEXT];
        trim_copy(h, sizeof h, mz_csv_field(csv, i));
        uint32_t m = fields_of_variable(b->p, h);
        for (int f = 0; f < NSLOTS; f++) {
            if (!(m & (1u << f)))
                continue;
            if (col[f] >= 0) {
                st = mz_error_set(err, MZ_ERR_DATA, path, 1, h, h, "%s",
                                  mz_tr("Spalte kommt doppelt vor (Groß-/Kleinschreibung wird "
                                        "nicht unterschieden)",
                                        "duplicate column (case is not significant)"));
                goto done;
            }
            col[f] = (int)i;
            snprintf(names[f], sizeof names[f], "%s", h);
            b->present[f] = true;
        }
    }
    if ((st = check_variables(b, err)) != MZ_OK)
        goto done;
    while ((rc = mz_csv_next(csv, err)) == 1) {
        long line = mz_csv_line(csv);
        size_t nf = mz_csv_nfields(csv);
        for (int f = 0; f < NSLOTS; f++) {
            raw_t *r = &b->raw[f];
            r->kind = RAW_MISSING;
            if (col[f] < 0)
                continue;
            if ((size_t)col[f] >= nf) {
                st = mz_error_set(err, MZ_ERR_DATA, path, line, NULL, "",
                                  mz_tr("Zeile hat nur %zu Felder (Spalte fehlt; falsches "
                                        "Trennzeichen oder abgeschnittene Zeile?)",
                                        "row has only %zu fields (column missing; wrong "
                                        "separator or truncated row?)"),
                                  nf);
                goto done;
            }
            const char *v = mz_csv_field(csv, (size_t)col[f]);
            if (mz_csv_field_len(csv, (size_t)col[f]) >= MAX_TEXT) {
                st = mz_error_set(err, MZ_ERR_DATA, path, line, names[f], v,
                                  mz_tr("Wert zu lang (höchstens %d Bytes)",
                                        "value too long (at most %d bytes)"),
                                  MAX_TEXT - 1);
                goto done;
            }
            r->kind = RAW_STR;
            snprintf(r->str, MAX_TEXT, "%s", v);
        }
        for (size_t i = ncols; i < nf; i++) {
            if (mz_csv_field_len(csv, i) == 0)
                continue;
            st = mz_error_set(err, MZ_ERR_DATA, path, line, NULL, NULL,
                              mz_tr("Zeile hat %zu Felder, die Kopfzeile nur %zu (Trennzeichen "
                                    "in einem Wert, z. B. Dezimalkomma in einer Datei mit Komma "
                                    "als Trennzeichen?)",
                                    "row has %zu fields, the header only %zu (a separator inside "
                                    "a value, e.g. a decimal comma in a comma-separated file?)"),
                              nf, ncols);
            goto done;
        }
        if (!row_kept(b))
            continue;
        mz_record_t rec;
        if (build_record(b, line, &rec, err) < 0) {
            st = err ? err->status : MZ_ERR_DATA;
            goto done;
        }
        if ((st = fn(ctx, &rec, err)) != MZ_OK)
            goto done;
        b->wsum += rec.weight;
        info->records++;
    }
    if (rc < 0) {
        st = err ? err->status : MZ_ERR_DATA;
        goto done;
    }
    snprintf(info->sha256, sizeof info->sha256, "%s", mz_csv_sha256(csv));
    info->bytes = mz_csv_bytes_read(csv);
done:
    mz_csv_close(csv);
    return st;
}

/* ---------------------------------------------------------------- ReadStat formats */

typedef struct rs_state {
    builder_t *b;
    mz_record_fn fn;
    void *ctx;
    mz_source_info_t *info;
    mz_error_t *err;
    mz_status_t st;
    bool checked;          /* variables checked */
    long row;              /* obs index of the pending row, -1 = none */
    uint32_t *var_fields;  /* per variable index: fields it feeds */
    char **var_labelset;   /* per variable index: its value-label set name, or NULL */
    size_t nvars, vars_cap;
    char *field_labelset[NSLOTS];
    mz_strmap_t labels;    /* "set\x1fvalue" → id */
    char **label_text;
    size_t nlabels, labels_cap;
    char rs_message[512];  /* last message of ReadStat's error handler */
    size_t labelset_max;   /* Stata: bytes of a label-set name field (0: no bound needed) */
} rs_state_t;

/* Stata keeps the label-set name of each variable in a fixed-width field (dta format < 110: 9
 * bytes, < 118: 33, later 129), and ReadStat up to 1.1.8 hands it on as it stands in the file:
 * a field without a NUL byte runs on into the next one, and past the end of the last (found by
 * fuzz_readstat). The file's format version, known before the variables, bounds the name. */
static int rs_metadata(readstat_metadata_t *metadata, void *ctx)
{
    rs_state_t *s = ctx;
    const int v = readstat_get_file_format_version(metadata);
    s->labelset_max = v < 110 ? 9 : v < 118 ? 33 : 129;
    return READSTAT_HANDLER_OK;
}

static void rs_error(const char *msg, void *ctx)
{
    rs_state_t *s = ctx;
    trim_copy(s->rs_message, sizeof s->rs_message, msg);
}

static int rs_nomem(rs_state_t *s)
{
    s->st = mz_error_set(s->err, MZ_ERR_NOMEM, s->b->file, 0, NULL, NULL, "%s",
                         mz_strerror(MZ_ERR_NOMEM));
    return READSTAT_HANDLER_ABORT;
}

static int rs_variable(int index, readstat_variable_t *variable, const char *val_labels,
                       void *ctx)
{
    rs_state_t *s = ctx;
    if (index < 0)
        return READSTAT_HANDLER_SKIP_VARIABLE;
    if ((size_t)index >= s->vars_cap) {
        size_t nc = s->vars_cap ? s->vars_cap * 2 : 64;
        while (nc <= (size_t)index)
            nc *= 2;
        uint32_t *nf = realloc(s->var_fields, nc * sizeof *nf);
        if (!nf)
            return rs_nomem(s);
        s->var_fields = nf;
        char **nl = realloc(s->var_labelset, nc * sizeof *nl);
        if (!nl)
            return rs_nomem(s);
        s->var_labelset = nl;
        for (size_t i = s->vars_cap; i < nc; i++) {
            s->var_fields[i] = 0;
            s->var_labelset[i] = NULL;
        }
        s->vars_cap = nc;
    }
    if ((size_t)index >= s->nvars)
        s->nvars = (size_t)index + 1;
    const char *name = readstat_variable_get_name(variable);
    uint32_t m = fields_of_variable(s->b->p, name ? name : "");
    s->var_fields[index] = m;
    if (!m)
        return READSTAT_HANDLER_SKIP_VARIABLE;
    for (int f = 0; f < NSLOTS; f++) {
        if (!(m & (1u << f)))
            continue;
        if (s->b->present[f]) {
            s->st = mz_error_set(s->err, MZ_ERR_DATA, s->b->file, 0, name, name, "%s",
                                 mz_tr("Variable kommt doppelt vor (Groß-/Kleinschreibung wird "
                                       "nicht unterschieden)",
                                       "duplicate variable (case is not significant)"));
            return READSTAT_HANDLER_ABORT;
        }
        s->b->present[f] = true;
        if (val_labels && val_labels[0]) {
            const size_t n = s->labelset_max ? strnlen(val_labels, s->labelset_max)
                                             : strlen(val_labels);
            free(s->field_labelset[f]);
            s->field_labelset[f] = malloc(n + 1);
            if (!s->field_labelset[f])
                return rs_nomem(s);
            memcpy(s->field_labelset[f], val_labels, n);
            s->field_labelset[f][n] = '\0';
        }
    }
    return READSTAT_HANDLER_OK;
}

static void label_key(char *buf, size_t size, const char *set, double v)
{
    char num[64];
    format_num(v, num, sizeof num);
    snprintf(buf, size, "%s\x1f%s", set, num);
}

static int rs_value_label(const char *val_labels, readstat_value_t value, const char *label,
                          void *ctx)
{
    rs_state_t *s = ctx;
    if (!val_labels || !label || readstat_value_type_class(value) != READSTAT_TYPE_CLASS_NUMERIC ||
        readstat_value_is_tagged_missing(value) || readstat_value_is_system_missing(value))
        return READSTAT_HANDLER_OK;
    char key[512];
    label_key(key, sizeof key, val_labels, readstat_double_value(value));
    bool added;
    long id = mz_strmap_intern(&s->labels, key, strlen(key), &added);
    if (id < 0)
        return rs_nomem(s);
    if (!added)
        return READSTAT_HANDLER_OK;
    if (s->nlabels == s->labels_cap) {
        size_t nc = s->labels_cap ? s->labels_cap * 2 : 64;
        char **nl = realloc(s->label_text, nc * sizeof *nl);
        if (!nl)
            return rs_nomem(s);
        s->label_text = nl;
        s->labels_cap = nc;
    }
    s->label_text[s->nlabels] = mz_strdup(label);
    if (!s->label_text[s->nlabels])
        return rs_nomem(s);
    s->nlabels++;
    return READSTAT_HANDLER_OK;
}

static const char *rs_label(void *ctx, mz_field_t f, double v)
{
    rs_state_t *s = ctx;
    if (!s->field_labelset[f])
        return NULL;
    char key[512];
    label_key(key, sizeof key, s->field_labelset[f], v);
    long id = mz_strmap_find(&s->labels, key, strlen(key));
    return id >= 0 ? s->label_text[id] : NULL;
}

/* The pending row is complete: build, validate and hand it on. */
static int rs_flush(rs_state_t *s)
{
    if (s->row < 0)
        return READSTAT_HANDLER_OK;
    mz_record_t rec;
    long row = s->row + 1;
    s->row = -1;
    if (row_kept(s->b)) {
        if (build_record(s->b, row, &rec, s->err) < 0) {
            s->st = s->err ? s->err->status : MZ_ERR_DATA;
            return READSTAT_HANDLER_ABORT;
        }
        if ((s->st = s->fn(s->ctx, &rec, s->err)) != MZ_OK)
            return READSTAT_HANDLER_ABORT;
        s->b->wsum += rec.weight;
        s->info->records++;
    }
    for (int f = 0; f < NSLOTS; f++)
        s->b->raw[f].kind = RAW_MISSING;
    return READSTAT_HANDLER_OK;
}

static int rs_value(int obs_index, readstat_variable_t *variable, readstat_value_t value,
                    void *ctx)
{
    rs_state_t *s = ctx;
    if (!s->checked) {
        s->checked = true;
        if ((s->st = check_variables(s->b, s->err)) != MZ_OK)
            return READSTAT_HANDLER_ABORT;
    }
    if (obs_index != s->row) {
        if (rs_flush(s) != READSTAT_HANDLER_OK)
            return READSTAT_HANDLER_ABORT;
        s->row = obs_index;
    }
    int index = readstat_variable_get_index(variable);
    if (index < 0 || (size_t)index >= s->nvars || !s->var_fields[index])
        return READSTAT_HANDLER_OK;
    uint32_t m = s->var_fields[index];
    for (int f = 0; f < NSLOTS; f++) {
        if (!(m & (1u << f)))
            continue;
        raw_t *r = &s->b->raw[f];
        if (readstat_value_is_missing(value, variable)) {
            r->kind = RAW_MISSING;
            continue;
        }
        switch (readstat_value_type(value)) {
        case READSTAT_TYPE_STRING:
        case READSTAT_TYPE_STRING_REF: {
            const char *v = readstat_string_value(value);
            r->kind = RAW_STR;
            if (v && strlen(v) >= MAX_TEXT) {
                s->st = mz_error_set(s->err, MZ_ERR_DATA, s->b->file, (long)obs_index + 1,
                                     readstat_variable_get_name(variable), v, "%s",
                                     mz_tr("Wert zu lang", "value too long"));
                return READSTAT_HANDLER_ABORT;
            }
            snprintf(r->str, MAX_TEXT, "%s", v ? v : "");
            break;
        }
        case READSTAT_TYPE_INT8:
            r->kind = RAW_NUM;
            r->num = readstat_int8_value(value);
            break;
        case READSTAT_TYPE_INT16:
            r->kind = RAW_NUM;
            r->num = readstat_int16_value(value);
            break;
        case READSTAT_TYPE_INT32:
            r->kind = RAW_NUM;
            r->num = readstat_int32_value(value);
            break;
        case READSTAT_TYPE_FLOAT:
            r->kind = RAW_NUM;
            r->num = readstat_float_value(value);
            break;
        case READSTAT_TYPE_DOUBLE:
            r->kind = RAW_NUM;
            r->num = readstat_double_value(value);
            break;
        }
    }
    return READSTAT_HANDLER_OK;
}

static void rs_state_finish(rs_state_t *s)
{
    free(s->var_fields);
    for (size_t i = 0; i < s->vars_cap; i++)
        free(s->var_labelset ? s->var_labelset[i] : NULL);
    free(s->var_labelset);
    for (int f = 0; f < NSLOTS; f++)
        free(s->field_labelset[f]);
    for (size_t i = 0; i < s->nlabels; i++)
        free(s->label_text[i]);
    free(s->label_text);
    mz_strmap_finish(&s->labels);
}

static mz_status_t read_readstat(const char *path, mz_input_format_t fmt, builder_t *b,
                                 mz_record_fn fn, void *ctx, mz_source_info_t *info,
                                 mz_error_t *err)
{
    mz_status_t st = hash_file(path, info, err);
    if (st != MZ_OK)
        return st;
    rs_state_t s;
    memset(&s, 0, sizeof s);
    s.b = b;
    s.fn = fn;
    s.ctx = ctx;
    s.info = info;
    s.err = err;
    s.row = -1;
    mz_strmap_init(&s.labels);
    b->label = rs_label;
    b->label_ctx = &s;
    readstat_parser_t *parser = readstat_parser_init();
    if (!parser) {
        rs_state_finish(&s);
        return mz_error_set(err, MZ_ERR_NOMEM, path, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    }
    readstat_set_variable_handler(parser, rs_variable);
    readstat_set_value_handler(parser, rs_value);
    readstat_set_error_handler(parser, rs_error);
    if (mz_profile_use_labels(b->p))
        readstat_set_value_label_handler(parser, rs_value_label);
    readstat_error_t rc = READSTAT_OK;
    /* Stata files keep their value labels after the data: collect them in a first pass, or no
     * record would see its labels (and a numeric recode would silently take their place) */
    if (fmt == MZ_FORMAT_DTA && mz_profile_use_labels(b->p)) {
        readstat_parser_t *lp = readstat_parser_init();
        if (!lp) {
            readstat_parser_free(parser);
            rs_state_finish(&s);
            return mz_error_set(err, MZ_ERR_NOMEM, path, 0, NULL, NULL, "%s",
                                mz_strerror(MZ_ERR_NOMEM));
        }
        readstat_set_value_label_handler(lp, rs_value_label);
        readstat_set_error_handler(lp, rs_error);
        rc = readstat_parse_dta(lp, path, &s);
        readstat_parser_free(lp);
    }
    if (rc == READSTAT_OK && s.st == MZ_OK) {
        switch (fmt) {
        case MZ_FORMAT_DTA:
            readstat_set_metadata_handler(parser, rs_metadata);
            rc = readstat_parse_dta(parser, path, &s);
            break;
        case MZ_FORMAT_SAV: rc = readstat_parse_sav(parser, path, &s); break;
        case MZ_FORMAT_SAS7BDAT: rc = readstat_parse_sas7bdat(parser, path, &s); break;
        case MZ_FORMAT_CSV: break;
        }
    }
    readstat_parser_free(parser);
    if (s.st == MZ_OK && rc == READSTAT_OK) {
        if (!s.checked) {
            s.checked = true;
            s.st = check_variables(b, err);
        }
        if (s.st == MZ_OK && rs_flush(&s) != READSTAT_HANDLER_OK && s.st == MZ_OK)
            s.st = MZ_ERR_DATA;
    } else if (s.st == MZ_OK) {
        s.st = mz_error_set(err, rc == READSTAT_ERROR_OPEN ? MZ_ERR_IO : MZ_ERR_DATA, path, 0,
                            NULL, NULL,
                            mz_tr("keine lesbare %s-Datei: %s%s%s",
                                  "not a readable %s file: %s%s%s"),
                            mz_source_format_id(fmt), readstat_error_message(rc),
                            s.rs_message[0] ? " — " : "", s.rs_message);
    }
    rs_state_finish(&s);
    b->label = NULL;
    return s.st;
}

/* ---------------------------------------------------------------- entry point */

mz_status_t mz_source_read(const char *path, const mz_source_options_t *opt, mz_record_fn fn,
                           void *ctx, mz_source_info_t *info, mz_error_t *err)
{
    mz_source_info_t dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    info->format = mz_source_format(path);
    mz_profile_t *own = NULL;
    const mz_profile_t *p = opt->profile;
    if (info->format == MZ_FORMAT_CSV && (!p || mz_profile_is_canonical(p)))
        return read_canonical_csv(path, opt, fn, ctx, info, err);
    if (!p) {
        own = mz_profile_canonical(err);
        if (!own)
            return err ? err->status : MZ_ERR_NOMEM;
        p = own;
    }
    builder_t *b = calloc(1, sizeof *b);
    if (!b) {
        mz_profile_destroy(own);
        return mz_error_set(err, MZ_ERR_NOMEM, path, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    }
    b->p = p;
    b->gz = opt->gazetteer;
    b->file = path;
    b->year = opt->year;
    mz_status_t st = info->format == MZ_FORMAT_CSV
                         ? read_profile_csv(path, b, fn, ctx, info, err)
                         : read_readstat(path, info->format, b, fn, ctx, info, err);
    if (st == MZ_OK) {
        info->design = b->present[MZ_F_PSU] && b->present[MZ_F_STRATUM];
        info->synthetic = b->synthetic;
        info->year = b->year;
        info->skipped = b->skipped;
        /* a 1 % sample stands for about 100 persons per record; a mean below one person means
         * the weight is in thousands (or worse) and every count would be off */
        if (info->records > 0 && b->wsum / (double)info->records < 1.0)
            st = mz_error_set(err, MZ_ERR_DATA, path, 0, var_name(b, MZ_F_WEIGHT), NULL,
                              mz_tr("mittlerer Hochrechnungsfaktor %.4g Personen je Datensatz: "
                                    "das Gewicht ist vermutlich in Tausend angegeben; im Profil "
                                    "weight_scale = 1000 setzen",
                                    "mean weight %.4g persons per record: the weight is probably "
                                    "given in thousands; set weight_scale = 1000 in the profile"),
                              b->wsum / (double)info->records);
    }
    free(b);
    mz_profile_destroy(own);
    return st;
}

/* ---------------------------------------------------------------- several extracts */

struct mz_owners {
    const mz_gazetteer_t *gz;
    char **files;
    size_t nfiles;
    int *unit_file;    /* [units] file of the unit's records, -1 none */
    int *so_file;      /* [strata] file of stratum-only records, -1 none */
    int *su_file;      /* [strata] file of Kreis records in the stratum: -1 none, -2 several */
    int hannover_whole; /* file with 03241 as a whole, -1 none */
    int hannover_split; /* file with 03241001/03241999, -1 none */
};

mz_owners_t *mz_owners_create(const mz_gazetteer_t *gz, mz_error_t *err)
{
    mz_owners_t *o = calloc(1, sizeof *o);
    size_t nu = mz_gazetteer_count(gz), ns = mz_gazetteer_strata_count(gz);
    if (!o)
        goto nomem;
    o->gz = gz;
    o->unit_file = malloc((nu ? nu : 1) * sizeof *o->unit_file);
    o->so_file = malloc((ns ? ns : 1) * sizeof *o->so_file);
    o->su_file = malloc((ns ? ns : 1) * sizeof *o->su_file);
    if (!o->unit_file || !o->so_file || !o->su_file)
        goto nomem;
    for (size_t u = 0; u < nu; u++)
        o->unit_file[u] = -1;
    for (size_t s = 0; s < ns; s++)
        o->so_file[s] = o->su_file[s] = -1;
    o->hannover_whole = o->hannover_split = -1;
    return o;
nomem:
    mz_owners_destroy(o);
    mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
    return NULL;
}

void mz_owners_destroy(mz_owners_t *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->nfiles; i++)
        free(o->files[i]);
    free(o->files);
    free(o->unit_file);
    free(o->so_file);
    free(o->su_file);
    free(o);
}

mz_status_t mz_owners_begin_file(mz_owners_t *o, const char *path, mz_error_t *err)
{
    char **nf = realloc(o->files, (o->nfiles + 1) * sizeof *nf);
    if (!nf)
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    o->files = nf;
    o->files[o->nfiles] = mz_strdup(path);
    if (!o->files[o->nfiles])
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    o->nfiles++;
    return MZ_OK;
}

mz_status_t mz_owners_check(mz_owners_t *o, const mz_record_t *rec, mz_error_t *err)
{
    if (o->nfiles == 0)
        return MZ_OK;
    const int cur = (int)o->nfiles - 1;
    const char *file = o->files[cur];
    const int s = rec->stratum;
    if (rec->unit >= 0) {
        int *uf = &o->unit_file[rec->unit];
        if (*uf == cur)
            return MZ_OK; /* the common case: nothing to update */
        const mz_unit_t *unit = mz_gazetteer_unit(o->gz, (size_t)rec->unit);
        if (*uf >= 0)
            return mz_error_set(err, MZ_ERR_DATA, file, rec->line, "kreis", unit->ags,
                                mz_tr("%s kommt schon in %s vor: mehrere Auszüge müssen "
                                      "verschiedene Kreise enthalten (z. B. einer je Schicht)",
                                      "%s already appears in %s: several extracts must hold "
                                      "different Kreise (e.g. one per stratum)"),
                                unit->name, o->files[*uf]);
        if (o->so_file[s] >= 0 && o->so_file[s] != cur)
            return mz_error_set(err, MZ_ERR_DATA, file, rec->line, "kreis", unit->ags,
                                mz_tr("%s enthält Datensätze nur mit Schicht %s, die sich mit "
                                      "diesem Kreis überschneiden können",
                                      "%s holds records with only stratum %s, which may overlap "
                                      "this Kreis"),
                                o->files[o->so_file[s]], mz_gazetteer_stratum_code(o->gz, (size_t)s));
        /* Region Hannover whole in one file and split in another would count it twice */
        if (unit->kind == MZ_KIND_REGION || unit->kind == MZ_KIND_TEILREGION) {
            bool whole = unit->kind == MZ_KIND_REGION;
            int other = whole ? o->hannover_split : o->hannover_whole;
            if (other >= 0)
                return mz_error_set(
                    err, MZ_ERR_DATA, file, rec->line, "kreis", unit->ags,
                    mz_tr("Region Hannover steht in %s %s; hier %s: nur eine Form ist erlaubt",
                          "Region Hannover appears in %s %s; here %s: only one form is allowed"),
                    o->files[other],
                    whole ? mz_tr("geteilt (03241001/03241999)", "split (03241001/03241999)")
                          : mz_tr("als Ganzes (03241)", "whole (03241)"),
                    whole ? mz_tr("als Ganzes", "whole") : mz_tr("geteilt", "split"));
            if (whole)
                o->hannover_whole = cur;
            else
                o->hannover_split = cur;
        }
        *uf = cur;
        o->su_file[s] = o->su_file[s] == -1 || o->su_file[s] == cur ? cur : -2;
        return MZ_OK;
    }
    if (o->so_file[s] == cur)
        return MZ_OK;
    if (o->so_file[s] >= 0)
        return mz_error_set(err, MZ_ERR_DATA, file, rec->line, "schicht",
                            mz_gazetteer_stratum_code(o->gz, (size_t)s),
                            mz_tr("Datensätze dieser Schicht ohne Kreis kommen schon in %s vor",
                                  "records of this stratum without a Kreis already appear in %s"),
                            o->files[o->so_file[s]]);
    if (o->su_file[s] != -1 && o->su_file[s] != cur)
        return mz_error_set(err, MZ_ERR_DATA, file, rec->line, "schicht",
                            mz_gazetteer_stratum_code(o->gz, (size_t)s),
                            mz_tr("ein anderer Auszug (%s) enthält Kreise dieser Schicht; "
                                  "Datensätze nur mit Schicht könnten sich mit ihnen "
                                  "überschneiden",
                                  "another extract (%s) holds Kreise of this stratum; records "
                                  "with only the stratum could overlap them"),
                            o->su_file[s] >= 0 ? o->files[o->su_file[s]]
                                               : mz_tr("mehrere", "several"));
    o->so_file[s] = cur;
    return MZ_OK;
}
