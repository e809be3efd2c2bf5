/* gen_extract.c — writes large canonical extracts for benchmarks (bench/README.md).
 *
 *   gen_extract [--records N] [--psu-size S | --psus P] [--year Y] [--seed S] [--semicolon]
 *               [--crlf] [--no-design] [--shuffle] [--out FILE]
 *
 * Persons live in sampling units (Auswahlbezirke) of about S persons (default 20), nested in
 * design strata inside the Kreise of the bundled gazetteer that exist in the year (Region Hannover
 * split into its two halves). Kreise get shares of the sample by a fixed pseudo-random size,
 * PSUs a share of persons with migration background drawn around their Kreis' share, persons an
 * age, sex, ILO status, self-employment and sector that depend on their age and group. Weights
 * vary around (7.98 million / N) with four decimals, as real Hochrechnungsfaktoren do.
 * --psus P fixes the number of PSUs instead (S = N / P), for memory curves over the number of
 * records at a constant number of sampling units. The same options give the same bytes. --shuffle writes the PSUs' persons interleaved with
 * other PSUs (blocks of records in a scrambled order) to exercise unsorted input. --semicolon
 * writes ';' separators and decimal commas, --crlf Windows line ends. Nothing here is real data. */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mzatlas/mz_gazetteer.h"
#include "mzatlas/mz_run.h"

/* splitmix64: small, fast and good enough for synthetic benchmark data */
static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double unif(void) { return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0); }

typedef struct unit {
    const char *ags;
    double size, mh;
    long records;
} unit_t;

typedef struct person {
    int age, sex, mig, ilo, selfemp, sector;
    long weight_e4; /* weight in 1/10000 */
} person_t;

static void make_person(person_t *p, double mh_share, double wmean)
{
    /* ages: a flat pyramid to 60, thinning out to 100 */
    double u = unif();
    p->age = u < 0.8 ? (int)(unif() * 60) : 60 + (int)(unif() * unif() * 41);
    p->sex = 1 + (int)(rnd() & 1);
    p->mig = unif() < mh_share ? 1 + (int)(rnd() % 2) : 0;
    const bool with = p->mig > 0;
    double pa = p->age < 15 || p->age > 74 ? 0.0
                : p->age < 18              ? 0.25
                : p->age < 65              ? (with ? 0.74 : 0.81)
                                           : 0.08;
    double v = unif();
    if (v < pa * (with ? 0.86 : 0.94))
        p->ilo = 1;
    else if (v < pa)
        p->ilo = 2;
    else
        p->ilo = 3;
    p->selfemp = p->ilo == 1 && unif() < 0.1;
    if (p->ilo == 1) {
        double s = unif();
        p->sector = s < 0.025 ? 1 : s < 0.28 ? 2 : s < 0.52 ? 3 : 4;
    } else {
        p->sector = 0;
    }
    p->weight_e4 = lround(wmean * (0.6 + 0.8 * unif()) * 1e4);
    if (p->weight_e4 < 1)
        p->weight_e4 = 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: gen_extract [--records N] [--psu-size S | --psus P] [--year Y] [--seed S] "
                    "[--semicolon] [--crlf] [--no-design] [--shuffle] [--out FILE]\n");
    return 2;
}

int main(int argc, char **argv)
{
    long records = 4800000, psu_size = 20, psus = 0;
    int year = 2007;
    uint64_t seed = 2007;
    bool semicolon = false, crlf = false, design = true, shuffle = false;
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--records") == 0 && v) {
            records = atol(v);
            i++;
        } else if (strcmp(a, "--psu-size") == 0 && v) {
            psu_size = atol(v);
            i++;
        } else if (strcmp(a, "--psus") == 0 && v) {
            psus = atol(v);
            i++;
        } else if (strcmp(a, "--year") == 0 && v) {
            year = atoi(v);
            i++;
        } else if (strcmp(a, "--seed") == 0 && v) {
            seed = strtoull(v, NULL, 10);
            i++;
        } else if (strcmp(a, "--out") == 0 && v) {
            out = v;
            i++;
        } else if (strcmp(a, "--semicolon") == 0) {
            semicolon = true;
        } else if (strcmp(a, "--crlf") == 0) {
            crlf = true;
        } else if (strcmp(a, "--no-design") == 0) {
            design = false;
        } else if (strcmp(a, "--shuffle") == 0) {
            shuffle = true;
        } else {
            return usage();
        }
    }
    if (psus > 0)
        psu_size = records / psus;
    if (records < 1 || psu_size < 2)
        return usage();
    rng_state = seed;

    char path[4096];
    mz_error_t err;
    mz_gazetteer_t *gz =
        mz_gazetteer_load(mz_data_path("regions/gazetteer-ni.csv", path, sizeof path), &err);
    if (!gz) {
        fprintf(stderr, "gen_extract: %s: %s\n", err.file, err.message);
        return 4;
    }
    size_t nu = mz_gazetteer_count(gz), n = 0;
    unit_t *units = calloc(nu, sizeof *units);
    double total = 0;
    for (size_t i = 0; i < nu; i++) {
        const mz_unit_t *u = mz_gazetteer_unit(gz, i);
        if (!mz_unit_valid_in(u, year) || u->kind == MZ_KIND_REGION)
            continue;
        units[n].ags = u->ags;
        units[n].size = 0.4 + 2.0 * unif();
        units[n].mh = 0.06 + 0.24 * unif();
        total += units[n].size;
        n++;
    }
    long left = records;
    for (size_t i = 0; i < n; i++) {
        units[i].records = i + 1 == n ? left : lround((double)records * units[i].size / total);
        if (units[i].records > left)
            units[i].records = left;
        left -= units[i].records;
    }

    FILE *f = out ? fopen(out, "w") : stdout;
    if (!f) {
        perror(out);
        return 4;
    }
    static char obuf[1 << 20];
    setvbuf(f, obuf, _IOFBF, sizeof obuf);
    const char sep = semicolon ? ';' : ',', dec = semicolon ? ',' : '.';
    const char *eol = crlf ? "\r\n" : "\n";
    if (design)
        fprintf(f, "year%ckreis%cpsu%cstratum%cweight%cage%csex%cmig%cilo%cselfemp%csector%s", sep,
                sep, sep, sep, sep, sep, sep, sep, sep, sep, eol);
    else
        fprintf(f, "year%ckreis%cweight%cage%csex%cmig%cilo%cselfemp%csector%s", sep, sep, sep,
                sep, sep, sep, sep, sep, eol);

    const double wmean = 7977850.0 / (double)records;
    /* --shuffle: persons are written in blocks of up to 64 PSUs, round robin across the block */
    const long block = shuffle ? 64 : 1;
    person_t *pers = malloc((size_t)(block * (psu_size * 2 + 2)) * sizeof *pers);
    long *psu_n = malloc((size_t)block * sizeof *psu_n), *psu_id = malloc((size_t)block * sizeof *psu_id);
    int *psu_ds = malloc((size_t)block * sizeof *psu_ds);
    if (!pers || !psu_n || !psu_id || !psu_ds)
        return 4;
    long written = 0;
    for (size_t i = 0; i < n; i++) {
        long rest = units[i].records, id = 0;
        while (rest > 0) {
            long nb = 0, np = 0;
            for (; nb < block && rest > 0; nb++) {
                long k = psu_size / 2 + (long)(rnd() % (uint64_t)(psu_size + 1));
                if (k > rest || rest - k < psu_size / 2)
                    k = rest;
                double share = units[i].mh * 2.0 * unif() * unif() * 2.0;
                if (share > 0.95)
                    share = 0.95;
                for (long j = 0; j < k; j++)
                    make_person(&pers[np + j], share, wmean);
                psu_n[nb] = k;
                psu_id[nb] = ++id;
                psu_ds[nb] = (int)(id % 4) + 1;
                np += k;
                rest -= k;
            }
            /* write: sorted, or round robin over the block's PSUs */
            long *pos = calloc((size_t)nb, sizeof *pos), done = 0, off = 0;
            long *first = malloc((size_t)nb * sizeof *first);
            for (long b = 0; b < nb; b++) {
                first[b] = off;
                off += psu_n[b];
            }
            while (done < np) {
                for (long b = 0; b < nb; b++) {
                    long take = shuffle ? 1 : psu_n[b];
                    for (long t = 0; t < take && pos[b] < psu_n[b]; t++, pos[b]++, done++) {
                        const person_t *p = &pers[first[b] + pos[b]];
                        fprintf(f, "%d%c%s%c", year, sep, units[i].ags, sep);
                        if (design)
                            fprintf(f, "%s%06ld%c%s-%d%c", units[i].ags, psu_id[b], sep,
                                    units[i].ags, psu_ds[b], sep);
                        fprintf(f, "%ld%c%04ld%c%d%c%d%c%d%c%d%c%d%c%d%s", p->weight_e4 / 10000,
                                dec, p->weight_e4 % 10000, sep, p->age, sep, p->sex, sep, p->mig,
                                sep, p->ilo, sep, p->selfemp, sep, p->sector, eol);
                        written++;
                    }
                }
            }
            free(pos);
            free(first);
        }
    }
    free(pers);
    free(psu_n);
    free(psu_id);
    free(psu_ds);
    free(units);
    mz_gazetteer_destroy(gz);
    if (fflush(f) != 0 || (out && fclose(f) != 0)) {
        perror(out ? out : "stdout");
        return 4;
    }
    fprintf(stderr, "gen_extract: %ld records\n", written);
    return 0;
}
