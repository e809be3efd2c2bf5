/* csv.c — streaming CSV tokenizer (see csv.h). */
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define BLOCK (1u << 20)
#define READ_MAX (64u << 10) /* read() at most this much at a time: the bytes are still in the core's cache when parsed */
/* From this size on a regular file is hashed by a thread of its own, which reads the file a
 * second time (from the page cache) with pread: SHA-256 costs about as much time as parsing the
 * records, so this halves the time of a large extract on two cores. */
#define HASH_THREAD_MIN (8u << 20)

struct mz_csv {
    char name[512];
    int fd;                 /* -1 for memory input */
    const char *mem;        /* memory input */
    size_t mem_size, mem_pos;
    char *buf;              /* buffer of capacity cap; data in [start, end) */
    size_t cap, start, end;
    bool eof;               /* no more bytes from the source */
    char sep;
    long line;              /* line of the next unread byte */
    long rec_line;
    char **field;
    size_t *flen;
    size_t nfields, fcap;
    uint64_t bytes_read, bytes_total;
    bool bom_checked;
    struct sha256_ctx sha;
    char sha_hex[65];
    /* hashing thread (fd input only): it owns `sha` until joined */
    bool hash_thread, hash_joined;
    pthread_t hasher;
    atomic_bool hash_stop;
    int hash_errno;         /* read error in the thread, 0 = none */
};

/* Hash the whole file with pread (the offset of read() is not disturbed). Returns 0 or an
 * errno value. */
static int hash_whole_file(mz_csv_t *c)
{
    char *b = malloc(BLOCK);
    if (!b)
        return ENOMEM;
    int rc = 0;
    off_t off = 0;
    sha256_init(&c->sha);
    while (!atomic_load_explicit(&c->hash_stop, memory_order_relaxed)) {
        ssize_t r = pread(c->fd, b, BLOCK, off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = errno;
            break;
        }
        if (r == 0)
            break;
        sha256_update(&c->sha, (size_t)r, (const uint8_t *)b);
        off += r;
    }
    free(b);
    return rc;
}

static void *hash_thread_main(void *arg)
{
    mz_csv_t *c = arg;
    c->hash_errno = hash_whole_file(c);
    return NULL;
}

static void hash_join(mz_csv_t *c)
{
    if (!c->hash_thread || c->hash_joined)
        return;
    pthread_join(c->hasher, NULL);
    c->hash_joined = true;
    /* a failed read in the thread: try once more here (the reader itself got the bytes) */
    if (c->hash_errno != 0 && !atomic_load(&c->hash_stop))
        c->hash_errno = hash_whole_file(c);
}

static mz_csv_t *csv_new(const char *name, char sep, size_t cap, mz_error_t *err)
{
    mz_csv_t *c = calloc(1, sizeof *c);
    if (!c) {
        mz_error_set(err, MZ_ERR_NOMEM, name, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        return NULL;
    }
    snprintf(c->name, sizeof c->name, "%s", name);
    c->fd = -1;
    c->sep = sep;
    c->line = 1;
    c->cap = cap;
    c->buf = malloc(c->cap + 1 + MZ_CSV_PAD);
    c->fcap = 64;
    c->field = malloc(c->fcap * sizeof *c->field);
    c->flen = malloc(c->fcap * sizeof *c->flen);
    if (!c->buf || !c->field || !c->flen) {
        mz_csv_close(c);
        mz_error_set(err, MZ_ERR_NOMEM, name, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        return NULL;
    }
    sha256_init(&c->sha);
    return c;
}

mz_csv_t *mz_csv_open(const char *path, char sep, mz_error_t *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s: %s",
                     mz_tr("Datei kann nicht geöffnet werden", "cannot open file"), strerror(e));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        close(fd);
        mz_error_set(err, MZ_ERR_IO, path, 0, NULL, NULL, "%s",
                     mz_tr("ist ein Verzeichnis, keine Datei", "is a directory, not a file"));
        return NULL;
    }
    mz_csv_t *c = csv_new(path, sep, BLOCK, err);
    if (!c) {
        close(fd);
        return NULL;
    }
    c->fd = fd;
    c->bytes_total = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
    if (S_ISREG(st.st_mode) && c->bytes_total >= HASH_THREAD_MIN && mz_max_threads() > 1 &&
        pthread_create(&c->hasher, NULL, hash_thread_main, c) == 0)
        c->hash_thread = true;
    return c;
}

mz_csv_t *mz_csv_open_mem(const char *name, const void *data, size_t size, char sep,
                          mz_error_t *err)
{
    /* a small document needs no full block (and one read takes all of it) */
    mz_csv_t *c = csv_new(name, sep, size < BLOCK ? size + 1 : BLOCK, err);
    if (!c)
        return NULL;
    c->mem = data;
    c->mem_size = size;
    c->bytes_total = size;
    return c;
}

void mz_csv_close(mz_csv_t *c)
{
    if (!c)
        return;
    atomic_store(&c->hash_stop, true);
    hash_join(c);
    if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    free(c->field);
    free(c->flen);
    free(c);
}

/* Move unread data to the front and read more. Returns bytes added, 0 at end, -1 on error. */
static long refill(mz_csv_t *c, mz_error_t *err)
{
    if (c->start > 0) {
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    if (c->end == c->cap) {
        if (c->cap >= 4 * BLOCK) /* cannot happen with MZ_CSV_MAX_RECORD < BLOCK */
            return 0;
        char *nb = realloc(c->buf, c->cap * 2 + 1 + MZ_CSV_PAD);
        if (!nb) {
            mz_error_set(err, MZ_ERR_NOMEM, c->name, c->line, NULL, NULL, "%s",
                         mz_strerror(MZ_ERR_NOMEM));
            return -1;
        }
        c->buf = nb;
        c->cap *= 2;
    }
    size_t room = c->cap - c->end;
    long got;
    if (c->fd >= 0) {
        ssize_t r;
        do {
            r = read(c->fd, c->buf + c->end, room < READ_MAX ? room : READ_MAX);
        } while (r < 0 && errno == EINTR);
        if (r < 0) {
            int e = errno;
            mz_error_set(err, MZ_ERR_IO, c->name, c->line, NULL, NULL, "%s: %s",
                         mz_tr("Lesefehler", "read error"), strerror(e));
            return -1;
        }
        got = (long)r;
    } else {
        size_t n = c->mem_size - c->mem_pos;
        if (n > room)
            n = room;
        memcpy(c->buf + c->end, c->mem + c->mem_pos, n);
        c->mem_pos += n;
        got = (long)n;
    }
    if (got == 0) {
        c->eof = true;
        return 0;
    }
    if (!c->hash_thread)
        sha256_update(&c->sha, (size_t)got, (const uint8_t *)c->buf + c->end);
    c->end += (size_t)got;
    c->bytes_read += (uint64_t)got;
    memset(c->buf + c->end, 0, 1 + MZ_CSV_PAD); /* defined bytes for wide loads (mz_csv_raw) */
    if (!c->bom_checked && c->end - c->start >= 3) {
        c->bom_checked = true;
        if (memcmp(c->buf + c->start, "\xEF\xBB\xBF", 3) == 0)
            c->start += 3;
    }
    return got;
}

/* Find the end of the record starting at c->start: index of its terminating '\n' or c->end at
 * the end of input. Sets *complete. Returns -1 on an error in the record. */
static long find_record_end(mz_csv_t *c, bool *complete, bool *quoted, mz_error_t *err)
{
    const char *b = c->buf;
    size_t i = c->start;
    bool inq = false;
    *quoted = false;
    *complete = false;
    for (;;) {
        if (!inq) {
            const char *nl = memchr(b + i, '\n', c->end - i);
            size_t stop = nl ? (size_t)(nl - b) : c->end;
            const char *q = memchr(b + i, '"', stop - i);
            if (!q) {
                if (memchr(b + i, '\0', stop - i))
                    goto nul;
                if (nl) {
                    *complete = true;
                    return (long)stop;
                }
                return (long)c->end;
            }
            if (memchr(b + i, '\0', (size_t)(q - (b + i))))
                goto nul;
            *quoted = true;
            inq = true;
            i = (size_t)(q - b) + 1;
        } else {
            const char *q = memchr(b + i, '"', c->end - i);
            if (!q) {
                if (memchr(b + i, '\0', c->end - i))
                    goto nul;
                return (long)c->end;
            }
            if (memchr(b + i, '\0', (size_t)(q - (b + i))))
                goto nul;
            i = (size_t)(q - b) + 1;
            if (i < c->end && b[i] == '"') {
                i++; /* escaped quote */
                continue;
            }
            if (i == c->end && !c->eof)
                return (long)c->end; /* need to see the next byte */
            inq = false;
        }
    }
nul:
    mz_error_set(err, MZ_ERR_DATA, c->name, c->line, NULL, NULL, "%s",
                 mz_tr("NUL-Byte in der Zeile (Binärdatei statt CSV?)",
                       "NUL byte in line (a binary file instead of CSV?)"));
    return -1;
}

static bool push_field(mz_csv_t *c, char *p, size_t len, mz_error_t *err)
{
    if (c->nfields == c->fcap) {
        if (c->fcap >= MZ_CSV_MAX_FIELDS) {
            mz_error_set(err, MZ_ERR_DATA, c->name, c->rec_line, NULL, NULL,
                         mz_tr("mehr als %u Felder in einer Zeile", "more than %u fields in one line"),
                         MZ_CSV_MAX_FIELDS);
            return false;
        }
        size_t nc = c->fcap * 2;
        char **nf = realloc(c->field, nc * sizeof *nf);
        if (nf)
            c->field = nf;
        size_t *nl = realloc(c->flen, nc * sizeof *nl);
        if (nl)
            c->flen = nl;
        if (!nf || !nl) {
            mz_error_set(err, MZ_ERR_NOMEM, c->name, c->rec_line, NULL, NULL, "%s",
                         mz_strerror(MZ_ERR_NOMEM));
            return false;
        }
        c->fcap = nc;
    }
    p[len] = '\0';
    c->field[c->nfields] = p;
    c->flen[c->nfields] = len;
    c->nfields++;
    return true;
}

static void detect_sep(mz_csv_t *c, size_t s, size_t e)
{
    size_t semi = 0, comma = 0;
    bool inq = false;
    for (size_t i = s; i < e; i++) {
        char ch = c->buf[i];
        if (ch == '"')
            inq = !inq;
        else if (!inq && ch == ';')
            semi++;
        else if (!inq && ch == ',')
            comma++;
    }
    c->sep = semi > comma ? ';' : ',';
}

/* Split [s, e) into fields in place. */
static bool split(mz_csv_t *c, size_t s, size_t e, bool quoted, mz_error_t *err)
{
    char *b = c->buf;
    const char sep = c->sep;
    c->nfields = 0;
    if (e > s && b[e - 1] == '\r')
        e--;
    if (!quoted) {
        size_t i = s;
        for (;;) {
            char *p = memchr(b + i, sep, e - i);
            size_t fe = p ? (size_t)(p - b) : e;
            if (!push_field(c, b + i, fe - i, err))
                return false;
            if (!p)
                return true;
            i = fe + 1;
        }
    }
    size_t i = s;
    for (;;) {
        if (i < e && b[i] == '"') {
            size_t w = i, r = i + 1;
            for (;;) {
                if (r >= e) {
                    mz_error_set(err, MZ_ERR_DATA, c->name, c->rec_line, NULL, NULL, "%s",
                                 mz_tr("Anführungszeichen nicht geschlossen",
                                       "unterminated quoted field"));
                    return false;
                }
                if (b[r] == '"') {
                    if (r + 1 < e && b[r + 1] == '"') {
                        b[w++] = '"';
                        r += 2;
                        continue;
                    }
                    r++;
                    break;
                }
                b[w++] = b[r++];
            }
            if (r < e && b[r] != sep) {
                mz_error_set(err, MZ_ERR_DATA, c->name, c->rec_line, NULL, NULL, "%s",
                             mz_tr("Zeichen nach schließendem Anführungszeichen",
                                   "text after a closing quote"));
                return false;
            }
            if (!push_field(c, b + i, w - i, err))
                return false;
            if (r >= e)
                return true;
            i = r + 1;
        } else {
            char *p = memchr(b + i, sep, e - i);
            size_t fe = p ? (size_t)(p - b) : e;
            if (memchr(b + i, '"', fe - i)) {
                mz_error_set(err, MZ_ERR_DATA, c->name, c->rec_line, NULL, NULL, "%s",
                             mz_tr("Anführungszeichen mitten im Feld", "quote inside an unquoted field"));
                return false;
            }
            if (!push_field(c, b + i, fe - i, err))
                return false;
            if (!p)
                return true;
            i = fe + 1;
        }
    }
}

static long count_newlines(const char *p, size_t n)
{
    long k = 0;
    const char *q;
    while (n > 0 && (q = memchr(p, '\n', n)) != NULL) {
        k++;
        n -= (size_t)(q - p) + 1;
        p = q + 1;
    }
    return k;
}

int mz_csv_next(mz_csv_t *c, mz_error_t *err)
{
    for (;;) {
        if (c->start == c->end || (!c->bom_checked && !c->eof && c->end - c->start < 3)) {
            if (c->eof && c->start == c->end)
                return 0;
            long got = refill(c, err);
            if (got < 0)
                return -1;
            if (got == 0) {
                c->bom_checked = true;
                if (c->start == c->end)
                    return 0;
            }
            continue;
        }
        bool complete, quoted;
        long e = find_record_end(c, &complete, &quoted, err);
        if (e < 0)
            return -1;
        if (!complete && !c->eof) {
            if ((size_t)e - c->start > MZ_CSV_MAX_RECORD)
                goto too_long;
            long got = refill(c, err);
            if (got < 0)
                return -1;
            continue;
        }
        size_t s = c->start, end = (size_t)e;
        if (end - s > MZ_CSV_MAX_RECORD)
            goto too_long;
        c->rec_line = c->line;
        c->line += (quoted ? count_newlines(c->buf + s, end - s) : 0) + (complete ? 1 : 0);
        c->start = complete ? end + 1 : end;
        /* blank line */
        if (end == s || (end == s + 1 && c->buf[s] == '\r'))
            continue;
        if (!c->sep)
            detect_sep(c, s, end);
        if (!split(c, s, end, quoted, err))
            return -1;
        return 1;
    }
too_long:
    mz_error_set(err, MZ_ERR_DATA, c->name, c->line, NULL, NULL,
                 mz_tr("Zeile länger als %u Bytes (keine CSV-Datei oder Zeilenumbrüche verloren?)",
                       "line longer than %u bytes (not a CSV file, or line breaks lost?)"),
                 MZ_CSV_MAX_RECORD);
    return -1;
}

size_t mz_csv_nfields(const mz_csv_t *c) { return c->nfields; }
const char *mz_csv_field(const mz_csv_t *c, size_t i) { return i < c->nfields ? c->field[i] : ""; }
size_t mz_csv_field_len(const mz_csv_t *c, size_t i) { return i < c->nfields ? c->flen[i] : 0; }
long mz_csv_line(const mz_csv_t *c) { return c->rec_line; }
char mz_csv_sep(const mz_csv_t *c) { return c->sep; }
const char *mz_csv_name(const mz_csv_t *c) { return c->name; }
uint64_t mz_csv_bytes_read(const mz_csv_t *c) { return c->bytes_read; }
uint64_t mz_csv_bytes_total(const mz_csv_t *c) { return c->bytes_total; }

bool mz_csv_raw(mz_csv_t *c, char **p, char **end, long *line)
{
    if (!c->sep || !c->bom_checked)
        return false;
    *p = c->buf + c->start;
    *end = c->buf + c->end;
    *line = c->line;
    /* the buffer has room for 1 + MZ_CSV_PAD bytes more than its capacity */
    c->buf[c->end] = '\n';
    memset(c->buf + c->end + 1, 0, MZ_CSV_PAD);
    return true;
}

void mz_csv_raw_take(mz_csv_t *c, size_t bytes, long lines)
{
    if (lines > 0) {
        c->line += lines;
        c->rec_line = c->line - 1;
    }
    c->start += bytes;
    c->nfields = 0;
}

const char *mz_csv_sha256(mz_csv_t *c)
{
    if (!c->sha_hex[0]) {
        hash_join(c);
        uint8_t d[SHA256_DIGEST_SIZE];
        struct sha256_ctx copy = c->sha;
        sha256_digest(&copy, sizeof d, d);
        for (size_t i = 0; i < sizeof d; i++)
            snprintf(c->sha_hex + 2 * i, 3, "%02x", d[i]);
    }
    return c->sha_hex;
}

bool mz_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < len) {
        unsigned char ch = s[i];
        if (ch < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned cp;
        if ((ch & 0xe0) == 0xc0) {
            n = 2;
            cp = ch & 0x1f;
        } else if ((ch & 0xf0) == 0xe0) {
            n = 3;
            cp = ch & 0x0f;
        } else if ((ch & 0xf8) == 0xf0) {
            n = 4;
            cp = ch & 0x07;
        } else {
            return false;
        }
        if (i + n > len)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n;
    }
    return true;
}
