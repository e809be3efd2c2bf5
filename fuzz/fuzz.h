/* fuzz.h — shared declarations of the fuzz targets (see docs/robustness.md).
 *
 * Each fuzz_<reader>.c defines LLVMFuzzerTestOneInput. Built with clang and -Dfuzz=true it is
 * linked with libFuzzer; always it is also linked with replay.c, a plain main that runs the files
 * of a corpus through the target, so that the corpus is part of the test suite under gcc. */
#ifndef MZATLAS_FUZZ_H
#define MZATLAS_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mzatlas/mz_error.h"
#include "mzatlas/mz_extract.h"
#include "mzatlas/mz_gazetteer.h"

/** The entry point libFuzzer (or replay.c) calls with one input. Always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** The bundled gazetteer (data/regions/gazetteer-ni.csv), loaded on first use and kept for the
 *  whole process. Aborts when it cannot be loaded: the harness cannot run without it. */
const mz_gazetteer_t *fuzz_gazetteer(void);

/** Check the error contract of libmzatlas after a call: when the call failed, err must carry a
 *  failure status and a message, and its fields must be NUL-terminated and free of control
 *  characters (column and value are made printable by mz_error_set). Aborts otherwise, so that
 *  the fuzzer reports a broken contract like a crash. */
void fuzz_check_error(const mz_error_t *err, bool failed, const char *where);

/** Abort with a message when cond is false (an invariant of a reader was violated). */
void fuzz_assert(bool cond, const char *what);

/** The position of the first form feed ('\f') in data[0..size), or size: inputs of the targets
 *  that read several documents at once separate them with a form feed. */
size_t fuzz_split(const uint8_t *data, size_t size);

/** Empty the file fd (a memory file for readers that take only a path) and write data[0..size)
 *  into it. */
void fuzz_fill_fd(int fd, const uint8_t *data, size_t size);

/** The schema checks every record of a profile-mapped or ReadStat source must pass: year, unit,
 *  stratum, a finite positive weight and the codes within their ranges. */
void fuzz_check_source_record(const mz_record_t *r, const mz_gazetteer_t *gz);

#endif
