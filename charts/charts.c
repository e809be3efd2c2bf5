/* charts.c — the public side of the charts module: formats, figure names, loading the
 * boundaries, and writing every figure in every format. */
#include "mzatlas/mz_charts.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../microcensus/csv.h"
#include "chart.h"
#include "mzatlas/mz_run.h"

bool mz_formats_parse(const char *s, unsigned *out)
{
    unsigned bits = 0;
    char buf[256];
    if (!s)
        return false;
    snprintf(buf, sizeof buf, "%s", s);
    if (strlen(s) >= sizeof buf)
        return false;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        size_t n = strlen(tok);
        while (n && tok[n - 1] == ' ')
            tok[--n] = '\0';
        if (strcmp(tok, "png") == 0)
            bits |= MZ_FMT_PNG;
        else if (strcmp(tok, "svg") == 0)
            bits |= MZ_FMT_SVG;
        else if (strcmp(tok, "pdf") == 0)
            bits |= MZ_FMT_PDF;
        else if (strcmp(tok, "all") == 0)
            bits |= MZ_FMT_ALL;
        else
            return false;
    }
    if (!bits)
        return false;
    *out = bits;
    return true;
}

const char *mz_format_ext(unsigned fmt)
{
    switch (fmt) {
    case MZ_FMT_PNG: return "png";
    case MZ_FMT_SVG: return "svg";
    case MZ_FMT_PDF: return "pdf";
    default: return NULL;
    }
}

const char *mz_figure_stem(int fig)
{
    static const char *const stems[MZ_NFIGURES] = {
        "abb01-netzwerke",        "abb02-handlungsfelder",     "abb03-akteure",
        "abb04-foerderung",       "abb05-migrationsanteil",    "abb06-wirtschaftsbereiche",
        "abb07-erwerbstaetigenquote", "abb08-selbstaendige",   "abb09-erwerbslosigkeit",
        "abb10-handlungsbedarf"};
    return fig >= 1 && fig <= MZ_NFIGURES ? stems[fig - 1] : NULL;
}

const char *mz_figure_title(int fig)
{
    switch (fig) {
    case 1:
        return mz_tr("Regionale Netzwerke zur Arbeitsmarktintegration von Migrantinnen und "
                     "Migranten in Niedersachsen",
                     "Regional networks for the labour-market integration of migrants in "
                     "Lower Saxony");
    case 2: return mz_tr("Regionale Netzwerke und ihre Handlungsfelder",
                         "Regional networks and their fields of action");
    case 3: return mz_tr("Netzwerkakteure", "Network actors");
    case 4: return mz_tr("Förderung der Netzwerkaktivitäten", "Funding of network activities");
    case 5:
        return mz_tr("Anteil der Menschen mit Migrationshintergrund an der Bevölkerung",
                     "Share of people with a migration background in the population");
    case 6:
        return mz_tr("Anteile der Beschäftigten mit Migrationshintergrund in den "
                     "Wirtschaftsbereichen",
                     "Share of employed people with a migration background by economic sector");
    case 7:
        return mz_tr("Erwerbstätigenquote der Bevölkerung mit und ohne Migrationshintergrund",
                     "Employment rate of people with and without a migration background");
    case 8:
        return mz_tr("Differenz der Anteile der Selbständigen an den Erwerbstätigen mit und "
                     "ohne Migrationshintergrund",
                     "Difference in the self-employment share of the employed with and without "
                     "a migration background");
    case 9:
        return mz_tr("Erwerbslosigkeit der Menschen mit Migrationshintergrund: Differenz der "
                     "Erwerbslosenquoten",
                     "Unemployment of people with a migration background: gap in unemployment "
                     "rates");
    case 10:
        return mz_tr("Erwerbslosenquote der Menschen mit Migrationshintergrund und regionale "
                     "Netzwerke zur Arbeitsmarktförderung",
                     "Unemployment of people with a migration background and regional networks "
                     "for labour-market support");
    default: return NULL;
    }
}

void mz_chart_options_init(mz_chart_options_t *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->formats = MZ_FMT_ALL;
    opt->dpi = 200;
}

void mz_source_line(const mz_charts_t *ch, bool with_networks, char *buf, size_t size)
{
    const char *producer = ch->in.source && *ch->in.source
                               ? ch->in.source
                               : mz_tr("Statistische Ämter des Bundes und der Länder",
                                       "Federal Statistical Office and statistical offices of "
                                       "the Länder");
    int n;
    if (ch->in.synthetic)
        /* synthetic records are no Mikrozensus data: never name an office as their source */
        n = snprintf(buf, size, "%s %s %d, %s", mz_tr("Quelle:", "Source:"),
                     mz_tr("synthetische Stichprobe (künstliche Datensätze) nach dem Muster "
                           "des Mikrozensus",
                           "synthetic sample (artificial records) in the form of the "
                           "Mikrozensus"),
                     ch->in.year, mz_tr("eigene Berechnungen", "own calculations"));
    else if (strstr(producer, "Mikrozensus"))
        n = snprintf(buf, size, "%s %s, %s", mz_tr("Quelle:", "Source:"), producer,
                     mz_tr("eigene Berechnungen", "own calculations"));
    else
        n = snprintf(buf, size, "%s %s, Mikrozensus %d, %s", mz_tr("Quelle:", "Source:"), producer,
                     ch->in.year, mz_tr("eigene Berechnungen", "own calculations"));
    if (with_networks && n > 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, "; %s",
                 mz_tr("Netzwerke: Recherche des ies, Stand 03/2010",
                       "networks: ies survey, as of 03/2010"));
}

void mz_band_phrase(mz_age_band_t band, char *buf, size_t size)
{
    if (band.lo <= 0 && band.hi >= 120)
        snprintf(buf, size, "%s", mz_tr("alle Altersjahre", "all ages"));
    else
        snprintf(buf, size, mz_tr("%d bis %d Jahre", "aged %d to %d"), band.lo, band.hi);
}

/* Funding programmes are not columns of the inventory: ESF-BAMF funds the job-related language
 * courses (field sprachfoerderung, except where the inventory notes it is not ESF-BAMF);
 * Xenos and FIFA are named in the network profiles quoted in source_note. */
static mz_status_t load_programmes(mz_charts_t *ch, mz_error_t *err)
{
    const mz_networks_t *nw = ch->in.networks;
    char path[4096];
    const char *file = ch->in.networks_csv
                           ? ch->in.networks_csv
                           : mz_data_path("networks/networks-ni-2010.csv", path, sizeof path);
    size_t n = mz_networks_count(nw);
    ch->programmes = calloc(n ? n : 1, sizeof *ch->programmes);
    if (!ch->programmes)
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    ch->nprogrammes = n;
    mz_csv_t *csv = mz_csv_open(file, ',', err);
    if (!csv)
        return err ? err->status : MZ_ERR_IO;
    int ci_id = -1, ci_fields = -1, ci_note = -1, rc = mz_csv_next(csv, err);
    if (rc == 1)
        for (size_t i = 0; i < mz_csv_nfields(csv); i++) {
            const char *h = mz_csv_field(csv, i);
            if (strcmp(h, "network_id") == 0)
                ci_id = (int)i;
            else if (strcmp(h, "fields") == 0)
                ci_fields = (int)i;
            else if (strcmp(h, "source_note") == 0)
                ci_note = (int)i;
        }
    if (rc != 1 || ci_id < 0 || ci_fields < 0 || ci_note < 0) {
        mz_csv_close(csv);
        if (rc < 0)
            return err ? err->status : MZ_ERR_DATA;
        return mz_error_set(err, MZ_ERR_DATA, file, 1, ci_id < 0 ? "network_id"
                                                       : ci_fields < 0 ? "fields"
                                                                       : "source_note",
                            NULL, "%s", mz_tr("Spalte fehlt", "column missing"));
    }
    while ((rc = mz_csv_next(csv, err)) == 1) {
        size_t nf = mz_csv_nfields(csv);
        if ((size_t)ci_id >= nf || (size_t)ci_fields >= nf || (size_t)ci_note >= nf)
            continue;
        const char *id = mz_csv_field(csv, (size_t)ci_id);
        const char *fields = mz_csv_field(csv, (size_t)ci_fields);
        const char *note = mz_csv_field(csv, (size_t)ci_note);
        for (size_t i = 0; i < n; i++) {
            if (strcmp(mz_networks_get(nw, i)->id, id) != 0)
                continue;
            unsigned bits = 0;
            if (strstr(fields, "sprachfoerderung") && !strstr(note, "nicht nach ESF-BAMF"))
                bits |= MZ_PROG_ESF_BAMF;
            if (strstr(note, "Xenos"))
                bits |= MZ_PROG_XENOS;
            if (strstr(note, "FIFA"))
                bits |= MZ_PROG_FIFA;
            ch->programmes[i] = bits;
        }
    }
    mz_csv_close(csv);
    return rc < 0 ? (err ? err->status : MZ_ERR_DATA) : MZ_OK;
}

static mz_geo_t *load_geo(const mz_charts_t *ch, const char *rel, mz_error_t *err)
{
    char path[4096];
    if (ch->in.geo_dir) {
        const char *base = strrchr(rel, '/');
        snprintf(path, sizeof path, "%s/%s", ch->in.geo_dir, base ? base + 1 : rel);
    } else {
        mz_data_path(rel, path, sizeof path);
    }
    return mz_geo_load(path, err);
}

mz_charts_t *mz_charts_create(const mz_chart_input_t *in, mz_error_t *err)
{
    mz_charts_t *ch = calloc(1, sizeof *ch);
    if (!ch) {
        mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        return NULL;
    }
    ch->in = *in;
    pthread_mutex_init(&ch->cands_lock, NULL);
    if (!in->gazetteer) {
        mz_error_set(err, MZ_ERR_USAGE, NULL, 0, NULL, NULL, "%s",
                     mz_tr("Karten brauchen das Gemeindeverzeichnis",
                           "maps need the gazetteer"));
        goto fail;
    }
    const char *kfile = mz_geo_kreise_file(in->year);
    if (!(ch->kreise = load_geo(ch, kfile, err)))
        goto fail;
    if (strcmp(kfile, mz_geo_kreise_file(2010)) != 0) {
        if (!(ch->kreise2010 = load_geo(ch, mz_geo_kreise_file(2010), err)))
            goto fail;
    }
    if (!(ch->split = load_geo(ch, MZ_GEO_HANNOVER_SPLIT_FILE, err)) ||
        !(ch->context = load_geo(ch, "geo/context-ni.geojson", err)))
        goto fail;
    if (in->networks && load_programmes(ch, err) != MZ_OK)
        goto fail;
    ch->fonts = pango_cairo_font_map_new();
    if (!ch->fonts) {
        mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s", mz_strerror(MZ_ERR_NOMEM));
        goto fail;
    }
    return ch;
fail:
    mz_charts_destroy(ch);
    return NULL;
}

void mz_charts_destroy(mz_charts_t *ch)
{
    if (!ch)
        return;
    mz_geo_destroy(ch->kreise);
    mz_geo_destroy(ch->kreise2010);
    mz_geo_destroy(ch->split);
    mz_geo_destroy(ch->context);
    free(ch->programmes);
    if (ch->fonts)
        g_object_unref(ch->fonts);
    for (size_t i = 0; i < ch->ncands; i++) {
        free(ch->cands[i].shapes);
        free(ch->cands[i].cand);
    }
    free(ch->cands);
    pthread_mutex_destroy(&ch->cands_lock);
    free(ch);
}

/* Whether the results know the indicator at all (tabulated inputs may lack its measures). */
static bool indicator_known(const mz_results_t *res, mz_indicator_t ind, mz_group_t g)
{
    const mz_estimate_t *e = mz_results_find(res, ind, MZ_LEVEL_LAND, MZ_LAND_CODE, g);
    return e && e->p.known;
}

bool mz_charts_available(const mz_charts_t *ch, int fig)
{
    if (!ch || fig < 1 || fig > MZ_NFIGURES)
        return false;
    if (fig <= 4)
        return ch->in.networks != NULL;
    const mz_results_t *res = ch->in.results;
    if (!res)
        return false;
    switch (fig) {
    case 5: return indicator_known(res, MZ_IND_MIGRATION_SHARE, MZ_G_ALL);
    case 6:
        return indicator_known(res, MZ_IND_SECTOR_AGRICULTURE, MZ_G_ALL) ||
               indicator_known(res, MZ_IND_SECTOR_PRODUCTION, MZ_G_ALL) ||
               indicator_known(res, MZ_IND_SECTOR_TRADE, MZ_G_ALL) ||
               indicator_known(res, MZ_IND_SECTOR_SERVICES, MZ_G_ALL);
    case 7: return indicator_known(res, MZ_IND_EMPLOYMENT_RATE, MZ_G_WITH);
    case 8: return indicator_known(res, MZ_IND_SELF_EMPLOYMENT_SHARE, MZ_G_GAP);
    default: return indicator_known(res, MZ_IND_UNEMPLOYMENT_RATE, MZ_G_GAP);
    }
}

/* Draw one figure in one format into path, with text from the font map fonts. */
static mz_status_t render_with(mz_charts_t *ch, PangoFontMap *fonts, int fig, unsigned fmt,
                               const mz_chart_options_t *opt, const char *path, mz_error_t *err)
{
    if (!mz_format_ext(fmt))
        return mz_error_set(err, MZ_ERR_USAGE, path, 0, NULL, NULL, "%s",
                            mz_tr("unbekanntes Dateiformat", "unknown file format"));
    if (!mz_charts_available(ch, fig))
        return mz_error_set(err, MZ_ERR_USAGE, path, 0, NULL, NULL,
                            mz_tr("Abbildung %d kann aus diesen Eingaben nicht gezeichnet werden",
                                  "figure %d cannot be drawn from these inputs"),
                            fig);
    mz_canvas_t *cv = mz_canvas_create(fmt, MZ_PAGE_W, MZ_PAGE_H, opt->dpi, fonts, err);
    if (!cv)
        return err ? err->status : MZ_ERR_NOMEM;
    cv->pdf_date = opt->pdf_date;
    mz_status_t st;
    if (fig <= 4)
        st = mz_draw_network_map(ch, cv, fig, err);
    else if (fig == 6 || fig == 7)
        st = mz_draw_bar_chart(ch, cv, fig, err);
    else
        st = mz_draw_indicator_map(ch, cv, fig, err);
    if (st == MZ_OK && cv->oom)
        st = mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                          mz_strerror(MZ_ERR_NOMEM));
    if (st == MZ_OK) {
        char title[512];
        snprintf(title, sizeof title, "%s %d: %s", mz_tr("Abbildung", "Figure"), fig,
                 mz_figure_title(fig));
        st = mz_canvas_write(cv, path, title, err);
    }
    mz_canvas_destroy(cv);
    return st;
}

mz_status_t mz_charts_render(mz_charts_t *ch, int fig, unsigned fmt,
                             const mz_chart_options_t *opt, const char *path, mz_error_t *err)
{
    mz_chart_options_t dflt;
    if (!opt) {
        mz_chart_options_init(&dflt);
        opt = &dflt;
    }
    return render_with(ch, ch->fonts, fig, fmt, opt, path, err);
}

/* One file of mz_charts_write_all. */
typedef struct chart_job {
    int fig;
    unsigned fmt;
    char path[4096];
    mz_status_t st;
    mz_error_t err;
} chart_job_t;

/* The files still to draw, shared by the workers. */
typedef struct chart_queue {
    mz_charts_t *ch;
    const mz_chart_options_t *opt;
    chart_job_t *jobs;
    size_t n;
    size_t next;    /* first job not yet taken */
    bool failed;    /* a job failed: take no more */
    pthread_mutex_t lock;
} chart_queue_t;

/* Draw jobs until none are left or one has failed. A worker other than the first needs a font
 * map of its own: a pango font map must not be shared between threads. */
static void chart_work(chart_queue_t *q, bool own_fonts)
{
    PangoFontMap *fonts = q->ch->fonts;
    if (own_fonts && !(fonts = pango_cairo_font_map_new()))
        return; /* the other workers take its jobs */
    for (;;) {
        pthread_mutex_lock(&q->lock);
        size_t i = q->failed ? q->n : q->next++;
        pthread_mutex_unlock(&q->lock);
        if (i >= q->n)
            break;
        chart_job_t *j = &q->jobs[i];
        j->st = render_with(q->ch, fonts, j->fig, j->fmt, q->opt, j->path, &j->err);
        if (j->st != MZ_OK) {
            pthread_mutex_lock(&q->lock);
            q->failed = true;
            pthread_mutex_unlock(&q->lock);
        }
    }
    if (own_fonts)
        g_object_unref(fonts);
}

static void *chart_thread(void *arg)
{
    chart_work(arg, true);
    return NULL;
}

mz_status_t mz_charts_write_all(mz_charts_t *ch, const mz_chart_options_t *opt,
                                mz_chart_path_fn path_fn, void *ctx, size_t *nwritten,
                                mz_error_t *err)
{
    static const unsigned fmts[] = {MZ_FMT_PNG, MZ_FMT_SVG, MZ_FMT_PDF};
    mz_chart_options_t dflt;
    if (!opt) {
        mz_chart_options_init(&dflt);
        opt = &dflt;
    }
    if (nwritten)
        *nwritten = 0;
    chart_queue_t q = {.ch = ch, .opt = opt};
    q.jobs = calloc(MZ_NFIGURES * 3, sizeof *q.jobs);
    if (!q.jobs)
        return mz_error_set(err, MZ_ERR_NOMEM, NULL, 0, NULL, NULL, "%s",
                            mz_strerror(MZ_ERR_NOMEM));
    /* The paths first, in the main thread (path_fn may create folders). PNG first: it is the
     * costliest format, so the workers end at about the same time. */
    for (size_t f = 0; f < 3; f++) {
        for (int fig = 1; fig <= MZ_NFIGURES; fig++) {
            if (!(opt->formats & fmts[f]) || !mz_charts_available(ch, fig))
                continue;
            chart_job_t *j = &q.jobs[q.n];
            char rel[256];
            snprintf(rel, sizeof rel, "maps/%s.%s", mz_figure_stem(fig), mz_format_ext(fmts[f]));
            if (!path_fn(ctx, rel, j->path, sizeof j->path)) {
                free(q.jobs);
                return mz_error_set(err, MZ_ERR_IO, rel, 0, NULL, NULL, "%s",
                                    mz_tr("kann nicht angelegt werden", "cannot be created"));
            }
            j->fig = fig;
            j->fmt = fmts[f];
            q.n++;
        }
    }
    /* Each file is drawn by one thread from the same inputs: the bytes do not depend on the
     * number of threads (tested). */
    int nt = mz_max_threads();
    if (nt > MZ_CHART_THREADS)
        nt = MZ_CHART_THREADS;
    if ((size_t)nt > q.n)
        nt = q.n ? (int)q.n : 1;
    pthread_mutex_init(&q.lock, NULL);
    pthread_t tid[MZ_CHART_THREADS];
    int started = 0;
    for (int t = 1; t < nt; t++) {
        if (pthread_create(&tid[started], NULL, chart_thread, &q) != 0)
            break; /* fewer threads, same files */
        started++;
    }
    chart_work(&q, false);
    for (int t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
    pthread_mutex_destroy(&q.lock);
    /* Report the first failed file in the order of the list, whichever thread met it. */
    mz_status_t st = MZ_OK;
    for (size_t i = 0; i < q.n; i++) {
        if (q.jobs[i].st != MZ_OK) {
            st = q.jobs[i].st;
            if (err)
                *err = q.jobs[i].err;
            break;
        }
    }
    if (st == MZ_OK && nwritten)
        *nwritten = q.n;
    free(q.jobs);
    return st;
}
