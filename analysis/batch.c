/* batch.c — several census years in one call: rules per period, the config file, inputs grouped
 * by survey year, years on worker threads, DIR/<year>/ plus the trend outputs.
 *
 * Thread safety. Each year is an independent mz_run_t (own gazetteer, cells, profile, results),
 * so workers share nothing mutable of the library. What is process-wide:
 *  - the message language (mz_set_lang): read only while a batch runs;
 *  - GSL's error handler, switched off once by the variance module: done here before the
 *    workers start, so that they only read the flag;
 *  - GLPK (secondary suppression) keeps its environment per thread: each worker frees its own
 *    before it ends;
 *  - pango: every charts object has its own font map; cairo surfaces are per figure.
 * The progress callback is called only from the thread that called mz_batch_execute. */
#include "mzatlas/mz_batch.h"

#include <errno.h>
#include <glpk.h>
#include <ini.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../microcensus/util.h"
#include "mz_version.h"
#include "mzatlas/mz_output.h"
#include "mzatlas/mz_profile.h"
#include "mzatlas/mz_source.h"
#include "mzatlas/mz_tabulated.h"
#include "mzatlas/mz_variance.h"

static mz_status_t nomem(mz_error_t *err)
{
    return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
}

/* ---------------------------------------------------------------- rules per period */

void mz_rules_period_init(mz_rules_period_t *p, int from, int to)
{
    memset(p, 0, sizeof *p);
    mz_rules_init(&p->rules);
    p->from = from;
    p->to = to;
}

static bool parse_year(const char *s, size_t len, int *out)
{
    char buf[16];
    long v;
    if (len == 0 || len >= sizeof buf)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (!mz_parse_long(buf, &v) || v < 1950 || v > 2100)
        return false;
    *out = (int)v;
    return true;
}

bool mz_rules_period_parse(const char *s, int *from, int *to)
{
    if (!s)
        return false;
    while (*s == ' ')
        s++;
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        n--;
    const char *dash = memchr(s, '-', n);
    int a = 0, b = 0;
    if (!dash) {
        if (!parse_year(s, n, &a))
            return false;
        b = a;
    } else {
        size_t la = (size_t)(dash - s), lb = n - la - 1;
        if ((la && !parse_year(s, la, &a)) || (lb && !parse_year(dash + 1, lb, &b)) ||
            (!la && !lb) || (la && lb && b < a))
            return false;
    }
    *from = a;
    *to = b;
    return true;
}

static bool parse_num(const char *s, double lo, double hi, double *out)
{
    double v;
    if (!mz_parse_double(s, false, &v) || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

mz_status_t mz_rules_period_set(mz_rules_period_t *p, const char *name, const char *value,
                                mz_error_t *err)
{
    double v;
    if (strcmp(name, "min-count") == 0) {
        if (!parse_num(value, 0, 1e12, &v))
            goto bad;
        p->rules.min_count = v;
        p->set |= MZ_RULE_MIN_COUNT;
    } else if (strcmp(name, "limited-below") == 0) {
        if (!parse_num(value, 0, 1e12, &v))
            goto bad;
        p->rules.limited_below = v;
        p->set |= MZ_RULE_LIMITED_BELOW;
    } else if (strcmp(name, "rate-rule") == 0) {
        if (strcmp(value, "both") == 0)
            p->rules.rate_rule = MZ_RATE_BOTH;
        else if (strcmp(value, "base") == 0)
            p->rules.rate_rule = MZ_RATE_BASE;
        else
            return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, name, value, "%s",
                                mz_tr("erwartet both oder base", "expected both or base"));
        p->set |= MZ_RULE_RATE_RULE;
    } else if (strcmp(name, "min-cases") == 0) {
        if (!parse_num(value, 0, 1e9, &v) || v != floor(v))
            goto bad;
        p->rules.min_cases = (int64_t)v;
        p->set |= MZ_RULE_MIN_CASES;
    } else if (strcmp(name, "gap-flag") == 0) {
        if (!parse_num(value, -100, 100, &v))
            goto bad;
        p->rules.gap_flag = v;
        p->set |= MZ_RULE_GAP_FLAG;
    } else {
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, name, NULL, "%s",
                            mz_tr("unbekannte Regel (min-count, limited-below, rate-rule, "
                                  "min-cases, gap-flag)",
                                  "unknown rule (min-count, limited-below, rate-rule, min-cases, "
                                  "gap-flag)"));
    }
    return MZ_OK;
bad:
    return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, name, value, "%s",
                        mz_tr("Zahl im erlaubten Bereich erwartet",
                              "expected a number in the allowed range"));
}

void mz_rules_period_apply(const mz_rules_period_t *p, mz_rules_t *r)
{
    if (p->set & MZ_RULE_MIN_COUNT)
        r->min_count = p->rules.min_count;
    if (p->set & MZ_RULE_LIMITED_BELOW)
        r->limited_below = p->rules.limited_below;
    if (p->set & MZ_RULE_RATE_RULE)
        r->rate_rule = p->rules.rate_rule;
    if (p->set & MZ_RULE_MIN_CASES)
        r->min_cases = p->rules.min_cases;
    if (p->set & MZ_RULE_GAP_FLAG)
        r->gap_flag = p->rules.gap_flag;
}

static bool period_covers(const mz_rules_period_t *p, int year)
{
    return (p->from == 0 || year >= p->from) && (p->to == 0 || year <= p->to);
}

static bool is_rule_name(const char *name)
{
    static const char *const names[] = {"min-count", "limited-below", "rate-rule", "min-cases",
                                        "gap-flag"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* ---------------------------------------------------------------- the config file */

/* General settings: the long options of `mzatlas batch`. */
static const char *const general_names[] = {
    "out",      "jobs",      "quiet",      "lang",          "regions",  "profile",
    "ages",     "outputs",   "formats",    "dpi",           "min-count", "limited-below",
    "rate-rule", "min-cases", "gap-flag",  "ci-level",      "ci-method", "lonely-psu",
    "deff",     "protection", "no-merge",  "common-partition"};

static bool is_general_name(const char *name)
{
    for (size_t i = 0; i < sizeof general_names / sizeof general_names[0]; i++)
        if (strcmp(name, general_names[i]) == 0)
            return true;
    return false;
}

bool mz_batch_setting_is_switch(const char *name)
{
    return strcmp(name, "quiet") == 0 || strcmp(name, "no-merge") == 0 ||
           strcmp(name, "common-partition") == 0;
}

typedef struct cfg_state {
    mz_batch_config_t *cfg;
    mz_error_t *err;
    FILE *f;
    char *dir;        /* directory of the config file ("" when it has none) */
    long lineno;
    bool too_long;
    bool failed;
    char **period_labels; /* section label of each period */
} cfg_state_t;

static char *cfg_reader(char *str, int num, void *stream)
{
    cfg_state_t *st = stream;
    if (!fgets(str, num, st->f))
        return NULL;
    st->lineno++;
    size_t n = strlen(str);
    if (n + 1 >= (size_t)num && str[n - 1] != '\n' && !feof(st->f)) {
        st->too_long = true;
        return NULL;
    }
    return str;
}

static int cfg_fail(cfg_state_t *st, const char *key, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int cfg_fail(cfg_state_t *st, const char *key, const char *value, const char *fmt, ...)
{
    if (!st->failed) {
        va_list ap;
        va_start(ap, fmt);
        mz_error_vset(st->err, MZ_ERR_USAGE, st->cfg->path, st->lineno, key, value, fmt, ap);
        va_end(ap);
        st->failed = true;
    }
    return 0;
}

/* A path of the config, relative to the config file's directory. */
static char *resolve_path(const cfg_state_t *st, const char *value)
{
    if (value[0] == '/' || !st->dir[0])
        return mz_strdup(value);
    size_t n = strlen(st->dir) + strlen(value) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", st->dir, value);
    return p;
}

static bool profile_is_path(const char *v)
{
    size_t n = strlen(v);
    return strchr(v, '/') || (n > 4 && strcmp(v + n - 4, ".ini") == 0);
}

static int parse_switch(const char *v)
{
    static const char *const yes[] = {"1", "yes", "true", "on", "ja"};
    static const char *const no[] = {"0", "no", "false", "off", "nein"};
    for (size_t i = 0; i < 5; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

static int add_setting(cfg_state_t *st, const char *name, const char *value)
{
    mz_batch_config_t *cfg = st->cfg;
    char *v;
    if (mz_batch_setting_is_switch(name)) {
        int s = parse_switch(value);
        if (s < 0)
            return cfg_fail(st, name, value, "%s",
                            mz_tr("erwartet yes oder no", "expected yes or no"));
        v = mz_strdup(s ? "1" : "0");
    } else if (!*value) {
        return cfg_fail(st, name, value, "%s", mz_tr("Wert fehlt", "value missing"));
    } else if (strcmp(name, "regions") == 0 || strcmp(name, "out") == 0 ||
               (strcmp(name, "profile") == 0 && profile_is_path(value))) {
        v = resolve_path(st, value);
    } else {
        v = mz_strdup(value);
    }
    mz_batch_setting_t *ns = realloc(cfg->settings, (cfg->nsettings + 1) * sizeof *ns);
    char *n = mz_strdup(name);
    if (!ns || !v || !n) {
        if (ns)
            cfg->settings = ns;
        free(v);
        free(n);
        nomem(st->err);
        st->failed = true;
        return 0;
    }
    cfg->settings = ns;
    cfg->settings[cfg->nsettings++] = (mz_batch_setting_t){n, v, st->lineno};
    return 1;
}

static mz_rules_period_t *period_for(cfg_state_t *st, const char *label, int from, int to)
{
    mz_batch_config_t *cfg = st->cfg;
    for (size_t i = 0; i < cfg->nperiods; i++)
        if (strcmp(st->period_labels[i], label) == 0)
            return &cfg->periods[i];
    mz_rules_period_t *np = realloc(cfg->periods, (cfg->nperiods + 1) * sizeof *np);
    if (np)
        cfg->periods = np;
    char **nl = np ? realloc(st->period_labels, (cfg->nperiods + 1) * sizeof *nl) : NULL;
    if (nl)
        st->period_labels = nl;
    char *l = nl ? mz_strdup(label) : NULL;
    if (!l) {
        nomem(st->err);
        st->failed = true;
        return NULL;
    }
    st->period_labels[cfg->nperiods] = l;
    mz_rules_period_init(&cfg->periods[cfg->nperiods], from, to);
    return &cfg->periods[cfg->nperiods++];
}

static mz_batch_config_year_t *year_for(cfg_state_t *st, int year)
{
    mz_batch_config_t *cfg = st->cfg;
    for (size_t i = 0; i < cfg->nyears; i++)
        if (cfg->years[i].year == year)
            return &cfg->years[i];
    mz_batch_config_year_t *ny = realloc(cfg->years, (cfg->nyears + 1) * sizeof *ny);
    if (!ny) {
        nomem(st->err);
        st->failed = true;
        return NULL;
    }
    cfg->years = ny;
    mz_batch_config_year_t *y = &cfg->years[cfg->nyears++];
    memset(y, 0, sizeof *y);
    y->year = year;
    y->line = st->lineno;
    return y;
}

static int push_path(cfg_state_t *st, char ***list, size_t *n, const char *value)
{
    if (!*value)
        return cfg_fail(st, "input", value, "%s", mz_tr("Dateiname fehlt", "file name missing"));
    char **nl = realloc(*list, (*n + 1) * sizeof *nl);
    if (nl)
        *list = nl;
    char *p = nl ? resolve_path(st, value) : NULL;
    if (!p) {
        nomem(st->err);
        st->failed = true;
        return 0;
    }
    (*list)[(*n)++] = p;
    return 1;
}

static int cfg_handler(void *user, const char *section, const char *name, const char *value)
{
    cfg_state_t *st = user;
    if (st->failed)
        return 0;
    char sec[64];
    snprintf(sec, sizeof sec, "%s", section);
    char *word = sec;
    while (*word == ' ')
        word++;
    char *arg = strchr(word, ' ');
    if (arg) {
        *arg++ = '\0';
        while (*arg == ' ')
            arg++;
    }
    if (!*word)
        return cfg_fail(st, name, NULL, "%s",
                        mz_tr("Einstellung vor dem ersten [Abschnitt]",
                              "setting before the first [section]"));
    if (strcmp(word, "batch") == 0 || strcmp(word, "outputs") == 0 ||
        (strcmp(word, "rules") == 0 && (!arg || !*arg))) {
        if (arg && *arg)
            return cfg_fail(st, NULL, section, "%s",
                            mz_tr("Abschnitt ohne Zusatz erwartet",
                                  "section without an argument expected"));
        if (!is_general_name(name))
            return cfg_fail(st, name, NULL, "%s",
                            mz_tr("unbekannte Einstellung (erlaubt sind die langen Optionen von "
                                  "mzatlas batch, siehe docs/batch.md)",
                                  "unknown setting (the long options of mzatlas batch are "
                                  "allowed, see docs/batch.md)"));
        return add_setting(st, name, value);
    }
    if (strcmp(word, "rules") == 0) {
        int from, to;
        if (!mz_rules_period_parse(arg, &from, &to))
            return cfg_fail(st, NULL, arg, "%s",
                            mz_tr("Zeitraum erwartet: [rules 2020-], [rules -2019], "
                                  "[rules 2005-2016] oder [rules 2017]",
                                  "period expected: [rules 2020-], [rules -2019], "
                                  "[rules 2005-2016] or [rules 2017]"));
        mz_rules_period_t *p = period_for(st, arg, from, to);
        if (!p)
            return 0;
        if (mz_rules_period_set(p, name, value, st->err) != MZ_OK) {
            char msg[sizeof st->err->message];
            snprintf(msg, sizeof msg, "%s", st->err->message);
            return cfg_fail(st, name, value, "%s", msg);
        }
        return 1;
    }
    if (strcmp(word, "year") == 0) {
        int y;
        if (!arg || !parse_year(arg, strlen(arg), &y))
            return cfg_fail(st, NULL, section, "%s",
                            mz_tr("Erhebungsjahr erwartet: [year 2017]",
                                  "survey year expected: [year 2017]"));
        if (is_rule_name(name)) {
            mz_rules_period_t *p = period_for(st, arg, y, y);
            if (!p)
                return 0;
            if (mz_rules_period_set(p, name, value, st->err) != MZ_OK) {
                char msg[sizeof st->err->message];
                snprintf(msg, sizeof msg, "%s", st->err->message);
                return cfg_fail(st, name, value, "%s", msg);
            }
            return 1;
        }
        mz_batch_config_year_t *cy = year_for(st, y);
        if (!cy)
            return 0;
        if (strcmp(name, "input") == 0)
            return push_path(st, &cy->inputs, &cy->ninputs, value);
        if (strcmp(name, "profile") == 0) {
            if (!*value)
                return cfg_fail(st, name, value, "%s", mz_tr("Wert fehlt", "value missing"));
            free(cy->profile);
            cy->profile = profile_is_path(value) ? resolve_path(st, value) : mz_strdup(value);
            if (!cy->profile) {
                nomem(st->err);
                st->failed = true;
                return 0;
            }
            return 1;
        }
        if (strcmp(name, "mh-definition") == 0) {
            int d = mz_mh_definition_parse(value);
            if (d < 0)
                return cfg_fail(st, name, value, "%s",
                                mz_tr("erwartet narrow oder wide", "expected narrow or wide"));
            cy->mh = (mz_mh_definition_t)d;
            return 1;
        }
        return cfg_fail(st, name, NULL, "%s",
                        mz_tr("unbekannte Einstellung in [year]: input, profile, mh-definition "
                              "oder eine Regel",
                              "unknown setting in [year]: input, profile, mh-definition or a "
                              "rule"));
    }
    if (strcmp(word, "inputs") == 0) {
        if (strcmp(name, "input") != 0)
            return cfg_fail(st, name, NULL, "%s",
                            mz_tr("in [inputs] gibt es nur input = DATEI",
                                  "[inputs] only takes input = FILE"));
        return push_path(st, &st->cfg->inputs, &st->cfg->ninputs, value);
    }
    return cfg_fail(st, NULL, section, "%s",
                    mz_tr("unbekannter Abschnitt (batch, rules, rules ZEITRAUM, outputs, "
                          "year JAHR, inputs)",
                          "unknown section (batch, rules, rules PERIOD, outputs, year YEAR, "
                          "inputs)"));
}

void mz_batch_config_destroy(mz_batch_config_t *cfg)
{
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->nsettings; i++) {
        free(cfg->settings[i].name);
        free(cfg->settings[i].value);
    }
    free(cfg->settings);
    free(cfg->periods);
    for (size_t i = 0; i < cfg->nyears; i++) {
        for (size_t k = 0; k < cfg->years[i].ninputs; k++)
            free(cfg->years[i].inputs[k]);
        free(cfg->years[i].inputs);
        free(cfg->years[i].profile);
    }
    free(cfg->years);
    for (size_t i = 0; i < cfg->ninputs; i++)
        free(cfg->inputs[i]);
    free(cfg->inputs);
    free(cfg->path);
    free(cfg);
}

mz_batch_config_t *mz_batch_config_load(const char *path, mz_error_t *err)
{
    cfg_state_t st;
    memset(&st, 0, sizeof st);
    st.err = err;
    mz_batch_config_t *cfg = calloc(1, sizeof *cfg);
    if (!cfg || !(cfg->path = mz_strdup(path)) || !(st.dir = mz_strdup(path))) {
        nomem(err);
        goto fail;
    }
    st.cfg = cfg;
    char *slash = strrchr(st.dir, '/');
    if (slash)
        slash[slash == st.dir ? 1 : 0] = '\0';
    else
        st.dir[0] = '\0';
    if (!(st.f = fopen(path, "r"))) {
        mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s: %s",
                     mz_tr("kann nicht gelesen werden", "cannot be read"), strerror(errno));
        goto fail;
    }
    int rc = ini_parse_stream(cfg_reader, &st, cfg_handler, &st);
    if (st.too_long && !st.failed) {
        mz_error_set(err, MZ_ERR_USAGE, path, st.lineno, NULL, NULL, "%s",
                     mz_tr("Zeile zu lang (höchstens 195 Zeichen; Pfade relativ zur "
                           "Konfigurationsdatei halten Zeilen kurz)",
                           "line too long (at most 195 characters; paths relative to the "
                           "config file keep lines short)"));
        st.failed = true;
    }
    if (!st.failed && rc != 0) {
        mz_error_set(err, rc < 0 ? MZ_ERR_NOMEM : MZ_ERR_USAGE, path, rc > 0 ? rc : 0, NULL,
                     NULL, "%s",
                     mz_tr("Syntaxfehler: erwartet [Abschnitt], Name = Wert oder einen "
                           "Kommentar (; oder #)",
                           "syntax error: expected [section], name = value or a comment (; or "
                           "#)"));
        st.failed = true;
    }
    fclose(st.f);
    st.f = NULL;
    for (size_t i = 0; !st.failed && i < cfg->nyears; i++)
        if (cfg->years[i].ninputs == 0) {
            mz_error_set(err, MZ_ERR_USAGE, path, cfg->years[i].line, NULL, NULL,
                         mz_tr("[year %d] ohne input = DATEI", "[year %d] without input = FILE"),
                         cfg->years[i].year);
            st.failed = true;
        }
    if (st.failed)
        goto fail;
    for (size_t i = 0; i < cfg->nperiods; i++)
        free(st.period_labels[i]);
    free(st.period_labels);
    free(st.dir);
    return cfg;
fail:
    if (st.f)
        fclose(st.f);
    for (size_t i = 0; cfg && i < cfg->nperiods; i++)
        free(st.period_labels[i]);
    free(st.period_labels);
    free(st.dir);
    mz_batch_config_destroy(cfg);
    return NULL;
}

/* ---------------------------------------------------------------- the batch */

typedef struct binput {
    char *path;
    int year;
    uint64_t bytes;
} binput_t;

typedef struct byear_cfg {
    int year;
    char *profile;
    mz_mh_definition_t mh;
} byear_cfg_t;

typedef struct byear {
    int year;
    binput_t **inputs; /* sorted by path */
    size_t ninputs;
    const char *profile;
    mz_mh_definition_t mh;
    mz_rules_t rules;
    char *dir;         /* staging/<year> */
    mz_run_t *run;
    mz_status_t status;
    mz_error_t err;
    double start, seconds; /* set under mu */
    uint64_t records;
    int stage;         /* 0 waiting, 1 reading, 2 computing, 3 writing, 4 done */
} byear_t;

struct mz_batch {
    mz_batch_options_t opt;
    char *regions_path, *profile_name, *command_line;
    mz_gazetteer_t *gz;
    mz_profile_t *profile;
    mz_rules_period_t *periods;
    size_t nperiods;
    byear_cfg_t *ycfg;
    size_t nycfg;
    binput_t *inputs;
    size_t ninputs;
    byear_t *years;
    size_t nyears;
    mz_trend_t *trend;
    bool executed;
    /* shared with the workers (under mu) */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    size_t next, done, running;
    bool cancel;
    uint64_t records_read, bytes_read, bytes_total;
    double work_done, work_total;
    double w_read, w_compute, w_write; /* share of one year's work per stage */
    double t0;
    int jobs;
};

void mz_batch_options_init(mz_batch_options_t *opt)
{
    memset(opt, 0, sizeof *opt);
    mz_run_options_init(&opt->run);
}

int mz_batch_default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)(n > 1024 ? 1024 : n) : 1;
}

mz_batch_t *mz_batch_create(const mz_batch_options_t *opt, mz_error_t *err)
{
    char path[4096];
    if (opt->run.year != 0) {
        mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL, "%s",
                     mz_tr("ein Batch hat kein festes Jahr: die Jahre kommen aus den Dateien "
                           "oder aus [year J] der Konfiguration",
                           "a batch has no fixed year: the years come from the files or from "
                           "[year Y] of the config"));
        return NULL;
    }
    if (opt->jobs < 0) {
        mz_error_set(err, MZ_ERR_USAGE, NULL, 0, "jobs", NULL, "%s",
                     mz_tr("Zahl >= 1 erwartet", "expected a number >= 1"));
        return NULL;
    }
    mz_batch_t *b = calloc(1, sizeof *b);
    if (!b) {
        nomem(err);
        return NULL;
    }
    b->opt = *opt;
    b->regions_path = mz_strdup(opt->run.regions_path
                                    ? opt->run.regions_path
                                    : mz_data_path("regions/gazetteer-ni.csv", path, sizeof path));
    b->command_line = mz_strdup(opt->run.command_line ? opt->run.command_line : "");
    b->profile_name = opt->run.profile ? mz_strdup(opt->run.profile) : NULL;
    if (!b->regions_path || !b->command_line || (opt->run.profile && !b->profile_name)) {
        nomem(err);
        goto fail;
    }
    /* a run without a gazetteer of its own uses the bundled one with its renames: keep NULL */
    b->opt.run.regions_path = opt->run.regions_path ? b->regions_path : NULL;
    b->opt.run.command_line = b->command_line;
    b->opt.run.profile = b->profile_name;
    if (pthread_mutex_init(&b->mu, NULL) != 0) {
        free(b->regions_path);
        free(b->command_line);
        free(b->profile_name);
        free(b);
        nomem(err);
        return NULL;
    }
    if (pthread_cond_init(&b->cond, NULL) != 0) {
        pthread_mutex_destroy(&b->mu);
        free(b->regions_path);
        free(b->command_line);
        free(b->profile_name);
        free(b);
        nomem(err);
        return NULL;
    }
    if (!(b->gz = mz_gazetteer_load(b->regions_path, err)))
        goto fail;
    if (b->profile_name && !(b->profile = mz_profile_load(b->profile_name, err)))
        goto fail;
    return b;
fail:
    mz_batch_destroy(b);
    return NULL;
}

void mz_batch_destroy(mz_batch_t *b)
{
    if (!b)
        return;
    mz_trend_destroy(b->trend);
    for (size_t i = 0; i < b->nyears; i++) {
        mz_run_destroy(b->years[i].run);
        free(b->years[i].inputs);
        free(b->years[i].dir);
    }
    free(b->years);
    for (size_t i = 0; i < b->ninputs; i++)
        free(b->inputs[i].path);
    free(b->inputs);
    for (size_t i = 0; i < b->nycfg; i++)
        free(b->ycfg[i].profile);
    free(b->ycfg);
    free(b->periods);
    mz_profile_destroy(b->profile);
    mz_gazetteer_destroy(b->gz);
    free(b->regions_path);
    free(b->command_line);
    free(b->profile_name);
    pthread_cond_destroy(&b->cond);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

mz_status_t mz_batch_add_period(mz_batch_t *b, const mz_rules_period_t *p, mz_error_t *err)
{
    if (p->from && p->to && p->to < p->from)
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL, "%s",
                            mz_tr("Zeitraum endet vor seinem Anfang",
                                  "period ends before it begins"));
    mz_rules_period_t *np = realloc(b->periods, (b->nperiods + 1) * sizeof *np);
    if (!np)
        return nomem(err);
    b->periods = np;
    b->periods[b->nperiods++] = *p;
    return MZ_OK;
}

static byear_cfg_t *ycfg_find(const mz_batch_t *b, int year)
{
    for (size_t i = 0; i < b->nycfg; i++)
        if (b->ycfg[i].year == year)
            return &b->ycfg[i];
    return NULL;
}

mz_status_t mz_batch_set_year(mz_batch_t *b, int year, const char *profile,
                              mz_mh_definition_t mh, mz_error_t *err)
{
    if (year < 1950 || year > 2100)
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL,
                            mz_tr("kein Erhebungsjahr: %d", "not a survey year: %d"), year);
    if (profile) { /* check it now rather than in the middle of the batch */
        mz_profile_t *p = mz_profile_load(profile, err);
        if (!p)
            return err ? err->status : MZ_ERR_DATA;
        mz_profile_destroy(p);
    }
    byear_cfg_t *c = ycfg_find(b, year);
    if (!c) {
        byear_cfg_t *nc = realloc(b->ycfg, (b->nycfg + 1) * sizeof *nc);
        if (!nc)
            return nomem(err);
        b->ycfg = nc;
        c = &b->ycfg[b->nycfg++];
        memset(c, 0, sizeof *c);
        c->year = year;
    }
    if (profile) {
        char *p = mz_strdup(profile);
        if (!p)
            return nomem(err);
        free(c->profile);
        c->profile = p;
    }
    if (mh != MZ_MH_DEFAULT)
        c->mh = mh;
    return MZ_OK;
}

/* Reading a file's first record only: the callback stops the reader. */
typedef struct peek {
    int year;
} peek_t;

static mz_status_t peek_record(void *ctx, const mz_record_t *rec, mz_error_t *err)
{
    (void)err;
    ((peek_t *)ctx)->year = rec->year;
    return MZ_ERR_INTERNAL; /* stop: not an error for the caller */
}

int mz_batch_detect_year(mz_batch_t *b, const char *path, mz_error_t *err)
{
    mz_input_format_t fmt = mz_source_format(path);
    if (fmt == MZ_FORMAT_CSV) {
        int tab = mz_tabulated_detect(path, err);
        if (tab < 0)
            return 0;
        if (tab) {
            mz_tables_t *t = mz_tables_create(b->gz, b->opt.run.band, 0, err);
            if (!t)
                return 0;
            mz_tables_file_info_t ti;
            int year = 0;
            if (mz_tables_add_file(t, path, &ti, err) == MZ_OK) {
                year = mz_tables_year(t);
                if (!year)
                    mz_error_set(err, MZ_ERR_DATA, path, 0, NULL, NULL, "%s",
                                 mz_tr("keine Zeilen: Erhebungsjahr nicht bestimmbar",
                                       "no rows: the survey year cannot be told"));
            }
            mz_tables_destroy(t);
            return year;
        }
    }
    peek_t pk = {0};
    mz_source_options_t so = {.year = 0, .gazetteer = b->gz, .profile = b->profile};
    mz_error_t e2;
    mz_error_clear(&e2);
    mz_status_t st = mz_source_read(path, &so, peek_record, &pk, NULL, &e2);
    if (pk.year)
        return pk.year;
    if (st == MZ_OK)
        mz_error_set(err, MZ_ERR_DATA, path, 0, NULL, NULL, "%s",
                     mz_tr("keine Datensätze: Erhebungsjahr nicht bestimmbar",
                           "no records: the survey year cannot be told"));
    else if (err)
        *err = e2;
    return 0;
}

mz_status_t mz_batch_add_input(mz_batch_t *b, const char *path, int year, mz_error_t *err)
{
    if (b->executed)
        return mz_error_set(err, MZ_ERR_USAGE, path, 0, NULL, NULL, "%s",
                            mz_tr("der Batch ist schon gelaufen", "the batch has already run"));
    for (size_t i = 0; i < b->ninputs; i++)
        if (strcmp(b->inputs[i].path, path) == 0)
            return mz_error_set(err, MZ_ERR_USAGE, path, 0, NULL, NULL, "%s",
                                mz_tr("Datei zweimal angegeben", "file given twice"));
    struct stat sb;
    if (stat(path, &sb) != 0)
        return mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s: %s",
                            mz_tr("kann nicht gelesen werden", "cannot be read"),
                            strerror(errno));
    if (year == 0 && !(year = mz_batch_detect_year(b, path, err)))
        return err ? err->status : MZ_ERR_DATA;
    if (year < 1950 || year > 2100)
        return mz_error_set(err, MZ_ERR_USAGE, path, 0, NULL, NULL,
                            mz_tr("kein Erhebungsjahr: %d", "not a survey year: %d"), year);
    binput_t *ni = realloc(b->inputs, (b->ninputs + 1) * sizeof *ni);
    if (!ni)
        return nomem(err);
    b->inputs = ni;
    char *p = mz_strdup(path);
    if (!p)
        return nomem(err);
    b->inputs[b->ninputs++] = (binput_t){p, year, (uint64_t)sb.st_size};
    return MZ_OK;
}

mz_status_t mz_batch_apply_config(mz_batch_t *b, const mz_batch_config_t *cfg, mz_error_t *err)
{
    mz_status_t st = MZ_OK;
    for (size_t i = 0; i < cfg->nperiods && st == MZ_OK; i++)
        st = mz_batch_add_period(b, &cfg->periods[i], err);
    for (size_t i = 0; i < cfg->nyears && st == MZ_OK; i++) {
        const mz_batch_config_year_t *y = &cfg->years[i];
        st = mz_batch_set_year(b, y->year, y->profile, y->mh, err);
        for (size_t k = 0; k < y->ninputs && st == MZ_OK; k++)
            st = mz_batch_add_input(b, y->inputs[k], y->year, err);
    }
    for (size_t i = 0; i < cfg->ninputs && st == MZ_OK; i++)
        st = mz_batch_add_input(b, cfg->inputs[i], 0, err);
    return st;
}

mz_rules_t mz_batch_rules_for(const mz_batch_t *b, int year)
{
    mz_rules_t r = b->opt.run.rules;
    for (size_t i = 0; i < b->nperiods; i++)
        if (period_covers(&b->periods[i], year))
            mz_rules_period_apply(&b->periods[i], &r);
    return r;
}

mz_mh_definition_t mz_batch_mh_for(const mz_batch_t *b, int year)
{
    const byear_cfg_t *c = ycfg_find(b, year);
    return c && c->mh != MZ_MH_DEFAULT ? c->mh : mz_mh_definition_for(year);
}

static int cmp_input_ptr(const void *a, const void *b)
{
    const binput_t *x = *(const binput_t *const *)a, *y = *(const binput_t *const *)b;
    return strcmp(x->path, y->path);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Group the inputs by year: years ascending, inputs of a year in the order of their paths, so
 * that neither the order of the arguments nor the number of jobs changes a result. */
static mz_status_t group_years(mz_batch_t *b, mz_error_t *err)
{
    if (b->years)
        return MZ_OK;
    int *ys = malloc((b->ninputs ? b->ninputs : 1) * sizeof *ys);
    if (!ys)
        return nomem(err);
    size_t n = 0;
    for (size_t i = 0; i < b->ninputs; i++) {
        bool seen = false;
        for (size_t k = 0; k < n && !seen; k++)
            seen = ys[k] == b->inputs[i].year;
        if (!seen)
            ys[n++] = b->inputs[i].year;
    }
    qsort(ys, n, sizeof *ys, cmp_int);
    b->years = calloc(n ? n : 1, sizeof *b->years);
    if (!b->years) {
        free(ys);
        return nomem(err);
    }
    for (size_t k = 0; k < n; k++) {
        byear_t *y = &b->years[k];
        y->year = ys[k];
        y->inputs = malloc(b->ninputs * sizeof *y->inputs);
        if (!y->inputs) {
            free(ys);
            b->nyears = k + 1;
            return nomem(err);
        }
        for (size_t i = 0; i < b->ninputs; i++)
            if (b->inputs[i].year == y->year)
                y->inputs[y->ninputs++] = &b->inputs[i];
        qsort(y->inputs, y->ninputs, sizeof *y->inputs, cmp_input_ptr);
        const byear_cfg_t *c = ycfg_find(b, y->year);
        y->profile = c && c->profile ? c->profile : b->profile_name;
        y->mh = mz_batch_mh_for(b, y->year);
        y->rules = mz_batch_rules_for(b, y->year);
    }
    b->nyears = n;
    free(ys);
    return MZ_OK;
}

size_t mz_batch_year_count(const mz_batch_t *b)
{
    if (b->years)
        return b->nyears;
    size_t n = 0;
    for (size_t i = 0; i < b->ninputs; i++) {
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = b->inputs[k].year == b->inputs[i].year;
        n += !seen;
    }
    return n;
}

int mz_batch_year_at(const mz_batch_t *b, size_t i)
{
    if (b->years)
        return b->years[i].year;
    /* the i-th smallest distinct year */
    int prev = 0;
    for (size_t k = 0; k <= i; k++) {
        int best = 0;
        for (size_t j = 0; j < b->ninputs; j++) {
            int y = b->inputs[j].year;
            if (y > prev && (best == 0 || y < best))
                best = y;
        }
        prev = best;
    }
    return prev;
}

mz_run_t *mz_batch_run_at(mz_batch_t *b, size_t i)
{
    return b->years && i < b->nyears ? b->years[i].run : NULL;
}

double mz_batch_year_seconds(const mz_batch_t *b, size_t i)
{
    return b->years && i < b->nyears ? b->years[i].seconds : 0;
}

const mz_trend_t *mz_batch_trend(const mz_batch_t *b) { return b->trend; }

/* ---------------------------------------------------------------- running the years */

/* Add finished work (under mu) and wake the reporting thread. */
static void add_work(mz_batch_t *b, double w, uint64_t records, uint64_t bytes)
{
    pthread_mutex_lock(&b->mu);
    b->work_done += w;
    b->records_read += records;
    b->bytes_read += bytes;
    pthread_cond_signal(&b->cond);
    pthread_mutex_unlock(&b->mu);
}

static mz_status_t run_year(mz_batch_t *b, byear_t *y)
{
    mz_run_options_t opt = b->opt.run;
    opt.year = y->year;
    opt.rules = y->rules;
    opt.profile = y->profile;
    y->stage = 1;
    mz_run_t *run = mz_run_create(&opt, &y->err);
    if (!run)
        return y->err.status ? y->err.status : MZ_ERR_NOMEM;
    y->run = run;
    uint64_t bytes = 0;
    for (size_t i = 0; i < y->ninputs; i++)
        bytes += y->inputs[i]->bytes;
    for (size_t i = 0; i < y->ninputs; i++) {
        size_t before = mz_run_input_count(run);
        if (mz_run_add_extract(run, y->inputs[i]->path, &y->err) != MZ_OK)
            return y->err.status;
        uint64_t recs = 0;
        for (size_t k = before; k < mz_run_input_count(run); k++)
            recs += mz_run_input(run, k)->records;
        y->records += recs;
        double share = bytes ? (double)y->inputs[i]->bytes / (double)bytes
                             : 1.0 / (double)y->ninputs;
        add_work(b, b->w_read * share, recs, y->inputs[i]->bytes);
    }
    y->stage = 2;
    if (mz_run_compute(run, &y->err) != MZ_OK)
        return y->err.status;
    add_work(b, b->w_compute, 0, 0);
    y->stage = 3;
    if (mz_run_write(run, y->dir, &y->err) != MZ_OK)
        return y->err.status;
    add_work(b, b->w_write, 0, 0);
    y->stage = 4;
    return MZ_OK;
}

static void *worker(void *arg)
{
    mz_batch_t *b = arg;
    for (;;) {
        pthread_mutex_lock(&b->mu);
        if (b->cancel || b->next >= b->nyears) {
            pthread_mutex_unlock(&b->mu);
            break;
        }
        byear_t *y = &b->years[b->next++];
        b->running++;
        y->start = mz_now();
        pthread_mutex_unlock(&b->mu);
        mz_error_clear(&y->err);
        y->status = run_year(b, y);
        pthread_mutex_lock(&b->mu);
        y->seconds = mz_now() - y->start;
        b->running--;
        b->done++;
        if (y->status != MZ_OK)
            b->cancel = true;
        pthread_cond_signal(&b->cond);
        pthread_mutex_unlock(&b->mu);
    }
    glp_free_env(); /* GLPK's environment of this thread (secondary suppression) */
    return NULL;
}

/* Estimated seconds left (caller holds mu): from the mean time of the finished years, what
 * the running years still need and the years still waiting, spread over the workers; -1 before
 * the first year has finished. */
static double estimate_left(const mz_batch_t *b, double now)
{
    size_t nfin = 0;
    double sum = 0;
    for (size_t i = 0; i < b->next; i++)
        if (b->years[i].seconds > 0) {
            sum += b->years[i].seconds;
            nfin++;
        }
    if (!nfin)
        return -1;
    double d = sum / (double)nfin, total = 0, longest = 0;
    for (size_t i = 0; i < b->next; i++)
        if (b->years[i].seconds <= 0) {
            double left = fmax(0.02 * d, d - (now - b->years[i].start));
            total += left;
            longest = fmax(longest, left);
        }
    total += (double)(b->nyears - b->next) * d;
    double eta = fmax(longest, total / (double)(b->jobs > 0 ? b->jobs : 1));
    return eta + (b->opt.run.outputs & MZ_OUT_MAPS ? 0.1 * d : 0.01 * d); /* the trend */
}

/* Report progress (caller holds mu). */
static void report(mz_batch_t *b, bool finished)
{
    if (!b->opt.progress)
        return;
    mz_batch_progress_t p;
    memset(&p, 0, sizeof p);
    double now = mz_now();
    p.years_total = b->nyears;
    p.years_done = b->done;
    p.years_running = b->running;
    p.records_read = b->records_read;
    p.bytes_read = b->bytes_read;
    p.bytes_total = b->bytes_total;
    p.elapsed = now - b->t0;
    p.eta = estimate_left(b, now);
    /* the share of work done: by time once it can be estimated, else by stages */
    double staged = b->work_total > 0 ? fmin(1.0, b->work_done / b->work_total) : 0;
    p.fraction = p.eta >= 0 && p.elapsed + p.eta > 0
                     ? fmax(staged, fmin(1.0, p.elapsed / (p.elapsed + p.eta)))
                     : staged;
    p.finished = finished;
    if (finished) {
        p.fraction = 1;
        p.eta = 0;
    }
    b->opt.progress(b->opt.progress_ctx, &p);
}

/* ---------------------------------------------------------------- batch run.json */

static json_t *rules_json(const mz_rules_t *r)
{
    return json_pack("{s:f, s:f, s:s, s:I, s:f}", "min_count", r->min_count, "limited_below",
                     r->limited_below, "rate_rule",
                     r->rate_rule == MZ_RATE_BASE ? "base" : "both", "min_cases",
                     (json_int_t)r->min_cases, "gap_flag", r->gap_flag);
}

static mz_status_t write_batch_json(mz_batch_t *b, const char *path, const char *const *outputs,
                                    size_t nout, double trend_seconds, int jobs, mz_error_t *err)
{
    json_t *root = json_object();
    json_object_set_new(root, "tool", json_string("mzatlas"));
    json_object_set_new(root, "version", json_string(MZ_VERSION));
    json_object_set_new(root, "kind", json_string("batch"));
    json_object_set_new(root, "command", json_string(b->command_line));
    json_t *years = json_array();
    for (size_t i = 0; i < b->nyears; i++) {
        const byear_t *y = &b->years[i];
        char dir[16];
        snprintf(dir, sizeof dir, "%d", y->year);
        json_t *inputs = json_array();
        for (size_t k = 0; k < mz_run_input_count(y->run); k++)
            json_array_append_new(inputs, json_string(mz_run_input(y->run, k)->path));
        json_t *jy = json_object();
        json_object_set_new(jy, "year", json_integer(y->year));
        json_object_set_new(jy, "dir", json_string(dir));
        json_object_set_new(jy, "inputs", inputs);
        json_object_set_new(jy, "records", json_integer((json_int_t)y->records));
        json_object_set_new(jy, "synthetic", json_boolean(mz_run_synthetic(y->run)));
        json_object_set_new(jy, "profile", y->profile ? json_string(y->profile) : json_null());
        json_object_set_new(jy, "mh_definition", json_string(mz_mh_definition_id(y->mh)));
        json_object_set_new(jy, "mh_note", json_string(mz_mh_definition_note(y->mh)));
        json_object_set_new(jy, "rules", rules_json(&y->rules));
        json_object_set_new(jy, "seconds", json_real(y->seconds));
        json_array_append_new(years, jy);
    }
    json_object_set_new(root, "years", years);
    json_t *periods = json_array();
    for (size_t i = 0; i < b->nperiods; i++) {
        const mz_rules_period_t *p = &b->periods[i];
        json_t *jp = json_object();
        json_object_set_new(jp, "from", p->from ? json_integer(p->from) : json_null());
        json_object_set_new(jp, "to", p->to ? json_integer(p->to) : json_null());
        if (p->set & MZ_RULE_MIN_COUNT)
            json_object_set_new(jp, "min_count", json_real(p->rules.min_count));
        if (p->set & MZ_RULE_LIMITED_BELOW)
            json_object_set_new(jp, "limited_below", json_real(p->rules.limited_below));
        if (p->set & MZ_RULE_RATE_RULE)
            json_object_set_new(jp, "rate_rule", json_string(p->rules.rate_rule == MZ_RATE_BASE
                                                                 ? "base"
                                                                 : "both"));
        if (p->set & MZ_RULE_MIN_CASES)
            json_object_set_new(jp, "min_cases", json_integer((json_int_t)p->rules.min_cases));
        if (p->set & MZ_RULE_GAP_FLAG)
            json_object_set_new(jp, "gap_flag", json_real(p->rules.gap_flag));
        json_array_append_new(periods, jp);
    }
    json_object_set_new(root, "rule_periods", periods);
    json_t *fps = json_object();
    for (int i = 0; b->trend && i < MZ_NIND; i++)
        json_object_set_new(fps, mz_indicator_id((mz_indicator_t)i),
                            json_integer((json_int_t)mz_trend_footprint_count(
                                b->trend, (mz_indicator_t)i)));
    json_object_set_new(root, "trend_footprints", fps);
    json_t *outs = json_array();
    for (size_t i = 0; i < nout; i++)
        json_array_append_new(outs, json_string(outputs[i]));
    json_object_set_new(root, "outputs", outs);
    json_object_set_new(root, "jobs", json_integer(jobs));
    json_object_set_new(root, "timings_seconds",
                        json_pack("{s:f, s:f}", "total", mz_now() - b->t0, "trend",
                                  trend_seconds));
    FILE *f = fopen(path, "w");
    if (!f) {
        json_decref(root);
        return mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                            mz_tr("kann nicht geschrieben werden", "cannot be written"));
    }
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(root);
    if (fclose(f) != 0 || rc != 0)
        return mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                            mz_tr("Schreibfehler", "write error"));
    return MZ_OK;
}

/* ---------------------------------------------------------------- the trend outputs */

static mz_status_t write_trend(mz_batch_t *b, mz_outdir_t *od, const char **written, size_t *nw,
                               mz_error_t *err)
{
    mz_trend_year_t *ty = calloc(b->nyears, sizeof *ty);
    if (!ty)
        return nomem(err);
    for (size_t i = 0; i < b->nyears; i++)
        ty[i] = (mz_trend_year_t){b->years[i].year, b->years[i].run, b->years[i].mh};
    b->trend = mz_trend_build(ty, b->nyears, err);
    free(ty);
    if (!b->trend)
        return err ? err->status : MZ_ERR_NOMEM;
    const unsigned outputs = b->opt.run.outputs;
    char path[4096], png[4096];
    png[0] = '\0';
    mz_status_t st = MZ_OK;
    if (outputs & MZ_OUT_CSV) {
        mz_outdir_file(od, "trend.csv", path, sizeof path);
        FILE *f = fopen(path, "w");
        if (!f)
            return mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                                mz_tr("kann nicht geschrieben werden", "cannot be written"));
        st = mz_trend_write_csv(b->trend, f, err);
        if (fclose(f) != 0 && st == MZ_OK)
            st = mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                              mz_tr("Schreibfehler", "write error"));
        written[(*nw)++] = "trend.csv";
    }
    if ((outputs & MZ_OUT_MAPS) && st == MZ_OK) {
        static const unsigned fmts[] = {MZ_FMT_PNG, MZ_FMT_SVG, MZ_FMT_PDF};
        mz_chart_options_t co;
        mz_chart_options_init(&co);
        if (b->opt.run.formats)
            co.formats = b->opt.run.formats;
        if (b->opt.run.dpi > 0)
            co.dpi = b->opt.run.dpi;
        for (size_t k = 0; k < 3 && st == MZ_OK; k++) {
            if (!(co.formats & fmts[k]))
                continue;
            char rel[256];
            snprintf(rel, sizeof rel, "maps/%s.%s", mz_trend_chart_stem(),
                     mz_format_ext(fmts[k]));
            mz_outdir_file(od, rel, path, sizeof path);
            st = mz_trend_chart_render(b->trend, fmts[k], &co, path, err);
            if (fmts[k] == MZ_FMT_PNG)
                snprintf(png, sizeof png, "%s", path);
        }
        written[(*nw)++] = "maps/";
    }
    if ((outputs & MZ_OUT_XLSX) && st == MZ_OK) {
        mz_outdir_file(od, "trend.xlsx", path, sizeof path);
        st = mz_trend_write_xlsx(b->trend, path, png[0] ? png : NULL, err);
        written[(*nw)++] = "trend.xlsx";
    }
    return st;
}

mz_status_t mz_batch_execute(mz_batch_t *b, const char *dir, mz_error_t *err)
{
    if (b->executed)
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL, "%s",
                            mz_tr("der Batch ist schon gelaufen", "the batch has already run"));
    if (b->ninputs == 0)
        return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL, "%s",
                            mz_tr("keine Eingabedatei", "no input file"));
    for (size_t i = 0; i < b->nycfg; i++) {
        bool used = false;
        for (size_t k = 0; k < b->ninputs && !used; k++)
            used = b->inputs[k].year == b->ycfg[i].year;
        if (!used)
            return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL,
                                mz_tr("Jahr %d: Einstellungen, aber keine Eingabedatei",
                                      "year %d: settings but no input file"),
                                b->ycfg[i].year);
    }
    mz_status_t st = group_years(b, err);
    if (st != MZ_OK)
        return st;
    for (size_t i = 0; i < b->nyears; i++) {
        const mz_rules_t *r = &b->years[i].rules;
        if (r->limited_below < r->min_count)
            return mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL,
                                mz_tr("Jahr %d: limited-below muss >= min-count sein",
                                      "year %d: limited-below must be >= min-count"),
                                b->years[i].year);
    }
    b->executed = true;
    b->t0 = mz_now();
    mz_outdir_t *od = mz_outdir_begin(dir, err);
    if (!od)
        return err ? err->status : MZ_ERR_IO;
    for (size_t i = 0; i < b->nyears; i++) {
        char rel[32], path[4096];
        snprintf(rel, sizeof rel, "%d", b->years[i].year);
        mz_outdir_file(od, rel, path, sizeof path);
        if (!(b->years[i].dir = mz_strdup(path))) {
            mz_outdir_abort(od);
            return nomem(err);
        }
    }
    /* work shares for the progress estimate: the maps take most of a year's time */
    const unsigned outputs = b->opt.run.outputs;
    if (outputs & MZ_OUT_MAPS) {
        b->w_read = 0.08;
        b->w_compute = 0.04;
        b->w_write = 0.88;
    } else {
        b->w_read = 0.4;
        b->w_compute = 0.3;
        b->w_write = 0.3;
    }
    b->work_total = (double)b->nyears + ((outputs & MZ_OUT_MAPS) ? 0.15 : 0.02);
    for (size_t i = 0; i < b->ninputs; i++)
        b->bytes_total += b->inputs[i].bytes;

    /* process-wide state the workers must only read: GSL's error handler */
    double lo, hi;
    mz_ci_interval(MZ_CI_NORMAL, 95, 50, 1, true, 100, 99, &lo, &hi);

    int jobs = b->opt.jobs > 0 ? b->opt.jobs : mz_batch_default_jobs();
    if ((size_t)jobs > b->nyears)
        jobs = (int)b->nyears;
    b->jobs = jobs;
    pthread_t *th = calloc((size_t)jobs, sizeof *th);
    if (!th) {
        mz_outdir_abort(od);
        return nomem(err);
    }
    int started = 0;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 16u << 20);
    for (; started < jobs; started++)
        if (pthread_create(&th[started], &attr, worker, b) != 0)
            break;
    pthread_attr_destroy(&attr);
    if (started == 0) {
        free(th);
        mz_outdir_abort(od);
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_tr("kein Thread", "no thread"));
    }
    pthread_mutex_lock(&b->mu);
    report(b, false);
    while (b->done < b->nyears && !(b->cancel && b->running == 0)) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&b->cond, &b->mu, &ts);
        report(b, false);
    }
    pthread_mutex_unlock(&b->mu);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);

    /* the first failed year (by year, not by time) decides the error */
    for (size_t i = 0; i < b->nyears; i++)
        if (b->years[i].status != MZ_OK) {
            if (err)
                *err = b->years[i].err;
            mz_outdir_abort(od);
            return b->years[i].status;
        }
    for (size_t i = 0; i < b->nyears; i++)
        if (b->years[i].stage != 4) {
            mz_outdir_abort(od);
            return mz_error_set(err, MZ_ERR_INTERNAL, NULL, 0, NULL, NULL,
                                "year %d was not run", b->years[i].year);
        }

    double t_trend = mz_now();
    const char *written[8];
    size_t nw = 0;
    st = write_trend(b, od, written, &nw, err);
    t_trend = mz_now() - t_trend;
    if (st == MZ_OK) {
        char path[4096];
        written[nw++] = "run.json";
        st = write_batch_json(b, mz_outdir_file(od, "run.json", path, sizeof path), written, nw,
                              t_trend, jobs, err);
    }
    if (st != MZ_OK) {
        mz_outdir_abort(od);
        return st;
    }
    st = mz_outdir_commit(od, err);
    if (st == MZ_OK) {
        pthread_mutex_lock(&b->mu);
        b->work_done = b->work_total;
        report(b, true);
        pthread_mutex_unlock(&b->mu);
    }
    return st;
}
