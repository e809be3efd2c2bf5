/* mz_error.h — status codes, data-error reports and the message language of libmzatlas.
 *
 * Every function that can fail takes an `mz_error_t *` (may be NULL) and returns a status or
 * NULL. The library never prints: it fills the error, the caller decides what to do with it. */
#ifndef MZATLAS_MZ_ERROR_H
#define MZATLAS_MZ_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Status of a call. The CLI maps them to exit codes with mz_exit_code(). */
typedef enum mz_status {
    MZ_OK = 0,
    MZ_ERR_USAGE,    /**< bad option or argument (exit 2) */
    MZ_ERR_DATA,     /**< invalid input data (exit 3) */
    MZ_ERR_IO,       /**< file missing, unreadable or unwritable (exit 4) */
    MZ_ERR_NOMEM,    /**< out of memory (exit 4) */
    MZ_ERR_INTERNAL  /**< a bug in mzatlas (exit 70) */
} mz_status_t;

/** A failure with the place in the data where it happened. Fields that do not apply are empty
 *  strings / 0. `message` says what was expected, in the current language. */
typedef struct mz_error {
    mz_status_t status;
    char file[512];
    long line;          /**< 1-based line (or record) number; 0 when not about a line */
    char column[64];    /**< column / field / key name */
    char value[128];    /**< offending value, shortened and made printable */
    char message[768];
} mz_error_t;

/** Language of user-facing text (messages, labels in outputs). */
typedef enum mz_lang { MZ_LANG_DE = 0, MZ_LANG_EN = 1 } mz_lang_t;

void mz_set_lang(mz_lang_t lang);
mz_lang_t mz_get_lang(void);
/** Parse "de"/"en"; returns -1 for anything else. */
int mz_lang_parse(const char *s);
/** Pick the German or English text by the current language. */
const char *mz_tr(const char *de, const char *en);

/** Short description of a status in the current language. */
const char *mz_strerror(mz_status_t status);
/** Process exit code for a status: 0, 2, 3, 4 or 70. */
int mz_exit_code(mz_status_t status);

/** Reset an error to MZ_OK with empty fields. NULL is accepted. */
void mz_error_clear(mz_error_t *err);
/** Fill an error. file/column/value may be NULL; value is shortened to fit and non-printable
 *  bytes are shown as \xNN. Returns status, so callers can `return mz_error_set(...)`. */
mz_status_t mz_error_set(mz_error_t *err, mz_status_t status, const char *file, long line,
                         const char *column, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
mz_status_t mz_error_vset(mz_error_t *err, mz_status_t status, const char *file, long line,
                          const char *column, const char *value, const char *fmt, va_list ap);
/** One line for a human: `file:line: column 'x': value 'v': message`. */
void mz_error_format(const mz_error_t *err, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
