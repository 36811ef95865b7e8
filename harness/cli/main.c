/*
 * stormlab: the command line.  Each subcommand lives in its own file
 * (cmd_<name>.c); this one only dispatches.
 * Exit codes (README.md, "The command line"): 0 ok, 1 an expectation failed, 2 bad usage or bad
 * input, 3 the run could not be carried out.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "common/hugepages.h"
#include "datadirs.h"
#ifdef SL_HAVE_PROXY
#include "proxy/proxy_cli.h"
#endif

static void usage(FILE *f) {
    fputs("usage: stormlab COMMAND [ARGS]\n"
          "\n"
          "A chaos lab for Kafka consumer-group rebalance storms.\n"
          "\n"
          "commands:\n"
          "  sim SCENARIO        run a scenario on the deterministic simulator\n"
#ifdef SL_HAVE_RUN
          "  run SCENARIO        run it in real time: real librdkafka clients, mock or real Kafka\n"
          "  heal                undo what a killed `stormlab run` left behind\n"
#endif
          "  explain DIR         the cause chain behind each rebalance of a run\n"
          "  plot DIR            render a run's plots and report.html (needs gnuplot)\n"
          "  check SCENARIO...   run scenarios and gate on their expect: blocks (CI, JUnit)\n"
          "  sweep SCENARIO      run a grid of --vary overrides in parallel; results.tsv\n"
          "  advise SCENARIO     which settings or operator actions would have kept every gate\n"
          "  lint FILE...        flag storm-prone Kafka consumer/broker properties\n"
          "  compare A B         two run directories side by side (e.g. sim vs real), overlay plots\n"
          "  export SCENARIO     the scenario's faults as Chaos Mesh or Toxiproxy input, for a staging cluster\n"
#ifdef SL_HAVE_PROXY
          "  proxy               run the fault proxy (Toxiproxy-compatible HTTP API)\n"
#endif
          "  help [COMMAND]      show help for a command\n"
          "  version, --version  print the version\n"
          "\n"
          "Run 'stormlab COMMAND --help' for a command's options.\n"
          "Scenario format: docs/scenarios.md.\n"
          "\n"
          "exit codes: 0 ok, 1 an expectation failed, 2 bad usage or input, 3 a run could\n"
          "not be carried out\n",
          f);
}

/* The commands that simulate or read whole runs: hundreds of MiB on large ones. */
static int touches_much_memory(const char *cmd) {
    static const char *const heavy[] = {"sim", "check", "sweep", "advise", "explain", "plot", "compare"};
    for (size_t i = 0; i < sizeof heavy / sizeof *heavy; i++)
        if (!strcmp(cmd, heavy[i]))
            return 1;
    return 0;
}

int main(int argc, char **argv) {
    static char help_flag[] = "--help";
    char *help_argv[4];
    /* Children are waited for (gnuplot, workers, clients): a SIGCHLD ignored
     * by whoever started us would have the kernel reap them first. */
    signal(SIGCHLD, SIG_DFL);
    if (argc >= 2 && touches_much_memory(argv[1]))
        sl_hugepages_reexec(argv);
    sl_cli_locate_data();
    if (argc < 2) {
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
        usage(stdout);
        return SL_EXIT_OK;
    }
    if (!strcmp(cmd, "help")) {
        if (argc >= 3 && !strcmp(argv[2], "--set-paths")) /* for shell completion */
            return sl_cli_set_paths(argc - 3, argv + 3);
        if (argc < 3) {
            usage(stdout);
            return SL_EXIT_OK;
        }
        help_argv[0] = argv[0];
        help_argv[1] = argv[2];
        help_argv[2] = help_flag;
        help_argv[3] = NULL;
        argc = 3;
        argv = help_argv;
        cmd = argv[1];
    }
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("stormlab %s\n", SL_VERSION);
        return SL_EXIT_OK;
    }
    if (!strcmp(cmd, "sim"))
        return sl_cmd_sim(argc - 1, argv + 1);
#ifdef SL_HAVE_RUN
    if (!strcmp(cmd, "run"))
        return sl_cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "heal"))
        return sl_cmd_heal(argc - 1, argv + 1);
#endif
    if (!strcmp(cmd, "explain"))
        return sl_cmd_explain(argc - 1, argv + 1);
    if (!strcmp(cmd, "plot"))
        return sl_cmd_plot(argc - 1, argv + 1);
    if (!strcmp(cmd, "check"))
        return sl_cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "advise"))
        return sl_cmd_advise(argc - 1, argv + 1);
    if (!strcmp(cmd, "sweep"))
        return sl_cmd_sweep(argc - 1, argv + 1);
    if (!strcmp(cmd, "lint"))
        return sl_cmd_lint(argc - 1, argv + 1);
    if (!strcmp(cmd, "compare"))
        return sl_cmd_compare(argc - 1, argv + 1);
    if (!strcmp(cmd, "export"))
        return sl_cmd_export(argc - 1, argv + 1);
#ifdef SL_HAVE_PROXY
    if (!strcmp(cmd, "proxy"))
        return sl_proxy_cli_main(argc - 1, argv + 1);
#endif
    fprintf(stderr, "stormlab: unknown command '%s'\n", cmd);
    usage(stderr);
    return SL_EXIT_USAGE;
}
