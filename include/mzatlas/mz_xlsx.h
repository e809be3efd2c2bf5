/* mz_xlsx.h — the Excel workbook mzatlas.xlsx: the tables planners open (DESIGN.md "Output
 * directory"; layout in docs/workbook.md). */
#ifndef MZATLAS_MZ_XLSX_H
#define MZATLAS_MZ_XLSX_H

#include "mz_error.h"
#include "mz_run.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Write the workbook of a computed run to `path`.
 *
 *  Sheets: a cover (title, year, data source, rules in force, symbol legend, contents with
 *  links), one sheet per report figure (Abb. 5–9; the four sector shares share one sheet),
 *  "Handlungsbedarf", "Regionen", "Netzwerke", "Methodik", and "Karten" when map PNGs exist
 *  that belong to no figure sheet. Labels follow the current language (mz_set_lang).
 *
 *  Numbers are stored as numbers, rounded to one decimal as published; values of limited
 *  reliability keep their number with a bracket format; withheld values are written only as
 *  the text "/", secret ones only as "." — their numbers appear nowhere in the file. NaN and
 *  infinities are never written. Unemployment-rate gaps of planning regions at or above the
 *  flag threshold are highlighted by conditional formatting.
 *
 *  Map PNGs found in the directory `maps/` beside `path` (names beginning "abbNN") are
 *  inserted on the sheet of their figure; when that directory does not exist, no map is
 *  inserted and nothing is reported.
 *
 *  The output is deterministic: identical runs give byte-identical files. The document's
 *  creation date is taken from the environment variable SOURCE_DATE_EPOCH when it is set,
 *  else it is 1 January (00:00 UTC) of the year after the survey year.
 *
 *  On failure, `path` is removed and err says why (MZ_ERR_IO when the file cannot be
 *  written, MZ_ERR_NOMEM, MZ_ERR_INTERNAL for a libxlsxwriter error that is a bug). */
mz_status_t mz_write_xlsx(mz_run_t *run, const char *path, mz_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
