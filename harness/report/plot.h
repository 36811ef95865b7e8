/*
 * Rendering a run's plots with gnuplot: the extracts, then every
 * plots/NAME.gp script per group, PNG and SVG, into DIR/plots/.
 */
#ifndef SL_PLOT_H
#define SL_PLOT_H

#include <stddef.h>
#include <sys/types.h>

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
/* A run of many groups has its plots drawn for the SL_PLOT_MAX_GROUPS
 * stormiest (most rebalances, then most unowned partition-seconds, then
 * file order) unless all_groups: each group is eight gnuplot runs and four
 * SVGs inlined in report.html, so 200 groups took minutes and 135 MB.
 * Every group's numbers stay in summary.json and the report's tables. */
#define SL_PLOT_MAX_GROUPS 12
/* The groups to draw, as indexes into run->groups in file order, into idx
 * (room for run->n_groups); returns how many. */
size_t sl_plot_groups(const sl_run_t *run, int all_groups, size_t *idx);

int sl_plot_render(const sl_run_t *run, const sl_causes_t *c, int all_groups, char *err, size_t errsz);

/* Whether gnuplot is on $PATH. */
int sl_plot_have_gnuplot(void);

/* Removes run->dir/plots/ (stale pictures of an earlier run in the same
 * directory) when stormlab made it (its marker file is there); a plots/
 * of the user's is left alone. */
void sl_plot_remove(const sl_run_t *run);

/* The directory holding the *.gp scripts: $STORMLAB_PLOTS_DIR, else the source tree's plots/. */
const char *sl_plot_scripts_dir(void);

/* What `stormlab plot` and `stormlab compare` (compare_plot.c) share. */

/* gnuplot's full path from $PATH into out, as a shell would find it: 0, or -1 when none. */
int sl_plot_find_gnuplot(char *out, size_t n);

/* Starts `gnuplot -e VARS SCRIPT` (gnuplot the path found above), stdin
 * /dev/null, stdout and stderr to the file log: 0 with *pid, or
 * posix_spawn's error number. */
int sl_plot_spawn_gnuplot(const char *gnuplot, const char *vars, const char *script, const char *log, pid_t *pid);

/* Waits for that gnuplot and removes its log: 0 when it exited 0, else -1
 * and, when err is still empty, "gnuplot failed drawing WHAT:" and the
 * log's first lines (gnuplot's message names the script line that broke). */
int sl_plot_wait_gnuplot(pid_t pid, const char *log, const char *what, char *err, size_t errsz);

/* snprintf that reports truncation (-1): a cut path would draw into the wrong file. */
int sl_plot_pathf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Removes a directory tree this code made (a scratch .partial, an old plots/). */
void sl_plot_rm_tree(const char *dir);

#endif
