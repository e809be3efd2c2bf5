/* mz_charts.h — the figures of the report (Abbildungen 1–10): choropleth maps of Niedersachsen
 * drawn from the bundled BKG boundaries and bar charts, written as PNG, SVG and PDF with cairo
 * and pango.
 *
 * Figures 1–4 come from the 2010 network inventory, 5–10 from the estimates of a run. Withheld
 * values ("/", ".") are never drawn, labelled or used for class breaks. Output is deterministic:
 * the same input gives byte-identical files (the PDF creation date is fixed, see
 * mz_chart_options_t.pdf_date). Text is in the current language (mz_set_lang). */
#ifndef MZATLAS_MZ_CHARTS_H
#define MZATLAS_MZ_CHARTS_H

#include <stdbool.h>
#include <stddef.h>

#include "mz_cells.h"
#include "mz_error.h"
#include "mz_gazetteer.h"
#include "mz_networks.h"
#include "mz_results.h"

#ifdef __cplusplus
extern "C" {
#endif

/** File formats (bits). */
enum {
    MZ_FMT_PNG = 1u << 0,
    MZ_FMT_SVG = 1u << 1,
    MZ_FMT_PDF = 1u << 2,
    MZ_FMT_ALL = MZ_FMT_PNG | MZ_FMT_SVG | MZ_FMT_PDF
};

/** Parse a comma-separated list of formats ("png,svg,pdf", any subset, or "all") into MZ_FMT_*
 *  bits. Returns false (and leaves *out alone) for an unknown or empty entry. */
bool mz_formats_parse(const char *s, unsigned *out);
/** File extension of one format bit ("png", "svg", "pdf"); NULL for anything else. */
const char *mz_format_ext(unsigned fmt);

/** Number of figures: Abbildung 1 … 10. */
#define MZ_NFIGURES 10

/** File name stem of figure fig (1 … 10), e.g. "abb05-migrationsanteil"; NULL out of range.
 *  Stems are the same in every language. */
const char *mz_figure_stem(int fig);
/** Title of figure fig in the current language; NULL out of range. */
const char *mz_figure_title(int fig);

/** What the figures are drawn from. Everything is borrowed and must outlive the charts. */
typedef struct mz_chart_input {
    const mz_results_t *results;       /**< estimates (figures 5–10); NULL: those are skipped */
    const mz_gazetteer_t *gazetteer;   /**< required */
    const mz_networks_t *networks;     /**< inventory (figures 1–4, markers of 10); may be NULL */
    const char *networks_csv;          /**< networks-ni-2010.csv for the funding programmes of
                                            figure 4; NULL = the bundled file */
    const char *geo_dir;               /**< directory of the GeoJSON files; NULL = bundled */
    int year;                          /**< survey year: picks the boundaries (2007/2017 state) */
    mz_age_band_t band;                /**< age band of the rates */
    bool synthetic;                    /**< the data are synthetic: said in every footer */
    const char *source;                /**< data producer named by the inputs (tabulated
                                            extracts), e.g. "Landesamt für Statistik
                                            Niedersachsen"; NULL or "" = the statistical
                                            offices of the Bund and the Länder */
} mz_chart_input_t;

/** How the files are written. */
typedef struct mz_chart_options {
    unsigned formats;      /**< MZ_FMT_* bits (default MZ_FMT_ALL) */
    double dpi;            /**< PNG resolution (default 200: 1,890 px wide; 300 for print) */
    const char *pdf_date;  /**< PDF creation date, "YYYY-MM-DDThh:mm:ssZ"; NULL = taken from
                                SOURCE_DATE_EPOCH when set, else 2010-04-01T00:00:00Z */
} mz_chart_options_t;

void mz_chart_options_init(mz_chart_options_t *opt);

typedef struct mz_charts mz_charts_t;

/** Load the boundaries (and the funding programmes of the inventory). Fails with MZ_ERR_IO or
 *  MZ_ERR_DATA when a geometry file is missing or broken. */
mz_charts_t *mz_charts_create(const mz_chart_input_t *in, mz_error_t *err);
void mz_charts_destroy(mz_charts_t *ch);

/** Whether figure fig can be drawn from the input: 1–4 need the networks, 5–10 results that
 *  know the figure's indicator (tabulated inputs may lack its measures). */
bool mz_charts_available(const mz_charts_t *ch, int fig);

/** Draw figure fig in one format (a single MZ_FMT_* bit) into the file at path. */
mz_status_t mz_charts_render(mz_charts_t *ch, int fig, unsigned fmt,
                             const mz_chart_options_t *opt, const char *path, mz_error_t *err);

/** Maps a relative file name ("maps/abb05-migrationsanteil.png") to the path to write to
 *  (written to buf, which is returned), creating directories as needed; NULL on failure. */
typedef const char *(*mz_chart_path_fn)(void *ctx, const char *rel, char *buf, size_t size);

/** Draw every available figure in every chosen format, as maps/<stem>.<ext>. *nwritten (may be
 *  NULL) receives the number of files written. */
mz_status_t mz_charts_write_all(mz_charts_t *ch, const mz_chart_options_t *opt,
                                mz_chart_path_fn path_fn, void *ctx, size_t *nwritten,
                                mz_error_t *err);

#ifdef __cplusplus
}
#endif
#endif
