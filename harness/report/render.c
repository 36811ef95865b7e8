/* Plots, then report.html (which inlines the plots it finds). */
#include "render.h"

#include <stdio.h>

#include "causes.h"
#include "plot.h"
#include "report.h"
#include "runfiles.h"

int sl_render_run(const char *dir, int plots, char *err, size_t errsz) {
    sl_run_t *run = NULL;
    if (sl_run_load(dir, &run, err, errsz))
        return SL_RENDER_BAD_DIR;
    sl_causes_t *c = sl_causes_new(run);
    int rc = SL_RENDER_OK, prc = plots ? sl_plot_render(run, c, plots == SL_RENDER_PLOTS_ALL_GROUPS, err, errsz) : SL_PLOT_NO_GNUPLOT;
    if (prc == SL_PLOT_FAILED) {
        rc = SL_RENDER_FAILED;
        goto out;
    }
    if (prc == SL_PLOT_NO_GNUPLOT) {
        sl_plot_remove(run);
        if (plots) {
            snprintf(err, errsz, SL_PLOT_INSTALL_HINT, dir);
            rc = SL_RENDER_NO_GNUPLOT;
        }
    }
    if (sl_report_write(run, c, plots && prc == SL_PLOT_OK, err, errsz))
        rc = SL_RENDER_FAILED;
out:
    sl_causes_free(c);
    sl_run_destroy(run);
    return rc;
}
