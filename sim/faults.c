/*
 * The incident timeline: each scenario event fires at its time; the plan
 * (stormlab/plan.h, the same for real runs) says what it means against the
 * cluster as it is then (coordinator/<group> is whichever broker
 * coordinates the group at that moment), and this file acts on it, on all
 * selected nodes at once or `rolling` apart.  Each event's trace record is a
 * root: everything it causes points back to it.
 */
#include <stdlib.h>
#include <string.h>

#include "assert-internal.h"
#include "model-internal.h"
#include "stormlab/plan.h"

/* The simulator's cluster as the plan asks about it (stormlab/plan.h). */
static int view_slots(const void *ctx, int g) { return ((const sl_sim_t *)ctx)->groups[g].n_member_slots; }
static bool view_exists(const void *ctx, int g, int i) {
    return ((const sl_sim_t *)ctx)->groups[g].members[i - 1]->exists;
}
static int view_coordinator(const void *ctx, int g) {
    const sl_sim_t *s = ctx;
    return sl_coordinator_leader(s, &s->groups[g]);
}
static int view_size(const void *ctx, int g) { return ((const sl_sim_t *)ctx)->groups[g].target_members; }

static void plan_event(sl_sim_t *s, const sl_action_t *a, sl_plan_event_t *pe) {
    sl_plan_view_t v = {s, view_slots, view_exists, view_coordinator, view_size};
    sl_plan_event(s->sc, (int)(a->ev - s->sc->events), &v, pe);
}

/* A plan's node as the simulator numbers nodes (sim.c). */
static int node_of(const sl_sim_t *s, const sl_plan_node_t *nd) {
    if (nd->kind == SL_PLAN_BROKER)
        return sl_broker_node(nd->a);
    if (nd->kind == SL_PLAN_MEMBER)
        return s->groups[nd->a].members[nd->b - 1]->node;
    return s->first_producer_node + nd->a;
}

static uint8_t *bitmap(sl_sim_t *s, const sl_plan_node_t *nodes, int n) {
    uint8_t *map = calloc((size_t)(s->n_nodes + 7) / 8, 1);
    if (!map)
        sl_oom();
    for (int i = 0; i < n; i++) {
        int node = node_of(s, &nodes[i]);
        map[node >> 3] |= (uint8_t)(1u << (node & 7));
    }
    return map;
}

/* ---- partition / degrade ---- */

static void link_end(void *ctx, sl_timer_t *t) {
    sl_action_t *a = ctx;
    sl_sim_t *s = a->sim;
    if (a->faults[0] >= 0) /* consumption up to the change */
        sl_members_settle_link(s, s->faults[a->faults[0]].from, s->faults[a->faults[0]].to);
    for (int i = 0; i < 2; i++)
        if (a->faults[i] >= 0)
            sl_net_end_fault(s, a->faults[i]);
    bool cut = a->ev->kind == SL_EV_PARTITION;
    int64_t seq = sl_trace(s, cut ? "link.heal" : "link.restore", -1, -1, 0, -1, t->cause, "%s ends",
                           sl_event_kind_name(a->ev->kind));
    for (int i = 0; i < 2; i++)
        if (a->faults[i] >= 0)
            sl_net_heal(s, a->faults[i]);
    sl_log(s, -1, "INFO", "[stormlab] %s healed (events[%d])", sl_event_kind_name(a->ev->kind),
           (int)(a->ev - s->sc->events));
    sl_cluster_reevaluate(s, seq);
}

static void link_start(sl_sim_t *s, sl_action_t *a, const sl_plan_event_t *pe) {
    const sl_event_cfg_t *ev = a->ev;
    bool cut = ev->kind == SL_EV_PARTITION;
    bool both = cut ? !ev->oneway : false;
    uint8_t *from = bitmap(s, pe->from, pe->n_from), *to = bitmap(s, pe->to, pe->n_to);
    sl_members_settle_link(s, from, to); /* consumption up to the change */
    a->seq = sl_trace(s, pe->trace_kind, -1, -1, 0, -1, -1, "%s", pe->detail);
    sl_log(s, -1, "INFO", "%s", pe->log);
    sl_fault_t f = {0};
    f.seq = a->seq;
    f.cut = cut;
    f.two_way = both;
    f.active = true;
    f.latency_us = ev->latency_us;
    f.jitter_us = ev->jitter_us;
    f.loss = ev->loss;
    f.from = from;
    f.to = to;
    a->faults[0] = sl_net_add_fault(s, &f);
    if (both || !cut) {
        /* Degradation applies to both directions of the named links. */
        sl_fault_t r = f;
        r.from = bitmap(s, pe->to, pe->n_to);
        r.to = bitmap(s, pe->from, pe->n_from);
        a->faults[1] = sl_net_add_fault(s, &r);
    }
    sl_cluster_reevaluate(s, a->seq);
    if (ev->for_us >= 0)
        sl_timer_arm(&s->eng, &a->end_timer, sl_now(s) + ev->for_us, a->seq);
}

/* ---- per-node steps: restart, pause, stall, set ---- */

static void step_end(void *ctx, sl_timer_t *t) {
    sl_step_t *st = ctx;
    sl_sim_t *s = st->a->sim;
    const sl_event_cfg_t *ev = st->a->ev;
    sl_member_t *m = s->node_member[st->node];
    switch (ev->kind) {
    case SL_EV_RESTART:
    case SL_EV_SET:
        if (m && m->exists) {
            if (ev->kind == SL_EV_SET)
                sl_group_cfg_apply_set(&m->cfg, ev);
            sl_member_launch(s, m, t->cause);
        }
        break;
    case SL_EV_PAUSE:
        if (m) {
            sl_trace(s, "member.resumed", m->node, m->g->index, m->member_id, m->generation, t->cause,
                     "process resumed");
            sl_member_pause(s, m, false, 0, t->cause);
        }
        break;
    case SL_EV_STALL:
        if (m) {
            sl_trace(s, "member.unstalled", m->node, m->g->index, m->member_id, m->generation, t->cause,
                     "poll loop unblocked");
            sl_member_stall(s, m, false, t->cause);
        }
        break;
    default: break;
    }
}

static void step_start(void *ctx, sl_timer_t *t) {
    sl_step_t *st = ctx;
    sl_sim_t *s = st->a->sim;
    const sl_event_cfg_t *ev = st->a->ev;
    sl_member_t *m = s->node_member[st->node];
    int64_t down = ev->for_us > 0 ? ev->for_us : 0;
    st->seq = t->cause;
    switch (ev->kind) {
    case SL_EV_RESTART:
        if (st->node < s->n_brokers) {
            sl_broker_stop(s, st->node + 1, ev->mode, down, t->cause);
            return;
        }
        if (!m || m->proc == PROC_DOWN)
            return;
        sl_member_stop(s, m, ev->mode != SL_RESTART_HARD, t->cause);
        sl_timer_arm(&s->eng, &st->end, sl_now(s) + down, t->cause);
        return;
    case SL_EV_SET:
        if (!m || m->proc == PROC_DOWN)
            return;
        sl_member_stop(s, m, true, t->cause);
        sl_timer_arm(&s->eng, &st->end, sl_now(s) + down, t->cause);
        return;
    case SL_EV_PAUSE:
        if (!m || m->proc != PROC_RUNNING)
            return;
        st->seq = sl_trace(s, "member.paused", m->node, m->g->index, m->member_id, m->generation, t->cause,
                           "process frozen: no polls, no heartbeats");
        sl_member_pause(s, m, true, ev->for_us >= 0 ? sl_now(s) + ev->for_us : INT64_MAX, st->seq);
        if (ev->for_us >= 0)
            sl_timer_arm(&s->eng, &st->end, sl_now(s) + ev->for_us, st->seq);
        return;
    case SL_EV_STALL:
        if (!m || m->proc == PROC_DOWN)
            return;
        st->seq = sl_trace(s, "member.stalled", m->node, m->g->index, m->member_id, m->generation, t->cause,
                           "poll loop blocked; heartbeat thread continues");
        sl_member_stall(s, m, true, st->seq);
        if (ev->for_us >= 0)
            sl_timer_arm(&s->eng, &st->end, sl_now(s) + ev->for_us, st->seq);
        return;
    default: return;
    }
}

static void scale(sl_sim_t *s, sl_action_t *a, const sl_plan_event_t *pe) {
    sl_group_t *g = &s->groups[a->ev->group];
    int target = a->ev->members;
    a->seq = sl_trace(s, pe->trace_kind, -1, pe->trace_group, 0, -1, -1, "%s", pe->detail);
    sl_log(s, -1, "INFO", "%s", pe->log);
    for (int i = 0; i < g->n_member_slots; i++) {
        sl_member_t *m = g->members[i];
        bool want = i < target;
        if (want && !m->exists) {
            m->exists = true;
            sl_member_launch(s, m, a->seq);
        } else if (!want && m->exists) {
            m->exists = false;
            sl_member_stop(s, m, true, a->seq);
        }
    }
    g->target_members = target;
}

/* An event fires: the plan says what it means now; its nodes are acted on
 * one by one, rolling apart. */
static void action_fire(void *ctx, sl_timer_t *t) {
    sl_action_t *a = ctx;
    sl_sim_t *s = a->sim;
    const sl_event_cfg_t *ev = a->ev;
    (void)t;
    sl_plan_event_t pe;
    plan_event(s, a, &pe);
    if (ev->kind == SL_EV_PARTITION || ev->kind == SL_EV_DEGRADE) {
        link_start(s, a, &pe);
    } else if (ev->kind == SL_EV_SCALE) {
        scale(s, a, &pe);
    } else {
        a->seq = sl_trace(s, pe.trace_kind, -1, pe.trace_group, 0, -1, -1, "%s", pe.detail);
        sl_log(s, -1, "INFO", "%s", pe.log);
        a->steps = calloc((size_t)(pe.n_nodes ? pe.n_nodes : 1), sizeof *a->steps);
        if (!a->steps)
            sl_oom();
        a->n_steps = pe.n_nodes;
        for (int i = 0; i < pe.n_nodes; i++) {
            sl_step_t *st = &a->steps[i];
            st->a = a;
            st->node = node_of(s, &pe.nodes[i]);
            sl_timer_init(&st->start, step_start, st);
            sl_timer_init(&st->end, step_end, st);
            sl_timer_arm(&s->eng, &st->start, sl_now(s) + pe.gap_us * i, a->seq);
        }
    }
    sl_plan_event_free(&pe);
}

int sl_faults_schedule(sl_sim_t *s, char *errstr, size_t errstr_size) {
    const sl_scenario_t *sc = s->sc;
    s->n_actions = sc->n_events;
    s->actions = calloc((size_t)(sc->n_events ? sc->n_events : 1), sizeof *s->actions);
    if (!s->actions) {
        snprintf(errstr, errstr_size, "out of memory for %d events", sc->n_events);
        return -1;
    }
    for (int i = 0; i < sc->n_events; i++) {
        sl_action_t *a = &s->actions[i];
        a->sim = s;
        a->ev = &sc->events[i];
        a->faults[0] = a->faults[1] = -1;
        a->seq = -1;
        sl_timer_init(&a->timer, action_fire, a);
        sl_timer_init(&a->end_timer, link_end, a);
        if (sl_timer_arm(&s->eng, &a->timer, a->ev->at_us, -1) < 0)
            return -1;
    }
    return 0;
}

void sl_faults_free(sl_sim_t *s) {
    for (int i = 0; i < s->n_actions; i++) {
        sl_action_t *a = &s->actions[i];
        for (int k = 0; k < a->n_steps; k++) {
            sl_timer_cancel(&s->eng, &a->steps[k].start);
            sl_timer_cancel(&s->eng, &a->steps[k].end);
        }
        free(a->steps);
    }
    free(s->actions);
}
