/* testutil.h — helpers shared by the criterion tests in tests/ (linked into every test binary).
 *
 * One version of what the tests used to carry each in a private copy: the environment the test
 * runner sets (MZATLAS_DATA, MZ_FIXTURES, MZ_BIN; see tests/meson.build), temporary work
 * directories, reading and writing whole files, listing a directory and running the mzatlas
 * binary with its output captured.
 *
 * Every helper fails the current test with a criterion assertion when something it needs is
 * missing (an unset variable, a file it cannot write, a failed fork); the few that can fail in a
 * way a test wants to check say so and return a value instead. Paths are built into a buffer the
 * caller passes (buf, size) and that buffer is returned, so calls can be nested. */
#ifndef MZATLAS_TESTUTIL_H
#define MZATLAS_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* ---------------------------------------------------------------- the environment */

/* The value of the environment variable name; the test fails with "<name> must be set" when it
 * is not set. */
const char *tu_env(const char *name);

/* The mzatlas binary under test: $MZ_BIN. */
const char *tu_bin(void);

/* "$MZATLAS_DATA/rel": a file of the bundled data directory (data/). */
const char *tu_data_path(const char *rel, char *buf, size_t size);

/* "$MZ_FIXTURES/rel": a file of the test fixtures (tests/fixtures/). */
const char *tu_fixture_path(const char *rel, char *buf, size_t size);

/* ---------------------------------------------------------------- paths and directories */

/* "dir/rel". */
const char *tu_path(const char *dir, const char *rel, char *buf, size_t size);

/* Create a new, empty directory /tmp/mz-test-<tag>-XXXXXX (mkdtemp) and put its path in dir
 * (size bytes; 64 are plenty for a short tag). Meant for a suite's or a test's .init. */
void tu_workdir_make(char *dir, size_t size, const char *tag);

/* Remove the directory made by tu_workdir_make with everything in it and clear dir (dir[0] is
 * '\0' afterwards); nothing happens when dir is already empty. Returns tu_rm_tree's result. */
int tu_workdir_drop(char *dir);

/* Remove path: a file, or a directory with everything below it (links are removed, never
 * followed). Returns 0 when it is gone (or was not there), -1 when something stayed. */
int tu_rm_tree(const char *path);

/* Whether anything (a file, a directory, even a dangling link) is at path. */
bool tu_exists(const char *path);

/* The entries of dir without "." and "..", sorted (alphasort) and joined by single spaces,
 * into buf; "" for an empty directory. The test fails when dir cannot be read. */
void tu_list_dir(const char *dir, char *buf, size_t size);

/* The number of entries of dir without "." and "..". The test fails when dir cannot be read. */
int tu_count_entries(const char *dir);

/* ---------------------------------------------------------------- files */

/* The whole file as a new NUL-terminated string (free it); binary content is kept, its length
 * (without the NUL) goes to *len when len is not NULL. NULL when the file cannot be opened; a
 * read error fails the test. */
char *tu_slurp(const char *path, size_t *len);

/* Create or replace path with the n bytes at data. */
void tu_write_bytes(const char *path, const void *data, size_t n);

/* Create or replace path with text ("" makes an empty file). */
void tu_write_file(const char *path, const char *text);

/* tu_write_file with a printf format. */
void tu_write_filef(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------------- running the binary */

/* What a run of the binary gave: its exit code and all it wrote to stdout and stderr (both
 * NUL-terminated, never NULL). */
typedef struct tu_result {
    int code;
    char *out, *err;
} tu_result_t;

/* Run $MZ_BIN with the NULL-terminated arguments args (after the program name; at most 126) in
 * the directory cwd (NULL: the current one), with fork and execv, and wait for it. stdout and
 * stderr go to files in a temporary directory of their own (so nothing appears in the test's
 * work directory), which is removed again. The test fails when the binary cannot be started or
 * does not exit normally (a signal). */
tu_result_t tu_run(const char *cwd, const char *const *args);

/* tu_run(NULL, ...) with the arguments written out: TU_RUN("run", "--out", dir, extract). */
#define TU_RUN(...) tu_run(NULL, (const char *const[]){__VA_ARGS__, NULL})

/* Free the output of a result (and set both pointers to NULL). */
void tu_result_free(tu_result_t *r);

/* Split s in place at blanks (spaces and tabs) into at most max words, for options given as one
 * string ("--no-merge --min-count 0"); no quoting. Returns the number of words. */
size_t tu_split_words(char *s, const char **words, size_t max);

#endif
