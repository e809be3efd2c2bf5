/* profile.c — variable profiles (INI via libinih): source variable per canonical field, value
 * recodes, weight scale, value-label use, verification status. See docs/profiles.md. */
#include "mzatlas/mz_profile.h"

#include <ctype.h>
#include <dirent.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mzatlas/mz_run.h"
#include "util.h"

static const char *const field_ids[MZ_NFIELDS] = {
    "year", "kreis", "schicht", "psu", "stratum", "weight", "age",
    "sex",  "mig",   "ilo",     "selfemp", "sector", "synthetic"};

/* Valid canonical codes of the integer fields (lo > hi: a text field). */
static const struct {
    int lo, hi;
} field_range[MZ_NFIELDS] = {
    [MZ_F_YEAR] = {1950, 2100}, [MZ_F_KREIS] = {1, 0},  [MZ_F_SCHICHT] = {1, 0},
    [MZ_F_PSU] = {1, 0},        [MZ_F_STRATUM] = {1, 0}, [MZ_F_WEIGHT] = {1, 0},
    [MZ_F_AGE] = {0, 120},      [MZ_F_SEX] = {1, 2},    [MZ_F_MIG] = {0, 2},
    [MZ_F_ILO] = {1, 3},        [MZ_F_SELFEMP] = {0, 1}, [MZ_F_SECTOR] = {0, 4},
    [MZ_F_SYNTHETIC] = {0, 1}};

const char *mz_field_id(mz_field_t f) { return (unsigned)f < MZ_NFIELDS ? field_ids[f] : "?"; }

int mz_field_parse(const char *id)
{
    for (int f = 0; f < MZ_NFIELDS; f++)
        if (strcasecmp(id, field_ids[f]) == 0)
            return f;
    return -1;
}

/* ---------------------------------------------------------------- recode tables */

typedef enum { K_NUM, K_RANGE, K_STR, K_LETTERS, K_DEFAULT, K_MISSING } key_kind_t;

typedef struct recode_entry {
    key_kind_t kind;
    double lo, hi;   /* K_NUM: lo; K_RANGE: lo..hi; K_LETTERS: letter codes */
    char *key;       /* K_STR */
    char *out;
    long line;
} recode_entry_t;

typedef struct recode {
    recode_entry_t *e;
    size_t n, cap;
    long line;       /* line of the section header */
} recode_t;

struct mz_profile {
    char *name;
    char *file;
    char *var[MZ_NFIELDS];
    bool optional[MZ_NFIELDS];
    long line[MZ_NFIELDS];
    char *constant[MZ_NFIELDS];
    bool verified[MZ_NFIELDS];
    recode_t recode[MZ_NFIELDS];
    double weight_scale;
    bool use_labels;
    mz_not_employed_t not_employed;
    char kreis_prefix[16];
    int kreis_digits;
    char unverified[256];
    bool canonical;
    struct {
        char *var;
        char *values;   /* the kept values, as written */
        long line;
    } filter[MZ_PROFILE_MAX_FILTERS];
    size_t nfilters;
};

/* The canonical mapping; data/profiles/canonical.ini holds the same (tests check both agree). */
static const char canonical_ini[] =
    "[profile]\n"
    "name = canonical\n"
    "value_labels = ignore\n"
    "not_employed = check\n"
    "weight_scale = 1\n"
    "[fields]\n"
    "year = year\n"
    "kreis = kreis?\n"
    "schicht = schicht?\n"
    "psu = psu?\n"
    "stratum = stratum?\n"
    "weight = weight\n"
    "age = age\n"
    "sex = sex?\n"
    "mig = mig\n"
    "ilo = ilo\n"
    "selfemp = selfemp\n"
    "sector = sector\n"
    "synthetic = synthetic?\n"
    "[verified]\n"
    "year = yes\nkreis = yes\nschicht = yes\npsu = yes\nstratum = yes\nweight = yes\n"
    "age = yes\nsex = yes\nmig = yes\nilo = yes\nselfemp = yes\nsector = yes\nsynthetic = yes\n";

void mz_profile_destroy(mz_profile_t *p)
{
    if (!p)
        return;
    free(p->name);
    free(p->file);
    for (int f = 0; f < MZ_NFIELDS; f++) {
        free(p->var[f]);
        free(p->constant[f]);
        for (size_t i = 0; i < p->recode[f].n; i++) {
            free(p->recode[f].e[i].key);
            free(p->recode[f].e[i].out);
        }
        free(p->recode[f].e);
    }
    for (size_t i = 0; i < p->nfilters; i++) {
        free(p->filter[i].var);
        free(p->filter[i].values);
    }
    free(p);
}

/* ---------------------------------------------------------------- parsing */

typedef struct parse_state {
    mz_profile_t *p;
    mz_error_t *err;
    bool failed;
    /* the line reader: counts lines for messages and refuses over-long ones */
    FILE *f;
    const char *s;
    long lineno;
    bool too_long;
    char section[64];
} parse_state_t;

static char *reader(char *str, int num, void *stream)
{
    parse_state_t *st = stream;
    size_t o = 0, max = num > 1 ? (size_t)num - 1 : 0;
    int c;
    bool any = false;
    for (;;) {
        if (st->f)
            c = fgetc(st->f);
        else
            c = *st->s ? (unsigned char)*st->s++ : EOF;
        if (c == EOF)
            break;
        any = true;
        if (o + 1 >= max) { /* keep room for the newline inih may look for */
            st->too_long = true;
            st->lineno++;
            return NULL;
        }
        str[o++] = (char)c;
        if (c == '\n')
            break;
    }
    if (!any)
        return NULL;
    str[o] = '\0';
    st->lineno++;
    return str;
}

static int fail(parse_state_t *st, const char *key, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(parse_state_t *st, const char *key, const char *value, const char *fmt, ...)
{
    if (!st->failed) {
        va_list ap;
        va_start(ap, fmt);
        mz_error_vset(st->err, MZ_ERR_DATA, st->p->file, st->lineno, key, value, fmt, ap);
        va_end(ap);
        st->failed = true;
    }
    return 0;
}

static bool parse_yes(const char *v, bool *out)
{
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "ja") || !strcasecmp(v, "true") ||
        !strcmp(v, "1")) {
        *out = true;
        return true;
    }
    if (!strcasecmp(v, "no") || !strcasecmp(v, "nein") || !strcasecmp(v, "false") ||
        !strcmp(v, "0")) {
        *out = false;
        return true;
    }
    return false;
}

static bool is_letter_range(const char *k, double *lo, double *hi)
{
    if (strlen(k) == 3 && isalpha((unsigned char)k[0]) && k[1] == '-' &&
        isalpha((unsigned char)k[2])) {
        *lo = toupper((unsigned char)k[0]);
        *hi = toupper((unsigned char)k[2]);
        return *lo <= *hi;
    }
    return false;
}

/* "lo-hi" or "lo..hi" with numbers. */
static bool is_num_range(const char *k, double *lo, double *hi)
{
    char a[64], b[64];
    const char *sep = strstr(k, "..");
    size_t seplen = 2;
    if (!sep) {
        sep = strchr(k + 1, '-'); /* a leading '-' is a sign */
        seplen = 1;
    }
    if (!sep || (size_t)(sep - k) >= sizeof a || strlen(sep + seplen) >= sizeof b)
        return false;
    memcpy(a, k, (size_t)(sep - k));
    a[sep - k] = '\0';
    snprintf(b, sizeof b, "%s", sep + seplen);
    return mz_parse_double(a, false, lo) && mz_parse_double(b, false, hi) && *lo <= *hi;
}

/* Check a recode output against the field's canonical codes. */
static bool valid_output(mz_field_t f, const char *out)
{
    if (field_range[f].lo > field_range[f].hi)
        return out[0] != '\0';
    long v;
    return mz_parse_long(out, &v) && v >= field_range[f].lo && v <= field_range[f].hi;
}

static int add_recode(parse_state_t *st, mz_field_t f, const char *key, const char *value)
{
    recode_t *r = &st->p->recode[f];
    recode_entry_t e = {.line = st->lineno};
    if (f == MZ_F_WEIGHT)
        return fail(st, key, value, "%s",
                    mz_tr("das Gewicht wird nicht umkodiert (weight_scale verwenden)",
                          "the weight is not recoded (use weight_scale)"));
    if (!valid_output(f, value)) {
        char msg[300];
        if (field_range[f].lo <= field_range[f].hi)
            snprintf(msg, sizeof msg,
                     mz_tr("Zielwert für %s muss eine ganze Zahl von %d bis %d sein",
                           "target value for %s must be a whole number from %d to %d"),
                     field_ids[f], field_range[f].lo, field_range[f].hi);
        else
            snprintf(msg, sizeof msg, mz_tr("Zielwert für %s ist leer", "target value for %s is empty"),
                     field_ids[f]);
        return fail(st, key, value, "%s", msg);
    }
    if (strcmp(key, "*") == 0)
        e.kind = K_DEFAULT;
    else if (strcasecmp(key, "missing") == 0 || strcasecmp(key, "fehlend") == 0)
        e.kind = K_MISSING;
    else if (mz_parse_double(key, false, &e.lo))
        e.kind = K_NUM;
    else if (is_letter_range(key, &e.lo, &e.hi))
        e.kind = K_LETTERS;
    else if (is_num_range(key, &e.lo, &e.hi))
        e.kind = K_RANGE;
    else
        e.kind = K_STR;
    for (size_t i = 0; i < r->n; i++) {
        const recode_entry_t *o = &r->e[i];
        bool same = o->kind == e.kind &&
                    (e.kind == K_STR ? strcmp(o->key, key) == 0
                     : (e.kind == K_DEFAULT || e.kind == K_MISSING)
                         ? true
                         : (o->lo == e.lo && (e.kind == K_NUM || o->hi == e.hi)));
        if (same) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     mz_tr("Schlüssel kommt in [recode.%s] doppelt vor (zuerst in Zeile %ld)",
                           "key appears twice in [recode.%s] (first on line %ld)"),
                     field_ids[f], o->line);
            return fail(st, key, value, "%s", msg);
        }
    }
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 16;
        recode_entry_t *ne = realloc(r->e, nc * sizeof *ne);
        if (!ne)
            return fail(st, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        r->e = ne;
        r->cap = nc;
    }
    e.out = mz_strdup(value);
    e.key = e.kind == K_STR ? mz_strdup(key) : NULL;
    if (!e.out || (e.kind == K_STR && !e.key)) {
        free(e.out);
        free(e.key);
        return fail(st, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
    }
    r->e[r->n++] = e;
    return 1;
}

static bool valid_variable_name(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 120)
        return false;
    for (size_t i = 0; i < n; i++)
        if (isspace((unsigned char)v[i]) || v[i] == '"' || v[i] == ',' || v[i] == ';')
            return false;
    return true;
}

static int section_profile(parse_state_t *st, const char *key, const char *value)
{
    mz_profile_t *p = st->p;
    if (!strcasecmp(key, "name")) {
        char *n = mz_strdup(value);
        if (!n)
            return fail(st, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        free(p->name);
        p->name = n;
    } else if (!strcasecmp(key, "title") || !strcasecmp(key, "description") ||
               !strcasecmp(key, "years") || !strcasecmp(key, "source")) {
        /* informative only (docs/profiles.md) */
    } else if (!strcasecmp(key, "value_labels")) {
        if (!strcasecmp(value, "use"))
            p->use_labels = true;
        else if (!strcasecmp(value, "ignore"))
            p->use_labels = false;
        else
            return fail(st, key, value, "%s",
                        mz_tr("erwartet use oder ignore", "expected use or ignore"));
    } else if (!strcasecmp(key, "not_employed")) {
        if (!strcasecmp(value, "check"))
            p->not_employed = MZ_NOTEMP_CHECK;
        else if (!strcasecmp(value, "zero"))
            p->not_employed = MZ_NOTEMP_ZERO;
        else
            return fail(st, key, value, "%s",
                        mz_tr("erwartet check oder zero", "expected check or zero"));
    } else if (!strcasecmp(key, "weight_scale")) {
        double v;
        if (!mz_parse_double(value, false, &v) || !(v > 0) || v > 1e6)
            return fail(st, key, value, "%s",
                        mz_tr("erwartet einen Faktor > 0 (z. B. 1000, wenn das Gewicht in "
                              "Tausend angegeben ist)",
                              "expected a factor > 0 (e.g. 1000 when the weight is given in "
                              "thousands)"));
        p->weight_scale = v;
    } else {
        return fail(st, key, value, "%s",
                    mz_tr("unbekannter Schlüssel in [profile] (erlaubt: name, title, years, "
                          "source, value_labels, not_employed, weight_scale)",
                          "unknown key in [profile] (allowed: name, title, years, source, "
                          "value_labels, not_employed, weight_scale)"));
    }
    return 1;
}

static int field_of_key(parse_state_t *st, const char *key, const char *value)
{
    int f = mz_field_parse(key);
    if (f < 0)
        fail(st, key, value, "%s",
             mz_tr("unbekanntes Feld (erlaubt: year, kreis, schicht, psu, stratum, weight, age, "
                   "sex, mig, ilo, selfemp, sector, synthetic)",
                   "unknown field (allowed: year, kreis, schicht, psu, stratum, weight, age, sex, "
                   "mig, ilo, selfemp, sector, synthetic)"));
    return f;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
    parse_state_t *st = user;
    mz_profile_t *p = st->p;
    if (st->failed)
        return 0;
    if (!strcasecmp(section, "profile"))
        return section_profile(st, key, value);
    if (!strcasecmp(section, "fields")) {
        int f = field_of_key(st, key, value);
        if (f < 0)
            return 0;
        if (p->var[f] || p->constant[f]) {
            char msg[160];
            snprintf(msg, sizeof msg,
                     mz_tr("Feld ist schon in Zeile %ld zugeordnet",
                           "field already mapped on line %ld"),
                     p->line[f]);
            return fail(st, key, value, "%s", msg);
        }
        char name[128];
        snprintf(name, sizeof name, "%s", value);
        size_t n = strlen(name);
        bool opt = n > 0 && name[n - 1] == '?';
        if (opt)
            name[--n] = '\0';
        if (!valid_variable_name(name))
            return fail(st, key, value, "%s",
                        mz_tr("erwartet einen Variablennamen (ohne Leerzeichen), optional mit ? "
                              "am Ende, wenn die Variable fehlen darf",
                              "expected a variable name (no blanks), with a trailing ? when the "
                              "variable may be absent"));
        p->var[f] = mz_strdup(name);
        if (!p->var[f])
            return fail(st, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        p->optional[f] = opt;
        p->line[f] = st->lineno;
        return 1;
    }
    if (!strcasecmp(section, "const")) {
        int f = field_of_key(st, key, value);
        if (f < 0)
            return 0;
        if (p->var[f] || p->constant[f])
            return fail(st, key, value, "%s",
                        mz_tr("Feld ist schon zugeordnet", "field already mapped"));
        if (f == MZ_F_WEIGHT || !valid_output((mz_field_t)f, value))
            return fail(st, key, value, "%s",
                        mz_tr("ungültiger fester Wert für dieses Feld",
                              "invalid constant for this field"));
        p->constant[f] = mz_strdup(value);
        if (!p->constant[f])
            return fail(st, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        p->line[f] = st->lineno;
        return 1;
    }
    if (!strcasecmp(section, "verified")) {
        int f = field_of_key(st, key, value);
        if (f < 0)
            return 0;
        if (!parse_yes(value, &p->verified[f]))
            return fail(st, key, value, "%s", mz_tr("erwartet yes oder no", "expected yes or no"));
        return 1;
    }
    if (!strcasecmp(section, "kreis")) {
        if (!strcasecmp(key, "prefix")) {
            if (strlen(value) >= sizeof p->kreis_prefix || strspn(value, "0123456789") != strlen(value))
                return fail(st, key, value, "%s",
                            mz_tr("erwartet Ziffern (z. B. 03)", "expected digits (e.g. 03)"));
            snprintf(p->kreis_prefix, sizeof p->kreis_prefix, "%s", value);
            return 1;
        }
        if (!strcasecmp(key, "digits")) {
            long d;
            if (!mz_parse_long(value, &d) || d < 0 || d > 8)
                return fail(st, key, value, "%s",
                            mz_tr("erwartet 0 bis 8", "expected 0 to 8"));
            p->kreis_digits = (int)d;
            return 1;
        }
        return fail(st, key, value, "%s",
                    mz_tr("unbekannter Schlüssel in [kreis] (erlaubt: prefix, digits)",
                          "unknown key in [kreis] (allowed: prefix, digits)"));
    }
    if (!strcasecmp(section, "filter")) {
        if (p->nfilters == MZ_PROFILE_MAX_FILTERS)
            return fail(st, key, value, "%s",
                        mz_tr("zu viele Filter (höchstens 4)", "too many filters (at most 4)"));
        if (!valid_variable_name(key) || !value[0])
            return fail(st, key, value, "%s",
                        mz_tr("erwartet VARIABLE = Wert, Wert, …", "expected VARIABLE = value, "
                                                                   "value, …"));
        p->filter[p->nfilters].var = mz_strdup(key);
        p->filter[p->nfilters].values = mz_strdup(value);
        p->filter[p->nfilters].line = st->lineno;
        if (!p->filter[p->nfilters].var || !p->filter[p->nfilters].values) {
            p->nfilters++;
            return fail(st, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        }
        p->nfilters++;
        return 1;
    }
    if (!strncasecmp(section, "recode.", 7)) {
        int f = mz_field_parse(section + 7);
        if (f < 0)
            return fail(st, section, NULL, "%s",
                        mz_tr("unbekanntes Feld im Abschnittsnamen [recode.FELD]",
                              "unknown field in the section name [recode.FIELD]"));
        if (!p->recode[f].line)
            p->recode[f].line = st->lineno;
        return add_recode(st, (mz_field_t)f, key, value);
    }
    return fail(st, section, NULL, "%s",
                mz_tr("unbekannter Abschnitt (erlaubt: profile, fields, const, verified, kreis, "
                      "filter, recode.FELD)",
                      "unknown section (allowed: profile, fields, const, verified, kreis, "
                      "filter, recode.FIELD)"));
}

static mz_status_t check_complete(mz_profile_t *p, mz_error_t *err)
{
    static const mz_field_t required[] = {MZ_F_YEAR, MZ_F_WEIGHT, MZ_F_AGE,     MZ_F_MIG,
                                          MZ_F_ILO,  MZ_F_SELFEMP, MZ_F_SECTOR};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        mz_field_t f = required[i];
        if ((!p->var[f] || p->optional[f]) && !p->constant[f])
            return mz_error_set(err, MZ_ERR_DATA, p->file, 0, field_ids[f], NULL, "%s",
                                mz_tr("Pflichtfeld ist im Abschnitt [fields] nicht (oder nur "
                                      "optional) zugeordnet",
                                      "required field is not mapped (or only as optional) in "
                                      "section [fields]"));
    }
    if (!p->var[MZ_F_KREIS] && !p->var[MZ_F_SCHICHT] && !p->constant[MZ_F_KREIS] &&
        !p->constant[MZ_F_SCHICHT])
        return mz_error_set(err, MZ_ERR_DATA, p->file, 0, "kreis", NULL, "%s",
                            mz_tr("weder kreis noch schicht ist zugeordnet",
                                  "neither kreis nor schicht is mapped"));
    if ((p->var[MZ_F_PSU] != NULL) != (p->var[MZ_F_STRATUM] != NULL))
        return mz_error_set(err, MZ_ERR_DATA, p->file, 0, p->var[MZ_F_PSU] ? "stratum" : "psu",
                            NULL, "%s",
                            mz_tr("psu und stratum gehören zusammen: beide oder keine",
                                  "psu and stratum go together: both or neither"));
    for (int f = 0; f < MZ_NFIELDS; f++)
        if (p->recode[f].n && !p->var[f])
            return mz_error_set(err, MZ_ERR_DATA, p->file, p->recode[f].line, field_ids[f], NULL,
                                "%s",
                                mz_tr("Umkodierung für ein Feld ohne Variable",
                                      "recode table for a field without a variable"));
    /* the canonical mapping: every variable is the field's own name, nothing else changes */
    bool canon = p->weight_scale == 1.0 && !p->use_labels && p->not_employed == MZ_NOTEMP_CHECK &&
                 !p->kreis_prefix[0] && p->kreis_digits == 0 && p->nfilters == 0;
    for (int f = 0; f < MZ_NFIELDS && canon; f++)
        canon = !p->constant[f] && !p->recode[f].n &&
                (!p->var[f] || strcasecmp(p->var[f], field_ids[f]) == 0);
    p->canonical = canon;
    size_t o = 0;
    for (int f = 0; f < MZ_NFIELDS; f++)
        if ((p->var[f] || p->constant[f]) && !p->verified[f] && o < sizeof p->unverified)
            o += (size_t)snprintf(p->unverified + o, sizeof p->unverified - o, "%s%s",
                                  o ? ", " : "", field_ids[f]);
    return MZ_OK;
}

static mz_profile_t *parse(const char *file, FILE *fp, const char *text, mz_error_t *err)
{
    mz_profile_t *p = calloc(1, sizeof *p);
    if (!p || !(p->file = mz_strdup(file))) {
        mz_profile_destroy(p);
        mz_error_set(err, MZ_ERR_NOMEM, file, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        return NULL;
    }
    p->weight_scale = 1.0;
    parse_state_t st = {.p = p, .err = err, .f = fp, .s = text};
    int rc = ini_parse_stream(reader, &st, handler, &st);
    if (st.too_long && !st.failed) {
        mz_error_set(err, MZ_ERR_DATA, file, st.lineno, NULL, NULL, "%s",
                     mz_tr("Zeile zu lang (höchstens 195 Zeichen)",
                           "line too long (at most 195 characters)"));
        st.failed = true;
    }
    if (!st.failed && rc != 0) {
        mz_error_set(err, rc < 0 ? MZ_ERR_NOMEM : MZ_ERR_DATA, file, rc > 0 ? rc : 0, NULL, NULL,
                     "%s",
                     mz_tr("Syntaxfehler: erwartet [Abschnitt], Name = Wert oder einen "
                           "Kommentar (; oder #)",
                           "syntax error: expected [section], name = value or a comment (; or "
                           "#)"));
        st.failed = true;
    }
    if (st.failed)
        goto fail;
    if (!p->name) {
        const char *base = strrchr(file, '/');
        base = base ? base + 1 : file;
        p->name = mz_strdup(base);
        if (!p->name) {
            mz_error_set(err, MZ_ERR_NOMEM, file, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
            goto fail;
        }
        char *dot = strrchr(p->name, '.');
        if (dot && strcmp(dot, ".ini") == 0)
            *dot = '\0';
    }
    if (check_complete(p, err) != MZ_OK)
        goto fail;
    return p;
fail:
    mz_profile_destroy(p);
    return NULL;
}

mz_profile_t *mz_profile_load_mem(const char *name, const char *text, mz_error_t *err)
{
    return parse(name, NULL, text, err);
}

mz_profile_t *mz_profile_canonical(mz_error_t *err)
{
    return parse(mz_tr("(eingebautes Profil canonical)", "(built-in profile canonical)"), NULL,
                 canonical_ini, err);
}

/* The bundled profiles, for the message about an unknown name. */
static void list_bundled(const char *dir, char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && o < size) {
        size_t n = strlen(de->d_name);
        if (n > 4 && strcmp(de->d_name + n - 4, ".ini") == 0)
            o += (size_t)snprintf(buf + o, size - o, "%s%.*s", o ? ", " : "", (int)(n - 4),
                                  de->d_name);
    }
    closedir(d);
}

mz_profile_t *mz_profile_load(const char *name_or_path, mz_error_t *err)
{
    char path[4096];
    size_t n = strlen(name_or_path);
    bool is_path = strchr(name_or_path, '/') || (n > 4 && !strcmp(name_or_path + n - 4, ".ini"));
    if (is_path) {
        snprintf(path, sizeof path, "%s", name_or_path);
    } else {
        if (n == 0 || strspn(name_or_path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                           "0123456789._-") != n) {
            mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL,
                         mz_tr("--profile %s: erwartet den Namen eines mitgelieferten Profils "
                               "oder eine Datei NAME.ini",
                               "--profile %s: expected the name of a bundled profile or a file "
                               "NAME.ini"),
                         name_or_path);
            return NULL;
        }
        char rel[300];
        snprintf(rel, sizeof rel, "profiles/%s.ini", name_or_path);
        mz_data_path(rel, path, sizeof path);
    }
    FILE *fp = fopen(path, "r");
    if (!fp) {
        if (is_path) {
            mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                         mz_tr("Profildatei nicht lesbar", "profile file not readable"));
        } else {
            char dir[4096], list[1024];
            list_bundled(mz_data_path("profiles", dir, sizeof dir), list, sizeof list);
            mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL,
                         mz_tr("--profile %s: kein mitgeliefertes Profil dieses Namens "
                               "(vorhanden: %s)",
                               "--profile %s: no bundled profile of this name (available: %s)"),
                         name_or_path, list[0] ? list : "-");
        }
        return NULL;
    }
    mz_profile_t *p = parse(path, fp, NULL, err);
    fclose(fp);
    return p;
}

/* ---------------------------------------------------------------- accessors */

const char *mz_profile_name(const mz_profile_t *p) { return p->name; }
const char *mz_profile_file(const mz_profile_t *p) { return p->file; }
bool mz_profile_is_canonical(const mz_profile_t *p) { return p->canonical; }
const char *mz_profile_variable(const mz_profile_t *p, mz_field_t f) { return p->var[f]; }
long mz_profile_line(const mz_profile_t *p, mz_field_t f) { return p->line[f]; }
bool mz_profile_optional(const mz_profile_t *p, mz_field_t f) { return p->optional[f]; }
const char *mz_profile_constant(const mz_profile_t *p, mz_field_t f) { return p->constant[f]; }
bool mz_profile_verified(const mz_profile_t *p, mz_field_t f) { return p->verified[f]; }
const char *mz_profile_unverified(const mz_profile_t *p) { return p->unverified; }
double mz_profile_weight_scale(const mz_profile_t *p) { return p->weight_scale; }
bool mz_profile_use_labels(const mz_profile_t *p) { return p->use_labels; }
mz_not_employed_t mz_profile_not_employed(const mz_profile_t *p) { return p->not_employed; }
const char *mz_profile_kreis_prefix(const mz_profile_t *p) { return p->kreis_prefix; }
int mz_profile_kreis_digits(const mz_profile_t *p) { return p->kreis_digits; }
long mz_profile_recode_line(const mz_profile_t *p, mz_field_t f) { return p->recode[f].line; }

/* ---------------------------------------------------------------- recoding */

static mz_recode_result_t lookup(const recode_t *r, bool has_num, double v, const char *s,
                                 const char **out)
{
    if (!r->n)
        return MZ_RECODE_NONE;
    const recode_entry_t *range = NULL, *def = NULL;
    for (size_t i = 0; i < r->n; i++) {
        const recode_entry_t *e = &r->e[i];
        switch (e->kind) {
        case K_NUM:
            if (has_num && v == e->lo) {
                *out = e->out;
                return MZ_RECODE_HIT;
            }
            break;
        case K_STR:
            if (s && strcmp(s, e->key) == 0) {
                *out = e->out;
                return MZ_RECODE_HIT;
            }
            break;
        case K_RANGE:
            if (!range && has_num && v >= e->lo && v <= e->hi)
                range = e;
            break;
        case K_LETTERS:
            if (!range && s && isalpha((unsigned char)s[0]) && s[1] == '\0' &&
                toupper((unsigned char)s[0]) >= e->lo && toupper((unsigned char)s[0]) <= e->hi)
                range = e;
            break;
        case K_DEFAULT:
            def = e;
            break;
        case K_MISSING:
            break;
        }
    }
    if (range || def) {
        *out = (range ? range : def)->out;
        return MZ_RECODE_HIT;
    }
    return MZ_RECODE_MISS;
}

mz_recode_result_t mz_profile_recode_num(const mz_profile_t *p, mz_field_t f, double v,
                                         const char **out)
{
    return lookup(&p->recode[f], true, v, NULL, out);
}

mz_recode_result_t mz_profile_recode_str(const mz_profile_t *p, mz_field_t f, const char *s,
                                         const char **out)
{
    double v;
    bool num = mz_parse_double(s, false, &v);
    return lookup(&p->recode[f], num, v, s, out);
}

mz_recode_result_t mz_profile_recode_missing(const mz_profile_t *p, mz_field_t f,
                                             const char **out)
{
    const recode_t *r = &p->recode[f];
    if (!r->n)
        return MZ_RECODE_NONE;
    for (size_t i = 0; i < r->n; i++)
        if (r->e[i].kind == K_MISSING) {
            *out = r->e[i].out;
            return MZ_RECODE_HIT;
        }
    return MZ_RECODE_MISS;
}

/* ---------------------------------------------------------------- filters */

size_t mz_profile_filter_count(const mz_profile_t *p) { return p->nfilters; }
const char *mz_profile_filter_variable(const mz_profile_t *p, size_t i) { return p->filter[i].var; }
long mz_profile_filter_line(const mz_profile_t *p, size_t i) { return p->filter[i].line; }

bool mz_profile_filter_keeps(const mz_profile_t *p, size_t i, bool is_num, double v,
                             const char *s)
{
    const char *list = p->filter[i].values;
    char item[128];
    while (*list) {
        size_t n = strcspn(list, ",");
        snprintf(item, sizeof item, "%.*s", (int)(n < sizeof item ? n : sizeof item - 1), list);
        char *t = item;
        while (isspace((unsigned char)*t))
            t++;
        size_t k = strlen(t);
        while (k > 0 && isspace((unsigned char)t[k - 1]))
            t[--k] = '\0';
        double iv;
        if (is_num ? (mz_parse_double(t, false, &iv) && iv == v)
                   : (s && (strcmp(t, s) == 0 ||
                            (mz_parse_double(t, false, &iv) && mz_parse_double(s, false, &v) &&
                             iv == v))))
            return true;
        list += n;
        if (*list == ',')
            list++;
    }
    return false;
}
