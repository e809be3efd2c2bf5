/* extract.c — streaming reader and validator for the canonical extract (DESIGN.md). */
#include "mzatlas/mz_extract.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "csv.h"
#include "util.h"

enum {
    C_YEAR, C_KREIS, C_SCHICHT, C_PSU, C_STRATUM, C_WEIGHT, C_AGE, C_SEX, C_MIG, C_ILO,
    C_SELFEMP, C_SECTOR, C_SYNTHETIC, C_N
};
static const char *const colname[C_N] = {"year", "kreis",   "schicht", "psu",    "stratum",
                                         "weight", "age",   "sex",     "mig",    "ilo",
                                         "selfemp", "sector", "synthetic"};
/* required columns (kreis/schicht: one of them) */
static const bool required[C_N] = {[C_YEAR] = true, [C_WEIGHT] = true, [C_AGE] = true,
                                   [C_MIG] = true,  [C_ILO] = true,    [C_SELFEMP] = true,
                                   [C_SECTOR] = true};

/* Largest weight accepted: no record stands for more persons than this. */
#define MAX_WEIGHT 100000.0

/* Keys the fast path has seen validated (Kreis → unit, schicht → stratum): up to 15 bytes,
 * zero-padded into two words, in a small open-addressing table. */
#define KEYS_SLOTS 256u
#define KEYS_MAX 192u
/* Reading ahead in a thread of its own (large files): records travel to the caller in batches. */
#define AHEAD_MIN_BYTES (8u << 20)
#define BATCH_RECORDS 8192u
#define NBATCH 4u

/* A record of the scanner's batches: its weight, group and measures; kind 1: it begins a run,
 * kind 2: the general path read it (both: its record is the batch's next one in rec). */
typedef struct scan_item {
    double w;
    uint32_t ms;
    uint16_t g;
    uint16_t kind;
} scan_item_t;

typedef struct batch {
    mz_record_t rec[BATCH_RECORDS];
    scan_item_t *items;     /* [BATCH_RECORDS] when scanning */
    char *str;              /* copies of the records' psu and stratum strings */
    size_t str_len, str_cap;
    size_t n;               /* records */
    int rc;                 /* what came after them: 1 more, 0 end of input, -1 error (err) */
    mz_error_t err;
    bool synthetic;         /* the reader's state after the batch */
    uint64_t bytes_read;
} batch_t;

typedef struct ahead {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch_t *b[NBATCH];
    size_t produced, consumed; /* batches handed over / given back (counters, mod NBATCH) */
    bool stop;              /* the consumer closes the reader */
    bool joined;            /* the thread has ended and been joined */
    size_t pos;             /* next record of the consumer's batch */
    bool have;              /* the consumer holds batch consumed % NBATCH */
    bool done;              /* the consumer reached the final batch's rc */
    int final_rc;
    bool synthetic;
    uint64_t bytes_read;
} ahead_t;

/* The field index of each column for the fast path (-1: absent). */
typedef struct fast_cols {
    int year, kreis, schicht, psu, stratum, weight, age, sex, mig, ilo, selfemp, sector,
        synthetic;
} fast_cols_t;

typedef struct key_slot {
    uint64_t k[2];
    uint32_t len;       /* 0 = empty slot */
    int32_t index;
    int32_t stratum;    /* of a Kreis: its stratum */
} key_slot_t;

struct mz_extract_reader {
    mz_csv_t *csv;
    mz_extract_options_t opt;
    int col[C_N];
    size_t ncols;           /* fields in the header row */
    int year;
    bool synthetic;
    bool seen_hannover_whole, seen_hannover_split;
    long hannover_line;
    int last_unit;          /* cache for sorted extracts */
    char last_kreis[16];
    /* the fast path (fast_record) */
    bool fast;              /* on: the header is read and mz_fast_paths() */
    char sep;
    uint32_t *fstart;       /* [ncols + 65] offsets of the fields of the record being read */
    fast_cols_t fc;         /* field index of each column, -1 when absent */
    key_slot_t kreise[KEYS_SLOTS], schichten[KEYS_SLOTS];
    size_t nkreise, nschichten;
    char *wbase, *wp, *wend; /* window of the tokenizer's buffer; wp: next record */
    long wline0, wline;     /* line of wbase and of wp */
    uint64_t kreis_k0, kreis_k1; /* the last Kreis key found, and its unit */
    size_t kreis_len;       /* 0 = none */
    int kreis_unit, kreis_stratum;
    ahead_t *ahead;         /* reading ahead in a thread; NULL: records are read on demand */
    bool ahead_tried;
    size_t psu_len, dst_len; /* of the last record read (its psu and stratum strings) */
    const mz_scan_sink_t *scan; /* mz_extract_scan with a reading thread: what it needs to know */
    char wmark;             /* semicolon files: the decimal mark of the weights so far ('.' or
                             * ','; 0: none yet); a file must not mix them (thousands points) */
    long wmark_line;        /* where it was first seen */
    uint32_t year_word;     /* r->year as the 4 bytes of its digits (little-endian load) */
    size_t nprefix;         /* leading fields that are all the run columns (year, Kreis, schicht,
                             * psu, stratum, synthetic), 0 when others come between */
    const char *prev;       /* the record fast_parse took last in this window (NULL: none) */
    uint32_t prev_plen;     /* its prefix: bytes of its first nprefix fields with separators */
    int prev_unit, prev_stratum;
    batch_t *sbatch;        /* mz_extract_next_batch without a thread */
    int sbatch_rc;          /* what follows the records handed out: 1 more, 0 end, -1 error */
};

static mz_extract_reader_t *finish_open(mz_csv_t *csv, const mz_extract_options_t *opt,
                                        mz_error_t *err);
static bool fast_init(mz_extract_reader_t *r, mz_error_t *err);
static void ahead_stop(mz_extract_reader_t *r);

mz_extract_reader_t *mz_extract_open(const char *path, const mz_extract_options_t *opt,
                                     mz_error_t *err)
{
    mz_csv_t *csv = mz_csv_open(path, 0, err);
    return csv ? finish_open(csv, opt, err) : NULL;
}

mz_extract_reader_t *mz_extract_open_mem(const char *name, const void *data, size_t size,
                                         const mz_extract_options_t *opt, mz_error_t *err)
{
    mz_csv_t *csv = mz_csv_open_mem(name, data, size, 0, err);
    return csv ? finish_open(csv, opt, err) : NULL;
}

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t k = strspn(s, " \t");
    if (k)
        memmove(s, s + k, n - k + 1);
}

static mz_extract_reader_t *finish_open(mz_csv_t *csv, const mz_extract_options_t *opt,
                                        mz_error_t *err)
{
    const char *name = mz_csv_name(csv);
    mz_extract_reader_t *r = calloc(1, sizeof *r);
    if (!r) {
        mz_error_set(err, MZ_ERR_NOMEM, name, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        mz_csv_close(csv);
        return NULL;
    }
    r->csv = csv;
    r->opt = *opt;
    r->year = opt->year;
    r->last_unit = -1;
    for (int k = 0; k < C_N; k++)
        r->col[k] = -1;
    int rc = mz_csv_next(csv, err);
    if (rc <= 0) {
        if (rc == 0)
            mz_error_set(err, MZ_ERR_DATA, name, 1, NULL, NULL, "%s",
                         mz_tr("leere Datei: Kopfzeile mit Spaltennamen erwartet",
                               "empty file: expected a header row with column names"));
        goto fail;
    }
    r->ncols = mz_csv_nfields(csv);
    for (size_t i = 0; i < mz_csv_nfields(csv); i++) {
        char *h = (char *)mz_csv_field(csv, i);
        if (!mz_utf8_valid(h, mz_csv_field_len(csv, i))) {
            mz_error_set(err, MZ_ERR_DATA, name, 1, NULL, h, "%s",
                         mz_tr("Kopfzeile ist kein gültiges UTF-8",
                               "header is not valid UTF-8"));
            goto fail;
        }
        trim(h);
        for (int k = 0; k < C_N; k++) {
            if (strcasecmp(h, colname[k]) != 0)
                continue;
            if (r->col[k] >= 0) {
                mz_error_set(err, MZ_ERR_DATA, name, 1, colname[k], h, "%s",
                             mz_tr("Spalte kommt doppelt vor", "duplicate column"));
                goto fail;
            }
            r->col[k] = (int)i;
        }
    }
    for (int k = 0; k < C_N; k++)
        if (required[k] && r->col[k] < 0) {
            mz_error_set(err, MZ_ERR_DATA, name, 1, colname[k], "",
                         mz_tr("Pflichtspalte fehlt in der Kopfzeile (Trennzeichen '%c')",
                               "required column missing from the header (separator '%c')"),
                         mz_csv_sep(csv));
            goto fail;
        }
    if (r->col[C_KREIS] < 0 && r->col[C_SCHICHT] < 0) {
        mz_error_set(err, MZ_ERR_DATA, name, 1, "kreis", "", "%s",
                     mz_tr("weder Spalte kreis noch schicht vorhanden",
                           "neither column kreis nor schicht present"));
        goto fail;
    }
    if ((r->col[C_PSU] < 0) != (r->col[C_STRATUM] < 0)) {
        mz_error_set(err, MZ_ERR_DATA, name, 1, r->col[C_PSU] < 0 ? "psu" : "stratum", "", "%s",
                     mz_tr("psu und stratum gehören zusammen: beide oder keine",
                           "psu and stratum go together: both or neither"));
        goto fail;
    }
    if (mz_fast_paths() && !fast_init(r, err))
        goto fail;
    return r;
fail:
    mz_extract_close(r);
    return NULL;
}

void mz_extract_close(mz_extract_reader_t *r)
{
    if (!r)
        return;
    ahead_stop(r);
    if (r->sbatch) {
        free(r->sbatch->str);
        free(r->sbatch);
    }
    mz_csv_close(r->csv);
    free(r->fstart);
    free(r);
}

bool mz_extract_has_design(const mz_extract_reader_t *r) { return r->col[C_PSU] >= 0; }
/* While a thread reads ahead, the caller sees the state as of the batches it has received (the
 * year is set before the first batch and never changes). */
bool mz_extract_is_synthetic(const mz_extract_reader_t *r)
{
    return r->ahead ? r->ahead->synthetic : r->synthetic;
}
int mz_extract_year(const mz_extract_reader_t *r) { return r->year; }
uint64_t mz_extract_bytes_read(const mz_extract_reader_t *r)
{
    return r->ahead ? r->ahead->bytes_read : mz_csv_bytes_read(r->csv);
}
uint64_t mz_extract_bytes_total(const mz_extract_reader_t *r) { return mz_csv_bytes_total(r->csv); }
const char *mz_extract_sha256(const mz_extract_reader_t *r) { return mz_csv_sha256(r->csv); }

/* Small non-negative integer; false unless the whole field is digits (surrounding blanks ok). */
static bool parse_small_int(const char *s, int *out)
{
    while (*s == ' ')
        s++;
    if (!*s)
        return false;
    int v = 0, nd = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (++nd > 6)
            return false;
        v = v * 10 + (*s - '0');
    }
    while (*s == ' ')
        s++;
    if (*s)
        return false;
    *out = v;
    return true;
}

#define FIELD(k) mz_csv_field(r->csv, (size_t)r->col[k])

static int bad(mz_extract_reader_t *r, mz_error_t *err, int k, const char *expected)
{
    const char *v = r->col[k] >= 0 ? FIELD(k) : "";
    mz_error_set(err, MZ_ERR_DATA, mz_csv_name(r->csv), mz_csv_line(r->csv), colname[k], v, "%s",
                 expected);
    return -1;
}

static int code_field(mz_extract_reader_t *r, mz_error_t *err, int k, int lo, int hi,
                      const char *expected, int *out)
{
    if (!parse_small_int(FIELD(k), out) || *out < lo || *out > hi)
        return bad(r, err, k, expected);
    return 0;
}

static int resolve_kreis(mz_extract_reader_t *r, mz_record_t *rec, mz_error_t *err)
{
    const char *k = FIELD(C_KREIS);
    const mz_gazetteer_t *gz = r->opt.gazetteer;
    size_t len = mz_csv_field_len(r->csv, (size_t)r->col[C_KREIS]);
    if (!mz_utf8_valid(k, len))
        return bad(r, err, C_KREIS,
                   mz_tr("kein gültiges UTF-8 (Datei in einer anderen Kodierung gespeichert?)",
                         "not valid UTF-8 (file saved in another encoding?)"));
    if (r->last_unit >= 0 && len < sizeof r->last_kreis && strcmp(k, r->last_kreis) == 0) {
        rec->unit = r->last_unit;
    } else {
        int u = mz_gazetteer_find(gz, k);
        if (u < 0) {
            char hint[600];
            char padded[16];
            bool digits = len > 0 && strspn(k, "0123456789") == len;
            snprintf(padded, sizeof padded, "0%s", k);
            if (digits && (len == 4 || len == 7) && mz_gazetteer_find(gz, padded) >= 0) {
                snprintf(hint, sizeof hint,
                         mz_tr("unbekannter Kreisschlüssel; vermutlich %s mit verlorener "
                               "führender Null (Spalte in einer Tabellenkalkulation als Zahl "
                               "gespeichert?): den Schlüssel als Text führen",
                               "unknown Kreis key; probably %s with its leading zero lost (column "
                               "saved as a number by a spreadsheet?): keep the key as text"),
                         padded);
            } else {
                snprintf(hint, sizeof hint, "%s",
                         mz_tr("unbekannter Kreisschlüssel (AGS); gültige Schlüssel zeigt "
                               "'mzatlas regions'",
                               "unknown Kreis key (AGS); 'mzatlas regions' lists the valid keys"));
            }
            return bad(r, err, C_KREIS, hint);
        }
        const mz_unit_t *unit = mz_gazetteer_unit(gz, (size_t)u);
        if (!mz_unit_valid_in(unit, rec->year)) {
            char msg[400];
            if (unit->valid_to)
                snprintf(msg, sizeof msg,
                         mz_tr("%s gibt es im Erhebungsjahr %d nicht (gültig %d bis %d)",
                               "%s does not exist in survey year %d (valid %d to %d)"),
                         unit->name, rec->year, unit->valid_from, unit->valid_to - 1);
            else
                snprintf(msg, sizeof msg,
                         mz_tr("%s gibt es im Erhebungsjahr %d nicht (gültig ab %d)",
                               "%s does not exist in survey year %d (valid from %d)"),
                         unit->name, rec->year, unit->valid_from);
            return bad(r, err, C_KREIS, msg);
        }
        if (unit->kind == MZ_KIND_REGION)
            r->seen_hannover_whole = true;
        if (unit->kind == MZ_KIND_TEILREGION)
            r->seen_hannover_split = true;
        if (r->seen_hannover_whole && r->seen_hannover_split)
            return bad(r, err, C_KREIS,
                       mz_tr("Region Hannover kommt sowohl als Ganzes (03241) als auch geteilt "
                             "(03241001/03241999) vor; nur eine Form ist erlaubt",
                             "Region Hannover appears both whole (03241) and split "
                             "(03241001/03241999); only one form is allowed"));
        rec->unit = u;
        r->last_unit = u;
        if (len < sizeof r->last_kreis)
            memcpy(r->last_kreis, k, len + 1);
        else
            r->last_unit = -1;
    }
    rec->stratum = mz_gazetteer_unit_stratum(gz, (size_t)rec->unit);
    return 0;
}

/* ---------------------------------------------------------------- the fast path
 *
 * Nearly every record of an extract is plain: no quotes, numbers without blanks, signs or
 * exponents, ASCII keys, a Kreis seen before, values in range. fast_record reads such a record
 * straight from the tokenizer's buffer and fills it exactly as the general path (mz_extract_next
 * below) would: it finds the separators and the line end of 64 bytes at a time as bit masks
 * (SSE2 where available), then parses each field it needs from its known extent, with no copy
 * and no per-field call. At anything unusual — a quote or NUL, a non-ASCII byte in a key, a
 * number it cannot convert exactly, a value out of range, a Kreis not seen before, a line longer
 * than 1 KB or not complete in the buffer — it returns 0 without having changed anything, and
 * the general path reads the record, with every check and message of its own. */

static bool fast_init(mz_extract_reader_t *r, mz_error_t *err)
{
    /* room for one block of separators more than the header has */
    r->fstart = malloc((r->ncols + 1 + 64) * sizeof *r->fstart);
    if (!r->fstart) {
        mz_error_set(err, MZ_ERR_NOMEM, mz_csv_name(r->csv), 0, NULL, NULL, "%s",
                     mz_strerror(MZ_ERR_NOMEM));
        return false;
    }
    r->fc = (fast_cols_t){r->col[C_YEAR],    r->col[C_KREIS], r->col[C_SCHICHT],
                          r->col[C_PSU],     r->col[C_STRATUM], r->col[C_WEIGHT],
                          r->col[C_AGE],     r->col[C_SEX],   r->col[C_MIG],
                          r->col[C_ILO],     r->col[C_SELFEMP], r->col[C_SECTOR],
                          r->col[C_SYNTHETIC]};
    r->sep = mz_csv_sep(r->csv);
    r->fast = r->ncols >= 2;
    /* the run columns lead the line when the n of them present are fields 0 .. n - 1 */
    static const int run_cols[] = {C_YEAR, C_KREIS, C_SCHICHT, C_PSU, C_STRATUM, C_SYNTHETIC};
    size_t present = 0, last = 0;
    for (size_t j = 0; j < sizeof run_cols / sizeof run_cols[0]; j++)
        if (r->col[run_cols[j]] >= 0) {
            present++;
            if ((size_t)r->col[run_cols[j]] + 1 > last)
                last = (size_t)r->col[run_cols[j]] + 1;
        }
    r->nprefix = present == last && last < r->ncols ? last : 0;
    return true;
}

/* A key of 1 to 15 bytes as two words (zero-padded). */
static void key_pack(const char *s, size_t len, uint64_t k[2])
{
    char t[16] = {0};
    memcpy(t, s, len);
    memcpy(&k[0], t, 8);
    memcpy(&k[1], t + 8, 8);
}

static size_t key_hash(uint64_t k0, uint64_t k1)
{
    uint64_t h = k0 * 0x9e3779b97f4a7c15ull ^ k1 * 0xc2b2ae3d27d4eb4full;
    return (size_t)(h >> 56); /* KEYS_SLOTS = 256 */
}

/* Slot of a key, or NULL. */
static const key_slot_t *key_find(const key_slot_t *t, uint64_t k0, uint64_t k1, uint32_t len)
{
    for (size_t i = key_hash(k0, k1);; i = (i + 1) & (KEYS_SLOTS - 1)) {
        if (t[i].len == 0)
            return NULL;
        if (t[i].len == len && t[i].k[0] == k0 && t[i].k[1] == k1)
            return &t[i];
    }
}

/* Remember a validated key (printable ASCII of at most 15 bytes; others stay on the general
 * path). */
static void key_add(key_slot_t *t, size_t *n, const char *s, size_t len, int index, int stratum)
{
    if (len == 0 || len > 15 || *n >= KEYS_MAX)
        return;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
            return;
    uint64_t k[2];
    key_pack(s, len, k);
    if (key_find(t, k[0], k[1], (uint32_t)len))
        return;
    size_t i = key_hash(k[0], k[1]);
    while (t[i].len)
        i = (i + 1) & (KEYS_SLOTS - 1);
    t[i].k[0] = k[0];
    t[i].k[1] = k[1];
    t[i].len = (uint32_t)len;
    t[i].index = index;
    t[i].stratum = stratum;
    (*n)++;
}

/* The key in a field of the buffer (the buffer's padding allows reading 16 bytes). */
static inline bool key_field(const char *s, size_t len, uint64_t *k0, uint64_t *k1)
{
    if (len - 1 >= 15) /* 1 to 15 bytes */
        return false;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t a, b;
    memcpy(&a, s, 8);
    memcpy(&b, s + 8, 8);
    if (len < 8) {
        a &= (UINT64_C(1) << (8 * len)) - 1;
        b = 0;
    } else if (len == 8) {
        b = 0;
    } else {
        b &= (UINT64_C(1) << (8 * (len - 8))) - 1;
    }
    *k0 = a;
    *k1 = b;
#else
    uint64_t k[2];
    key_pack(s, len, k);
    *k0 = k[0];
    *k1 = k[1];
#endif
    return true;
}

/* 1 to 6 decimal digits (parse_small_int without the blanks), or -1. Codes have one digit:
 * that case inline. */
#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

static int int_field_long(const char *s, size_t len)
{
    if (len - 1 >= 6)
        return -1;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';
        if (d > 9)
            return -1;
        v = v * 10 + (int)d;
    }
    return v;
}

static ALWAYS_INLINE int int_field(const char *s, size_t len)
{
    if (len == 1) {
        unsigned d = (unsigned char)s[0] - (unsigned)'0';
        return d <= 9 ? (int)d : -1;
    }
    return int_field_long(s, len);
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define FAST_LE 1
#else
#define FAST_LE 0
#endif

/* Several digits at a time (SWAR): the bytes of a field are loaded into one word, the first
 * character in the lowest byte (little-endian only; the buffer's padding allows loading 8 bytes
 * from any field). */
#define ONES UINT64_C(0x0101010101010101)

/* Whether all 8 bytes of x are ASCII digits. No carries cross bytes: the first test leaves
 * only bytes 0x30..0x3f, and adding 6 to those stays below 0x46. */
static ALWAYS_INLINE bool all_digits8(uint64_t x)
{
    const uint64_t hi = 0xf0 * ONES, zeros = 0x30 * ONES;
    return (x & hi) == zeros && ((x + 6 * ONES) & hi) == zeros;
}

/* The value of 8 ASCII digits, the most significant in the lowest byte: pairs, then the pairs
 * of pairs combined by two multiplications in the high halves of 64-bit products. */
static ALWAYS_INLINE uint32_t value8(uint64_t x)
{
    x -= 0x30 * ONES;
    x = x * 10 + (x >> 8); /* byte 2i: the number of digits 2i and 2i + 1 (< 100) */
    const uint64_t pick = UINT64_C(0x000000ff000000ff);
    return (uint32_t)(((x & pick) * (100 + (UINT64_C(1000000) << 32)) +
                       ((x >> 16) & pick) * (1 + (UINT64_C(10000) << 32))) >>
                      32);
}

/* 0x80 in each byte of x that is zero, 0 in the others (exact: no borrows between bytes). */
static ALWAYS_INLINE uint64_t zero_bytes(uint64_t x)
{
    const uint64_t low7 = 0x7f * ONES;
    return ~(((x & low7) + low7) | x | low7);
}

/* The k <= 8 characters at the low end of x (the rest zero) moved to the high end, with '0's
 * in front: the same number as 8 digits. */
static ALWAYS_INLINE uint64_t pad_digits(uint64_t x, unsigned k)
{
    return k == 8 ? x : x << (8 * (8 - k)) | (0x30 * ONES) >> (8 * k);
}

/* A year of four digits compared as one word with the reader's (anything else: int_field). */
static ALWAYS_INLINE int year_field(const mz_extract_reader_t *r, const char *s, size_t len)
{
#if FAST_LE
    if (len == 4 && r->year_word) {
        uint32_t x;
        memcpy(&x, s, 4);
        if (x == r->year_word)
            return r->year;
    }
#else
    (void)r;
#endif
    return int_field(s, len);
}

/* 1 to 6 digits like int_field, those of 1 to 4 (ages) without a loop. */
static ALWAYS_INLINE int short_field(const char *s, size_t len)
{
#if FAST_LE
    if (len - 1 < 4) {
        uint32_t x;
        memcpy(&x, s, 4);
        uint64_t y = pad_digits(x & (uint32_t)((UINT64_C(1) << (8 * len)) - 1), (unsigned)len);
        return all_digits8(y) ? (int)value8(y) : -1;
    }
#endif
    return int_field_long(s, len);
}

/* A weight written as digits with at most one decimal point (or comma, in a semicolon file).
 * When the digits form an integer m <= 2^53 and there are k <= 22 decimals, m and 10^k are exact
 * doubles and one division rounds m / 10^k correctly, so the result is bit for bit what strtod
 * (correctly rounded) gives: the classic fast path of decimal conversion. Anything else (a sign,
 * an exponent, more digits) is left to mz_parse_double. The range 0 < w <= MAX_WEIGHT is checked
 * on the integers (m > 0, m <= 100000 * 10^k), so nothing waits for the division; a weight just
 * above the limit that would round down to it goes the general way. */
static inline bool weight_field(const char *s, size_t len, char dec, double *out)
{
    static const uint64_t limit[15] = {
        UINT64_C(100000),          UINT64_C(1000000),          UINT64_C(10000000),
        UINT64_C(100000000),       UINT64_C(1000000000),       UINT64_C(10000000000),
        UINT64_C(100000000000),    UINT64_C(1000000000000),    UINT64_C(10000000000000),
        UINT64_C(100000000000000), UINT64_C(1000000000000000), UINT64_C(10000000000000000),
        UINT64_C(100000000000000000), UINT64_C(1000000000000000000),
        UINT64_C(10000000000000000000)};
    /* limit[k] = MAX_WEIGHT * 10^k (MAX_WEIGHT is 100000) */
    static const double pow10[20] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,
                                     1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13,
                                     1e14, 1e15, 1e16, 1e17, 1e18, 1e19};
    if (len - 1 >= 20)
        return false;
#if FAST_LE
    if (len <= 8) {
        /* the field's bytes in one word, the decimal mark (if any) taken out */
        uint64_t x;
        memcpy(&x, s, 8);
        if (len < 8)
            x &= (UINT64_C(1) << (8 * len)) - 1;
        unsigned k = (unsigned)len, frac = 0;
        const uint64_t marks = dec ? zero_bytes(x ^ (unsigned char)dec * ONES) : 0;
        if (marks) {
            if (marks & (marks - 1))
                return false; /* two marks */
            const unsigned at = (unsigned)__builtin_ctzll(marks) / 8;
            const uint64_t before = x & ((UINT64_C(1) << (8 * at)) - 1);
            x = before | (x >> (8 * at) >> 8) << (8 * at);
            k--;
            frac = k - at;
        }
        if (k == 0)
            return false;
        x = pad_digits(x, k);
        if (!all_digits8(x))
            return false;
        const uint64_t m8 = value8(x);
        if (m8 == 0 || m8 > limit[frac])
            return false;
        *out = (double)m8 / pow10[frac];
        return true;
    }
#endif
    uint64_t m = 0;
    size_t point = len;
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';
        if (d <= 9)
            m = m * 10 + d;
        else if (dec != 0 && s[i] == dec && point == len)
            point = i;
        else
            return false;
    }
    const size_t digits = len - (point < len), frac = point < len ? len - 1 - point : 0;
    if (digits == 0 || digits > 19 || m > (UINT64_C(1) << 53) || m == 0 || frac > 14 ||
        m > limit[frac])
        return false;
    *out = (double)m / pow10[frac];
    return true;
}

/* Bit i of each mask describes byte p[i], i < 64: the separator, '\n', NUL or '"', >= 0x80. */
typedef struct masks {
    uint64_t sep, nl, odd, high;
} masks_t;

static inline void block_masks(const char *p, char sep, masks_t *m)
{
#if defined(__SSE2__)
    /* the separator broadcast from a register: _mm_set1_epi8 of a variable stored the byte on
     * the stack and read it back wider, which the store cannot forward (a stall per record) */
    const __m128i vs = _mm_set1_epi32((int)(0x01010101u * (unsigned char)sep)),
                  vn = _mm_set1_epi8('\n'), vq = _mm_set1_epi8('"'),
                  vz = _mm_setzero_si128();
    uint64_t s = 0, n = 0, o = 0, h = 0;
    for (int k = 0; k < 4; k++) {
        const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        const int sh = 16 * k;
        s |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vs)) << sh;
        n |= (uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vn)) << sh;
        o |= (uint64_t)(uint32_t)_mm_movemask_epi8(
                 _mm_or_si128(_mm_cmpeq_epi8(v, vq), _mm_cmpeq_epi8(v, vz)))
             << sh;
        h |= (uint64_t)(uint32_t)_mm_movemask_epi8(v) << sh;
    }
    m->sep = s;
    m->nl = n;
    m->odd = o;
    m->high = h;
#else
    uint64_t s = 0, n = 0, o = 0, h = 0;
    for (int i = 0; i < 64; i++) {
        const unsigned char ch = (unsigned char)p[i];
        s |= (uint64_t)(ch == (unsigned char)sep) << i;
        n |= (uint64_t)(ch == '\n') << i;
        o |= (uint64_t)(ch == '"' || ch == 0) << i;
        h |= (uint64_t)(ch >= 0x80) << i;
    }
    m->sep = s;
    m->nl = n;
    m->odd = o;
    m->high = h;
#endif
}

static bool any_high(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return true;
    return false;
}

/* The four digits of a year as a little-endian load of them gives (0: not a year of four). */
static uint32_t year_word(int year)
{
    if (year < 1000 || year > 9999)
        return 0;
    uint32_t w = 0;
    for (int i = 3; i >= 0; i--, year /= 10)
        w |= (uint32_t)('0' + year % 10) << (8 * i);
    return w;
}

/* Open a window on the tokenizer's buffer (none when it cannot give one). */
static void fast_window(mz_extract_reader_t *r)
{
    char *p, *end;
    long line;
    if (mz_csv_raw(r->csv, &p, &end, &line) && p < end) {
        r->wbase = r->wp = p;
        r->wend = end;
        r->wline0 = r->wline = line;
        r->year_word = year_word(r->year);
        r->prev = NULL;
    }
}

/* Hand what the fast path took back to the tokenizer and close the window. */
static void fast_commit(mz_extract_reader_t *r)
{
    if (!r->wbase)
        return;
    mz_csv_raw_take(r->csv, (size_t)(r->wp - r->wbase), r->wline - r->wline0);
    r->wbase = r->wp = r->wend = NULL;
    r->prev = NULL;
}

/* Whether the n bytes at a and b are the same (both may be read 32 bytes on). */
static ALWAYS_INLINE bool same_bytes(const char *a, const char *b, size_t n)
{
#if FAST_LE
    if (n <= 32) {
        uint64_t d = 0;
        for (size_t i = 0; i < 32; i += 8) {
            uint64_t x, y;
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            const size_t left = n > i ? n - i : 0;
            uint64_t diff = x ^ y;
            if (left < 8)
                diff &= (UINT64_C(1) << (8 * left)) - 1;
            d |= diff;
        }
        return d == 0;
    }
#endif
    return memcmp(a, b, n) == 0;
}

/* A record the fast path took: its values, and where its line is (its fields at p + fstart[i]). */
typedef struct fast_rec {
    double w;
    int year, unit, stratum, age, sex, mig, ilo, selfemp, sector;
    char *p;
    long line;
    bool cont; /* its run columns are those of the record before (in the same window) */
} fast_rec_t;

/* 1 = record taken (f filled, the window moved past its line), 0 = not a plain record (or the
 * window is used up): the general path, with nothing changed. */
static ALWAYS_INLINE int fast_parse(mz_extract_reader_t *r, fast_rec_t *f)
{
    char *const p = r->wp;
    if (p >= r->wend)
        return 0;
    const size_t nc = r->ncols;
    /* fs[i]: offset of field i; fs[nc]: one past the end of the last field + 1 */
    uint32_t *const fs = r->fstart;
    size_t nsep = 0, base = 0, end;
    uint64_t high = 0;
    fs[0] = 0;
    for (;;) {
        masks_t m;
        block_masks(p + base, r->sep, &m);
        const uint64_t before = m.nl ? (UINT64_C(1) << __builtin_ctzll(m.nl)) - 1 : ~UINT64_C(0);
        if (m.odd & before)
            return 0; /* a quote or NUL */
        high |= m.high & before;
        for (uint64_t s = m.sep & before; s; s &= s - 1)
            fs[++nsep] = (uint32_t)(base + (size_t)__builtin_ctzll(s) + 1);
        if (nsep >= nc)
            return 0; /* more fields than the header has columns (fs has room for a block) */
        if (m.nl) {
            end = base + (size_t)__builtin_ctzll(m.nl);
            break;
        }
        base += 64;
        if (base >= 1024)
            return 0; /* a long line: the general path */
    }
    /* the '\n' at the window's end is the sentinel: the line goes on beyond the buffer */
    if (p + end >= r->wend || nsep + 1 != nc)
        return 0;
    fs[nc] = (uint32_t)(end > 0 && p[end - 1] == '\r' ? end : end + 1);

    /* field of column k: at p + fs[i], length fs[i + 1] - fs[i] - 1, i = col[k] */
    const fast_cols_t c = r->fc;
#define FP(i) (p + fs[i])
#define FL(i) ((size_t)(fs[(i) + 1] - fs[i] - 1))
    int year, unit = -1, stratum = -1;
    /* a line that begins with the same bytes as the one before in its run columns has their
     * values: they were checked there (and the state they depend on only grows) */
    const uint32_t plen = fs[r->nprefix];
    const bool cont = r->prev && plen == r->prev_plen && same_bytes(p, r->prev, plen);
    if (cont) {
        year = r->year;
        unit = r->prev_unit;
        stratum = r->prev_stratum;
    } else {
        year = year_field(r, FP(c.year), FL(c.year));
        if (year != r->year || year < 1950 || year > 2100)
            return 0;
        uint64_t k0, k1;
        const size_t kreis_len = c.kreis >= 0 ? FL(c.kreis) : 0;
        if (kreis_len > 0) {
            if (!key_field(FP(c.kreis), kreis_len, &k0, &k1))
                return 0;
            if (k0 != r->kreis_k0 || k1 != r->kreis_k1 || kreis_len != r->kreis_len) {
                const key_slot_t *ks = key_find(r->kreise, k0, k1, (uint32_t)kreis_len);
                if (!ks)
                    return 0;
                r->kreis_k0 = k0;
                r->kreis_k1 = k1;
                r->kreis_len = kreis_len;
                r->kreis_unit = ks->index;
                r->kreis_stratum = ks->stratum;
            }
            unit = r->kreis_unit;
            stratum = r->kreis_stratum;
        }
        if (c.schicht >= 0 && FL(c.schicht) > 0) {
            const key_slot_t *ks;
            if (!key_field(FP(c.schicht), FL(c.schicht), &k0, &k1) ||
                !(ks = key_find(r->schichten, k0, k1, (uint32_t)FL(c.schicht))) ||
                (unit >= 0 && ks->index != stratum))
                return 0;
            stratum = ks->index;
        }
        if (stratum < 0)
            return 0;
        if (c.psu >= 0 && (FL(c.psu) == 0 || FL(c.stratum) == 0 || FL(c.psu) > MZ_ID_MAX ||
                           FL(c.stratum) > MZ_ID_MAX))
            return 0;
        if (high && ((kreis_len && any_high(FP(c.kreis), kreis_len)) ||
                     (c.psu >= 0 && (any_high(FP(c.psu), FL(c.psu)) ||
                                     any_high(FP(c.stratum), FL(c.stratum))))))
            return 0; /* UTF-8 to validate */
    }
    double w;
    /* the one decimal mark allowed: '.' in comma files; in semicolon files the one the file
     * has used so far (none yet: the general path decides) */
    if (!weight_field(FP(c.weight), FL(c.weight), r->sep == ';' ? r->wmark : '.', &w))
        return 0; /* or out of range (checked inside) */
    const int age = short_field(FP(c.age), FL(c.age));
    /* an empty sex is absent (0); a given one must be 1 or 2, so "0" goes the general way */
    const bool has_sex = c.sex >= 0 && FL(c.sex) > 0;
    const int sex = has_sex ? int_field(FP(c.sex), FL(c.sex)) : 0;
    const int mig = int_field(FP(c.mig), FL(c.mig));
    const int ilo = int_field(FP(c.ilo), FL(c.ilo));
    const int selfemp = int_field(FP(c.selfemp), FL(c.selfemp));
    const int sector = int_field(FP(c.sector), FL(c.sector));
    if (age < 0 || age > 120 || (has_sex && sex != 1 && sex != 2) || mig < 0 || mig > 2 ||
        ilo < 1 || ilo > 3 || selfemp < 0 || selfemp > 1 || sector < 0 || sector > 4)
        return 0;
    if ((ilo == MZ_ILO_EMPLOYED) != (sector != MZ_SECTOR_NONE) ||
        (ilo != MZ_ILO_EMPLOYED && selfemp))
        return 0;

    /* taken */
    f->w = w;
    f->year = year;
    f->unit = unit;
    f->stratum = stratum;
    f->age = age;
    f->sex = sex;
    f->mig = mig;
    f->ilo = ilo;
    f->selfemp = selfemp;
    f->sector = sector;
    f->p = p;
    f->line = r->wline++;
    f->cont = cont;
    if (!cont && c.synthetic >= 0 && FL(c.synthetic) == 1 && FP(c.synthetic)[0] == '1')
        r->synthetic = true;
    if (r->nprefix) {
        r->prev = p;
        r->prev_plen = plen;
        r->prev_unit = unit;
        r->prev_stratum = stratum;
    }
    r->wp = p + end + 1;
    return 1;
#undef FP
#undef FL
}

/* The record of what fast_parse took (its psu and stratum strings NUL-terminated in place). */
static ALWAYS_INLINE void fast_fill(mz_extract_reader_t *r, const fast_rec_t *f, mz_record_t *rec)
{
    const fast_cols_t c = r->fc;
    const uint32_t *fs = r->fstart;
    rec->year = f->year;
    rec->unit = f->unit;
    rec->stratum = f->stratum;
    rec->psu = NULL;
    rec->design_stratum = NULL;
    if (c.psu >= 0) {
        char *ps = f->p + fs[c.psu], *ds = f->p + fs[c.stratum];
        r->psu_len = fs[c.psu + 1] - fs[c.psu] - 1;
        r->dst_len = fs[c.stratum + 1] - fs[c.stratum] - 1;
        ps[r->psu_len] = '\0';
        ds[r->dst_len] = '\0';
        rec->psu = ps;
        rec->design_stratum = ds;
    }
    rec->weight = f->w;
    rec->age = f->age;
    rec->sex = f->sex;
    rec->mig = f->mig;
    rec->ilo = f->ilo;
    rec->selfemp = f->selfemp;
    rec->sector = f->sector;
    rec->line = f->line;
}

/* 1 = record read, 0 = not a plain record (or the window is used up): the general path. */
static int fast_record(mz_extract_reader_t *r, mz_record_t *rec)
{
    fast_rec_t f;
    if (!fast_parse(r, &f))
        return 0;
    fast_fill(r, &f, rec);
    return 1;
}

static int general_record(mz_extract_reader_t *r, mz_record_t *rec, mz_error_t *err);

static int read_record(mz_extract_reader_t *r, mz_record_t *rec, mz_error_t *err)
{
    if (r->fast) {
        if (!r->wbase)
            fast_window(r);
        if (r->wbase && fast_record(r, rec))
            return 1;
        fast_commit(r);
    }
    return general_record(r, rec, err);
}

/* The general path: the next record through the tokenizer, with every check and message. */
static int general_record(mz_extract_reader_t *r, mz_record_t *rec, mz_error_t *err)
{
    int rc = mz_csv_next(r->csv, err);
    if (rc <= 0)
        return rc;
    const char *name = mz_csv_name(r->csv);
    long line = mz_csv_line(r->csv);
    size_t nf = mz_csv_nfields(r->csv);
    memset(rec, 0, sizeof *rec);
    rec->line = line;
    rec->unit = -1;
    rec->stratum = -1;
    for (int k = 0; k < C_N; k++) {
        if (r->col[k] >= (int)nf) {
            mz_error_set(err, MZ_ERR_DATA, name, line, colname[k], "",
                         mz_tr("Zeile hat nur %zu Felder (Spalte fehlt; falsches Trennzeichen "
                               "oder abgeschnittene Zeile?)",
                               "row has only %zu fields (column missing; wrong separator or "
                               "truncated row?)"),
                         nf);
            return -1;
        }
    }
    /* More fields than the header has columns: the values are shifted (typically a decimal
     * comma in a comma-separated file), so no field can be trusted. Empty trailing fields, as
     * some spreadsheets write them, are harmless. */
    for (size_t i = r->ncols; i < nf; i++) {
        if (mz_csv_field_len(r->csv, i) == 0)
            continue;
        mz_error_set(err, MZ_ERR_DATA, name, line, NULL, NULL,
                     mz_tr("Zeile hat %zu Felder, die Kopfzeile nur %zu (Trennzeichen in einem "
                           "Wert, z. B. Dezimalkomma in einer Datei mit Komma als Trennzeichen?)",
                           "row has %zu fields, the header only %zu (a separator inside a "
                           "value, e.g. a decimal comma in a comma-separated file?)"),
                     nf, r->ncols);
        return -1;
    }
    int year;
    if (!parse_small_int(FIELD(C_YEAR), &year) || year < 1950 || year > 2100)
        return bad(r, err, C_YEAR, mz_tr("erwartet ein Erhebungsjahr (z. B. 2007)",
                                         "expected a survey year (e.g. 2007)"));
    if (r->year == 0)
        r->year = year;
    if (year != r->year) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 mz_tr("Datensatz eines anderen Jahres (erwartet %d)",
                       "record of another year (expected %d)"),
                 r->year);
        return bad(r, err, C_YEAR, msg);
    }
    rec->year = year;

    bool has_kreis = r->col[C_KREIS] >= 0 && FIELD(C_KREIS)[0];
    if (has_kreis) {
        if (resolve_kreis(r, rec, err) < 0)
            return -1;
    }
    if (r->col[C_SCHICHT] >= 0 && FIELD(C_SCHICHT)[0]) {
        int s = mz_gazetteer_find_stratum(r->opt.gazetteer, FIELD(C_SCHICHT));
        if (s < 0)
            return bad(r, err, C_SCHICHT,
                       mz_tr("unbekannter Schichtschlüssel (erwartet RA_01 … RA_11)",
                             "unknown stratum code (expected RA_01 … RA_11)"));
        if (has_kreis && s != rec->stratum)
            return bad(r, err, C_SCHICHT,
                       mz_tr("passt nicht zur Schicht des Kreises",
                             "does not match the stratum of the Kreis"));
        rec->stratum = s;
    }
    if (rec->stratum < 0)
        return bad(r, err, r->col[C_KREIS] >= 0 ? C_KREIS : C_SCHICHT,
                   mz_tr("Kreis oder Schicht fehlt", "Kreis or stratum missing"));

    if (r->col[C_PSU] >= 0) {
        if (!FIELD(C_PSU)[0])
            return bad(r, err, C_PSU, mz_tr("Auswahlbezirk fehlt", "sampling unit missing"));
        if (!FIELD(C_STRATUM)[0])
            return bad(r, err, C_STRATUM,
                       mz_tr("Auswahlschicht fehlt", "sampling stratum missing"));
        if (!mz_utf8_valid(FIELD(C_PSU), mz_csv_field_len(r->csv, (size_t)r->col[C_PSU])))
            return bad(r, err, C_PSU, mz_tr("kein gültiges UTF-8", "not valid UTF-8"));
        if (!mz_utf8_valid(FIELD(C_STRATUM),
                           mz_csv_field_len(r->csv, (size_t)r->col[C_STRATUM])))
            return bad(r, err, C_STRATUM, mz_tr("kein gültiges UTF-8", "not valid UTF-8"));
        r->psu_len = mz_csv_field_len(r->csv, (size_t)r->col[C_PSU]);
        r->dst_len = mz_csv_field_len(r->csv, (size_t)r->col[C_STRATUM]);
        if (r->psu_len > MZ_ID_MAX || r->dst_len > MZ_ID_MAX) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     mz_tr("Kennung zu lang (höchstens %d Bytes)",
                           "identifier too long (at most %d bytes)"),
                     MZ_ID_MAX);
            return bad(r, err, r->psu_len > MZ_ID_MAX ? C_PSU : C_STRATUM, msg);
        }
        rec->psu = FIELD(C_PSU);
        rec->design_stratum = FIELD(C_STRATUM);
    }

    double w;
    if (!mz_parse_double(FIELD(C_WEIGHT), mz_csv_sep(r->csv) == ';', &w) || !(w > 0) ||
        w > MAX_WEIGHT)
        return bad(r, err, C_WEIGHT,
                   mz_tr("erwartet einen Hochrechnungsfaktor > 0 und <= 100000 (Personen je "
                         "Datensatz)",
                         "expected a weight > 0 and <= 100000 (persons per record)"));
    if (mz_csv_sep(r->csv) == ';') {
        /* Semicolon files come from German spreadsheets: decimal commas, and perhaps a
         * thousands point ("1.234" for 1234) that would read as a small weight. Both marks are
         * accepted, but not both in one file. */
        const char *f = FIELD(C_WEIGHT);
        const char mark = strchr(f, ',') ? ',' : strchr(f, '.') ? '.' : 0;
        if (mark && r->wmark && mark != r->wmark) {
            char msg[300];
            snprintf(msg, sizeof msg,
                     mz_tr("Dezimaltrennzeichen '%c', in Zeile %ld war es '%c' (Tausenderpunkt? "
                           "Gewichte ohne Tausendertrennzeichen schreiben)",
                           "decimal mark '%c', in line %ld it was '%c' (a thousands separator? "
                           "write weights without one)"),
                     mark, r->wmark_line, r->wmark);
            return bad(r, err, C_WEIGHT, msg);
        }
        if (mark && !r->wmark) {
            r->wmark = mark;
            r->wmark_line = line;
        }
    }
    rec->weight = w;

    if (!parse_small_int(FIELD(C_AGE), &rec->age) || rec->age > 120)
        return bad(r, err, C_AGE, mz_tr("erwartet ganze Lebensjahre von 0 bis 120",
                                        "expected whole years from 0 to 120"));
    if (r->col[C_SEX] >= 0 && FIELD(C_SEX)[0]) {
        if (code_field(r, err, C_SEX, 1, 2,
                       mz_tr("erwartet 1 (männlich) oder 2 (weiblich)",
                             "expected 1 (male) or 2 (female)"),
                       &rec->sex) < 0)
            return -1;
    }
    if (code_field(r, err, C_MIG, 0, 2,
                   mz_tr("erwartet 0 (ohne MH), 1 (Deutsche mit MH) oder 2 (Ausländer/-innen)",
                         "expected 0 (without MH), 1 (German with MH) or 2 (foreign national)"),
                   &rec->mig) < 0)
        return -1;
    if (code_field(r, err, C_ILO, 1, 3,
                   mz_tr("erwartet 1 (erwerbstätig), 2 (erwerbslos) oder 3 (Nichterwerbsperson)",
                         "expected 1 (employed), 2 (unemployed) or 3 (inactive)"),
                   &rec->ilo) < 0)
        return -1;
    if (code_field(r, err, C_SELFEMP, 0, 1,
                   mz_tr("erwartet 1 (selbständig) oder 0", "expected 1 (self-employed) or 0"),
                   &rec->selfemp) < 0)
        return -1;
    if (code_field(r, err, C_SECTOR, 0, 4,
                   mz_tr("erwartet 0 (nicht erwerbstätig) oder 1–4 (Wirtschaftsbereich)",
                         "expected 0 (not employed) or 1-4 (economic sector)"),
                   &rec->sector) < 0)
        return -1;
    if (rec->ilo == MZ_ILO_EMPLOYED && rec->sector == MZ_SECTOR_NONE)
        return bad(r, err, C_SECTOR,
                   mz_tr("Erwerbstätige brauchen einen Wirtschaftsbereich 1–4",
                         "employed persons need an economic sector 1-4"));
    if (rec->ilo != MZ_ILO_EMPLOYED && rec->sector != MZ_SECTOR_NONE)
        return bad(r, err, C_SECTOR,
                   mz_tr("Wirtschaftsbereich nur bei Erwerbstätigen (ilo = 1), sonst 0",
                         "a sector only for employed persons (ilo = 1), else 0"));
    if (rec->ilo != MZ_ILO_EMPLOYED && rec->selfemp)
        return bad(r, err, C_SELFEMP,
                   mz_tr("selbständig nur bei Erwerbstätigen (ilo = 1)",
                         "self-employed only for employed persons (ilo = 1)"));
    if (r->col[C_SYNTHETIC] >= 0 && strcmp(FIELD(C_SYNTHETIC), "1") == 0)
        r->synthetic = true;
    if (r->fast) {
        /* the keys are valid from now on: the fast path may take records with them */
        if (has_kreis)
            key_add(r->kreise, &r->nkreise, FIELD(C_KREIS),
                    mz_csv_field_len(r->csv, (size_t)r->col[C_KREIS]), rec->unit,
                    mz_gazetteer_unit_stratum(r->opt.gazetteer, (size_t)rec->unit));
        if (r->col[C_SCHICHT] >= 0 && FIELD(C_SCHICHT)[0])
            key_add(r->schichten, &r->nschichten, FIELD(C_SCHICHT),
                    mz_csv_field_len(r->csv, (size_t)r->col[C_SCHICHT]), rec->stratum,
                    rec->stratum);
    }
    return 1;
}

/* ---------------------------------------------------------------- reading ahead
 *
 * For a large file a thread reads the records (read_record, exactly as without it) into batches
 * of BATCH_RECORDS, while the caller aggregates the previous batch: parsing and aggregation run
 * on two cores. The records come out in the same order, with the same contents, line numbers
 * and errors (an error ends its batch). Their strings point into the batch and stay valid until
 * the next call, as promised by mz_extract.h. */

static void batch_free(batch_t *b)
{
    if (b) {
        free(b->items);
        free(b->str);
        free(b);
    }
}

/* Copy a string of len bytes into the batch; returns its offset, or SIZE_MAX when out of
 * memory. 16 bytes after the end of the strings may be read (same_key). */
static size_t batch_str(batch_t *b, const char *s, size_t len)
{
    size_t n = len + 1;
    if (b->str_len + n + 16 > b->str_cap) {
        size_t nc = b->str_cap ? b->str_cap : 1u << 16;
        while (nc < b->str_len + n + 16)
            nc *= 2;
        char *ns = realloc(b->str, nc);
        if (!ns)
            return SIZE_MAX;
        b->str = ns;
        b->str_cap = nc;
    }
    memcpy(b->str + b->str_len, s, n);
    b->str_len += n;
    return b->str_len - n;
}

/* Fill one batch; the strings are kept as offsets until the batch is complete. */
/* Whether a copy (length na) equals s (length ns); both may be read 16 bytes on (the batch's
 * strings, the tokenizer's buffer with its padding). */
static ALWAYS_INLINE bool same_key(const char *a, size_t na, const char *s, size_t ns)
{
    if (na != ns)
        return false;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (ns <= 16) {
        uint64_t a0, a1, s0, s1;
        memcpy(&a0, a, 8);
        memcpy(&a1, a + 8, 8);
        memcpy(&s0, s, 8);
        memcpy(&s1, s + 8, 8);
        uint64_t d0 = a0 ^ s0, d1 = a1 ^ s1;
        if (ns < 8)
            return (d0 & ((UINT64_C(1) << (8 * ns)) - 1)) == 0;
        if (ns < 16)
            return d0 == 0 && (d1 & ((UINT64_C(1) << (8 * (ns - 8))) - 1)) == 0;
        return d0 == 0 && d1 == 0;
    }
#endif
    return memcmp(a, s, ns) == 0;
}

/* Copy a record's psu and stratum strings into the batch (offsets + 1 until the batch is
 * complete); false when out of memory (the batch ends with the error). */
static bool batch_keep_strings(mz_extract_reader_t *r, batch_t *b, mz_record_t *rec)
{
    size_t ps = batch_str(b, rec->psu, r->psu_len);
    size_t ds = ps == SIZE_MAX ? SIZE_MAX : batch_str(b, rec->design_stratum, r->dst_len);
    if (ds == SIZE_MAX) {
        mz_error_set(&b->err, MZ_ERR_NOMEM, mz_csv_name(r->csv), 0, NULL, NULL, "%s",
                     mz_strerror(MZ_ERR_NOMEM));
        b->rc = -1;
        return false;
    }
    rec->psu = (const char *)(uintptr_t)(ps + 1);
    rec->design_stratum = (const char *)(uintptr_t)(ds + 1);
    return true;
}

/* The batch is complete: the string offsets of its first n records become pointers. */
static void batch_resolve_strings(batch_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b->rec[i].psu) {
            b->rec[i].psu = b->str + ((uintptr_t)b->rec[i].psu - 1);
            b->rec[i].design_stratum = b->str + ((uintptr_t)b->rec[i].design_stratum - 1);
        }
}

static void fill_batch(mz_extract_reader_t *r, batch_t *b)
{
    b->n = 0;
    b->str_len = 0;
    b->rc = 1;
    size_t last_psu = SIZE_MAX, last_dst = SIZE_MAX, last_psu_len = 0, last_dst_len = 0;
    while (b->n < BATCH_RECORDS) {
        mz_record_t *rec = &b->rec[b->n];
        int rc = read_record(r, rec, &b->err);
        if (rc <= 0) {
            b->rc = rc;
            break;
        }
        if (rec->psu) {
            /* consecutive records of a PSU share the copies */
            size_t ps = last_psu != SIZE_MAX &&
                                same_key(b->str + last_psu, last_psu_len, rec->psu, r->psu_len)
                            ? last_psu
                            : batch_str(b, rec->psu, r->psu_len);
            size_t ds = ps != SIZE_MAX && last_dst != SIZE_MAX &&
                                same_key(b->str + last_dst, last_dst_len, rec->design_stratum,
                                         r->dst_len)
                            ? last_dst
                            : batch_str(b, rec->design_stratum, r->dst_len);
            if (ps == SIZE_MAX || ds == SIZE_MAX) {
                mz_error_set(&b->err, MZ_ERR_NOMEM, mz_csv_name(r->csv), 0, NULL, NULL, "%s",
                             mz_strerror(MZ_ERR_NOMEM));
                b->rc = -1;
                break;
            }
            last_psu = ps;
            last_dst = ds;
            last_psu_len = r->psu_len;
            last_dst_len = r->dst_len;
            /* offset + 1 until the batch is complete (0 would read as NULL) */
            rec->psu = (const char *)(uintptr_t)(ps + 1);
            rec->design_stratum = (const char *)(uintptr_t)(ds + 1);
        }
        b->n++;
    }
    batch_resolve_strings(b, b->n);
    b->synthetic = r->synthetic;
    b->bytes_read = mz_csv_bytes_read(r->csv);
}

static void fill_scan_batch(mz_extract_reader_t *r, batch_t *b);

static void *ahead_main(void *arg)
{
    mz_extract_reader_t *r = arg;
    ahead_t *a = r->ahead;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (!a->stop && a->produced - a->consumed >= NBATCH)
            pthread_cond_wait(&a->cv, &a->mu);
        bool stop = a->stop;
        batch_t *b = a->b[a->produced % NBATCH];
        pthread_mutex_unlock(&a->mu);
        if (stop)
            return NULL;
        if (r->scan)
            fill_scan_batch(r, b);
        else
            fill_batch(r, b);
        pthread_mutex_lock(&a->mu);
        a->produced++;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        if (b->rc != 1)
            return NULL;
    }
}

/* Start reading ahead (large files with the fast paths on); quietly stay synchronous when a
 * thread or memory is not to be had. */
static void ahead_start(mz_extract_reader_t *r)
{
    r->ahead_tried = true;
    if (!r->fast || r->opt.sequential || mz_csv_bytes_total(r->csv) < AHEAD_MIN_BYTES ||
        mz_max_threads() < 2)
        return;
    ahead_t *a = calloc(1, sizeof *a);
    if (!a)
        return;
    bool ok = true;
    for (size_t i = 0; i < NBATCH; i++) {
        ok = ok && (a->b[i] = calloc(1, sizeof *a->b[i])) != NULL;
        ok = ok && (!r->scan ||
                    (a->b[i]->items = malloc(BATCH_RECORDS * sizeof *a->b[i]->items)) != NULL);
    }
    if (ok && pthread_mutex_init(&a->mu, NULL) == 0) {
        if (pthread_cond_init(&a->cv, NULL) == 0) {
            r->ahead = a;
            if (pthread_create(&a->thread, NULL, ahead_main, r) == 0)
                return;
            r->ahead = NULL;
            pthread_cond_destroy(&a->cv);
        }
        pthread_mutex_destroy(&a->mu);
    }
    for (size_t i = 0; i < NBATCH; i++)
        batch_free(a->b[i]);
    free(a);
}

static void ahead_stop(mz_extract_reader_t *r)
{
    ahead_t *a = r->ahead;
    if (!a)
        return;
    if (!a->joined) {
        pthread_mutex_lock(&a->mu);
        a->stop = true;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->thread, NULL);
    }
    pthread_cond_destroy(&a->cv);
    pthread_mutex_destroy(&a->mu);
    for (size_t i = 0; i < NBATCH; i++)
        batch_free(a->b[i]);
    free(a);
    r->ahead = NULL;
}

/* The consumer's current batch, waiting for the thread to fill it. */
static batch_t *ahead_wait(ahead_t *a)
{
    pthread_mutex_lock(&a->mu);
    while (a->produced == a->consumed)
        pthread_cond_wait(&a->cv, &a->mu);
    pthread_mutex_unlock(&a->mu);
    return a->b[a->consumed % NBATCH];
}

/* The consumer is done with its batch: the thread may fill it again. */
static void ahead_give_back(ahead_t *a)
{
    pthread_mutex_lock(&a->mu);
    a->consumed++;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

/* The reader's state after batch b, as the caller sees it; true when b was the last (the end or an
 * error): the thread has ended after it and is joined. */
static bool ahead_last(ahead_t *a, const batch_t *b)
{
    a->synthetic = b->synthetic;
    a->bytes_read = b->bytes_read;
    if (b->rc == 1)
        return false;
    pthread_join(a->thread, NULL);
    a->joined = true;
    return true;
}

/* Up to max records of the thread's current batch, waiting for it when need be: 1 with *recs and
 * *n set (valid until the next call), 0 at the end, -1 on an error. */
static int ahead_take(mz_extract_reader_t *r, size_t max, const mz_record_t **recs, size_t *n,
                      mz_error_t *err)
{
    ahead_t *a = r->ahead;
    for (;;) {
        if (a->done) {
            if (a->final_rc < 0 && err)
                *err = a->b[a->consumed % NBATCH]->err;
            return a->final_rc;
        }
        if (!a->have) {
            ahead_wait(a);
            a->have = true;
            a->pos = 0;
        }
        batch_t *b = a->b[a->consumed % NBATCH];
        if (a->pos < b->n) {
            size_t k = b->n - a->pos;
            *recs = &b->rec[a->pos];
            *n = k < max ? k : max;
            a->pos += *n; /* the batch is given back once all of it was taken */
            return 1;
        }
        if (ahead_last(a, b)) {
            /* the end or an error: keep this batch (its error) and stay here */
            a->done = true;
            a->final_rc = b->rc;
            continue;
        }
        ahead_give_back(a);
        a->have = false;
    }
}

static int ahead_next(mz_extract_reader_t *r, mz_record_t *rec, mz_error_t *err)
{
    const mz_record_t *p;
    size_t n;
    int rc = ahead_take(r, 1, &p, &n, err);
    if (rc == 1)
        *rec = *p;
    return rc;
}

int mz_extract_next(mz_extract_reader_t *r, mz_record_t *rec, mz_error_t *err)
{
    if (!r->ahead_tried)
        ahead_start(r);
    if (r->ahead)
        return ahead_next(r, rec, err);
    return read_record(r, rec, err);
}

int mz_extract_next_batch(mz_extract_reader_t *r, const mz_record_t **recs, size_t *n,
                          mz_error_t *err)
{
    if (!r->ahead_tried)
        ahead_start(r);
    if (r->ahead)
        return ahead_take(r, SIZE_MAX, recs, n, err);
    if (!r->sbatch) {
        if (!(r->sbatch = calloc(1, sizeof *r->sbatch))) {
            mz_error_set(err, MZ_ERR_NOMEM, mz_csv_name(r->csv), 0, NULL, NULL, "%s",
                         mz_strerror(MZ_ERR_NOMEM));
            return -1;
        }
        r->sbatch_rc = 1;
    }
    batch_t *b = r->sbatch;
    if (r->sbatch_rc == 1) {
        fill_batch(r, b);
        r->sbatch_rc = b->rc;
        if (b->n > 0) {
            *recs = b->rec;
            *n = b->n;
            return 1;
        }
    }
    if (r->sbatch_rc < 0 && err)
        *err = b->err;
    return r->sbatch_rc;
}

/* ---------------------------------------------------------------- scanning
 *
 * The records of the fast path go straight into the sink's sums: no record structs, no batches.
 * Records come in runs (the same unit, stratum, PSU): the sink is asked for the rows of a run once,
 * at its first record, which also carries the checks that depend only on those (the ownership of
 * Kreise across files, the PSU lookup). Each record then adds its weight to the rows, to the same
 * sums in the same order as one-by-one adding would. */

/* The measures of a record of the fast path. */
static ALWAYS_INLINE uint32_t scan_measures(const mz_scan_sink_t *s, const fast_rec_t *f)
{
    const bool in_band = f->age >= s->age_lo && f->age <= s->age_hi;
    return s->measures[in_band][(f->ilo - 1) * 10 + f->selfemp * 5 + f->sector];
}

static ALWAYS_INLINE void scan_add(const mz_scan_rows_t *rows, double w, uint32_t ms, int g)
{
    mz_row_add_masked(rows->w[g], w, ms);
    mz_row_count_masked(rows->n[g], ms);
    mz_row_add_masked(rows->kw[g], w, ms);
    mz_row_add_masked(rows->kw2[g], w * w, ms);
    if (rows->part[g])
        mz_row_add_masked(rows->part[g], w, ms);
}

/* What makes a run: the unit, the stratum and the psu and stratum strings of its first record
 * (in the window, which stays in place while it is open). */
typedef struct run_key {
    int unit, stratum;
    const char *ps, *ds;
    size_t pl, dl;
} run_key_t;

/* The key of the record fast_parse took last (f; its fields at f->p + fstart). */
static ALWAYS_INLINE void run_key(const mz_extract_reader_t *r, const fast_rec_t *f, run_key_t *k)
{
    const int cp = r->fc.psu, cs = r->fc.stratum;
    const uint32_t *fs = r->fstart;
    k->unit = f->unit;
    k->stratum = f->stratum;
    k->ps = k->ds = NULL;
    k->pl = k->dl = 0;
    if (cp >= 0) {
        k->ps = f->p + fs[cp];
        k->pl = fs[cp + 1] - fs[cp] - 1;
        k->ds = f->p + fs[cs];
        k->dl = fs[cs + 1] - fs[cs] - 1;
    }
}

static ALWAYS_INLINE bool same_run(const run_key_t *a, const run_key_t *b)
{
    return a->unit == b->unit && a->stratum == b->stratum &&
           (!a->ps || (same_key(a->ps, a->pl, b->ps, b->pl) && same_key(a->ds, a->dl, b->ds, b->dl)));
}

/* Whether the record f begins a run (a new one when none is open): then *run is its key. */
static ALWAYS_INLINE bool begins_run(const mz_extract_reader_t *r, const fast_rec_t *f,
                                     bool open, run_key_t *run)
{
    if (open && f->cont)
        return false;
    run_key_t k;
    run_key(r, f, &k);
    if (open && same_run(run, &k))
        return false;
    *run = k;
    return true;
}

/* The reading thread's part of a scan: a batch of items, and the records of the events (runs
 * beginning, records of the general path) with copies of their strings. */
static void fill_scan_batch(mz_extract_reader_t *r, batch_t *b)
{
    const mz_scan_sink_t *s = r->scan;
    b->n = 0;
    b->str_len = 0;
    b->rc = 1;
    size_t nev = 0;
    bool open = false;
    fast_rec_t f;
    run_key_t run = {0, 0, NULL, NULL, 0, 0};
    while (b->n < BATCH_RECORDS) {
        scan_item_t *it = &b->items[b->n];
        if (!r->wbase)
            fast_window(r);
        if (r->wbase && fast_parse(r, &f)) {
            it->kind = 0;
            if (begins_run(r, &f, open, &run)) {
                mz_record_t *rec = &b->rec[nev];
                fast_fill(r, &f, rec);
                if (rec->psu && !batch_keep_strings(r, b, rec))
                    break;
                open = true;
                nev++;
                it->kind = 1;
            }
            it->w = f.w;
            it->ms = scan_measures(s, &f);
            it->g = f.mig > 0;
            b->n++;
            continue;
        }
        fast_commit(r);
        open = false;
        mz_record_t *rec = &b->rec[nev];
        int rc = general_record(r, rec, &b->err);
        if (rc <= 0) {
            b->rc = rc;
            break;
        }
        if (rec->psu && !batch_keep_strings(r, b, rec))
            break;
        it->kind = 2;
        nev++;
        b->n++;
    }
    batch_resolve_strings(b, nev);
    b->synthetic = r->synthetic;
    b->bytes_read = mz_csv_bytes_read(r->csv);
}

/* The items of one batch into the sink; false when the sink failed (err filled). */
static bool scan_items(const batch_t *b, mz_scan_sink_t *s, mz_scan_rows_t *rows, mz_error_t *err)
{
    const mz_record_t *ev = b->rec;
    for (size_t i = 0; i < b->n; i++) {
        const scan_item_t *it = &b->items[i];
        if (it->kind == 2) {
            if (s->record(s->ctx, ev++, err) != MZ_OK)
                return false;
            continue;
        }
        if (it->kind == 1 && s->run(s->ctx, ev++, rows, err) != MZ_OK)
            return false;
        scan_add(rows, it->w, it->ms, it->g);
        s->records++;
    }
    return true;
}

/* The caller's part: the items of the batches into the sink. */
static int scan_batches(mz_extract_reader_t *r, mz_scan_sink_t *s, mz_error_t *err)
{
    ahead_t *a = r->ahead;
    mz_scan_rows_t rows;
    memset(&rows, 0, sizeof rows);
    for (;;) {
        batch_t *b = ahead_wait(a);
        if (!scan_items(b, s, &rows, err))
            return -1;
        if (ahead_last(a, b)) {
            if (b->rc < 0 && err)
                *err = b->err;
            return b->rc;
        }
        ahead_give_back(a);
    }
}

int mz_extract_scan(mz_extract_reader_t *r, mz_scan_sink_t *s, mz_error_t *err)
{
    mz_record_t rec;
    if (!r->fast || r->ahead_tried) { /* not the fast paths, or records were taken already */
        int rc;
        while ((rc = mz_extract_next(r, &rec, err)) == 1)
            if (s->record(s->ctx, &rec, err) != MZ_OK)
                return -1;
        return rc;
    }
    /* large files: a thread parses, this one adds */
    r->scan = s;
    ahead_start(r);
    if (r->ahead)
        return scan_batches(r, s, err);
    r->scan = NULL;
    for (;;) {
        if (!r->wbase)
            fast_window(r);
        if (r->wbase) {
            mz_scan_rows_t rows;
            memset(&rows, 0, sizeof rows);
            bool open = false;
            fast_rec_t f;
            run_key_t run = {0, 0, NULL, NULL, 0, 0};
            while (fast_parse(r, &f)) {
                if (begins_run(r, &f, open, &run)) {
                    fast_fill(r, &f, &rec);
                    if (s->run(s->ctx, &rec, &rows, err) != MZ_OK) {
                        fast_commit(r);
                        return -1;
                    }
                    open = true;
                }
                scan_add(&rows, f.w, scan_measures(s, &f), f.mig > 0);
                s->records++;
            }
            fast_commit(r);
        }
        int rc = general_record(r, &rec, err);
        if (rc <= 0)
            return rc;
        if (s->record(s->ctx, &rec, err) != MZ_OK)
            return -1;
    }
}
