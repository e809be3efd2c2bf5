/* test_demo.c — `mzatlas demo`: the synthetic 2007 sample through the whole pipeline reproduces
 * every finding of the 2010 report (mz_reproduce.h); the findings are read from the results
 * (the same sample evaluated without region merging does not reproduce the merged regions);
 * reproduction.csv; the command line. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mzatlas/mz_reproduce.h"
#include "mzatlas/mz_run.h"
#include "mzatlas/mz_synth.h"

static char work[64];

static int rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 0;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        char p[1024];
        while (d && (e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(p, sizeof p, "%s/%s", path, e->d_name);
                rm_tree(p);
            }
        if (d)
            closedir(d);
        return rmdir(path);
    }
    return unlink(path);
}

static void setup(void)
{
    snprintf(work, sizeof work, "/tmp/mzatlas-test-demo-XXXXXX");
    cr_assert_not_null(mkdtemp(work));
    mz_set_lang(MZ_LANG_DE);
}

static void teardown(void) { rm_tree(work); }

TestSuite(demo, .init = setup, .fini = teardown);

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert_not_null(s);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    s[n] = '\0';
    return s;
}

static const char *const required[] = {"R2",  "R6",  "R7", "R9",    "R10", "R12", "R14",
                                       "R15", "R18", "R19", "H2", "H5/H6", "S3"};

Test(demo, every_finding_is_reproduced)
{
    char out[256];
    snprintf(out, sizeof out, "%s/demo", work);
    mz_demo_options_t o;
    mz_demo_options_init(&o);
    o.out = out;
    o.outputs = MZ_OUT_CSV; /* the other outputs have tests of their own */
    mz_demo_result_t res;
    mz_error_t err;
    mz_error_clear(&err);
    cr_assert_eq(mz_demo_run(&o, &res, &err), MZ_OK, "%s", err.message);
    cr_assert(res.synthetic);
    cr_assert_eq(res.year, 2007);
    cr_assert_eq(res.records, 79779);
    const mz_reproduction_t *r = res.reproduction;
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        cr_assert_not_null(mz_reproduction_find(r, required[i]), "finding %s missing",
                           required[i]);
    for (size_t i = 0; i < mz_reproduction_count(r); i++) {
        const mz_finding_t *f = mz_reproduction_get(r, i);
        cr_expect(f->ok, "%s not reproduced: expected %s, obtained %s", f->id, f->expected,
                  f->obtained);
    }
    cr_assert_eq(mz_reproduction_ok_count(r), mz_reproduction_count(r));
    cr_assert_gt(res.flagged, 10);

    /* the done-when figures, as they appear in the obtained column */
    cr_assert_str_eq(mz_reproduction_find(r, "R12")->obtained, "74,8 % / 62,1 %");
    cr_assert_str_eq(mz_reproduction_find(r, "R6")->obtained, "17,0 %");
    cr_assert_str_eq(mz_reproduction_find(r, "R9")->obtained, "16,6 %");
    cr_assert_not_null(strstr(mz_reproduction_find(r, "H5/H6")->obtained, "Friesland/Wittmund"));

    /* the output directory: the pipeline's outputs, reproduction.csv and the sample */
    char p[512];
    const char *files[] = {"indicators.csv", "action.csv", "regions.csv", "run.json",
                           "reproduction.csv", "synthetic-2007.csv"};
    struct stat st;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", out, files[i]);
        cr_assert_eq(stat(p, &st), 0, "%s missing", files[i]);
    }
    cr_assert_str_eq(res.sample, p);
    /* nothing left beside the output directory */
    DIR *d = opendir(work);
    struct dirent *e;
    int entries = 0;
    while ((e = readdir(d)))
        entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    cr_assert_eq(entries, 1, "only the output directory may be left");

    /* reproduction.csv: header, one row per finding, every ok 1 */
    snprintf(p, sizeof p, "%s/reproduction.csv", out);
    char *csv = slurp(p);
    cr_assert_not_null(csv);
    cr_assert(strncmp(csv, "finding,statement,expected,obtained,ok\n", 39) == 0);
    size_t rows = 0;
    for (char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char *end = strchr(line + 1, '\n');
        cr_assert_not_null(end);
        cr_assert(end[-1] == '1' && end[-2] == ',', "a row not ok: %.*s", (int)(end - line - 1),
                  line + 1);
        rows++;
    }
    cr_assert_eq(rows, mz_reproduction_count(r));
    cr_assert_not_null(strstr(csv, "H5/H6,"));
    free(csv);

    /* the sample in the output directory is the one evaluated (run.json names its hash) */
    snprintf(p, sizeof p, "%s/run.json", out);
    char *json = slurp(p);
    cr_assert_not_null(strstr(json, "\"synthetic\": true"));
    /* recorded at its final place, so two demo runs into the same folder describe the same
     * inputs (no temporary names in run.json or the workbook) */
    char want[600];
    snprintf(want, sizeof want, "\"path\": \"%s/synthetic-2007.csv\"", out);
    cr_assert_not_null(strstr(json, want), "run.json: %s", json);
    cr_assert_not_null(strstr(json, "\"reproduction.csv\""));
    free(json);
    mz_demo_result_finish(&res);
}

/* Evaluate the findings on a run of the demo sample with other options. */
static mz_reproduction_t *evaluate(const char *sample, bool merge, mz_rate_rule_t rule)
{
    mz_run_options_t ro;
    mz_run_options_init(&ro);
    ro.merge = merge;
    ro.rules.rate_rule = rule;
    mz_error_t err;
    mz_error_clear(&err);
    mz_run_t *run = mz_run_create(&ro, &err);
    cr_assert_not_null(run, "%s", err.message);
    cr_assert_eq(mz_run_add_extract(run, sample, &err), MZ_OK, "%s", err.message);
    cr_assert_eq(mz_run_compute(run, &err), MZ_OK, "%s", err.message);
    mz_reproduction_t *r = mz_reproduce_2010(run, &err);
    cr_assert_not_null(r, "%s", err.message);
    mz_run_destroy(run);
    return r;
}

Test(demo, findings_come_from_the_results)
{
    char sample[256];
    snprintf(sample, sizeof sample, "%s/sample.csv", work);
    mz_synth_options_t so;
    mz_synth_options_init(&so);
    mz_error_t err;
    cr_assert_eq(mz_synth_write(&so, sample, NULL, &err), MZ_OK, "%s", err.message);

    /* the report's rules: everything reproduced */
    mz_reproduction_t *r = evaluate(sample, true, MZ_RATE_BASE);
    cr_assert_eq(mz_reproduction_ok_count(r), mz_reproduction_count(r));
    mz_reproduction_destroy(r);

    /* without merging, Friesland and Wittmund are two withheld Kreise and the merged planning
     * regions of Abb. 8 do not exist */
    r = evaluate(sample, false, MZ_RATE_BASE);
    cr_assert_not(mz_reproduction_find(r, "H5/H6")->ok);
    cr_assert_not(mz_reproduction_find(r, "R15")->ok);
    cr_assert(mz_reproduction_find(r, "R6")->ok, "Land values do not depend on merging");
    mz_reproduction_destroy(r);

    /* with rate rule both, the numerators count too: the report's planning regions change */
    r = evaluate(sample, true, MZ_RATE_BOTH);
    cr_assert_lt(mz_reproduction_ok_count(r), mz_reproduction_count(r));
    mz_reproduction_destroy(r);
}

Test(demo, english_texts)
{
    char sample[256];
    snprintf(sample, sizeof sample, "%s/sample.csv", work);
    mz_synth_options_t so;
    mz_synth_options_init(&so);
    mz_error_t err;
    cr_assert_eq(mz_synth_write(&so, sample, NULL, &err), MZ_OK, "%s", err.message);
    mz_set_lang(MZ_LANG_EN);
    mz_reproduction_t *r = evaluate(sample, true, MZ_RATE_BASE);
    cr_assert_str_eq(mz_reproduction_find(r, "R12")->obtained, "74.8% / 62.1%");
    cr_assert_not_null(strstr(mz_reproduction_find(r, "R12")->statement, "Employment rate"));
    mz_reproduction_destroy(r);
    mz_set_lang(MZ_LANG_DE);
}

/* The command: exit 0, the table printed, --lang en. */
static int run_bin(const char *const *args, const char *stdout_path)
{
    const char *bin = getenv("MZ_BIN");
    cr_assert_not_null(bin, "MZ_BIN must be set");
    const char *argv[32];
    size_t n = 0;
    argv[n++] = bin;
    for (size_t i = 0; args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int fd = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || dup2(fd, 1) < 0)
            _exit(120);
        execv(argv[0], (char *const *)argv);
        _exit(121);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

Test(demo, command_prints_the_table)
{
    char out[256], txt[256];
    snprintf(out, sizeof out, "%s/cli", work);
    snprintf(txt, sizeof txt, "%s/stdout.txt", work);
    int code = run_bin((const char *const[]){"demo", "--out", out, "--outputs", "csv", "--lang",
                                             "en", NULL},
                       txt);
    char *s = slurp(txt);
    cr_assert_eq(code, 0, "demo failed:\n%s", s);
    cr_assert_not_null(strstr(s, "SYNTHETIC"));
    const char *sum = strstr(s, " findings reproduced");
    cr_assert_not_null(sum, "%s", s);
    while (sum > s && sum[-1] != '\n')
        sum--;
    unsigned ok = 0, all = 1;
    cr_assert_eq(sscanf(sum, "%u of %u", &ok, &all), 2, "%s", sum);
    cr_assert(ok == all && all >= 13, "%u of %u", ok, all);
    cr_assert_not_null(strstr(s, "H5/H6"));
    cr_assert_not_null(strstr(s, "74.8% / 62.1%"));
    free(s);

    code = run_bin((const char *const[]){"demo", "--help", NULL}, txt);
    cr_assert_eq(code, 0);
    code = run_bin((const char *const[]){"demo", "--outputs", "nonsense", NULL}, txt);
    cr_assert_eq(code, 2);
    code = run_bin((const char *const[]){"synth", "--persons", "5", NULL}, txt);
    cr_assert_eq(code, 2);
}
