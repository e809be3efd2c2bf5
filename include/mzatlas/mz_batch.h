/* mz_batch.h — several census years in one call (`mzatlas batch`, docs/batch.md).
 *
 * A batch groups its inputs by survey year (read from the files or given by the config), runs
 * every year with exactly the machinery of a single run (mz_run.h) into DIR/<year>/, and then
 * puts the years side by side: DIR/trend.csv, DIR/trend.xlsx and the chart
 * DIR/maps/trend-erwerbslosenquote-differenz.{png,svg,pdf}.
 *
 * Year-aware: the gazetteer and the boundaries are those valid in each year (the reader and the
 * merging already know the year); reliability rules can differ per period (mz_rules_period_t);
 * every year records which definition of the migration background its data follow.
 *
 * Years run in parallel on worker threads (jobs). The outputs do not depend on the order of the
 * inputs or on the number of jobs. The library keeps no mutable global state during a batch
 * except the message language (mz_set_lang), which must not change while a batch runs. */
#ifndef MZATLAS_MZ_BATCH_H
#define MZATLAS_MZ_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mz_charts.h"
#include "mz_error.h"
#include "mz_indicators.h"
#include "mz_run.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- definition of the migration background per survey year ---- */

/** Which persons count as "with migration background" in a year's data. Up to 2016 the
 *  Mikrozensus results use the narrow sense (im engeren Sinne); from 2017 the wider sense (im
 *  weiteren Sinne), which is a break in the series. */
typedef enum mz_mh_definition {
    MZ_MH_DEFAULT = 0, /**< by the year: narrow up to 2016, wide from 2017 */
    MZ_MH_NARROW,
    MZ_MH_WIDE
} mz_mh_definition_t;

/** The definition that applies to a year by default. */
mz_mh_definition_t mz_mh_definition_for(int year);
/** "narrow", "wide" (MZ_MH_DEFAULT: ""). */
const char *mz_mh_definition_id(mz_mh_definition_t d);
/** Parse "narrow"/"wide" (also "eng"/"weit"); -1 for anything else. */
int mz_mh_definition_parse(const char *s);
/** One sentence for people, in the current language. */
const char *mz_mh_definition_note(mz_mh_definition_t d);

/* ---- rules per period ---- */

/** Rule fields a period can set (bits). */
enum {
    MZ_RULE_MIN_COUNT = 1u << 0,
    MZ_RULE_LIMITED_BELOW = 1u << 1,
    MZ_RULE_RATE_RULE = 1u << 2,
    MZ_RULE_MIN_CASES = 1u << 3,
    MZ_RULE_GAP_FLAG = 1u << 4
};

/** Reliability rules for a range of survey years: the fields named in `set` replace those of
 *  the batch's rules for every year from..to. Periods apply in the order they were added; a
 *  later one wins where they overlap. */
typedef struct mz_rules_period {
    int from, to;     /**< survey years, inclusive; 0 = open end */
    unsigned set;     /**< MZ_RULE_* bits */
    mz_rules_t rules; /**< values of the fields named in set */
} mz_rules_period_t;

/** A period without fields. */
void mz_rules_period_init(mz_rules_period_t *p, int from, int to);
/** Parse a period: "2020-" (from 2020), "-2019" (up to 2019), "2005-2016", "2017". */
bool mz_rules_period_parse(const char *s, int *from, int *to);
/** Set one field by its option name: min-count, limited-below, rate-rule, min-cases, gap-flag.
 *  MZ_ERR_USAGE for an unknown name or a bad value (column = the name, value = the value). */
mz_status_t mz_rules_period_set(mz_rules_period_t *p, const char *name, const char *value,
                                mz_error_t *err);
/** Apply a period's fields to rules. */
void mz_rules_period_apply(const mz_rules_period_t *p, mz_rules_t *rules);

/* ---- the config file (INI, docs/batch.md) ---- */

/** A general setting: a long option of `mzatlas batch` with its value ("min-count", "5000").
 *  Paths are already resolved against the config file's directory; switches (quiet, no-merge,
 *  common-partition) have the value "1" or "0". */
typedef struct mz_batch_setting {
    char *name;
    char *value;
    long line;
} mz_batch_setting_t;

/** A [year Y] section. */
typedef struct mz_batch_config_year {
    int year;
    char **inputs;
    size_t ninputs;
    char *profile;          /**< NULL = the batch's profile */
    mz_mh_definition_t mh;  /**< MZ_MH_DEFAULT unless set */
    long line;
} mz_batch_config_year_t;

typedef struct mz_batch_config {
    char *path;
    mz_batch_setting_t *settings;  /**< [batch], [rules], [outputs], in file order */
    size_t nsettings;
    mz_rules_period_t *periods;    /**< [rules PERIOD], in file order */
    size_t nperiods;
    mz_batch_config_year_t *years; /**< [year Y], in file order */
    size_t nyears;
    char **inputs;                 /**< [inputs]: files whose year is read from the file */
    size_t ninputs;
} mz_batch_config_t;

/** Load and check a config file. Errors name the file, line and key (MZ_ERR_USAGE for an
 *  unknown section or key or a bad value, MZ_ERR_IO when the file cannot be read). */
mz_batch_config_t *mz_batch_config_load(const char *path, mz_error_t *err);
void mz_batch_config_destroy(mz_batch_config_t *cfg);
/** Whether a general setting is a switch (no value on the command line). */
bool mz_batch_setting_is_switch(const char *name);

/* ---- progress ---- */

/** Where a batch stands; passed to the progress callback. */
typedef struct mz_batch_progress {
    size_t years_total, years_done, years_running;
    uint64_t records_read;  /**< person records (or table rows) read so far */
    uint64_t bytes_read, bytes_total; /**< of the input files */
    double fraction;        /**< 0 … 1, estimated share of the work done */
    double elapsed;         /**< seconds since the batch started */
    double eta;             /**< estimated seconds left; < 0 when not known yet */
    bool finished;          /**< the last call */
} mz_batch_progress_t;

/** Called on every event of a batch and every 0.2 s while it runs, never from two threads at
 *  once. It must not call back into the batch. */
typedef void (*mz_batch_progress_fn)(void *ctx, const mz_batch_progress_t *p);

/* ---- the batch ---- */

typedef struct mz_batch_options {
    mz_run_options_t run;   /**< options of every year (year must be 0; rules are the default of
                                 every period); command_line is recorded in every run.json */
    int jobs;               /**< years computed at once; 0 = the number of cores */
    mz_batch_progress_fn progress; /**< may be NULL */
    void *progress_ctx;
} mz_batch_options_t;

void mz_batch_options_init(mz_batch_options_t *opt);
/** The number of cores online (at least 1). */
int mz_batch_default_jobs(void);

typedef struct mz_batch mz_batch_t;

/** Checks the options, loads the gazetteer and the profile. */
mz_batch_t *mz_batch_create(const mz_batch_options_t *opt, mz_error_t *err);
void mz_batch_destroy(mz_batch_t *b);

mz_status_t mz_batch_add_period(mz_batch_t *b, const mz_rules_period_t *p, mz_error_t *err);
/** Settings of one year: its profile (NULL = the batch's) and the definition of the migration
 *  background (MZ_MH_DEFAULT = by the year). */
mz_status_t mz_batch_set_year(mz_batch_t *b, int year, const char *profile,
                              mz_mh_definition_t mh, mz_error_t *err);
/** The survey year of an input file, read from its first record (canonical or profiled CSV,
 *  Stata/SPSS/SAS) or its first row (tabulated extract), with the batch's profile. Returns 0
 *  and fills err when the file cannot be read or holds no record. */
int mz_batch_detect_year(mz_batch_t *b, const char *path, mz_error_t *err);
/** Add an input for `year` (0 = read the year from the file). The same file twice is an
 *  error. */
mz_status_t mz_batch_add_input(mz_batch_t *b, const char *path, int year, mz_error_t *err);
/** Periods, years and inputs of a config file (its general settings are the caller's). */
mz_status_t mz_batch_apply_config(mz_batch_t *b, const mz_batch_config_t *cfg, mz_error_t *err);

/** Run every year and write DIR/<year>/ (exactly the outputs of `mzatlas run`), DIR/trend.csv,
 *  DIR/trend.xlsx, the trend chart and DIR/run.json. DIR is replaced only when everything has
 *  been written; on failure it stays as it was. Call once. */
mz_status_t mz_batch_execute(mz_batch_t *b, const char *dir, mz_error_t *err);

/** Years of the batch, ascending (known after the inputs were added). */
size_t mz_batch_year_count(const mz_batch_t *b);
int mz_batch_year_at(const mz_batch_t *b, size_t i);
/** Rules in force in a year: the batch's rules with every matching period applied. */
mz_rules_t mz_batch_rules_for(const mz_batch_t *b, int year);
/** Definition of the migration background of a year (the setting or the default). */
mz_mh_definition_t mz_batch_mh_for(const mz_batch_t *b, int year);
/** The computed run of year i (after mz_batch_execute succeeded; owned by the batch). */
mz_run_t *mz_batch_run_at(mz_batch_t *b, size_t i);
/** Seconds each year took (read + compute + write), after mz_batch_execute. */
double mz_batch_year_seconds(const mz_batch_t *b, size_t i);
/** The trend of the years (after mz_batch_execute succeeded; owned by the batch). */
const struct mz_trend *mz_batch_trend(const mz_batch_t *b);

/* ---- the trend: years side by side ---- */

/** How a trend row's region relates to the regions published in its year. */
typedef enum mz_comparability {
    MZ_CMP_SAME = 0,  /**< the footprint is one region of the year: the published values */
    MZ_CMP_COMBINED,  /**< the footprint joins several published regions of the year: values
                           computed for the footprint from that year's data and rules */
    MZ_CMP_PARTIAL    /**< the year's data do not cover the whole footprint: no values */
} mz_comparability_t;

/** "same", "combined", "partial". */
const char *mz_comparability_id(mz_comparability_t c);

/** One row of trend.csv. Strings are owned by the trend. */
typedef struct mz_trend_row {
    int year;
    mz_indicator_t ind;
    mz_level_t level;
    const char *region;       /**< footprint code (units of the latest year covering it) */
    const char *name;
    const char *year_members; /**< the year's units inside the footprint, joined by '+' */
    const char *year_regions; /**< the year's published regions inside it, joined by ' ' */
    mz_group_t group;
    double estimate, se;      /**< NaN when withheld or not available */
    mz_symbol_t symbol;
    mz_comparability_t cmp;
    mz_mh_definition_t mh;
} mz_trend_row_t;

/** One year going into a trend. */
typedef struct mz_trend_year {
    int year;
    mz_run_t *run;          /**< computed; borrowed */
    mz_mh_definition_t mh;  /**< MZ_MH_DEFAULT = by the year */
} mz_trend_year_t;

typedef struct mz_trend mz_trend_t;

/** Put computed runs side by side (any order; they are sorted by year, which must differ).
 *  Regions are put on common footprints per indicator (docs/batch.md "Comparable regions"). */
mz_trend_t *mz_trend_build(const mz_trend_year_t *years, size_t n, mz_error_t *err);
void mz_trend_destroy(mz_trend_t *t);

size_t mz_trend_count(const mz_trend_t *t);
const mz_trend_row_t *mz_trend_row(const mz_trend_t *t, size_t i);
/** Find a row; NULL when absent. */
const mz_trend_row_t *mz_trend_find(const mz_trend_t *t, int year, mz_indicator_t ind,
                                    mz_level_t level, const char *region, mz_group_t g);
size_t mz_trend_year_count(const mz_trend_t *t);
int mz_trend_year(const mz_trend_t *t, size_t i);
mz_mh_definition_t mz_trend_mh(const mz_trend_t *t, size_t i);
const mz_rules_t *mz_trend_rules(const mz_trend_t *t, size_t i);
bool mz_trend_synthetic(const mz_trend_t *t, size_t i);
/** The source named by the inputs of year i ("" when none, see mz_run_source). */
const char *mz_trend_source(const mz_trend_t *t, size_t i);
mz_age_band_t mz_trend_band(const mz_trend_t *t);
/** "Quelle: …" naming every year's source, in the current language. */
void mz_trend_source_line(const mz_trend_t *t, char *buf, size_t size);

/** Footprints of one indicator at the region level, in output order. */
size_t mz_trend_footprint_count(const mz_trend_t *t, mz_indicator_t ind);
/** Code and name of footprint i of an indicator. */
const char *mz_trend_footprint_code(const mz_trend_t *t, mz_indicator_t ind, size_t i);
const char *mz_trend_footprint_name(const mz_trend_t *t, mz_indicator_t ind, size_t i);

/** trend.csv: year,indicator,level,region,region_name,year_members,year_regions,group,
 *  estimate,se,symbol,comparability,mh_definition (withheld values left empty). */
mz_status_t mz_trend_write_csv(const mz_trend_t *t, FILE *f, mz_error_t *err);
/** trend.xlsx: the unemployment gap per region and year, every row of trend.csv, notes.
 *  chart_png (may be NULL) is inserted when the file exists. Deterministic. */
mz_status_t mz_trend_write_xlsx(const mz_trend_t *t, const char *path, const char *chart_png,
                                mz_error_t *err);

/** File name stem of the trend chart: "trend-erwerbslosenquote-differenz". */
const char *mz_trend_chart_stem(void);
/** Draw the trend chart (small multiples of the unemployment gap per region over the years,
 *  with the flag threshold) in one format (a single MZ_FMT_* bit) into path. */
mz_status_t mz_trend_chart_render(const mz_trend_t *t, unsigned fmt,
                                  const mz_chart_options_t *opt, const char *path,
                                  mz_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
