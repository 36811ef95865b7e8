/*
 * `stormlab run`: a scenario against a real cluster (docs/real-runs.md).
 * The command line (harness/cli/cmd_run.c, cmd_check.c) fills the options;
 * sl_realrun() runs the scenario, writes the run directory and returns what
 * happened (sl_run_outcome_t); the caller presents it (table, JSON, plots,
 * report.html, gates).
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
    int progress;             /* live progress line on stderr (a TTY) */
} sl_run_opts_t;

/* How the scenario part of a run ended (summary.json's "interrupted" and
 * "failed"). */
typedef enum sl_run_end_e {
    SL_RUN_NOT_STARTED = 0, /* nothing ran (bad input, set-up failed, dry run) */
    SL_RUN_COMPLETE,        /* the scenario's duration reached */
    SL_RUN_INTERRUPTED,     /* SIGINT, SIGTERM or SIGHUP */
    SL_RUN_FAILED           /* a fatal error (a broker command, a client) */
} sl_run_end_t;

/* One topic's record accounting (summary.json's "records"). */
typedef struct sl_run_records_s {
    const char *topic;        /* owned by the scenario */
    int64_t produced, acked, failed, unacked, in_log, lost, consumed, duplicated, unconsumed;
    int verified;             /* the log was read back: lost is known */
} sl_run_records_t;

/* What a run gives back besides its files.  results and records are
 * filled when the outputs were written (written != 0), whatever the end. */
typedef struct sl_run_outcome_s {
    sl_run_end_t end;
    int written;              /* the run directory holds the five files, whole */
    char failure[512];        /* why the run failed (end == SL_RUN_FAILED) */
    sl_run_results_t results; /* summary.json's values */
    sl_run_records_t *records; /* [topic] */
    int n_records;
} sl_run_outcome_t;

/* Frees what sl_realrun() put in *oc (not oc itself). */
void sl_run_outcome_free(sl_run_outcome_t *oc);

/* Runs sc and fills *oc (zeroed first).  SL_OK: the run completed and its
 * outputs are written.  SL_E_INVAL: bad input, nothing ran (the message is
 * on stderr).  SL_E_IO: the run could not be carried out (cluster
 * unreachable, a broker command failed, interrupted, outputs not written,
 * faults left for `stormlab heal`); oc says how far it came. */
sl_err_t sl_realrun(const sl_scenario_t *sc, const sl_run_opts_t *o, sl_run_outcome_t *oc);

#endif
