/* util.c — private helpers (see util.h). */
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *mz_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

bool mz_parse_long(const char *s, long *out)
{
    if (!s || !*s)
        return false;
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    if (!*p || strspn(p, "0123456789") != strlen(p) || strlen(p) > 15)
        return false;
    *out = strtol(s, NULL, 10);
    return true;
}

bool mz_parse_double(const char *s, bool decimal_comma, double *out)
{
    char tmp[64];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof tmp)
        return false;
    size_t i = 0, o = 0;
    bool digits = false, point = false, exp = false;
    if (s[i] == '+' || s[i] == '-')
        tmp[o++] = s[i++];
    for (; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            digits = true;
            tmp[o++] = c;
        } else if ((c == '.' || (decimal_comma && c == ',')) && !point && !exp) {
            point = true;
            tmp[o++] = '.';
        } else if ((c == 'e' || c == 'E') && digits && !exp) {
            exp = true;
            tmp[o++] = 'e';
            if (i + 1 < n && (s[i + 1] == '+' || s[i + 1] == '-'))
                tmp[o++] = s[++i];
            if (i + 1 >= n)
                return false;
        } else {
            return false;
        }
    }
    if (!digits)
        return false;
    tmp[o] = '\0';
    errno = 0;
    double v = strtod(tmp, NULL);
    if (errno == ERANGE || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool str_reserve(mz_str_t *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t nc = b->cap ? b->cap : 64;
    while (nc < b->len + extra + 1)
        nc *= 2;
    char *ns = realloc(b->s, nc);
    if (!ns)
        return false;
    b->s = ns;
    b->cap = nc;
    return true;
}

bool mz_str_append(mz_str_t *b, const char *s)
{
    size_t n = strlen(s);
    if (!str_reserve(b, n))
        return false;
    memcpy(b->s + b->len, s, n + 1);
    b->len += n;
    return true;
}

bool mz_str_appendf(mz_str_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !str_reserve(b, (size_t)n))
        return false;
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

char *mz_str_take(mz_str_t *b)
{
    char *s = b->s ? b->s : mz_strdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void mz_str_free(mz_str_t *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

static uint64_t hash_bytes(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 1099511628211ull;
    }
    return h ^ (h >> 29);
}

void mz_strmap_init(mz_strmap_t *m) { memset(m, 0, sizeof *m); }

void mz_strmap_finish(mz_strmap_t *m)
{
    for (size_t i = 0; i < m->count; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->klen);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

long mz_strmap_find(const mz_strmap_t *m, const char *key, size_t len)
{
    if (!m->nslots)
        return -1;
    size_t mask = m->nslots - 1;
    for (size_t i = hash_bytes(key, len) & mask;; i = (i + 1) & mask) {
        uint32_t v = m->slots[i];
        if (!v)
            return -1;
        size_t id = v - 1;
        if (m->klen[id] == len && memcmp(m->keys[id], key, len) == 0)
            return (long)id;
    }
}

static bool grow(mz_strmap_t *m)
{
    size_t ns = m->nslots ? m->nslots * 2 : 256;
    uint32_t *slots = calloc(ns, sizeof *slots);
    if (!slots)
        return false;
    for (size_t id = 0; id < m->count; id++) {
        size_t i = hash_bytes(m->keys[id], m->klen[id]) & (ns - 1);
        while (slots[i])
            i = (i + 1) & (ns - 1);
        slots[i] = (uint32_t)id + 1;
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = ns;
    return true;
}

long mz_strmap_intern(mz_strmap_t *m, const char *key, size_t len, bool *added)
{
    if (added)
        *added = false;
    long id = mz_strmap_find(m, key, len);
    if (id >= 0)
        return id;
    if ((m->count + 1) * 2 > m->nslots && !grow(m))
        return -1;
    if (m->count == m->kcap) {
        size_t nc = m->kcap ? m->kcap * 2 : 128;
        char **nk = realloc(m->keys, nc * sizeof *nk);
        if (nk)
            m->keys = nk;
        size_t *nl = realloc(m->klen, nc * sizeof *nl);
        if (nl)
            m->klen = nl;
        if (!nk || !nl)
            return -1;
        m->kcap = nc;
    }
    char *k = malloc(len + 1);
    if (!k)
        return -1;
    memcpy(k, key, len);
    k[len] = '\0';
    m->keys[m->count] = k;
    m->klen[m->count] = len;
    size_t mask = m->nslots - 1;
    size_t i = hash_bytes(key, len) & mask;
    while (m->slots[i])
        i = (i + 1) & mask;
    m->slots[i] = (uint32_t)m->count + 1;
    if (added)
        *added = true;
    return (long)m->count++;
}

double mz_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
