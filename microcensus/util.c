/* util.c — private helpers (see util.h). */
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* Eight bytes at a time: each word is mixed in with a multiply; the tail is read as a shorter
 * word. Keys are short ids (PSU numbers, stratum codes), so this beats a byte-wise FNV. */
static uint64_t hash_bytes(const char *k, size_t n)
{
    const uint64_t mul = 0x9e3779b97f4a7c15ull;
    uint64_t h = 0x243f6a8885a308d3ull ^ (uint64_t)n;
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, k, 8);
        h = (h ^ w) * mul;
        h ^= h >> 32;
        k += 8;
        n -= 8;
    }
    if (n > 0) {
        uint64_t w = 0;
        memcpy(&w, k, n);
        h = (h ^ w) * mul;
        h ^= h >> 32;
    }
    h *= mul;
    return h ^ (h >> 29);
}

void mz_strmap_init(mz_strmap_t *m) { memset(m, 0, sizeof *m); }

void mz_strmap_finish(mz_strmap_t *m)
{
    free(m->arena);
    free(m->koff);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static inline const char *key_at(const mz_strmap_t *m, size_t id, size_t *len)
{
    *len = m->koff[id + 1] - m->koff[id] - 1;
    return m->arena + m->koff[id];
}

#define TAG_SHIFT 24
#define NARROW_IDS ((1u << TAG_SHIFT) - 1u)

/* The slot value of an id with its hash h. */
static inline uint32_t slot_value(const mz_strmap_t *m, size_t id, uint64_t h)
{
    return m->wide ? (uint32_t)id + 1 : (uint32_t)(h >> 56) << TAG_SHIFT | ((uint32_t)id + 1);
}

long mz_strmap_find(const mz_strmap_t *m, const char *key, size_t len)
{
    if (!m->nslots)
        return -1;
    const uint64_t h = hash_bytes(key, len);
    const uint32_t tag = m->wide ? 0 : (uint32_t)(h >> 56);
    const size_t mask = m->nslots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t v = m->slots[i];
        if (!v)
            return -1;
        if (!m->wide) {
            if (v >> TAG_SHIFT != tag)
                continue;
            v &= NARROW_IDS;
        }
        size_t id = v - 1, kl;
        const char *k = key_at(m, id, &kl);
        if (kl == len && memcmp(k, key, len) == 0)
            return (long)id;
    }
}

/* Rehash into ns slots (wide: without hash bits). */
static bool rehash(mz_strmap_t *m, size_t ns, bool wide)
{
    uint32_t *slots = calloc(ns, sizeof *slots);
    if (!slots)
        return false;
    m->wide = wide;
    for (size_t id = 0; id < m->count; id++) {
        size_t kl;
        const char *k = key_at(m, id, &kl);
        const uint64_t h = hash_bytes(k, kl);
        size_t i = h & (ns - 1);
        while (slots[i])
            i = (i + 1) & (ns - 1);
        slots[i] = slot_value(m, id, h);
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = ns;
    return true;
}

static bool grow(mz_strmap_t *m) { return rehash(m, m->nslots ? m->nslots * 2 : 256, m->wide); }

long mz_strmap_intern(mz_strmap_t *m, const char *key, size_t len, bool *added)
{
    if (added)
        *added = false;
    long id = mz_strmap_find(m, key, len);
    if (id >= 0)
        return id;
    if (m->count >= UINT32_MAX - 1 || len >= UINT32_MAX - m->arena_len - 1)
        return -1;
    if ((m->count + 1) * 2 > m->nslots && !grow(m))
        return -1;
    if (!m->wide && m->count + 1 >= NARROW_IDS && !rehash(m, m->nslots, true))
        return -1;
    if (m->count + 2 > m->kcap) {
        size_t nc = m->kcap ? m->kcap * 2 : 128;
        uint32_t *nk = realloc(m->koff, nc * sizeof *nk);
        if (!nk)
            return -1;
        m->koff = nk;
        m->kcap = nc;
    }
    if (m->arena_len + len + 1 > m->arena_cap) {
        size_t nc = m->arena_cap ? m->arena_cap : 4096;
        while (nc < m->arena_len + len + 1)
            nc *= 2;
        char *na = realloc(m->arena, nc);
        if (!na)
            return -1;
        m->arena = na;
        m->arena_cap = nc;
    }
    m->koff[m->count] = (uint32_t)m->arena_len;
    memcpy(m->arena + m->arena_len, key, len);
    m->arena[m->arena_len + len] = '\0';
    m->arena_len += len + 1;
    m->koff[m->count + 1] = (uint32_t)m->arena_len;
    const size_t mask = m->nslots - 1;
    const uint64_t h = hash_bytes(key, len);
    size_t i = h & mask;
    while (m->slots[i])
        i = (i + 1) & mask;
    m->slots[i] = slot_value(m, m->count, h);
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

/* -1 = not decided yet (read MZATLAS_GENERIC on first use), 0 = off, 1 = on */
static atomic_int fast_paths = -1;

bool mz_fast_paths(void)
{
    int v = atomic_load(&fast_paths);
    if (v < 0) {
        const char *env = getenv("MZATLAS_GENERIC");
        v = env && *env && strcmp(env, "0") != 0 ? 0 : 1;
        atomic_store(&fast_paths, v);
    }
    return v == 1;
}

void mz_set_fast_paths(bool on) { atomic_store(&fast_paths, on ? 1 : 0); }

int mz_max_threads(void)
{
    if (!mz_fast_paths())
        return 1;
    long n = 0;
    const char *env = getenv("MZATLAS_THREADS");
    if (env && *env)
        n = strtol(env, NULL, 10);
    if (n < 1)
        n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}
