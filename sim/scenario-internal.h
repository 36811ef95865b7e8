/*
 * The scenario as the simulator sees it: every field resolved (Kafka's
 * defaults filled in where the file is silent), every selector parsed and
 * checked to name real nodes.  Produced by scenario_load.c, written back
 * by scenario_write.c, read by the model.  Its records (topics, groups,
 * events, ...) are public and read only (include/stormlab/scenario.h);
 * here is what only sim/ sees: the handle's layout and the gates.
 */
#ifndef SL_SCENARIO_INTERNAL_H
#define SL_SCENARIO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "stormlab/scenario.h"

/* Metrics an `expect:` entry may bound (docs/scenarios.md#expect, summary keys). */
typedef enum sl_metric_e {
    SL_M_REBALANCES,
    SL_M_GENERATION,
    SL_M_REBALANCE_S,
    SL_M_UNOWNED_PARTITION_S,
    SL_M_MAX_LAG,
    SL_M_DUPLICATES,
    SL_M_STABLE_BY,                     /* stable_from_s must be <= max (seconds in cfg) */
    SL_M_LOST_RECORDS,                  /* cluster */
    SL_M_PRODUCE_ERRORS,                /* cluster */
    SL_M_UNAVAILABLE_PARTITION_S,       /* cluster */
    SL_M_CRASHED_MEMBERS,
    SL_M_STABLE_FROM_S,                 /* impact gates only: the delta of stable_from_s */
    SL_M_VERDICT                        /* impact gates only: the event's verdict */
} sl_metric_t;

/* Which events an `impact:` gate covers (docs/scenarios.md#impact-gates). */
typedef enum sl_impact_sel_e {
    SL_IMPACT_SEL_EVENTS,               /* every event */
    SL_IMPACT_SEL_FAULTS,               /* kind: fault */
    SL_IMPACT_SEL_ACTIONS,              /* kind: action */
    SL_IMPACT_SEL_EVENT                 /* event: N */
} sl_impact_sel_t;

typedef struct sl_expect_cfg_s {
    int group;                          /* -1 for cluster metrics */
    sl_metric_t metric;
    bool has_min, has_max;
    double min, max;                    /* seconds for *_s and stable_by */
    int line, col;
    /* An `impact:` gate bounds an event's delta (this run minus the run
     * without it) or its verdict, not the run's own value; group -1 with a
     * group metric sums the delta over the groups. */
    bool impact;
    sl_impact_sel_t sel;
    int event;                          /* SL_IMPACT_SEL_EVENT: index in events */
    int verdict_spec;                   /* SL_M_VERDICT: index in sl_verdict_specs */
} sl_expect_cfg_t;

/* The verdicts a `verdict:` gate accepts, by name ("not-worse": better or
 * none); masks of 1 << sl_impact_verdict_t.  Ends with a NULL name. */
typedef struct sl_verdict_spec_s {
    const char *name;
    unsigned accepts;
} sl_verdict_spec_t;
extern const sl_verdict_spec_t sl_verdict_specs[];

struct sl_scenario_s {
    char *file;                         /* path or buffer name, for messages */
    char *name;
    char *description;                  /* "" when not given */
    uint64_t seed;                      /* (1) */
    int64_t duration_us;                /* (10m) */
    int64_t sample_us;                  /* (1s) */
    sl_cluster_cfg_t cluster;
    sl_topic_cfg_t *topics;
    int n_topics;
    sl_group_cfg_t *groups;
    int n_groups;
    sl_link_cfg_t links;
    sl_event_cfg_t *events;             /* sorted by at_us, stable */
    int n_events;
    sl_expect_cfg_t *expects;
    int n_expects;
};

/* The metric's name in summary.json and expect: (one table). */
const char *sl_metric_name(sl_metric_t m);

/* out zeroed, then e's gate as written: group, metric, bounds, line:col (expect.c). */
void sl_expect_result_init(const sl_scenario_t *sc, const sl_expect_cfg_t *e, sl_expect_result_t *out);

#endif
