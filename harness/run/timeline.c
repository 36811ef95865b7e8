/*
 * The incident timeline of a real run: each scenario event fires at its
 * time (run time, from the start of the run), the plan (stormlab/plan.h,
 * the simulator's too) says what it means against the cluster as it is
 * then, and this file acts on the selected nodes at once or `rolling`
 * apart: same trace kinds, same details, same log markers as sim/faults.c.
 * The steps after it (a fault's end, a broker's return, the controller
 * fencing a silent broker, preferred leaders coming back) are timed steps
 * too.  Main thread only.
 *
 * The controller's timing for clusters without one (the mock): a broker
 * that is killed or frozen is fenced after cluster.broker_session_timeout
 * (leaders and coordinators move to the next serving replica); a
 * controlled restart moves them first; a restarted broker serves after
 * cluster.broker_startup; preferred leaders return
 * cluster.auto_leader_rebalance after that.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster/clusterfile.h"
#include "run-internal.h"

/* The run's cluster as the plan asks about it (stormlab/plan.h). */
static int view_slots(const void *ctx, int g) { return ((const sl_rrun_t *)ctx)->groups[g].n_slots; }
static bool view_exists(const void *ctx, int g, int i) {
    return ((const sl_rrun_t *)ctx)->groups[g].members[i - 1].exists;
}
static int view_coordinator(const void *ctx, int g) {
    const sl_rrun_t *run = ctx;
    int b = run->cluster->ops->coordinator(run->cluster, sl_scenario_group(run->sc, g)->id);
    return b > 0 ? b : 0;
}
static int view_size(const void *ctx, int g) { return ((const sl_rrun_t *)ctx)->groups[g].target; }

void sl_rtimeline_add(sl_rrun_t *run, int64_t at_us, sl_rstep_fn *fn, int event, int node_kind, int a, int b,
                      int64_t cause, int64_t arg) {
    if (run->n_steps == run->cap_steps) {
        int cap = run->cap_steps ? run->cap_steps * 2 : 64;
        sl_rstep_t *s = realloc(run->steps, (size_t)cap * sizeof *s);
        if (!s)
            abort();
        run->steps = s;
        run->cap_steps = cap;
    }
    sl_rstep_t *st = &run->steps[run->n_steps++];
    st->at_us = at_us;
    st->order = run->step_order++;
    st->fn = fn;
    st->event = event;
    st->node_kind = node_kind;
    st->a = a;
    st->b = b;
    st->cause = cause;
    st->arg = arg;
}

/* ---- partitions offline (clusters whose leaders the runner places) ---- */

static int leader_of(const sl_rrun_t *run, int i, int rf, int start) {
    int nb = sl_scenario_cluster(run->sc)->brokers;
    for (int j = 0; j < rf && j < nb; j++) {
        int b = sl_cluster_replica(i, j, nb, start);
        if (!run->broker_fenced[b - 1])
            return b;
    }
    return sl_cluster_replica(i, 0, nb, start);
}

static void update_offline(sl_rrun_t *run) {
    if (!run->offline_known)
        return;
    const sl_scenario_t *sc = run->sc;
    int off = 0;
    for (int t = 0; t < sl_scenario_topic_count(sc); t++)
        for (int i = 0; i < sl_scenario_topic(sc, t)->partitions; i++)
            off += run->broker_down[leader_of(run, i, sl_scenario_topic(sc, t)->replication, t % sl_scenario_cluster(sc)->brokers) - 1] != 0;
    pthread_mutex_lock(&run->mu);
    int64_t now = sl_rstamp_locked(run);
    if (!run->frozen) {
        run->unavailable_us += (double)run->n_offline * (double)(now - run->offline_since_us);
        run->offline_since_us = now;
        run->n_offline = off;
    }
    pthread_mutex_unlock(&run->mu);
}

/* ---- blame: faults on brokers touch every client ---- */

static void blame_all(sl_rrun_t *run, int64_t seq) {
    pthread_mutex_lock(&run->mu);
    for (int g = 0; g < run->n_groups; g++)
        for (int i = 0; i < run->groups[g].n_slots; i++)
            run->groups[g].members[i].blame = seq;
    for (int t = 0; t < sl_scenario_topic_count(run->sc); t++)
        run->producers[t].blame = seq;
    pthread_mutex_unlock(&run->mu);
}

static void fail(sl_rrun_t *run, const char *what, const char *err) {
    sl_rlog(run, "-", 3, "[stormlab] %s failed: %s", what, err);
    if (!run->failed) {
        run->failed = 1;
        snprintf(run->fail_reason, sizeof run->fail_reason, "%.60s: %.400s", what, err);
    }
}

/* ---- brokers ---- */

static void coordinators_moved(sl_rrun_t *run, const int *before, int64_t cause) {
    for (int g = 0; g < run->n_groups; g++) {
        int now = run->cluster->ops->coordinator(run->cluster, sl_scenario_group(run->sc, g)->id);
        if (now == before[g])
            continue;
        char node[32];
        snprintf(node, sizeof node, "broker/%d", now);
        int64_t seq = sl_rtrace(run, "coordinator.load.done", node, sl_scenario_group(run->sc, g)->id, NULL, -1, cause,
                                "coordinator of %s moved from broker %d to broker %d", sl_scenario_group(run->sc, g)->id,
                                before[g], now);
        (void)seq;
    }
}

static void set_fenced(sl_rrun_t *run, int id, int fenced, int64_t cause, const char *kind, const char *detail) {
    if (!run->cluster->ops->set_fenced || run->broker_fenced[id - 1] == fenced)
        return;
    int *before = calloc((size_t)(run->n_groups ? run->n_groups : 1), sizeof *before);
    for (int g = 0; before && g < run->n_groups; g++)
        before[g] = run->cluster->ops->coordinator(run->cluster, sl_scenario_group(run->sc, g)->id);
    char err[512] = "", node[32];
    snprintf(node, sizeof node, "broker/%d", id);
    run->broker_fenced[id - 1] = fenced;
    int64_t seq = sl_rtrace(run, kind, node, NULL, NULL, -1, cause, "%s", detail);
    if (run->cluster->ops->set_fenced(run->cluster, id, fenced, err, sizeof err) < 0)
        fail(run, "moving leaders", err);
    update_offline(run);
    if (before)
        coordinators_moved(run, before, seq);
    free(before);
}

static void step_fence(sl_rrun_t *run, sl_rstep_t *st) {
    if (run->broker_down[st->a - 1] == 1 || run->broker_down[st->a - 1] == 2)
        set_fenced(run, st->a, 1, st->cause, "broker.fenced",
                   "controller fenced the broker (no heartbeat for broker_session_timeout): leaders and "
                   "coordinators move to the next serving replica");
}

static void step_preferred(sl_rrun_t *run, sl_rstep_t *st) {
    if (run->broker_down[st->a - 1] == 0 && st->arg == run->broker_seq[st->a - 1])
        set_fenced(run, st->a, 0, st->cause, "broker.preferred_leaders",
                   "auto leader rebalance: preferred leaders and coordinators move back");
}

static void step_broker_serving(sl_rrun_t *run, sl_rstep_t *st) {
    int id = st->a;
    sl_restart_mode_t mode = (sl_restart_mode_t)st->arg;
    char err[512] = "", node[32];
    snprintf(node, sizeof node, "broker/%d", id);
    if (run->broker_down[id - 1] == 0)
        return;
    if (run->cluster->ops->broker_start(run->cluster, id, mode, err, sizeof err) < 0) {
        fail(run, "bringing a broker back", err);
        return;
    }
    run->broker_down[id - 1] = 0;
    sl_heal_journal_healed(run->journal, run->broker_journal[id - 1]);
    run->broker_journal[id - 1] = 0;
    int64_t seq = sl_rtrace(run, mode == SL_RESTART_PAUSE ? "broker.resumed" : "broker.serving", node, NULL, NULL, -1,
                            st->cause, "broker %d %s", id, mode == SL_RESTART_PAUSE ? "resumed" : "serving again");
    pthread_mutex_lock(&run->mu);
    run->broker_seq[id - 1] = seq;
    pthread_mutex_unlock(&run->mu);
    sl_rlog(run, node, 6, "[KafkaServer id=%d] started", id);
    update_offline(run);
    const sl_cluster_cfg_t *cc = sl_scenario_cluster(run->sc);
    if (run->cluster->ops->set_fenced && run->broker_fenced[id - 1] && cc->auto_leader_rebalance_us > 0)
        sl_rtimeline_add(run, sl_rnow(run) + cc->auto_leader_rebalance_us, step_preferred, -1, 0, id, 0, seq, seq);
}

static void step_broker_starting(sl_rrun_t *run, sl_rstep_t *st) {
    int id = st->a;
    char node[32];
    snprintf(node, sizeof node, "broker/%d", id);
    if (run->broker_down[id - 1] != 1)
        return;
    /* A cluster of our own (the mock) plays the start-up time; a real
     * broker takes its own. */
    if (run->cluster->ops->set_fenced && sl_scenario_cluster(run->sc)->broker_startup_us > 0) {
        run->broker_down[id - 1] = 3;
        int64_t seq = sl_rtrace(run, "broker.starting", node, NULL, NULL, -1, st->cause,
                                "broker %d starting (log recovery, %lld ms)", id,
                                (long long)(sl_scenario_cluster(run->sc)->broker_startup_us / 1000));
        sl_rtimeline_add(run, sl_rnow(run) + sl_scenario_cluster(run->sc)->broker_startup_us, step_broker_serving, -1, 0, id, 0,
                         seq, st->arg);
        return;
    }
    step_broker_serving(run, st);
}

static void broker_restart(sl_rrun_t *run, int id, const sl_event_cfg_t *ev, int64_t cause) {
    char err[512] = "", node[32];
    snprintf(node, sizeof node, "broker/%d", id);
    if (run->broker_down[id - 1])
        return;
    if (ev->mode == SL_RESTART_CONTROLLED)
        set_fenced(run, id, 1, cause, "broker.fenced",
                   "controlled shutdown: leaders and coordinators moved off the broker first");
    /* Written ahead: a kill from here on leaves the heal state file
     * saying how to bring the broker back. */
    int paused = ev->mode == SL_RESTART_PAUSE;
    char what[128];
    snprintf(what, sizeof what, "broker/%d %s (events[%d])", id,
             paused ? "paused" : ev->mode == SL_RESTART_HARD ? "killed" : "stopped", (int)(ev - sl_scenario_event(run->sc, 0)));
    int64_t undo_timeout = 0;
    char **undo = run->cluster->ops->undo_argv ? run->cluster->ops->undo_argv(run->cluster, id, ev->mode, &undo_timeout)
                                               : NULL;
    if (run->cluster->ops->undo_argv && !undo) {
        fail(run, "stopping a broker", "the cluster file has no command to bring it back");
        return;
    }
    int64_t jid = sl_heal_journal_inject(run->journal, what, undo, undo_timeout);
    sl_clusterfile_argv_free(undo);
    if (jid < 0) {
        fail(run, "recording a broker stop in the heal state file", sl_heal_journal_path(run->journal));
        return;
    }
    run->broker_journal[id - 1] = jid;
    if (run->cluster->ops->broker_stop(run->cluster, id, ev->mode, err, sizeof err) < 0) {
        /* A stop command that failed may have half-worked: the teardown
         * brings the broker back all the same. */
        run->broker_down[id - 1] = paused ? 2 : 1;
        fail(run, "stopping a broker", err);
        return;
    }
    run->broker_down[id - 1] = paused ? 2 : 1;
    int64_t seq = sl_rtrace(run, paused ? "broker.paused" : "broker.down", node, NULL, NULL, -1, cause, "broker %d %s",
                            id, paused ? "frozen (sockets open, nothing answered)"
                                : ev->mode == SL_RESTART_HARD ? "killed" : "shut down cleanly");
    pthread_mutex_lock(&run->mu);
    run->broker_seq[id - 1] = seq;
    pthread_mutex_unlock(&run->mu);
    blame_all(run, seq);
    update_offline(run);
    int64_t now = sl_rnow(run);
    if (ev->mode != SL_RESTART_CONTROLLED && run->cluster->ops->set_fenced)
        sl_rtimeline_add(run, now + sl_scenario_cluster(run->sc)->broker_session_timeout_us, step_fence, -1, 0, id, 0, seq, 0);
    int64_t down = ev->for_us > 0 ? ev->for_us : 0;
    sl_rtimeline_add(run, now + down, paused ? step_broker_serving : step_broker_starting, -1, 0, id, 0, seq, ev->mode);
}

/* ---- members ---- */

static sl_rmember_t *member_of(sl_rrun_t *run, int g, int idx) { return &run->groups[g].members[idx - 1]; }

static void apply_set(sl_rmember_t *m, const sl_event_cfg_t *ev) {
    sl_group_cfg_apply_set(&m->cfg, ev);
    m->generation_cfg++;
}

static void start_member(sl_rrun_t *run, sl_rmember_t *m, int64_t cause) {
    char err[512] = "";
    if (sl_rmember_start(run, m, cause, err, sizeof err) < 0)
        fail(run, "starting a member", err);
}

static void step_member_back(sl_rrun_t *run, sl_rstep_t *st) {
    sl_rmember_t *m = member_of(run, st->a, st->b);
    const sl_event_cfg_t *ev = sl_scenario_event(run->sc, st->event);
    switch (ev->kind) {
    case SL_EV_RESTART:
    case SL_EV_SET:
        if (m->exists) {
            if (ev->kind == SL_EV_SET)
                apply_set(m, ev);
            start_member(run, m, st->cause);
        }
        break;
    case SL_EV_PAUSE: {
        pthread_mutex_lock(&run->mu);
        int was = m->paused;
        pthread_mutex_unlock(&run->mu);
        if (was) {
            sl_rmember_set_paused(run, m, 0);
            sl_rtrace(run, "member.resumed", m->cl.node, sl_scenario_group(run->sc, st->a)->id, m->member_id, -1, st->cause,
                      "process resumed");
        }
        break;
    }
    case SL_EV_STALL:
        sl_rmember_set_stalled(run, m, 0, st->cause);
        sl_rtrace(run, "member.unstalled", m->cl.node, sl_scenario_group(run->sc, st->a)->id, m->member_id, -1, st->cause,
                  "poll loop unblocked");
        break;
    default: break;
    }
}

static void step_node(sl_rrun_t *run, sl_rstep_t *st) {
    const sl_event_cfg_t *ev = sl_scenario_event(run->sc, st->event);
    int64_t now = sl_rnow(run), down = ev->for_us > 0 ? ev->for_us : 0;
    if (st->node_kind == SL_PLAN_BROKER) {
        if (ev->kind == SL_EV_RESTART)
            broker_restart(run, st->a, ev, st->cause);
        return;
    }
    if (st->node_kind == SL_PLAN_PRODUCER) {
        sl_rlog(run, "-", 4, "[stormlab] events[%d]: %s of a producer is not supported by real runs; skipped",
                st->event, sl_event_kind_name(ev->kind));
        return;
    }
    sl_rmember_t *m = member_of(run, st->a, st->b);
    const char *gid = sl_scenario_group(run->sc, st->a)->id;
    pthread_mutex_lock(&run->mu);
    int running = m->running && !m->stop_req;
    pthread_mutex_unlock(&run->mu);
    if (!running)
        return;
    int64_t seq;
    switch (ev->kind) {
    case SL_EV_RESTART:
    case SL_EV_SET:
        sl_rmember_stop(run, m, ev->kind == SL_EV_RESTART && ev->mode == SL_RESTART_HARD, st->cause);
        sl_rtimeline_add(run, now + down, step_member_back, st->event, 1, st->a, st->b, st->cause, 0);
        return;
    case SL_EV_PAUSE:
        seq = sl_rtrace(run, "member.paused", m->cl.node, gid, m->member_id, -1, st->cause, "%s",
                        m->java ? "process frozen (SIGSTOP): no polls, no heartbeats"
                                : "process frozen: no polls, no heartbeats (all its links cut)");
        pthread_mutex_lock(&run->mu);
        m->blame = m->last_seq = seq;
        pthread_mutex_unlock(&run->mu);
        sl_rmember_set_paused(run, m, 1);
        break;
    case SL_EV_STALL:
        seq = sl_rtrace(run, "member.stalled", m->cl.node, gid, m->member_id, -1, st->cause,
                        "poll loop blocked; heartbeat thread continues");
        pthread_mutex_lock(&run->mu);
        m->blame = seq;
        pthread_mutex_unlock(&run->mu);
        sl_rmember_set_stalled(run, m, 1, seq);
        break;
    default: return;
    }
    if (ev->for_us >= 0)
        sl_rtimeline_add(run, now + ev->for_us, step_member_back, st->event, 1, st->a, st->b, seq, 0);
}

/* ---- events ---- */

static void step_link_end(sl_rrun_t *run, sl_rstep_t *st) {
    const sl_event_cfg_t *ev = sl_scenario_event(run->sc, st->event);
    int cut = ev->kind == SL_EV_PARTITION;
    sl_rlinks_apply_event(run, st->event, NULL, st->cause);
    sl_rtrace(run, cut ? "link.heal" : "link.restore", NULL, NULL, NULL, -1, st->cause, "%s ends",
              sl_event_kind_name(ev->kind));
    sl_rlog(run, "-", 6, "[stormlab] %s healed (events[%d])", sl_event_kind_name(ev->kind), st->event);
}

/* An event fires: the plan says what it means now (the same as in the
 * simulator); its nodes are acted on one by one, rolling apart. */
static void step_event(sl_rrun_t *run, sl_rstep_t *st) {
    const sl_event_cfg_t *ev = sl_scenario_event(run->sc, st->event);
    int64_t now = sl_rnow(run);
    sl_plan_view_t v = {run, view_slots, view_exists, view_coordinator, view_size};
    sl_plan_event_t pe;
    sl_plan_event(run->sc, st->event, &v, &pe);
    const char *group = pe.trace_group >= 0 ? sl_scenario_group(run->sc, pe.trace_group)->id : NULL;
    int64_t seq = sl_rtrace(run, pe.trace_kind, NULL, group, NULL, -1, -1, "%s", pe.detail);
    sl_rlog(run, "-", 6, "%s", pe.log);
    run->event_seq[st->event] = seq;
    if (ev->kind == SL_EV_PARTITION || ev->kind == SL_EV_DEGRADE) {
        sl_rlinks_apply_event(run, st->event, &pe, seq);
        if (ev->for_us >= 0)
            sl_rtimeline_add(run, now + ev->for_us, step_link_end, st->event, 0, 0, 0, seq, 0);
    } else if (ev->kind == SL_EV_SCALE) {
        sl_rgroup_t *g = &run->groups[ev->group];
        for (int i = 0; i < g->n_slots; i++) {
            sl_rmember_t *m = &g->members[i];
            int want = i < ev->members;
            if (want && !m->exists) {
                m->exists = 1;
                start_member(run, m, seq);
            } else if (!want && m->exists) {
                m->exists = 0;
                sl_rmember_stop(run, m, 0, seq);
            }
        }
        g->target = ev->members;
    } else {
        for (int i = 0; i < pe.n_nodes; i++)
            sl_rtimeline_add(run, now + pe.gap_us * i, step_node, st->event, (int)pe.nodes[i].kind, pe.nodes[i].a,
                             pe.nodes[i].b, seq, 0);
    }
    sl_plan_event_free(&pe);
}

int sl_rtimeline_init(sl_rrun_t *run) {
    const sl_scenario_t *sc = run->sc;
    int ne = sl_scenario_event_count(sc) ? sl_scenario_event_count(sc) : 1;
    run->faults = calloc((size_t)ne, sizeof *run->faults);
    run->event_seq = calloc((size_t)ne, sizeof *run->event_seq);
    run->broker_down = calloc((size_t)sl_scenario_cluster(sc)->brokers, sizeof *run->broker_down);
    run->broker_fenced = calloc((size_t)sl_scenario_cluster(sc)->brokers, sizeof *run->broker_fenced);
    run->broker_seq = calloc((size_t)sl_scenario_cluster(sc)->brokers, sizeof *run->broker_seq);
    run->broker_journal = calloc((size_t)sl_scenario_cluster(sc)->brokers, sizeof *run->broker_journal);
    if (!run->faults || !run->event_seq || !run->broker_down || !run->broker_fenced || !run->broker_seq ||
        !run->broker_journal)
        return -1;
    for (int b = 0; b < sl_scenario_cluster(sc)->brokers; b++)
        run->broker_seq[b] = -1;
    for (int e = 0; e < sl_scenario_event_count(sc); e++) {
        run->event_seq[e] = -1;
        sl_rtimeline_add(run, sl_scenario_event(sc, e)->at_us, step_event, e, 0, 0, 0, -1, 0);
    }
    run->offline_known = run->cluster->ops->set_fenced != NULL;
    return 0;
}

void sl_rtimeline_free(sl_rrun_t *run) {
    for (int e = 0; run->faults && e < sl_scenario_event_count(run->sc); e++)
        free(run->faults[e].toxics);
    free(run->faults), free(run->event_seq), free(run->steps);
    free(run->broker_down), free(run->broker_fenced), free(run->broker_seq), free(run->broker_journal);
}

static int next_index(const sl_rrun_t *run) {
    int best = -1;
    for (int i = 0; i < run->n_steps; i++) {
        const sl_rstep_t *s = &run->steps[i];
        if (best < 0 || s->at_us < run->steps[best].at_us ||
            (s->at_us == run->steps[best].at_us && s->order < run->steps[best].order))
            best = i;
    }
    return best;
}

int64_t sl_rtimeline_run_due(sl_rrun_t *run, int64_t now) {
    for (;;) {
        int i = next_index(run); /* O(steps): a timeline has tens of them */
        if (i < 0)
            return -1;
        if (run->steps[i].at_us > now || run->steps[i].at_us > sl_scenario_duration_us(run->sc))
            return run->steps[i].at_us;
        sl_rstep_t st = run->steps[i];
        run->steps[i] = run->steps[--run->n_steps];
        st.fn(run, &st);
        now = sl_rnow(run);
    }
}

void sl_rtimeline_next(const sl_rrun_t *run, int64_t now, char *buf, size_t n) {
    (void)now;
    int best = -1;
    for (int i = 0; i < run->n_steps; i++) {
        const sl_rstep_t *s = &run->steps[i];
        if (s->fn != step_event)
            continue;
        if (best < 0 || s->at_us < run->steps[best].at_us)
            best = i;
    }
    if (best < 0) {
        snprintf(buf, n, "no more events");
        return;
    }
    long long s = run->steps[best].at_us / 1000000;
    snprintf(buf, n, "next: %s at %02lld:%02lld:%02lld", sl_event_kind_name(sl_scenario_event(run->sc, run->steps[best].event)->kind),
             s / 3600, s / 60 % 60, s % 60);
}

void sl_rtimeline_heal(sl_rrun_t *run) {
    char err[512];
    for (int b = 1; run->broker_down && b <= sl_scenario_cluster(run->sc)->brokers; b++) {
        int st = run->broker_down[b - 1];
        if (st) {
            err[0] = 0;
            sl_restart_mode_t mode = st == 2 ? SL_RESTART_PAUSE : SL_RESTART_HARD;
            if (run->cluster->ops->broker_start(run->cluster, b, mode, err, sizeof err) < 0) {
                /* Left down in the books (the summary counts it) and in
                 * the heal state file (`stormlab heal` retries it). */
                sl_rlog(run, "-", 3, "[stormlab] heal: broker %d could not be brought back: %s", b, err);
            } else {
                sl_rlog(run, "-", 6, "[stormlab] heal: broker %d %s", b, st == 2 ? "resumed" : "started");
                run->broker_down[b - 1] = 0;
                sl_heal_journal_healed(run->journal, run->broker_journal[b - 1]);
                run->broker_journal[b - 1] = 0;
            }
        }
        if (run->broker_fenced && run->broker_fenced[b - 1] && run->cluster->ops->set_fenced) {
            err[0] = 0;
            run->cluster->ops->set_fenced(run->cluster, b, 0, err, sizeof err);
            run->broker_fenced[b - 1] = 0;
        }
    }
    for (int g = 0; g < run->n_groups; g++)
        for (int i = 0; i < run->groups[g].n_slots; i++) {
            sl_rmember_t *m = &run->groups[g].members[i];
            pthread_mutex_lock(&run->mu);
            int paused = m->paused, stalled = m->stalled;
            pthread_mutex_unlock(&run->mu);
            if (paused)
                sl_rmember_set_paused(run, m, 0);
            if (stalled)
                sl_rmember_set_stalled(run, m, 0, -1);
            int was = paused || stalled;
            if (was)
                sl_rlog(run, "-", 6, "[stormlab] heal: %s thawed", m->cl.node);
        }
    sl_rlinks_heal_all(run);
    run->n_steps = 0; /* nothing more fires */
}
