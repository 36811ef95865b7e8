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

/* One side of a comparison as the page names it (strings owned by the caller). */
typedef struct {
    const char *dir, *kind, *scenario, *seed; /* kind: sim, mock, kafka; seed: "-" when none */
    double duration_s, first_fault_s;          /* first_fault_s: -1 when nothing was injected */
} sl_compare_side_t;

/* One row of the table, formatted as the terminal shows it; group NULL for the cluster's rows. */
typedef struct {
    const char *group, *label, *a, *b, *diff;
    const char *only; /* "only in A" / "only in B" for a group one run lacks, else NULL */
    int differs;
} sl_compare_row_t;

/*
 * Writes outdir/compare.html (through a .partial file and a rename): both
 * runs named, the rows as one table per group and one for the cluster, and
 * (with_plots) outdir's GROUP-members and GROUP-lag SVGs inline.  Returns
 * 0, or -1 with err.
 */
int sl_compare_page_write(const char *outdir, const sl_compare_side_t *a, const sl_compare_side_t *b,
                          const sl_compare_row_t *rows, size_t n_rows, int differences, int compared, int with_plots,
                          char *err, size_t errsz);

/* The plots drawn per group, in file-name order ("members", "lag"). */
extern const char *const sl_compare_plot_names[];
#define SL_COMPARE_N_PLOTS 2

#endif
