/**
 * stormlab public API.
 *
 * One prefix (sl_), opaque handles, paired new/destroy verbs.  Every
 * function that can fail returns an sl_err_t (0 is OK, failures negative)
 * and, where a message helps, fills the caller's errstr buffer.
 *
 * Thread safety: handles are not shared between threads; distinct handles
 * are independent (the simulator keeps no global state).
 *
 * Out of memory: everything that builds or writes (loading a scenario,
 * sl_sim_new(), sl_impact_compute(), the writers) returns SL_E_NOMEM and
 * leaves nothing half made.  Once sl_sim_run() (or a function that runs a
 * simulation) has started, the model cannot unwind an event it has half
 * applied: an allocation failure there prints "stormlab: out of memory
 * during the simulation" and aborts the process, rather than report
 * numbers from a broken state.
 */
#ifndef STORMLAB_H
#define STORMLAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Error codes.  sl_strerror() describes each. */
typedef enum sl_err_e {
    SL_OK = 0,
    SL_E_INVAL = -1,   /**< bad input: scenario, override, argument */
    SL_E_NOMEM = -2,   /**< out of memory */
    SL_E_IO = -3,      /**< file could not be read or written */
    SL_E_LIMIT = -4,   /**< input exceeds a hard limit (size, nesting, ...) */
    SL_E_STATE = -5,   /**< call not valid in the handle's current state */
    SL_E__COUNT = 6
} sl_err_t;

/** A static string describing err; never NULL. */
const char *sl_strerror(sl_err_t err);

/** A loaded, validated scenario with every default resolved. */
typedef struct sl_scenario_s sl_scenario_t;
/** One simulation of a scenario. */
typedef struct sl_sim_s sl_sim_t;

/**
 * Load a scenario file.
 *
 * @param path     YAML file to read.
 * @param sets     `path=value` overrides (`--set`, docs/scenarios.md), applied before
 *                 validation; may be NULL when n_sets is 0.
 * @param out      on success, a new scenario the caller frees with
 *                 sl_scenario_destroy().  Untouched on failure.
 * @param errstr   on failure, "file:line:col: message".
 * @return SL_OK, SL_E_INVAL (bad content), SL_E_LIMIT, SL_E_IO, SL_E_NOMEM.
 */
sl_err_t sl_scenario_load_file(const char *path, const char *const *sets,
                               size_t n_sets, sl_scenario_t **out,
                               char *errstr, size_t errstr_size);

/** As sl_scenario_load_file() from a buffer; name is used in messages. */
sl_err_t sl_scenario_load_buffer(const char *name, const char *buf, size_t len,
                                 const char *const *sets, size_t n_sets,
                                 sl_scenario_t **out, char *errstr,
                                 size_t errstr_size);

/** Frees a scenario; NULL is a no-op. */
void sl_scenario_destroy(sl_scenario_t *sc);

/** The scenario's name (owned by sc). */
const char *sl_scenario_name(const sl_scenario_t *sc);
/** The seed the run will use. */
uint64_t sl_scenario_seed(const sl_scenario_t *sc);
/** Replaces the seed (`--seed`).  Seed 0 is a seed like any other. */
void sl_scenario_set_seed(sl_scenario_t *sc, uint64_t seed);

/**
 * Writes the resolved scenario (every default filled in, the seed set) as
 * YAML.  Loading that text again yields an identical scenario, so the run
 * is reproduced byte for byte.
 */
sl_err_t sl_scenario_write_resolved(const sl_scenario_t *sc, FILE *out);


/** Where a simulation writes.  Any sink may be NULL (not written). */
typedef struct sl_sinks_s {
    FILE *trace;   /**< trace.jsonl */
    FILE *series;  /**< series.tsv */
    FILE *log;     /**< log.txt */
} sl_sinks_t;

/**
 * Creates a simulation of sc.  sc must outlive the simulation; it is not
 * modified.  sinks is copied; the FILEs stay the caller's.
 */
sl_err_t sl_sim_new(const sl_scenario_t *sc, const sl_sinks_t *sinks,
                    sl_sim_t **out, char *errstr, size_t errstr_size);

/** Runs the simulation to the scenario's duration. */
sl_err_t sl_sim_run(sl_sim_t *sim);

/** Writes summary.json (docs/outputs.md) after sl_sim_run(). */
sl_err_t sl_sim_write_summary(const sl_sim_t *sim, FILE *out);

/** Frees a simulation; NULL is a no-op. */
void sl_sim_destroy(sl_sim_t *sim);

/**
 * Creates path as a new regular file for writing: whatever is already at
 * path (a stale partial file, or a symlink someone planted there) is
 * removed first, then the file is opened with O_CREAT|O_EXCL|O_NOFOLLOW, so
 * output never goes through a symlink into another file.  The one way
 * stormlab creates an output file (simulator and harness alike); meant for
 * the temporary names (".NAME.partial") that are renamed when complete.
 * NULL with errno on failure.
 */
FILE *sl_output_create(const char *path);

/**
 * The temporary paths sl_sim_run_to_dir() and `stormlab run` write dir's
 * files under ("DIR/.trace.jsonl.partial", ...): up to max of them into
 * paths[], returning how many there are.  A signal handler unlinks them so
 * a killed run leaves nothing half-written.
 */
int sl_output_partials(const char *dir, char (*paths)[4096], int max);

/**
 * Runs sc and writes trace.jsonl, series.tsv, summary.json, log.txt and
 * scenario.resolved.yaml into dir (created if absent).  Each file is
 * written under a temporary name and renamed when complete, so an
 * interrupted run never leaves a file that looks complete.
 * On success, *sim_out (if not NULL) receives the finished simulation for
 * the caller to query and destroy.
 */
sl_err_t sl_sim_run_to_dir(const sl_scenario_t *sc, const char *dir,
                           sl_sim_t **sim_out, char *errstr,
                           size_t errstr_size);

/** sl_sim_run_to_dir_opts() flags. */
#define SL_RUN_IMPACT 1u /**< add `impact` to summary.json (sl_impact_compute()) */

/** As sl_sim_run_to_dir(), with SL_RUN_* flags. */
sl_err_t sl_sim_run_to_dir_opts(const sl_scenario_t *sc, const char *dir, unsigned flags, sl_sim_t **sim_out,
                                char *errstr, size_t errstr_size);

/** Per-group results after a run, summary.json keys (docs/outputs.md). */
typedef struct sl_group_result_s {
    const char *group;          /**< owned by the simulation */
    int rebalances;
    int generation;
    double rebalance_s;
    double unowned_partition_s;
    int64_t max_lag;
    int64_t duplicates;
    double first_stable_s;      /**< -1 when never stable */
    double stable_from_s;       /**< -1 when the run ends unstable */
    double rebalance_latency_s; /**< the coordinator's time in rebalances after first stable
                                     (docs/outputs.md); -1 when not measured (real runs) */
    int crashed_members;        /**< consumers stopped by a fatal error (InvalidSessionTimeoutException) */
} sl_group_result_t;

/** Number of groups in the finished simulation. */
int sl_sim_group_count(const sl_sim_t *sim);
/** Results of group i (0-based); returns SL_E_INVAL when out of range. */
sl_err_t sl_sim_group_result(const sl_sim_t *sim, int i, sl_group_result_t *out);

/** Cluster-wide results. */
typedef struct sl_cluster_result_s {
    double unavailable_partition_s;
    int64_t produce_errors;
    int64_t lost_records;
    int64_t produced_records;
} sl_cluster_result_t;
void sl_sim_cluster_result(const sl_sim_t *sim, sl_cluster_result_t *out);

/** One `expect:` gate evaluated against a finished run. */
typedef struct sl_expect_result_s {
    const char *group;   /**< group id, or NULL for a cluster metric (owned by the scenario) */
    const char *metric;  /**< e.g. "rebalances", "stable_by", "lost_records" (static) */
    int has_min, has_max;
    double min, max;     /**< bounds; seconds for *_s metrics and stable_by */
    int has_value;       /**< 0 when the run gives no value (stable_by of a run that ends unsettled) */
    double value;        /**< the run's value; stable_by reads stable_from_s */
    int passed;          /**< value present and within the bounds */
    int line, col;       /**< where the gate is written in the scenario */
    /* `impact:` gates (docs/scenarios.md#impact-gates): value is an event's
     * delta (this run minus the run without the event), summed over the
     * groups when group is NULL and the metric is a group's; metric
     * "verdict" checks the event's verdict instead.  A gate over several
     * events passes when each does; its value is the first breaching
     * event's, else the one closest to the bound. */
    int is_impact;
    const char *selector;       /**< "every event", "every fault", "every action" or "event" (static) */
    int event;                  /**< the event the value is of; -1 when the gate covers none */
    int n_events;               /**< events the gate covers */
    const char *verdict;        /**< verdict gates: that event's verdict (static) */
    const char *verdict_bound;  /**< verdict gates: "not-worse", "worse", ... (static) */
} sl_expect_result_t;

/**
 * A finished run's results: what summary.json holds (docs/outputs.md), filled
 * by either engine (the simulator, a real-cluster run), so `expect:` gates read
 * one model.  groups[i] is the scenario's group i.  A value a cluster cannot
 * measure is negative (unavailable_partition_s of a real Kafka cluster).
 */
typedef struct sl_run_results_s {
    int n_groups;
    sl_group_result_t *groups;   /**< malloc'd; group names owned by the scenario */
    sl_cluster_result_t cluster;
} sl_run_results_t;

/** Frees results->groups (the struct itself is the caller's). */
void sl_run_results_free(sl_run_results_t *results);

/** Number of expectations the scenario declares. */
int sl_scenario_expect_count(const sl_scenario_t *sc);
/** Evaluates the scenario's expectation i (0-based) over results of a run of
 * it; SL_E_INVAL when i is out of range or results lack the group. */
sl_err_t sl_expect_eval(const sl_scenario_t *sc, const sl_run_results_t *results, int i, sl_expect_result_t *out);

/** 1 when the scenario's expectation i is an `impact:` gate: sl_expect_eval()
 * answers SL_E_STATE for it (real results hold no counterfactual runs);
 * evaluate it with sl_impact_expect_eval(). */
int sl_scenario_expect_is_impact(const sl_scenario_t *sc, int i);

/** Number of expectations the scenario declares. */
int sl_sim_expect_count(const sl_sim_t *sim);
/** Evaluates expectation i (0-based) after sl_sim_run(); SL_E_INVAL when out
 * of range, SL_E_STATE before the run finished.  An `impact:` gate reads the
 * impact sl_sim_run_to_dir_opts(SL_RUN_IMPACT) attached to sim, else
 * computes one (sl_impact_compute(): one simulation per event, each call). */
sl_err_t sl_sim_expect_result(const sl_sim_t *sim, int i, sl_expect_result_t *out);

/**
 * Runs sc in process with no outputs (no files, no parsing), leaving out the
 * events whose removed[i] is true (i as sl_scenario_event() numbers
 * them; removed may be NULL), and fills results with what summary.json would
 * hold (the caller frees them with sl_run_results_free()); sl_expect_eval()
 * gates them.  The one way impact's variants and `stormlab advise`'s
 * candidates are run.  Single-threaded; distinct calls may run on distinct
 * threads or in forked processes.
 */
sl_err_t sl_variant_run(const sl_scenario_t *sc, const bool *removed, sl_run_results_t *results, char *errstr,
                        size_t errstr_size);

/**
 * Counterfactual impact of every scenario event (docs/outputs.md `impact`):
 * for each event, this run's summary metrics minus those of the same
 * scenario and seed with the event removed; plus two baselines, "faults
 * only" (every operator action removed) and "nothing injected".
 */
typedef struct sl_impact_s sl_impact_t;

typedef enum sl_impact_verdict_e {
    SL_IMPACT_NONE = 0,   /**< no measurable effect */
    SL_IMPACT_WORSE = 1,  /**< the event made the run worse */
    SL_IMPACT_BETTER = 2  /**< the event made the run better */
} sl_impact_verdict_t;

/**
 * Runs sc and one variant per event plus the two baselines, in process
 * (one simulation each: no files, no parsing).  sc must outlive the
 * result and is not modified.  Deterministic: the same scenario gives the
 * same numbers.  Single-threaded; distinct calls may run on distinct
 * threads.
 */
sl_err_t sl_impact_compute(const sl_scenario_t *sc, sl_impact_t **out, char *errstr, size_t errstr_size);

/** Writes the value of summary.json's `impact` key, then `,\n "impact_baselines": {...}`. */
sl_err_t sl_impact_write_json(const sl_impact_t *im, FILE *out);

/** Number of scenario events (entries 0..n-1); the baselines follow at n and n+1. */
int sl_impact_count(const sl_impact_t *im);

/** One entry of an impact, as sl_impact_entry() gives it. */
typedef struct sl_impact_entry_s {
    int event;                  /**< index in the scenario's events; -1 for a baseline */
    const char *baseline;       /**< "faults_only" or "nothing_injected"; NULL for an event */
    double at_s;
    int is_action;              /**< an operator action (restart, set, scale, or `kind: action`) */
    sl_impact_verdict_t verdict;
    const char *verdict_name;   /**< "none", "worse", "better" (static) */
    const char *decided_by;     /**< the deciding metric's name, NULL for none (static) */
    const char *decided_group;  /**< its group, NULL for a cluster metric (owned by the scenario) */
    double decided_delta;       /**< its delta (this run minus the variant) */
    int n_removed;              /**< events the variant leaves out (> 1: others needed this one) */
} sl_impact_entry_t;

/** Entry i, 0 <= i < sl_impact_count() + 2; SL_E_INVAL out of range. */
sl_err_t sl_impact_entry(const sl_impact_t *im, int i, sl_impact_entry_t *out);

/** summary.json as sl_sim_write_summary(), with `impact` from im (may be NULL). */
sl_err_t sl_sim_write_summary_impact(const sl_sim_t *sim, const sl_impact_t *im, FILE *out);

/** Evaluates the scenario's expectation i, an `impact:` gate, over im
 * (an impact of that scenario); SL_E_INVAL when i is out of range or not
 * an impact gate. */
sl_err_t sl_impact_expect_eval(const sl_impact_t *im, int i, sl_expect_result_t *out);

/** Frees an impact; NULL is a no-op. */
void sl_impact_destroy(sl_impact_t *im);

#ifdef __cplusplus
}
#endif
#endif
