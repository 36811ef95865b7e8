/*
 * stormlab plot DIR: (re)draws a run directory's plots and report.html,
 * e.g. after installing gnuplot or editing plots/NAME.gp.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "report/plot.h"
#include "report/render.h"

static void usage(FILE *f) {
    fputs("usage: stormlab plot DIR [--all-groups]\n"
          "\n"
          "Renders the plots of run directory DIR (written by `stormlab sim`) with gnuplot\n"
          "into DIR/plots/ as PNG and SVG, one set per consumer group, and rewrites\n"
          "DIR/report.html with them.  A run of more than 12 groups gets plots for the 12\n"
          "stormiest (most rebalances, then most unowned partition-seconds).  The scripts\n"
          "are plots/NAME.gp (set STORMLAB_PLOTS_DIR to use others); docs/plots.md\n"
          "describes each plot.\n"
          "\n"
          "options:\n"
          "  --all-groups      plots for every group (eight gnuplot runs and four inlined\n"
          "                    SVGs each: minutes and a large report.html for hundreds)\n"
          "  -h, --help        this help\n"
          "\n"
          "exit codes: 0 ok, 2 bad usage or DIR not a run directory,\n"
          "3 plots could not be rendered (gnuplot missing or failing)\n",
          f);
}

int sl_cmd_plot(int argc, char **argv) {
    static const struct option opts[] = {
        {"all-groups", no_argument, 0, 'A'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c, mode = SL_RENDER_PLOTS;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return SL_EXIT_OK;
        }
        if (c == 'A') {
            mode = SL_RENDER_PLOTS_ALL_GROUPS;
            continue;
        }
        fprintf(stderr, "stormlab plot: unknown option '%s'\n", argv[optind - 1]);
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    if (sl_cli_one_operand("plot", "DIR", argc, optind, usage) < 0)
        return SL_EXIT_USAGE;
    /* checked first so a missing gnuplot leaves the directory as it was */
    if (!sl_plot_have_gnuplot()) {
        fprintf(stderr, "stormlab plot: " SL_PLOT_INSTALL_HINT "\n", argv[optind]);
        return SL_EXIT_RUN;
    }
    char err[8192] = "";
    switch (sl_render_run(argv[optind], mode, err, sizeof err)) {
    case SL_RENDER_OK: break;
    case SL_RENDER_BAD_DIR: fprintf(stderr, "stormlab plot: %s\n", err); return SL_EXIT_USAGE;
    default: fprintf(stderr, "stormlab plot: %s\n", err); return SL_EXIT_RUN;
    }
    printf("plots: %s/plots/  report: %s/report.html\n", argv[optind], argv[optind]);
    return SL_EXIT_OK;
}
