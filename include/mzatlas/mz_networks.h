/* mz_networks.h — the 2010 inventory of regional networks (Anhang 2 of the ies report) joined to
 * units and regions. */
#ifndef MZATLAS_MZ_NETWORKS_H
#define MZATLAS_MZ_NETWORKS_H

#include <stddef.h>

#include "mz_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mz_networks mz_networks_t;

/** One network of the inventory. Strings owned by the inventory. */
typedef struct mz_network {
    const char *id;
    const char *name;        /**< may be "" */
    const char *seat_city;
    const char *kreis_ags;   /**< "" for the supra-regional network */
    const char *fields;      /**< codes joined by "; " */
    const char *actor_types; /**< codes joined by "; " */
    const char *scope;       /**< "regional" or "ueberregional" */
} mz_network_t;

/** Load networks-ni-2010.csv and kreise-ni.csv (network status per Kreis). */
mz_networks_t *mz_networks_load(const char *networks_csv, const char *kreise_csv,
                                mz_error_t *err);
void mz_networks_destroy(mz_networks_t *nw);

size_t mz_networks_count(const mz_networks_t *nw);
const mz_network_t *mz_networks_get(const mz_networks_t *nw, size_t i);
/** Status of a Kreis in 2010: "network", "none", "no_information", or "" if unknown. The halves
 *  of Region Hannover (03241001/03241999) take the status of 03241. */
const char *mz_networks_status(const mz_networks_t *nw, const char *ags);

/** Networks of a set of units, for a region. */
typedef struct mz_network_join {
    size_t count;            /**< regional networks in the member Kreise */
    char status[32];         /**< "network" if any member has one, else "no_information" if any
                                  member has no information, else "none" */
    char *ids;               /**< "; "-joined network ids */
    char *names;             /**< "; "-joined names */
    char *fields;            /**< union of fields, "; "-joined, in the inventory's order */
} mz_network_join_t;

/** Join the networks of the member AGS codes ("+"-joined, as in mz_region_t.members). */
mz_status_t mz_networks_join(const mz_networks_t *nw, const char *members, mz_network_join_t *out,
                             mz_error_t *err);
void mz_network_join_finish(mz_network_join_t *j);

#ifdef __cplusplus
}
#endif
#endif
