/* cli.h — private: shared pieces of the mzatlas command. */
#ifndef MZATLAS_CLI_H
#define MZATLAS_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "mzatlas/mz_error.h"
#include "mzatlas/mz_run.h"

/** Options common to run/flag (and later batch). */
typedef struct cli_common {
    mz_run_options_t run;
    const char *out;
    bool help;
    bool quiet;
    char **inputs;
    int ninputs;
    char command_line[4096];
} cli_common_t;

/** Parse the common options; returns 0, or an exit code (2) after printing the problem. */
int cli_parse_common(int argc, char **argv, const char *cmd, cli_common_t *c);
/** Print an error the library reported, with the program name, and return its exit code. */
int cli_fail(const mz_error_t *err);
/** Print a usage problem and return 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Parse a whole non-negative decimal integer up to max (no sign, nothing after it). */
bool cli_parse_count(const char *s, unsigned long long max, unsigned long long *out);
/** Record the command line "mzatlas CMD ARGS…" (for run.json) into buf. */
void cli_record_command(const char *cmd, int argc, char **argv, char *buf, size_t size);
/** Format a number for people: one decimal, decimal comma in German. */
void cli_fmt1(double x, char *buf, size_t size);
/** Read inputs and compute; returns NULL after printing the error (exit code in *code). */
mz_run_t *cli_build_run(cli_common_t *c, int *code);

int cmd_run(int argc, char **argv);
int cmd_flag(int argc, char **argv);
int cmd_regions(int argc, char **argv);
int cmd_synth(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_batch(int argc, char **argv);

#endif
