/*
 * stormlab export SCENARIO --to chaos-mesh|toxiproxy: a rehearsed incident
 * as another tool's input, to replay it on a staging cluster (docs/export.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "export/export.h"
#include "stormlab/scenario.h"

static void usage(FILE *f) {
    fputs("usage: stormlab export SCENARIO --to chaos-mesh|toxiproxy [--labels FILE]\n"
          "                       [--listen HOST:PORT] [--upstream ADDR] [--set k=v]... [--out DIR]\n"
          "\n"
          "Writes the scenario's faults as another tool's input, so a rehearsed incident\n"
          "can be replayed on a staging cluster:\n"
          "\n"
          "  chaos-mesh  DIR/workflow.yaml, a Chaos Mesh Workflow replaying the timeline, and\n"
          "              DIR/chaos.yaml, each fault as its own NetworkChaos or PodChaos\n"
          "  toxiproxy   DIR/toxiproxy.json, the body of Toxiproxy's POST /populate (a proxy\n"
          "              per broker), and DIR/timeline.sh, which adds and removes the toxics\n"
          "              over the timeline with curl (TOXIPROXY_URL, SPEED)\n"
          "\n"
          "What the target cannot express (a poll-loop stall, a config rollout, a broker\n"
          "restart for Toxiproxy) or only approximates is listed on stdout and in\n"
          "DIR/not-exported.txt.\n"
          "\n"
          "options:\n"
          "  --to TARGET       chaos-mesh or toxiproxy\n"
          "  --labels FILE     chaos-mesh: how selectors map onto Kubernetes pods: namespace,\n"
          "                    pod names, label selectors (docs/export.md; defaults without it)\n"
          "  --listen HOST:PORT\n"
          "                    toxiproxy: broker 1's proxy listens there, broker N's on\n"
          "                    PORT+N-1 (default 127.0.0.1:29091)\n"
          "  --upstream ADDR   toxiproxy: broker N's address, {id} standing for N\n"
          "                    (default broker-{id}:9092)\n"
          "  --set k=v         override a scenario field first (as stormlab sim)\n"
          "  -o, --out DIR     output directory (default runs/NAME-TARGET)\n"
          "  -h, --help        this help\n"
          "\n"
          "exit codes: 0 ok, 2 bad usage or bad scenario or labels file,\n"
          "3 the output could not be written\n",
          f);
}

/* --listen HOST:PORT: 0 with host and port set, else -1 after the message. */
static int take_listen(const char *arg, char *host, size_t n, int *port) {
    const char *colon = strrchr(arg, ':');
    char *end;
    long p = colon ? strtol(colon + 1, &end, 10) : 0;
    if (!colon || colon == arg || !colon[1] || *end || p < 1 || p > 65535 || (size_t)(colon - arg) >= n) {
        fprintf(stderr, "stormlab export: --listen '%s': expected HOST:PORT, e.g. 127.0.0.1:29091\n", arg);
        return -1;
    }
    snprintf(host, n, "%.*s", (int)(colon - arg), arg);
    *port = (int)p;
    return 0;
}

int sl_cmd_export(int argc, char **argv) {
    static const struct option opts[] = {{"to", required_argument, 0, 't'},     {"labels", required_argument, 0, 'l'},
                                         {"listen", required_argument, 0, 'L'}, {"upstream", required_argument, 0, 'U'},
                                         {"set", required_argument, 0, 'S'},    {"out", required_argument, 0, 'o'},
                                         {"help", no_argument, 0, 'h'},         {0, 0, 0, 0}};
    const char *sets[SL_CLI_MAX_SETS];
    size_t n_sets = 0;
    const char *to = NULL, *labels_path = NULL, *out = NULL, *listen = NULL;
    char listen_host[256] = "127.0.0.1";
    sl_export_toxiproxy_opts_t tp = {.listen_host = listen_host, .listen_port = 29091, .upstream = "broker-{id}:9092"};
    int c, upstream_given = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 't': to = optarg; break;
        case 'l': labels_path = optarg; break;
        case 'L':
            listen = optarg;
            if (take_listen(optarg, listen_host, sizeof listen_host, &tp.listen_port) < 0)
                return SL_EXIT_USAGE;
            break;
        case 'U': tp.upstream = optarg, upstream_given = 1; break;
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
        fprintf(stderr, "stormlab export: missing --to, expected --to chaos-mesh or --to toxiproxy\n");
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    int toxiproxy = !strcmp(to, "toxiproxy");
    if (!toxiproxy && strcmp(to, "chaos-mesh")) {
        fprintf(stderr, "stormlab export: --to '%s': expected chaos-mesh or toxiproxy\n", to);
        return SL_EXIT_USAGE;
    }
    if (toxiproxy && labels_path) {
        fprintf(stderr, "stormlab export: --labels is for --to chaos-mesh (Kubernetes pods)\n");
        return SL_EXIT_USAGE;
    }
    if (!toxiproxy && (listen || upstream_given)) {
        fprintf(stderr, "stormlab export: --listen and --upstream are for --to toxiproxy\n");
        return SL_EXIT_USAGE;
    }
    if (!strchr(tp.upstream, ':') || strchr(tp.upstream, '"') || strchr(tp.upstream, '\\')) {
        fprintf(stderr, "stormlab export: --upstream '%s': expected HOST:PORT with {id} for the broker's id, "
                        "e.g. kafka-{id}.kafka:9092\n", tp.upstream);
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
    int brokers = sl_scenario_cluster(sc)->brokers;
    if (toxiproxy && (tp.listen_port + brokers - 1 > 65535 || (brokers > 1 && !strstr(tp.upstream, "{id}")))) {
        fprintf(stderr, "stormlab export: %s: %d brokers need %s\n", sl_scenario_file(sc), brokers,
                tp.listen_port + brokers - 1 > 65535 ? "--listen ports up to 65535"
                                                    : "{id} in --upstream (one address per broker)");
        sl_scenario_destroy(sc);
        sl_export_labels_destroy(labels);
        return SL_EXIT_USAGE;
    }
    char outbuf[4096];
    if (!out) {
        sl_cli_default_out(sl_scenario_name(sc), toxiproxy ? "-toxiproxy" : "-chaos-mesh", outbuf, sizeof outbuf);
        out = outbuf;
    }
    char *notes = NULL;
    sl_err_t rc = toxiproxy ? sl_export_toxiproxy(sc, &tp, out, &notes, err, sizeof err)
                            : sl_export_chaos_mesh(sc, labels, out, &notes, err, sizeof err);
    int exit_rc = SL_EXIT_OK;
    if (rc != SL_OK) {
        fprintf(stderr, "stormlab export: %s\n", err);
        exit_rc = SL_EXIT_RUN;
    } else {
        printf("stormlab export: %s -> %s/ (%s not-exported.txt)\n", sl_scenario_name(sc), out,
               toxiproxy ? "toxiproxy.json timeline.sh" : "workflow.yaml chaos.yaml");
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
