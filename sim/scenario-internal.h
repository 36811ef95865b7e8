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
    SL_M_UNAVAILABLE_PARTITION_S        /* cluster */
} sl_metric_t;

typedef struct sl_expect_cfg_s {
    int group;                          /* -1 for cluster metrics */
    sl_metric_t metric;
    bool has_min, has_max;
    double min, max;                    /* seconds for *_s and stable_by */
    int line, col;
} sl_expect_cfg_t;

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

#endif
