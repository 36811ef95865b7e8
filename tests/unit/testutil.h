/* Helpers shared by the Check suites. */
#ifndef SL_TESTUTIL_H
#define SL_TESTUTIL_H
#include <stddef.h>
#include "stormlab/stormlab.h"

/* Loads a scenario from a string; fails the test (with the loader's message)
 * when it does not load. */
sl_scenario_t *t_load(const char *yaml);
/* Loads with --set overrides. */
sl_scenario_t *t_load_sets(const char *yaml, const char *const *sets, size_t n);
/* Tries to load; returns the error and copies the message into err. */
sl_err_t t_try_load(const char *yaml, char *err, size_t err_size);
/* Reads a whole file into a new NUL-terminated buffer (caller frees). */
char *t_slurp(const char *path, size_t *len);
#endif

/* ---- running scenarios in tests ---- */
#include <jansson.h>
#include <stdint.h>
#include "model-internal.h"

typedef struct t_run_s {
    sl_scenario_t *sc;
    sl_sim_t *sim;
    char *trace, *log, *series;
    size_t trace_len, log_len, series_len;
    FILE *ftrace, *flog, *fseries;
    json_t **ev; /* trace events by seq, after t_finish() */
    int n_ev;
} t_run_t;

/* printf into a new string (caller frees). */
char *t_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Loads yaml (failing the test if it does not load), builds the simulation
 * with in-memory sinks and starts it at time 0. */
t_run_t *t_start(const char *yaml);
/* Advances simulated time to t_us. */
void t_until(t_run_t *r, int64_t t_us);
/* Runs to the scenario's end, finishes, parses the trace. */
void t_finish(t_run_t *r);
/* t_start + t_finish. */
t_run_t *t_run(const char *yaml);
/* t_run on a file of the source tree, e.g. "scenarios/steady-state.yaml". */
t_run_t *t_run_file(const char *source_path);
/* A 5-minute scenario: topic orders (12 partitions, replication 3, 100/s)
 * and group billing of `members` members reading it; `extra` adds group
 * fields (or NULL), `events` is the timeline (NULL or "" for none).
 * Caller frees. */
char *t_group_yaml(const char *name, int seed, int members, const char *extra, const char *events);
/* t_start / t_run on a yaml string built for the call (t_fmt, a suite's
 * scenario()): they free it. */
t_run_t *t_start_owned(char *yaml);
t_run_t *t_run_owned(char *yaml);
void t_free(t_run_t *r);
/* Trace events of kind (and on node, if not NULL) within [from_us, to_us). */
int t_count(const t_run_t *r, const char *kind, const char *node, int64_t from_us, int64_t to_us);
/* The first such event at or after from_us, or NULL. */
json_t *t_first(const t_run_t *r, const char *kind, const char *node, int64_t from_us);
int64_t t_ev_time(const json_t *ev);
int64_t t_ev_seq(const json_t *ev);
/* Follows cause links from seq to the root; returns the root event. */
json_t *t_root(const t_run_t *r, int64_t seq);
sl_group_result_t t_group(const t_run_t *r, int i);

#define T_S(x) ((int64_t)((x) * 1000000.0))
