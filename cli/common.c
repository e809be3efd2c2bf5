/* common.c — option parsing and error output shared by the subcommands. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mzatlas/mz_charts.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mzatlas %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s\n",
            mz_tr("Hilfe: mzatlas <Befehl> --help", "Help: mzatlas <command> --help"));
    return 2;
}

int cli_fail(const mz_error_t *err)
{
    char buf[2048];
    mz_error_format(err, buf, sizeof buf);
    fprintf(stderr, "mzatlas: %s\n", buf);
    return mz_exit_code(err->status);
}

bool cli_parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    /* digits only: strtoull would also take leading blanks, a sign and "0x" spellings */
    if (!s || *s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno == ERANGE || v > max)
        return false;
    *out = v;
    return true;
}

void cli_record_command(const char *cmd, int argc, char **argv, char *buf, size_t size)
{
    size_t o = (size_t)snprintf(buf, size, "mzatlas %s", cmd);
    for (int i = 1; i < argc && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, " %s", argv[i]);
}

void cli_fmt1(double x, char *buf, size_t size)
{
    if (!isfinite(x)) {
        snprintf(buf, size, "–");
        return;
    }
    double r = mz_round1(x);
    snprintf(buf, size, "%.1f", r == 0 ? 0.0 : r); /* no "-0,0" */
    if (mz_get_lang() == MZ_LANG_DE)
        for (char *p = buf; *p; p++)
            if (*p == '.')
                *p = ',';
}

static bool parse_num(const char *s, double lo, double hi, double *out)
{
    char *end;
    /* a plain decimal number (a minus where the range has negative numbers): strtod would also
     * take leading blanks, a plus sign, hexadecimal */
    const char *d = lo < 0 && *s == '-' ? s + 1 : s;
    if (!((*d >= '0' && *d <= '9') || *d == '.') || strpbrk(s, "xX"))
        return false;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

enum {
    OPT_YEAR = 256, OPT_REGIONS, OPT_OUT, OPT_MIN_COUNT, OPT_LIMITED, OPT_RATE_RULE,
    OPT_MIN_CASES, OPT_GAP_FLAG, OPT_AGES, OPT_LANG, OPT_OUTPUTS, OPT_QUIET, OPT_NO_MERGE,
    OPT_COMMON_PARTITION, OPT_CI_LEVEL, OPT_CI_METHOD, OPT_LONELY_PSU, OPT_DEFF,
    OPT_FORMATS, OPT_DPI, OPT_PROFILE, OPT_PROTECTION, OPT_MAX_ERRORS
};

int cli_parse_common(int argc, char **argv, const char *cmd, cli_common_t *c)
{
    static const struct option longopts[] = {
        {"year", required_argument, NULL, OPT_YEAR},
        {"regions", required_argument, NULL, OPT_REGIONS},
        {"out", required_argument, NULL, OPT_OUT},
        {"min-count", required_argument, NULL, OPT_MIN_COUNT},
        {"limited-below", required_argument, NULL, OPT_LIMITED},
        {"rate-rule", required_argument, NULL, OPT_RATE_RULE},
        {"min-cases", required_argument, NULL, OPT_MIN_CASES},
        {"gap-flag", required_argument, NULL, OPT_GAP_FLAG},
        {"ages", required_argument, NULL, OPT_AGES},
        {"lang", required_argument, NULL, OPT_LANG},
        {"outputs", required_argument, NULL, OPT_OUTPUTS},
        {"formats", required_argument, NULL, OPT_FORMATS},
        {"dpi", required_argument, NULL, OPT_DPI},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"no-merge", no_argument, NULL, OPT_NO_MERGE},
        {"common-partition", no_argument, NULL, OPT_COMMON_PARTITION},
        {"ci-level", required_argument, NULL, OPT_CI_LEVEL},
        {"ci-method", required_argument, NULL, OPT_CI_METHOD},
        {"lonely-psu", required_argument, NULL, OPT_LONELY_PSU},
        {"deff", required_argument, NULL, OPT_DEFF},
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"protection", required_argument, NULL, OPT_PROTECTION},
        {"max-errors", required_argument, NULL, OPT_MAX_ERRORS},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    memset(c, 0, sizeof *c);
    mz_run_options_init(&c->run);
    cli_record_command(cmd, argc, argv, c->command_line, sizeof c->command_line);
    c->run.command_line = c->command_line;
    opterr = 0;
    optind = 1;
    int ch;
    double v;
    while ((ch = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (ch) {
        case OPT_YEAR:
            if (!parse_num(optarg, 1950, 2100, &v) || v != floor(v))
                return cli_usage_error(cmd, mz_tr("--year: Jahr erwartet, nicht '%s'",
                                                  "--year: expected a year, not '%s'"),
                                       optarg);
            c->run.year = (int)v;
            break;
        case OPT_REGIONS: c->run.regions_path = optarg; break;
        case OPT_OUT: c->out = optarg; break;
        case OPT_MIN_COUNT:
            if (!parse_num(optarg, 0, 1e12, &c->run.rules.min_count))
                return cli_usage_error(cmd, "--min-count: %s '%s'",
                                       mz_tr("Zahl >= 0 erwartet, nicht", "expected a number >= 0, not"),
                                       optarg);
            break;
        case OPT_LIMITED:
            if (!parse_num(optarg, 0, 1e12, &c->run.rules.limited_below))
                return cli_usage_error(cmd, "--limited-below: %s '%s'",
                                       mz_tr("Zahl >= 0 erwartet, nicht", "expected a number >= 0, not"),
                                       optarg);
            break;
        case OPT_RATE_RULE:
            if (strcmp(optarg, "both") == 0)
                c->run.rules.rate_rule = MZ_RATE_BOTH;
            else if (strcmp(optarg, "base") == 0)
                c->run.rules.rate_rule = MZ_RATE_BASE;
            else
                return cli_usage_error(cmd, "--rate-rule: %s '%s'",
                                       mz_tr("erwartet both oder base, nicht",
                                             "expected both or base, not"),
                                       optarg);
            break;
        case OPT_MIN_CASES:
            if (!parse_num(optarg, 0, 1e9, &v) || v != floor(v))
                return cli_usage_error(cmd, "--min-cases: %s '%s'",
                                       mz_tr("ganze Zahl >= 0 erwartet, nicht",
                                             "expected a whole number >= 0, not"),
                                       optarg);
            c->run.rules.min_cases = (int64_t)v;
            break;
        case OPT_GAP_FLAG:
            if (!parse_num(optarg, -100, 100, &c->run.rules.gap_flag))
                return cli_usage_error(cmd, "--gap-flag: %s '%s'",
                                       mz_tr("Prozentpunkte erwartet, nicht",
                                             "expected percentage points, not"),
                                       optarg);
            break;
        case OPT_AGES:
            if (!mz_age_band_parse(optarg, &c->run.band))
                return cli_usage_error(cmd, "--ages: %s '%s'",
                                       mz_tr("erwartet z. B. 18-64, 15-64 oder all, nicht",
                                             "expected e.g. 18-64, 15-64 or all, not"),
                                       optarg);
            break;
        case OPT_LANG:
            if (mz_lang_parse(optarg) < 0)
                return cli_usage_error(cmd, "--lang: %s '%s'",
                                       mz_tr("erwartet de oder en, nicht",
                                             "expected de or en, not"),
                                       optarg);
            mz_set_lang((mz_lang_t)mz_lang_parse(optarg));
            break;
        case OPT_OUTPUTS: {
            c->run.outputs = 0;
            char buf[256];
            snprintf(buf, sizeof buf, "%s", optarg);
            for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
                 tok = strtok_r(NULL, ",", &save)) {
                if (strcmp(tok, "csv") == 0)
                    c->run.outputs |= MZ_OUT_CSV;
                else if (strcmp(tok, "xlsx") == 0)
                    c->run.outputs |= MZ_OUT_XLSX;
                else if (strcmp(tok, "maps") == 0)
                    c->run.outputs |= MZ_OUT_MAPS;
                else if (strcmp(tok, "all") == 0)
                    c->run.outputs |= MZ_OUT_CSV | MZ_OUT_XLSX | MZ_OUT_MAPS;
                else
                    return cli_usage_error(cmd,
                                           mz_tr("--outputs: unbekannte Ausgabe '%s' (verfügbar: csv, xlsx, maps)",
                                                 "--outputs: unknown output '%s' (available: csv, xlsx, maps)"),
                                           tok);
            }
            break;
        }
        case OPT_FORMATS:
            if (!mz_formats_parse(optarg, &c->run.formats))
                return cli_usage_error(cmd, "--formats: %s '%s'",
                                       mz_tr("erwartet eine Liste aus png, svg, pdf, nicht",
                                             "expected a list of png, svg, pdf, not"),
                                       optarg);
            break;
        case OPT_DPI:
            if (!parse_num(optarg, 72, 1200, &c->run.dpi))
                return cli_usage_error(cmd, "--dpi: %s '%s'",
                                       mz_tr("Auflösung 72 bis 1200 erwartet, nicht",
                                             "expected a resolution from 72 to 1200, not"),
                                       optarg);
            break;
        case OPT_PROFILE: c->run.profile = optarg; break;
        case OPT_QUIET: c->quiet = true; break;
        case OPT_NO_MERGE: c->run.merge = false; break;
        case OPT_COMMON_PARTITION: c->run.common_partition = true; break;
        case OPT_CI_LEVEL:
            if (!parse_num(optarg, 1e-9, 100, &v) || v >= 100)
                return cli_usage_error(cmd, "--ci-level: %s '%s'",
                                       mz_tr("Prozent zwischen 0 und 100 erwartet (z. B. 95), nicht",
                                             "expected percent between 0 and 100 (e.g. 95), not"),
                                       optarg);
            c->run.variance.ci_level = v;
            break;
        case OPT_CI_METHOD:
            if (mz_ci_method_parse(optarg) < 0)
                return cli_usage_error(cmd, "--ci-method: %s '%s'",
                                       mz_tr("erwartet normal, logit oder beta, nicht",
                                             "expected normal, logit or beta, not"),
                                       optarg);
            c->run.variance.ci_method = (mz_ci_method_t)mz_ci_method_parse(optarg);
            break;
        case OPT_LONELY_PSU:
            if (mz_lonely_psu_parse(optarg) < 0)
                return cli_usage_error(cmd, "--lonely-psu: %s '%s'",
                                       mz_tr("erwartet adjust, remove oder fail, nicht",
                                             "expected adjust, remove or fail, not"),
                                       optarg);
            c->run.variance.lonely_psu = (mz_lonely_psu_t)mz_lonely_psu_parse(optarg);
            break;
        case OPT_DEFF:
            if (!parse_num(optarg, 1e-9, 1e6, &c->run.variance.deff))
                return cli_usage_error(cmd, "--deff: %s '%s'",
                                       mz_tr("Designeffekt > 0 erwartet, nicht",
                                             "expected a design effect > 0, not"),
                                       optarg);
            break;
        case OPT_MAX_ERRORS:
            if (!parse_num(optarg, 1, 1e6, &v) || v != floor(v))
                return cli_usage_error(cmd, "--max-errors: %s '%s'",
                                       mz_tr("ganze Zahl >= 1 erwartet, nicht",
                                             "expected a whole number >= 1, not"),
                                       optarg);
            c->run.max_errors = (int)v;
            break;
        case OPT_PROTECTION:
            if (!parse_num(optarg, 0, 100, &c->run.protection))
                return cli_usage_error(cmd, "--protection: %s '%s'",
                                       mz_tr("Anteil >= 0 erwartet (z. B. 0.5 für ±50 %), nicht",
                                             "expected a fraction >= 0 (e.g. 0.5 for ±50 %), not"),
                                       optarg);
            break;
        case 'h': c->help = true; break;
        default:
            return cli_usage_error(cmd, mz_tr("unbekannte oder unvollständige Option '%s'",
                                              "unknown or incomplete option '%s'"),
                                   argv[optind - 1]);
        }
    }
    if (c->run.rules.limited_below < c->run.rules.min_count)
        return cli_usage_error(cmd, "%s",
                               mz_tr("--limited-below muss >= --min-count sein",
                                     "--limited-below must be >= --min-count"));
    if (!c->run.merge && c->run.common_partition)
        return cli_usage_error(cmd, "%s",
                               mz_tr("--common-partition und --no-merge schließen sich aus",
                                     "--common-partition and --no-merge exclude each other"));
    c->inputs = argv + optind;
    c->ninputs = argc - optind;
    return 0;
}

mz_run_t *cli_build_run(cli_common_t *c, int *code)
{
    mz_error_t err;
    mz_error_clear(&err);
    mz_run_t *run = mz_run_create(&c->run, &err);
    if (!run) {
        *code = cli_fail(&err);
        return NULL;
    }
    for (int i = 0; i < c->ninputs; i++) {
        if (mz_run_add_extract(run, c->inputs[i], &err) != MZ_OK) {
            for (size_t k = 0; k < mz_run_record_error_count(run); k++)
                fprintf(stderr, "mzatlas: %s\n", mz_run_record_error(run, k));
            *code = cli_fail(&err);
            mz_run_destroy(run);
            return NULL;
        }
    }
    if (mz_run_compute(run, &err) != MZ_OK) {
        *code = cli_fail(&err);
        mz_run_destroy(run);
        return NULL;
    }
    for (size_t i = 0; !c->quiet && i < mz_run_note_count(run); i++)
        fprintf(stderr, "mzatlas: %s: %s\n", mz_tr("Hinweis", "note"), mz_run_note(run, i));
    *code = 0;
    return run;
}
