/* error.c — status codes, error reports and the message language. */
#include "mzatlas/mz_error.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static mz_lang_t current_lang = MZ_LANG_DE;

void mz_set_lang(mz_lang_t lang) { current_lang = lang; }
mz_lang_t mz_get_lang(void) { return current_lang; }

int mz_lang_parse(const char *s)
{
    if (s && strcmp(s, "de") == 0)
        return MZ_LANG_DE;
    if (s && strcmp(s, "en") == 0)
        return MZ_LANG_EN;
    return -1;
}

const char *mz_tr(const char *de, const char *en) { return current_lang == MZ_LANG_EN ? en : de; }

const char *mz_strerror(mz_status_t status)
{
    switch (status) {
    case MZ_OK: return mz_tr("kein Fehler", "no error");
    case MZ_ERR_USAGE: return mz_tr("falscher Aufruf", "usage error");
    case MZ_ERR_DATA: return mz_tr("ungültige Eingabedaten", "invalid input data");
    case MZ_ERR_IO: return mz_tr("Ein-/Ausgabefehler", "input/output error");
    case MZ_ERR_NOMEM: return mz_tr("Speicher erschöpft", "out of memory");
    case MZ_ERR_INTERNAL: return mz_tr("interner Fehler", "internal error");
    }
    return "?";
}

int mz_exit_code(mz_status_t status)
{
    switch (status) {
    case MZ_OK: return 0;
    case MZ_ERR_USAGE: return 2;
    case MZ_ERR_DATA: return 3;
    case MZ_ERR_IO: return 4;
    case MZ_ERR_NOMEM: return 4;
    case MZ_ERR_INTERNAL: return 70;
    }
    return 70;
}

void mz_error_clear(mz_error_t *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}

/* Copy a value for display: at most dst_size-1 bytes, control bytes and bytes >= 0x80 that do
 * not form valid UTF-8 shown as \xNN, long values cut with "…". */
static void copy_printable(char *dst, size_t dst_size, const char *src)
{
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)src;
    const size_t limit = dst_size > 8 ? dst_size - 8 : 0;
    for (size_t i = 0; s[i] && o < limit; i++) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x7f) {
            dst[o++] = (char)c;
            continue;
        }
        /* accept a well-formed 2–4 byte UTF-8 sequence as is */
        size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        bool ok = len > 0 && o + len < limit;
        for (size_t k = 1; ok && k < len; k++)
            ok = (s[i + k] & 0xc0) == 0x80;
        if (ok) {
            memcpy(dst + o, s + i, len);
            o += len;
            i += len - 1;
        } else {
            o += (size_t)snprintf(dst + o, dst_size - o, "\\x%02X", c);
        }
    }
    if (s[0] && o >= limit && dst_size > 4) {
        memcpy(dst + o, "\xe2\x80\xa6", 3); /* … */
        o += 3;
    }
    dst[o < dst_size ? o : dst_size - 1] = '\0';
}

mz_status_t mz_error_vset(mz_error_t *err, mz_status_t status, const char *file, long line,
                          const char *column, const char *value, const char *fmt, va_list ap)
{
    if (!err)
        return status;
    mz_error_clear(err);
    err->status = status;
    if (file)
        snprintf(err->file, sizeof err->file, "%s", file);
    err->line = line;
    if (column)
        copy_printable(err->column, sizeof err->column, column);
    if (value)
        copy_printable(err->value, sizeof err->value, value);
    if (fmt)
        vsnprintf(err->message, sizeof err->message, fmt, ap);
    return status;
}

mz_status_t mz_error_set(mz_error_t *err, mz_status_t status, const char *file, long line,
                         const char *column, const char *value, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mz_error_vset(err, status, file, line, column, value, fmt, ap);
    va_end(ap);
    return status;
}

void mz_error_format(const mz_error_t *err, char *buf, size_t size)
{
    size_t o = 0;
    if (!buf || size == 0)
        return;
    buf[0] = '\0';
#define PUT(...)                                                                                  \
    do {                                                                                          \
        if (o < size)                                                                             \
            o += (size_t)snprintf(buf + o, size - o, __VA_ARGS__);                                \
    } while (0)
    if (err->file[0]) {
        PUT("%s", err->file);
        if (err->line > 0)
            PUT(":%ld", err->line);
        PUT(": ");
    }
    if (err->column[0])
        PUT("%s '%s': ", mz_tr("Spalte", "column"), err->column);
    if (err->column[0] || err->value[0])
        PUT("%s '%s': ", mz_tr("Wert", "value"), err->value);
    PUT("%s", err->message[0] ? err->message : mz_strerror(err->status));
#undef PUT
}
