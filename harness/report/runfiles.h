/*
 * A run directory read back into memory (docs/outputs.md): trace.jsonl,
 * series.tsv, summary.json, log.txt and scenario.resolved.yaml.  Plots,
 * report.html and `stormlab explain` all start from this, so a directory
 * written by `stormlab sim` or by a real-cluster run reads the same way.
 */
#ifndef SL_RUNFILES_H
#define SL_RUNFILES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* One trace.jsonl line.  Strings are NULL where the file has null. */
typedef struct sl_rf_event_s {
    int64_t t_us;   /* simulated time, microseconds */
    int64_t seq;    /* == index in sl_run_t.ev (checked on load) */
    int64_t cause;  /* seq of the causing event, -1 for a root */
    int generation; /* -1 when null */
    char *kind, *node, *group, *member, *detail;
    int gi;         /* index of group in sl_run_t.groups, -1 for none */
} sl_rf_event_t;

/* One series.tsv row. */
typedef struct sl_rf_sample_s {
    double t_s;
    const char *state; /* one of sl_run_t.states: a run has a handful, and millions of rows */
    int members, generation, owned, unowned;
    long long lag;
    double consumed_per_s;
    int gi;         /* index of its group in sl_run_t.groups */
} sl_rf_sample_t;

/* One log.txt line: `[HH:MM:SS.mmm] LEVEL node message`. */
typedef struct sl_rf_log_s {
    int64_t t_ms;    /* run time, milliseconds */
    char level[8];   /* INFO, WARN, ERROR, ... */
    char *node;      /* "-" for the injector's [stormlab] lines */
    char *message;   /* after the node */
    int injected;    /* a [stormlab] marker line: no engineer sees it */
} sl_rf_log_t;

typedef struct sl_run_s {
    char *dir;
    char *name;        /* scenario name (resolved yaml, else summary.json) */
    char *description; /* NULL when the scenario has none */
    json_t *summary;   /* summary.json, owned */
    double duration_s; /* summary.json duration_s */
    sl_rf_event_t *ev;
    size_t n_ev;
    sl_rf_sample_t *samples;
    size_t n_samples;
    sl_rf_log_t *log; /* empty when log.txt is absent */
    size_t n_log;
    char **groups; /* group ids in series.tsv order of first appearance */
    size_t n_groups;
    size_t *by_name; /* indexes into groups, sorted by id: lookups are O(log n) */
    char **states;   /* the distinct group states series.tsv names */
    size_t n_states;
} sl_run_t;

/*
 * Reads run directory dir.  trace.jsonl, series.tsv and summary.json are
 * required; log.txt and scenario.resolved.yaml are optional.  On failure
 * returns -1 and puts "PATH[:LINE]: what is wrong" in err; the caller
 * frees a returned run with sl_run_destroy().
 */
int sl_run_load(const char *dir, sl_run_t **out, char *err, size_t errsz);
void sl_run_destroy(sl_run_t *run);

/* Index of the group in run->groups, or -1. */
int sl_run_group_index(const sl_run_t *run, const char *group);

/* Formats microseconds of run time as HH:MM:SS.mmm, as log.txt stamps it. */
void sl_fmt_clock(char *buf, size_t n, int64_t t_us);

#endif
