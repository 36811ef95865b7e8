/*
 * `stormlab run`: a scenario against a real cluster (docs/real-runs.md).  The
 * command line (harness/cli/cmd_run.c) fills the options; sl_realrun() does
 * the rest and returns the process exit code.
 */
#ifndef SL_RUN_H
#define SL_RUN_H

#include <stddef.h>

#include "stormlab/stormlab.h"

typedef struct sl_run_opts_s {
    const char *cluster;      /* "mock" (default) or "kafka" */
    const char *bootstrap;    /* kafka: HOST:PORT,... */
    const char *cluster_file; /* kafka: the cluster file */
    const char *out;          /* run directory */
    const char *state_dir;    /* heal state files (NULL: sl_heal_state_dir()'s default) */
    int dry_run;              /* print the plan and the commands, touch nothing */
    int no_plots;
    int quiet;
    int json;                 /* summary.json on stdout */
    int progress;             /* live progress line (stderr is a TTY) */
    sl_run_results_t *results;    /* if not NULL: filled with the results (summary.json's
                                 values) of a complete run; sl_run_results_free() them */
} sl_run_opts_t;

/* Runs sc; returns 0 ok, 2 bad input (nothing ran), 3 the run could not be
 * carried out (outputs are still written when the run had started). */
int sl_realrun(const sl_scenario_t *sc, const sl_run_opts_t *o);

#endif
