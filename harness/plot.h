/*
 * Rendering a run's plots with gnuplot: the extracts, then every
 * plots/NAME.gp script per group, PNG and SVG, into DIR/plots/.
 */
#ifndef SL_PLOT_H
#define SL_PLOT_H

#include <stddef.h>

#include "causes.h"
#include "runfiles.h"

enum { SL_PLOT_OK = 0, SL_PLOT_FAILED = -1, SL_PLOT_NO_GNUPLOT = -2 };

/* The one line printed when gnuplot is missing, a printf format taking the run directory. */
#define SL_PLOT_INSTALL_HINT                                                                                           \
    "gnuplot not found, so no plots were drawn (the run's data files are complete); install it with "                 \
    "`sudo apt-get install gnuplot-nox`, then run `stormlab plot %s`"

/*
 * Renders into run->dir/plots/, replacing what was there only once every
 * plot is drawn (the files are made in run->dir/.plots.partial/).  Returns
 * SL_PLOT_OK, SL_PLOT_NO_GNUPLOT (nothing written), or SL_PLOT_FAILED
 * with err (gnuplot's own message included).
 */
int sl_plot_render(const sl_run_t *run, const sl_causes_t *c, char *err, size_t errsz);

/* Whether gnuplot is on $PATH. */
int sl_plot_have_gnuplot(void);

/* Removes run->dir/plots/ (stale pictures of an earlier run in the same directory). */
void sl_plot_remove(const sl_run_t *run);

/* The directory holding the *.gp scripts: $STORMLAB_PLOTS_DIR, else the source tree's plots/. */
const char *sl_plot_scripts_dir(void);

#endif
