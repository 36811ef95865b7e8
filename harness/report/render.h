/*
 * What follows a run: its plots and report.html, for `stormlab sim` after
 * each run and for `stormlab plot DIR` on any run directory.
 */
#ifndef SL_RENDER_H
#define SL_RENDER_H

#include <stddef.h>

enum {
    SL_RENDER_OK = 0,
    SL_RENDER_BAD_DIR = -1,    /* not a readable run directory */
    SL_RENDER_NO_GNUPLOT = -2, /* report.html written, no plots */
    SL_RENDER_FAILED = -3      /* gnuplot or a write failed */
};

/*
 * Loads run directory dir and writes its plots (when plots is set) and
 * report.html.  When plots are not rendered here, plots/ left by an earlier
 * run in dir is removed, so the report never shows another run's pictures.
 * On failure err says why.
 */
/* What to draw: no plots, the plots (of the SL_PLOT_MAX_GROUPS stormiest
 * groups when there are more, plot.h), or every group's. */
enum { SL_RENDER_NO_PLOTS = 0, SL_RENDER_PLOTS = 1, SL_RENDER_PLOTS_ALL_GROUPS = 2 };

int sl_render_run(const char *dir, int plots, char *err, size_t errsz);

#endif
