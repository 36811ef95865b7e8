/*
 * The incident timeline: each scenario event fires at its time, resolves
 * its selectors against the cluster as it is then (coordinator/<group> is
 * whichever broker coordinates the group at that moment) and acts, on all
 * selected nodes at once or `rolling` apart.  Each event's trace record is a
 * root: everything it causes points back to it.
 */
#include <stdlib.h>
#include <string.h>

#include "assert-internal.h"
#include "model-internal.h"

/* Appends the nodes sel names right now to *nodes (no duplicates). */
static void resolve(sl_sim_t *s, const sl_selector_t *sel, int **nodes, int *n) {
    int cap_add = 0;
    int *add = NULL;
#define ADD(x)                                                 \
    do {                                                       \
        add = sl_xrealloc(add, (size_t)(cap_add + 1) * sizeof(int)); \
        add[cap_add++] = (x);                                  \
    } while (0)
    switch (sel->kind) {
    case SL_SEL_ALL:
        for (int i = 0; i < s->n_nodes; i++)
            if (!s->node_member[i] || s->node_member[i]->exists)
                ADD(i);
        break;
    case SL_SEL_BROKER_ALL:
        for (int i = 0; i < s->n_brokers; i++)
            ADD(i);
        break;
    case SL_SEL_BROKER:
        ADD(sl_broker_node(sel->index));
        break;
    case SL_SEL_GROUP_ALL: {
        sl_group_t *g = &s->groups[sel->group];
        for (int i = 0; i < g->n_member_slots; i++)
            if (g->members[i]->exists)
                ADD(g->members[i]->node);
        break;
    }
    case SL_SEL_MEMBER: {
        sl_group_t *g = &s->groups[sel->group];
        if (sel->index <= g->n_member_slots)
            ADD(g->members[sel->index - 1]->node);
        break;
    }
    case SL_SEL_PRODUCER:
        ADD(s->first_producer_node + sel->topic);
        break;
    case SL_SEL_COORDINATOR: {
        int b = sl_coordinator_leader(s, &s->groups[sel->group]);
        if (b)
            ADD(sl_broker_node(b));
        break;
    }
    }
#undef ADD
    for (int i = 0; i < cap_add; i++) {
        bool dup = false;
        for (int j = 0; j < *n && !dup; j++)
            dup = (*nodes)[j] == add[i];
        if (dup)
            continue;
        *nodes = sl_xrealloc(*nodes, (size_t)(*n + 1) * sizeof(int));
        (*nodes)[(*n)++] = add[i];
    }
    free(add);
}

static void describe(sl_sim_t *s, const int *nodes, int n, char *buf, size_t size) {
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < n && used + 1 < size; i++) {
        char name[160];
        sl_node_name(s, nodes[i], name, sizeof name);
        int w = snprintf(buf + used, size - used, "%s%s", i ? "," : "", name);
        if (w < 0 || (size_t)w >= size - used) {
            snprintf(buf + (size > 4 ? size - 4 : 0), 4, "...");
            return;
        }
        used += (size_t)w;
    }
}

static uint8_t *bitmap(sl_sim_t *s, const int *nodes, int n) {
    uint8_t *map = calloc((size_t)(s->n_nodes + 7) / 8, 1);
    if (!map)
        sl_oom();
    for (int i = 0; i < n; i++)
        map[nodes[i] >> 3] |= (uint8_t)(1u << (nodes[i] & 7));
    return map;
}

/* ---- partition / degrade ---- */

static void link_end(void *ctx, sl_timer_t *t) {
    sl_action_t *a = ctx;
    sl_sim_t *s = a->sim;
    sl_members_settle(s); /* consumption up to the change */
    for (int i = 0; i < 2; i++)
        if (a->faults[i] >= 0)
            s->faults[a->faults[i]].active = false;
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

static void link_start(sl_sim_t *s, sl_action_t *a) {
    const sl_event_cfg_t *ev = a->ev;
    sl_members_settle(s); /* consumption up to the change */
    int *from = NULL, *to = NULL, nf = 0, nt = 0;
    for (int i = 0; i < ev->n_from; i++)
        resolve(s, &ev->from[i], &from, &nf);
    for (int i = 0; i < ev->n_to; i++)
        resolve(s, &ev->to[i], &to, &nt);
    char dfrom[512], dto[512];
    describe(s, from, nf, dfrom, sizeof dfrom);
    describe(s, to, nt, dto, sizeof dto);
    bool cut = ev->kind == SL_EV_PARTITION;
    bool both = cut ? !ev->oneway : false;
    if (cut)
        a->seq = sl_trace(s, "link.cut", -1, -1, 0, -1, -1, "%s -> %s%s", dfrom, dto, both ? " (both ways)" : " (one way)");
    else
        a->seq = sl_trace(s, "link.degrade", -1, -1, 0, -1, -1, "%s -> %s: +%lldus latency, +%lldus jitter, loss %g",
                          dfrom, dto, (long long)ev->latency_us, (long long)ev->jitter_us, ev->loss);
    sl_log(s, -1, "INFO", "[stormlab] injected %s %s -> %s", cut ? "partition" : "degradation", dfrom, dto);
    sl_fault_t f = {0};
    f.seq = a->seq;
    f.cut = cut;
    f.two_way = both;
    f.active = true;
    f.latency_us = ev->latency_us;
    f.jitter_us = ev->jitter_us;
    f.loss = ev->loss;
    f.from = bitmap(s, from, nf);
    f.to = bitmap(s, to, nt);
    a->faults[0] = sl_net_add_fault(s, &f);
    if (both || !cut) {
        /* Degradation applies to both directions of the named links. */
        sl_fault_t r = f;
        r.from = bitmap(s, to, nt);
        r.to = bitmap(s, from, nf);
        a->faults[1] = sl_net_add_fault(s, &r);
    }
    free(from);
    free(to);
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
            sl_member_start(s, m, t->cause);
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

static void scale(sl_sim_t *s, sl_action_t *a) {
    sl_group_t *g = &s->groups[a->ev->group];
    int target = a->ev->members;
    a->seq = sl_trace(s, "group.scale", -1, g->index, 0, -1, -1, "%d -> %d members", g->target_members, target);
    sl_log(s, -1, "INFO", "[stormlab] scaling group %s from %d to %d members", g->cfg->id, g->target_members, target);
    for (int i = 0; i < g->n_member_slots; i++) {
        sl_member_t *m = g->members[i];
        bool want = i < target;
        if (want && !m->exists) {
            m->exists = true;
            sl_member_start(s, m, a->seq);
        } else if (!want && m->exists) {
            m->exists = false;
            sl_member_stop(s, m, true, a->seq);
        }
    }
    g->target_members = target;
}

static void action_fire(void *ctx, sl_timer_t *t) {
    sl_action_t *a = ctx;
    sl_sim_t *s = a->sim;
    const sl_event_cfg_t *ev = a->ev;
    (void)t;
    if (ev->kind == SL_EV_PARTITION || ev->kind == SL_EV_DEGRADE) {
        link_start(s, a);
        return;
    }
    if (ev->kind == SL_EV_SCALE) {
        scale(s, a);
        return;
    }
    int *nodes = NULL, n = 0;
    if (ev->kind == SL_EV_SET) {
        sl_selector_t all = {.kind = SL_SEL_GROUP_ALL, .group = ev->group};
        resolve(s, &all, &nodes, &n);
    } else {
        for (int i = 0; i < ev->n_targets; i++)
            resolve(s, &ev->targets[i], &nodes, &n);
    }
    char desc[512];
    describe(s, nodes, n, desc, sizeof desc);
    static const char *const kinds[] = {"", "", "action.restart", "action.pause", "action.stall", "action.set", ""};
    if (ev->kind == SL_EV_SET)
        a->seq = sl_trace(s, kinds[ev->kind], -1, ev->group, 0, -1, -1, "config change on %s by rolling restart",
                          s->groups[ev->group].cfg->id);
    else
        a->seq = sl_trace(s, kinds[ev->kind], -1, -1, 0, -1, -1, "%s%s %s", sl_event_kind_name(ev->kind),
                          ev->kind == SL_EV_RESTART ? (ev->mode == SL_RESTART_HARD         ? " (hard)"
                                                       : ev->mode == SL_RESTART_CONTROLLED ? " (controlled)"
                                                                                           : " (pause)")
                                                    : "",
                          n ? desc : "(no node selected)");
    sl_log(s, -1, "INFO", "[stormlab] operator/fault: %s %s", sl_event_kind_name(ev->kind), n ? desc : "(nothing)");
    a->steps = calloc((size_t)(n ? n : 1), sizeof *a->steps);
    a->n_steps = n;
    int64_t gap = ev->rolling_us > 0 ? ev->rolling_us : 0;
    for (int i = 0; i < n; i++) {
        sl_step_t *st = &a->steps[i];
        st->a = a;
        st->node = nodes[i];
        sl_timer_init(&st->start, step_start, st);
        sl_timer_init(&st->end, step_end, st);
        sl_timer_arm(&s->eng, &st->start, sl_now(s) + gap * i, a->seq);
    }
    free(nodes);
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
