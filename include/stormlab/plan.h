/*
 * The plan: what a scenario event does when it fires, worked out once for
 * both engines (docs/architecture.md).  The simulator (sim/faults.c) and
 * the real-run engine (harness/run/timeline.c) each fire an event at its
 * time, ask sl_plan_event() what it means against their own view of the
 * cluster at that moment (which members exist after a scale, which broker
 * coordinates a group), and carry out the answer: the event's root trace
 * record and log line, the two sides of a link fault, or the nodes a
 * restart, pause, stall or config change acts on in rolling order.  What
 * depends on the moment is asked through the view; everything else (the
 * selectors' meaning, node order, names, the wording of the records) is
 * here, once.  Pure: no clock, no state of its own, no I/O.
 */
#ifndef STORMLAB_PLAN_H
#define STORMLAB_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stormlab/scenario.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SL_PLAN_BROKER, SL_PLAN_MEMBER, SL_PLAN_PRODUCER } sl_plan_node_kind_t;

/** A node an event acts on: broker a (its id, 1-based), member b (1-based)
 * of group a, or the producer of topic a. */
typedef struct sl_plan_node_s {
    sl_plan_node_kind_t kind;
    int a, b;
} sl_plan_node_t;

/** What an engine knows of the cluster when an event fires. */
typedef struct sl_plan_view_s {
    const void *ctx;
    int (*member_slots)(const void *ctx, int group);              /* members the group can ever have */
    bool (*member_exists)(const void *ctx, int group, int index); /* index 1-based */
    int (*coordinator)(const void *ctx, int group);               /* its broker id, 0 when none */
    int (*group_size)(const void *ctx, int group);                /* members it is meant to run now */
} sl_plan_view_t;

/** One event as it fires. */
typedef struct sl_plan_event_s {
    const char *trace_kind;    /* its root record: link.cut, link.degrade, action.restart, action.pause,
                                * action.stall, action.set, group.scale */
    int trace_group;           /* the record's group (set, scale), else -1 */
    char detail[512];          /* the record's detail */
    char log[1100];            /* the "[stormlab] ..." log line */
    sl_plan_node_t *from, *to; /* partition, degrade: the two sides */
    int n_from, n_to;
    sl_plan_node_t *nodes;     /* restart, pause, stall, set: the nodes, in rolling order */
    int n_nodes;
    int64_t gap_us;            /* node i is acted on i * gap_us after the event */
} sl_plan_event_t;

/** Event i of sc (sl_scenario_event) against view: *out filled, freed by
 * sl_plan_event_free(). */
void sl_plan_event(const sl_scenario_t *sc, int i, const sl_plan_view_t *view, sl_plan_event_t *out);
void sl_plan_event_free(sl_plan_event_t *pe);

/** Appends the nodes sel names in view to *nodes (each once, in the order
 * brokers by id, members by group and index, producers by topic). */
void sl_plan_resolve(const sl_scenario_t *sc, const sl_plan_view_t *view, const sl_selector_t *sel,
                     sl_plan_node_t **nodes, int *n);
/** "broker/2", "billing/3", "producer/orders". */
void sl_plan_node_name(const sl_scenario_t *sc, const sl_plan_node_t *node, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
