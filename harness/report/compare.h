/*
 * `stormlab compare`: two run directories side by side (docs/compare.md).
 * The table and its JSON are built in cmd_compare.c; the overlay plots of
 * the two timelines are drawn here (compare_plot.c) with plots/compare-*.gp.
 */
#ifndef SL_COMPARE_H
#define SL_COMPARE_H

#include <stddef.h>

#include "runfiles.h"

enum { SL_CMP_PLOT_OK = 0, SL_CMP_PLOT_FAILED = -1, SL_CMP_PLOT_NO_GNUPLOT = -2 };

/*
 * Draws, for every group both runs have, GROUP-members and GROUP-lag as PNG
 * and SVG into outdir (which must exist): run a solid, run b dashed,
 * labelled label_a and label_b.  Files appear under their final names only
 * once every plot is drawn.  Names of the groups drawn are not returned:
 * the caller knows them.  SL_CMP_PLOT_NO_GNUPLOT when gnuplot is not on
 * $PATH (nothing written), SL_CMP_PLOT_FAILED with err.
 */
int sl_compare_plot(const sl_run_t *a, const sl_run_t *b, const char *label_a, const char *label_b,
                    const char *outdir, char *err, size_t errsz);

/* The plots drawn per group, in file-name order ("members", "lag"). */
extern const char *const sl_compare_plot_names[];
#define SL_COMPARE_N_PLOTS 2

#endif
