/* mz_profile.h — variable profiles: how the variables of a real Mikrozensus file (EF-numbered
 * Scientific Use Files, on-site files, files with speaking names) reach the canonical fields of
 * DESIGN.md. A profile is an INI file (docs/profiles.md); bundled ones live in data/profiles/.
 *
 * A profile names the source variable of each canonical field, the value recodes (source value →
 * canonical code), the scale of the weight and whether value labels are used. It also records, per
 * field, whether the mapping was verified against the documentation of the research data centre;
 * unverified mappings are reported to the user. */
#ifndef MZATLAS_MZ_PROFILE_H
#define MZATLAS_MZ_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "mz_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Canonical fields a profile can map (the columns of the canonical extract). */
typedef enum mz_field {
    MZ_F_YEAR = 0,
    MZ_F_KREIS,
    MZ_F_SCHICHT,
    MZ_F_PSU,
    MZ_F_STRATUM,
    MZ_F_WEIGHT,
    MZ_F_AGE,
    MZ_F_SEX,
    MZ_F_MIG,
    MZ_F_ILO,
    MZ_F_SELFEMP,
    MZ_F_SECTOR,
    MZ_F_SYNTHETIC, /**< file flag of synthetic extracts, not a person attribute */
    MZ_NFIELDS
} mz_field_t;

/** Canonical name of a field ("year", "kreis", …). */
const char *mz_field_id(mz_field_t f);
/** Field of a canonical name (case-insensitive), or -1. */
int mz_field_parse(const char *id);

/** What happens to selfemp and sector of persons who are not employed (ilo != 1). */
typedef enum mz_not_employed {
    MZ_NOTEMP_CHECK = 0, /**< they must be 0 (canonical rule): anything else is an error */
    MZ_NOTEMP_ZERO       /**< set to 0: the source asks these questions of the employed only */
} mz_not_employed_t;

typedef struct mz_profile mz_profile_t;

/** Load a profile. `name_or_path` is a file path (contains '/' or ends in ".ini") or the name of a
 *  bundled profile (data/profiles/NAME.ini, see mz_data_dir()). Errors name the profile file and
 *  line (MZ_ERR_DATA), or MZ_ERR_IO for a missing file. */
mz_profile_t *mz_profile_load(const char *name_or_path, mz_error_t *err);
/** Load from a NUL-terminated string; `name` is used in messages. */
mz_profile_t *mz_profile_load_mem(const char *name, const char *text, mz_error_t *err);
/** The built-in canonical profile (identical to data/profiles/canonical.ini): canonical column
 *  names, no recodes, the canonical validation. */
mz_profile_t *mz_profile_canonical(mz_error_t *err);
void mz_profile_destroy(mz_profile_t *p);

/** Name ([profile] name, else the file name) and the file it came from. */
const char *mz_profile_name(const mz_profile_t *p);
const char *mz_profile_file(const mz_profile_t *p);
/** Whether this is the canonical mapping (every field maps to its own name, nothing recoded). */
bool mz_profile_is_canonical(const mz_profile_t *p);

/** Source variable of a field; NULL when the field is not mapped (or is a constant). */
const char *mz_profile_variable(const mz_profile_t *p, mz_field_t f);
/** Line of the profile that maps the field (0 when not mapped). */
long mz_profile_line(const mz_profile_t *p, mz_field_t f);
/** Whether the variable may be absent from the data file (a trailing '?' in the profile). */
bool mz_profile_optional(const mz_profile_t *p, mz_field_t f);
/** Constant value of a field ([const] section), or NULL. */
const char *mz_profile_constant(const mz_profile_t *p, mz_field_t f);
/** Whether the mapping of a field is marked verified ([verified] section). */
bool mz_profile_verified(const mz_profile_t *p, mz_field_t f);
/** Comma-separated list of mapped fields not marked verified ("" when all are). */
const char *mz_profile_unverified(const mz_profile_t *p);

/** Factor the weight is multiplied by (1000 when the file gives thousands). */
double mz_profile_weight_scale(const mz_profile_t *p);
/** Whether value labels replace numeric values before recoding. */
bool mz_profile_use_labels(const mz_profile_t *p);
mz_not_employed_t mz_profile_not_employed(const mz_profile_t *p);
/** Kreis key building: prefix put before the value and the number of digits the value is padded
 *  to with leading zeros (0 = as is). */
const char *mz_profile_kreis_prefix(const mz_profile_t *p);
int mz_profile_kreis_digits(const mz_profile_t *p);

/** Result of a recode lookup. */
typedef enum mz_recode_result {
    MZ_RECODE_NONE = 0, /**< the field has no recode table: use the value as it is */
    MZ_RECODE_HIT,      /**< *out set to the canonical text */
    MZ_RECODE_MISS      /**< the table has no entry for the value (and no default) */
} mz_recode_result_t;

/** Recode a numeric value of a field. */
mz_recode_result_t mz_profile_recode_num(const mz_profile_t *p, mz_field_t f, double v,
                                         const char **out);
/** Recode a text value of a field. A text that reads as a number is also matched against
 *  numeric keys and ranges. */
mz_recode_result_t mz_profile_recode_str(const mz_profile_t *p, mz_field_t f, const char *s,
                                         const char **out);
/** Recode a missing value (empty text, system missing): the `missing` key of the table. */
mz_recode_result_t mz_profile_recode_missing(const mz_profile_t *p, mz_field_t f,
                                             const char **out);
/** Line of the profile where the recode table of a field starts (0 = no table). */
long mz_profile_recode_line(const mz_profile_t *p, mz_field_t f);

/** Row filters ([filter] section, e.g. `EF1 = 3` keeps the records of Niedersachsen in a file
 *  for all of Germany): a record is read only when every filter variable has one of its values. */
#define MZ_PROFILE_MAX_FILTERS 4
size_t mz_profile_filter_count(const mz_profile_t *p);
const char *mz_profile_filter_variable(const mz_profile_t *p, size_t i);
long mz_profile_filter_line(const mz_profile_t *p, size_t i);
/** Whether filter i keeps a value (numeric when is_num, else the text s). */
bool mz_profile_filter_keeps(const mz_profile_t *p, size_t i, bool is_num, double v,
                             const char *s);

#ifdef __cplusplus
}
#endif
#endif
