/*
 * The classic group coordinator (Kafka's GroupCoordinator / ClassicGroup):
 * Empty, PreparingRebalance, CompletingRebalance, Stable, Dead.
 *
 * One sl_group_t holds the group's coordinator-side state wherever it is
 * hosted: only the broker leading the group's __consumer_offsets partition
 * answers for it.  When that leadership moves the group is unloaded (Dead)
 * and the new leader rebuilds it, after coordinator_load, from what was last
 * written to __consumer_offsets: members removed since come back, and a
 * rebalance in progress is lost.
 */
#include <stdlib.h>
#include <string.h>

#include "assert-internal.h"
#include "model-internal.h"

const char *sl_gstate_name(sl_gstate_t st) {
    static const char *const names[] = {"Empty", "PreparingRebalance", "CompletingRebalance", "Stable", "Dead",
                                        "Reconciling", "Assigning"};
    return names[st];
}

const char *sl_kerr_name(sl_kerr_t e) {
    static const char *const names[KE__COUNT] = {
        "NONE", "UNKNOWN_MEMBER_ID", "ILLEGAL_GENERATION", "REBALANCE_IN_PROGRESS", "NOT_COORDINATOR",
        "COORDINATOR_NOT_AVAILABLE", "COORDINATOR_LOAD_IN_PROGRESS", "MEMBER_ID_REQUIRED",
        "INVALID_SESSION_TIMEOUT", "FENCED_MEMBER_EPOCH", "NETWORK_EXCEPTION"};
    return names[e];
}

static int coord_node(const sl_group_t *g) { return sl_broker_node(g->coordinator); }

#define LOG_COORD(s, g, level, fmt, ...) \
    sl_log(s, coord_node(g), level, "[GroupCoordinator %d]: " fmt, (g)->coordinator, __VA_ARGS__)

static void set_state(sl_sim_t *s, sl_group_t *g, sl_gstate_t st, int64_t cause) {
    if (g->state == st)
        return;
    sl_group_wake_heartbeats(s, g); /* their answers change from here */
    g->state = st;
    sl_metrics_coordinator_state(s, g);
    sl_trace(s, "group.state", g->coordinator ? coord_node(g) : -1, g->index, 0, g->generation, cause, "%s",
             sl_gstate_name(st));
}

/* ---- members ---- */

sl_cmember_t *sl_cm_find(const sl_group_t *g, sl_mid_t id) {
    uint32_t slot = (uint32_t)(id & SL_SLOT_MASK);
    if (!id || slot >= (uint32_t)g->n_slots)
        return NULL;
    sl_cmember_t *cm = g->slots[slot];
    return cm && cm->id == id ? cm : NULL;
}

static void session_expired(void *ctx, sl_timer_t *t);

/* Allocates a member with a fresh id (or the given one, when restoring). */
sl_cmember_t *sl_cm_add(sl_sim_t *s, sl_group_t *g, int client, sl_mid_t id) {
    int slot = -1;
    if (id) {
        slot = (int)(uint32_t)(id & SL_SLOT_MASK);
        while (slot >= g->n_slots) {
            int n = g->n_slots ? g->n_slots * 2 : 16;
            sl_cmember_t **ns = realloc(g->slots, (size_t)n * sizeof *ns);
            if (!ns)
                sl_oom();
            memset(ns + g->n_slots, 0, (size_t)(n - g->n_slots) * sizeof *ns);
            g->slots = ns;
            g->n_slots = n;
        }
    } else {
        for (int i = 1; i < g->n_slots; i++)
            if (!g->slots[i]) {
                slot = i;
                break;
            }
        if (slot < 0) {
            int n = g->n_slots ? g->n_slots * 2 : 16;
            sl_cmember_t **ns = realloc(g->slots, (size_t)n * sizeof *ns);
            if (!ns)
                sl_oom();
            memset(ns + g->n_slots, 0, (size_t)(n - g->n_slots) * sizeof *ns);
            slot = g->n_slots ? g->n_slots : 1;
            g->slots = ns;
            g->n_slots = n;
        }
        SL_ASSERT((uint32_t)slot <= SL_SLOT_MASK);
        uint32_t counter = ++g->id_counter & 0xfff;
        if (!counter)
            counter = ++g->id_counter & 0xfff;
        id = ((sl_mid_t)(client + 1) << 32) | ((sl_mid_t)counter << SL_SLOT_BITS) | (uint32_t)slot;
    }
    SL_ASSERT(!g->slots[slot]);
    sl_cmember_t *cm = calloc(1, sizeof *cm);
    if (!cm)
        sl_oom();
    cm->id = id;
    cm->client = client;
    cm->group = g;
    sl_timer_init(&cm->session_timer, session_expired, cm);
    sl_timer_init(&cm->revoke_timer, sl_cg_revoke_expired, cm);
    g->slots[slot] = cm;
    (void)s;
    return cm;
}

void sl_cm_arm_session(sl_sim_t *s, sl_cmember_t *cm) {
    cm->last_heard_us = sl_now(s);
    int64_t deadline = sl_cm_session_deadline(cm);
    if (!sl_timer_armed(&cm->session_timer) || cm->session_timer.at_us > deadline)
        sl_timer_arm(&s->eng, &cm->session_timer, deadline, -1);
}

static void send_reply(sl_sim_t *s, sl_group_t *g, sl_msg_t *r) {
    (void)g;
    sl_net_send(s, r);
}

/* Answers a parked request of cm with an error (or NONE for empty payloads). */
static void answer_parked(sl_sim_t *s, sl_group_t *g, int src, uint32_t req_id, sl_msg_kind_t kind,
                          sl_mid_t member_id, sl_kerr_t err, int64_t cause) {
    sl_msg_t req = {0};
    req.kind = kind;
    req.src = src;
    req.req_id = req_id;
    req.group = g->index;
    req.member_id = member_id;
    req.generation = g->generation;
    req.cause = cause;
    send_reply(s, g, sl_coord_reply(s, g->coordinator, &req, err));
}

void sl_cm_free(sl_sim_t *s, sl_group_t *g, sl_cmember_t *cm) {
    sl_timer_cancel(&s->eng, &cm->session_timer);
    sl_timer_cancel(&s->eng, &cm->revoke_timer);
    free(cm->target);
    free(cm->revoking);
    g->slots[(uint32_t)(cm->id & SL_SLOT_MASK)] = NULL;
    free(cm->assignment);
    free(cm->claimed);
    free(cm);
}

/* Why an id is unknown: the seq of its removal, if still remembered. */
static int64_t removal_cause(const sl_group_t *g, sl_mid_t id) {
    for (int i = 0; i < 64; i++)
        if (g->removed_ids[i] == id)
            return g->removed_seq[i];
    return -1;
}

static sl_msg_t *unknown_member(sl_sim_t *s, sl_group_t *g, const sl_msg_t *req) {
    sl_msg_t *r = sl_coord_reply(s, g->coordinator, req, KE_UNKNOWN_MEMBER_ID);
    int64_t why = removal_cause(g, req->member_id);
    if (why >= 0)
        r->cause = why;
    return r;
}

static void remove_member(sl_sim_t *s, sl_group_t *g, sl_cmember_t *cm, int64_t cause) {
    g->removed_ids[g->removed_next] = cm->id;
    g->removed_seq[g->removed_next] = cause;
    g->removed_next = (g->removed_next + 1) % 64;
    if (cm->awaiting_join) {
        g->n_awaiting_join--;
        answer_parked(s, g, cm->join_src, cm->join_req_id, MSG_JOIN, cm->id, KE_UNKNOWN_MEMBER_ID, cause);
    }
    if (cm->awaiting_sync) {
        g->n_awaiting_sync--;
        answer_parked(s, g, cm->sync_src, cm->sync_req_id, MSG_SYNC, cm->id, KE_UNKNOWN_MEMBER_ID, cause);
    }
    if (!cm->pending)
        g->n_members--;
    if (g->leader == cm->id)
        g->leader = 0;
    sl_cm_free(s, g, cm);
}

static int count_static(const sl_group_t *g) {
    int n = 0;
    for (int i = 0; i < g->n_slots; i++)
        n += g->slots[i] && !g->slots[i]->pending && g->slots[i]->is_static;
    return n;
}

/* ---- the rebalance ---- */

static int64_t rebalance_timeout_us(const sl_group_t *g) {
    int64_t t = 0;
    for (int i = 0; i < g->n_slots; i++)
        if (g->slots[i] && !g->slots[i]->pending && g->slots[i]->rebalance_timeout_us > t)
            t = g->slots[i]->rebalance_timeout_us;
    return t ? t : g->cfg->max_poll_interval_us;
}

static void complete_join(sl_sim_t *s, sl_group_t *g, int64_t cause);

static void try_complete_join(sl_sim_t *s, sl_group_t *g, int64_t cause) {
    if (g->state != GS_PREPARING_REBALANCE || g->initial_delay)
        return;
    bool pending = false;
    for (int i = 0; i < g->n_slots && !pending; i++)
        pending = g->slots[i] && g->slots[i]->pending;
    if (g->n_awaiting_join == g->n_members && !pending)
        complete_join(s, g, cause);
}

static void prepare_rebalance(sl_sim_t *s, sl_group_t *g, int64_t cause, const char *reason) {
    if (g->state == GS_COMPLETING_REBALANCE) {
        /* Followers parked in SyncGroup learn the rebalance restarted. */
        sl_timer_cancel(&s->eng, &g->sync_timer);
        for (int i = 0; i < g->n_slots; i++) {
            sl_cmember_t *cm = g->slots[i];
            if (cm && cm->awaiting_sync) {
                cm->awaiting_sync = false;
                g->n_awaiting_sync--;
                answer_parked(s, g, cm->sync_src, cm->sync_req_id, MSG_SYNC, cm->id, KE_REBALANCE_IN_PROGRESS,
                              cause);
            }
        }
    }
    sl_timer_cancel(&s->eng, &g->sync_timer);
    bool was_empty = g->state == GS_EMPTY;
    int64_t rto = rebalance_timeout_us(g);
    int64_t delay = rto;
    g->initial_delay = false;
    if (was_empty && s->sc->cluster.group_initial_rebalance_delay_us > 0) {
        /* InitialDelayedJoin: wait for more members, in steps, at most the
         * rebalance timeout in all. */
        int64_t init = s->sc->cluster.group_initial_rebalance_delay_us;
        delay = init < rto ? init : rto;
        g->initial_delay_left_us = rto - delay;
        g->initial_delay = true;
        g->new_member_added = false;
    }
    g->rebalance_seq = sl_trace(s, "group.rebalance.start", coord_node(g), g->index, 0, g->generation, cause,
                                "%s", reason);
    LOG_COORD(s, g, "INFO",
              "Preparing to rebalance group %s in state PreparingRebalance with old generation %d "
              "(__consumer_offsets-%d) (reason: %s)",
              g->cfg->id, g->generation, g->offsets_partition, reason);
    set_state(s, g, GS_PREPARING_REBALANCE, g->rebalance_seq);
    sl_metrics_rebalance_started(s, g);
    sl_timer_arm(&s->eng, &g->join_timer, sl_now(s) + delay, g->rebalance_seq);
    sl_metrics_group_changed(s, g, g->rebalance_seq);
    try_complete_join(s, g, g->rebalance_seq);
}

static void maybe_prepare_rebalance(sl_sim_t *s, sl_group_t *g, int64_t cause, const char *reason) {
    if (g->state == GS_STABLE || g->state == GS_COMPLETING_REBALANCE || g->state == GS_EMPTY)
        prepare_rebalance(s, g, cause, reason);
}

/* A frozen coordinator's process runs none of its timers: one that comes
 * due during the freeze fires when the process thaws (then, if the broker
 * still coordinates the group; a fencing meanwhile moved the group and its
 * timers).  True when t was deferred. */
static bool defer_if_frozen(sl_sim_t *s, const sl_group_t *g, sl_timer_t *t) {
    if (g->coordinator <= 0)
        return false;
    sl_broker_t *b = &s->brokers[g->coordinator - 1];
    if (b->state != SL_BROKER_PAUSED || !sl_timer_armed(&b->up_timer))
        return false;
    sl_timer_arm(&s->eng, t, b->up_timer.at_us, t->cause);
    return true;
}

static void join_timer_cb(void *ctx, sl_timer_t *t) {
    sl_group_t *g = ctx;
    sl_sim_t *s = g->sim;
    if (g->state != GS_PREPARING_REBALANCE)
        return;
    if (defer_if_frozen(s, g, t))
        return;
    if (g->initial_delay && g->new_member_added && g->initial_delay_left_us > 0) {
        int64_t init = s->sc->cluster.group_initial_rebalance_delay_us;
        int64_t d = init < g->initial_delay_left_us ? init : g->initial_delay_left_us;
        g->initial_delay_left_us -= d;
        g->new_member_added = false;
        sl_timer_arm(&s->eng, &g->join_timer, sl_now(s) + d, t->cause);
        return;
    }
    g->initial_delay = false;
    complete_join(s, g, g->rebalance_seq);
}

/* Kafka's assignors order members by member id string; the leader gets
 * them in that order. */
typedef struct id_key_s {
    char str[160];
    sl_mid_t id;
} id_key_t;

static int cmp_id_key(const void *a, const void *b) {
    const id_key_t *x = a, *y = b;
    int c = strcmp(x->str, y->str);
    return c ? c : (x->id < y->id ? -1 : x->id > y->id);
}

static void sort_ids_as_kafka(const sl_sim_t *s, const sl_group_t *g, sl_mid_t *ids, int n) {
    id_key_t *keys = malloc((size_t)(n ? n : 1) * sizeof *keys);
    if (!keys)
        sl_oom();
    for (int i = 0; i < n; i++) {
        keys[i].id = ids[i];
        sl_member_id_str(s, g, ids[i], keys[i].str, sizeof keys[i].str);
    }
    qsort(keys, (size_t)n, sizeof *keys, cmp_id_key);
    for (int i = 0; i < n; i++)
        ids[i] = keys[i].id;
    free(keys);
}

static void store_group(sl_sim_t *s, sl_group_t *g) {
    for (int i = 0; i < g->n_stored; i++)
        free(g->stored[i].assignment);
    free(g->stored);
    g->stored = NULL;
    g->n_stored = 0;
    g->stored_generation = g->generation;
    g->stored_leader = g->leader;
    if (g->n_members == 0)
        return;
    g->stored = calloc((size_t)g->n_members, sizeof *g->stored);
    if (!g->stored)
        sl_oom();
    for (int i = 0; i < g->n_slots; i++) {
        sl_cmember_t *cm = g->slots[i];
        if (!cm || cm->pending)
            continue;
        sl_stored_member_t *sm = &g->stored[g->n_stored++];
        sm->id = cm->id;
        sm->client = cm->client;
        sm->is_static = cm->is_static;
        sm->session_timeout_us = cm->session_timeout_us;
        sm->rebalance_timeout_us = cm->rebalance_timeout_us;
        sm->protocol_hash = cm->protocol_hash;
        sm->n_assignment = cm->n_assignment;
        if (cm->n_assignment) {
            sm->assignment = malloc((size_t)cm->n_assignment * sizeof(int));
            memcpy(sm->assignment, cm->assignment, (size_t)cm->n_assignment * sizeof(int));
        }
    }
    (void)s;
}

static void sync_timer_cb(void *ctx, sl_timer_t *t);

static sl_msg_t *join_answer(sl_sim_t *s, sl_group_t *g, sl_cmember_t *cm, int src, uint32_t req_id,
                             int64_t cause) {
    sl_msg_t req = {0};
    req.kind = MSG_JOIN;
    req.src = src;
    req.req_id = req_id;
    req.group = g->index;
    req.member_id = cm->id;
    req.cause = cause;
    sl_msg_t *r = sl_coord_reply(s, g->coordinator, &req, KE_NONE);
    r->generation = g->generation;
    r->leader_id = g->leader;
    if (cm->id == g->leader) {
        r->ids = malloc((size_t)g->n_members * sizeof *r->ids);
        for (int i = 0; i < g->n_slots; i++)
            if (g->slots[i] && !g->slots[i]->pending)
                r->ids[r->n_ids++] = g->slots[i]->id;
        sort_ids_as_kafka(s, g, r->ids, r->n_ids);
        /* Each member's subscription userData: what it claims. */
        r->assign = calloc((size_t)(r->n_ids ? r->n_ids : 1), sizeof *r->assign);
        r->assign_n = calloc((size_t)(r->n_ids ? r->n_ids : 1), sizeof *r->assign_n);
        for (int i = 0; i < r->n_ids; i++) {
            sl_cmember_t *m2 = sl_cm_find(g, r->ids[i]);
            if (!m2 || !m2->n_claimed)
                continue;
            r->assign[i] = malloc((size_t)m2->n_claimed * sizeof(int));
            memcpy(r->assign[i], m2->claimed, (size_t)m2->n_claimed * sizeof(int));
            r->assign_n[i] = m2->n_claimed;
        }
    }
    return r;
}

static void complete_join(sl_sim_t *s, sl_group_t *g, int64_t cause) {
    sl_timer_cancel(&s->eng, &g->join_timer);
    /* Dynamic members that did not rejoin are removed; static ones kept. */
    for (int i = 0; i < g->n_slots; i++) {
        sl_cmember_t *cm = g->slots[i];
        if (!cm || cm->pending || cm->awaiting_join || cm->is_static)
            continue;
        char idstr[160];
        sl_member_id_str(s, g, cm->id, idstr, sizeof idstr);
        sl_trace(s, "member.removed", coord_node(g), g->index, cm->id, g->generation, cause,
                 "did not rejoin before the join phase completed");
        remove_member(s, g, cm, cause);
    }
    g->generation++;
    if (g->n_members == 0) {
        set_state(s, g, GS_EMPTY, cause);
        LOG_COORD(s, g, "INFO", "Group %s with generation %d is now empty (__consumer_offsets-%d)", g->cfg->id,
                  g->generation, g->offsets_partition);
        store_group(s, g);
        sl_metrics_group_changed(s, g, cause);
        return;
    }
    if (!sl_cm_find(g, g->leader) || !sl_cm_find(g, g->leader)->awaiting_join) {
        g->leader = 0;
        for (int i = 0; i < g->n_slots && !g->leader; i++)
            if (g->slots[i] && g->slots[i]->awaiting_join)
                g->leader = g->slots[i]->id;
    }
    set_state(s, g, GS_COMPLETING_REBALANCE, cause);
    int64_t seq = sl_trace(s, "group.join.complete", coord_node(g), g->index, g->leader, g->generation, cause,
                           "generation %d with %d members", g->generation, g->n_members);
    LOG_COORD(s, g, "INFO", "Stabilized group %s generation %d (__consumer_offsets-%d) with %d members", g->cfg->id,
              g->generation, g->offsets_partition, g->n_members);
    for (int i = 0; i < g->n_slots; i++) {
        sl_cmember_t *cm = g->slots[i];
        if (!cm || !cm->awaiting_join)
            continue;
        cm->awaiting_join = false;
        cm->is_new = false;
        cm->owes_sync = true;
        g->n_awaiting_join--;
        free(cm->assignment);
        cm->assignment = NULL;
        cm->n_assignment = 0;
        send_reply(s, g, join_answer(s, g, cm, cm->join_src, cm->join_req_id, seq));
        sl_cm_arm_session(s, cm);
    }
    sl_timer_arm(&s->eng, &g->sync_timer, sl_now(s) + rebalance_timeout_us(g), seq);
    sl_metrics_group_changed(s, g, seq);
}

/* Members still owing a SyncGroup when the rebalance timeout passes are
 * removed and the group rebalances again. */
static void sync_timer_cb(void *ctx, sl_timer_t *t) {
    sl_group_t *g = ctx;
    sl_sim_t *s = g->sim;
    if (g->state != GS_COMPLETING_REBALANCE && g->state != GS_STABLE)
        return;
    if (defer_if_frozen(s, g, t))
        return;
    int removed = 0;
    for (int i = 0; i < g->n_slots; i++) {
        sl_cmember_t *cm = g->slots[i];
        if (!cm || cm->pending || !cm->owes_sync)
            continue;
        sl_trace(s, "member.removed", coord_node(g), g->index, cm->id, g->generation, t->cause,
                 "no SyncGroup within the rebalance timeout");
        remove_member(s, g, cm, t->cause);
        removed++;
    }
    if (removed)
        prepare_rebalance(s, g, t->cause, "removing members on pending sync request expiration");
}

static void session_expired(void *ctx, sl_timer_t *t) {
    sl_cmember_t *cm = ctx;
    sl_group_t *g = cm->group;
    sl_sim_t *s = g->sim;
    if (defer_if_frozen(s, g, t))
        return;
    /* A quiet client heartbeats virtually: count those heartbeats first. */
    sl_member_t *owner = cm->client >= 0 && cm->client < g->n_member_slots ? g->members[cm->client] : NULL;
    if (owner && sl_member_session_parked(s, owner, cm))
        return;
    cm->session_parked = false;
    if (sl_cm_session_deadline(cm) > sl_now(s)) {
        /* heard from since the timer was set: move it (lazily) */
        sl_timer_arm(&s->eng, &cm->session_timer, sl_cm_session_deadline(cm), -1);
        return;
    }
    if (sl_cg_is_consumer(g)) {
        sl_cg_session_expired(s, g, cm);
        return;
    }
    if (cm->awaiting_join || cm->awaiting_sync) {
        /* A member parked in Join or Sync is never expired. */
        sl_cm_arm_session(s, cm);
        return;
    }
    sl_member_t *client = cm->client >= 0 && cm->client < g->n_member_slots ? g->members[cm->client] : NULL;
    int64_t blame = client ? client->blame_seq : -1;
    char idstr[160];
    sl_member_id_str(s, g, cm->id, idstr, sizeof idstr);
    int64_t seq = sl_trace(s, "member.session_expired", coord_node(g), g->index, cm->id, g->generation, blame,
                           "no heartbeat for session.timeout.ms=%lld", (long long)(cm->session_timeout_us / 1000));
    if (cm->pending) {
        LOG_COORD(s, g, "INFO", "Pending member %s in group %s has been removed after session timeout expiration.",
                  idstr, g->cfg->id);
        remove_member(s, g, cm, seq);
        try_complete_join(s, g, seq);
        return;
    }
    LOG_COORD(s, g, "INFO", "Member %s in group %s has failed, removing it from the group", idstr, g->cfg->id);
    remove_member(s, g, cm, seq);
    char reason[256];
    snprintf(reason, sizeof reason, "removing member %s on heartbeat expiration", idstr);
    if (g->state == GS_PREPARING_REBALANCE)
        try_complete_join(s, g, seq);
    else
        maybe_prepare_rebalance(s, g, seq, reason);
    sl_metrics_group_changed(s, g, seq);
}

/* ---- requests ---- */

static void set_claimed(sl_cmember_t *cm, const sl_msg_t *req) {
    free(cm->claimed);
    cm->claimed = NULL;
    cm->n_claimed = req->n_parts;
    if (req->n_parts) {
        cm->claimed = malloc((size_t)req->n_parts * sizeof(int));
        memcpy(cm->claimed, req->parts, (size_t)req->n_parts * sizeof(int));
    }
}

static void park_join(sl_group_t *g, sl_cmember_t *cm, const sl_msg_t *req) {
    cm->awaiting_join = true;
    cm->join_src = req->src;
    cm->join_req_id = req->req_id;
    g->n_awaiting_join++;
}

/* KIP-345: a JoinGroup with a group.instance.id and no member id.  A known
 * instance gets a new member id in place of its old one; in Stable with
 * unchanged metadata that is all: it gets its old assignment back, no
 * rebalance.  An unknown instance joins like any new member, without the
 * KIP-394 round trip. */
static void handle_static_join(sl_sim_t *s, sl_group_t *g, sl_msg_t *req, int client) {
    sl_cmember_t *cm = NULL;
    for (int i = 0; i < g->n_slots && !cm; i++)
        if (g->slots[i] && g->slots[i]->is_static && g->slots[i]->client == client)
            cm = g->slots[i];
    char idstr[160], reason[320];
    if (!cm) {
        cm = sl_cm_add(s, g, client, 0);
        cm->is_static = true;
        cm->is_new = true;
        cm->session_timeout_us = req->session_timeout_us;
        cm->rebalance_timeout_us = req->rebalance_timeout_us;
        cm->protocol_hash = req->protocol_hash;
        set_claimed(cm, req);
        g->n_members++;
        sl_cm_arm_session(s, cm);
        sl_member_id_str(s, g, cm->id, idstr, sizeof idstr);
        if (g->state == GS_PREPARING_REBALANCE && g->initial_delay)
            g->new_member_added = true;
        park_join(g, cm, req);
        snprintf(reason, sizeof reason, "Adding new member %s with group instance id Some(%s-%d)", idstr, g->cfg->id,
                 client + 1);
        if (g->state == GS_PREPARING_REBALANCE)
            try_complete_join(s, g, req->cause);
        else
            prepare_rebalance(s, g, req->cause, reason);
        return;
    }
    /* Replace the old member id with a new one in the same slot. */
    sl_mid_t old = cm->id;
    uint32_t counter = ++g->id_counter & 0xfff;
    if (!counter)
        counter = ++g->id_counter & 0xfff;
    cm->id = ((sl_mid_t)(client + 1) << 32) | ((sl_mid_t)counter << SL_SLOT_BITS) | (old & SL_SLOT_MASK);
    if (g->leader == old)
        g->leader = cm->id;
    g->removed_ids[g->removed_next] = old;
    g->removed_seq[g->removed_next] = req->cause;
    g->removed_next = (g->removed_next + 1) % 64;
    bool changed = cm->protocol_hash != req->protocol_hash;
    cm->session_timeout_us = req->session_timeout_us;
    cm->rebalance_timeout_us = req->rebalance_timeout_us;
    cm->protocol_hash = req->protocol_hash;
    set_claimed(cm, req);
    sl_cm_arm_session(s, cm);
    sl_member_id_str(s, g, cm->id, idstr, sizeof idstr);
    sl_trace(s, "member.static_rejoin", coord_node(g), g->index, cm->id, g->generation, req->cause,
             "instance %s-%d replaces its old member id in %s", g->cfg->id, client + 1, sl_gstate_name(g->state));
    if (cm->awaiting_join) {
        cm->join_src = req->src;
        cm->join_req_id = req->req_id;
        return;
    }
    switch (g->state) {
    case GS_STABLE:
        if (!changed) {
            LOG_COORD(s, g, "INFO",
                      "Static member which joins during Stable stage and doesn't affect selectProtocol will not "
                      "trigger rebalance.%s", "");
            store_group(s, g);
            send_reply(s, g, join_answer(s, g, cm, req->src, req->req_id, req->cause));
            return;
        }
        park_join(g, cm, req);
        snprintf(reason, sizeof reason, "Group's selectedProtocol will change because static member %s with "
                 "instance id %s-%d joined with change of protocol", idstr, g->cfg->id, client + 1);
        prepare_rebalance(s, g, req->cause, reason);
        return;
    case GS_COMPLETING_REBALANCE:
    case GS_EMPTY:
        park_join(g, cm, req);
        snprintf(reason, sizeof reason, "Updating metadata for static member %s with instance id %s-%d", idstr,
                 g->cfg->id, client + 1);
        prepare_rebalance(s, g, req->cause, reason);
        return;
    case GS_PREPARING_REBALANCE:
        park_join(g, cm, req);
        try_complete_join(s, g, req->cause);
        return;
    case GS_DEAD:
    case GS_RECONCILING: /* consumer groups never reach the classic handlers */
    case GS_ASSIGNING:
        send_reply(s, g, sl_coord_reply(s, g->coordinator, req, KE_COORDINATOR_NOT_AVAILABLE));
        return;
    }
}

static void handle_join(sl_sim_t *s, sl_group_t *g, sl_msg_t *req) {
    const sl_cluster_cfg_t *cc = &s->sc->cluster;
    if (req->session_timeout_us < cc->group_min_session_timeout_us ||
        req->session_timeout_us > cc->group_max_session_timeout_us) {
        send_reply(s, g, sl_coord_reply(s, g->coordinator, req, KE_INVALID_SESSION_TIMEOUT));
        return;
    }
    int client = s->node_member[req->src]->index - 1;
    if (req->member_id == 0 && req->is_static) {
        handle_static_join(s, g, req, client);
        return;
    }
    if (req->member_id == 0) {
        /* KIP-394: hand out an id and ask the member to come back with it. */
        sl_cmember_t *cm = sl_cm_add(s, g, client, 0);
        cm->pending = true;
        cm->session_timeout_us = req->session_timeout_us;
        cm->rebalance_timeout_us = req->rebalance_timeout_us;
        sl_cm_arm_session(s, cm);
        char idstr[160];
        sl_member_id_str(s, g, cm->id, idstr, sizeof idstr);
        LOG_COORD(s, g, "INFO",
                  "Dynamic member with unknown member id joins group %s in %s state. Created a new member id %s "
                  "and request the member to rejoin with this id.",
                  g->cfg->id, sl_gstate_name(g->state), idstr);
        sl_msg_t *r = sl_coord_reply(s, g->coordinator, req, KE_MEMBER_ID_REQUIRED);
        r->member_id = cm->id;
        send_reply(s, g, r);
        return;
    }
    sl_cmember_t *cm = sl_cm_find(g, req->member_id);
    if (!cm) {
        send_reply(s, g, unknown_member(s, g, req));
        return;
    }
    bool changed = cm->protocol_hash != req->protocol_hash;
    cm->session_timeout_us = req->session_timeout_us;
    cm->rebalance_timeout_us = req->rebalance_timeout_us;
    cm->protocol_hash = req->protocol_hash;
    set_claimed(cm, req);
    sl_cm_arm_session(s, cm);
    char idstr[160];
    sl_member_id_str(s, g, cm->id, idstr, sizeof idstr);
    if (cm->pending) {
        /* The id round trip completed: a new member joins. */
        cm->pending = false;
        cm->is_new = true;
        g->n_members++;
        if (g->state == GS_PREPARING_REBALANCE && g->initial_delay)
            g->new_member_added = true;
    }
    if (cm->awaiting_join) {
        /* A retried JoinGroup replaces the parked one. */
        cm->join_src = req->src;
        cm->join_req_id = req->req_id;
        return;
    }
    switch (g->state) {
    case GS_PREPARING_REBALANCE:
        cm->awaiting_join = true;
        cm->join_src = req->src;
        cm->join_req_id = req->req_id;
        g->n_awaiting_join++;
        try_complete_join(s, g, req->cause);
        break;
    case GS_EMPTY:
    case GS_COMPLETING_REBALANCE:
    case GS_STABLE: {
        bool is_leader = g->leader == cm->id;
        bool rebalance = cm->is_new || changed || (g->state == GS_STABLE && is_leader) || g->state == GS_EMPTY;
        if (!rebalance) {
            /* A follower with unchanged metadata gets the current generation. */
            send_reply(s, g, join_answer(s, g, cm, req->src, req->req_id, req->cause));
            break;
        }
        cm->awaiting_join = true;
        cm->join_src = req->src;
        cm->join_req_id = req->req_id;
        g->n_awaiting_join++;
        char reason[256];
        if (cm->is_new)
            snprintf(reason, sizeof reason, "Adding new member %s with group instance id None", idstr);
        else if (changed)
            snprintf(reason, sizeof reason, "Updating metadata for member %s during %s", idstr,
                     sl_gstate_name(g->state));
        else
            snprintf(reason, sizeof reason, "leader %s re-joining group during %s", idstr, sl_gstate_name(g->state));
        prepare_rebalance(s, g, req->cause, reason);
        break;
    }
    case GS_DEAD:
    case GS_RECONCILING: /* consumer groups never reach the classic handlers */
    case GS_ASSIGNING:
        send_reply(s, g, sl_coord_reply(s, g->coordinator, req, KE_COORDINATOR_NOT_AVAILABLE));
        break;
    }
}

static void set_assignment(sl_cmember_t *cm, const int *parts, int n) {
    free(cm->assignment);
    cm->assignment = NULL;
    cm->n_assignment = n;
    if (n) {
        cm->assignment = malloc((size_t)n * sizeof(int));
        memcpy(cm->assignment, parts, (size_t)n * sizeof(int));
    }
}

static sl_msg_t *sync_answer(sl_sim_t *s, sl_group_t *g, sl_cmember_t *cm, int src, uint32_t req_id,
                             int64_t cause) {
    sl_msg_t req = {0};
    req.kind = MSG_SYNC;
    req.src = src;
    req.req_id = req_id;
    req.group = g->index;
    req.member_id = cm->id;
    req.cause = cause;
    sl_msg_t *r = sl_coord_reply(s, g->coordinator, &req, KE_NONE);
    r->generation = g->generation;
    r->n_parts = cm->n_assignment;
    if (cm->n_assignment) {
        r->parts = malloc((size_t)cm->n_assignment * sizeof(int));
        memcpy(r->parts, cm->assignment, (size_t)cm->n_assignment * sizeof(int));
    }
    return r;
}

static void handle_sync(sl_sim_t *s, sl_group_t *g, sl_msg_t *req) {
    sl_cmember_t *cm = sl_cm_find(g, req->member_id);
    if (!cm || cm->pending) {
        send_reply(s, g, unknown_member(s, g, req));
        return;
    }
    if (req->generation != g->generation) {
        send_reply(s, g, sl_coord_reply(s, g->coordinator, req, KE_ILLEGAL_GENERATION));
        return;
    }
    sl_cm_arm_session(s, cm);
    switch (g->state) {
    case GS_PREPARING_REBALANCE:
    case GS_EMPTY:
    case GS_DEAD:
    case GS_RECONCILING: /* consumer groups never reach the classic handlers */
    case GS_ASSIGNING:
        send_reply(s, g, sl_coord_reply(s, g->coordinator, req,
                                        g->state == GS_PREPARING_REBALANCE ? KE_REBALANCE_IN_PROGRESS
                                                                           : KE_UNKNOWN_MEMBER_ID));
        return;
    case GS_STABLE:
        cm->owes_sync = false;
        send_reply(s, g, sync_answer(s, g, cm, req->src, req->req_id, req->cause));
        return;
    case GS_COMPLETING_REBALANCE:
        break;
    }
    cm->owes_sync = false;
    cm->awaiting_sync = true;
    cm->sync_src = req->src;
    cm->sync_req_id = req->req_id;
    g->n_awaiting_sync++;
    if (cm->id != g->leader)
        return;
    /* The leader's assignment: write it to __consumer_offsets, then answer
     * every parked SyncGroup and go Stable. */
    char idstr[160];
    sl_member_id_str(s, g, cm->id, idstr, sizeof idstr);
    LOG_COORD(s, g, "INFO",
              "Assignment received from leader %s for group %s for generation %d. The group has %d members, %d of "
              "which are static.",
              idstr, g->cfg->id, g->generation, g->n_members, count_static(g));
    if (!sl_partition_accepts_writes(s, &s->parts[s->offsets_first_part + g->offsets_partition])) {
        /* NOT_ENOUGH_REPLICAS on the write: Kafka answers every parked
         * SyncGroup COORDINATOR_NOT_AVAILABLE and rebalances again. */
        int64_t seq = sl_trace(s, "group.store_failed", coord_node(g), g->index, g->leader, g->generation,
                               req->cause, "assignment write to __consumer_offsets-%d failed: NOT_ENOUGH_REPLICAS",
                               g->offsets_partition);
        LOG_COORD(s, g, "WARN", "Failed to write group metadata for group %s: NOT_ENOUGH_REPLICAS%s", g->cfg->id, "");
        for (int i = 0; i < g->n_slots; i++) {
            sl_cmember_t *m2 = g->slots[i];
            if (!m2 || !m2->awaiting_sync)
                continue;
            m2->awaiting_sync = false;
            g->n_awaiting_sync--;
            answer_parked(s, g, m2->sync_src, m2->sync_req_id, MSG_SYNC, m2->id, KE_COORDINATOR_NOT_AVAILABLE, seq);
        }
        char reason[256];
        snprintf(reason, sizeof reason, "Error COORDINATOR_NOT_AVAILABLE when storing group assignment during "
                 "SyncGroup (member: %s)", idstr);
        prepare_rebalance(s, g, seq, reason);
        return;
    }
    for (int i = 0; i < g->n_slots; i++)
        if (g->slots[i])
            set_assignment(g->slots[i], NULL, 0);
    for (int i = 0; i < req->n_ids; i++) {
        sl_cmember_t *target = sl_cm_find(g, req->ids[i]);
        if (target)
            set_assignment(target, req->assign[i], req->assign_n[i]);
    }
    store_group(s, g);
    int64_t seq = sl_trace(s, "group.stable", coord_node(g), g->index, g->leader, g->generation, g->rebalance_seq,
                           "assignment for generation %d stored", g->generation);
    set_state(s, g, GS_STABLE, seq);
    for (int i = 0; i < g->n_slots; i++) {
        sl_cmember_t *m2 = g->slots[i];
        if (!m2 || !m2->awaiting_sync)
            continue;
        m2->awaiting_sync = false;
        g->n_awaiting_sync--;
        send_reply(s, g, sync_answer(s, g, m2, m2->sync_src, m2->sync_req_id, seq));
    }
    sl_metrics_group_changed(s, g, seq);
}

static void handle_heartbeat(sl_sim_t *s, sl_group_t *g, sl_msg_t *req) {
    sl_cmember_t *cm = sl_cm_find(g, req->member_id);
    sl_kerr_t err;
    if (g->state == GS_EMPTY || !cm || cm->pending)
        err = KE_UNKNOWN_MEMBER_ID;
    else if (req->generation != g->generation)
        err = KE_ILLEGAL_GENERATION;
    else {
        sl_cm_arm_session(s, cm);
        err = g->state == GS_PREPARING_REBALANCE ? KE_REBALANCE_IN_PROGRESS : KE_NONE;
    }
    sl_msg_t *r = err == KE_UNKNOWN_MEMBER_ID ? unknown_member(s, g, req) : sl_coord_reply(s, g->coordinator, req, err);
    if (err == KE_REBALANCE_IN_PROGRESS)
        r->cause = g->rebalance_seq;
    send_reply(s, g, r);
}

static void handle_leave(sl_sim_t *s, sl_group_t *g, sl_msg_t *req) {
    sl_cmember_t *cm = sl_cm_find(g, req->member_id);
    if (!cm) {
        send_reply(s, g, sl_coord_reply(s, g->coordinator, req, KE_UNKNOWN_MEMBER_ID));
        return;
    }
    char idstr[160], reason[256];
    sl_member_id_str(s, g, cm->id, idstr, sizeof idstr);
    LOG_COORD(s, g, "INFO", "Member %s has left group %s through explicit `LeaveGroup` request; client reason: %s",
              idstr, g->cfg->id, req->err == KE_NONE ? "the consumer is being closed" : "the consumer unsubscribed");
    int64_t seq = sl_trace(s, "member.left", coord_node(g), g->index, cm->id, g->generation, req->cause,
                           "LeaveGroup received");
    bool was_pending = cm->pending;
    remove_member(s, g, cm, seq);
    send_reply(s, g, sl_coord_reply(s, g->coordinator, req, KE_NONE));
    if (was_pending)
        return;
    snprintf(reason, sizeof reason, "removing member %s on LeaveGroup", idstr);
    if (g->state == GS_PREPARING_REBALANCE)
        try_complete_join(s, g, seq);
    else
        maybe_prepare_rebalance(s, g, seq, reason);
    sl_metrics_group_changed(s, g, seq);
}

static sl_kerr_t commit_offsets(sl_sim_t *s, sl_group_t *g, sl_mid_t member_id, int generation, const int *parts,
                                 const int64_t *offsets, int n) {
    sl_cmember_t *cm = sl_cm_find(g, member_id);
    if (!cm || cm->pending || g->state == GS_EMPTY)
        return KE_UNKNOWN_MEMBER_ID;
    if (generation != g->generation)
        return KE_ILLEGAL_GENERATION;
    if (g->state == GS_COMPLETING_REBALANCE)
        return KE_REBALANCE_IN_PROGRESS;
    sl_cm_arm_session(s, cm);
    for (int i = 0; i < n; i++) {
        sl_gpart_t *gp = &g->parts[parts[i]];
        if (offsets[i] > gp->committed)
            gp->committed = offsets[i];
    }
    return KE_NONE;
}

static void handle_commit(sl_sim_t *s, sl_group_t *g, sl_msg_t *req) {
    sl_kerr_t err = commit_offsets(s, g, req->member_id, req->generation, req->parts, req->offsets, req->n_parts);
    send_reply(s, g, sl_coord_reply(s, g->coordinator, req, err));
}

/* The coordinator is loaded on `broker`, serving, and the group Stable:
 * the only state in which a heartbeat's or a commit's answer is certain. */
static bool quiet(const sl_sim_t *s, const sl_group_t *g, int broker) {
    return g->coordinator == broker && !g->loading && sl_broker_serving(s, broker) &&
           sl_coordinator_leader(s, g) == broker && g->state == GS_STABLE;
}

bool sl_coord_quiet_heartbeat(sl_sim_t *s, sl_group_t *g, int broker, sl_mid_t member_id, int generation) {
    if (!quiet(s, g, broker))
        return false;
    if (sl_cg_is_consumer(g)) {
        sl_cmember_t *cm = sl_cm_find(g, member_id);
        if (!cm || cm->member_epoch != generation || cm->member_epoch != g->generation || cm->cg_state != CG_STABLE)
            return false;
        sl_cm_arm_session(s, cm);
        return true;
    }
    sl_cmember_t *cm = sl_cm_find(g, member_id);
    if (!cm || cm->pending || generation != g->generation)
        return false;
    sl_cm_arm_session(s, cm);
    return true;
}

bool sl_coord_quiet_commit(sl_sim_t *s, sl_group_t *g, int broker, sl_mid_t member_id, int generation,
                           const int *parts, const int64_t *offsets, int n) {
    if (!quiet(s, g, broker))
        return false;
    if (sl_cg_is_consumer(g))
        return sl_cg_commit_offsets(s, g, member_id, generation, parts, offsets, n) == KE_NONE;
    return commit_offsets(s, g, member_id, generation, parts, offsets, n) == KE_NONE;
}

void sl_coord_handle(sl_sim_t *s, sl_group_t *g, int broker, sl_msg_t *req) {
    if (g->coordinator != broker || sl_coordinator_leader(s, g) != broker) {
        sl_msg_t *r = sl_coord_reply(s, broker, req, KE_NOT_COORDINATOR);
        if (g->unload_seq >= 0)
            r->cause = g->unload_seq; /* why this broker no longer coordinates */
        send_reply(s, g, r);
        return;
    }
    if (g->loading) {
        /* Kafka answers heartbeats blindly while loading; others retry. */
        sl_kerr_t err = req->kind == MSG_HEARTBEAT ? KE_NONE : KE_COORDINATOR_LOAD_IN_PROGRESS;
        send_reply(s, g, sl_coord_reply(s, broker, req, err));
        return;
    }
    if (sl_cg_is_consumer(g)) {
        if (req->kind == MSG_COMMIT)
            sl_cg_commit(s, g, req);
        else if (req->kind == MSG_CONSUMER_HEARTBEAT)
            sl_cg_handle(s, g, req);
        else /* a classic request to a consumer group */
            send_reply(s, g, sl_coord_reply(s, broker, req, KE_UNKNOWN_MEMBER_ID));
        return;
    }
    switch (req->kind) {
    case MSG_JOIN: handle_join(s, g, req); break;
    case MSG_SYNC: handle_sync(s, g, req); break;
    case MSG_HEARTBEAT: handle_heartbeat(s, g, req); break;
    case MSG_LEAVE: handle_leave(s, g, req); break;
    case MSG_COMMIT: handle_commit(s, g, req); break;
    default: SL_ASSERT(!"unexpected request kind");
    }
}

/* ---- coordinator moves ---- */

static void unload(sl_sim_t *s, sl_group_t *g, int64_t cause) {
    sl_group_wake_heartbeats(s, g);
    int old = g->coordinator;
    bool alive = sl_broker_serving(s, old);
    g->unload_seq = sl_trace(s, "coordinator.unload", sl_broker_node(old), g->index, 0, g->generation, cause,
             "broker %d no longer coordinates %s (state %s)%s", old, g->cfg->id, sl_gstate_name(g->state),
             g->state == GS_PREPARING_REBALANCE || g->state == GS_COMPLETING_REBALANCE ? ": rebalance in progress lost"
                                                                                       : "");
    if (alive) {
        LOG_COORD(s, g, "INFO", "Resigned as the group coordinator for partition %d in epoch %d", g->offsets_partition,
                  g->generation);
        LOG_COORD(s, g, "INFO", "Unloading group metadata for %s with generation %d", g->cfg->id, g->generation);
    }
    if (sl_cg_is_consumer(g)) {
        /* KIP-848 state is written as records on every change: the next
         * coordinator replays exactly what is in memory now. */
        sl_cg_unload(s, g);
        g->coordinator = 0;
        g->loading = false;
        sl_timer_cancel(&s->eng, &g->load_timer);
        set_state(s, g, GS_DEAD, cause);
        sl_metrics_group_changed(s, g, cause);
        return;
    }
    for (int i = 0; i < g->n_slots; i++) {
        sl_cmember_t *cm = g->slots[i];
        if (!cm)
            continue;
        if (alive && cm->awaiting_join)
            answer_parked(s, g, cm->join_src, cm->join_req_id, MSG_JOIN, cm->id, KE_NOT_COORDINATOR, cause);
        if (alive && cm->awaiting_sync)
            answer_parked(s, g, cm->sync_src, cm->sync_req_id, MSG_SYNC, cm->id, KE_NOT_COORDINATOR, cause);
        sl_cm_free(s, g, cm);
    }
    g->n_members = g->n_awaiting_join = g->n_awaiting_sync = 0;
    sl_timer_cancel(&s->eng, &g->join_timer);
    sl_timer_cancel(&s->eng, &g->sync_timer);
    sl_timer_cancel(&s->eng, &g->load_timer);
    g->loading = false;
    g->initial_delay = false;
    set_state(s, g, GS_DEAD, cause);
    g->coordinator = 0;
    sl_metrics_group_changed(s, g, cause);
}

/* Loading done: rebuild from __consumer_offsets.  Every member gets a full
 * session timeout from now. */
static void load_cb(void *ctx, sl_timer_t *t) {
    sl_group_t *g = ctx;
    sl_sim_t *s = g->sim;
    g->loading = false;
    if (sl_cg_is_consumer(g)) {
        sl_cg_load(s, g, t->cause);
        return;
    }
    g->generation = g->stored_generation < 0 ? 0 : g->stored_generation;
    g->leader = g->stored_leader;
    for (int i = 0; i < g->n_stored; i++) {
        sl_stored_member_t *sm = &g->stored[i];
        sl_cmember_t *cm = sl_cm_add(s, g, sm->client, sm->id);
        cm->is_static = sm->is_static;
        cm->session_timeout_us = sm->session_timeout_us;
        cm->rebalance_timeout_us = sm->rebalance_timeout_us;
        cm->protocol_hash = sm->protocol_hash;
        set_assignment(cm, sm->assignment, sm->n_assignment);
        sl_cm_arm_session(s, cm);
        g->n_members++;
    }
    int64_t seq = sl_trace(s, "coordinator.load.done", coord_node(g), g->index, 0, g->generation, t->cause,
                           "loaded %s: generation %d, %d members", g->cfg->id, g->generation, g->n_members);
    sl_log(s, coord_node(g), "INFO",
           "[GroupMetadataManager brokerId=%d] Finished loading offsets and group metadata from __consumer_offsets-%d "
           "in %lld milliseconds for epoch %d",
           g->coordinator, g->offsets_partition, (long long)(s->sc->cluster.coordinator_load_us / 1000), g->generation);
    set_state(s, g, g->n_members ? GS_STABLE : GS_EMPTY, seq);
    sl_metrics_group_changed(s, g, seq);
}

void sl_coord_moved(sl_sim_t *s, sl_group_t *g, int old_leader, int new_leader, int64_t cause) {
    (void)old_leader;
    if (g->coordinator && g->coordinator != new_leader)
        unload(s, g, cause);
    if (new_leader == 0 || g->coordinator == new_leader || !sl_broker_serving(s, new_leader))
        return;
    g->coordinator = new_leader;
    g->loading = true;
    g->state = GS_DEAD;
    sl_metrics_coordinator_state(s, g);
    int64_t seq = sl_trace(s, "coordinator.load.start", coord_node(g), g->index, 0, g->generation, cause,
                           "broker %d elected coordinator for %s (__consumer_offsets-%d)", new_leader, g->cfg->id,
                           g->offsets_partition);
    LOG_COORD(s, g, "INFO", "Elected as the group coordinator for partition %d in epoch %d", g->offsets_partition,
              g->generation);
    sl_timer_arm(&s->eng, &g->load_timer, sl_now(s) + s->sc->cluster.coordinator_load_us, seq);
}

/* ---- setup ---- */

int sl_group_init(sl_sim_t *s, sl_group_t *g, int index) {
    const sl_group_cfg_t *cfg = &s->sc->groups[index];
    g->sim = s;
    g->index = index;
    g->cfg = cfg;
    g->offsets_partition = sl_offsets_partition_for(cfg->id, s->sc->cluster.offsets_partitions);
    sl_rng_seed(&g->rng, s->sc->seed, SL_STREAM(SL_STREAM_GROUP, index));
    int n = 0;
    for (int t = 0; t < cfg->n_topics; t++)
        n += s->sc->topics[cfg->topics[t]].partitions;
    g->parts = calloc((size_t)(n ? n : 1), sizeof *g->parts);
    if (!g->parts)
        return -1;
    for (int t = 0; t < cfg->n_topics; t++) {
        int ti = cfg->topics[t];
        for (int i = 0; i < s->sc->topics[ti].partitions; i++)
            g->parts[g->n_parts++].p = &s->parts[s->topic_first_part[ti] + i];
    }
    sl_timer_init(&g->join_timer, join_timer_cb, g);
    sl_timer_init(&g->sync_timer, sync_timer_cb, g);
    sl_timer_init(&g->load_timer, load_cb, g);
    g->stored_generation = -1;
    sl_meter_init(&g->meter, 0); /* partitions count as unowned from the group's first change on */
    g->unload_seq = -1;
    g->rebalancing_since_us = -1;
    /* At time 0 the group is loaded, empty, on its coordinator. */
    g->coordinator = sl_coordinator_leader(s, g);
    g->state = GS_EMPTY;
    if (sl_cg_is_consumer(g))
        sl_cg_init(s, g);
    return 0;
}

void sl_group_free(sl_sim_t *s, sl_group_t *g) {
    sl_cg_free(s, g);
    for (int i = 0; i < g->n_slots; i++)
        if (g->slots[i])
            sl_cm_free(s, g, g->slots[i]);
    free(g->slots);
    for (int i = 0; i < g->n_stored; i++)
        free(g->stored[i].assignment);
    free(g->stored);
    free(g->parts);
}
