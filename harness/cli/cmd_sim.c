/*
 * stormlab sim SCENARIO: load, run on the simulator, write the run
 * directory, print a short human summary.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <signal.h>
#include <unistd.h>

#include "cli.h"
#include "report/render.h"
#include "stormlab/stormlab.h"

#define MAX_TABLE_GROUPS 20 /* rows of the human summary */

static void usage(FILE *f) {
    fputs("usage: stormlab sim SCENARIO [--seed N] [--set PATH=VALUE]... [--out DIR] [--no-plots] [--impact] [--json] [--quiet]\n"
          "\n"
          "Runs SCENARIO on the deterministic simulator and writes trace.jsonl, series.tsv,\n"
          "summary.json, log.txt and scenario.resolved.yaml into DIR.  The same scenario\n"
          "and seed always give byte-identical outputs.  Then draws DIR/plots/ with gnuplot\n"
          "(when installed) and writes DIR/report.html.\n"
          "\n"
          "options:\n"
          "  --seed N          seed (default: the scenario's `seed:`, else 1); 0 is a seed\n"
          "  --set PATH=VALUE  override a field, e.g. groups.billing.session_timeout=10s\n"
          "                    (repeatable; see docs/scenarios.md)\n"
          "  -o, --out DIR     run directory (default: runs/<scenario name>)\n"
          "  --no-plots        skip the plots (DIR/report.html is still written)\n"
          "  --impact          also run the scenario once per event with that event removed\n"
          "                    and write each event's effect as `impact` in summary.json\n"
          "                    (docs/outputs.md); stormlab explain shows it\n"
          "  --json            print summary.json to stdout instead of the table\n"
          "  -q, --quiet       print nothing on success\n"
          "  -h, --help        this help\n"
          "\n"
          "exit codes: 0 ok, 2 bad usage or bad scenario, 3 outputs could not be written\n",
          f);
}

/* The run's temporary files, for the signal handler: a sim killed by
 * SIGINT, SIGTERM or SIGHUP (a timeout, a closed terminal) removes them
 * and dies of the signal, leaving no half-written file behind. */
#define MAX_PARTIALS 8
static char partials[MAX_PARTIALS][4096];
static volatile sig_atomic_t n_partials;

static void remove_partials_and_die(int sig) {
    for (int i = 0; i < n_partials; i++)
        unlink(partials[i]); /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void guard_partials(const char *out) {
    int n = sl_output_partials(out, partials, MAX_PARTIALS - 1);
    if (snprintf(partials[n], sizeof partials[n], "%s/.report.html.partial", out) < (int)sizeof partials[n])
        n++;
    n_partials = n;
    struct sigaction sa = {0};
    sa.sa_handler = remove_partials_and_die;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

static void fmt_s(char *buf, size_t n, double v) {
    if (v < 0)
        snprintf(buf, n, "never");
    else
        snprintf(buf, n, "%.1f s", v);
}

/* The run's table as text, so that the run's memory can go before the report is built. */
static char *table_text(sl_sim_t *sim, const sl_scenario_t *sc) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    sl_cluster_result_t c;
    sl_sim_cluster_result(sim, &c);
    fprintf(f, "stormlab sim: %s (seed %" PRIu64 ")\n", sl_scenario_name(sc), sl_scenario_seed(sc));
    fprintf(f, "%-20s %10s %10s %13s %13s %12s %10s %10s\n", "group", "rebalances", "generation", "first stable",
           "stable from", "rebalance s", "max lag", "duplicates");
    /* Many groups: the ones that rebalanced most first, the rest in summary.json. */
    int n = sl_sim_group_count(sim), shown = n > MAX_TABLE_GROUPS ? MAX_TABLE_GROUPS : n;
    int *order = malloc((size_t)(n ? n : 1) * sizeof *order);
    for (int i = 0; i < n; i++)
        order[i] = i;
    if (n > MAX_TABLE_GROUPS) {
        for (int i = 1; i < n; i++) { /* stable insertion sort by rebalances, descending */
            int x = order[i], j = i - 1;
            sl_group_result_t rx, rj;
            sl_sim_group_result(sim, x, &rx);
            while (j >= 0 && (sl_sim_group_result(sim, order[j], &rj), rj.rebalances < rx.rebalances)) {
                order[j + 1] = order[j];
                j--;
            }
            order[j + 1] = x;
        }
    }
    for (int k = 0; k < shown; k++) {
        sl_group_result_t r;
        sl_sim_group_result(sim, order[k], &r);
        char first[32], from[32];
        fmt_s(first, sizeof first, r.first_stable_s);
        fmt_s(from, sizeof from, r.stable_from_s);
        fprintf(f, "%-20s %10d %10d %13s %13s %12.1f %10lld %10lld\n", r.group, r.rebalances, r.generation, first, from,
               r.rebalance_s, (long long)r.max_lag, (long long)r.duplicates);
    }
    if (shown < n)
        fprintf(f, "... and %d more groups (the %d with the most rebalances are shown; all are in summary.json)\n",
               n - shown, shown);
    free(order);
    fprintf(f, "cluster: %.1f unavailable partition-s, %lld produce errors, %lld lost records\n",
            c.unavailable_partition_s, (long long)c.produce_errors, (long long)c.lost_records);
    fclose(f);
    return text;
}

int sl_cmd_sim(int argc, char **argv) {
    static const struct option opts[] = {
        {"seed", required_argument, 0, 's'}, {"set", required_argument, 0, 'S'}, {"out", required_argument, 0, 'o'},
        {"no-plots", no_argument, 0, 'P'},   {"impact", no_argument, 0, 'I'},   {"json", no_argument, 0, 'j'},      {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},       {0, 0, 0, 0}};
    const char *sets[SL_CLI_MAX_SETS];
    size_t n_sets = 0;
    const char *out = NULL;
    uint64_t seed = 0;
    int have_seed = 0, json = 0, quiet = 0, no_plots = 0, impact = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hqo:", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (sl_cli_take_seed("sim", optarg, &seed, &have_seed) < 0)
                return SL_EXIT_USAGE;
            break;
        case 'S':
            if (sl_cli_take_set("sim", optarg, sets, &n_sets) < 0)
                return SL_EXIT_USAGE;
            break;
        case 'o': out = optarg; break;
        case 'P': no_plots = 1; break;
        case 'I': impact = 1; break;
        case 'j': json = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return SL_EXIT_OK;
        default: return sl_cli_bad_option("sim", argv[optind - 1], usage);
        }
    }
    if (sl_cli_one_operand("sim", "SCENARIO", argc, optind, usage) < 0)
        return SL_EXIT_USAGE;
    const char *path = argv[optind];
    char err[2048] = "";
    sl_scenario_t *sc;
    int load = sl_cli_load_scenario(path, sets, n_sets, have_seed, seed, &sc, err, sizeof err);
    if (load != SL_EXIT_OK)
        return load;
    char outbuf[4096];
    if (!out) {
        sl_cli_default_out(sl_scenario_name(sc), "", outbuf, sizeof outbuf);
        out = outbuf;
    }
    guard_partials(out);
    double t0 = sl_wall_seconds();
    sl_sim_t *sim = NULL;
    sl_err_t rc = sl_sim_run_to_dir_opts(sc, out, impact ? SL_RUN_IMPACT : 0, &sim, err, sizeof err);
    double wall = sl_wall_seconds() - t0;
    if (rc != SL_OK) {
        fprintf(stderr, "stormlab: %s\n", err[0] ? err : sl_strerror(rc));
        sl_scenario_destroy(sc);
        return rc == SL_E_INVAL ? SL_EXIT_USAGE : SL_EXIT_RUN;
    }
    char *table = json || quiet ? NULL : table_text(sim, sc);
    /* The run's memory goes before the report reads the outputs back: the
     * two are the largest a run holds, and need not be held at once. */
    sl_sim_destroy(sim);
    /* plots and report.html (harness/report/render.c); a missing gnuplot is not a failed run */
    char rerr[8192] = "";
    int render = sl_render_run(out, !no_plots, rerr, sizeof rerr), exit_rc = SL_EXIT_OK;
    if (json) {
        sl_cli_cat_file(out, "summary.json"); /* as written, impact included */
    } else if (!quiet) {
        fputs(table ? table : "", stdout);
        printf("outputs: %s/ (trace.jsonl series.tsv summary.json log.txt scenario.resolved.yaml%s)\n", out,
               render == SL_RENDER_OK && !no_plots ? " plots/ report.html" : " report.html");
        printf("wall time: %.2f s\n", wall);
    }
    free(table);
    if (render == SL_RENDER_NO_GNUPLOT) {
        if (!quiet)
            fprintf(stderr, "stormlab sim: %s\n", rerr);
    } else if (render != SL_RENDER_OK) {
        fprintf(stderr, "stormlab sim: plots and report: %s\n", rerr);
        exit_rc = SL_EXIT_RUN;
    }
    sl_scenario_destroy(sc);
    return exit_rc;
}
