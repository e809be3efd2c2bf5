/* outdir.c — atomic output directories: everything is written into a staging directory beside
 * the target, which then replaces the target in one step. */
#define _GNU_SOURCE
#include "mzatlas/mz_output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../microcensus/util.h"

struct mz_outdir {
    char *final;
    char *staging;
    char *created; /* the topmost parent directory mz_outdir_begin created, or NULL */
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_rf(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* mkdir -p for the parents of path (not path itself). With created non-NULL, the first
 * directory this call made is returned there (malloc'd), so that it can be removed again. */
static int make_parents(const char *path, char **created)
{
    char *p = mz_strdup(path);
    if (!p)
        return -1;
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) == 0) {
            if (created && !*created)
                *created = mz_strdup(p);
        } else if (errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    free(p);
    return 0;
}

/* Remove the (empty) parent directories that mz_outdir_begin created, after a failure. */
static void remove_created_parents(const char *final, const char *created)
{
    if (!created)
        return;
    char *p = mz_strdup(final);
    size_t top = strlen(created);
    for (char *slash = p ? strrchr(p, '/') : NULL; slash; slash = strrchr(p, '/')) {
        *slash = '\0';
        if (strlen(p) < top || rmdir(p) != 0)
            break;
    }
    free(p);
}

/* Whether an existing directory may be replaced: it is empty or holds earlier results of
 * mzatlas (run.json). Anything else may be a user's folder and is never deleted. */
static bool replaceable_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool empty = true;
    struct dirent *e;
    while (empty && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            empty = false;
    closedir(d);
    if (empty)
        return true;
    char *marker = malloc(strlen(dir) + sizeof "/run.json");
    if (!marker)
        return false;
    sprintf(marker, "%s/run.json", dir);
    struct stat st;
    bool ok = stat(marker, &st) == 0 && S_ISREG(st.st_mode);
    free(marker);
    return ok;
}

mz_outdir_t *mz_outdir_begin(const char *dir, mz_error_t *err)
{
    struct stat st;
    if (!dir || !*dir) {
        mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL, "%s",
                     mz_tr("kein Ausgabeverzeichnis angegeben", "no output directory given"));
        return NULL;
    }
    if (stat(dir, &st) == 0 && !S_ISDIR(st.st_mode)) {
        mz_error_set(err, MZ_ERR_IO, dir, 0, NULL, NULL, "%s",
                     mz_tr("ist eine Datei, kein Verzeichnis; sie bleibt unverändert",
                           "is a file, not a directory; it is left untouched"));
        return NULL;
    }
    if (stat(dir, &st) == 0 && !replaceable_dir(dir)) {
        mz_error_set(err, MZ_ERR_IO, dir, 0, NULL, NULL, "%s",
                     mz_tr("ist ein Verzeichnis mit anderen Dateien als Ergebnissen von mzatlas "
                           "(kein run.json); es wird nicht ersetzt: ein neues oder leeres "
                           "Verzeichnis angeben",
                           "is a directory holding other files than results of mzatlas (no "
                           "run.json); it is not replaced: give a new or empty directory"));
        return NULL;
    }
    mz_outdir_t *od = calloc(1, sizeof *od);
    if (!od)
        goto nomem;
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        n--;
    od->final = malloc(n + 1);
    od->staging = malloc(n + 64);
    if (!od->final || !od->staging)
        goto nomem;
    memcpy(od->final, dir, n);
    od->final[n] = '\0';
    if (make_parents(od->final, &od->created) != 0) {
        int e = errno;
        mz_error_set(err, MZ_ERR_IO, dir, 0, NULL, NULL, "%s: %s",
                     mz_tr("Verzeichnis kann nicht angelegt werden", "cannot create directory"),
                     strerror(e));
        goto fail;
    }
    snprintf(od->staging, n + 64, "%s.partial-%ld", od->final, (long)getpid());
    rm_rf(od->staging);
    if (mkdir(od->staging, 0777) != 0) {
        int e = errno;
        mz_error_set(err, MZ_ERR_IO, od->staging, 0, NULL, NULL, "%s: %s",
                     mz_tr("Verzeichnis kann nicht angelegt werden", "cannot create directory"),
                     strerror(e));
        goto fail;
    }
    return od;
nomem:
    mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
fail:
    if (od) {
        if (od->final)
            remove_created_parents(od->final, od->created);
        free(od->final);
        free(od->staging);
        free(od->created);
        free(od);
    }
    return NULL;
}

const char *mz_outdir_file(mz_outdir_t *od, const char *rel, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", od->staging, rel);
    make_parents(buf, NULL);
    return buf;
}

mz_status_t mz_outdir_commit(mz_outdir_t *od, mz_error_t *err)
{
    struct stat st;
    mz_status_t status = MZ_OK;
    if (stat(od->final, &st) == 0) {
        /* swap in one step, then remove the previous results */
        int rc = renameat2(AT_FDCWD, od->staging, AT_FDCWD, od->final, RENAME_EXCHANGE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP)) {
            /* the file system cannot swap: move the old results aside, then the new in */
            size_t n = strlen(od->final) + 64;
            char *old = malloc(n);
            rc = -1;
            if (old) {
                snprintf(old, n, "%s.old-%ld", od->final, (long)getpid());
                if (rename(od->final, old) == 0) {
                    rc = rename(od->staging, od->final);
                    int e = errno;
                    if (rc != 0)
                        rename(old, od->final);
                    else
                        rename(old, od->staging); /* removed below */
                    errno = e;
                }
                free(old);
            }
        }
        if (rc != 0) {
            int e = errno;
            status = mz_error_set(err, MZ_ERR_IO, od->final, 0, NULL, NULL, "%s: %s",
                                  mz_tr("Ergebnisse können nicht ersetzt werden",
                                        "cannot replace the results"),
                                  strerror(e));
        }
        rm_rf(od->staging);
    } else if (rename(od->staging, od->final) != 0) {
        int e = errno;
        status = mz_error_set(err, MZ_ERR_IO, od->final, 0, NULL, NULL, "%s: %s",
                              mz_tr("Ergebnisse können nicht abgelegt werden",
                                    "cannot move the results into place"),
                              strerror(e));
        rm_rf(od->staging);
        remove_created_parents(od->final, od->created);
    }
    free(od->final);
    free(od->staging);
    free(od->created);
    free(od);
    return status;
}

void mz_outdir_abort(mz_outdir_t *od)
{
    if (!od)
        return;
    rm_rf(od->staging);
    remove_created_parents(od->final, od->created);
    free(od->final);
    free(od->staging);
    free(od->created);
    free(od);
}
