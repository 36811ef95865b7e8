/*
 * stormlab export SCENARIO --to chaos-mesh: a rehearsed incident as
 * another tool's input, to replay it on a staging cluster (docs/export.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "export/export.h"

static void usage(FILE *f) {
    fputs("usage: stormlab export SCENARIO --to chaos-mesh [--labels FILE] [--set k=v]... [--out DIR]\n"
          "\n"
          "Writes the scenario's faults as another tool's input, so a rehearsed incident\n"
          "can be replayed on a staging cluster:\n"
          "\n"
          "  chaos-mesh  DIR/workflow.yaml, a Chaos Mesh Workflow replaying the timeline, and\n"
          "              DIR/chaos.yaml, each fault as its own NetworkChaos or PodChaos\n"
          "\n"
          "What the target cannot express (a poll-loop stall, a config rollout) or only\n"
          "approximates is listed on stdout and in DIR/not-exported.txt.\n"
          "\n"
          "options:\n"
          "  --to TARGET       chaos-mesh\n"
          "  --labels FILE     how selectors map onto Kubernetes pods: namespace, pod names,\n"
          "                    label selectors (docs/export.md; defaults without it)\n"
          "  --set k=v         override a scenario field first (as stormlab sim)\n"
          "  -o, --out DIR     output directory (default runs/NAME-chaos-mesh)\n"
          "  -h, --help        this help\n"
          "\n"
          "exit codes: 0 ok, 2 bad usage or bad scenario or labels file,\n"
          "3 the output could not be written\n",
          f);
}

int sl_cmd_export(int argc, char **argv) {
    static const struct option opts[] = {{"to", required_argument, 0, 't'},  {"labels", required_argument, 0, 'l'},
                                         {"set", required_argument, 0, 'S'}, {"out", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},      {0, 0, 0, 0}};
    const char *sets[SL_CLI_MAX_SETS];
    size_t n_sets = 0;
    const char *to = NULL, *labels_path = NULL, *out = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 't': to = optarg; break;
        case 'l': labels_path = optarg; break;
        case 'S':
            if (sl_cli_take_set("export", optarg, sets, &n_sets) < 0)
                return SL_EXIT_USAGE;
            break;
        case 'o': out = optarg; break;
        case 'h': usage(stdout); return SL_EXIT_OK;
        default: return sl_cli_bad_option("export", argv[optind - 1], usage);
        }
    }
    if (sl_cli_one_operand("export", "SCENARIO", argc, optind, usage) < 0)
        return SL_EXIT_USAGE;
    if (!to) {
        fprintf(stderr, "stormlab export: missing --to, expected --to chaos-mesh\n");
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    if (strcmp(to, "chaos-mesh")) {
        fprintf(stderr, "stormlab export: --to '%s': expected chaos-mesh\n", to);
        return SL_EXIT_USAGE;
    }
    char err[2048] = "";
    sl_export_labels_t *labels = NULL;
    sl_err_t lrc = sl_export_labels_load(labels_path, &labels, err, sizeof err);
    if (lrc != SL_OK) {
        fprintf(stderr, "stormlab export: %s\n", lrc == SL_E_IO && !*err ? sl_strerror(lrc) : err);
        return lrc == SL_E_NOMEM ? SL_EXIT_RUN : SL_EXIT_USAGE;
    }
    sl_scenario_t *sc;
    int load = sl_cli_load_scenario(argv[optind], sets, n_sets, 0, 0, &sc, err, sizeof err);
    if (load != SL_EXIT_OK) {
        sl_export_labels_destroy(labels);
        return load;
    }
    char outbuf[4096];
    if (!out) {
        sl_cli_default_out(sl_scenario_name(sc), "-chaos-mesh", outbuf, sizeof outbuf);
        out = outbuf;
    }
    char *notes = NULL;
    sl_err_t rc = sl_export_chaos_mesh(sc, labels, out, &notes, err, sizeof err);
    int exit_rc = SL_EXIT_OK;
    if (rc != SL_OK) {
        fprintf(stderr, "stormlab export: %s\n", err);
        exit_rc = SL_EXIT_RUN;
    } else {
        printf("stormlab export: %s -> %s/ (workflow.yaml chaos.yaml not-exported.txt)\n", sl_scenario_name(sc), out);
        if (notes && *notes)
            printf("approximated or not exported:\n%s", notes);
        else
            printf("every event exported\n");
    }
    free(notes);
    sl_scenario_destroy(sc);
    sl_export_labels_destroy(labels);
    return exit_rc;
}
