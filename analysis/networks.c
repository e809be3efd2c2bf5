/* networks.c — the 2010 inventory of regional networks, joined to units and regions. */
#include "mzatlas/mz_networks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../microcensus/csv.h"
#include "../microcensus/util.h"

typedef struct kreis_status {
    char ags[16];
    char status[32];
} kreis_status_t;

struct mz_networks {
    mz_network_t *nets;
    size_t count;
    kreis_status_t *kreise;
    size_t nkreise;
};

/* The fields in the inventory's fixed order (networks/README.md). */
static const char *const field_order[] = {"beratung",          "anerkennung",
                                          "kompetenzfeststellung", "qualifizierung",
                                          "sprachfoerderung",  "existenzgruendung",
                                          "interkulturelle_oeffnung", "berufliche_orientierung",
                                          "vermittlung"};
#define NFIELDS (sizeof field_order / sizeof field_order[0])

static int header_index(mz_csv_t *csv, const char *name)
{
    for (size_t i = 0; i < mz_csv_nfields(csv); i++)
        if (strcmp(mz_csv_field(csv, i), name) == 0)
            return (int)i;
    return -1;
}

static bool read_header(mz_csv_t *csv, const char *const *names, int *idx, size_t n,
                        mz_error_t *err)
{
    int rc = mz_csv_next(csv, err);
    if (rc <= 0) {
        if (rc == 0)
            mz_error_set(err, MZ_ERR_DATA, mz_csv_name(csv), 1, NULL, NULL, "%s",
                         mz_tr("leere Datei", "empty file"));
        return false;
    }
    for (size_t k = 0; k < n; k++) {
        idx[k] = header_index(csv, names[k]);
        if (idx[k] < 0) {
            mz_error_set(err, MZ_ERR_DATA, mz_csv_name(csv), 1, names[k], "", "%s",
                         mz_tr("Spalte fehlt", "column missing"));
            return false;
        }
    }
    return true;
}

mz_networks_t *mz_networks_load(const char *networks_csv, const char *kreise_csv,
                                mz_error_t *err)
{
    static const char *const ncols[] = {"network_id", "name",        "seat_city", "kreis_ags",
                                        "fields",     "actor_types", "scope"};
    static const char *const kcols[] = {"ags", "network_status_2010"};
    enum { NC = sizeof ncols / sizeof ncols[0] };
    int ni[NC], ki[2];
    mz_networks_t *nw = calloc(1, sizeof *nw);
    mz_csv_t *csv = NULL;
    size_t cap = 0;
    int rc;
    if (!nw)
        goto nomem;
    csv = mz_csv_open(networks_csv, ',', err);
    if (!csv || !read_header(csv, ncols, ni, NC, err))
        goto fail;
    while ((rc = mz_csv_next(csv, err)) == 1) {
        if (mz_csv_nfields(csv) < 7) {
            mz_error_set(err, MZ_ERR_DATA, networks_csv, mz_csv_line(csv), NULL, NULL, "%s",
                         mz_tr("zu wenige Felder", "too few fields"));
            goto fail;
        }
        if (nw->count == cap) {
            cap = cap ? cap * 2 : 32;
            mz_network_t *n = realloc(nw->nets, cap * sizeof *n);
            if (!n)
                goto nomem;
            nw->nets = n;
        }
        mz_network_t *n = &nw->nets[nw->count++];
        const char **dst[NC] = {&n->id,     &n->name,        &n->seat_city, &n->kreis_ags,
                                &n->fields, &n->actor_types, &n->scope};
        for (size_t k = 0; k < NC; k++)
            *dst[k] = mz_strdup(mz_csv_field(csv, (size_t)ni[k]));
        for (size_t k = 0; k < NC; k++)
            if (!*dst[k])
                goto nomem;
    }
    if (rc < 0)
        goto fail;
    mz_csv_close(csv);
    csv = mz_csv_open(kreise_csv, ',', err);
    if (!csv || !read_header(csv, kcols, ki, 2, err))
        goto fail;
    cap = 0;
    while ((rc = mz_csv_next(csv, err)) == 1) {
        if (nw->nkreise == cap) {
            cap = cap ? cap * 2 : 64;
            kreis_status_t *k = realloc(nw->kreise, cap * sizeof *k);
            if (!k)
                goto nomem;
            nw->kreise = k;
        }
        kreis_status_t *k = &nw->kreise[nw->nkreise++];
        snprintf(k->ags, sizeof k->ags, "%s", mz_csv_field(csv, (size_t)ki[0]));
        snprintf(k->status, sizeof k->status, "%s", mz_csv_field(csv, (size_t)ki[1]));
    }
    if (rc < 0)
        goto fail;
    mz_csv_close(csv);
    return nw;
nomem:
    mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
fail:
    mz_csv_close(csv);
    mz_networks_destroy(nw);
    return NULL;
}

void mz_networks_destroy(mz_networks_t *nw)
{
    if (!nw)
        return;
    for (size_t i = 0; i < nw->count; i++) {
        mz_network_t *n = &nw->nets[i];
        free((char *)n->id);
        free((char *)n->name);
        free((char *)n->seat_city);
        free((char *)n->kreis_ags);
        free((char *)n->fields);
        free((char *)n->actor_types);
        free((char *)n->scope);
    }
    free(nw->nets);
    free(nw->kreise);
    free(nw);
}

size_t mz_networks_count(const mz_networks_t *nw) { return nw->count; }
const mz_network_t *mz_networks_get(const mz_networks_t *nw, size_t i) { return &nw->nets[i]; }

/* The Kreis of the inventory a unit belongs to: the halves of Region Hannover map to 03241. */
static void inventory_kreis(const char *ags, char out[16])
{
    if (strlen(ags) == 8 && strncmp(ags, "03241", 5) == 0)
        snprintf(out, 16, "03241");
    else
        snprintf(out, 16, "%s", ags);
}

const char *mz_networks_status(const mz_networks_t *nw, const char *ags)
{
    char k[16];
    inventory_kreis(ags, k);
    for (size_t i = 0; i < nw->nkreise; i++)
        if (strcmp(nw->kreise[i].ags, k) == 0)
            return nw->kreise[i].status;
    return "";
}

mz_status_t mz_networks_join(const mz_networks_t *nw, const char *members, mz_network_join_t *out,
                             mz_error_t *err)
{
    memset(out, 0, sizeof *out);
    mz_str_t ids = {0}, names = {0}, fields = {0};
    bool any_net = false, any_noinfo = false, any_known = false;
    bool field_on[NFIELDS] = {false};
    char seen[64][16];
    size_t nseen = 0;
    const char *p = members;
    while (*p) {
        size_t len = strcspn(p, "+");
        char ags[16], k[16];
        snprintf(ags, sizeof ags, "%.*s", (int)(len < 15 ? len : 15), p);
        p += len + (p[len] == '+');
        inventory_kreis(ags, k);
        bool dup = false;
        for (size_t i = 0; i < nseen; i++)
            dup = dup || strcmp(seen[i], k) == 0;
        if (dup || nseen == 64)
            continue;
        snprintf(seen[nseen++], 16, "%s", k);
        const char *st = mz_networks_status(nw, k);
        any_known = any_known || st[0];
        any_net = any_net || strcmp(st, "network") == 0;
        any_noinfo = any_noinfo || strcmp(st, "no_information") == 0;
        for (size_t i = 0; i < nw->count; i++) {
            const mz_network_t *n = &nw->nets[i];
            if (strcmp(n->scope, "regional") != 0 || strcmp(n->kreis_ags, k) != 0)
                continue;
            out->count++;
            if ((ids.len && !mz_str_append(&ids, "; ")) || !mz_str_append(&ids, n->id) ||
                (names.len && !mz_str_append(&names, "; ")) ||
                !mz_str_append(&names, n->name[0] ? n->name
                                                     : mz_tr("Netzwerk ohne Namen",
                                                             "network without a name")))
                goto nomem;
            for (size_t f = 0; f < NFIELDS; f++) {
                const char *hit = strstr(n->fields, field_order[f]);
                size_t fl = strlen(field_order[f]);
                if (hit && (hit[fl] == '\0' || hit[fl] == ';'))
                    field_on[f] = true;
            }
        }
    }
    for (size_t f = 0; f < NFIELDS; f++)
        if (field_on[f] && ((fields.len && !mz_str_append(&fields, "; ")) ||
                            !mz_str_append(&fields, field_order[f])))
            goto nomem;
    snprintf(out->status, sizeof out->status, "%s",
             any_net ? "network" : any_noinfo ? "no_information" : any_known ? "none" : "");
    out->ids = mz_str_take(&ids);
    out->names = mz_str_take(&names);
    out->fields = mz_str_take(&fields);
    if (!out->ids || !out->names || !out->fields)
        goto nomem;
    return MZ_OK;
nomem:
    mz_str_free(&ids);
    mz_str_free(&names);
    mz_str_free(&fields);
    mz_network_join_finish(out);
    return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
}

void mz_network_join_finish(mz_network_join_t *j)
{
    if (!j)
        return;
    free(j->ids);
    free(j->names);
    free(j->fields);
    j->ids = j->names = j->fields = NULL;
}
