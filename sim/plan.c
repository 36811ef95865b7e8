/*
 * What an event does when it fires, for both engines (stormlab/plan.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert-internal.h" /* sl_xrealloc */
#include "stormlab/plan.h"

/* A record's text, cut to its buffer as the trace writer cuts it: a
 * longer one is legal (a thousand nodes), not an error. */
static void text(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void text(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

static void add(sl_plan_node_t **nodes, int *n, sl_plan_node_kind_t kind, int a, int b) {
    for (int i = 0; i < *n; i++)
        if ((*nodes)[i].kind == kind && (*nodes)[i].a == a && (*nodes)[i].b == b)
            return;
    *nodes = sl_xrealloc(*nodes, (size_t)(*n + 1) * sizeof **nodes);
    (*nodes)[(*n)++] = (sl_plan_node_t){kind, a, b};
}

static void group_members(const sl_plan_view_t *v, int g, sl_plan_node_t **nodes, int *n) {
    for (int i = 1; i <= v->member_slots(v->ctx, g); i++)
        if (v->member_exists(v->ctx, g, i))
            add(nodes, n, SL_PLAN_MEMBER, g, i);
}

void sl_plan_resolve(const sl_scenario_t *sc, const sl_plan_view_t *v, const sl_selector_t *sel,
                     sl_plan_node_t **nodes, int *n) {
    switch (sel->kind) {
    case SL_SEL_ALL:
        for (int b = 1; b <= sl_scenario_cluster(sc)->brokers; b++)
            add(nodes, n, SL_PLAN_BROKER, b, 0);
        for (int g = 0; g < sl_scenario_group_count(sc); g++)
            group_members(v, g, nodes, n);
        for (int t = 0; t < sl_scenario_topic_count(sc); t++)
            add(nodes, n, SL_PLAN_PRODUCER, t, 0);
        break;
    case SL_SEL_BROKER_ALL:
        for (int b = 1; b <= sl_scenario_cluster(sc)->brokers; b++)
            add(nodes, n, SL_PLAN_BROKER, b, 0);
        break;
    case SL_SEL_BROKER: add(nodes, n, SL_PLAN_BROKER, sel->index, 0); break;
    case SL_SEL_GROUP_ALL: group_members(v, sel->group, nodes, n); break;
    case SL_SEL_MEMBER:
        /* a member named by number is acted on even when scaled away (a
         * restart of it then finds it down) */
        if (sel->index <= v->member_slots(v->ctx, sel->group))
            add(nodes, n, SL_PLAN_MEMBER, sel->group, sel->index);
        break;
    case SL_SEL_PRODUCER: add(nodes, n, SL_PLAN_PRODUCER, sel->topic, 0); break;
    case SL_SEL_COORDINATOR: {
        int b = v->coordinator(v->ctx, sel->group);
        if (b > 0)
            add(nodes, n, SL_PLAN_BROKER, b, 0);
        break;
    }
    }
}

void sl_plan_node_name(const sl_scenario_t *sc, const sl_plan_node_t *nd, char *buf, size_t size) {
    if (nd->kind == SL_PLAN_BROKER)
        snprintf(buf, size, "broker/%d", nd->a);
    else if (nd->kind == SL_PLAN_MEMBER)
        snprintf(buf, size, "%s/%d", sl_scenario_group(sc, nd->a)->id, nd->b);
    else
        snprintf(buf, size, "producer/%s", sl_scenario_topic(sc, nd->a)->name);
}

/* "broker/1,billing/2", cut with "..." to fit size. */
static void describe(const sl_scenario_t *sc, const sl_plan_node_t *nodes, int n, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < n && used + 1 < size; i++) {
        char name[160];
        sl_plan_node_name(sc, &nodes[i], name, sizeof name);
        int w = snprintf(buf + used, size - used, "%s%s", i ? "," : "", name);
        if (w < 0 || (size_t)w >= size - used) {
            snprintf(buf + (size > 4 ? size - 4 : 0), 4, "...");
            return;
        }
        used += (size_t)w;
    }
}

static void link_event(const sl_scenario_t *sc, const sl_event_cfg_t *ev, const sl_plan_view_t *v,
                       sl_plan_event_t *pe) {
    for (int i = 0; i < ev->n_from; i++)
        sl_plan_resolve(sc, v, &ev->from[i], &pe->from, &pe->n_from);
    for (int i = 0; i < ev->n_to; i++)
        sl_plan_resolve(sc, v, &ev->to[i], &pe->to, &pe->n_to);
    char dfrom[512], dto[512];
    describe(sc, pe->from, pe->n_from, dfrom, sizeof dfrom);
    describe(sc, pe->to, pe->n_to, dto, sizeof dto);
    int cut = ev->kind == SL_EV_PARTITION;
    if (cut) {
        pe->trace_kind = "link.cut";
        text(pe->detail, sizeof pe->detail, "%s -> %s%s", dfrom, dto, ev->oneway ? " (one way)" : " (both ways)");
    } else {
        pe->trace_kind = "link.degrade";
        text(pe->detail, sizeof pe->detail, "%s -> %s: +%lldus latency, +%lldus jitter, loss %g", dfrom, dto,
                 (long long)ev->latency_us, (long long)ev->jitter_us, ev->loss);
    }
    text(pe->log, sizeof pe->log, "[stormlab] injected %s %s -> %s", cut ? "partition" : "degradation", dfrom,
             dto);
}

static const char *mode_name(const sl_event_cfg_t *ev) {
    if (ev->kind != SL_EV_RESTART)
        return "";
    return ev->mode == SL_RESTART_HARD ? " (hard)" : ev->mode == SL_RESTART_CONTROLLED ? " (controlled)" : " (pause)";
}

static void node_event(const sl_scenario_t *sc, const sl_event_cfg_t *ev, const sl_plan_view_t *v,
                       sl_plan_event_t *pe) {
    /* a config change is rolled out to every member the group runs */
    if (ev->kind == SL_EV_SET) {
        sl_selector_t all = {.kind = SL_SEL_GROUP_ALL, .group = ev->group};
        sl_plan_resolve(sc, v, &all, &pe->nodes, &pe->n_nodes);
    } else {
        for (int i = 0; i < ev->n_targets; i++)
            sl_plan_resolve(sc, v, &ev->targets[i], &pe->nodes, &pe->n_nodes);
    }
    char desc[512];
    describe(sc, pe->nodes, pe->n_nodes, desc, sizeof desc);
    static const char *const kinds[] = {
        [SL_EV_RESTART] = "action.restart", [SL_EV_PAUSE] = "action.pause",
        [SL_EV_STALL] = "action.stall",     [SL_EV_SET] = "action.set",
    };
    pe->trace_kind = kinds[ev->kind];
    if (ev->kind == SL_EV_SET) {
        pe->trace_group = ev->group;
        text(pe->detail, sizeof pe->detail, "config change on %s by rolling restart",
                 sl_scenario_group(sc, ev->group)->id);
    } else {
        text(pe->detail, sizeof pe->detail, "%s%s %s", sl_event_kind_name(ev->kind), mode_name(ev),
                 pe->n_nodes ? desc : "(no node selected)");
    }
    text(pe->log, sizeof pe->log, "[stormlab] operator/fault: %s %s", sl_event_kind_name(ev->kind),
             pe->n_nodes ? desc : "(nothing)");
    pe->gap_us = ev->rolling_us > 0 ? ev->rolling_us : 0;
}

void sl_plan_event(const sl_scenario_t *sc, int i, const sl_plan_view_t *v, sl_plan_event_t *pe) {
    const sl_event_cfg_t *ev = sl_scenario_event(sc, i);
    memset(pe, 0, sizeof *pe);
    pe->trace_group = -1;
    switch (ev->kind) {
    case SL_EV_PARTITION:
    case SL_EV_DEGRADE: link_event(sc, ev, v, pe); return;
    case SL_EV_SCALE: {
        const char *id = sl_scenario_group(sc, ev->group)->id;
        int now = v->group_size(v->ctx, ev->group);
        pe->trace_kind = "group.scale";
        pe->trace_group = ev->group;
        text(pe->detail, sizeof pe->detail, "%d -> %d members", now, ev->members);
        text(pe->log, sizeof pe->log, "[stormlab] scaling group %s from %d to %d members", id, now, ev->members);
        return;
    }
    default: node_event(sc, ev, v, pe); return;
    }
}

void sl_plan_event_free(sl_plan_event_t *pe) {
    free(pe->from);
    free(pe->to);
    free(pe->nodes);
    memset(pe, 0, sizeof *pe);
}
