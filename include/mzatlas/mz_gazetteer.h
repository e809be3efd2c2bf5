/* mz_gazetteer.h — the regional units (Kreise, Region Hannover and its halves) and the strata
 * (Regionale Anpassungsschichten), year-aware. */
#ifndef MZATLAS_MZ_GAZETTEER_H
#define MZATLAS_MZ_GAZETTEER_H

#include <stdbool.h>
#include <stddef.h>

#include "mz_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Code of the Land (Niedersachsen). */
#define MZ_LAND_CODE "03"

typedef struct mz_gazetteer mz_gazetteer_t;

typedef enum mz_unit_kind {
    MZ_KIND_KREISFREIE_STADT,
    MZ_KIND_LANDKREIS,
    MZ_KIND_REGION,    /**< 03241 Region Hannover as a whole (spans two strata) */
    MZ_KIND_TEILREGION /**< 03241001 / 03241999 */
} mz_unit_kind_t;

/** One unit. Strings are owned by the gazetteer. */
typedef struct mz_unit {
    const char *ags;
    const char *name;
    const char *short_name;
    mz_unit_kind_t kind;
    const char *parent;      /**< AGS of the whole, for a teilregion; "" otherwise */
    const char *schicht;     /**< stratum code; "RA_03+RA_04" for 03241 */
    const char *schicht_name;
    int valid_from;          /**< first survey year */
    int valid_to;            /**< first survey year it no longer exists; 0 = open */
} mz_unit_t;

/** Load a gazetteer CSV (columns of data/regions/gazetteer-ni.csv). */
mz_gazetteer_t *mz_gazetteer_load(const char *path, mz_error_t *err);
/** The same from memory (tests and fuzzing); `name` is used in messages. */
mz_gazetteer_t *mz_gazetteer_load_mem(const char *name, const void *data, size_t size,
                                      mz_error_t *err);
void mz_gazetteer_destroy(mz_gazetteer_t *gz);

size_t mz_gazetteer_count(const mz_gazetteer_t *gz);
const mz_unit_t *mz_gazetteer_unit(const mz_gazetteer_t *gz, size_t index);
/** Index of the unit with this AGS, or -1. */
int mz_gazetteer_find(const mz_gazetteer_t *gz, const char *ags);
/** Whether the unit exists in survey year `year` (valid_from <= year < valid_to). */
bool mz_unit_valid_in(const mz_unit_t *unit, int year);

/** Load renames (CSV columns ags, from_year, name, short_name): a unit keeps its key but is
 *  named differently from a survey year on (03358 Soltau-Fallingbostel → Heidekreis, 2011). */
mz_status_t mz_gazetteer_load_renames(mz_gazetteer_t *gz, const char *path, mz_error_t *err);
/** Use the names valid in survey year `year` (the latest rename with from_year <= year, else the
 *  gazetteer's own name). */
void mz_gazetteer_set_year(mz_gazetteer_t *gz, int year);

/** Strata: distinct single stratum codes (RA_01 …), sorted. The composite "RA_03+RA_04" of the
 *  whole Region Hannover is a stratum too, listed after the single codes. */
size_t mz_gazetteer_strata_count(const mz_gazetteer_t *gz);
const char *mz_gazetteer_stratum_code(const mz_gazetteer_t *gz, size_t s);
const char *mz_gazetteer_stratum_name(const mz_gazetteer_t *gz, size_t s);
/** Index of a stratum code, or -1. */
int mz_gazetteer_find_stratum(const mz_gazetteer_t *gz, const char *code);
/** Stratum index of a unit. */
int mz_gazetteer_unit_stratum(const mz_gazetteer_t *gz, size_t unit);

#ifdef __cplusplus
}
#endif
#endif
