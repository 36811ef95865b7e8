/*
 * stormlab run SCENARIO: the scenario against a real cluster with real
 * librdkafka clients and the fault proxy (harness/run/, docs/real-runs.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "run/run.h"
#include "stormlab/stormlab.h"


static void usage(FILE *f) {
    fputs("usage: stormlab run SCENARIO [--cluster mock|kafka] [--bootstrap HOST:PORT,...] [--cluster-file F]\n"
          "                    [--seed N] [--set PATH=VALUE]... [--out DIR] [--state-dir DIR] [--no-plots] [--dry-run]\n"
          "                    [--json] [--quiet]\n"
          "\n"
          "Runs SCENARIO in real time against a real cluster: librdkafka's embedded mock cluster\n"
          "(--cluster mock, the default) or an existing Kafka cluster (--cluster kafka).  Members\n"
          "and producers are real librdkafka clients; every client->broker connection goes\n"
          "through its own fault-proxy link, so a partition cuts exactly the links it names.\n"
          "Writes the simulator's outputs (trace.jsonl, series.tsv, summary.json, log.txt,\n"
          "scenario.resolved.yaml) into DIR, with record accounting (produced, acked, consumed,\n"
          "lost, duplicated).  SIGINT/SIGTERM heal every fault, bring brokers back, close the\n"
          "clients and still write the outputs (summary.json \"interrupted\": true).  Even a run\n"
          "killed with SIGKILL is healed: every fault is recorded in a heal state file before\n"
          "it is injected, and the next `stormlab run` (or `stormlab heal`) undoes what it left.\n"
          "\n"
          "options:\n"
          "  --cluster KIND         mock (default) or kafka\n"
          "  --bootstrap LIST       kafka: bootstrap servers (else the cluster file's bootstrap:)\n"
          "  --cluster-file F       kafka: broker commands and safety settings (docs/real-runs.md)\n"
          "  --seed N               seed (default: the scenario's); --set PATH=VALUE as for sim\n"
          "  -o, --out DIR          run directory (default: runs/<scenario name>-run)\n"
          "  --state-dir DIR        heal state files (default $STORMLAB_STATE_DIR, else\n"
          "                         $XDG_STATE_HOME/stormlab or ~/.local/state/stormlab)\n"
          "  --no-plots             skip the plots (report.html is still written)\n"
          "  --dry-run              print the plan and every broker command; touch nothing\n"
          "  --json                 print summary.json instead of the table\n"
          "  -q, --quiet            print nothing on success (no progress line either)\n"
          "  -h, --help             this help\n"
          "\n"
          "client: java groups run real Apache Kafka Java consumers (a JVM per member; needs a JDK\n"
          "17+ and Maven once) on --cluster kafka only; so do protocol: consumer (KIP-848) groups.\n"
          "librdkafka groups: no KIP-848, no assignor: sticky (eager).  On the mock: no Java\n"
          "groups, no static membership.  Such files exit 2.\n"
          "\n"
          "exit codes: 0 ok, 2 bad usage or input (nothing ran), 3 the run could not be carried\n"
          "out (cluster unreachable, a broker command failed, interrupted)\n",
          f);
}

int sl_cmd_run(int argc, char **argv) {
    static const struct option opts[] = {{"cluster", required_argument, 0, 'c'}, {"bootstrap", required_argument, 0, 'b'},
                                         {"cluster-file", required_argument, 0, 'f'}, {"seed", required_argument, 0, 's'},
                                         {"set", required_argument, 0, 'S'},     {"out", required_argument, 0, 'o'},
                                         {"no-plots", no_argument, 0, 'P'},      {"dry-run", no_argument, 0, 'n'},
                                         {"json", no_argument, 0, 'j'},          {"quiet", no_argument, 0, 'q'},
                                         {"state-dir", required_argument, 0, 'D'},
                                         {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    const char *sets[SL_CLI_MAX_SETS];
    size_t n_sets = 0;
    sl_run_opts_t ro = {0};
    ro.cluster = "mock";
    uint64_t seed = 0;
    int have_seed = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hqo:", opts, NULL)) != -1) {
        switch (c) {
        case 'c': ro.cluster = optarg; break;
        case 'b': ro.bootstrap = optarg; break;
        case 'f': ro.cluster_file = optarg; break;
        case 's':
            if (sl_cli_take_seed("run", optarg, &seed, &have_seed) < 0)
                return SL_EXIT_USAGE;
            break;
        case 'S':
            if (sl_cli_take_set("run", optarg, sets, &n_sets) < 0)
                return SL_EXIT_USAGE;
            break;
        case 'o': ro.out = optarg; break;
        case 'D': ro.state_dir = optarg; break;
        case 'P': ro.no_plots = 1; break;
        case 'n': ro.dry_run = 1; break;
        case 'j': ro.json = 1; break;
        case 'q': ro.quiet = 1; break;
        case 'h': usage(stdout); return SL_EXIT_OK;
        default: return sl_cli_bad_option("run", argv[optind - 1], usage);
        }
    }
    if (sl_cli_one_operand("run", "SCENARIO", argc, optind, usage) < 0)
        return SL_EXIT_USAGE;
    if (strcmp(ro.cluster, "mock") && strcmp(ro.cluster, "kafka")) {
        fprintf(stderr, "stormlab run: --cluster '%s': expected mock or kafka\n", ro.cluster);
        return SL_EXIT_USAGE;
    }
    if (!strcmp(ro.cluster, "mock") && (ro.bootstrap || ro.cluster_file)) {
        fprintf(stderr, "stormlab run: --bootstrap and --cluster-file go with --cluster kafka\n");
        return SL_EXIT_USAGE;
    }
    char err[2048] = "";
    sl_scenario_t *sc;
    int load = sl_cli_load_scenario(argv[optind], sets, n_sets, have_seed, seed, &sc, err, sizeof err);
    if (load != SL_EXIT_OK)
        return load;
    char outbuf[4096];
    if (!ro.out) {
        sl_cli_default_out(sl_scenario_name(sc), "-run", outbuf, sizeof outbuf);
        ro.out = outbuf;
    }
    ro.progress = !ro.quiet && !ro.json && isatty(2);
    int exit_rc = sl_realrun(sc, &ro);
    sl_scenario_destroy(sc);
    return exit_rc;
}
