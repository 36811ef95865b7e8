/*
 * stormlab run SCENARIO: the scenario against a real cluster with real
 * librdkafka clients and the fault proxy (harness/run/, docs/real-runs.md).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report/render.h"
#include "run/run.h"
#include "stormlab/scenario.h"

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

/* The run's table: each group's results, each topic's records. */
static void print_table(const sl_scenario_t *sc, const sl_run_opts_t *o, const sl_run_outcome_t *oc, double wall) {
    printf("stormlab run: %s (seed %" PRIu64 ", cluster %s)%s\n", sl_scenario_name(sc), sl_scenario_seed(sc),
           o->cluster, oc->end == SL_RUN_INTERRUPTED ? " INTERRUPTED" : oc->end == SL_RUN_FAILED ? " FAILED" : "");
    printf("%-20s %10s %10s %13s %13s %12s %10s %10s\n", "group", "rebalances", "generation", "first stable",
           "stable from", "rebalance s", "max lag", "duplicates");
    for (int i = 0; i < oc->results.n_groups; i++) {
        const sl_group_result_t *g = &oc->results.groups[i];
        char first[32] = "never", from[32] = "never";
        if (g->first_stable_s >= 0)
            snprintf(first, sizeof first, "%.1f s", g->first_stable_s);
        if (g->stable_from_s >= 0)
            snprintf(from, sizeof from, "%.1f s", g->stable_from_s);
        printf("%-20s %10d %10d %13s %13s %12.1f %10lld %10lld\n", g->group, g->rebalances, g->generation, first, from,
               g->rebalance_s, (long long)g->max_lag, (long long)g->duplicates);
    }
    for (int t = 0; t < oc->n_records; t++) {
        const sl_run_records_t *r = &oc->records[t];
        if (!r->produced)
            continue;
        char lost[32];
        if (r->verified)
            snprintf(lost, sizeof lost, "%lld", (long long)r->lost);
        else
            snprintf(lost, sizeof lost, "unknown");
        printf("records %s: produced %lld, acked %lld, failed %lld, unacked %lld, lost %s, consumed %lld, "
               "duplicated %lld\n",
               r->topic, (long long)r->produced, (long long)r->acked, (long long)r->failed, (long long)r->unacked, lost,
               (long long)r->consumed, (long long)r->duplicated);
    }
    printf("outputs: %s/ (trace.jsonl series.tsv summary.json log.txt scenario.resolved.yaml)\n", o->out);
    printf("wall time: %.1f s\n", wall);
}

/* What follows a run that wrote its directory: plots and report.html, then
 * the table or summary.json; then why it did not complete, if it did not. */
static void present(const sl_scenario_t *sc, const sl_run_opts_t *o, const sl_run_outcome_t *oc, double wall) {
    if (oc->written) {
        char rerr[8192] = "";
        int render = sl_render_run(o->out, !o->no_plots && oc->end != SL_RUN_INTERRUPTED, rerr, sizeof rerr);
        if (render != SL_RENDER_OK && render != SL_RENDER_NO_GNUPLOT && !o->quiet)
            fprintf(stderr, "stormlab run: plots and report: %s\n", rerr);
        if (o->json)
            sl_cli_cat_file(o->out, "summary.json");
        else if (!o->quiet)
            print_table(sc, o, oc, wall);
    }
    if (oc->end == SL_RUN_INTERRUPTED)
        fprintf(stderr, "stormlab run: interrupted; every fault healed, outputs written to %s (summary.json "
                        "\"interrupted\": true)\n", o->out);
    else if (oc->end == SL_RUN_FAILED)
        fprintf(stderr, "stormlab run: %s\n", oc->failure);
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
    sl_run_outcome_t oc;
    double t0 = sl_wall_seconds();
    sl_err_t rc = sl_realrun(sc, &ro, &oc);
    if (!ro.dry_run)
        present(sc, &ro, &oc, sl_wall_seconds() - t0);
    sl_run_outcome_free(&oc);
    sl_scenario_destroy(sc);
    return rc == SL_OK ? SL_EXIT_OK : rc == SL_E_INVAL ? SL_EXIT_USAGE : SL_EXIT_RUN;
}
