/*
 * The run's outputs, in the simulator's schema (docs/outputs.md):
 * trace.jsonl, log.txt, series.tsv and summary.json.  Every line is
 * written under run->mu with a time never before the previous line's, so
 * each file is in time order and a trace event and the log line written
 * with it share their millisecond (how `stormlab explain` ties them).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "stormlab/outputs.h"
#include "run-internal.h"

int64_t sl_rnow(const sl_rrun_t *run) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec - run->t0_ns) / 1000;
}

int64_t sl_rstamp_locked(sl_rrun_t *run) {
    int64_t t = sl_rnow(run);
    if (t < run->last_us)
        t = run->last_us;
    run->last_us = t;
    return t;
}

const char *sl_rlevel_name(int level) {
    return level <= 3 ? "ERROR" : level == 4 ? "WARN" : level == 5 ? "NOTICE" : level == 6 ? "INFO" : "DEBUG";
}

static int64_t vtrace(sl_rrun_t *run, int64_t t_us, const char *kind, const char *node, const char *group,
                      const char *member, int generation, int64_t cause, const char *fmt, va_list ap) {
    int64_t seq = run->next_seq++;
    char detail[1024];
    vsnprintf(detail, sizeof detail, fmt, ap);
    FILE *f = run->trace;
    if (!f)
        return seq;
    if (cause >= seq)
        cause = -1; /* causes point backwards, always */
    sl_json_trace_line(f, t_us, seq, kind, node, group, member && member[0] ? member : NULL, generation, cause, detail);
    return seq;
}

int64_t sl_rtrace_locked(sl_rrun_t *run, int64_t t_us, const char *kind, const char *node, const char *group,
                         const char *member, int generation, int64_t cause, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int64_t seq = vtrace(run, t_us, kind, node, group, member, generation, cause, fmt, ap);
    va_end(ap);
    return seq;
}

int64_t sl_rtrace(sl_rrun_t *run, const char *kind, const char *node, const char *group, const char *member,
                  int generation, int64_t cause, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&run->mu);
    int64_t seq = vtrace(run, sl_rstamp_locked(run), kind, node, group, member, generation, cause, fmt, ap);
    pthread_mutex_unlock(&run->mu);
    va_end(ap);
    return seq;
}

static void vlog(sl_rrun_t *run, int64_t t_us, const char *node, int level, const char *fmt, va_list ap) {
    FILE *f = run->log;
    if (!f)
        return;
    long long ms = t_us / 1000;
    fprintf(f, "[%02lld:%02lld:%02lld.%03lld] %-5s %s ", ms / 3600000, ms / 60000 % 60, ms / 1000 % 60, ms % 1000,
            sl_rlevel_name(level), node && node[0] ? node : "-");
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    for (char *p = msg; *p; p++) /* one line per entry */
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    fputs(msg, f);
    fputc('\n', f);
}

void sl_rlog_locked(sl_rrun_t *run, int64_t t_us, const char *node, int level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vlog(run, t_us, node, level, fmt, ap);
    va_end(ap);
}

void sl_rlog(sl_rrun_t *run, const char *node, int level, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    pthread_mutex_lock(&run->mu);
    vlog(run, sl_rstamp_locked(run), node, level, fmt, ap);
    pthread_mutex_unlock(&run->mu);
    va_end(ap);
}

void sl_rseries_header(sl_rrun_t *run) {
    const sl_scenario_t *sc = run->sc;
    if (!run->series)
        return;
    fprintf(run->series, "# stormlab series\n# scenario: %s\n# seed: %llu\n# sample_s: %.6g\n# cluster: %s\n",
            sl_scenario_name(sc), (unsigned long long)sl_scenario_seed(sc), (double)sl_scenario_sample_us(sc) / 1e6, run->cluster->ops->name);
    fputs("t_s\tgroup\tmembers\tgeneration\tstate\towned\tunowned\tlag\tconsumed_per_s\n", run->series);
}

void sl_rsample(sl_rrun_t *run) {
    pthread_mutex_lock(&run->mu);
    int64_t now = sl_rstamp_locked(run);
    double dt_s = (double)sl_scenario_sample_us(run->sc) / 1e6;
    for (int gi = 0; gi < run->n_groups; gi++) {
        sl_rgroup_t *g = &run->groups[gi];
        sl_rgroup_changed_locked(run, g, -1); /* integrates unowned time up to now */
        int64_t lag = sl_rgroup_lag_locked(run, g);
        if (lag > g->max_lag)
            g->max_lag = lag;
        int64_t consumed = g->consumed_total - g->consumed_at_sample;
        g->consumed_at_sample = g->consumed_total;
        int members = g->broker_members;
        if (members < 0) { /* no coordinator view: members holding a generation */
            members = 0;
            for (int i = 0; i < g->n_slots; i++)
                members += g->members[i].running && g->members[i].joined_gen >= 0 && !g->members[i].rejoining;
        }
        if (run->series)
            fprintf(run->series, "%.3f\t%s\t%d\t%d\t%s\t%d\t%d\t%lld\t%.1f\n", (double)now / 1e6, g->cfg->id, members,
                    g->generation, g->state, g->n_parts - g->meter.unowned, g->meter.unowned, (long long)lag,
                    now > 0 ? (double)consumed / dt_s : 0.0);
    }
    /* Once a sample: a user (or a test) can follow the files as they grow. */
    if (run->trace)
        fflush(run->trace);
    if (run->log)
        fflush(run->log);
    if (run->series)
        fflush(run->series);
    pthread_mutex_unlock(&run->mu);
}

/* summary.json's pieces (stormlab/outputs.h): group i in the simulator's
 * terms, settled for stable. */
static void group_result(const void *ctx, int i, sl_group_result_t *r, const char **owner) {
    const sl_rgroup_t *g = &((const sl_rrun_t *)ctx)->groups[i];
    r->group = g->cfg->id;
    r->rebalances = g->rebalances;
    r->generation = g->generation;
    r->max_lag = g->max_lag;
    r->duplicates = g->duplicates;
    sl_meter_results(&g->meter, r); /* rebalance_s, unowned_partition_s, first_stable_s, stable_from_s */
    r->rebalance_latency_s = -1; /* the coordinator's states are not seen from the members (docs/outputs.md) */
    *owner = g->cfg->owner;
}

/* The cluster-wide results over every topic (mu). produce_errors: records
 * whose delivery failed; lost_records: those plus acknowledged records
 * missing from the log. */
static void cluster_result(sl_rrun_t *run, sl_cluster_result_t *c) {
    sl_racct_totals_t all = {0};
    for (int t = 0; t < sl_scenario_topic_count(run->sc); t++) {
        sl_racct_totals_t tt;
        sl_racct_totals_locked(run, t, &tt);
        all.produced += tt.produced, all.failed += tt.failed, all.lost += tt.lost;
    }
    /* a real cluster's leaders are not tracked: not measured */
    c->unavailable_partition_s = run->offline_known ? run->unavailable_us / 1e6 : -1;
    c->produce_errors = all.failed;
    c->lost_records = all.lost + all.failed;
    c->produced_records = all.produced;
}

/* The run's results model (stormlab.h): what summary.json holds (mu). */
int sl_rfill_results_locked(sl_rrun_t *run, sl_run_results_t *res) {
    res->groups = calloc((size_t)(run->n_groups ? run->n_groups : 1), sizeof *res->groups);
    if (!res->groups)
        return -1;
    res->n_groups = run->n_groups;
    for (int i = 0; i < run->n_groups; i++) {
        const char *owner;
        group_result(run, i, &res->groups[i], &owner);
    }
    cluster_result(run, &res->cluster);
    return 0;
}

/* Caller holds mu, after sl_rgroups_finish_locked() and the accounting. */
int sl_rwrite_summary(sl_rrun_t *run, FILE *f, const char *kind, int brokers_down, int members_frozen, int toxics_left,
                      int threads_left) {
    const sl_scenario_t *sc = run->sc;
    fputs("{\"scenario\": ", f);
    sl_json_str(f, sl_scenario_name(sc));
    fprintf(f, ", \"seed\": %llu, \"duration_s\": ", (unsigned long long)sl_scenario_seed(sc));
    sl_json_num(f, (double)run->end_us / 1e6);
    fprintf(f, ", \"cluster_kind\": \"%s\", \"interrupted\": %s, \"failed\": %s", kind,
            run->interrupted ? "true" : "false", run->failed ? "true" : "false");
    fprintf(f, ",\n \"teardown\": {\"brokers_down\": %d, \"members_frozen\": %d, \"toxics_left\": %d, "
               "\"threads_left\": %d}",
            brokers_down, members_frozen, toxics_left, threads_left);
    if (run->failed) {
        fputs(", \"failure\": ", f);
        sl_json_str(f, run->fail_reason);
    }
    fputs(",\n \"groups\": {", f);
    sl_json_summary_groups(f, run->n_groups, group_result, run);
    sl_cluster_result_t c;
    cluster_result(run, &c);
    fputs("},\n \"cluster\": {\"unavailable_partition_s\": ", f);
    if (c.unavailable_partition_s >= 0)
        sl_json_num(f, c.unavailable_partition_s);
    else
        fputs("null", f);
    fprintf(f, ", \"produce_errors\": %lld, \"lost_records\": %lld, \"produced_records\": %lld},\n",
            (long long)c.produce_errors, (long long)c.lost_records, (long long)c.produced_records);
    fputs(" \"records\": {", f);
    for (int t = 0; t < sl_scenario_topic_count(sc); t++) {
        sl_racct_totals_t tt;
        sl_racct_totals_locked(run, t, &tt);
        fprintf(f, "%s\n  ", t ? "," : "");
        sl_json_str(f, sl_scenario_topic(sc, t)->name);
        fprintf(f,
                ": {\"produced\": %lld, \"acked\": %lld, \"failed\": %lld, \"unacked\": %lld, \"in_log\": %lld, "
                "\"lost\": %lld, \"consumed\": %lld, \"duplicated\": %lld, \"unconsumed\": %lld}",
                (long long)tt.produced, (long long)tt.acked, (long long)tt.failed, (long long)tt.unacked,
                (long long)tt.in_log, (long long)tt.lost, (long long)tt.consumed, (long long)tt.duplicated,
                (long long)tt.unconsumed);
    }
    fputs("},\n \"owners\": {", f);
    sl_json_summary_owners(f, run->n_groups, group_result, run);
    fputs("}}\n", f);
    return ferror(f) ? -1 : 0;
}
