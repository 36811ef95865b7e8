/*
 * stormlab heal: undoes what `stormlab run`s that did not finish left
 * behind (harness/run/heal.h, docs/reliability.md).
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "run/heal.h"

static void usage(FILE *f) {
    fputs("usage: stormlab heal [--state-dir DIR] [--dry-run] [--quiet]\n"
          "\n"
          "Undoes what real runs that did not finish left behind.  Every `stormlab run` records\n"
          "each fault in a heal state file before injecting it, with the command that undoes it\n"
          "when something outside its own process must be undone (a broker stopped, killed or\n"
          "paused through the cluster file).  A run killed outright (SIGKILL, a crash, the\n"
          "machine's OOM killer) cannot heal itself: heal runs those commands, newest first,\n"
          "removes the run's unfinished outputs (.NAME.partial) and deletes the state file.\n"
          "Faults that lived in the run's own process (the fault proxy's toxics, the mock\n"
          "cluster) died with it and are only listed.  Runs still going are left alone.\n"
          "`stormlab run` does the same before it starts.\n"
          "\n"
          "options:\n"
          "  --state-dir DIR  where the state files are (default $STORMLAB_STATE_DIR, else\n"
          "                   $XDG_STATE_HOME/stormlab or ~/.local/state/stormlab)\n"
          "  -n, --dry-run    print what would be done; change nothing\n"
          "  -q, --quiet      print nothing when there is nothing to heal\n"
          "  -h, --help       this help\n"
          "\n"
          "exit codes: 0 everything healed (or nothing to heal), 2 bad usage, 3 an undo command\n"
          "failed or a state file is unreadable (kept: run heal again once fixed)\n",
          f);
}

int sl_cmd_heal(int argc, char **argv) {
    static const struct option opts[] = {{"state-dir", required_argument, 0, 'D'},
                                         {"dry-run", no_argument, 0, 'n'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *dir = NULL;
    int dry = 0, quiet = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "nqh", opts, NULL)) != -1) {
        switch (c) {
        case 'D': dir = optarg; break;
        case 'n': dry = 1; break;
        case 'q': quiet = 1; break;
        case 'h': usage(stdout); return SL_EXIT_OK;
        default: return sl_cli_bad_option("heal", argv[optind - 1], usage);
        }
    }
    if (optind != argc) {
        fprintf(stderr, "stormlab heal: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return SL_EXIT_USAGE;
    }
    char state_dir[4096], err[1024] = "";
    if (sl_heal_state_dir(dir, state_dir, sizeof state_dir, err, sizeof err) < 0) {
        fprintf(stderr, "stormlab heal: %s\n", err);
        return SL_EXIT_RUN;
    }
    sl_heal_stats_t st;
    int rc = sl_heal_leftovers(state_dir, dry, stdout, &st, err, sizeof err);
    if (err[0])
        fprintf(stderr, "stormlab heal: %s\n", err);
    if (!st.runs && !st.failed) {
        if (!quiet)
            printf("stormlab heal: nothing to heal in %s%s\n", state_dir,
                   st.live ? " (runs still going are left alone)" : "");
    } else if (!dry) {
        printf("stormlab heal: %d run%s: %d undo command%s run, %d in-process fault%s listed, %d unfinished "
               "output%s removed%s\n",
               st.runs, st.runs == 1 ? "" : "s", st.commands, st.commands == 1 ? "" : "s", st.in_process,
               st.in_process == 1 ? "" : "s", st.partials, st.partials == 1 ? "" : "s",
               st.failed ? "; FAILURES above" : "");
    }
    return rc < 0 ? SL_EXIT_RUN : SL_EXIT_OK;
}
